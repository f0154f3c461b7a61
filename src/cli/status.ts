/**
 * `attn-phase status <output-dir>`: progress of a sweep, also one running in
 * another terminal — from plan.json, run.json, the journal and the lock.
 */
import type { Command } from 'commander';
import { type SlurmStatus, formatSlurmStatus, slurmStatus } from '../slurm/status.js';
import { OutputFolder } from '../sweep/folder.js';
import type { LockState, RunInfo } from '../sweep/lock.js';
import { type ProgressCounts, progressLine, rateAndEta } from '../sweep/progress.js';
import { fail } from './errors.js';
import { FolderError } from '../core/errors.js';

/** What `status` reports (also its `--json` output). */
export interface SweepStatus {
  outDir: string;
  sweep: string;
  /** a live run holds the folder's lock */
  active: boolean;
  lock: { held: boolean; stale: boolean; reason?: string };
  /** the current (or last) run, from run.json */
  run: RunInfo | null;
  counts: ProgressCounts;
  /** trials/s over the run (finishedAt of its journal lines) */
  rate: number;
  /** ms left at that rate (null when unknown or not running) */
  etaMs: number | null;
  /** trials that failed for good in the run and have not finished since */
  failed: { id: string; cellKey: string; seed: number; error: string }[];
  /** a journal file ends in an unterminated line (a write in progress, or a crash) */
  tornTail: boolean;
  /** journal lines set aside as invalid (their trials count as not done) */
  invalidLines: number;
  /** the reference time of the numbers (now if active, else the end of the run), ms */
  at: number;
  /** per-task progress of the latest Slurm submission (null if never submitted) */
  slurm: SlurmStatus | null;
}

/**
 * Gather the status of an output folder. Counts are those of the run that
 * holds (or last held) the folder: done = plan trials in the journal;
 * failed = plan trials with a final failure journaled since the run started
 * and no success; rate = trials journaled since the run started per second.
 *
 * Trials are counted over every journal file of the folder (results.jsonl
 * and the shards), a torn last line tolerated, invalid lines not counted.
 *
 * @throws FolderError if the folder does not exist or has no plan.json;
 *   IoError naming the file if a journal file cannot be read
 */
export function sweepStatus(dir: string, now = Date.now()): SweepStatus {
  const folder = OutputFolder.open(dir);
  const outDir = folder.dir;
  const plan = folder.readPlan();
  if (!plan) throw new FolderError(`${dir}: no plan.json here; not an attn-phase output folder (a run writes it when it starts)`);
  const lock: LockState = folder.lockState();
  const run = folder.readRunInfo();
  const journal = folder.replay();
  const startedAt = run ? Date.parse(run.startedAt) : NaN;
  const since = (iso: string) => Number.isFinite(startedAt) && Date.parse(iso) >= startedAt;
  let done = 0;
  let doneThisRun = 0;
  let lastFinish = -Infinity;
  let lastFinishThisRun = -Infinity;
  let firstFinish = Infinity;
  const failed: SweepStatus['failed'] = [];
  for (const t of plan.trials) {
    const rec = journal.trials.get(t.id);
    if (rec) {
      done++;
      const ms = Date.parse(rec.finishedAt);
      if (since(rec.finishedAt)) {
        doneThisRun++;
        if (ms > lastFinishThisRun) lastFinishThisRun = ms;
      }
      if (ms > lastFinish) lastFinish = ms;
      if (ms < firstFinish) firstFinish = ms;
      continue;
    }
    const fs = journal.failures.get(t.id) ?? [];
    const last = fs[fs.length - 1];
    if (last && last.final && since(last.finishedAt)) failed.push({ id: t.id, cellKey: t.cellKey, seed: t.seed, error: last.error });
  }
  const active = lock.held;
  // a run that is not active is looked at as of its last journaled trial (else its end)
  const ended = Number.isFinite(lastFinishThisRun) ? lastFinishThisRun : run?.endedAt ? Date.parse(run.endedAt) : Number.isFinite(lastFinish) ? lastFinish : now;
  const at = active ? now : Math.max(ended, Number.isFinite(startedAt) ? startedAt : ended);
  const counts: ProgressCounts = {
    done, total: plan.trials.length, failed: failed.length, doneThisRun,
    startedAt: Number.isFinite(startedAt) ? startedAt : Number.isFinite(firstFinish) ? firstFinish : at,
  };
  const { rate, etaMs } = rateAndEta(counts, at);
  return {
    outDir, sweep: plan.sweep.name, active, lock: { held: lock.held, stale: lock.stale, reason: lock.reason }, run, counts, rate,
    etaMs: active && Number.isFinite(etaMs) ? etaMs : null, failed, tornTail: journal.torn,
    invalidLines: journal.files.reduce((n, f) => n + f.contents.bad.length, 0), at,
    slurm: slurmStatus(folder, journal), // one squeue call, none if never submitted
  };
}

/** Human-readable lines of a status. */
export function formatStatus(s: SweepStatus): string {
  const lines: string[] = [];
  const r = s.run;
  lines.push(`sweep ${s.sweep} in ${s.outDir}`);
  if (s.active) {
    lines.push(`running: yes — lock held${r ? ` by pid ${r.pid} on ${r.hostname}, started ${r.startedAt}${r.workers ? `, ${r.workers} worker(s)` : ''}` : ''}`);
  } else if (s.lock.stale) {
    lines.push(`running: no — a stale lock remains (${s.lock.reason}); the next run takes it over`);
  } else if (r?.endedAt) {
    lines.push(`running: no — lock free; last run (pid ${r.pid}) ended ${r.endedAt}: ${r.outcome ?? 'unknown'}`);
  } else {
    lines.push('running: no — lock free');
  }
  lines.push(progressLine(s.counts, s.at, s.active));
  if (!s.active && s.counts.done + s.counts.failed < s.counts.total) {
    lines.push(`${s.counts.total - s.counts.done} trial(s) not done; rerun the sweep to resume`);
  }
  if (s.failed.length) {
    lines.push(`failed trials (${s.failed.length}):`);
    for (const f of s.failed) lines.push(`  ${f.id} cell ${f.cellKey} seed ${f.seed}: ${f.error}`);
  }
  if (s.tornTail && !s.active) lines.push('warning: a journal file ends in a torn line (the next run reports and cuts it)');
  if (s.invalidLines) lines.push(`warning: ${s.invalidLines} invalid journal line(s) set aside; their trials count as not done and the next run reruns them`);
  return lines.join('\n');
}

/** Register `attn-phase status <output-dir> [--json]`. Exit codes: 0 ok, 2 not an output folder. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('progress of a sweep (also one running in another terminal): done/total, failed, rate, ETA, whether a run is active')
    .argument('<output-dir>', 'output folder of the sweep, e.g. output/snr-n')
    .option('--json', 'print the status as JSON')
    .action((dir: string, flags: { json?: boolean }) => {
      try {
        const s = sweepStatus(dir);
        process.stdout.write(flags.json ? `${JSON.stringify(s, null, 1)}\n` : `${formatStatus(s)}${s.slurm ? `\n${formatSlurmStatus(s.slurm)}` : ''}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
