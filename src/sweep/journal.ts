/**
 * One journal file: an append-only log with one JSON line per finished trial
 * (or failed attempt). Each line is written whole with one write(2) on an
 * O_APPEND descriptor and flushed (fdatasync), so a crash leaves at worst a
 * torn last line, which `readJournal` detects and ignores and `JournalWriter`
 * cuts off (keeping the bytes in `<file>.torn`). Every line read is checked
 * against a schema; a line that fails it is set aside (reported by number, not
 * used), so its trial runs again. The idea is Optuna's journal file storage;
 * which files make up a folder's journal is src/sweep/folder.ts's business.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { provenance } from '../provenance.js';
import type { PlannedTrial } from './plan.js';
import { snrOf } from '../core/config.js';
import type { FailureRecord, JournalLine, TrialOutcome, TrialRecord } from '../core/records.js';
import { TOKEN_KINDS, type TokenKind } from '../core/tokens.js';

const num = z.number().nullable(); // JSON turns NaN / ±Infinity into null
const weights = z.object(Object.fromEntries(TOKEN_KINDS.map((k) => [k, num])) as Record<TokenKind, typeof num>).passthrough();
/** A checkpoint as the readers use it (src/outcome, src/plot); more fields are kept. */
const checkpointSchema = z.object({
  step: z.number().int().min(0),
  trainLoss: num, trainAcc: num, cleanFit: num, noisyFit: num, testAcc: num, testLoss: num,
  attnClean: weights.nullable(), attnNoisy: weights.nullable(), pNorm: num,
  regime: z.string(),
}).passthrough();

/**
 * The journal lines of one finished or failed trial, as every writer (local
 * run, Slurm task) records them: ids, the cell's axes, the resolved config,
 * the finish time and the provenance of the process that ran it.
 */
export function trialRecord(sweep: string, t: PlannedTrial, axes: TrialRecord['axes'], result: TrialOutcome, attempt: number): TrialRecord {
  return {
    kind: 'trial', id: t.id, sweep, cellKey: t.cellKey, axes, seed: t.seed, config: t.config,
    snr: snrOf(t.config), finishedAt: new Date().toISOString(), attempt, ...result, provenance: provenance(),
  };
}

/** The log line of a failed attempt (a local run and a Slurm task print the same). */
export function failureMessage(t: Pick<PlannedTrial, 'id' | 'cellKey' | 'seed'>, error: string, attempt: number, final: boolean): string {
  return `trial ${t.id} (cell ${t.cellKey}, seed ${t.seed}) failed on attempt ${attempt}: ${error}${final ? '' : ' — will retry'}`;
}

/** The journal line of a failed attempt of a trial (see {@link trialRecord}). */
export function failureRecord(sweep: string, t: PlannedTrial, error: string, attempt: number, final: boolean): FailureRecord {
  return { kind: 'failure', id: t.id, sweep, cellKey: t.cellKey, seed: t.seed, error, attempt, final, finishedAt: new Date().toISOString(), provenance: provenance() };
}

/**
 * Schema of a `trial` line: what aggregation, tables and figures read of it
 * (src/outcome, src/plot). Unknown fields pass through (newer versions add some).
 */
export const trialRecordSchema = z.object({
  kind: z.literal('trial'),
  id: z.string().min(1),
  sweep: z.string(),
  cellKey: z.string(),
  axes: z.record(z.union([z.number(), z.string(), z.null()])),
  seed: z.number().int(),
  config: z.object({ steps: z.number(), evalEvery: z.number(), d: z.number(), n: z.number(), T: z.number() }).passthrough(),
  snr: num,
  finishedAt: z.string(),
  attempt: z.number().int().min(1),
  engine: z.string(),
  checkpoints: z.array(checkpointSchema).min(1),
  final: checkpointSchema,
  regime: z.string(),
  events: z.object({ tFit: num, tGeneralize: num }).passthrough(),
  diverged: z.boolean(),
}).passthrough();

/** Schema of a `failure` line. */
export const failureRecordSchema = z.object({
  kind: z.literal('failure'),
  id: z.string().min(1),
  sweep: z.string(),
  cellKey: z.string(),
  seed: z.number().int(),
  error: z.string(),
  attempt: z.number().int().min(1),
  final: z.boolean().optional(),
  finishedAt: z.string(),
}).passthrough();

/**
 * Check one parsed line.
 * @returns the line, or a one-line reason it is not a journal line (naming the field)
 */
export function checkJournalLine(x: unknown): JournalLine | string {
  const kind = x && typeof x === 'object' ? (x as { kind?: unknown }).kind : undefined;
  const schema = kind === 'trial' ? trialRecordSchema : kind === 'failure' ? failureRecordSchema : null;
  if (!schema) return `kind: expected "trial" or "failure", got ${JSON.stringify(kind) ?? 'nothing'}`;
  const r = schema.safeParse(x);
  if (r.success) return x as JournalLine;
  const issue = r.error.issues[0];
  return `${issue.path.join('.') || kind}: ${issue.message}`;
}

/** A complete line that is not a valid journal line: set aside, its trial runs again. */
export interface BadLine {
  /** 1-based line number */
  line: number;
  /** one line: why (does not parse, or the field that fails the schema) */
  reason: string;
}

/** What was read back from a journal. */
export interface JournalContents {
  /** finished trials by id (first line wins if a trial appears twice) */
  trials: Map<string, TrialRecord>;
  /** failed attempts by id, in file order */
  failures: Map<string, FailureRecord[]>;
  /** a torn (partial, unterminated) last line was found and ignored */
  torn: boolean;
  /** length in bytes of the torn last line (0 if none) */
  tornBytes: number;
  /** complete lines that do not parse or fail the schema (reported, not used) */
  bad: BadLine[];
  /** complete lines read (blank lines included) */
  lines: number;
  /** a trial id seen on more than one `trial` line (only the first is used) */
  duplicates: number;
}

const CHUNK = 1 << 20;

/**
 * Call `onLine(bytes, lineNo)` for each newline-terminated line of an open
 * file, reading it in 1 MiB chunks (no size limit on the file or a line).
 * @returns the bytes after the last newline (the torn tail; empty if none)
 */
function forEachLine(fd: number, onLine: (line: Buffer, lineNo: number) => void): Buffer {
  const buf = Buffer.alloc(CHUNK);
  let carry: Buffer[] = [];
  let pos = 0;
  let lineNo = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    pos += n;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, 0); nl >= 0 && nl < n; nl = buf.indexOf(0x0a, start)) {
      const piece = buf.subarray(start, nl);
      const line = carry.length ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      onLine(line, ++lineNo);
      start = nl + 1;
    }
    if (start < n) carry.push(Buffer.from(buf.subarray(start, n)));
  }
  return Buffer.concat(carry);
}

/**
 * Read a journal file. A missing file is an empty journal. Lines that do not
 * parse, or fail the schema, are skipped and listed in `bad`; an
 * unterminated last line (a write cut by a crash or power loss) is ignored
 * and flagged `torn`, even if its bytes happen to parse.
 *
 * @param file  path of a journal file (results.jsonl or a shard)
 * @throws the fs error if the file exists but cannot be read (e.g. EISDIR)
 */
export function readJournal(file: string): JournalContents {
  const out: JournalContents = { trials: new Map(), failures: new Map(), torn: false, tornBytes: 0, bad: [], lines: 0, duplicates: 0 };
  if (!existsSync(file)) return out;
  const fd = openSync(file, 'r');
  try {
    const tail = forEachLine(fd, (bytes, lineNo) => {
      out.lines = lineNo;
      const line = bytes.toString('utf8');
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        out.bad.push({ line: lineNo, reason: 'not JSON' });
        return;
      }
      const rec = checkJournalLine(parsed);
      if (typeof rec === 'string') {
        out.bad.push({ line: lineNo, reason: rec });
      } else if (rec.kind === 'trial') {
        if (out.trials.has(rec.id)) out.duplicates++;
        else out.trials.set(rec.id, rec);
      } else {
        const l = out.failures.get(rec.id) ?? [];
        l.push(rec);
        out.failures.set(rec.id, l);
      }
    });
    if (tail.length > 0) {
      out.torn = true;
      out.tornBytes = tail.length;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** fsync a directory (best effort: not every platform can open one). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* unsupported here */
  }
}

/**
 * Append-only writer of a journal. Open it only while holding the output
 * folder's lock (it cuts a torn tail, which would destroy a line another
 * writer is in the middle of writing).
 */
export class JournalWriter {
  private fd: number;
  /** current file size in bytes (we are the only writer) */
  private size: number;
  /** bytes of a torn last line that were cut off when opening (0 if none) */
  readonly cutBytes: number = 0;

  /**
   * Open (create) `file` for appending. If the file ends in a torn line, the
   * torn bytes are appended to `<file>.torn` (a record of what was lost) and
   * cut off, so new lines start on a fresh line.
   * @throws the fs error if the folder cannot be created or the file opened
   */
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    const created = !existsSync(file);
    this.fd = openSync(file, 'a+');
    if (created) syncDir(dirname(file)); // the new file's directory entry survives a power cut too
    this.size = fstatSync(this.fd).size;
    const cut = this.lastNewlineEnd();
    if (cut < this.size) {
      const torn = Buffer.alloc(this.size - cut);
      readSync(this.fd, torn, 0, torn.length, cut);
      appendFileSync(`${file}.torn`, Buffer.concat([torn, Buffer.from('\n')]));
      ftruncateSync(this.fd, cut);
      fdatasyncSync(this.fd);
      this.cutBytes = this.size - cut;
      this.size = cut;
    }
  }

  /** Offset just after the last newline (0 if there is none), scanning back in chunks. */
  private lastNewlineEnd(): number {
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(this.size, 1)));
    let end = this.size;
    while (end > 0) {
      const len = Math.min(buf.length, end);
      readSync(this.fd, buf, 0, len, end - len);
      const nl = buf.subarray(0, len).lastIndexOf(0x0a);
      if (nl >= 0) return end - len + nl + 1;
      end -= len;
    }
    return 0;
  }

  /**
   * Append one line: JSON + "\n" in one write, then fdatasync, so the line is
   * on disk when this returns. If the write fails part-way (disk full), the
   * partial bytes are cut off again before the error is thrown.
   * @throws the fs error (ENOSPC, EIO, …)
   */
  append(line: JournalLine): void {
    const bytes = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
      fdatasyncSync(this.fd);
      this.size += bytes.length;
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        /* the next open cuts the torn line */
      }
      throw e;
    }
  }

  /** Close the file (lines are already on disk). */
  close(): void {
    closeSync(this.fd);
  }
}
