/**
 * `attn-phase run <sweep.yaml>`: plan, train in the pool, journal, render.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { planSweep } from '../sweep/plan.js';
import { defaultWorkers } from '../sweep/pool.js';
import { formatDuration } from '../sweep/progress.js';
import { runSweep } from '../sweep/run.js';
import { loadSweep, SweepSpecError } from '../sweep/spec.js';
import { checkOutDir, fail, intOption } from './errors.js';

interface RunFlags {
  workers: number;
  out?: string;
  retries: number;
  live: number;
  progress: boolean;
  engine?: string;
}

/** Register `attn-phase run <sweep.yaml>` on the program. Exit codes: 0 ok, 1 failed trials, 2 bad input, 3 folder in use, 130 interrupted. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run (or resume) a sweep and render its phase diagram')
    .argument('<sweep>', 'sweep file (YAML), e.g. sweeps/snr-n.yaml')
    .option('-w, --workers <n>', 'worker threads (default: available cores)', intOption('workers', 1), defaultWorkers())
    .option('-o, --out <dir>', 'output folder (default: output/<sweep name>)')
    .option('--retries <n>', 'retries of a failing trial', intOption('retries', 0), 1)
    .option('--live <n>', 're-render the partial phase diagram every n finished trials (0 = off)', intOption('live', 0), 0)
    .option('--engine <engine>', 'force an engine for every trial: auto | explicit | reduced')
    .option('--no-progress', 'no progress output')
    .action(async (file: string, flags: RunFlags) => {
      try {
        const sweep = loadSweep(file);
        if (flags.engine !== undefined) {
          if (!['auto', 'explicit', 'reduced'].includes(flags.engine)) throw new SweepSpecError(`--engine: expected auto | explicit | reduced, got ${JSON.stringify(flags.engine)}`);
          sweep.base.engine = flags.engine;
        }
        const plan = planSweep(sweep);
        const outDir = flags.out ?? join('output', sweep.name);
        checkOutDir(outDir, ['results.jsonl', 'plan.json']);
        for (const w of plan.warnings) process.stderr.write(`${w}\n`);
        process.stderr.write(`sweep ${sweep.name}: ${plan.cells.length} cells × ${sweep.seeds.length} seeds = ${plan.trials.length} trials on ${flags.workers} worker(s) → ${outDir}\n`);
        // 1st SIGINT/SIGTERM: graceful stop; 2nd: stop now; 3rd: exit at once (journal lines are written synchronously, so it stays whole)
        let signals = 0;
        let stop: (() => void) | null = null;
        const onSignal = () => {
          signals++;
          if (signals >= 3) {
            process.stderr.write('attn-phase: stopped\n');
            process.exit(130);
          }
          stop?.();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const summary = await runSweep(plan, {
          outDir, workers: flags.workers, retries: flags.retries, live: flags.live, progress: flags.progress,
          onStopHandle: (s) => (stop = s),
        });
        process.stderr.write(`${summary.ran} trials run, ${summary.skipped} resumed from the journal, ${summary.failed.length} failed, wall ${formatDuration(summary.wallMs)}\n`);
        for (const f of summary.figures) if (f.endsWith('.png')) process.stdout.write(`${f}\n`);
        if (summary.failed.length) {
          process.stderr.write(`failed trials (${summary.failed.length}; rerun to retry them):\n${summary.failed.map((f) => `  ${f.id} cell ${f.cellKey} seed ${f.seed}: ${f.error}`).join('\n')}\n`);
        }
        if (summary.interrupted) {
          process.stderr.write(`interrupted: ${summary.skipped + summary.ran}/${summary.total} trials in the journal; rerun the same command to resume\n`);
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (summary.interrupted) process.exit(130);
        process.exit(summary.failed.length || summary.renderError ? 1 : 0);
      } catch (e) {
        fail(e);
      }
    });
}
