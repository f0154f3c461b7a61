/**
 * File-system helpers shared by every writer of the project: the one atomic
 * write (temporary file in the same folder, then rename; the temporary is
 * removed on failure, and its name tells who left it, so a later open can
 * clean what a killed process left), and I/O errors turned into one line that
 * names the path and says what to do.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import { rm, rename, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { IoError } from './core/errors.js';

/**
 * Name of the temporary file of an atomic write of `file`:
 * `<file>.tmp-<pid>-<8 hex>`. {@link temporaryPid} recognises it.
 */
export function temporaryName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * The pid that left a temporary file of an atomic write, or null if `name` is
 * not such a file. Also recognises the names of older versions
 * (`<file>.<pid>.tmp`, `<file>.tmp-<pid>`).
 */
export function temporaryPid(name: string): number | null {
  const m = /\.tmp-(\d+)(?:-[0-9a-f]{8})?$/.exec(basename(name)) ?? /\.(\d+)\.tmp$/.exec(basename(name));
  return m ? Number(m[1]) : null;
}

/**
 * Write `data` to `file` atomically: readers see the old file or the whole
 * new one, never a part. The temporary file is removed if the write or the
 * rename fails (disk full, read-only, permissions).
 * @throws IoError naming `file`
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = temporaryName(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the next open of the folder removes it */
    }
    throw ioError(e, file, 'write');
  }
}

/** Async {@link writeFileAtomic} (same temporary name, same clean-up). @throws IoError naming `file` */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw ioError(e, file, 'write');
  }
}

/** What to do about an fs error code (the second half of an IoError message). */
const ADVICE: Record<string, string> = {
  ENOSPC: 'the disk is full: free space, then rerun the same command (finished trials are kept)',
  EDQUOT: 'the disk quota is exhausted: free space, then rerun the same command (finished trials are kept)',
  EROFS: 'the file system is read-only: choose a writable folder with --out',
  EACCES: 'permission denied: fix the permissions or choose another folder with --out',
  EPERM: 'operation not permitted: fix the permissions or choose another folder with --out',
  EISDIR: 'a folder is where a file should be: move that folder away, then rerun',
  ENOTDIR: 'a file is where a folder should be: move it away or choose another --out',
  ENOENT: 'it (or a folder on its path) does not exist and cannot be created there: check the path or choose another --out',
  EIO: 'the disk reported an input/output error: check the disk, then rerun the same command',
  EMFILE: 'too many open files: raise the limit (ulimit -n), then rerun',
  ENFILE: 'too many open files on this machine: close some, then rerun',
};

/** Plain-words name of an fs error code. */
const WHAT: Record<string, string> = {
  ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EROFS: 'read-only file system', EACCES: 'permission denied',
  EPERM: 'operation not permitted', EISDIR: 'is a folder', ENOTDIR: 'not a folder', ENOENT: 'no such file or folder',
  EIO: 'input/output error', EMFILE: 'too many open files', ENFILE: 'too many open files',
};

/**
 * Wrap an fs error (or pass an IoError through) so that its message names
 * `path` and says what to do.
 * @param action  e.g. "create the output folder", "read", "append to"
 * @param usage   the path is the user's choice (--out): exit 2 rather than 1 for a path that cannot be used
 */
export function ioError(e: unknown, path: string, action: string, usage = false): IoError {
  if (e instanceof IoError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const what = code ? WHAT[code] ?? (e as Error).message.split('\n')[0] : e instanceof Error ? e.message.split('\n')[0] : String(e);
  const advice = code ? ADVICE[code] ?? 'check the file and the disk, then rerun' : 'check the file and the disk, then rerun';
  const userPath = usage && code !== undefined && ['EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'ENOENT', 'EISDIR'].includes(code);
  return new IoError(`${path}: cannot ${action}: ${what}${code ? ` (${code})` : ''}; ${advice}`, path, code, userPath ? 2 : 1);
}
