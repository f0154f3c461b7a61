/**
 * Status of a sweep submitted to Slurm: per-task progress counted from the
 * journal files (what is done is what is journaled, whatever Slurm says) and
 * the job states of at most one `squeue` call; never `sacct`.
 */
import type { Journal, OutputFolder } from '../sweep/folder.js';
import { type Manifest, type SubmittedJobs, SlurmFiles } from './manifest.js';
import { ACTIVE_STATES, type QueuedJob, SlurmError, squeue } from './slurm.js';

/** An array job of a submission that Slurm still runs or queues. */
export interface ActiveArray {
  submission: number;
  jobId: string;
}

/** Array job ids of every submission of the folder, with their submission number. */
function allArrays(files: SlurmFiles): { submission: number; jobId: string }[] {
  const out: { submission: number; jobId: string }[] = [];
  for (const n of files.submissions()) for (const a of files.readJobs(n)?.arrays ?? []) out.push({ submission: n, jobId: a.jobId });
  return out;
}

/**
 * The folder's array jobs that are still pending or running (one `squeue`
 * call, none when the folder was never submitted). Where Slurm's commands
 * are not installed nothing is active.
 * @throws SlurmError when squeue exists but fails (e.g. no controller): activity unknown
 */
export function activeArrays(files: SlurmFiles): ActiveArray[] {
  const arrays = allArrays(files);
  if (!arrays.length) return [];
  let queued: QueuedJob[];
  try {
    queued = squeue(arrays.map((a) => a.jobId));
  } catch (e) {
    if (e instanceof SlurmError && /not found/.test(e.message)) return [];
    throw e;
  }
  const live = new Set(queued.filter((q) => ACTIVE_STATES.has(q.state)).map((q) => q.arrayJobId));
  return arrays.filter((a) => live.has(a.jobId));
}

/**
 * For `attn-phase run`: refuse to start on a folder whose Slurm array is
 * still queued or running (both would run the same trials).
 * @returns a one-line reason to refuse, or null
 */
export function arrayStillActive(folder: OutputFolder): string | null {
  const files = new SlurmFiles(folder);
  if (!files.submissions().length) return null;
  let active: ActiveArray[];
  try {
    active = activeArrays(files);
  } catch (e) {
    return `cannot ask Slurm whether this folder's array jobs still run (${(e as Error).message}); wait, or remove ${files.root} if they are gone`;
  }
  if (!active.length) return null;
  return `Slurm array job(s) ${active.map((a) => a.jobId).join(', ')} (submission ${active[0].submission}) still run on this folder; wait for them, scancel them, or use --out`;
}

/** Progress of one array task. */
export interface SlurmTaskStatus {
  index: number;
  trials: number;
  /** its trials journaled (in any journal file) */
  done: number;
  /** its trials whose last attempt failed for good and that have no result */
  failed: number;
  /** `<array job id>_<array index>` */
  jobId: string | null;
  /** squeue state (PENDING, RUNNING, COMPLETED, FAILED, …), or null once Slurm forgot the job */
  state: string | null;
  reason: string | null;
}

/** Status of the latest submission of a folder. */
export interface SlurmStatus {
  submission: number;
  manifest: Manifest;
  jobs: SubmittedJobs | null;
  tasks: SlurmTaskStatus[];
  merge: { jobId: string; state: string | null; reason: string | null } | null;
  /** some array task is pending or running */
  active: boolean;
  /** trials of the plan not journaled */
  missing: number;
  /** squeue failed: states unknown */
  squeueError?: string;
}

/**
 * Status of the latest Slurm submission of `folder`, or null if it was never
 * submitted. Counts come from `journal` (all journal files); job states from
 * one squeue call over the arrays and the merge job.
 */
export function slurmStatus(folder: OutputFolder, journal: Pick<Journal, 'trials' | 'failures'>): SlurmStatus | null {
  const files = new SlurmFiles(folder);
  const n = files.latest();
  if (n === null) return null;
  const manifest = files.readManifest(n);
  const jobs = files.readJobs(n);
  let queued: QueuedJob[] = [];
  let squeueError: string | undefined;
  if (jobs) {
    try {
      queued = squeue([...jobs.arrays.map((a) => a.jobId), ...(jobs.merge ? [jobs.merge] : [])]);
    } catch (e) {
      squeueError = (e as Error).message;
    }
  }
  const byElement = new Map(queued.map((q) => [`${q.arrayJobId}_${q.arrayTaskId}`, q]));
  const tasks: SlurmTaskStatus[] = manifest.tasks.map((t) => {
    const chunk = jobs?.arrays.find((a) => t.index >= a.offset && t.index < a.offset + a.count);
    const jobId = chunk ? `${chunk.jobId}_${t.index - chunk.offset}` : null;
    const q = jobId ? byElement.get(jobId) : undefined;
    let done = 0;
    let failed = 0;
    for (const id of t.trials) {
      if (journal.trials.has(id)) done++;
      else if (journal.failures.get(id)?.some((f) => f.final)) failed++;
    }
    return { index: t.index, trials: t.trials.length, done, failed, jobId, state: q?.state ?? null, reason: q?.reason ?? null };
  });
  const mq = jobs?.merge ? queued.find((q) => q.id === jobs.merge) : undefined;
  const planIds = new Set<string>();
  // the plan is the manifest's: finished-before trials plus the tasks' trials
  for (const t of manifest.tasks) for (const id of t.trials) planIds.add(id);
  let missing = 0;
  for (const id of planIds) if (!journal.trials.has(id)) missing++;
  return {
    submission: n, manifest, jobs, tasks,
    merge: jobs?.merge ? { jobId: jobs.merge, state: mq?.state ?? null, reason: mq?.reason ?? null } : null,
    active: tasks.some((t) => t.state !== null && ACTIVE_STATES.has(t.state)),
    missing, squeueError,
  };
}

/** Lines for `attn-phase status`. */
export function formatSlurmStatus(s: SlurmStatus): string {
  const lines: string[] = [];
  const arrays = s.jobs?.arrays.map((a) => a.jobId).join(', ') ?? 'not submitted';
  lines.push(`slurm: submission ${s.submission} (${s.manifest.createdAt}): ${s.tasks.length} task(s), array job(s) ${arrays}${s.merge ? `, merge job ${s.merge.jobId} ${s.merge.state ?? '(ended)'}` : ''}`);
  if (s.squeueError) lines.push(`  (squeue failed: ${s.squeueError}; job states unknown)`);
  for (const t of s.tasks) {
    const state = t.state ? `${t.state}${t.state === 'PENDING' && t.reason && t.reason !== 'None' ? ` (${t.reason})` : ''}` : 'ended';
    lines.push(`  task ${t.index}${t.jobId ? ` [${t.jobId}]` : ''}: ${t.done}/${t.trials} done${t.failed ? `, ${t.failed} failed` : ''} — ${state}`);
  }
  const unfinished = s.tasks.filter((t) => t.done < t.trials && (t.state === null || !ACTIVE_STATES.has(t.state)));
  if (unfinished.length) {
    lines.push(`  ${s.missing} trial(s) missing; task(s) ${unfinished.map((t) => t.index).join(', ')} ended without finishing: run \`attn-phase slurm merge ${s.manifest.outDir}\` for the command that submits what is missing`);
  }
  return lines.join('\n');
}
