/**
 * The journal: `results.jsonl`, an append-only log with one JSON line per
 * finished trial (or failed attempt). Each line is written whole with one
 * write(2) on an O_APPEND descriptor and flushed (fdatasync), so a crash
 * leaves at worst a torn last line, which `readJournal` detects and ignores.
 * The idea is Optuna's journal file storage.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TrialConfig } from '../model/config.js';
import type { TrialOutcome } from '../model/trial.js';

/** A finished trial as stored (one journal line, `kind: "trial"`). */
export interface TrialRecord extends TrialOutcome {
  kind: 'trial';
  id: string;
  sweep: string;
  cellKey: string;
  /** values of the swept axes */
  axes: Record<string, number | string>;
  seed: number;
  config: TrialConfig;
  /** SNR = ‖μ‖/(σ√d) of the config */
  snr: number;
  finishedAt: string;
  attempt: number;
}

/** A failed attempt (`kind: "failure"`): the trial threw or its worker died. */
export interface FailureRecord {
  kind: 'failure';
  id: string;
  sweep: string;
  cellKey: string;
  seed: number;
  error: string;
  attempt: number;
  finishedAt: string;
}

export type JournalLine = TrialRecord | FailureRecord;

/** What was read back from a journal. */
export interface JournalContents {
  /** finished trials by id (first line wins if a trial appears twice) */
  trials: Map<string, TrialRecord>;
  /** failed attempts by id, in order */
  failures: Map<string, FailureRecord[]>;
  /** a torn (partial, unterminated) last line was found */
  torn: boolean;
  /** complete lines that did not parse (reported, skipped) */
  badLines: number[];
}

/**
 * Read a journal file. A missing file is an empty journal.
 * @param file  path of results.jsonl
 */
export function readJournal(file: string): JournalContents {
  const out: JournalContents = { trials: new Map(), failures: new Map(), torn: false, badLines: [] };
  if (!existsSync(file)) return out;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  if (last.length > 0) out.torn = true; // no terminating newline: partial write
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: JournalLine;
    try {
      rec = JSON.parse(line);
    } catch {
      out.badLines.push(i + 1);
      return;
    }
    if (rec.kind === 'trial') {
      if (!out.trials.has(rec.id)) out.trials.set(rec.id, rec);
    } else if (rec.kind === 'failure') {
      const l = out.failures.get(rec.id) ?? [];
      l.push(rec);
      out.failures.set(rec.id, l);
    } else out.badLines.push(i + 1);
  });
  return out;
}

/** Append-only writer. Open it only while holding the output folder's lock. */
export class JournalWriter {
  private fd: number;

  /**
   * Open for appending. If the file ends in a torn line, the torn bytes are
   * moved to `<file>.torn` and cut off, so new lines start on a fresh line.
   */
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a+');
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const tailLen = Math.min(size, 1 << 20);
      const buf = Buffer.alloc(tailLen);
      readSync(this.fd, buf, 0, tailLen, size - tailLen);
      if (buf[tailLen - 1] !== 0x0a) {
        const nl = buf.lastIndexOf(0x0a);
        const cut = nl < 0 ? size - tailLen : size - tailLen + nl + 1;
        writeFileSync(`${file}.torn`, buf.subarray(nl + 1));
        ftruncateSync(this.fd, cut);
      }
    }
  }

  /** Append one line (JSON, one write, then fdatasync). */
  append(line: JournalLine): void {
    writeSync(this.fd, JSON.stringify(line) + '\n');
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
