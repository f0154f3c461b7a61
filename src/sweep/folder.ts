/**
 * The output folder of a sweep: the one module that knows its layout and owns
 * its storage (as Optuna's JournalStorage is separate from the study).
 *
 * Layout (names in LAYOUT, src/core/layout.ts):
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
import { ioError, temporaryPid, writeFileAtomic } from '../io.js';
import { provenance } from '../provenance.js';
import { type JournalContents, JournalWriter, readJournal } from './journal.js';
import type { Plan } from './plan.js';
import { type HeldLock, type LockState, type RunInfo, acquireLock, lockState, pidAlive } from './lock.js';
import { FolderError, IoError } from '../core/errors.js';
import { LAYOUT, folderPath } from '../core/layout.js';
import type { FailureRecord, TrialRecord } from '../core/records.js';
import type { SweepView } from '../core/view.js';

/** Writer name of the lock holder's journal (`results.jsonl`). */
export const MAIN_WRITER = 'results';

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

/** A held lock of an output folder: hand it to whatever writes under it. */
export interface FolderLock extends HeldLock {
  readonly folder: OutputFolder;
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
    return folderPath(this.dir, name);
  }

  get lockFile(): string {
    return folderPath(this.dir, LAYOUT.lock);
  }
  get runInfoFile(): string {
    return folderPath(this.dir, LAYOUT.runInfo);
  }
  get planFile(): string {
    return folderPath(this.dir, LAYOUT.plan);
  }
  get sweepFile(): string {
    return folderPath(this.dir, LAYOUT.sweep);
  }
  /** the lock holder's journal, results.jsonl */
  get journalFile(): string {
    return folderPath(this.dir, LAYOUT.journal);
  }
  get shardDir(): string {
    return folderPath(this.dir, LAYOUT.shards);
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
  readPlan(): SweepView | null {
    let text: string;
    try {
      text = readFileSync(this.planFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(e, this.planFile, 'read');
    }
    let plan: SweepView;
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
    const stored: SweepView = {
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

  /** Inspect the lock without taking it (src/sweep/lock.ts lockState). */
  lockState(): LockState {
    return lockState(this.lockFile, () => this.readRunInfo());
  }

  /**
   * Take the one-writer lock (src/sweep/lock.ts), creating the folder if
   * needed, then — under the lock — check that the folder is new, empty (but
   * for the lock's own files) or an attn-phase output folder, and of the same
   * sweep unless `force`; remove temporary files that dead processes left;
   * record this process in run.json.
   *
   * @throws LockedError when another live run holds it; FolderError (exit 2)
   *   for a path that is a file, a foreign folder, another sweep's folder;
   *   IoError naming the path when the folder cannot be created or written
   */
  async lock(opts: LockOptions = {}): Promise<FolderLock> {
    const label = opts.label ?? this.dir;
    const existed = this.checkPath(label);
    if (!existed) makeFolder(this.dir);
    let held: HeldLock;
    try {
      held = await acquireLock(this.dir, this.lockFile, label, () => this.readRunInfo(), opts.onCompromised);
    } catch (e) {
      if (!existed) this.removeIfEmpty();
      throw e;
    }
    const handle: FolderLock = {
      folder: this,
      ino: held.ino,
      get compromised() {
        return held.compromised;
      },
      release: () => held.release(),
    };
    try {
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
  records(plan: Pick<SweepView, 'cells' | 'trials'>, journal: Pick<Journal, 'trials'> = this.replay()): TrialRecord[] {
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

export function planRecords(plan: Pick<SweepView, 'cells' | 'trials'>, records: ReadonlyMap<string, TrialRecord>): TrialRecord[] {
  const axesOf = new Map(plan.cells.map((c) => [c.key, c.axes]));
  const out: TrialRecord[] = [];
  for (const t of plan.trials) {
    const r = records.get(t.id);
    if (r) out.push({ ...r, cellKey: t.cellKey, axes: axesOf.get(t.cellKey) ?? r.axes });
  }
  return out;
}
