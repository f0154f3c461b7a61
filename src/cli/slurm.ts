/**
 * `attn-phase slurm submit|task|merge`: a sweep as a Slurm job array (src/slurm).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ManifestError } from '../slurm/manifest.js';
import { type MergeRender, mergeFolder } from '../slurm/merge.js';
import { SlurmError } from '../slurm/slurm.js';
import { submitSweep } from '../slurm/submit.js';
import { runSlurmTask } from '../slurm/task.js';
import { planSweep } from '../sweep/plan.js';
import { formatDuration } from '../sweep/progress.js';
import { engineFlagOverrides, loadSweepWithOverrides } from '../sweep/overrides.js';
import { fail, intOption } from './errors.js';
import { engineChoicesText } from '../model/engines.js';
import { onStopSignal } from './signals.js';
import type { Sweep } from '../core/view.js';

interface SubmitFlags {
  tasks: number;
  cpus: number;
  time?: string;
  partition?: string;
  throttle?: number;
  sbatchArg: string[];
  out?: string;
  retries: number;
  engine?: string;
  force?: boolean;
  render: boolean;
}

/** Draws a sweep's figures and tables with src/plot (loaded on first use). */
const renderFigures: MergeRender = async (folder, plan, cells, records) => {
  const { renderSweepFigures } = await import('../plot/figures.js');
  return renderSweepFigures(folder.dir, plan, cells, records, { final: true });
};

/** The sweep of a file with `key=value` overrides, exactly as `attn-phase run` reads it (src/sweep/overrides.ts). */
function loadWithOverrides(file: string, overrides: readonly string[]): Sweep {
  return loadSweepWithOverrides(file, overrides).sweep;
}

/** Print a Slurm or manifest error as one line and exit (1: Slurm failed; 2: bad manifest). */
function failSlurm(e: unknown): never {
  if (e instanceof SlurmError || e instanceof ManifestError) {
    process.stderr.write(`attn-phase: error: ${e.message}\n`);
    process.exit(e instanceof ManifestError ? 2 : 1);
  }
  fail(e);
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Register `attn-phase slurm …`. */
export function registerSlurm(program: Command): void {
  const slurm = program.command('slurm').description('run a sweep as a Slurm job array: submit, (task), merge');

  slurm
    .command('submit')
    .description('submit the unfinished trials of a sweep as a Slurm job array plus a merge job, and exit')
    .argument('<sweep>', 'sweep file (YAML)')
    .argument('[overrides...]', 'parameter overrides key=value (as for run)')
    .requiredOption('-k, --tasks <k>', 'array tasks to spread the trials over', intOption('tasks', 1))
    .option('-c, --cpus <c>', 'CPUs per task (worker threads of each task)', intOption('cpus', 1), 1)
    .option('-t, --time <time>', 'time limit per task (Slurm syntax, e.g. 2:00:00)')
    .option('-p, --partition <name>', 'Slurm partition')
    .option('--throttle <p>', 'at most p array tasks at once (per array of MaxArraySize tasks)', intOption('throttle', 1))
    .option('--sbatch-arg <arg>', 'extra sbatch argument, e.g. --sbatch-arg=--account=abc (repeatable)', collect, [] as string[])
    .option('-o, --out <dir>', 'output folder (default: output/<sweep name>); must be on a filesystem the compute nodes share')
    .option('--retries <n>', 'retries of a failing trial within its task', intOption('retries', 0), 1)
    .option('--engine <engine>', `force an engine for every trial (the override engine=E): ${engineChoicesText()}`)
    .option('--force', 'use an output folder that holds another sweep')
    .option('--no-render', 'the merge job does not draw the figures (draw them later with `attn-phase plot <dir>`)')
    .action(async (file: string, overrides: string[], flags: SubmitFlags) => {
      try {
        const allOverrides = [...overrides, ...engineFlagOverrides(flags.engine)];
        const sweep = loadWithOverrides(file, allOverrides);
        const plan = planSweep(sweep);
        const outDir = flags.out ?? join('output', sweep.name);
        const s = await submitSweep(plan, {
          outDir, tasks: flags.tasks, cpus: flags.cpus, time: flags.time, partition: flags.partition, throttle: flags.throttle,
          sbatchArgs: flags.sbatchArg, retries: flags.retries, force: flags.force, render: flags.render,
          command: { sweepFile: file, overrides: allOverrides },
        });
        if (s.submission === null) {
          process.stderr.write(`sweep ${sweep.name}: all ${s.total} trials are already journaled in ${outDir}; nothing to submit (attn-phase slurm merge ${outDir} folds and renders)\n`);
          process.exit(0);
        }
        const j = s.jobs!;
        process.stderr.write(`sweep ${sweep.name}: ${s.submitted} of ${s.total} trials (${s.skipped} already journaled) in ${s.tasks} array task(s); longest task ≈ ${formatDuration(s.longestTaskCost * 1000)} on one core (estimate)\n`);
        process.stderr.write(`submission ${s.submission}: array job(s) ${j.arrays.map((a) => `${a.jobId} [${a.count} task(s)]`).join(', ')}, merge job ${j.merge} (after all of them)\n`);
        process.stderr.write(`follow it: attn-phase status ${outDir}    results: ${outDir}/ after the merge job\n`);
        process.stdout.write(`${j.arrays.map((a) => a.jobId).join(' ')} ${j.merge}\n`);
        process.exit(0);
      } catch (e) {
        failSlurm(e);
      }
    });

  slurm
    .command('task')
    .description('run one array task (what the batch script of `slurm submit` runs on a compute node)')
    .argument('<dir>', 'output folder')
    .requiredOption('--submission <n>', 'submission number (slurm/<n>/)', intOption('submission', 1))
    .requiredOption('--index <i>', 'task index', intOption('index', 0))
    .option('-w, --workers <n>', 'worker threads (default: the CPUs Slurm gave the task)', intOption('workers', 1))
    .action(async (dir: string, flags: { submission: number; index: number; workers?: number }) => {
      // Slurm sends SIGTERM before killing a cancelled, preempted or requeued task: finish the running trials if there is time
      let stop: (() => void) | null = null;
      onStopSignal((n) => {
        if (n >= 3 || !stop) process.exit(143);
        stop();
      });
      try {
        const t0 = Date.now();
        const s = await runSlurmTask({ outDir: dir, submission: flags.submission, index: flags.index, workers: flags.workers, onStopHandle: (f) => (stop = f) });
        process.stderr.write(`task ${flags.index}: ${s.ran} trial(s) run, ${s.skipped} already journaled, ${s.failed.length} failed, wall ${formatDuration(Date.now() - t0)}\n`);
        if (s.failed.length) process.stderr.write(`failed trials:\n${s.failed.map((f) => `  ${f.id}: ${f.error}`).join('\n')}\n`);
        process.exit(s.interrupted ? 143 : s.failed.length ? 1 : 0);
      } catch (e) {
        failSlurm(e);
      }
    });

  slurm
    .command('merge')
    .description('fold the array tasks\' journal shards into results.jsonl, render, and list what is missing (the dependent job runs it)')
    .argument('<dir>', 'output folder')
    .option('--no-render', 'do not draw the figures')
    .action(async (dir: string, flags: { render: boolean }) => {
      try {
        const s = await mergeFolder(dir, flags.render ? renderFigures : undefined);
        process.stderr.write(`merged submission ${s.submission}: ${s.folded} journal line(s) folded into results.jsonl; ${s.done}/${s.total} trials done\n`);
        for (const f of s.figures) if (f.endsWith('.png')) process.stdout.write(`${f}\n`);
        if (s.renderError) process.stderr.write(`error: rendering the figures failed: ${s.renderError}\n`);
        if (s.missing.length) {
          process.stderr.write(`missing trials (${s.missing.length}):\n${s.missing.map((m) => `  ${m.id} cell ${m.cellKey} seed ${m.seed}${m.task !== null ? ` (task ${m.task})` : ''}: ${m.error ?? 'not run to the end (cancelled, preempted or timed out)'}`).join('\n')}\n`);
          process.stderr.write(`to finish them:\n  ${s.command}\n`);
        }
        process.exit(s.missing.length || s.renderError ? 1 : 0);
      } catch (e) {
        failSlurm(e);
      }
    });
}
