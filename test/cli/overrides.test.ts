/**
 * Command-line overrides (`run sweep.yaml d=500 grid.n=[10,20] …`) and
 * `--dry-run`, through real `attn-phase` processes: overrides are validated
 * like the file, the resolved sweep is written as `sweep.yaml` and repeats
 * the run; a dry run prints the plan and writes nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { estimatePlan } from '../../src/sweep/dryrun.js';
import { applyOverrides } from '../../src/sweep/overrides.js';
import { planSweep } from '../../src/sweep/plan.js';
import { loadSweep, validateSweep } from '../../src/sweep/spec.js';
import { CLI, requireBuild, tempDir, writeSweep } from '../sweep/helpers.js';
import { SweepSpecError } from '../../src/core/errors.js';

/** Run the CLI to its end, asynchronously (a blocked test worker loses its RPC to vitest on a loaded machine). */
function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SweepSpecError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected a SweepSpecError');
}

const DOC = {
  name: 'snr-n',
  base: { d: 2000, steps: 1000 },
  grid: { snr: { logspace: [0.05, 2], num: 8 }, n: [5, 10, 20] },
  seeds: 2,
  plot: { x: 'snr', y: 'n' },
};

describe('applyOverrides', () => {
  it('bare names mean base., dotted paths reach anything, values are YAML; the input is not modified', () => {
    const before = JSON.stringify(DOC);
    const out = applyOverrides(DOC, ['d=500', 'seeds=3', 'grid.n=[10,20]', 'plot.width=8.5cm', 'name=quick', 'base.init.W=gaussian', "description='3'"]);
    expect(JSON.stringify(DOC)).toBe(before);
    expect(out).toEqual({
      name: 'quick', description: '3',
      base: { d: 500, steps: 1000, init: { W: 'gaussian' } },
      grid: { snr: { logspace: [0.05, 2], num: 8 }, n: [10, 20] },
      seeds: 3,
      plot: { x: 'snr', y: 'n', width: '8.5cm' },
    });
    const s = validateSweep(out, 'f.yaml');
    expect(s.base.d).toBe(500);
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.axes.find((a) => a.name === 'n')!.values).toEqual([10, 20]);
  });

  it('fixing a swept parameter drops its axis; sweeping a fixed one drops it from base; ~key removes', () => {
    const fixed = applyOverrides(DOC, ['n=40', '~plot.y']);
    expect(fixed.grid).toEqual({ snr: DOC.grid.snr });
    expect((fixed.base as Record<string, unknown>).n).toBe(40);
    expect(fixed.plot).toEqual({ x: 'snr' });
    const swept = applyOverrides(DOC, ['grid.d=[100, 200]', '~grid.nothing.here']);
    expect(swept.base).toEqual({ steps: 1000 });
    expect(planSweep(validateSweep(swept)).trials).toHaveLength(2 * 8 * 3 * 2);
  });

  it('an unknown first key suggests the nearest valid one', () => {
    expect(errorOf(() => applyOverrides(DOC, ['seed=3']))).toBe('command line: seed: unknown key — did you mean `seeds`?');
    expect(errorOf(() => applyOverrides(DOC, ['alpah=0.1']))).toMatch(/alpah: unknown key — did you mean `alpha`\?/);
    expect(errorOf(() => applyOverrides(DOC, ['zzzzzzzz=1']))).toMatch(/zzzzzzzz: unknown key \(keys: name, .*parameter: d, /);
    expect(errorOf(() => applyOverrides(DOC, ['d']))).toMatch(/^command line: d: expected key=value/);
    expect(errorOf(() => applyOverrides(DOC, ['name.x=1']))).toMatch(/name is not a mapping/);
  });

  it('values are validated exactly like the file: the same one-line error naming the key', () => {
    const { dir, cleanup } = tempDir();
    try {
      const cases: [string[], Record<string, unknown>][] = [
        [['eta=0.7'], { ...DOC, base: { ...DOC.base, eta: 0.7 } }],
        [['plot.widht=8cm'], { ...DOC, plot: { ...DOC.plot, widht: '8cm' } }],
        [['grid.T=[4,2]'], { ...DOC, grid: { ...DOC.grid, T: [4, 2] } }],
        [['base.init.Wx=1'], { ...DOC, base: { ...DOC.base, init: { Wx: 1 } } }],
        [['plot.width=huge'], { ...DOC, plot: { ...DOC.plot, width: 'huge' } }],
      ];
      for (const [ov, same] of cases) {
        const file = join(dir, 'f.yaml');
        writeFileSync(file, JSON.stringify(same)); // JSON is YAML
        const fromFile = errorOf(() => loadSweep(file));
        const fromOverride = errorOf(() => validateSweep(applyOverrides(DOC, ov), file));
        expect(fromOverride, ov.join(' ')).toBe(fromFile);
      }
      expect(errorOf(() => validateSweep(applyOverrides(DOC, ['plot.widht=8cm']), 'f'))).toBe('f: plot.widht: unknown key — did you mean `width`?');
      expect(errorOf(() => validateSweep(applyOverrides(DOC, ['grid.snrr=[1]']), 'f'))).toMatch(/^f: grid\.snrr: unknown parameter — did you mean `snr`\?$/);
    } finally {
      cleanup();
    }
  });
});

describe('run with overrides (real processes)', () => {
  const { dir, cleanup } = tempDir();
  beforeAll(requireBuild);
  afterAll(cleanup);

  it('runs the overridden sweep, writes sweep.yaml, and that file repeats the run', async () => {
    const file = writeSweep(dir, 'base-sweep', 40);
    const r = await cli(['run', file, 'seeds=1', 'grid.snr=[0.5, 2]', 'd=10', 'name=quick', 'plot.width=8.5cm', '--workers', '1', '--no-progress'], dir);
    expect(r.stderr).toContain('sweep quick');
    expect(r.code).toBe(0);
    const out = join(dir, 'output', 'quick');
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { trials: { id: string }[] };
    expect(plan.trials).toHaveLength(2 * 2);
    const journal = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { config: { d: number } });
    expect(journal.map((j) => j.config.d)).toEqual([10, 10, 10, 10]);
    const resolved = parseYaml(readFileSync(join(out, 'sweep.yaml'), 'utf8')) as { base: Record<string, unknown>; plot: Record<string, unknown> };
    expect(resolved.base.d).toBe(10);
    expect(resolved.base.alpha).toBe(0.005); // defaults written out
    expect(resolved.plot.width).toBe('8.5cm');
    // the resolved file plans exactly the trials that ran …
    const again = planSweep(loadSweep(join(out, 'sweep.yaml')));
    expect(again.trials.map((t) => t.id).sort()).toEqual(plan.trials.map((t) => t.id).sort());
    // … and re-running it resumes them all
    const r2 = await cli(['run', join(out, 'sweep.yaml'), '--workers', '1', '--no-progress'], dir);
    expect(r2.code).toBe(0);
    expect(r2.stderr).toMatch(/0 trials run, 4 resumed/);
  });

  it('a bad override exits 2 with one line naming the key, and writes nothing', async () => {
    const file = writeSweep(dir, 'bad', 40);
    const r = await cli(['run', file, 'seed=3'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('attn-phase: error: command line: seed: unknown key — did you mean `seeds`?');
    const r2 = await cli(['run', file, 'eta=0.7'], dir);
    expect(r2.code).toBe(2);
    expect(r2.stderr.trim()).toMatch(/bad\.yaml: base\.eta: .*0\.7/);
    expect(existsSync(join(dir, 'output', 'bad'))).toBe(false);
  });

  it('--engine E is the override engine=E: it replaces a grid axis `engine`, every trial runs on E, and sweep.yaml repeats the run', async () => {
    const file = join(dir, 'engines.yaml');
    writeFileSync(file, 'name: engines\nbase: { d: 12, T: 3, n: 4, steps: 10, evalEvery: 5, testN: 30 }\ngrid:\n  engine: [explicit, reduced]\n  snr: [0.5, 2]\nseeds: 1\n');
    const r = await cli(['run', file, '--engine', 'explicit', '--workers', '1', '--no-progress'], dir);
    expect(r.stderr).toContain('2 cells × 1 seeds = 2 trials');
    expect(r.code).toBe(0);
    const out = join(dir, 'output', 'engines');
    const journal = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { engine: string });
    expect(journal.map((j) => j.engine)).toEqual(['explicit', 'explicit']);
    const resolved = parseYaml(readFileSync(join(out, 'sweep.yaml'), 'utf8')) as { base: Record<string, unknown>; grid: Record<string, unknown> };
    expect(resolved.base.engine).toBe('explicit');
    expect(resolved.grid.engine).toBeUndefined();
    const r2 = await cli(['run', join(out, 'sweep.yaml'), '--workers', '1', '--no-progress'], dir);
    expect(r2.code).toBe(0);
    expect(r2.stderr).toMatch(/0 trials run, 2 resumed/);
    const bad = await cli(['run', file, '--engine', 'fast'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('attn-phase: error: --engine: expected auto | explicit | reduced | wishart, got "fast"');
  });
});

describe('--dry-run', () => {
  const { dir, cleanup } = tempDir();
  beforeAll(requireBuild);
  afterAll(cleanup);

  /** Every file under `root` with its size and mtime. */
  function snapshot(root: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else {
          const st = statSync(p);
          out.push(`${p} ${st.size} ${st.mtimeMs}`);
        }
      }
    };
    walk(root);
    return out.sort();
  }

  it('prints cells, trials, engine per cell, time on the workers and memory per worker, and writes nothing', async () => {
    const file = writeSweep(dir, 'dry', 40);
    const before = snapshot(dir);
    const r = await cli(['run', file, '--dry-run', '--workers', '2', 'grid.eta=[0.1]', 'engine=explicit'], dir);
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, 'output'))).toBe(false);
    const plan = planSweep(validateSweep(applyOverrides(parseYaml(readFileSync(file, 'utf8')), ['grid.eta=[0.1]', 'engine=explicit'])));
    expect(r.stdout).toContain(`6 cells × 2 seeds = 12 trials; engines: explicit 12`);
    const rows = r.stdout.split('\n').filter((l) => /^\d+\t/.test(l));
    expect(rows).toHaveLength(plan.cells.length);
    for (const row of rows) expect(row.split('\t')).toContain('explicit');
    expect(r.stdout).toMatch(/estimated time: .* on 2 worker\(s\)/);
    expect(r.stdout).toMatch(/estimated peak memory per worker: \d+ MiB/);
  });

  it('on an existing output folder: nothing in it changes', async () => {
    const file = writeSweep(dir, 'dry2', 40);
    expect((await cli(['run', file, 'seeds=1', '--workers', '1', '--no-progress'], dir)).code).toBe(0);
    const before = snapshot(join(dir, 'output'));
    const r = await cli(['run', file, 'seeds=3', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('12 cells × 3 seeds = 36 trials');
    expect(snapshot(join(dir, 'output'))).toEqual(before);
  });

  it('the estimate: wall time between work/workers and the work, memory the largest trial', () => {
    const sweep = validateSweep({ name: 'e', base: { steps: 200 }, grid: { d: [50, 400], n: [4, 40] }, seeds: 3 });
    const plan = planSweep(sweep);
    const one = estimatePlan(plan, 1);
    const four = estimatePlan(plan, 4);
    expect(one.wallSeconds).toBeCloseTo(one.cpuSeconds, 9);
    expect(four.wallSeconds).toBeGreaterThanOrEqual(four.cpuSeconds / 4 - 1e-12);
    expect(four.wallSeconds).toBeLessThanOrEqual(four.cpuSeconds + 1e-12);
    // trials differing only in snr share their dense draws (SPEC §6): a group of k costs less than k lone trials
    const lone = (snr: number) => estimatePlan(planSweep(validateSweep({ name: 'l', base: { d: 2000, n: 20 }, grid: { snr: [snr] } })), 1).cpuSeconds;
    const shared = estimatePlan(planSweep(validateSweep({ name: 's', base: { d: 2000, n: 20 }, grid: { snr: [0.1, 0.2, 0.4, 0.8] } })), 1);
    expect(shared.engines).toEqual({ reduced: 4 });
    expect(shared.cpuSeconds).toBeLessThan(lone(0.1) + lone(0.2) + lone(0.4) + lone(0.8));
    expect(shared.cpuSeconds).toBeGreaterThan(lone(0.1));
    expect(one.cells.reduce((s, c) => s + c.trials, 0)).toBe(plan.trials.length);
    // memory grows with d and n: the largest trial is the d = 400, n = 40 cell
    const biggest = one.cells.find((c) => c.axes.d === 400 && c.axes.n === 40)!;
    expect(one.peakWorkerBytes).toBe(biggest.memoryBytes);
    expect(Math.max(...one.cells.map((c) => c.memoryBytes))).toBe(biggest.memoryBytes);
  });
});
