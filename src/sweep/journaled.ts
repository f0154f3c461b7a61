/**
 * One journaled pool run: trials into the worker pool (./pool.ts), each
 * finished trial and each failed attempt appended to one journal file as it
 * arrives (./journal.ts lines), a failed attempt logged in one line. What a
 * local run (./run.ts), a Slurm array task (src/slurm/task.ts) and every
 * round of an adaptive trace share; the caller owns the journal file, the
 * lock (if any), progress and rendering.
 */
import type { TrialRecord } from '../core/records.js';
import { ioError } from '../io.js';
import { type JournalWriter, failureMessage, failureRecord, trialRecord } from './journal.js';
import type { PlannedTrial, TrialGroup } from './plan.js';
import { type PoolHandle, runGroups } from './pool.js';

/** Options of {@link runJournaled}. */
export interface JournaledOptions {
  /** the sweep's name (recorded in every line) */
  sweep: string;
  /** cell key → values of the swept axes (recorded in every trial line) */
  axesOf: ReadonlyMap<string, Record<string, number | string>>;
  /** the open journal file the lines go to, and its path (named in I/O errors) */
  writer: JournalWriter;
  journalFile: string;
  /** worker threads asked for (at most one per group of trials sharing draws is started) */
  workers: number;
  /** retries of a failing trial in this run */
  retries: number;
  /** failed attempts of earlier runs per trial id (attempt numbers continue after them) */
  previousAttempts?: Map<string, number>;
  /** cap of each worker's JS heap in MB (default: Node's) */
  maxHeapMb?: number;
  /** the worker module (default: dist/sweep/worker.js; src/sweep/pool.ts) */
  workerFile?: string;
  /** where failed attempts are reported (one line each) */
  log: (msg: string) => void;
  /** after a finished trial is journaled */
  onTrial?(record: TrialRecord, trial: PlannedTrial): void;
  /** after a failed attempt is journaled; `final` when no retry is left */
  onFailure?(trial: PlannedTrial, error: string, attempt: number, final: boolean): void;
}

/** A running journaled pool. */
export interface JournaledRun {
  /** worker threads started (0 when there is nothing to run) */
  threads: number;
  /** resolves when every trial finished or failed for good, or after a stop; rejects on a journal I/O error */
  done: Promise<void>;
  /** graceful stop: no new trials; running ones finish and are journaled */
  stop(): void;
  /** immediate stop: workers terminated, running trials dropped (the journal stays whole) */
  destroy(): Promise<void>;
  /** trials finished in this run */
  readonly ran: number;
  /** trials that failed for good in this run, with their last error */
  readonly failed: readonly { trial: PlannedTrial; error: string }[];
}

/** Worker threads a pool starts for `groups` groups on `workers` asked: one per group at most (a group runs on one thread), 0 for none. */
export function poolThreads(groups: number, workers: number): number {
  return groups ? Math.max(1, Math.min(workers, groups)) : 0;
}

/**
 * Run `groups` (trials grouped by shared draws: `groupTrials`, SPEC §6,
 * largest first) in the pool, journaling each trial as it arrives (see the
 * module docstring).
 *
 * @throws (through `done`) IoError naming the journal file when a line cannot be appended
 */
export function runJournaled(groups: readonly TrialGroup[], opts: JournaledOptions): JournaledRun {
  const threads = poolThreads(groups.length, opts.workers);
  const failed: { trial: PlannedTrial; error: string }[] = [];
  let ran = 0;
  const append = (line: Parameters<JournalWriter['append']>[0]) => {
    try {
      opts.writer.append(line);
    } catch (e) {
      throw ioError(e, opts.journalFile, 'append to the journal');
    }
  };
  let pool: PoolHandle | null = null;
  if (groups.length) {
    pool = runGroups(groups, {
      workers: threads,
      retries: opts.retries,
      previousAttempts: opts.previousAttempts,
      maxHeapMb: opts.maxHeapMb,
      workerFile: opts.workerFile,
      onSuccess(t, outcome, attempt) {
        const rec = trialRecord(opts.sweep, t, opts.axesOf.get(t.cellKey) ?? {}, outcome, attempt);
        append(rec);
        ran++;
        opts.onTrial?.(rec, t);
      },
      onFailure(t, error, attempt, final) {
        append(failureRecord(opts.sweep, t, error, attempt, final));
        opts.log(failureMessage(t, error, attempt, final));
        if (final) failed.push({ trial: t, error });
        opts.onFailure?.(t, error, attempt, final);
      },
    });
  }
  return {
    threads,
    done: pool ? pool.done : Promise.resolve(),
    stop: () => pool?.stop(),
    destroy: async () => {
      await pool?.destroy();
    },
    get ran() {
      return ran;
    },
    failed,
  };
}
