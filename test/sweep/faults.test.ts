/**
 * Faults: a trial that throws, a worker that exits or runs out of heap, a
 * trial that fails for good, and a diverging trial (an outcome, not a
 * failure). The programmatic tests inject faults with a worker module of the
 * same contract (test/helpers/fault-worker.mjs, given as `workerFile`) that
 * reads a `testFault` key in a trial's config (the sweep schema rejects
 * unknown keys); they run real piscina worker threads over dist/. The last
 * test is a real CLI process.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/sweep/journal.js';
import { type Plan, planSweep } from '../../src/sweep/plan.js';
import { renderSweepFigures } from '../../src/plot/figures.js';
import { type RenderFn, runSweep } from '../../src/sweep/run.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { diagramCounts, requireBuild, runCli, tempDir } from './helpers.js';
import type { FailureRecord } from '../../src/core/records.js';
import { LockedError } from '../../src/core/errors.js';

let tmp: ReturnType<typeof tempDir>;
let clean: ReturnType<typeof readJournal>;

/** 4 snr × 2 eta × 2 seeds = 16 tiny trials; the 8 trials of a seed form one pool task (shared draws). */
function tinyPlan(): Plan {
  return planSweep(validateSweep({
    name: 'faults',
    base: { d: 8, n: 4, T: 3, steps: 40, evalEvery: 10, testN: 50 },
    grid: { snr: [0.1, 0.5, 1, 3], eta: [0.1, 0.3] },
    seeds: 2,
    plot: { x: 'snr', y: 'eta' },
  }));
}

/** The plan with a test fault in the config of trial `index` (its id is kept). */
function withFault(index: number, fault: Record<string, unknown>): { plan: Plan; id: string } {
  const plan = tinyPlan();
  const t = plan.trials[index];
  plan.trials[index] = { ...t, config: { ...t.config, ...fault } as typeof t.config };
  return { plan, id: t.id };
}

const quiet = { workers: 2, progress: false, log: () => {}, workerFile: fileURLToPath(new URL('../helpers/fault-worker.mjs', import.meta.url)) };
/** The figures of the CLI (the runner itself draws nothing). */
const draw: RenderFn = ({ folder, plan, cells, records, final }) => renderSweepFigures(folder.dir, plan, cells, records, { final });
const failuresOf = (out: string, id: string): FailureRecord[] => readJournal(join(out, 'results.jsonl')).failures.get(id) ?? [];
/** Outcome of a trial record without config and volatile fields. */
const outcome = (r: object) => {
  const { config: _c, timings: _t, finishedAt: _f, attempt: _a, ...rest } = r as Record<string, unknown>;
  return rest;
};

beforeAll(async () => {
  requireBuild();
  tmp = tempDir();
  const out = join(tmp.dir, 'clean');
  await runSweep(tinyPlan(), { ...quiet, outDir: out });
  clean = readJournal(join(out, 'results.jsonl'));
  expect(clean.trials.size).toBe(16);
});

afterAll(() => tmp?.cleanup());

describe('faults', () => {
  it('a trial that always throws is recorded with its error, retried --retries times, and listed; the rest finishes and renders', async () => {
    const { plan, id } = withFault(4, { testFault: 'throw' });
    const out = join(tmp.dir, 'throw');
    const s = await runSweep(plan, { ...quiet, render: draw, outDir: out, retries: 2 });
    const f = failuresOf(out, id);
    expect(f.map((x) => [x.attempt, x.final, x.error])).toEqual([
      [1, false, 'Error: injected fault'],
      [2, false, 'Error: injected fault'],
      [3, true, 'Error: injected fault'],
    ]);
    expect(s.failed).toEqual([{ id, cellKey: plan.trials[4].cellKey, seed: plan.trials[4].seed, error: 'Error: injected fault' }]);
    expect(s.ran).toBe(15);
    expect(s.interrupted).toBe(false);
    const j = readJournal(join(out, 'results.jsonl'));
    expect(j.trials.size).toBe(15);
    expect(j.failures.size).toBe(1); // nobody else was charged
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(true);
    expect(diagramCounts(out).get(plan.trials[4].cellKey)).toBe(1); // the other seed of that cell

    // a rerun gives the failed trial a fresh set of retries; attempt numbers continue
    const again = await runSweep(plan, { ...quiet, outDir: out, retries: 0 });
    expect(again.skipped).toBe(15);
    expect(again.failed.map((x) => x.id)).toEqual([id]);
    expect(failuresOf(out, id).map((x) => [x.attempt, x.final])).toEqual([[1, false], [2, false], [3, true], [4, true]]);
  });

  it('a worker that exits mid-group: only the running trial is charged, it is retried and gives the numbers of a clean run', async () => {
    // trial 4 is the 3rd of seed 0's task: trials 0 and 2 are done before, 6…14 not started when the worker dies
    const { plan, id } = withFault(4, { testFault: 'exit', testFaultAttempts: 1 });
    const out = join(tmp.dir, 'exit-once');
    const s = await runSweep(plan, { ...quiet, outDir: out, retries: 1 });
    expect(s.failed).toEqual([]);
    expect(s.ran).toBe(16);
    const j = readJournal(join(out, 'results.jsonl'));
    expect([...j.failures.keys()]).toEqual([id]);
    const [f] = j.failures.get(id)!;
    expect(f).toMatchObject({ attempt: 1, final: false });
    expect(f.error).toMatch(/^worker died: .*exited with code: 3/);
    expect(j.trials.get(id)!.attempt).toBe(2);
    for (const [tid, rec] of clean.trials) {
      expect(j.trials.get(tid)!.attempt, tid).toBe(tid === id ? 2 : 1);
      expect(outcome(j.trials.get(tid)!), tid).toEqual(outcome(rec));
    }
  });

  it('a worker that always exits: the trial fails for good after its retries, the sweep goes on', async () => {
    const { plan, id } = withFault(7, { testFault: 'exit' });
    const out = join(tmp.dir, 'exit-always');
    const s = await runSweep(plan, { ...quiet, outDir: out, retries: 1 });
    expect(s.failed.map((x) => x.id)).toEqual([id]);
    expect(s.failed[0].error).toMatch(/^worker died: /);
    expect(failuresOf(out, id).map((x) => [x.attempt, x.final])).toEqual([[1, false], [2, true]]);
    expect(readJournal(join(out, 'results.jsonl')).trials.size).toBe(15);
  });

  it('a worker that runs out of heap is recorded as a failed attempt and retried', async () => {
    const { plan, id } = withFault(1, { testFault: 'oom', testFaultAttempts: 1 });
    const out = join(tmp.dir, 'oom');
    const s = await runSweep(plan, { ...quiet, outDir: out, retries: 1, maxHeapMb: 48 });
    expect(s.failed).toEqual([]);
    const f = failuresOf(out, id);
    expect(f).toHaveLength(1);
    expect(f[0].error).toMatch(/^worker died: .*memory/);
    const j = readJournal(join(out, 'results.jsonl'));
    expect(j.trials.size).toBe(16);
    expect(outcome(j.trials.get(id)!)).toEqual(outcome(clean.trials.get(id)!));
  });

  it('a second runSweep on a folder in use is refused with LockedError', async () => {
    const out = join(tmp.dir, 'locked');
    const first = runSweep(tinyPlan(), { ...quiet, outDir: out });
    await new Promise((r) => setTimeout(r, 50)); // the first holds the lock by now
    await expect(runSweep(tinyPlan(), { ...quiet, outDir: out })).rejects.toBeInstanceOf(LockedError);
    expect((await first).ran).toBe(16);
  });
});

describe('attn-phase run with a failing and a diverging trial', () => {
  it('records divergence as an outcome, the failure with its retries; renders, lists the failed trial, exits 1', async () => {
    // d = 300 000 with the explicit engine cannot allocate W (d² doubles): a trial that throws for real;
    // nuScale 1e308 with alpha 1e10 overflows the loss: the `diverged` outcome
    const file = join(tmp.dir, 'mixed.yaml');
    writeFileSync(file, `name: mixed
base: { n: 4, T: 3, steps: 40, evalEvery: 10, testN: 50, engine: explicit, alpha: 1e10 }
grid:
  d: [8, 300000]
  nuScale: [1, 1e308]
seeds: 1
`);
    const out = join(tmp.dir, 'mixed');
    // planning refuses trials estimated above 8 GiB; lift that guard so the trial reaches a worker and fails there
    process.env.ATTN_PHASE_MAX_TRIAL_GIB = '1e9';
    const r = await runCli(['run', file, '--out', out, '--retries', '1', '--no-progress']).finally(() => delete process.env.ATTN_PHASE_MAX_TRIAL_GIB);
    expect(r.code, r.stderr).toBe(1);
    const j = readJournal(join(out, 'results.jsonl'));
    const recs = [...j.trials.values()];
    expect(recs.map((x) => x.axes.d)).toEqual([8, 8]);
    const div = recs.find((x) => x.axes.nuScale === 1e308)!;
    expect(div.diverged).toBe(true);
    expect(div.regime).toBe('diverged');
    expect(j.failures.size).toBe(2); // both d = 300 000 trials, none of the d = 8 ones
    for (const fs of j.failures.values()) expect(fs.map((f) => [f.attempt, f.final])).toEqual([[1, false], [2, true]]);
    expect(r.stderr).toMatch(/failed trials \(2; rerun to retry them\):\n {2}[0-9a-f]{16} cell \[300000,(1|1e\+308)\] seed 0: RangeError/);
    expect(r.stdout).toContain(join(out, 'phase-diagram.png'));
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(true);
  });
});
