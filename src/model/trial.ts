/**
 * One trial end to end: draw data from the seed's streams, pick an engine by
 * cost, train with the shared driver, evaluate at checkpoints, classify
 * (SPEC §1–6, §8). {@link runTrial} is the entry point every caller uses.
 */
import { checkpointMetrics, divergedCheckpoint, eventTimes } from '../outcome/metrics.js';
import { type TheoryQuantities, theoryOf } from '../outcome/theory.js';
import type { Checkpoint, EventTimes, Regime } from '../outcome/types.js';
import { type TrialConfig, checkpointSteps } from './config.js';
import { type EngineName, chooseEngine } from './cost.js';
import { type Labels, type Problem, assembleTokens, drawLabels, drawP0, drawTokenNoise, drawW0, headVector, signalCoefficients } from './data.js';
import { trainExplicit } from './explicit.js';
import type { EngineReport, EngineRun } from './forward.js';
import { trainReduced } from './reduced.js';
import { type SharedDraws, computeSharedDraws, reducedFromShared, releaseReducedSystem, releaseSharedDraws, sharedKey } from './shared.js';
import { type TestSet, type TestSubspace, makeTestSet, testSubspaceDimension, testSubspaceOf } from './testset.js';
import { wishartSystem } from './wishart.js';

/** Result of one trial, as stored in the journal (besides its id/cell/config). */
export interface TrialOutcome {
  engine: EngineName;
  checkpoints: Checkpoint[];
  /** last checkpoint (the diverged one if training diverged) */
  final: Checkpoint;
  regime: Regime;
  events: EventTimes;
  diverged: boolean;
  /** training was stopped early by `TrialHooks.shouldStop` (absent otherwise) */
  stopped?: true;
  /** theory quantities of the config (SPEC §7: τ, τ_b, n·SNR², test-error bounds) */
  theory?: TheoryQuantities;
  timings: {
    /** share of the group's dense work attributed to this trial (ms) */
    sharedMs: number;
    trainMs: number;
    totalMs: number;
  };
}

/**
 * Caches the dense draws of a group (SPEC §6) so trials that differ only in
 * continuous parameters compute them once. Holds at most one entry of each
 * kind: a group shares one key.
 */
export class DrawCache {
  private sharedKeyValue = '';
  private shared: SharedDraws | null = null;
  private w0Key = '';
  private w0: Float64Array | null = null;
  private subspaceKey = '';
  private subspace: TestSubspace | undefined;

  /** Shared draws for the reduced engine; `fresh` tells whether they were computed now. */
  sharedDraws(cfg: TrialConfig, seed: number): { draws: SharedDraws; fresh: boolean } {
    const key = sharedKey(cfg, seed);
    if (this.shared && key === this.sharedKeyValue) {
      return { draws: this.shared, fresh: false };
    }
    this.release();
    this.shared = computeSharedDraws(cfg, seed);
    this.sharedKeyValue = key;
    return { draws: this.shared, fresh: true };
  }

  /**
   * The fixed subspace of the projected test set (SPEC §5, `testset.ts`) in
   * d dimensions, built from the shared draws once per group; undefined when
   * it would be the whole space (d ≤ 2N + 4 (+1)) or the test set is explicit.
   * `ms`: time spent now (the shared draws too, if this computed them; 0 when cached).
   */
  testSubspace(cfg: TrialConfig, seed: number): { subspace: TestSubspace | undefined; ms: number } {
    const p0Zero = cfg.init.p === 'zero';
    if (cfg.test !== 'projected' || cfg.d <= testSubspaceDimension(cfg.n * cfg.T, p0Zero)) return { subspace: undefined, ms: 0 };
    const t0 = performance.now();
    const { draws } = this.sharedDraws(cfg, seed);
    if (this.subspaceKey === this.sharedKeyValue) return { subspace: this.subspace, ms: 0 };
    this.subspace = testSubspaceOf(draws, p0Zero);
    this.subspaceKey = this.sharedKeyValue;
    return { subspace: this.subspace, ms: performance.now() - t0 };
  }

  /** Drop the cached shared draws (and the test subspace built on them), handing their memory back to the thread's pool (`pool.ts`). */
  release(): void {
    if (this.shared) releaseSharedDraws(this.shared);
    this.shared = null;
    this.sharedKeyValue = '';
    this.subspace = undefined;
    this.subspaceKey = '';
  }

  /** Whole W₀ for the explicit engine. */
  W0(cfg: TrialConfig, seed: number): Float64Array {
    const key = sharedKey(cfg, seed);
    if (this.w0 && key === this.w0Key) return this.w0;
    this.w0 = drawW0(cfg, seed);
    this.w0Key = key;
    return this.w0;
  }
}

/** Progress and stop callbacks of one trial (both optional). */
export interface TrialHooks {
  /** called after each checkpoint is evaluated: the checkpoint, its 0-based index and the number planned */
  onCheckpoint?(checkpoint: Checkpoint, index: number, total: number): void;
  /** asked after each checkpoint: true stops training there (the outcome keeps the checkpoints so far, `stopped: true`) */
  shouldStop?(): boolean;
}

/** A trial made ready by its engine: how to train it and its test set. */
interface PreparedTrial {
  train(run: EngineRun): EngineReport;
  testSet: TestSet;
  /** share of the group's dense work attributed to this trial (ms) */
  sharedMs: number;
}

type Prepare = (cfg: TrialConfig, seed: number, labels: Labels, cache: DrawCache) => PreparedTrial;

/**
 * Test set in the space u lives in (SPEC §5): d for the explicit and reduced
 * engines — projected on the group's fixed subspace when d exceeds its
 * dimension ({@link DrawCache.testSubspace}) — and the whole 2(N+2)-dimensional
 * space for wishart (SPEC §8; no cache). `ms`: dense work done for it now.
 */
function testSetOf(cfg: TrialConfig, seed: number, cache?: DrawCache, d = cfg.d): { testSet: TestSet; ms: number } {
  const { subspace, ms } = cache ? cache.testSubspace(cfg, seed) : { subspace: undefined, ms: 0 };
  const testSet = makeTestSet(cfg.test, {
    testN: cfg.testN, T: cfg.T, d, muNorm: cfg.muNorm, rho: cfg.rho, sigma: cfg.sigma, labels: cfg.labels,
    nu: headVector(d, cfg.muNorm, cfg.nuScale), seed, ...(subspace ? { subspace } : {}),
  });
  return { testSet, ms };
}

/** The engines (SPEC §4, §8): how each prepares a trial. Looked up here only. */
const ENGINES: Record<EngineName, Prepare> = {
  explicit(cfg, seed, labels, cache) {
    const { d, n, T } = cfg;
    const W0 = cache.W0(cfg, seed);
    const E = drawTokenNoise(seed, n, T, d);
    const Sc = signalCoefficients(labels.yTrue, T, cfg.muNorm, cfg.rho);
    const problem: Problem = {
      d, n, T, X: assembleTokens(E, Sc, cfg.sigma, n * T, d), y: labels.y, yTrue: labels.yTrue,
      noisy: labels.noisy, W0, p0: drawP0(cfg, seed), nu: headVector(d, cfg.muNorm, cfg.nuScale),
    };
    const { testSet, ms } = testSetOf(cfg, seed, cache);
    return { train: (run) => trainExplicit(problem, run), testSet, sharedMs: ms };
  },
  wishart(cfg, seed, labels) {
    const sys = wishartSystem(cfg, seed, labels);
    return { train: (run) => trainReduced(sys, run), testSet: testSetOf(cfg, seed, undefined, sys.d).testSet, sharedMs: 0 };
  },
  reduced(cfg, seed, labels, cache) {
    const { draws, fresh } = cache.sharedDraws(cfg, seed);
    const sys = reducedFromShared(draws, cfg, labels);
    const train = (run: EngineRun): EngineReport => {
      try {
        return trainReduced(sys, run);
      } finally {
        releaseReducedSystem(sys);
      }
    };
    const { testSet, ms } = testSetOf(cfg, seed, cache);
    return { train, testSet, sharedMs: (fresh ? draws.ms : 0) + ms };
  },
};

/**
 * Train one trial and measure it: draw labels, let the engine (chosen by
 * {@link chooseEngine}) prepare its state and test set, run the shared
 * driver (`driver.ts`) over the checkpoints of {@link checkpointSteps},
 * record metrics and the regime at each (SPEC §3).
 *
 * @param cfg    resolved configuration (validated by the sweep schema)
 * @param seed   trial seed (non-negative integer)
 * @param cache  shared draws of the trial's group; a fresh cache gives the same numbers
 * @param hooks  progress / stop callbacks at checkpoints (do not change the numbers)
 * @returns checkpoints (0, every evalEvery, last — or up to the stop), final regime and
 *          event times; a diverged run ends with a `diverged` checkpoint
 * @throws Error (one line) if the forced engine cannot run this configuration
 */
export function runTrial(cfg: TrialConfig, seed: number, cache?: DrawCache, hooks: TrialHooks = {}): TrialOutcome {
  if (!cache) {
    // a cache of this trial only: its memory goes back to the pool at the end
    const own = new DrawCache();
    try {
      return runTrial(cfg, seed, own, hooks);
    } finally {
      own.release();
    }
  }
  const t0 = performance.now();
  const { n, T, alpha, steps } = cfg;
  const steps_ = checkpointSteps(steps, cfg.evalEvery, cfg.evalLog ?? 0);
  const engine = chooseEngine(cfg, steps_.length);
  const labels = drawLabels(cfg, seed);
  const prepared = ENGINES[engine](cfg, seed, labels, cache);
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
  const t1 = performance.now();
  return {
    engine,
    checkpoints,
    final,
    regime: final.regime,
    events: eventTimes(checkpoints, delta),
    diverged,
    ...(stopped ? { stopped: true as const } : {}),
    theory: theoryOf(cfg),
    timings: { sharedMs: prepared.sharedMs, trainMs: t1 - tTrain, totalMs: t1 - t0 },
  };
}
