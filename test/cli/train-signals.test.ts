/**
 * `attn-phase train` behaves like `run` under signals: real processes
 * (node dist/cli/main.js train, a large-d explicit trial that would run for
 * many minutes) receive real SIGINT / SIGTERM. The first signal stops at the
 * next checkpoint and the data trained so far are written (exit 130); a
 * second stops at once (exit 130), still leaving whole files. The written
 * checkpoints are checked against an in-process computation of the same
 * trial stopped after as many checkpoints (stopping must not change them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DrawCache } from '../../src/model/shared.js';
import { runTrial } from '../../src/model/trial.js';
import { checkpointValues, CHECKPOINT_COLUMNS, toCsv } from '../../src/outcome/csv.js';
import { requireBuild, startCli, tempDir, waitFor } from '../sweep/helpers.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import { checkpointSteps } from '../../src/core/schedule.js';

/** A long trial (hours): explicit engine, d = 2000 (3·d² multiply-adds per step), 10⁶ steps. */
const STEPS = 1_000_000;
const EVERY = 20;
const ARGS = ['--d', '2000', '--n', '10', '--T', '4', '--steps', String(STEPS), '--eval-every', String(EVERY), '--engine', 'explicit', '--test-n', '100', '--seed', '3'];

interface TrialJson {
  config: TrialConfig;
  seed: number;
  stopped?: boolean;
  checkpoints: { step: number }[];
  provenance: { node: string };
}

/** Check the written files of a stopped trial; returns the number of checkpoints. */
function checkStopped(out: string): TrialJson {
  const trial = JSON.parse(readFileSync(join(out, 'trial.json'), 'utf8')) as TrialJson;
  expect(trial.stopped).toBe(true);
  expect(trial.provenance.node).toBe(process.version);
  const steps = trial.checkpoints.map((c) => c.step);
  expect(steps.length).toBeGreaterThan(0);
  // checkpoints present up to the stop, none missing, none beyond
  // the schedule's first checkpoints (every EVERY steps and the default evalLog points per decade)
  expect(steps).toEqual(checkpointSteps(STEPS, EVERY, DEFAULT_CONFIG.evalLog).slice(0, steps.length));
  expect(steps[steps.length - 1]).toBeLessThan(STEPS);
  // trajectory.csv: the same checkpoints, as the CSV writer writes them
  const csv = readFileSync(join(out, 'trajectory.csv'), 'utf8');
  expect(csv).toBe(toCsv(CHECKPOINT_COLUMNS, trial.checkpoints.map((c) => checkpointValues(c as never))));
  return trial;
}

describe('train: signals', () => {
  requireBuild();

  it('first SIGINT stops at the next checkpoint, writes trajectory, trial.json and the figure, exit 130; the numbers are those of an uninterrupted computation', async () => {
    const { dir, cleanup } = tempDir('attn-train-sig-');
    try {
      const out = join(dir, 'out');
      const cli = startCli(['train', ...ARGS, '-o', out]);
      // a progress line shows training is under way (first checkpoint after step 0)
      await waitFor(() => /step \d+\/1000000 \(/.test(cli.stderr()), 'a progress line', 90_000);
      const seenStep = Number(/step (\d+)\/1000000/.exec(cli.stderr())![1]);
      cli.child.kill('SIGINT');
      const { code } = await cli.exited;
      expect(code, cli.stderr()).toBe(130);
      expect(cli.stderr()).toMatch(/stopping at the next checkpoint/);
      const trial = checkStopped(out);
      expect(trial.checkpoints[trial.checkpoints.length - 1]!.step).toBeGreaterThanOrEqual(seenStep);
      // the figure of what there is
      expect(cli.stdout().trim()).toBe(join(out, 'trajectory.png'));
      expect(readFileSync(join(out, 'trajectory.png')).subarray(1, 4).toString()).toBe('PNG');
      // same trial in this process, stopped after as many checkpoints: identical checkpoints
      const k = trial.checkpoints.length;
      let seen = 0;
      const ref = runTrial(trial.config, trial.seed, new DrawCache(), { onCheckpoint: () => seen++, shouldStop: () => seen >= k });
      expect(ref.stopped).toBe(true);
      expect(JSON.parse(JSON.stringify(ref.checkpoints))).toEqual(trial.checkpoints);
    } finally {
      cleanup();
    }
  }, 300_000);

  it('second SIGTERM stops at once: exit 130, whole files with the checkpoints received', async () => {
    const { dir, cleanup } = tempDir('attn-train-sig2-');
    try {
      const out = join(dir, 'out');
      const cli = startCli(['train', ...ARGS, '-o', out]);
      await waitFor(() => /step \d+\/1000000 \(/.test(cli.stderr()), 'a progress line', 90_000);
      cli.child.kill('SIGTERM');
      await waitFor(() => /stopping at the next checkpoint/.test(cli.stderr()), 'the first stop message');
      cli.child.kill('SIGTERM');
      const { code } = await cli.exited;
      expect(code, cli.stderr()).toBe(130);
      checkStopped(out);
    } finally {
      cleanup();
    }
  }, 300_000);
});
