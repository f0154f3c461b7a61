/**
 * The Slurm commands attn-phase uses, and nothing else: `scontrol show config`
 * (MaxArraySize), `sbatch --parsable` (submit, never waiting), one `squeue`
 * per status question, `scancel` to undo a half-done submission. Never `sacct`
 * (accounting is often off or slow; results are read from the journal files,
 * not from Slurm's job states).
 */
import { execFileSync } from 'node:child_process';

/** A Slurm command failed or is missing; the message names the command. */
export class SlurmError extends Error {
  override name = 'SlurmError';
}

/** Run a Slurm command; stdout as text. @throws SlurmError with the command's stderr */
export function slurm(cmd: string, args: readonly string[], timeoutMs = 60_000): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (err.code === 'ENOENT') throw new SlurmError(`${cmd}: not found — is this a Slurm login node (Slurm's commands on PATH)?`);
    const why = (err.stderr ?? '').trim().split('\n').pop() || err.message.split('\n')[0];
    throw new SlurmError(`${cmd} ${args.join(' ')}: ${why}`);
  }
}

/** Whether Slurm's client commands run here and reach a controller (`sinfo`). */
export function slurmAvailable(): boolean {
  try {
    slurm('sinfo', ['-h', '-o', '%P'], 15_000);
    return true;
  } catch {
    return false;
  }
}

/** Slurm's default MaxArraySize (used when `scontrol show config` does not list it). */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/**
 * `MaxArraySize` of the cluster: array indices must be < it. Parsed from
 * `scontrol show config` (line `MaxArraySize = 1001`).
 * @throws SlurmError if scontrol fails
 */
export function maxArraySize(configText = slurm('scontrol', ['show', 'config'])): number {
  const m = /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(configText);
  const v = m ? Number(m[1]) : DEFAULT_MAX_ARRAY_SIZE;
  return v >= 1 ? v : DEFAULT_MAX_ARRAY_SIZE;
}

/** One `sbatch --array` submission covering tasks offset … offset+count−1 as indices 0 … count−1. */
export interface ArrayChunk {
  offset: number;
  count: number;
}

/**
 * Cover task indices 0 … tasks−1 with arrays whose highest index stays below
 * MaxArraySize: chunks of at most `maxArraySize` indices, each starting at 0
 * (the task adds its chunk's offset).
 */
export function arrayChunks(tasks: number, maxSize: number): ArrayChunk[] {
  const out: ArrayChunk[] = [];
  for (let offset = 0; offset < tasks; offset += maxSize) out.push({ offset, count: Math.min(maxSize, tasks - offset) });
  return out;
}

/** Submit with `sbatch --parsable`; returns the job id (cluster suffix dropped). @throws SlurmError */
export function sbatch(args: readonly string[]): string {
  const out = slurm('sbatch', ['--parsable', ...args]).trim();
  const id = out.split('\n').pop()!.split(';')[0].trim();
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch: unexpected output ${JSON.stringify(out)}`);
  return id;
}

/** Cancel jobs (best effort; errors are returned, not thrown). */
export function scancel(jobIds: readonly string[]): string | null {
  if (!jobIds.length) return null;
  try {
    slurm('scancel', [...jobIds]);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One line of `squeue`: an array element, or a plain job. */
export interface QueuedJob {
  /** the job id as `squeue %i` shows it: `123_4` for array element 4 of array 123, else `123` */
  id: string;
  /** array job id (%F) — the id given at submission — or the job id */
  arrayJobId: string;
  /** array index (%K), or null for a plain job or a not yet expanded range */
  arrayTaskId: number | null;
  /** PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, … */
  state: string;
  /** reason of a pending job (e.g. Resources, BeginTime, Dependency) */
  reason: string;
}

/** Job states in which a job (or element) may still run or is running. */
export const ACTIVE_STATES: ReadonlySet<string> = new Set([
  'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED',
  'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED', 'RESV_DEL_HOLD',
]);

/**
 * The jobs among `jobIds` that Slurm still knows (running, pending, or
 * recently ended: `-t all`), array elements one per line (`-r`). One `squeue`
 * call. Ids Slurm has forgotten are simply absent.
 * @throws SlurmError if squeue fails for another reason
 */
export function squeue(jobIds: readonly string[]): QueuedJob[] {
  if (!jobIds.length) return [];
  let text: string;
  try {
    text = slurm('squeue', ['-h', '-r', '-t', 'all', '-j', jobIds.join(','), '-o', '%i|%F|%K|%T|%r'], 30_000);
  } catch (e) {
    if (/Invalid job id/i.test((e as Error).message)) return []; // all of them forgotten
    throw e;
  }
  return parseSqueue(text);
}

/** Parse `squeue -h -o '%i|%F|%K|%T|%r'` output. */
export function parseSqueue(text: string): QueuedJob[] {
  const out: QueuedJob[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split('|');
    if (f.length < 5) continue;
    const k = /^\d+$/.test(f[2]) ? Number(f[2]) : null;
    out.push({ id: f[0], arrayJobId: /^\d+$/.test(f[1]) ? f[1] : f[0].split('_')[0], arrayTaskId: k, state: f[3], reason: f[4] });
  }
  return out;
}
