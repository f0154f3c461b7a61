/**
 * Sweeps as job arrays on a real Slurm (scripts/slurm-local.sh starts a
 * one-node cluster; CI does so before the tests). Real sbatch, real
 * `scontrol requeue` and `scancel`, real CLI processes on the compute node;
 * numbers compared with a local run of the same sweep.
 *
 * Skipped, with a message, only where `sinfo` cannot reach a controller —
 * never under CI (CI set): there the missing cluster is a failure.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlurmFiles } from '../../src/slurm/manifest.js';
import { ACTIVE_STATES, slurmAvailable, squeue } from '../../src/slurm/slurm.js';
import { submitSweep } from '../../src/slurm/submit.js';
import { OutputFolder } from '../../src/sweep/folder.js';
import { readJournal } from '../../src/sweep/journal.js';
import { planSweep } from '../../src/sweep/plan.js';
import { runSweep } from '../../src/sweep/run.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { requireBuild, runCli, tempDir, waitFor } from '../sweep/helpers.js';
import type { TrialRecord } from '../../src/core/records.js';

const available = slurmAvailable();
if (!available && !process.env.CI) {
  process.stderr.write('\n*** test/slurm/slurm.test.ts SKIPPED: `sinfo` cannot reach a Slurm controller here; start a one-node cluster with `sudo scripts/slurm-local.sh start` ***\n\n');
}

/**
 * 3 snr × 2 n × 2 seeds = 12 trials of d 8, T 3 in 4 draw-sharing sets
 * (n, seed): over 3 tasks one runs 6 trials and two run 3. `steps` sets a
 * trial's length (≈ 0.5 s per 100 000 steps on a loaded 2-core machine), so
 * a task can be caught between two trials.
 */
function writeSweep(dir: string, name: string, steps: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
base: { d: 8, T: 3, steps: ${steps}, evalEvery: ${steps / 4}, testN: 50 }
grid:
  snr: [0.1, 0.5, 2]
  n: [4, 6]
seeds: 2
plot: { x: snr, y: n }
`);
  return file;
}

/** Lines of every journal shard written by task `index` (any incarnation) of submission n. */
function shardLines(out: string, n: number, index: number): { file: string; lines: TrialRecord[] }[] {
  const dir = join(out, 'journal');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => f.startsWith(`slurm-${n}-${index}-`))
    .sort()
    .map((f) => ({ file: f, lines: [...readJournal(join(dir, f)).trials.values()] }));
}

/** Job ids of the latest submission of a folder: arrays and merge. */
function jobsOf(out: string) {
  const files = new SlurmFiles(new OutputFolder(out));
  const n = files.latest()!;
  return { n, manifest: files.readManifest(n), jobs: files.readJobs(n)! };
}

/** Wait until none of the latest submission's jobs (arrays and merge) is pending or running. */
async function waitJobsEnded(out: string, timeoutMs = 150_000): Promise<void> {
  const { jobs } = jobsOf(out);
  const ids = [...jobs.arrays.map((a) => a.jobId), jobs.merge!];
  const t0 = Date.now();
  for (;;) {
    if (!squeue(ids).some((q) => ACTIVE_STATES.has(q.state))) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`Slurm jobs ${ids.join(', ')} still active after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Outcome of a record without the fields that differ between runs (timing, attempt, time stamps, where it ran). */
const numbers = (r: TrialRecord) => {
  const { timings: _t, finishedAt: _f, attempt: _a, provenance: _p, ...rest } = r as unknown as Record<string, unknown>;
  return rest;
};

/** Trial lines of results.jsonl in file order (raw, duplicates kept). */
const trialLines = (out: string) => readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.kind === 'trial') as TrialRecord[];

// under CI a missing cluster is a failure, counted as such
it.runIf(!!process.env.CI)('CI has a reachable Slurm controller (.ci/run starts one with scripts/slurm-local.sh)', () => {
  expect(available, '`sinfo` cannot reach a Slurm controller').toBe(true);
});

// generous limits: a loaded machine slows every process start; the waits inside have their own limits
describe.skipIf(!available && !process.env.CI)('Slurm job arrays (real one-node Slurm)', { timeout: 300_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let sweepFile: string;
  /** the local run's records by id (the reference numbers) */
  let local: Map<string, TrialRecord>;

  beforeAll(async () => {
    if (!available) throw new Error('CI is set but `sinfo` cannot reach a Slurm controller: .ci/run must start one (scripts/slurm-local.sh start)');
    requireBuild();
    tmp = tempDir('attn-phase-slurm-');
    sweepFile = writeSweep(tmp.dir, 'arr', 120_000);
    const out = join(tmp.dir, 'local');
    await runSweep(planSweep(loadSweep(sweepFile)), { outDir: out, workers: 2, progress: false, log: () => {} });
    local = readJournal(join(out, 'results.jsonl')).trials;
    expect(local.size).toBe(12);
  });

  afterAll(() => tmp?.cleanup());

  it('12 trials over 3 tasks, one requeued mid-run by `scontrol requeue`: every trial journaled once, numbers equal to a local run', async () => {
    const out = join(tmp.dir, 'requeue');
    const sub = await runCli(['slurm', 'submit', sweepFile, '--tasks', '3', '--out', out]);
    expect(sub.code, sub.stderr).toBe(0);
    const { n, manifest, jobs } = jobsOf(out);
    expect(manifest.tasks.map((t) => t.trials.length)).toEqual([6, 3, 3]);
    // requeue the 6-trial task once it has journaled its first trial
    await waitFor(() => shardLines(out, n, 0).some((s) => s.lines.length >= 1), 'task 0 journaling a trial', 90_000);
    execFileSync('scontrol', ['requeue', `${jobs.arrays[0].jobId}_0`]);
    // the requeued task waits ~10 s to be eligible again: the array is active, so a local run refuses (exit 3)
    const run = await runCli(['run', sweepFile, '--out', out, '--no-progress']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`Slurm array job(s) ${jobs.arrays[0].jobId} (submission ${n}) still run on this folder`);
    await waitJobsEnded(out);

    const shards = shardLines(out, n, 0);
    expect(shards.map((s) => s.file)).toEqual([`slurm-${n}-0-${shards[0].file.split('-')[3]}-r0.jsonl`, `slurm-${n}-0-${shards[0].file.split('-')[3]}-r1.jsonl`]);
    const [first, second] = shards.map((s) => s.lines.length);
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThan(6); // it really was stopped mid-run …
    expect(first + second).toBe(6); // … and the second incarnation ran only the rest
    // nothing ran twice anywhere, and the merge job folded everything
    const all = readdirSync(join(out, 'journal')).flatMap((f) => [...readJournal(join(out, 'journal', f)).trials.keys()]);
    expect(all.sort()).toEqual([...local.keys()].sort());
    const merged = trialLines(out);
    expect(merged.map((r) => r.id).sort()).toEqual([...local.keys()].sort());
    for (const r of merged) expect(numbers(r)).toEqual(numbers(local.get(r.id)!));
    // a second merge (by hand) changes nothing
    const before = readFileSync(join(out, 'results.jsonl'));
    const again = await runCli(['slurm', 'merge', out, '--no-render']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/0 journal line\(s\) folded/);
    expect(readFileSync(join(out, 'results.jsonl')).equals(before)).toBe(true);
  });

  it('a task cancelled with `scancel`: status shows what is missing, and submitting again runs only that', async () => {
    const out = join(tmp.dir, 'cancel');
    const sub = await runCli(['slurm', 'submit', sweepFile, '--tasks', '3', '--out', out, '--no-render']);
    expect(sub.code, sub.stderr).toBe(0);
    const { n, manifest, jobs } = jobsOf(out);
    await waitFor(() => shardLines(out, n, 0).some((s) => s.lines.length >= 1), 'task 0 journaling a trial', 90_000);
    execFileSync('scancel', [`${jobs.arrays[0].jobId}_0`]);
    await waitJobsEnded(out);

    const journaled = new Set(readdirSync(join(out, 'journal')).flatMap((f) => [...readJournal(join(out, 'journal', f)).trials.keys()]));
    const missing = manifest.tasks[0].trials.filter((id) => !journaled.has(id));
    expect(missing.length).toBeGreaterThan(0);
    expect(journaled.size).toBe(12 - missing.length);
    const st = await runCli(['status', out]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain(`task 0 [${jobs.arrays[0].jobId}_0]: ${6 - missing.length}/6 done`);
    expect(st.stdout).toMatch(new RegExp(`${missing.length} trial\\(s\\) missing; task\\(s\\) 0 ended without finishing`));
    // the merge job ran after the cancel and lists exactly those trials with the command that finishes them
    const mergeLog = readFileSync(join(out, 'slurm', String(n), 'logs', `merge-${jobs.merge}.out`), 'utf8');
    for (const id of missing) expect(mergeLog).toContain(id);
    expect(mergeLog).toContain(`slurm submit ${sweepFile} --out ${out} --tasks ${Math.min(3, missing.length)}`);

    const again = await runCli(['slurm', 'submit', sweepFile, '--tasks', '3', '--out', out, '--no-render']);
    expect(again.code, again.stderr).toBe(0);
    const second = jobsOf(out);
    expect(second.n).toBe(n + 1);
    expect(second.manifest.skipped).toBe(12 - missing.length);
    expect(second.manifest.tasks.flatMap((t) => t.trials).sort()).toEqual([...missing].sort());
    await waitJobsEnded(out);
    const merged = trialLines(out);
    expect(merged.map((r) => r.id).sort()).toEqual([...local.keys()].sort());
    for (const r of merged) expect(numbers(r)).toEqual(numbers(local.get(r.id)!));
  });

  it('a trial that throws: its task exits non-zero and the merge lists it', async () => {
    const out = join(tmp.dir, 'fault');
    const faultSweep = writeSweep(tmp.dir, 'fault', 2000);
    const plan = planSweep(loadSweep(faultSweep));
    const bad = plan.trials[4];
    // a trial its engine cannot run (the wishart engine needs a Gaussian W₀; the plan's engine is the one the worker runs): it throws on every attempt
    plan.trials[4] = { ...bad, engine: 'wishart' };
    const s = await submitSweep(plan, { outDir: out, tasks: 3, retries: 0, render: false, command: { sweepFile: faultSweep, overrides: [] } });
    expect(s.tasks).toBe(3);
    const badTask = s.jobs && jobsOf(out).manifest.tasks.find((t) => t.trials.includes(bad.id))!.index;
    await waitJobsEnded(out);
    const states = new Map(squeue(s.jobs!.arrays.map((a) => a.jobId)).map((q) => [q.arrayTaskId, q.state]));
    for (let i = 0; i < 3; i++) expect(states.get(i)).toBe(i === badTask ? 'FAILED' : 'COMPLETED');
    const m = await runCli(['slurm', 'merge', out, '--no-render']);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`missing trials (1):\n  ${bad.id} cell ${bad.cellKey} seed ${bad.seed} (task ${badTask}): Error: init: engine wishart needs init {W: gaussian, p: zero} (got W: uniform, p: zero); use engine: reduced or auto`);
    expect(m.stderr).toContain(`slurm submit ${faultSweep} --out ${out} --tasks 1 --cpus 1 --retries 0`);
    expect(trialLines(out).map((r) => r.id).sort()).toEqual(plan.trials.filter((t) => t.id !== bad.id).map((t) => t.id).sort());
  });
});
