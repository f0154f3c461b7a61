/**
 * One trial end to end: draw data from the seed's streams, pick an engine by
 * cost, train with the shared driver, evaluate at checkpoints, classify
 * (SPEC §1–6, §8). {@link runTrial} is the entry point every caller uses.
 */
import type { TrialConfig } from '../core/config.js';
import type { EngineName } from '../core/params.js';
import type { Checkpoint, TrialOutcome } from '../core/records.js';
import { checkpointSteps } from '../core/schedule.js';
import { checkpointMetrics, divergedCheckpoint, eventTimes } from '../outcome/metrics.js';
import { theoryOf } from '../outcome/theory.js';
import { drawLabels } from './data.js';
import { ENGINES, chooseEngine } from './engines.js';
import type { EngineReport, EngineRun } from './forward.js';
import { DrawCache } from './shared.js';

/** Progress and stop callbacks of one trial (both optional). */
export interface TrialHooks {
  /** called after each checkpoint is evaluated: the checkpoint, its 0-based index and the number planned */
  onCheckpoint?(checkpoint: Checkpoint, index: number, total: number): void;
  /** asked after each checkpoint: true stops training there (the outcome keeps the checkpoints so far, `stopped: true`) */
  shouldStop?(): boolean;
}

/**
 * Train one trial and measure it: draw labels, let the engine (the plan's,
 * else chosen by {@link chooseEngine}) prepare its state and test set, run
 * the shared driver (`driver.ts`) over the checkpoints of
 * {@link checkpointSteps}, record metrics and the regime at each (SPEC §3).
 *
 * @param cfg    resolved configuration (validated by the sweep schema)
 * @param seed   trial seed (non-negative integer)
 * @param cache  shared draws of the trial's group; a fresh cache gives the same numbers
 * @param hooks  progress / stop callbacks at checkpoints (do not change the numbers)
 * @param engine the engine the plan chose (src/sweep/plan.ts); default: chooseEngine's choice, the same one
 * @returns checkpoints (0, every evalEvery, last — or up to the stop), final regime and
 *          event times; a diverged run ends with a `diverged` checkpoint
 * @throws Error (one line) if the forced engine cannot run this configuration
 */
export function runTrial(cfg: TrialConfig, seed: number, cache?: DrawCache, hooks: TrialHooks = {}, engine?: EngineName): TrialOutcome {
  if (!cache) {
    // a cache of this trial only: its memory goes back to the pool at the end
    const own = new DrawCache();
    try {
      return runTrial(cfg, seed, own, hooks, engine);
    } finally {
      own.release();
    }
  }
  const t0 = performance.now();
  const { n, T, alpha, steps } = cfg;
  const steps_ = checkpointSteps(steps, cfg.evalEvery, cfg.evalLog ?? 0);
  engine ??= chooseEngine(cfg, steps_.length);
  const labels = drawLabels(cfg, seed);
  const prepared = ENGINES[engine].prepare(cfg, seed, labels, cache);
  const checkpoints: Checkpoint[] = [];
  const delta = cfg.generalizationTolerance;
  const trainLabels = { n, T, y: labels.y, noisy: labels.noisy };
  let stopped = false;
  const run: EngineRun = {
    alpha,
    steps,
    checkpoints: steps_,
    test: (u) => prepared.testSet.evaluate(u),
    observe(st) {
      checkpoints.push(checkpointMetrics(trainLabels, st.step, st.trainLoss, st.f, st.a, st.pNorm, st.test!, delta, checkpoints[0]));
      hooks.onCheckpoint?.(checkpoints[checkpoints.length - 1], checkpoints.length - 1, steps_.length);
      if (st.step < steps && hooks.shouldStop?.()) {
        stopped = true;
        return false;
      }
      return true;
    },
  };
  const tTrain = performance.now();
  let report: EngineReport;
  try {
    report = prepared.train(run);
  } finally {
    prepared.testSet.dispose?.();
  }
  const diverged = report.divergedAt !== null;
  if (diverged) checkpoints.push(divergedCheckpoint(report.divergedAt as number));
  const final = checkpoints[checkpoints.length - 1];
  const theory = theoryOf(cfg);
  const t1 = performance.now();
  return {
    engine,
    checkpoints,
    final,
    regime: final.regime,
    events: eventTimes(checkpoints, delta, theory.testLossBest),
    diverged,
    ...(stopped ? { stopped: true as const } : {}),
    theory,
    timings: { sharedMs: prepared.sharedMs, trainMs: t1 - tTrain, totalMs: t1 - t0 },
  };
}
