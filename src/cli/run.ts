/**
 * `attn-phase run <sweep.yaml>`: plan, train in the pool, journal, render.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { arrayStillActive } from '../slurm/status.js';
import { OutputFolder } from '../sweep/folder.js';
import { planSweep } from '../sweep/plan.js';
import { defaultWorkers } from '../sweep/pool.js';
import { formatDuration } from '../sweep/progress.js';
import { type RenderFn, runSweep } from '../sweep/run.js';
import { estimatePlan, formatDryRun } from '../sweep/dryrun.js';
import { engineFlagOverrides, explicitSweepDocument, loadSweepWithOverrides, resolvedSweepYaml } from '../sweep/overrides.js';
import { fail, intOption } from './errors.js';
import { engineChoicesText } from '../model/engines.js';
import { onStopSignal } from './signals.js';
import { LockedError } from '../core/errors.js';

interface RunFlags {
  workers: number;
  out?: string;
  retries: number;
  live: number;
  progress: boolean;
  engine?: string;
  force?: boolean;
  dryRun: boolean;
}

/** Draws a sweep's figures and tables with src/plot (loaded on first use: vega and sharp take a while to load). */
const renderFigures: RenderFn = async ({ folder, plan, cells, records, final }) => {
  const { renderSweepFigures } = await import('../plot/figures.js');
  return renderSweepFigures(folder.dir, plan, cells, records, { final });
};

/**
 * Register `attn-phase run <sweep.yaml>` on the program. Exit codes: 0 ok,
 * 1 failed trials or an I/O error (disk full), 2 bad input (also an output
 * folder that is foreign, another sweep's, or not writable), 3 folder in
 * use, 130 interrupted.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run (or resume) a sweep and render its phase diagram')
    .argument('<sweep>', 'sweep file (YAML), e.g. sweeps/snr-n.yaml')
    .argument('[overrides...]', 'key=value overrides of the file (YAML values): d=500 seeds=3 grid.n=[10,20] plot.width=8.5cm; ~key removes')
    .option('-w, --workers <n>', 'worker threads (default: available cores)', intOption('workers', 1), defaultWorkers())
    .option('-o, --out <dir>', 'output folder (default: output/<sweep name>)')
    .option('--retries <n>', 'retries of a failing trial', intOption('retries', 0), 1)
    .option('--live <n>', 're-render the partial phase diagram every n finished trials (0 = off)', intOption('live', 0), 0)
    .option('--engine <engine>', `force an engine for every trial (the override engine=E): ${engineChoicesText()}`)
    .option('--force', 'use an output folder that holds another sweep (both sweeps\' trials share its journal)')
    .option('--no-progress', 'no progress output')
    .option('-n, --dry-run', 'print the plan (cells, trials, engines, estimated time and memory) and write nothing')
    .action(async (file: string, overrides: string[], flags: RunFlags) => {
      // 1st SIGINT/SIGTERM: graceful stop; 2nd: stop now; 3rd: exit at once (journal lines are written synchronously, so it stays whole)
      let stop: (() => void) | null = null;
      const restoreSignals = onStopSignal((n) => {
        if (n >= 3 || !stop) {
          process.stderr.write('attn-phase: stopped\n');
          process.exit(130);
        }
        stop();
      });
      try {
        const allOverrides = [...overrides, ...engineFlagOverrides(flags.engine)];
        const { sweep, doc } = loadSweepWithOverrides(file, allOverrides);
        const plan = planSweep(sweep);
        const outDir = flags.out ?? join('output', sweep.name);
        if (flags.dryRun) {
          process.stdout.write(formatDryRun(plan, estimatePlan(plan, flags.workers), outDir));
          restoreSignals();
          process.exit(0);
        }
        const sweepYaml = resolvedSweepYaml(explicitSweepDocument(doc), file, allOverrides);
        for (const w of plan.warnings) process.stderr.write(`${w}\n`);
        // a Slurm array of this folder still queued or running would run the same trials (one squeue call, none if never submitted)
        const busy = existsSync(outDir) ? arrayStillActive(new OutputFolder(outDir)) : null;
        if (busy) throw new LockedError(`${outDir}: ${busy}`);
        process.stderr.write(`sweep ${sweep.name}: ${plan.cells.length} cells × ${sweep.seeds.length} seeds = ${plan.trials.length} trials → ${outDir}\n`);
        const summary = await runSweep(plan, {
          outDir, workers: flags.workers, retries: flags.retries, live: flags.live, progress: flags.progress, force: flags.force,
          render: renderFigures,
          onStopHandle: (s) => (stop = s), sweepYaml,
        });
        const inJournal = summary.skipped + summary.ran;
        process.stderr.write(`${summary.ran} trials run, ${summary.skipped} resumed from the journal, ${summary.failed.length} failed, wall ${formatDuration(summary.wallMs)}\n`);
        for (const f of summary.figures) if (f.endsWith('.png')) process.stdout.write(`${f}\n`);
        if (summary.failed.length) {
          process.stderr.write(`failed trials (${summary.failed.length}; rerun to retry them):\n${summary.failed.map((f) => `  ${f.id} cell ${f.cellKey} seed ${f.seed}: ${f.error}`).join('\n')}\n`);
        }
        if (summary.interrupted) {
          if (inJournal === summary.total && summary.renderInterrupted) {
            process.stderr.write(`interrupted while rendering: all ${summary.total} trials are in the journal; only the figures are incomplete — \`attn-phase plot ${outDir}\` redraws them\n`);
          } else if (inJournal === summary.total) {
            process.stderr.write(`interrupted: all ${summary.total} trials are in the journal${summary.figures.length ? '' : '; `attn-phase plot ' + outDir + '` draws the figures'}\n`);
          } else {
            process.stderr.write(`interrupted: ${inJournal}/${summary.total} trials in the journal; rerun the same command to resume\n`);
          }
        }
        restoreSignals();
        if (summary.interrupted) process.exit(130);
        process.exit(summary.failed.length || summary.renderError ? 1 : 0);
      } catch (e) {
        fail(e);
      }
    });
}
