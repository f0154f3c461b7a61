/**
 * Running a sweep: plan → skip trials already in the journal → pool →
 * journal → aggregate → render. Holds the output folder's lock while it runs.
 *
 * Files of an output folder:
 * * `results.jsonl` — the journal (see journal.ts);
 * * `plan.json` — the resolved plan (trial ids, cells), written at start;
 * * `run.json` — who runs (or last ran) here: pid, host, start, settings, end;
 * * `run.lock/` — the one-writer lock (a directory, refreshed every 5 s);
 * * `phase-diagram.*` — the figures.
 */
import { mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { snrOf } from '../model/config.js';
import { summariseCells } from '../outcome/aggregate.js';
import type { CellSummary } from '../outcome/types.js';
import { provenance, type Provenance } from '../provenance.js';
import { type TrialRecord, JournalWriter, readJournal } from './journal.js';
import { type Plan, groupTrials } from './plan.js';
import { runGroups, type PoolHandle } from './pool.js';
import { Progress, type ProgressCounts, trialEstimates } from './progress.js';

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
  /** render figures at the end (default true) */
  render?: boolean;
  /** cap of each worker's JS heap in MB (default: Node's) */
  maxHeapMb?: number;
  /**
   * Receives, before anything else happens, the function that requests a
   * stop: 1st call graceful (no new trials; running ones finish, are
   * journaled, the partial diagram is rendered), 2nd call immediate (workers
   * terminated, nothing rendered; the journal stays consistent).
   */
  onStopHandle?: (stop: () => void) => void;
  /** where warnings go (default: stderr) */
  log?: (msg: string) => void;
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
  cells: CellSummary[];
  figures: string[];
  /** the final render failed (message); the journal is complete regardless */
  renderError?: string;
  wallMs: number;
}

/** Error for a second run on a folder that is in use. */
export class LockedError extends Error {
  override name = 'LockedError';
}

/** Who holds (or last held) an output folder: `run.json`. */
export interface RunInfo {
  pid: number;
  hostname: string;
  /** inode of the lock directory this run created (tells its lock from a newer one) */
  lockIno: number;
  /** ISO-8601 start; trials journaled since then are this run's */
  startedAt: string;
  sweep?: string;
  total?: number;
  workers?: number;
  retries?: number;
  /** set when the run ended (absent while running, or if it crashed) */
  endedAt?: string;
  outcome?: 'completed' | 'failed' | 'interrupted' | 'error';
  /** attn-phase version, git commit, Node, host of the run */
  provenance?: Provenance;
}

/** A lock without refresh for this long is stale, whoever holds it (ms). */
export const LOCK_STALE_MS = 30_000;
/** The holder refreshes the lock's mtime this often (ms). */
export const LOCK_UPDATE_MS = 5_000;

/** Name of the lock (a directory) guarding an output folder. */
export function lockPath(outDir: string): string {
  return join(outDir, 'run.lock');
}

/** Path of `run.json` in an output folder. */
export function runInfoPath(outDir: string): string {
  return join(outDir, 'run.json');
}

/** Path of `plan.json` in an output folder. */
export function planPath(outDir: string): string {
  return join(outDir, 'plan.json');
}

/** Write JSON atomically (temporary file + rename), so readers never see half a file. */
function writeJsonAtomic(file: string, data: unknown, indent?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, indent));
  renameSync(tmp, file);
}

/** `run.json` of an output folder, or null if missing or unreadable. */
export function readRunInfo(outDir: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(runInfoPath(outDir), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists on this machine. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State of an output folder's lock. */
export interface LockState {
  /** a live run holds the lock */
  held: boolean;
  /** the lock directory exists but its holder is gone (a new run takes it over) */
  stale: boolean;
  /** run.json of the holder, when it belongs to the current lock */
  owner: RunInfo | null;
  /** why it is stale, e.g. "pid 123 is gone" */
  reason?: string;
}

/**
 * Inspect the lock of an output folder without taking it. The lock is stale
 * when its holder (run.json for the same lock directory) ran on this host and
 * its process is gone — e.g. after kill -9 or a crash: taken over at once —
 * or when nobody refreshed it for LOCK_STALE_MS (holder on another host, or
 * unknown).
 */
export function lockState(outDir: string): LockState {
  let st;
  try {
    st = statSync(lockPath(outDir));
  } catch {
    return { held: false, stale: false, owner: null };
  }
  const info = readRunInfo(outDir);
  const owner = info && info.lockIno === st.ino ? info : null;
  if (owner && owner.hostname === hostname() && !pidAlive(owner.pid)) {
    return { held: false, stale: true, owner, reason: `its run (pid ${owner.pid}) is gone` };
  }
  const age = Date.now() - st.mtimeMs;
  if (age > LOCK_STALE_MS) return { held: false, stale: true, owner, reason: `not refreshed for ${Math.round(age / 1000)} s` };
  return { held: true, stale: false, owner };
}

/**
 * Acquire the one-writer lock of an output folder (creating the folder) and
 * record this process in run.json. The lock (proper-lockfile directory
 * `run.lock`) is refreshed every LOCK_UPDATE_MS while the process lives and
 * removed on release or normal exit; a lock left by a crashed run is taken
 * over (see `lockState`).
 *
 * @param onCompromised  called if the lock is lost while held (someone removed or took it)
 * @returns the release function
 * @throws LockedError when another live run holds it
 */
export async function acquireLock(outDir: string, onCompromised: (e: Error) => void = () => {}): Promise<() => Promise<void>> {
  mkdirSync(outDir, { recursive: true });
  const opts = { lockfilePath: lockPath(outDir), stale: 2 ** 31, update: LOCK_UPDATE_MS, realpath: false, retries: 0, onCompromised };
  for (let tries = 0; ; tries++) {
    try {
      const release = await lockfile.lock(outDir, opts);
      const info: RunInfo = { pid: process.pid, hostname: hostname(), lockIno: statSync(lockPath(outDir)).ino, startedAt: new Date().toISOString(), provenance: provenance() };
      writeJsonAtomic(runInfoPath(outDir), info, 1);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      const state = lockState(outDir);
      if (state.stale && tries < 2) {
        try {
          rmdirSync(lockPath(outDir));
        } catch {
          /* someone else removed it: try again */
        }
        continue;
      }
      const o = state.owner;
      const who = o ? `pid ${o.pid} on ${o.hostname}, started ${o.startedAt}` : 'holder unknown';
      throw new LockedError(`${outDir}: another attn-phase run is writing here (${who}; lock ${lockPath(outDir)}); wait for it, stop it, or use --out`);
    }
  }
}

/**
 * The plan's finished trials, labelled with the plan's cells: a record
 * journaled under an older grid (other axes, same resolved config and seed,
 * hence same id) is counted in the cell it belongs to now.
 */
export function planRecords(plan: Plan, records: ReadonlyMap<string, TrialRecord>): TrialRecord[] {
  const axesOf = new Map(plan.cells.map((c) => [c.key, c.axes]));
  const out: TrialRecord[] = [];
  for (const t of plan.trials) {
    const r = records.get(t.id);
    if (r) out.push({ ...r, cellKey: t.cellKey, axes: axesOf.get(t.cellKey) ?? r.axes });
  }
  return out;
}

/**
 * Run (or resume) a sweep: trials already in `<outDir>/results.jsonl` are
 * skipped, the others run in the pool and are journaled one line each as they
 * finish; failing trials are retried `retries` times; then the figures are
 * rendered (also after a graceful stop, with what there is).
 *
 * @throws LockedError if another run holds the folder; fs errors of the
 *   journal (the run stops at once; what was written stays valid)
 */
export async function runSweep(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const outDir = resolve(opts.outDir);
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let stopLevel = 0;
  let pool: PoolHandle | null = null;
  let progress: Progress | null = null;
  const say = (m: string) => (progress?.drawsBar ? progress.log(m) : log(m));
  const stop = () => {
    stopLevel++;
    if (stopLevel === 1) {
      say('stopping: no new trials are handed out; running ones finish (Ctrl-C again to stop now)');
      pool?.stop();
    } else if (stopLevel === 2) {
      say('stopping now');
      void pool?.destroy();
    }
  };
  opts.onStopHandle?.(stop);

  let compromised = false;
  const release = await acquireLock(outDir, (e) => {
    compromised = true;
    say(`warning: the lock ${lockPath(outDir)} was lost (${e.message}); another run may be writing here: stopping`);
    if (stopLevel === 0) stop();
  });
  const journalFile = join(outDir, 'results.jsonl');
  let writer: JournalWriter | null = null;
  let info = readRunInfo(outDir) as RunInfo;
  let outcome: RunInfo['outcome'] = 'error';
  try {
    const contents = readJournal(journalFile);
    if (contents.torn) log(`warning: ${journalFile}: torn last line (${contents.tornBytes} bytes of an interrupted write) ignored; its bytes were moved to results.jsonl.torn`);
    if (contents.badLines.length) log(`warning: ${journalFile}: ${contents.badLines.length} unreadable line(s) skipped (lines ${contents.badLines.slice(0, 5).join(', ')}${contents.badLines.length > 5 ? ', …' : ''})`);
    writer = new JournalWriter(journalFile);
    writeJsonAtomic(planPath(outDir), {
      sweep: plan.sweep, axes: plan.axes, cells: plan.cells,
      trials: plan.trials.map((t) => ({ id: t.id, cellKey: t.cellKey, seed: t.seed, engine: t.engine })),
    }, 1);
    const records = new Map(contents.trials);
    const todo = plan.trials.filter((t) => !records.has(t.id));
    const skipped = plan.trials.length - todo.length;
    const previousAttempts = new Map<string, number>();
    for (const t of todo) {
      const n = contents.failures.get(t.id)?.length ?? 0;
      if (n) previousAttempts.set(t.id, n); // numbering continues; a new run gives a fresh set of retries
    }
    const retries = opts.retries ?? 1;
    const estimates = trialEstimates(todo); // cost-model seconds per trial, for the ETA
    const counts: ProgressCounts = {
      done: skipped, total: plan.trials.length, failed: 0, doneThisRun: 0, startedAt: Date.now(),
      estDoneS: 0, estLeftS: [...estimates.values()].reduce((a, b) => a + b, 0), workers: opts.workers,
    };
    const estimated = (id: string) => {
      const e = estimates.get(id) ?? 0;
      counts.estDoneS! += e;
      counts.estLeftS = Math.max(0, counts.estLeftS! - e);
    };
    info = { ...info, startedAt: new Date(counts.startedAt).toISOString(), sweep: plan.sweep.name, total: plan.trials.length, workers: opts.workers, retries };
    writeJsonAtomic(runInfoPath(outDir), info, 1);
    if (skipped > 0) {
      const other = contents.trials.size - skipped;
      log(`resuming: ${skipped} of ${plan.trials.length} trials already in ${journalFile}${other > 0 ? ` (${other} other trial(s) there are not in this grid; kept, not shown)` : ''}`);
    }
    progress = new Progress(counts, opts.progress ?? true);
    const failed: FailedTrial[] = [];
    const figures: string[] = [];
    const axesOf = new Map(plan.cells.map((c) => [c.key, c.axes]));

    const render = async (final: boolean) => {
      const recs = planRecords(plan, records); // the journal as of now
      const cells = summariseCells(plan.cells, recs);
      // loaded on first use: vega and sharp take a while to load, and status/refused runs never need them
      const { renderSweepFigures } = await import('../plot/figures.js');
      const files = await renderSweepFigures(outDir, plan, cells, recs, { final });
      return { cells, files };
    };
    // live rendering: at most one render at a time; requests made meanwhile coalesce into one more
    let liveBusy: Promise<void> | null = null;
    let liveAgain = false;
    const liveRender = () => {
      if (liveBusy) {
        liveAgain = true;
        return;
      }
      liveBusy = (async () => {
        do {
          liveAgain = false;
          try {
            await render(false);
          } catch (e) {
            say(`warning: live render failed: ${e instanceof Error ? e.message : String(e)}`);
          }
        } while (liveAgain && stopLevel < 2);
        liveBusy = null;
      })();
    };
    const live = opts.live ?? 0;
    if (live > 0 && stopLevel === 0) liveRender();

    if (todo.length > 0 && stopLevel === 0) {
      const p = runGroups(groupTrials(todo), {
        workers: opts.workers,
        retries,
        previousAttempts,
        maxHeapMb: opts.maxHeapMb,
        onSuccess(t, result, attempt) {
          const rec: TrialRecord = {
            kind: 'trial', id: t.id, sweep: plan.sweep.name, cellKey: t.cellKey,
            axes: axesOf.get(t.cellKey) ?? {}, seed: t.seed, config: t.config,
            snr: snrOf(t.config), finishedAt: new Date().toISOString(), attempt, ...result, provenance: provenance(),
          };
          writer!.append(rec);
          records.set(t.id, rec);
          counts.done++;
          counts.doneThisRun++;
          estimated(t.id);
          progress!.update();
          if (live > 0 && counts.doneThisRun % live === 0 && stopLevel < 2) liveRender();
        },
        onFailure(t, error, attempt, final) {
          writer!.append({ kind: 'failure', id: t.id, sweep: plan.sweep.name, cellKey: t.cellKey, seed: t.seed, error, attempt, final, finishedAt: new Date().toISOString(), provenance: provenance() });
          say(`trial ${t.id} (cell ${t.cellKey}, seed ${t.seed}) failed on attempt ${attempt}: ${error}${final ? '' : ' — will retry'}`);
          if (final) {
            counts.failed++;
            estimated(t.id);
            failed.push({ id: t.id, cellKey: t.cellKey, seed: t.seed, error });
          }
          progress!.update();
        },
      });
      pool = p;
      await p.done;
    }
    progress.stop();
    progress = null;
    while (liveBusy) await liveBusy;
    let cells: CellSummary[] = summariseCells(plan.cells, planRecords(plan, records));
    let renderError: string | undefined;
    if ((opts.render ?? true) && stopLevel < 2) {
      try {
        const r = await render(true);
        cells = r.cells;
        figures.push(...r.files);
      } catch (e) {
        renderError = e instanceof Error ? e.message : String(e);
        log(`error: rendering the figures failed: ${renderError} (the journal is complete; rerun to render)`);
      }
    }
    outcome = stopLevel > 0 ? 'interrupted' : failed.length || renderError ? 'failed' : 'completed';
    return {
      outDir, total: plan.trials.length, skipped, ran: counts.doneThisRun, failed,
      interrupted: stopLevel > 0, cells, figures, renderError, wallMs: Date.now() - t0,
    };
  } finally {
    progress?.stop();
    writer?.close();
    try {
      // (run.json belongs to whoever took a lost lock over)
      if (!compromised) writeJsonAtomic(runInfoPath(outDir), { ...info, endedAt: new Date().toISOString(), outcome }, 1);
    } catch {
      /* best effort */
    }
    await release().catch(() => {});
  }
}
