/**
 * One Slurm array task (`attn-phase slurm task`, what array.sbatch runs):
 * its share of trials (slurm/<n>/tasks/<index>.json) in the local worker
 * pool, journaled to its own shard — one writer per file, also for a
 * requeued incarnation (the shard name carries job id and restart count).
 * Trials already in any journal file are skipped, so a requeued or rerun
 * task resumes. Without the folder lock: it never writes results.jsonl.
 */
import { availableParallelism, hostname } from 'node:os';
import { OutputFolder, unfinished } from '../sweep/folder.js';
import { groupTrials, planSweep } from '../sweep/plan.js';
import { type JournaledRun, poolThreads, runJournaled } from '../sweep/journaled.js';
import { ManifestError, SlurmFiles, taskWriterName } from './manifest.js';

/** Options of {@link runSlurmTask}. */
export interface TaskOptions {
  outDir: string;
  submission: number;
  index: number;
  /** worker threads (default: min(availableParallelism(), SLURM_CPUS_PER_TASK)) */
  workers?: number;
  /** receives the stop function (1st call: no new trials; 2nd: stop now) */
  onStopHandle?: (stop: () => void) => void;
  log?: (msg: string) => void;
}

/** What a task did. */
export interface TaskSummary {
  /** the journal shard it wrote */
  shard: string;
  trials: number;
  /** already journaled when it started (a resumed task) */
  skipped: number;
  ran: number;
  failed: { id: string; error: string }[];
  interrupted: boolean;
  threads: number;
}

/** Worker threads of a task: the cores this process may use, capped by Slurm's --cpus-per-task. */
export function taskWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const cpus = Number(env.SLURM_CPUS_PER_TASK);
  const avail = availableParallelism();
  return Number.isInteger(cpus) && cpus >= 1 ? Math.min(avail, cpus) : avail;
}

/**
 * Run task `index` of submission `submission` of a folder.
 * @throws ManifestError if the task file is missing or its trials are not in
 *   the manifest's plan (the repository changed since submission); IoError for the shard
 */
export async function runSlurmTask(opts: TaskOptions): Promise<TaskSummary> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const folder = OutputFolder.open(opts.outDir);
  const files = new SlurmFiles(folder);
  const manifest = files.readManifest(opts.submission);
  const task = files.readTask(opts.submission, opts.index);
  const plan = planSweep(manifest.sweep);
  const planned = new Set(plan.trials.map((t) => t.id));
  const foreign = task.trials.filter((t) => !planned.has(t.id));
  if (foreign.length) {
    throw new ManifestError(`${files.task(opts.submission, opts.index)}: trial ${foreign[0].id} is not in the plan of the manifest's sweep — the code changed since submission (trial ids differ); submit again`);
  }
  const journal = folder.replay();
  for (const w of journal.warnings) log(`warning: ${w}`);
  const { todo, previousAttempts } = unfinished(task.trials, journal);
  const writer = taskWriterName(opts.submission, opts.index, process.env, hostname(), process.pid);
  const summary: TaskSummary = {
    shard: folder.journalFileOf(writer), trials: task.trials.length, skipped: task.trials.length - todo.length,
    ran: 0, failed: [], interrupted: false, threads: 0,
  };
  let stopLevel = 0;
  let run: JournaledRun | null = null;
  opts.onStopHandle?.(() => {
    stopLevel++;
    if (stopLevel === 1) run?.stop();
    else void run?.destroy();
  });
  if (todo.length === 0) return summary;
  const groups = groupTrials(todo);
  summary.threads = poolThreads(groups.length, opts.workers ?? taskWorkers());
  log(`task ${opts.index} of submission ${manifest.submission}: ${todo.length} trial(s) to run (${summary.skipped} already journaled) on ${summary.threads} thread(s) → ${summary.shard}`);
  const w = folder.openJournal(writer);
  try {
    run = runJournaled(groups, {
      sweep: manifest.sweep.name,
      axesOf: new Map(plan.cells.map((c) => [c.key, c.axes])),
      writer: w,
      journalFile: summary.shard,
      workers: summary.threads,
      retries: manifest.settings.retries,
      previousAttempts,
      log,
    });
    await run.done;
    summary.ran = run.ran;
    summary.failed = run.failed.map(({ trial, error }) => ({ id: trial.id, error }));
  } finally {
    w.close();
  }
  summary.interrupted = stopLevel > 0;
  return summary;
}
