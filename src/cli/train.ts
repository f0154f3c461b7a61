/**
 * `attn-phase train`: one trial, and its token-selection trajectory (the
 * paper's Figure 3 picture) as SVG/PNG plus the data as CSV.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { snrOf } from '../model/config.js';
import { runTrial } from '../model/trial.js';
import { checkpointValues, CHECKPOINT_COLUMNS, toCsv } from '../outcome/csv.js';
import { trajectorySpec } from '../plot/charts.js';
import { writeTextAtomic } from '../plot/figures.js';
import { writeFigure } from '../plot/render.js';
import { planSweep } from '../sweep/plan.js';
import { validateSweep } from '../sweep/spec.js';
import { checkOutDir, fail } from './errors.js';

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
  ['--engine <e>', 'engine', 'auto | explicit | reduced'],
  ['--test <mode>', 'test', 'projected | explicit test set'],
];

function parseValue(v: string): number | string {
  const x = Number(v);
  return v.trim() !== '' && Number.isFinite(x) ? x : v;
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
        process.stderr.write(`training one trial: d=${cfg.d} n=${cfg.n} T=${cfg.T} SNR=${snrOf(cfg).toPrecision(3)} ‖μ‖=${cfg.muNorm.toPrecision(4)} η=${cfg.eta} α=${cfg.alpha} steps=${cfg.steps} seed=${trial.seed}\n`);
        const outcome = runTrial(cfg, trial.seed);
        const csv = toCsv(CHECKPOINT_COLUMNS, outcome.checkpoints.map(checkpointValues));
        writeTextAtomic(join(outDir, 'trajectory.csv'), csv);
        writeTextAtomic(join(outDir, 'trial.json'), `${JSON.stringify({ id: trial.id, seed: trial.seed, config: cfg, snr: snrOf(cfg), ...outcome }, null, 1)}\n`);
        const spec = trajectorySpec(outcome.checkpoints, {
          title: `Token selection: SNR = ${snrOf(cfg).toPrecision(3)}, n = ${cfg.n}, d = ${cfg.d}, η = ${cfg.eta}`,
          subtitle: [`final regime: ${outcome.regime}; t_fit = ${outcome.events.tFit ?? '–'}, t_generalize = ${outcome.events.tGeneralize ?? '–'}; engine ${outcome.engine}, ${(outcome.timings.totalMs / 1000).toFixed(2)} s`],
        });
        const f = await writeFigure(outDir, 'trajectory', spec);
        process.stderr.write(`final regime ${outcome.regime}, train acc ${outcome.final.trainAcc}, test acc ${outcome.final.testAcc}, ${(outcome.timings.totalMs / 1000).toFixed(2)} s\n`);
        process.stdout.write(`${f.png}\n`);
      } catch (e) {
        // name the flag, not the internal sweep field: "train: base.n: …" → "--n: …"
        if (e instanceof Error) {
          e.message = e.message.replace(/^train: (?:base\.)?(\w+)/, (_m, p: string) => `--${FLAGS.find((f) => f[1] === p)?.[0].slice(2).split(' ')[0] ?? p}`);
        }
        fail(e);
      }
    });
}
