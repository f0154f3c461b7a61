/**
 * The output folder of a sweep: the one module that knows its layout and owns
 * its storage (as Optuna's JournalStorage is separate from the study).
 *
 * Layout (names in {@link LAYOUT}):
 * * `run.lock/` — the one-writer lock (proper-lockfile directory, refreshed every 5 s);
 * * `run.json` — who holds (or last held) the lock: pid, host, lock inode, start, settings, end;
 * * `plan.json` — the resolved plan (trial ids, cells), written when a run starts;
 * * `sweep.yaml` — the resolved sweep (every parameter given explicitly), when a caller writes it;
 * * `results.jsonl` — the journal of the folder's lock holder;
 * * `journal/<writer>.jsonl` — journal shards, one writer per file (e.g. one per Slurm task);
 * * figures and tables — names chosen by src/plot; their paths come from {@link OutputFolder.path}.
 *
 * Reading the journal merges every journal file, first line of a trial wins
 * (ids are stable: the same trial gives the same numbers wherever it ran),
 * tolerates a torn last line per file, and sets aside lines that fail the
 * record schema with one warning naming file:line (their trials run again).
 *
 * The lock is an object ({@link FolderLock}) handed to whatever writes under it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { IoError, ioError, temporaryPid, writeFileAtomic } from '../io.js';
import { type Provenance, provenance } from '../provenance.js';
import { type FailureRecord, type JournalContents, type TrialRecord, JournalWriter, readJournal } from './journal.js';
import type { Cell, Plan } from './plan.js';

/** File and folder names of an output folder. */
export const LAYOUT = {
  lock: 'run.lock',
  runInfo: 'run.json',
  plan: 'plan.json',
  sweep: 'sweep.yaml',
  journal: 'results.jsonl',
  shards: 'journal',
} as const;

/** Writer name of the lock holder's journal (`results.jsonl`). */
export const MAIN_WRITER = 'results';

/** A lock without refresh for this long is stale, whoever holds it (ms). */
export const LOCK_STALE_MS = 30_000;
/** The holder refreshes the lock's mtime this often (ms). */
export const LOCK_UPDATE_MS = 5_000;
/**
 * A run records itself in run.json within milliseconds of creating the lock;
 * a lock whose holder has not done so after this long was left by a run that
 * died while starting (or made by hand) and is taken over (ms).
 */
export const LOCK_OWNER_GRACE_MS = 3_000;

/** Error for a second run on a folder that is in use (exit 3). */
export class LockedError extends Error {
  override name = 'LockedError';
}

/** A folder that cannot be used as asked (not an output folder, another sweep's, missing): exit 2. */
export class FolderError extends Error {
  override name = 'FolderError';
  readonly exitCode = 2;
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
  /** worker threads requested */
  workers?: number;
  /** worker threads started */
  threads?: number;
  retries?: number;
  /** set when the run ended (absent while running, or if it crashed) */
  endedAt?: string;
  outcome?: 'completed' | 'failed' | 'interrupted' | 'error';
  /** attn-phase version, git commit, Node, host of the run */
  provenance?: Provenance;
}

/** State of an output folder's lock. */
export interface LockState {
  /** a live run holds the lock */
  held: boolean;
  /** the lock directory exists but its holder is gone (a new run takes it over) */
  stale: boolean;
  /** run.json of the holder, when it belongs to the current lock */
  owner: RunInfo | null;
  /** why it is stale, e.g. "its run (pid 123) is gone" */
  reason?: string;
}

/** The plan as stored in plan.json (what readers need of it). */
export interface StoredPlan {
  sweep: Plan['sweep'];
  axes: string[];
  cells: Cell[];
  trials: { id: string; cellKey: string; seed: number; engine?: string }[];
}

/** The merged journal of a folder. */
export interface Journal {
  /** finished trials by id, over all journal files (first line wins) */
  trials: Map<string, TrialRecord>;
  /** failed attempts by id, over all journal files, without repeats */
  failures: Map<string, FailureRecord[]>;
  /** per journal file: what was read */
  files: { file: string; contents: JournalContents }[];
  /** some file ends in a torn (unterminated) line */
  torn: boolean;
  /** one-line warnings: torn tails and lines set aside, naming file:line */
  warnings: string[];
}

/**
 * The trials of `trials` the journal has not finished, and for each the
 * number of attempts it already failed (the attempt numbering continues; a
 * new run gives a fresh set of retries). What a local run and a Slurm task
 * both start from.
 */
export function unfinished<T extends { id: string }>(trials: readonly T[], journal: Pick<Journal, 'trials' | 'failures'>): { todo: T[]; previousAttempts: Map<string, number> } {
  const todo = trials.filter((t) => !journal.trials.has(t.id));
  const previousAttempts = new Map<string, number>();
  for (const t of todo) {
    const n = journal.failures.get(t.id)?.length ?? 0;
    if (n) previousAttempts.set(t.id, n);
  }
  return { todo, previousAttempts };
}

/**
 * Whether a process with this pid runs on this machine. A zombie (killed, not
 * yet reaped by its parent: /proc/<pid>/stat state Z or X) counts as gone.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc here: trust kill(pid, 0)
  }
}

/** A held lock of an output folder: hand it to whatever writes under it. */
export interface FolderLock {
  readonly folder: OutputFolder;
  /** inode of the lock directory */
  readonly ino: number;
  /** the lock was lost while held (someone removed it or took it over) */
  readonly compromised: boolean;
  /** release the lock (idempotent) */
  release(): Promise<void>;
}

/** Options of {@link OutputFolder.lock}. */
export interface LockOptions {
  /** called if the lock is lost while held */
  onCompromised?: (e: Error) => void;
  /** the sweep about to run here: a folder holding another sweep is refused (FolderError) unless `force` */
  sweep?: string;
  /** accept a folder of another sweep */
  force?: boolean;
  /** how the folder was named to the user in messages (default: the path) */
  label?: string;
}

/** Files of a folder that belong to its lock, not to its contents. */
const LOCK_OWN = new Set<string>([LAYOUT.lock, LAYOUT.runInfo]);
/** Files that mark an attn-phase output folder. */
const MARKERS = [LAYOUT.plan, LAYOUT.journal, LAYOUT.shards];

/** An output folder (a path; nothing is read or written until asked). */
export class OutputFolder {
  /** absolute path */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /**
   * An existing folder, for reading (status, plot).
   * @throws FolderError if it does not exist or is a file
   */
  static open(dir: string): OutputFolder {
    let st;
    try {
      st = statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FolderError(`${dir}: does not exist (give the output folder of a sweep, e.g. output/<sweep name>)`);
      throw ioError(e, dir, 'open the folder', true);
    }
    if (!st.isDirectory()) throw new FolderError(`${dir}: is a file, not an output folder`);
    return new OutputFolder(dir);
  }

  /** Path of a file of the folder, e.g. `path('cells.csv')` (a plain name, no separators). */
  path(name: string): string {
    if (!name || name.includes('/') || name === '.' || name === '..') throw new Error(`OutputFolder.path: not a plain file name: ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  get lockFile(): string {
    return join(this.dir, LAYOUT.lock);
  }
  get runInfoFile(): string {
    return join(this.dir, LAYOUT.runInfo);
  }
  get planFile(): string {
    return join(this.dir, LAYOUT.plan);
  }
  get sweepFile(): string {
    return join(this.dir, LAYOUT.sweep);
  }
  /** the lock holder's journal, results.jsonl */
  get journalFile(): string {
    return join(this.dir, LAYOUT.journal);
  }
  get shardDir(): string {
    return join(this.dir, LAYOUT.shards);
  }

  /**
   * Journal file of a writer: `results.jsonl` for {@link MAIN_WRITER}, else
   * the shard `journal/<writer>.jsonl`.
   * @throws Error if `writer` is not a simple name (letters, digits, . _ -)
   */
  journalFileOf(writer: string): string {
    if (writer === MAIN_WRITER) return this.journalFile;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(writer)) throw new Error(`journal writer name must be letters, digits, . _ - (got ${JSON.stringify(writer)})`);
    return join(this.shardDir, `${writer}.jsonl`);
  }

  /** Every journal file that exists: results.jsonl first, then the shards by name. */
  journalFiles(): string[] {
    const out = existsSync(this.journalFile) ? [this.journalFile] : [];
    let names: string[] = [];
    try {
      names = readdirSync(this.shardDir).filter((n) => n.endsWith('.jsonl')).sort();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw ioError(e, this.shardDir, 'list the journal shards');
    }
    return [...out, ...names.map((n) => join(this.shardDir, n))];
  }

  /** The folder has a plan or a journal (it is an attn-phase sweep folder). */
  isSweepFolder(): boolean {
    return MARKERS.some((m) => existsSync(join(this.dir, m)));
  }

  // -------------------------------------------------------------------------
  // run.json, plan.json, sweep.yaml

  /** `run.json`, or null if missing or unreadable. */
  readRunInfo(): RunInfo | null {
    try {
      return JSON.parse(readFileSync(this.runInfoFile, 'utf8')) as RunInfo;
    } catch {
      return null;
    }
  }

  /** Write `run.json` (atomically). @throws IoError */
  writeRunInfo(info: RunInfo): void {
    writeFileAtomic(this.runInfoFile, `${JSON.stringify(info, null, 1)}\n`);
  }

  /**
   * `plan.json`, or null if there is none.
   * @throws FolderError if it is unreadable or not a plan
   */
  readPlan(): StoredPlan | null {
    let text: string;
    try {
      text = readFileSync(this.planFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(e, this.planFile, 'read');
    }
    let plan: StoredPlan;
    try {
      plan = JSON.parse(text);
    } catch (e) {
      throw new FolderError(`${this.planFile}: unreadable (${(e as Error).message.split('\n')[0]}); rerun the sweep to rewrite it`);
    }
    if (!plan?.sweep || !Array.isArray(plan.cells) || !Array.isArray(plan.trials) || !Array.isArray(plan.axes)) {
      throw new FolderError(`${this.planFile}: not a sweep plan (no sweep, axes, cells, trials); rerun the sweep to rewrite it`);
    }
    return plan;
  }

  /** Write `plan.json` (atomically) under the lock. @throws IoError */
  writePlan(plan: Plan, _lock: FolderLock): void {
    const stored: StoredPlan = {
      sweep: plan.sweep, axes: plan.axes, cells: plan.cells,
      trials: plan.trials.map((t) => ({ id: t.id, cellKey: t.cellKey, seed: t.seed, engine: t.engine })),
    };
    writeFileAtomic(this.planFile, `${JSON.stringify(stored, null, 1)}\n`);
  }

  /** Write the resolved sweep (`sweep.yaml`, atomically) under the lock. @throws IoError */
  writeSweep(yamlText: string, _lock: FolderLock): void {
    writeFileAtomic(this.sweepFile, yamlText);
  }

  // -------------------------------------------------------------------------
  // lock

  /**
   * Inspect the lock without taking it. Stale when its holder (run.json for
   * the same lock directory) ran on this host and its process is gone or a
   * zombie — taken over at once — or when nobody refreshed it for
   * LOCK_STALE_MS (holder on another host, or unknown).
   */
  lockState(): LockState {
    let st;
    try {
      st = statSync(this.lockFile);
    } catch {
      return { held: false, stale: false, owner: null };
    }
    const info = this.readRunInfo();
    const owner = info && info.lockIno === st.ino ? info : null;
    if (owner && owner.hostname === hostname() && !pidAlive(owner.pid)) {
      return { held: false, stale: true, owner, reason: `its run (pid ${owner.pid}) is gone` };
    }
    const age = Date.now() - st.mtimeMs;
    if (age > LOCK_STALE_MS) return { held: false, stale: true, owner, reason: `not refreshed for ${Math.round(age / 1000)} s` };
    return { held: true, stale: false, owner };
  }

  /**
   * Take the one-writer lock, creating the folder if needed, then — under
   * the lock — check that the folder is new, empty (but for the lock's own
   * files) or an attn-phase output folder, and of the same sweep unless
   * `force`; remove temporary files that dead processes left; record this
   * process in run.json. A lock left by a crashed run is taken over (see
   * {@link lockState}); so is one whose holder never recorded itself within
   * LOCK_OWNER_GRACE_MS (a run killed while starting).
   *
   * @throws LockedError when another live run holds it; FolderError (exit 2)
   *   for a path that is a file, a foreign folder, another sweep's folder;
   *   IoError naming the path when the folder cannot be created or written
   */
  async lock(opts: LockOptions = {}): Promise<FolderLock> {
    const label = opts.label ?? this.dir;
    const existed = this.checkPath(label);
    if (!existed) makeFolder(this.dir);
    let compromised = false;
    const lockOpts = {
      lockfilePath: this.lockFile, stale: 2 ** 31, update: LOCK_UPDATE_MS, realpath: false, retries: 0,
      onCompromised: (e: Error) => {
        compromised = true;
        opts.onCompromised?.(e);
      },
    };
    let ownerlessSince = 0;
    let release: () => Promise<void>;
    for (let tries = 0; ; tries++) {
      try {
        release = await lockfile.lock(this.dir, lockOpts);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ELOCKED') {
          if (!existed) this.removeIfEmpty();
          throw ioError(e, this.lockFile, 'create the lock', true);
        }
        const state = this.lockState();
        let stale = state.stale;
        if (!stale && !state.owner) {
          // nobody recorded itself as the holder yet: wait a little for it, then take the lock over
          ownerlessSince ||= Date.now();
          if (Date.now() - ownerlessSince < LOCK_OWNER_GRACE_MS) {
            await new Promise((r) => setTimeout(r, 100));
            tries--;
            continue;
          }
          stale = true;
        } else ownerlessSince = 0;
        if (stale && tries < 3) {
          try {
            rmdirSync(this.lockFile);
          } catch {
            /* someone else removed it: try again */
          }
          continue;
        }
        const o = state.owner;
        const who = o ? `pid ${o.pid} on ${o.hostname}, started ${o.startedAt}` : 'holder unknown';
        throw new LockedError(`${label}: another attn-phase run is writing here (${who}; lock ${this.lockFile}); wait for it, stop it, or use --out`);
      }
    }
    let released = false;
    const handle: FolderLock = {
      folder: this,
      ino: 0,
      get compromised() {
        return compromised;
      },
      release: async () => {
        if (released) return;
        released = true;
        await release().catch(() => {});
      },
    };
    try {
      (handle as { ino: number }).ino = statSync(this.lockFile).ino;
      this.checkContents(label, opts);
      this.cleanTemporaries();
      this.writeRunInfo({ pid: process.pid, hostname: hostname(), lockIno: handle.ino, startedAt: new Date().toISOString(), provenance: provenance() });
    } catch (e) {
      await handle.release();
      if (!existed) this.removeIfEmpty();
      throw e instanceof FolderError || e instanceof IoError ? e : ioError(e, this.dir, 'prepare the output folder', true);
    }
    return handle;
  }

  /** Before creating anything: the path must be a folder or creatable. @returns whether it exists */
  private checkPath(label: string): boolean {
    let p = this.dir;
    if (existsSync(p)) {
      if (!statSync(p).isDirectory()) throw new FolderError(`--out: ${label} is a file, not a folder`);
      return true;
    }
    while (!existsSync(p)) {
      const up = dirname(p);
      if (up === p) return false;
      p = up;
    }
    if (!statSync(p).isDirectory()) throw new FolderError(`--out: ${p} is a file, so ${label} cannot be created`);
    return false;
  }

  /** Under the lock: new, empty (but for the lock's files and temporaries) or ours, and of the same sweep unless forced. */
  private checkContents(label: string, opts: LockOptions): void {
    let entries: string[];
    try {
      entries = readdirSync(this.dir).filter((e) => !e.startsWith('.') && !LOCK_OWN.has(e) && temporaryPid(e) === null);
    } catch (e) {
      throw ioError(e, this.dir, 'list the output folder', true);
    }
    if (entries.length > 0 && !this.isSweepFolder()) {
      throw new FolderError(`--out: ${label} is not empty and is not an attn-phase output folder (no ${MARKERS.join(', ')}); choose a new or empty folder`);
    }
    if (opts.sweep !== undefined && !opts.force) {
      let other: string | undefined;
      try {
        other = this.readPlan()?.sweep?.name;
      } catch {
        other = undefined; // an unreadable plan.json is rewritten by the run
      }
      if (other !== undefined && other !== opts.sweep) {
        throw new FolderError(`--out: ${label} holds the sweep "${other}" (plan.json), not "${opts.sweep}"; choose another --out, or add --force to put both sweeps' trials in one journal`);
      }
    }
  }

  /** Remove the folder if it holds nothing (after a refused start on a folder we created). */
  private removeIfEmpty(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      /* not empty, or gone */
    }
  }

  /**
   * Remove temporary files of atomic writes (`*.tmp-<pid>-…`, also of older
   * versions) that a process no longer running on this host left behind, in
   * the folder and in journal/.
   * @returns the paths removed
   */
  cleanTemporaries(): string[] {
    const removed: string[] = [];
    for (const dir of [this.dir, this.shardDir]) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const pid = temporaryPid(n);
        if (pid === null || (pid !== process.pid && pidAlive(pid))) continue;
        try {
          rmSync(join(dir, n), { force: true });
          removed.push(join(dir, n));
        } catch {
          /* leave it */
        }
      }
    }
    return removed;
  }

  // -------------------------------------------------------------------------
  // journal

  /**
   * Read every journal file and merge them: a trial's first valid line wins;
   * failure lines repeated across files (a fold interrupted half-way) count
   * once. Torn last lines are ignored; invalid lines are set aside with a
   * warning naming file:line.
   * @throws IoError naming the file if one cannot be read (e.g. a folder in its place)
   */
  replay(): Journal {
    const out: Journal = { trials: new Map(), failures: new Map(), files: [], torn: false, warnings: [] };
    const seenFailures = new Set<string>();
    for (const file of this.journalFiles()) {
      const contents = readContents(file);
      out.files.push({ file, contents });
      for (const [id, rec] of contents.trials) if (!out.trials.has(id)) out.trials.set(id, rec);
      for (const [id, list] of contents.failures) {
        for (const f of list) {
          const key = failureKey(id, f);
          if (seenFailures.has(key)) continue;
          seenFailures.add(key);
          const l = out.failures.get(id) ?? [];
          l.push(f);
          out.failures.set(id, l);
        }
      }
      if (contents.torn) {
        out.torn = true;
        out.warnings.push(`${file}: torn last line (${contents.tornBytes} bytes of an interrupted write) ignored`);
      }
      for (const b of contents.bad.slice(0, 5)) {
        out.warnings.push(`${file}:${b.line}: invalid journal line set aside (${b.reason}); its trial runs again`);
      }
      if (contents.bad.length > 5) out.warnings.push(`${file}: ${contents.bad.length - 5} more invalid line(s) set aside (lines ${contents.bad.slice(5, 10).map((b) => b.line).join(', ')}${contents.bad.length > 10 ? ', …' : ''})`);
    }
    return out;
  }

  /**
   * The plan's finished trials, labelled with the plan's cells: a record
   * journaled under an older grid (other axes, same resolved config and seed,
   * hence same id) is counted in the cell it belongs to now.
   * @param journal  a replay (default: replay now)
   */
  records(plan: Pick<StoredPlan, 'cells' | 'trials'>, journal: Pick<Journal, 'trials'> = this.replay()): TrialRecord[] {
    return planRecords(plan, journal.trials);
  }

  /**
   * Open the journal file of `writer` for appending. The lock holder writes
   * `results.jsonl` ({@link MAIN_WRITER}, the lock is required); other
   * writers (Slurm tasks) each write their own shard without the lock — one
   * writer per file, never two processes on one name.
   * @throws IoError naming the file
   */
  openJournal(writer: string, lock?: FolderLock): JournalWriter {
    if (writer === MAIN_WRITER && !lock) throw new Error('results.jsonl is written only under the folder lock');
    const file = this.journalFileOf(writer);
    try {
      return new JournalWriter(file);
    } catch (e) {
      throw ioError(e, file, 'open the journal for appending');
    }
  }

  /**
   * Fold the shards into results.jsonl under the lock: append every trial
   * line whose id results.jsonl lacks and every failure line it lacks. The
   * shards stay (a writer may still append to one); folding twice adds nothing.
   * @param journal  a replay taken under the lock (default: replay now)
   * @returns the number of lines appended
   * @throws IoError naming the file
   */
  fold(lock: FolderLock, journal: Pick<Journal, 'files'> = this.replay()): number {
    const main = journal.files.find((f) => f.file === this.journalFile)?.contents;
    const haveTrial = new Set(main?.trials.keys());
    const haveFailure = new Set<string>();
    for (const [id, l] of main?.failures ?? []) for (const f of l) haveFailure.add(failureKey(id, f));
    const w = this.openJournal(MAIN_WRITER, lock);
    let added = 0;
    try {
      for (const { file, contents: c } of journal.files) {
        if (file === this.journalFile) continue;
        for (const [id, l] of c.failures) {
          for (const f of l) {
            const key = failureKey(id, f);
            if (haveFailure.has(key)) continue;
            haveFailure.add(key);
            w.append(f);
            added++;
          }
        }
        for (const [id, rec] of c.trials) {
          if (haveTrial.has(id)) continue;
          haveTrial.add(id);
          w.append(rec);
          added++;
        }
      }
    } catch (e) {
      throw ioError(e, this.journalFile, 'append to');
    } finally {
      w.close();
    }
    return added;
  }
}

/**
 * Create a folder and its missing parents, one level at a time (Node's
 * recursive mkdir spins forever where a parent cannot be created, e.g. under /proc).
 * @throws IoError naming the folder (exit 2: the user's --out)
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let p = dir; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e, dir, 'create the output folder', true);
    }
  }
}

/**
 * The plan's finished trials, labelled with the plan's cells (see
 * {@link OutputFolder.records}), in plan order.
 */
/** A journal file's contents (readJournal), an IoError naming the file if it cannot be read. */
function readContents(file: string): JournalContents {
  try {
    return readJournal(file);
  } catch (e) {
    throw ioError(e, file, 'read the journal');
  }
}

/** What identifies one failed attempt across journal files (a shard folded twice adds nothing). */
function failureKey(id: string, f: Pick<FailureRecord, 'attempt' | 'finishedAt'>): string {
  return `${id}|${f.attempt}|${f.finishedAt}`;
}

export function planRecords(plan: Pick<StoredPlan, 'cells' | 'trials'>, records: ReadonlyMap<string, TrialRecord>): TrialRecord[] {
  const axesOf = new Map(plan.cells.map((c) => [c.key, c.axes]));
  const out: TrialRecord[] = [];
  for (const t of plan.trials) {
    const r = records.get(t.id);
    if (r) out.push({ ...r, cellKey: t.cellKey, axes: axesOf.get(t.cellKey) ?? r.axes });
  }
  return out;
}
