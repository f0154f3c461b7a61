/**
 * User-facing errors: one line on stderr and an exit code, never a stack trace.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ioError } from '../io.js';
import { FolderError, IoError, LockedError, SweepSpecError, UsageError } from '../core/errors.js';

/**
 * Exit codes: 0 ok, 1 failed trials, an I/O error during a run (disk full) or
 * an internal error, 2 bad input (also an output folder that cannot be used),
 * 3 folder locked, 130 interrupted.
 */
export function exitCodeOf(e: unknown): number {
  if (e instanceof SweepSpecError || e instanceof UsageError || e instanceof FolderError) return 2;
  if (e instanceof IoError) return e.exitCode;
  if (e instanceof LockedError) return 3;
  return 1;
}

/** Print `attn-phase: <message>` and exit with the error's code. */
export function fail(e: unknown): never {
  // an fs error that reached here unwrapped still names its path and says what to do
  const errno = e as NodeJS.ErrnoException | undefined;
  if (errno instanceof Error && !(e instanceof IoError) && typeof errno.code === 'string' && typeof errno.path === 'string') e = ioError(e, errno.path, errno.syscall ?? 'use');
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const known = e instanceof SweepSpecError || e instanceof UsageError || e instanceof LockedError || e instanceof FolderError || e instanceof IoError;
  process.stderr.write(`attn-phase: error: ${msg}\n`);
  if (!known && process.env.ATTN_PHASE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(exitCodeOf(e));
}

/** Parse a positive integer option or throw UsageError naming it. */
export function intOption(name: string, min: number): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return x;
  };
}

/**
 * Check an output folder given with `--out` (or the default) before anything
 * is written: it must be a folder (or not exist yet, with no file in the way),
 * and an existing non-empty folder must already be an attn-phase output folder
 * (holding `marker`), so nobody's files get overwritten.
 *
 * @param dir     the folder
 * @param marker  a file that marks an attn-phase folder of this kind (e.g. results.jsonl)
 * @throws UsageError naming --out
 */
export function checkOutDir(dir: string, markers: readonly string[]): void {
  let p = resolve(dir);
  if (existsSync(p)) {
    if (!statSync(p).isDirectory()) throw new UsageError(`--out: ${dir} is a file, not a folder`);
    const entries = readdirSync(p).filter((e) => !e.startsWith('.'));
    if (entries.length > 0 && !markers.some((m) => existsSync(join(p, m)))) {
      throw new UsageError(`--out: ${dir} is not empty and is not an attn-phase output folder (no ${markers.join(' or ')}); choose a new or empty folder`);
    }
    return;
  }
  // the first existing ancestor must be a folder
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) return;
    p = up;
  }
  if (!statSync(p).isDirectory()) throw new UsageError(`--out: ${p} is a file, so ${dir} cannot be created`);
}
