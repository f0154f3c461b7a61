/**
 * The Slurm part of an output folder: `slurm/<n>/` per submission n = 1, 2, …
 * (the folder module owns the folder; this module owns what is inside
 * `slurm/`):
 *
 * * `manifest.json` — frozen at submission: the resolved sweep, the command
 *   that made it, the settings, and which trial ids each array task runs;
 * * `tasks/<index>.json` — a task's trials in full (id, cell, seed, resolved
 *   config, engine, cost), read by that task only;
 * * `array.sbatch` — the batch script of the array (`sbatch --array … array.sbatch <offset>`);
 * * `jobs.json` — the Slurm job ids: one array per chunk (under MaxArraySize) and the merge job;
 * * `logs/` — stdout/stderr of the tasks (`<array job id>_<index>.out`, appended
 *   across requeues) and of the merge job.
 *
 * Results never go here: every task appends to its own journal shard
 * (`journal/slurm-<n>-<index>-<job id>-r<restart>.jsonl`, through the folder module).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io.js';
import type { OutputFolder } from '../sweep/folder.js';
import type { PlannedTrial } from '../sweep/plan.js';
import type { ArrayChunk } from './slurm.js';
import type { Sweep } from '../core/view.js';
import { LAYOUT } from '../core/layout.js';

/** Settings of a submission (the `submit` flags). */
export interface SubmitSettings {
  /** K asked for (the manifest may hold fewer tasks when there are fewer trials) */
  tasks: number;
  /** --cpus-per-task of each array task; the task runs that many worker threads */
  cpus: number;
  /** --time of each array task (Slurm syntax, e.g. 2:00:00) */
  time?: string;
  partition?: string;
  /** at most this many array tasks at once (`--array=…%P`, per chunk) */
  throttle?: number;
  /** extra sbatch arguments, passed to every sbatch call as given */
  sbatchArgs: string[];
  /** retries of a failing trial within a task */
  retries: number;
  /** the merge job draws the figures (false: `attn-phase plot` later) */
  render: boolean;
}

/** The frozen manifest of one submission (`slurm/<n>/manifest.json`). */
export interface Manifest {
  version: 1;
  /** submission number n (1, 2, …) */
  submission: number;
  createdAt: string;
  /** absolute output folder */
  outDir: string;
  /** the resolved sweep (with overrides applied) */
  sweep: Sweep;
  /** how the user asked for it, to print the command that finishes a sweep */
  command: { sweepFile: string; overrides: string[] };
  settings: SubmitSettings;
  /** the repository whose dist/cli/main.js the tasks run, and the node binary */
  repo: string;
  node: string;
  /** trials of the plan, and how many were already finished at submission */
  total: number;
  skipped: number;
  /** the array tasks: index (0-based, = chunk offset + SLURM_ARRAY_TASK_ID), trial ids, estimated seconds on one core */
  tasks: { index: number; trials: string[]; cost: number }[];
}

/** Job ids of a submission (`slurm/<n>/jobs.json`). */
export interface SubmittedJobs {
  /** one array per chunk; its task i is manifest task offset + i */
  arrays: (ArrayChunk & { jobId: string })[];
  /** the dependent merge job (afterany on every array) */
  merge: string | null;
  submittedAt: string;
}

/** A task's file (`slurm/<n>/tasks/<index>.json`). */
export interface TaskFile {
  submission: number;
  index: number;
  trials: PlannedTrial[];
}

/** A manifest or task file that is missing or unreadable. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Paths of the Slurm files of an output folder (one place builds them). */
export class SlurmFiles {
  /** `<folder>/slurm` */
  readonly root: string;
  constructor(readonly folder: OutputFolder) {
    this.root = folder.path(LAYOUT.slurm);
  }
  dir(n: number): string {
    return join(this.root, String(n));
  }
  manifest(n: number): string {
    return join(this.dir(n), 'manifest.json');
  }
  jobs(n: number): string {
    return join(this.dir(n), 'jobs.json');
  }
  script(n: number): string {
    return join(this.dir(n), 'array.sbatch');
  }
  task(n: number, index: number): string {
    return join(this.dir(n), 'tasks', `${index}.json`);
  }
  logs(n: number): string {
    return join(this.dir(n), 'logs');
  }

  /** Submission numbers present (with a manifest), ascending. */
  submissions(): number[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((x) => /^[1-9]\d*$/.test(x) && existsSync(this.manifest(Number(x)))).map(Number).sort((a, b) => a - b);
  }

  /** The latest submission number, or null. */
  latest(): number | null {
    const s = this.submissions();
    return s.length ? s[s.length - 1] : null;
  }

  /** Create `slurm/<n>/{tasks,logs}` for the next submission and return n. */
  createNext(): number {
    const s = this.submissions();
    let n = s.length ? s[s.length - 1] + 1 : 1;
    while (existsSync(this.dir(n))) n++; // a half-written earlier attempt keeps its number
    mkdirSync(join(this.dir(n), 'tasks'), { recursive: true });
    mkdirSync(this.logs(n), { recursive: true });
    return n;
  }

  writeJson(file: string, data: unknown): void {
    writeFileAtomic(file, `${JSON.stringify(data, null, 1)}\n`);
  }

  writeText(file: string, text: string): void {
    writeFileAtomic(file, text);
  }

  /** @throws ManifestError naming the file */
  readJson<T>(file: string): T {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ManifestError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new ManifestError(`${file}: not JSON (${(e as Error).message.split('\n')[0]})`);
    }
  }

  readManifest(n: number): Manifest {
    const m = this.readJson<Manifest>(this.manifest(n));
    if (m?.version !== 1 || !Array.isArray(m.tasks) || !m.sweep) throw new ManifestError(`${this.manifest(n)}: not an attn-phase Slurm manifest`);
    return m;
  }

  /** jobs.json of submission n, or null before the jobs were submitted. */
  readJobs(n: number): SubmittedJobs | null {
    return existsSync(this.jobs(n)) ? this.readJson<SubmittedJobs>(this.jobs(n)) : null;
  }

  readTask(n: number, index: number): TaskFile {
    const t = this.readJson<TaskFile>(this.task(n, index));
    if (!Array.isArray(t?.trials) || t.index !== index) throw new ManifestError(`${this.task(n, index)}: not the task file of task ${index}`);
    return t;
  }
}

/**
 * Journal writer name of one incarnation of an array task: submission, task
 * index, Slurm job id and restart count (a requeued task keeps its job id and
 * gets SLURM_RESTART_COUNT + 1), so no two processes ever append to one file;
 * outside Slurm (a task run by hand), host and pid instead.
 */
export function taskWriterName(submission: number, index: number, env: NodeJS.ProcessEnv = process.env, host = 'local', pid = process.pid): string {
  const job = env.SLURM_JOB_ID;
  const who = job && /^\d+$/.test(job) ? `${job}-r${Number(env.SLURM_RESTART_COUNT ?? 0) || 0}` : `${host.replace(/[^A-Za-z0-9.-]/g, '_')}-p${pid}`;
  return `slurm-${submission}-${index}-${who}`;
}
