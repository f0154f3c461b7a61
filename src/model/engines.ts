/**
 * The training engines (SPEC §4, §8), one descriptor each: what it is, when
 * `engine: auto` may pick it, what it can run, how it prepares a trial, what
 * it costs in time and memory, and whether trials of a group share its dense
 * draws. The engine list itself is the vocabulary's (`ENGINE_NAMES`,
 * src/core/params.ts); this table must have an entry for each, and every
 * other module — the planner, the trial driver, help texts, the cost model's
 * users — asks it rather than testing engine names.
 */
import type { TrialConfig } from '../core/config.js';
import { ENGINE_NAMES, type EngineName } from '../core/params.js';
import { checkpointCount } from '../core/schedule.js';
import { type EngineCosts, engineCosts, evaluationSeconds } from './cost.js';
import { type Labels, type Problem, assembleTokens, drawP0, drawTokenNoise, headVector, signalCoefficients } from './data.js';
import { trainExplicit } from './explicit.js';
import type { EngineReport, EngineRun } from './forward.js';
import { trainReduced } from './reduced.js';
import { reducedFromShared, releaseReducedSystem, type DrawCache } from './shared.js';
import { type TestSet, makeTestSet, testCoordinateCount } from './testset.js';
import { wishartConfigError, wishartSystem } from './wishart.js';

/** A trial made ready by its engine: how to train it and its test set. */
export interface PreparedTrial {
  train(run: EngineRun): EngineReport;
  testSet: TestSet;
  /** share of the group's dense work attributed to this trial (ms) */
  sharedMs: number;
}

/** What every engine's descriptor says. */
export interface Engine {
  name: EngineName;
  /** one line for help texts */
  summary: string;
  /** `per-seed`: the same numbers as every other per-seed engine for a seed; `in-distribution`: exact in distribution only (SPEC §8) */
  exactness: 'per-seed' | 'in-distribution';
  /** `engine: auto` may pick it (when it is the cheapest); never an engine that is exact only in distribution */
  auto: boolean;
  /** dimension of the space u = Wᵀp and the test tokens live in (d, or 2(N+2) for wishart) */
  dimension(cfg: Pick<TrialConfig, 'd' | 'n' | 'T'>): number;
  /** why it cannot run `cfg` (one line naming the field), or undefined */
  configError(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init'>): string | undefined;
  /**
   * estimated seconds of its work on one core (checkpoint evaluation excluded), from the cost model;
   * `drawsShared`: a later trial of its draw group (seed, d, n, T, init: SPEC §6), which does not pay the group's one-off dense work again
   */
  seconds(costs: EngineCosts, drawsShared: boolean): number;
  /** bytes of its model arrays (W, X or the reduced matrices) at dimension `d` = {@link Engine.dimension}; `testSubspace`: the projected test set needs the fixed subspace (SPEC §5) */
  modelBytes(N: number, d: number, testSubspace: boolean): number;
  /**
   * How to switch to it, when another engine's trial is over the memory
   * limit and this one's is not: what it needs and why it fits (a phrase
   * after "use engine: <name>"); none: never suggested
   */
  insteadHint?: string;
  /** draw what the trial needs and make it ready to train */
  prepare(cfg: TrialConfig, seed: number, labels: Labels, cache: DrawCache): PreparedTrial;
}

/**
 * Test set in the space u lives in (SPEC §5): d for the explicit and reduced
 * engines — projected on the group's fixed subspace when d exceeds its
 * dimension (DrawCache.testSubspace, ./shared.ts) — and the whole
 * 2(N+2)-dimensional space for wishart (SPEC §8; no cache). `ms`: dense work done for it now.
 */
function testSetOf(cfg: TrialConfig, seed: number, cache?: DrawCache, d = cfg.d): { testSet: TestSet; ms: number } {
  const { subspace, ms } = cache ? cache.testSubspace(cfg, seed) : { subspace: undefined, ms: 0 };
  const testSet = makeTestSet(cfg.test, {
    testN: cfg.testN, T: cfg.T, d, muNorm: cfg.muNorm, rho: cfg.rho, sigma: cfg.sigma, labels: cfg.labels,
    nu: headVector(d, cfg.muNorm, cfg.nuScale), seed, ...(subspace ? { subspace } : {}),
  });
  return { testSet, ms };
}

/** Bytes of the reduced engine's matrices: about eight d×(N+3) (E, Eᵀ, Z, R, Q, X, …) plus C, G, H ((N+1)²). */
const reducedBytes = (N: number, d: number): number => 8 * (8 * d * (N + 3) + 4 * (N + 1) * (N + 1));

/** The engines, by name (the one table; see the module docstring). */
export const ENGINES: Readonly<Record<EngineName, Engine>> = {
  explicit: {
    name: 'explicit',
    summary: 'keeps W (d×d) explicit: 3d² + 4Nd multiply-adds per step (SPEC §4)',
    exactness: 'per-seed',
    auto: true,
    dimension: (cfg) => cfg.d,
    configError: () => undefined,
    // its projected test set's fixed subspace is built from the group's shared draws (SPEC §5)
    seconds: (c, drawsShared) => c.explicit - (drawsShared && c.testBasisMacs > 0 ? c.reducedSeconds.dense : 0),
    // W₀ and X, plus the shared draws (E, Eᵀ, Z, R: about four d×(N+3)) the test subspace is built from
    modelBytes: (N, d, sub) => 8 * (2 * d * d + 3 * N * d + (sub ? 4 * d * (N + 3) : 0)),
    prepare(cfg, seed, labels, cache) {
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
  },
  reduced: {
    name: 'reduced',
    summary: 'the same GD exactly in (N+1)-dimensional coordinates after one-off dense products with W₀, shared by a draw group (SPEC §4)',
    exactness: 'per-seed',
    auto: true,
    dimension: (cfg) => cfg.d,
    configError: () => undefined,
    seconds: (c, drawsShared) => (drawsShared ? c.reducedSeconds.train : c.reduced),
    modelBytes: reducedBytes,
    prepare(cfg, seed, labels, cache) {
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
  },
  wishart: {
    name: 'wishart',
    summary: 'exact in distribution, the same cost at any d (Gaussian W₀, p₀ = 0; SPEC §8)',
    exactness: 'in-distribution',
    auto: false,
    dimension: (cfg) => 2 * (cfg.n * cfg.T + 2),
    configError: wishartConfigError,
    seconds: (c) => c.wishart,
    modelBytes: reducedBytes,
    insteadHint: 'with init {W: gaussian, p: zero} (its cost does not depend on d)',
    prepare(cfg, seed, labels) {
      const sys = wishartSystem(cfg, seed, labels);
      return { train: (run) => trainReduced(sys, run), testSet: testSetOf(cfg, seed, undefined, sys.d).testSet, sharedMs: 0 };
    },
  },
};

/** `auto | explicit | reduced | wishart`: the values of the `engine` parameter, for help texts. */
export function engineChoicesText(): string {
  return ['auto', ...ENGINE_NAMES].join(' | ');
}

/**
 * The engine to use: the forced one, or — for `auto` — the one with the
 * smaller estimated time among the engines `auto` may pick (SPEC §4: reduced
 * wins for small N and long horizons, explicit for large N).
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function chooseEngine(
  cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps' | 'engine'> & Partial<Pick<TrialConfig, 'test' | 'init'>>, checkpoints: number,
): EngineName {
  if (cfg.engine !== 'auto') return cfg.engine;
  const c = engineCosts(cfg, checkpoints);
  let best: EngineName | null = null;
  for (const name of ENGINE_NAMES) {
    const e = ENGINES[name];
    if (e.auto && (best === null || e.seconds(c, false) < ENGINES[best].seconds(c, false))) best = name;
  }
  return best!;
}

/**
 * Estimated seconds of one trial on one core with `engine`: the engine's
 * work plus the checkpoint evaluations. With `drawsShared` (a later trial of
 * a draw group, SPEC §6) the dense draws the group shares and the projected
 * test set's normals are not counted. What the engine choice, the ETA,
 * `--dry-run` and the Slurm packing all start from.
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function trialSeconds(
  cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps' | 'testN' | 'test'> & Partial<Pick<TrialConfig, 'init'>>, engine: EngineName, checkpoints: number, drawsShared = false,
): number {
  return ENGINES[engine].seconds(engineCosts(cfg, checkpoints), drawsShared) + evaluationSeconds(cfg, checkpoints, ENGINES[engine].dimension(cfg), drawsShared);
}

/**
 * Bytes kept per checkpoint while a trial runs and is journaled: the record
 * in the worker, its copy to the main thread and its journal line (≈ 3 × 400 B).
 */
export const CHECKPOINT_BYTES = 1200;

/** Rough peak memory of one trial by what it is for, each named by the parameter that drives it (bytes). */
export interface TrialMemory {
  /** the engine's arrays (W, X or the reduced matrices): d, n and T */
  model: number;
  /** the test set: testN (and T, and for the projected set its m coordinates per token, m set by n·T or d) */
  testSet: number;
  /** the checkpoint records: steps / evalEvery */
  checkpoints: number;
  total: number;
}

/**
 * Rough peak memory of one trial in bytes (float64 arrays): the engine's
 * model arrays ({@link Engine.modelBytes}); the test set — explicit
 * testN·T·d, or projected testN·T·m coordinates (m = min(d, 2N + 4 (+1)),
 * SPEC §5) plus, with the fixed subspace, copies of E and R (d·(2N+3)) and
 * its Cholesky factor (m²); per checkpoint its records.
 */
export function trialMemory(cfg: TrialConfig, engine: EngineName, nCk = checkpointCount(cfg.steps, cfg.evalEvery, cfg.evalLog)): TrialMemory {
  const N = cfg.n * cfg.T;
  const d = ENGINES[engine].dimension(cfg);
  const NT = cfg.testN * cfg.T;
  const m = testCoordinateCount(d, N, cfg.init.p === 'zero');
  const subspace = cfg.test === 'projected' && m < d; // never for wishart (m = d there)
  const model = ENGINES[engine].modelBytes(N, d, subspace);
  const testSet = 8 * (cfg.test === 'explicit' ? NT * d + 5 * NT : NT * m + 6 * NT + (subspace ? d * (2 * N + 3) + 2 * m * m : 0));
  const checkpoints = nCk * CHECKPOINT_BYTES;
  return { model, testSet, checkpoints, total: model + testSet + checkpoints };
}

/**
 * The engines, other than `engine`, that offer themselves ({@link Engine.insteadHint})
 * and whose trial of `cfg` needs at most `limitBytes` — what a memory error
 * suggests instead (the d-free wishart engine for a d too large for the others).
 * Their init requirement is the hint's to state; their other preconditions
 * (wishart: d ≥ 2(N+2)) must hold for `cfg`.
 *
 * @returns "use engine: <name> <hint>" phrases, in ENGINE_NAMES order
 */
export function enginesInstead(cfg: TrialConfig, engine: EngineName, limitBytes: number, nCk?: number): string[] {
  return ENGINE_NAMES.filter((e) => {
    const hint = ENGINES[e].insteadHint;
    if (e === engine || !hint || trialMemory(cfg, e, nCk).total > limitBytes) return false;
    const why = ENGINES[e].configError(cfg);
    return !why || why.startsWith('init:');
  }).map((e) => `use engine: ${e} ${ENGINES[e].insteadHint}`);
}

/** Total of {@link trialMemory} (bytes). */
export function trialMemoryBytes(cfg: TrialConfig, engine: EngineName): number {
  return trialMemory(cfg, engine).total;
}
