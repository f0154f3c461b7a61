/**
 * The one-writer lock of an output folder (a proper-lockfile directory,
 * `run.lock/`, refreshed every LOCK_UPDATE_MS) and the record of its holder
 * (`run.json`, {@link RunInfo}). A lock left by a crashed run is taken over:
 * at once when its holder ran on this host and is gone (or a zombie), after
 * LOCK_STALE_MS without refresh otherwise, and after LOCK_OWNER_GRACE_MS when
 * nobody recorded itself as its holder (a run killed while starting).
 *
 * This module only knows two paths — the lock directory and the folder it
 * guards — and asks its caller for the holder's record; src/sweep/folder.ts
 * (OutputFolder.lock) wraps it with the folder's checks.
 */
import { readFileSync, rmdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';
import { LockedError } from '../core/errors.js';
import type { Provenance } from '../core/records.js';
import { ioError } from '../io.js';

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

/** State of a lock. */
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

/**
 * Inspect a lock without taking it. Stale when its holder (the record for the
 * same lock directory) ran on this host and its process is gone or a zombie,
 * or when nobody refreshed it for LOCK_STALE_MS (holder on another host, or
 * unknown).
 *
 * @param lockFile  the lock directory
 * @param holder    reads the holder's record (run.json), or null
 */
export function lockState(lockFile: string, holder: () => RunInfo | null): LockState {
  let st;
  try {
    st = statSync(lockFile);
  } catch {
    return { held: false, stale: false, owner: null };
  }
  const info = holder();
  const owner = info && info.lockIno === st.ino ? info : null;
  if (owner && owner.hostname === hostname() && !pidAlive(owner.pid)) {
    return { held: false, stale: true, owner, reason: `its run (pid ${owner.pid}) is gone` };
  }
  const age = Date.now() - st.mtimeMs;
  if (age > LOCK_STALE_MS) return { held: false, stale: true, owner, reason: `not refreshed for ${Math.round(age / 1000)} s` };
  return { held: true, stale: false, owner };
}

/** A lock taken by {@link acquireLock}. */
export interface HeldLock {
  /** inode of the lock directory */
  readonly ino: number;
  /** the lock was lost while held (someone removed it or took it over) */
  readonly compromised: boolean;
  /** release the lock (idempotent) */
  release(): Promise<void>;
}

/**
 * Take the lock of folder `dir` (the folder must exist), taking over a stale
 * one (see the module docstring).
 *
 * @param label          how the folder is named in messages
 * @param holder         reads the holder's record (run.json), or null
 * @param onCompromised  called if the lock is lost while held
 * @throws LockedError when another live run holds it; IoError naming the lock when it cannot be created
 */
export async function acquireLock(dir: string, lockFile: string, label: string, holder: () => RunInfo | null, onCompromised?: (e: Error) => void): Promise<HeldLock> {
  let compromised = false;
  const lockOpts = {
    lockfilePath: lockFile, stale: 2 ** 31, update: LOCK_UPDATE_MS, realpath: false, retries: 0,
    onCompromised: (e: Error) => {
      compromised = true;
      onCompromised?.(e);
    },
  };
  let ownerlessSince = 0;
  let release: () => Promise<void>;
  for (let tries = 0; ; tries++) {
    try {
      release = await lockfile.lock(dir, lockOpts);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') throw ioError(e, lockFile, 'create the lock', true);
      const state = lockState(lockFile, holder);
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
          rmdirSync(lockFile);
        } catch {
          /* someone else removed it: try again */
        }
        continue;
      }
      const o = state.owner;
      const who = o ? `pid ${o.pid} on ${o.hostname}, started ${o.startedAt}` : 'holder unknown';
      throw new LockedError(`${label}: another attn-phase run is writing here (${who}; lock ${lockFile}); wait for it, stop it, or use --out`);
    }
  }
  let released = false;
  let ino = 0;
  try {
    ino = statSync(lockFile).ino;
  } catch (e) {
    await release().catch(() => {});
    throw ioError(e, lockFile, 'read the lock', true);
  }
  return {
    ino,
    get compromised() {
      return compromised;
    },
    release: async () => {
      if (released) return;
      released = true;
      await release().catch(() => {});
    },
  };
}
