/**
 * The public API (src/index.ts, the package's `exports`): exactly the
 * documented names, each with a docstring; the example script runs on it
 * alone and its numbers agree with the journal it wrote; progress and stop
 * callbacks of runSweep act on a real pool.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ROOT, requireBuild, tempDir } from '../sweep/helpers.js';

const PUBLIC = ['SweepSpecError', 'buildFigures', 'estimateBoundary', 'loadSweep', 'openSweep', 'planSweep', 'renderFigure', 'renderFigures', 'runSweep', 'runTrial'];

describe('public API', () => {
  const { dir, cleanup } = tempDir('attn-phase-api-');
  beforeAll(requireBuild);
  afterAll(cleanup);

  it('exports exactly the documented names, each with a docstring', () => {
    expect(Object.keys(api).sort()).toEqual([...PUBLIC].sort());
    const src = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');
    for (const name of PUBLIC.filter((n) => n !== 'SweepSpecError')) {
      expect(src, name).toMatch(new RegExp(`\\*/\\nexport (async )?function ${name}\\(`));
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { import: string; types: string }> };
    expect(pkg.exports['.'].import).toBe('./dist/index.js');
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
  });

  it('the example runs on the public API alone, and its numbers are the journal\'s', async () => {
    const example = readFileSync(join(ROOT, 'examples', 'sweep-and-plot.mjs'), 'utf8');
    const imports = [...example.matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1]);
    expect(imports).toEqual(['attn-phase']);
    const out = join(dir, 'example');
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'examples', 'sweep-and-plot.mjs'), out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('error', reject);
      child.on('close', (status) => done({ status, stdout, stderr }));
    });
    expect(r.stderr).toContain('6/6 trials');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as {
      ran: number; trials: number; cells: { snr: number; n: number; testError: number; noisyFit: number }[];
      figures: string[]; trial: { testAcc: number; checkpoints: number; regime: string };
    };
    expect(res.ran).toBe(6);
    expect(res.trials).toBe(6);
    expect(res.figures).toContain('phase-diagram');
    // per-cell test error = 1 − final test accuracy of the cell's trial, read from the journal directly
    const journal = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
      axes: { snr: number; n: number }; seed: number; final: { testAcc: number }; regime: string; checkpoints: unknown[];
    });
    expect(journal).toHaveLength(6);
    for (const c of res.cells) {
      const rec = journal.find((j) => j.axes.snr === c.snr && j.axes.n === c.n)!;
      expect(c.testError).toBeCloseTo(1 - rec.final.testAcc, 12);
    }
    // runTrial with a cell's parameters and seed reproduces that cell's trial exactly (same streams, same engine)
    const same = journal.find((j) => j.axes.snr === 0.4 && j.axes.n === 6)!;
    expect(res.trial.testAcc).toBe(same.final.testAcc);
    expect(res.trial.regime).toBe(same.regime);
    expect(res.trial.checkpoints).toBe(same.checkpoints.length);
    // the custom figure was rendered
    expect(readFileSync(join(out, 'test-error-by-snr.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(readFileSync(join(out, 'test-error-by-snr.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('runSweep reports progress, stops gracefully on the signal, and resumes', async () => {
    const plan = api.planSweep(api.loadSweep({ name: 'stop', base: { d: 12, n: 4, T: 3, steps: 20000, evalEvery: 5000, testN: 20 }, grid: { snr: [0.2, 0.5, 1, 2, 4, 8] }, seeds: 1 }));
    const outDir = join(dir, 'stop');
    const seen: number[] = [];
    const controller = new AbortController();
    const first = await api.runSweep(plan, {
      outDir, workers: 1, render: false, signal: controller.signal, log: () => {},
      onProgress: (p) => {
        seen.push(p.done);
        expect(p.total).toBe(6);
        if (p.done === 2) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.ran).toBeLessThan(6);
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    expect(api.openSweep(outDir).records).toHaveLength(first.ran);
    const second = await api.runSweep(plan, { outDir, workers: 1, render: false, log: () => {} });
    expect(second.skipped).toBe(first.ran);
    expect(second.ran).toBe(6 - first.ran);
    const folder = api.openSweep(outDir);
    expect(folder.records).toHaveLength(6);
    expect(folder.cells.every((c) => c.count === 1)).toBe(true);
  });

  it('bad input is a SweepSpecError naming the key', () => {
    expect(() => api.runTrial({ eta: 0.9 })).toThrow(api.SweepSpecError);
    expect(() => api.runTrial({ eta: 0.9 })).toThrow(/base\.eta/);
    expect(() => api.loadSweep({ name: 'x' }, ['seed=2'])).toThrow(/did you mean `seeds`/);
    expect(() => api.openSweep(join(dir, 'nothing-here'))).toThrow(/nothing-here/);
  });
});
