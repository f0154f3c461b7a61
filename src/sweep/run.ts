/**
 * Running a sweep: plan → skip trials already in the journal → pool →
 * journal → aggregate → render (a callback: this module draws nothing).
 * Holds the output folder's lock while it runs; every file of the folder is
 * reached through src/sweep/folder.ts.
 */
import { summariseCells } from '../outcome/aggregate.js';
import { type FolderLock, MAIN_WRITER, OutputFolder, unfinished } from './folder.js';
import type { RunInfo } from './lock.js';
import type { JournalWriter } from './journal.js';
import { poolThreads, runJournaled } from './journaled.js';
import { type Plan, groupTrials } from './plan.js';
import { Progress, type ProgressCounts, runCounts } from './progress.js';
import type { CellSummary, TrialRecord } from '../core/records.js';

/** What a render callback gets: the folder, the plan, and the journal as of now. */
export interface RenderContext {
  folder: OutputFolder;
  plan: Plan;
  /** summaries of every cell of the plan */
  cells: CellSummary[];
  /** the plan's finished trials, keyed to its cells */
  records: TrialRecord[];
  /** false for a live re-render while the sweep runs */
  final: boolean;
}

/** Draws the figures of a sweep; @returns the paths written. */
export type RenderFn = (ctx: RenderContext) => Promise<string[]>;

/** Options of `runSweep`. */
export interface RunOptions {
  /** folder for results.jsonl and figures (default output/<name>) */
  outDir: string;
  /** worker threads (≥ 1) */
  workers: number;
  /** retries of a failing trial in this run (default 1) */
  retries?: number;
  /** re-render the partial diagram every this many finished trials (0 = never) */
  live?: number;
  /** show progress on stderr */
  progress?: boolean;
  /** draws the figures (live and at the end); none drawn without it */
  render?: RenderFn;
  /** accept an output folder that holds another sweep */
  force?: boolean;
  /** cap of each worker's JS heap in MB (default: Node's) */
  maxHeapMb?: number;
  /** the worker module (default: dist/sweep/worker.js; src/sweep/pool.ts) */
  workerFile?: string;
  /**
   * Receives, before anything else happens, the function that requests a
   * stop: 1st call graceful (no new trials; running ones finish, are
   * journaled, the partial diagram is rendered), 2nd call immediate (workers
   * terminated, nothing rendered or the render under way abandoned; the
   * journal stays consistent).
   */
  onStopHandle?: (stop: () => void) => void;
  /** where warnings go (default: stderr) */
  log?: (msg: string) => void;
  /** called after every finished or finally failed trial with the counters (done includes earlier runs' trials) */
  onProgress?: (counts: Readonly<ProgressCounts>) => void;
  /** the sweep as it runs (YAML text), written to the folder's `sweep.yaml` with plan.json */
  sweepYaml?: string;
}

/** A trial that failed for good in this run. */
export interface FailedTrial {
  id: string;
  cellKey: string;
  seed: number;
  /** last error, one line */
  error: string;
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
  failed: FailedTrial[];
  /** a stop was requested (signal) */
  interrupted: boolean;
  /** the final render was abandoned by an immediate stop (the journal is complete as far as it goes) */
  renderInterrupted: boolean;
  /** worker threads started (≤ workers requested: never more than the groups of trials to run) */
  threads: number;
  cells: CellSummary[];
  figures: string[];
  /** the final render failed (message); the journal is complete regardless */
  renderError?: string;
  wallMs: number;
}

/**
 * Stop levels of a run: the 1st request is graceful (no new trials; running
 * ones finish, are journaled, the partial diagram is rendered), the 2nd
 * immediate (workers terminated, a render under way abandoned).
 */
function stopControl(say: (m: string) => void) {
  let level = 0;
  let pool: { stop(): void; destroy(): Promise<void> } | null = null;
  let abortRender: () => void = () => {};
  const renderAborted = new Promise<'aborted'>((res) => (abortRender = () => res('aborted')));
  return {
    get level() {
      return level;
    },
    renderAborted,
    /** the pool the stop requests reach (once it runs) */
    attach(p: { stop(): void; destroy(): Promise<void> }) {
      pool = p;
    },
    request() {
      level++;
      if (level === 1) {
        say('stopping: no new trials are handed out; running ones finish (Ctrl-C again to stop now)');
        pool?.stop();
      } else if (level === 2) {
        say('stopping now');
        abortRender();
        void pool?.destroy();
      }
    },
  };
}

/**
 * Live rendering while a sweep runs: at most one render at a time; requests
 * made meanwhile coalesce into one more; none after an immediate stop.
 */
function liveRenderer(render: () => Promise<unknown>, say: (m: string) => void, stopped: () => boolean) {
  let busy: Promise<void> | null = null;
  let again = false;
  return {
    request() {
      if (busy) {
        again = true;
        return;
      }
      busy = (async () => {
        do {
          again = false;
          try {
            await render();
          } catch (e) {
            say(`warning: live render failed: ${e instanceof Error ? e.message : String(e)}`);
          }
        } while (again && !stopped());
        busy = null;
      })();
    },
    /** the render under way, if any */
    get busy() {
      return busy;
    },
  };
}

/**
 * Run (or resume) a sweep: trials already in any journal file of the folder
 * are skipped, the others run in the pool and are journaled one line each as
 * they finish; failing trials are retried `retries` times; then the figures
 * are rendered by `opts.render` (also after a graceful stop, with what there is).
 *
 * @throws LockedError if another run holds the folder; FolderError if the
 *   folder is foreign or another sweep's (unless `force`); IoError naming the
 *   file on I/O errors (the run stops at once; what was written stays valid)
 */
export async function runSweep(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const folder = new OutputFolder(opts.outDir);
  const outDir = folder.dir;
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let progress: Progress | null = null;
  const say = (m: string) => (progress?.drawsBar ? progress.log(m) : log(m));
  const stop = stopControl(say);
  opts.onStopHandle?.(() => stop.request());

  const lock: FolderLock = await folder.lock({
    sweep: plan.sweep.name,
    force: opts.force,
    label: opts.outDir,
    onCompromised: (e) => {
      say(`warning: the lock ${folder.lockFile} was lost (${e.message}); another run may be writing here: stopping`);
      if (stop.level === 0) stop.request();
    },
  });
  let writer: JournalWriter | null = null;
  let info = folder.readRunInfo() as RunInfo;
  let outcome: RunInfo['outcome'] = 'error';
  try {
    const journal = folder.replay();
    for (const w of journal.warnings) log(`warning: ${w}`);
    if (journal.torn && journal.files.some((f) => f.file === folder.journalFile && f.contents.torn)) {
      log(`warning: the torn bytes of ${folder.journalFile} were moved to ${folder.journalFile}.torn`);
    }
    writer = folder.openJournal(MAIN_WRITER, lock);
    folder.writePlan(plan, lock);
    if (opts.sweepYaml !== undefined) folder.writeSweep(opts.sweepYaml, lock);
    const records = new Map(journal.trials);
    const { todo, previousAttempts } = unfinished(plan.trials, journal);
    const skipped = plan.trials.length - todo.length;
    const groups = groupTrials(todo);
    const threads = poolThreads(groups.length, opts.workers);
    const { counts, finished } = runCounts(todo, skipped, plan.trials.length, threads || opts.workers);
    info = { ...info, startedAt: new Date(counts.startedAt).toISOString(), sweep: plan.sweep.name, total: plan.trials.length, workers: opts.workers, threads, retries: opts.retries ?? 1 };
    folder.writeRunInfo(info);
    if (skipped > 0) {
      const other = journal.trials.size - skipped;
      log(`resuming: ${skipped} of ${plan.trials.length} trials already in the journal of ${opts.outDir}${other > 0 ? ` (${other} other trial(s) there are not in this grid; kept, not shown)` : ''}`);
    }
    if (todo.length > 0) {
      log(`${todo.length} trial(s) to run in ${groups.length} group(s) on ${threads} worker thread(s)${threads < opts.workers ? ` (${opts.workers} asked; a group of trials sharing draws runs on one thread)` : ''}`);
    }
    progress = new Progress(counts, opts.progress ?? true);
    const renderer = opts.render;
    const render = async (final: boolean) => {
      const recs = folder.records(plan, { trials: records }); // the journal as of now
      const cells = summariseCells(plan.cells, recs, plan.sweep.assumptions);
      const files = renderer ? await renderer({ folder, plan, cells, records: recs, final }) : [];
      return { cells, files };
    };
    const live = renderer ? opts.live ?? 0 : 0;
    const liveRender = liveRenderer(() => render(false), say, () => stop.level >= 2);
    if (live > 0 && stop.level === 0) liveRender.request();

    let failed: FailedTrial[] = [];
    if (todo.length > 0 && stop.level === 0) {
      const run = runJournaled(groups, {
        sweep: plan.sweep.name,
        axesOf: new Map(plan.cells.map((c) => [c.key, c.axes])),
        writer,
        journalFile: folder.journalFile,
        workers: threads,
        retries: opts.retries ?? 1,
        previousAttempts,
        maxHeapMb: opts.maxHeapMb,
        workerFile: opts.workerFile,
        log: say,
        onTrial(rec, t) {
          records.set(t.id, rec);
          finished(t.id, true);
          progress!.update();
          opts.onProgress?.(counts);
          if (live > 0 && counts.doneThisRun % live === 0 && stop.level < 2) liveRender.request();
        },
        onFailure(t, _error, _attempt, final) {
          if (final) {
            finished(t.id, false);
            opts.onProgress?.(counts);
          }
          progress!.update();
        },
      });
      stop.attach(run);
      await run.done;
      failed = run.failed.map(({ trial: t, error }) => ({ id: t.id, cellKey: t.cellKey, seed: t.seed, error }));
    }
    progress.stop();
    progress = null;
    while (liveRender.busy && stop.level < 2) await Promise.race([liveRender.busy, stop.renderAborted]);
    let cells: CellSummary[] = summariseCells(plan.cells, folder.records(plan, { trials: records }), plan.sweep.assumptions);
    const figures: string[] = [];
    let renderError: string | undefined;
    let renderInterrupted = false;
    if (renderer && stop.level < 2) {
      const rendering = render(true);
      rendering.catch(() => {}); // an abandoned render may still fail later
      try {
        const r = await Promise.race([rendering, stop.renderAborted]);
        if (r === 'aborted') renderInterrupted = true;
        else {
          cells = r.cells;
          figures.push(...r.files);
        }
      } catch (e) {
        renderError = e instanceof Error ? e.message : String(e);
        log(`error: rendering the figures failed: ${renderError} (the journal is complete; \`attn-phase plot ${opts.outDir}\` draws them again)`);
      }
    }
    outcome = stop.level > 0 ? 'interrupted' : failed.length || renderError ? 'failed' : 'completed';
    return {
      outDir, total: plan.trials.length, skipped, ran: counts.doneThisRun, failed,
      interrupted: stop.level > 0, renderInterrupted, threads, cells, figures, renderError, wallMs: Date.now() - t0,
    };
  } finally {
    progress?.stop();
    writer?.close();
    try {
      // (run.json belongs to whoever took a lost lock over)
      if (!lock.compromised) folder.writeRunInfo({ ...info, endedAt: new Date().toISOString(), outcome });
    } catch {
      /* best effort */
    }
    await lock.release();
  }
}
