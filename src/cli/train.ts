/**
 * `attn-phase train`: one trial, and its token-selection trajectory (the
 * paper's Figure 3 picture) as SVG/PNG plus the data as CSV.
 *
 * Behaves like `run`: the trial runs in a worker thread (train-worker.ts) so
 * that progress reaches stderr and signals are handled while it computes.
 * The first Ctrl-C/SIGTERM stops training at the next checkpoint and writes
 * what there is (trajectory.csv, trial.json with `stopped: true`, the
 * figure); the second stops at once, writing the checkpoints received so far
 * (no figure); a third exits. Exit code 130 after a stop.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { checkpointValues, CHECKPOINT_COLUMNS, toCsv } from '../outcome/csv.js';
import { eventTimes } from '../outcome/metrics.js';
import { theoryOf } from '../outcome/theory.js';
import { provenance } from '../provenance.js';
import { planSweep } from '../sweep/plan.js';
import { formatDuration, TrialProgress } from '../sweep/progress.js';
import { validateSweep } from '../sweep/spec.js';
import { writeFileAtomic } from '../io.js';
import { checkOutDir, fail } from './errors.js';
import { engineChoicesText } from '../model/engines.js';
import { onStopSignal } from './signals.js';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker.js';
import { type TrialConfig, snrOf } from '../core/config.js';
import type { TrialOutcome, Checkpoint } from '../core/records.js';
import { LAYOUT, folderPath } from '../core/layout.js';

/** Flag name → sweep parameter. Values are parsed as numbers where they look like numbers. */
const FLAGS: [string, string, string][] = [
  ['--snr <x>', 'snr', 'signal-to-noise ratio ‖μ‖/(σ√d) (or give --mu-norm)'],
  ['--mu-norm <x>', 'muNorm', 'class-signal norm ‖μ‖₂'],
  ['--n <n>', 'n', 'training-set size'],
  ['--d <d>', 'd', 'token dimension'],
  ['--T <T>', 'T', 'tokens per sequence (≥ 3)'],
  ['--eta <x>', 'eta', 'label-noise rate η ∈ [0, 0.5)'],
  ['--rho <x>', 'rho', 'weak-signal scale ρ ∈ (0, 1)'],
  ['--sigma <x>', 'sigma', 'token-noise std σ_ε'],
  ['--alpha <x>', 'alpha', 'GD step size α'],
  ['--steps <k>', 'steps', 'GD steps'],
  ['--eval-every <k>', 'evalEvery', 'checkpoint spacing'],
  ['--test-n <k>', 'testN', 'test sequences'],
  ['--engine <e>', 'engine', engineChoicesText()],
  ['--test <mode>', 'test', 'projected | explicit test set'],
];

function parseValue(v: string): number | string {
  const x = Number(v);
  return v.trim() !== '' && Number.isFinite(x) ? x : v;
}


/** Outcome of a trial cut short with only the checkpoints received (second signal). */
function partialOutcome(cfg: TrialConfig, checkpoints: Checkpoint[], engine: TrialOutcome['engine'], startedAt: number): Omit<TrialOutcome, 'final'> & { final: Checkpoint | null } {
  const final = checkpoints[checkpoints.length - 1] ?? null;
  const ms = performance.now() - startedAt;
  return {
    engine, checkpoints, final, regime: final?.regime ?? 'partial', events: eventTimes(checkpoints, cfg.generalizationTolerance, theoryOf(cfg).testLossBest),
    diverged: false, stopped: true, timings: { sharedMs: NaN, trainMs: NaN, totalMs: ms },
  } as Omit<TrialOutcome, 'final'> & { final: Checkpoint | null };
}

/**
 * Run one trial in a worker thread, reporting checkpoints to `onCheckpoint`.
 * `stop(1)` asks it to stop at the next checkpoint; `stop(2)` terminates it
 * (the promise then resolves with null).
 */
function trainInWorker(config: TrialConfig, seed: number, onCheckpoint: (c: Checkpoint) => void): { done: Promise<TrialOutcome | null>; stop: (level: number) => void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: { config, seed, stop: flag } satisfies TrainWorkerData });
  let outcome: TrialOutcome | null = null;
  const done = new Promise<TrialOutcome | null>((resolve, reject) => {
    worker.on('message', (m: TrainWorkerMessage) => {
      if (m.type === 'checkpoint') onCheckpoint(m.checkpoint);
      else outcome = m.outcome;
    });
    worker.on('error', reject);
    worker.on('exit', () => resolve(outcome));
  });
  return {
    done,
    stop(level) {
      Atomics.store(flag, 0, 1);
      if (level >= 2) void worker.terminate();
    },
  };
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train one trial and plot its token-selection trajectory (softmax weight per token kind, clean vs noisy samples)');
  for (const [flag, , help] of FLAGS) cmd.option(flag, help);
  cmd
    .option('--seed <k>', 'trial seed', '0')
    .option('-o, --out <dir>', 'output folder (default: output/train/<parameters>)')
    .action(async (flags: Record<string, string | undefined>) => {
      // signals first: 1st = stop at the next checkpoint, 2nd = stop now, 3rd = exit
      let signals = 0;
      let stopTrial: ((level: number) => void) | null = null;
      const onSignal = () => {
        signals++;
        if (!stopTrial || signals >= 3) {
          process.stderr.write('attn-phase: stopped\n');
          process.exit(130);
        }
        process.stderr.write(signals === 1 ? 'stopping at the next checkpoint; what is trained so far will be written (Ctrl-C again to stop now)\n' : 'stopping now\n');
        stopTrial(signals);
      };
      const restoreSignals = onStopSignal(onSignal);
      try {
        const base: Record<string, unknown> = {};
        for (const [flag, param] of FLAGS) {
          const key = flag.slice(2).split(' ')[0].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
          const v = flags[key];
          if (v !== undefined) base[param] = parseValue(v);
        }
        const seed = parseValue(flags.seed ?? '0');
        const sweep = validateSweep({ name: 'train', base, seeds: [seed] }, 'train');
        const plan = planSweep(sweep);
        const trial = plan.trials[0];
        const cfg = trial.config;
        const tag = `snr${snrOf(cfg).toPrecision(3)}_n${cfg.n}_d${cfg.d}_seed${trial.seed}`;
        const outDir = flags.out ?? join('output', 'train', tag);
        checkOutDir(outDir, ['trial.json', 'trajectory.csv']);
        mkdirSync(outDir, { recursive: true });
        process.stderr.write(`training one trial: d=${cfg.d} n=${cfg.n} T=${cfg.T} SNR=${snrOf(cfg).toPrecision(3)} ‖μ‖=${cfg.muNorm.toPrecision(4)} η=${cfg.eta} α=${cfg.alpha} steps=${cfg.steps} seed=${trial.seed} (engine ${trial.engine})\n`);
        const received: Checkpoint[] = [];
        const progress = new TrialProgress(cfg.steps);
        const t0 = performance.now();
        const run = trainInWorker(cfg, trial.seed, (c) => {
          received.push(c);
          progress.checkpoint(c.step);
        });
        stopTrial = run.stop;
        const finished = await run.done;
        const outcome = finished ?? partialOutcome(cfg, received, trial.engine, t0);
        const stopped = signals > 0 || outcome.stopped === true;
        const csv = toCsv(CHECKPOINT_COLUMNS, outcome.checkpoints.map(checkpointValues));
        writeFileAtomic(folderPath(outDir, LAYOUT.trajectory), csv);
        writeFileAtomic(folderPath(outDir, LAYOUT.trial), `${JSON.stringify({ id: trial.id, seed: trial.seed, config: cfg, snr: snrOf(cfg), ...outcome, provenance: provenance() }, null, 1)}\n`);
        // the data are written: from here a 2nd signal exits at once
        stopTrial = (level) => {
          if (level >= 2) {
            process.stderr.write('attn-phase: stopped\n');
            process.exit(130);
          }
        };
        const last = outcome.final;
        if (stopped) process.stderr.write(`stopped at step ${last?.step ?? '–'} of ${cfg.steps}: ${outcome.checkpoints.length} checkpoint(s) written to ${outDir}\n`);
        if (finished && last && signals < 2) {
          // loaded only now: vega and sharp take a while to load
          const { writeFigure } = await import('../plot/render.js');
          const { regimeWord, sub } = await import('../plot/vocabulary.js');
          const { defaultWidth, trajectoryFigure } = await import('../plot/figures.js');
          const { resolvePlotSettings } = await import('../plot/settings.js');
          // fitted to the default figure width (17 cm: several panels), as the plot command does
          const spec = trajectoryFigure(outcome.checkpoints, resolvePlotSettings(), {
            title: `Token selection: SNR = ${snrOf(cfg).toPrecision(3)}, n = ${cfg.n}, d = ${cfg.d}, η = ${cfg.eta}`,
            subtitle: [`${stopped ? `stopped at step ${last.step} of ${cfg.steps}; ` : ''}final regime: ${regimeWord(outcome.regime)}; t${sub('fit')} = ${outcome.events.tFit ?? 'not reached'}, t${sub('gen')} = ${outcome.events.tGeneralize ?? 'not reached'}; engine ${outcome.engine}, ${(outcome.timings.totalMs / 1000).toFixed(2)} s`],
          });
          const f = await writeFigure(outDir, 'trajectory', spec, { width: defaultWidth(true) });
          process.stdout.write(`${f.png}\n`);
        }
        if (last) process.stderr.write(`${stopped ? 'last checkpoint' : 'final'} regime ${outcome.regime}, train acc ${last.trainAcc}, test acc ${last.testAcc}, ${formatDuration(outcome.timings.totalMs)}\n`);
        restoreSignals();
        if (stopped) process.exit(130);
      } catch (e) {
        // name the flag, not the internal sweep field: "train: base.n: …" → "--n: …"
        if (e instanceof Error) {
          e.message = e.message.replace(/^train: (?:base\.)?(\w+)/, (_m, p: string) => `--${FLAGS.find((f) => f[1] === p)?.[0].slice(2).split(' ')[0] ?? p}`);
        }
        fail(e);
      }
    });
}
