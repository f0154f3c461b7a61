/**
 * Running a sweep: plan → skip trials already in the journal → pool →
 * journal → aggregate → render. Holds the output folder's lock while it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { snrOf } from '../model/config.js';
import { summariseCells } from '../outcome/aggregate.js';
import type { CellSummary } from '../outcome/types.js';
import { renderSweepFigures } from '../plot/figures.js';
import { type TrialRecord, JournalWriter, readJournal } from './journal.js';
import { type Plan, groupTrials } from './plan.js';
import { runGroups, type PoolHandle } from './pool.js';
import { Progress, type ProgressCounts } from './progress.js';

/** Options of `runSweep`. */
export interface RunOptions {
  /** folder for results.jsonl and figures (default output/<name>) */
  outDir: string;
  workers: number;
  retries?: number;
  /** re-render the partial diagram every this many finished trials (0 = never) */
  live?: number;
  /** show progress on stderr */
  progress?: boolean;
  /** render figures at the end (default true) */
  render?: boolean;
  /** receives the function that requests a stop (1st call: graceful, 2nd: immediate) */
  onStopHandle?: (stop: () => void) => void;
  log?: (msg: string) => void;
}

/** What a run did. */
export interface RunSummary {
  outDir: string;
  total: number;
  /** finished before this run started (skipped) */
  skipped: number;
  /** finished in this run */
  ran: number;
  /** trials that failed for good, with their last error */
  failed: { id: string; cellKey: string; seed: number; error: string }[];
  interrupted: boolean;
  cells: CellSummary[];
  figures: string[];
  wallMs: number;
}

/** Error for a second run on a folder that is in use. */
export class LockedError extends Error {
  override name = 'LockedError';
}

/** Name of the lock file guarding an output folder. */
export function lockPath(outDir: string): string {
  return join(outDir, 'run.lock');
}

/**
 * Acquire the one-writer lock of an output folder (proper-lockfile: a lock
 * whose holder died is taken over after `stale` ms without refresh).
 * @throws LockedError when another live run holds it
 */
export async function acquireLock(outDir: string): Promise<() => Promise<void>> {
  mkdirSync(outDir, { recursive: true });
  try {
    return await lockfile.lock(outDir, { lockfilePath: lockPath(outDir), stale: 15000, update: 5000, realpath: false, onCompromised: () => {} });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LockedError(`${outDir}: another attn-phase run is writing here (lock ${lockPath(outDir)}); wait for it or use --out`);
    }
    throw e;
  }
}

/** Summaries of the plan's cells from the journal's finished trials. */
export function cellsFromRecords(plan: Plan, records: Iterable<TrialRecord>): CellSummary[] {
  const ids = new Set(plan.trials.map((t) => t.id));
  const mine = [...records].filter((r) => ids.has(r.id));
  return summariseCells(plan.cells, mine);
}

/**
 * Run (or resume) a sweep.
 *
 * @throws LockedError if another run holds the folder
 */
export async function runSweep(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const outDir = resolve(opts.outDir);
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const release = await acquireLock(outDir);
  const journalFile = join(outDir, 'results.jsonl');
  let writer: JournalWriter | null = null;
  let handle: PoolHandle | null = null;
  try {
    const contents = readJournal(journalFile);
    if (contents.torn) log(`warning: ${journalFile}: torn last line (interrupted write) ignored; its bytes were moved to results.jsonl.torn`);
    if (contents.badLines.length) log(`warning: ${journalFile}: ${contents.badLines.length} unreadable line(s) skipped (lines ${contents.badLines.slice(0, 5).join(', ')})`);
    writer = new JournalWriter(journalFile);
    writeFileSync(join(outDir, 'plan.json'), JSON.stringify({ sweep: plan.sweep, axes: plan.axes, cells: plan.cells, trials: plan.trials.map((t) => ({ id: t.id, cellKey: t.cellKey, seed: t.seed, engine: t.engine })) }, null, 1));
    const records = new Map(contents.trials);
    const todo = plan.trials.filter((t) => !records.has(t.id));
    const skipped = plan.trials.length - todo.length;
    const previousAttempts = new Map<string, number>();
    for (const t of todo) {
      const f = contents.failures.get(t.id);
      if (f) previousAttempts.set(t.id, 0); // a new run gives failed trials a fresh set of attempts
    }
    const counts: ProgressCounts = { done: skipped, total: plan.trials.length, failed: 0, doneThisRun: 0, startedAt: Date.now() };
    if (skipped > 0) log(`resuming: ${skipped} of ${plan.trials.length} trials already in ${journalFile}`);
    const progress = new Progress(counts, opts.progress ?? true);
    const failed: RunSummary['failed'] = [];
    let stopLevel = 0;
    let liveCounter = 0;
    let liveRendering: Promise<unknown> = Promise.resolve();
    const figures: string[] = [];
    const render = async (final: boolean) => {
      const cells = cellsFromRecords(plan, records.values());
      const files = await renderSweepFigures(outDir, plan, cells, [...records.values()], { final });
      return { cells, files };
    };
    const stop = () => {
      stopLevel++;
      if (stopLevel === 1) progress.log('stopping: no new trials are handed out; running ones finish (Ctrl-C again to stop now)');
      else if (handle) {
        progress.log('stopping now');
        void handle.destroy();
      }
    };
    opts.onStopHandle?.(stop);
    if (todo.length > 0) {
      handle = runGroups(groupTrials(todo), {
        workers: opts.workers,
        retries: opts.retries ?? 1,
        previousAttempts,
        stopRequested: () => stopLevel > 0,
        onSuccess(t, outcome, attempt) {
          const rec: TrialRecord = {
            kind: 'trial', id: t.id, sweep: plan.sweep.name, cellKey: t.cellKey,
            axes: plan.cells.find((c) => c.key === t.cellKey)?.axes ?? {}, seed: t.seed, config: t.config,
            snr: snrOf(t.config), finishedAt: new Date().toISOString(), attempt, ...outcome,
          };
          writer!.append(rec);
          records.set(t.id, rec);
          counts.done++;
          counts.doneThisRun++;
          progress.update();
          if (opts.live && ++liveCounter % opts.live === 0) {
            liveRendering = liveRendering.then(() => render(false)).catch((e) => progress.log(`warning: live render failed: ${String(e)}`));
          }
        },
        onFailure(t, error, attempt, final) {
          writer!.append({ kind: 'failure', id: t.id, sweep: plan.sweep.name, cellKey: t.cellKey, seed: t.seed, error, attempt, finishedAt: new Date().toISOString() });
          progress.log(`trial ${t.id} (cell ${t.cellKey}, seed ${t.seed}) failed on attempt ${attempt}: ${error}${final ? '' : ' — will retry'}`);
          if (final) {
            counts.failed++;
            failed.push({ id: t.id, cellKey: t.cellKey, seed: t.seed, error });
          }
          progress.update();
        },
      });
      await handle.done;
    }
    progress.stop();
    await liveRendering;
    let cells: CellSummary[];
    if (opts.render ?? true) {
      const r = await render(true);
      cells = r.cells;
      figures.push(...r.files);
    } else cells = cellsFromRecords(plan, records.values());
    return {
      outDir, total: plan.trials.length, skipped, ran: counts.doneThisRun, failed,
      interrupted: stopLevel > 0, cells, figures, wallMs: Date.now() - t0,
    };
  } finally {
    writer?.close();
    await release().catch(() => {});
  }
}
