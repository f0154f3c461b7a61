/**
 * `attn-phase slurm submit`: plan, drop the trials finished in any journal
 * file, pack the rest into K array tasks (src/slurm/pack.ts), write the frozen
 * manifest and the batch script, submit the array (`--requeue`, chunked under
 * MaxArraySize) and a merge job that runs after every task ended (`afterany`),
 * record the job ids, and return — never waiting for the jobs.
 *
 * Assumption: the output folder and the repository (with dist/ built) are on
 * a filesystem every compute node mounts at the same path (the usual home or
 * project filesystem of a cluster).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quote } from 'shell-quote';
import { type FolderLock, OutputFolder } from '../sweep/folder.js';
import type { Plan } from '../sweep/plan.js';
import { type Manifest, type SubmitSettings, type SubmittedJobs, type TaskFile, SlurmFiles } from './manifest.js';
import { packTrials } from './pack.js';
import { type ArrayChunk, SlurmError, arrayChunks, maxArraySize, sbatch, scancel } from './slurm.js';
import { activeArrays } from './status.js';
import { LockedError } from '../core/errors.js';

/** Options of {@link submitSweep}. */
export interface SubmitOptions extends Partial<Omit<SubmitSettings, 'tasks' | 'sbatchArgs'>> {
  outDir: string;
  tasks: number;
  sbatchArgs?: string[];
  /** the sweep file and overrides as the user gave them (for the printed commands) */
  command: { sweepFile: string; overrides: string[] };
  /** accept an output folder holding another sweep */
  force?: boolean;
  /** repository root whose dist/cli/main.js the tasks run (default: this one) */
  repo?: string;
  /** node binary for the tasks (default: this process's) */
  node?: string;
  /** MaxArraySize to use instead of asking `scontrol show config` */
  maxArraySize?: number;
}

/** What a submission did. */
export interface SubmitSummary {
  outDir: string;
  /** null when every trial was already finished (nothing submitted) */
  submission: number | null;
  total: number;
  skipped: number;
  /** trials submitted */
  submitted: number;
  tasks: number;
  jobs: SubmittedJobs | null;
  /** estimated seconds of the longest task on one core (cost model) */
  longestTaskCost: number;
}

/** The repository root of this code (…/dist/slurm/submit.js or …/src/slurm/submit.ts → …). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * The batch script of a submission's array. It runs task `offset +
 * SLURM_ARRAY_TASK_ID` (the offset is the script's argument, one per chunk)
 * with `node <repo>/dist/cli/main.js slurm task`; output is appended to
 * `logs/<array job id>_<array index>.out` (a requeued task appends).
 */
export function sbatchScript(m: Pick<Manifest, 'submission' | 'outDir' | 'sweep' | 'settings' | 'repo' | 'node'>, logsDir: string): string {
  const s = m.settings;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${quote([`attn-phase-${m.sweep.name}`])}`,
    `#SBATCH --output=${join(logsDir, '%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --cpus-per-task=${s.cpus}`,
    '#SBATCH --ntasks=1',
    ...(s.time ? [`#SBATCH --time=${s.time}`] : []),
    ...(s.partition ? [`#SBATCH --partition=${s.partition}`] : []),
    `# attn-phase sweep "${m.sweep.name}", submission ${m.submission}: one array task runs its share of trials`,
    `# (slurm/${m.submission}/tasks/<index>.json) on --cpus-per-task worker threads and appends them to its own`,
    '# journal shard. The output folder and the repository must be visible at the same paths on every node.',
    'set -eu',
    'offset="${1:?usage: sbatch --array=0-N array.sbatch OFFSET}"',
    `node_bin=${quote([m.node])}`,
    '[ -x "$node_bin" ] || node_bin=node',
    `exec "$node_bin" ${quote([join(m.repo, 'dist', 'cli', 'main.js'), 'slurm', 'task', m.outDir])} --submission ${m.submission} --index "$((offset + SLURM_ARRAY_TASK_ID))"`,
    '',
  ];
  return lines.join('\n');
}

/** The `--array` value of a chunk: `0-(count−1)` with `%throttle`. */
export function arraySpec(c: ArrayChunk, throttle?: number): string {
  return `0-${c.count - 1}${throttle ? `%${throttle}` : ''}`;
}

/** The shell command that submits (again) what is missing, as the user would type it. */
export function submitCommand(m: Pick<Manifest, 'command' | 'outDir' | 'settings'>, tasks: number): string {
  const s = m.settings;
  const args = ['attn-phase', 'slurm', 'submit', m.command.sweepFile, ...m.command.overrides, '--out', m.outDir, '--tasks', String(Math.max(1, tasks))];
  args.push('--cpus', String(s.cpus));
  if (s.time) args.push('--time', s.time);
  if (s.partition) args.push('--partition', s.partition);
  if (s.throttle) args.push('--throttle', String(s.throttle));
  if (s.retries !== 1) args.push('--retries', String(s.retries));
  if (s.render === false) args.push('--no-render');
  for (const a of s.sbatchArgs) args.push(`--sbatch-arg=${a}`);
  return quote(args);
}

/**
 * Submit the unfinished trials of `plan` as a Slurm job array (see module
 * doc). Holds the folder's lock while writing (a local run cannot start
 * meanwhile); the tasks themselves write without it, each to its own shard.
 *
 * @throws LockedError if a run holds the folder or an earlier submission's
 *   array is still queued or running; FolderError for a foreign folder;
 *   SlurmError when a Slurm command fails (arrays already submitted by this
 *   call are cancelled again)
 */
export async function submitSweep(plan: Plan, opts: SubmitOptions): Promise<SubmitSummary> {
  const folder = new OutputFolder(opts.outDir);
  const files = new SlurmFiles(folder);
  const repo = opts.repo ?? repoRoot();
  const cli = join(repo, 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) throw new SlurmError(`${cli}: not built; run "npm run build" in ${repo} (the compute nodes run it)`);
  const lock: FolderLock = await folder.lock({ sweep: plan.sweep.name, force: opts.force, label: opts.outDir });
  try {
    const active = activeArrays(files);
    if (active.length) {
      throw new LockedError(`${opts.outDir}: Slurm array job(s) ${active.map((a) => a.jobId).join(', ')} of submission ${active[0].submission} are still queued or running; wait for them (attn-phase status ${opts.outDir}) or scancel them`);
    }
    const journal = folder.replay();
    folder.writePlan(plan, lock);
    const todo = plan.trials.filter((t) => !journal.trials.has(t.id));
    const summary: SubmitSummary = {
      outDir: folder.dir, submission: null, total: plan.trials.length, skipped: plan.trials.length - todo.length,
      submitted: todo.length, tasks: 0, jobs: null, longestTaskCost: 0,
    };
    if (todo.length === 0) return summary;
    const packed = packTrials(todo, opts.tasks);
    const settings: SubmitSettings = {
      tasks: opts.tasks, cpus: opts.cpus ?? 1, time: opts.time, partition: opts.partition, throttle: opts.throttle,
      sbatchArgs: opts.sbatchArgs ?? [], retries: opts.retries ?? 1, render: opts.render ?? true,
    };
    const n = files.createNext();
    const manifest: Manifest = {
      version: 1, submission: n, createdAt: new Date().toISOString(), outDir: folder.dir, sweep: plan.sweep,
      command: opts.command, settings, repo, node: opts.node ?? process.execPath,
      total: plan.trials.length, skipped: summary.skipped,
      tasks: packed.map((t) => ({ index: t.index, trials: t.trials.map((x) => x.id), cost: t.cost })),
    };
    for (const t of packed) files.writeJson(files.task(n, t.index), { submission: n, index: t.index, trials: t.trials } satisfies TaskFile);
    files.writeJson(files.manifest(n), manifest);
    const script = files.script(n);
    files.writeText(script, sbatchScript(manifest, files.logs(n)));

    const chunks = arrayChunks(packed.length, opts.maxArraySize ?? maxArraySize());
    const arrays: SubmittedJobs['arrays'] = [];
    let merge: string | null = null;
    try {
      for (const c of chunks) {
        const jobId = sbatch([`--array=${arraySpec(c, settings.throttle)}`, ...settings.sbatchArgs, script, String(c.offset)]);
        arrays.push({ ...c, jobId });
      }
      merge = sbatch([
        `--dependency=afterany:${arrays.map((a) => a.jobId).join(':')}`,
        '--kill-on-invalid-dep=no',
        `--job-name=attn-phase-merge-${plan.sweep.name}`,
        `--output=${join(files.logs(n), 'merge-%j.out')}`,
        '--ntasks=1', '--cpus-per-task=1',
        ...(settings.partition ? [`--partition=${settings.partition}`] : []),
        ...(settings.time ? [`--time=${settings.time}`] : []),
        ...settings.sbatchArgs,
        `--wrap=${quote([manifest.node, cli, 'slurm', 'merge', folder.dir, ...(settings.render ? [] : ['--no-render'])])}`,
      ]);
    } catch (e) {
      const undo = scancel(arrays.map((a) => a.jobId));
      throw new SlurmError(`${(e as Error).message}${arrays.length ? `; cancelled the array job(s) already submitted (${arrays.map((a) => a.jobId).join(', ')})${undo ? ` — scancel failed: ${undo}` : ''}` : ''}`);
    }
    const jobs: SubmittedJobs = { arrays, merge, submittedAt: new Date().toISOString() };
    files.writeJson(files.jobs(n), jobs);
    return { ...summary, submission: n, tasks: packed.length, jobs, longestTaskCost: packed[0]?.cost ?? 0 };
  } finally {
    await lock.release();
  }
}
