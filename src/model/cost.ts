/**
 * Cost model for choosing an engine (SPEC §4). Estimates the wall time of
 * one trial computed alone (so the choice, and therefore the trial's numbers,
 * do not depend on which other trials share its group, nor on the machine).
 */
import type { TrialConfig } from './config.js';
import { wishartConfigError } from './wishart.js';

/**
 * Sustained multiply-add rates (MAC/s) of the kernels each engine spends its
 * time in, as measured from trial timings on the 2-core development machine
 * (Node 20, WebAssembly SIMD kernels): the explicit engine's three passes over
 * W per step (fast while W fits in cache, memory-bound beyond), the dense W₀
 * products and Gram matrices of the reduced engine's setup, and its per-step
 * vector kernels. Only their ratios matter for the choice.
 */
export const KERNEL_RATES = {
  /** explicit engine, W (d²·8 bytes) within EXPLICIT_CACHE_BYTES */
  explicitStepCached: 5e9,
  /** explicit engine, W streamed from memory */
  explicitStep: 2.3e9,
  reducedDense: 6e9,
  reducedStep: 2.7e9,
} as const;

/** Size of W up to which the explicit engine's passes run from cache (8 MiB: d ≤ 1024). */
export const EXPLICIT_CACHE_BYTES = 8 * 2 ** 20;

/** Estimated multiply-adds and seconds of each engine for one trial. */
export interface EngineCosts {
  /** estimated seconds with the wishart engine (SPEC §8; only where it applies) */
  wishart: number;
  /** estimated seconds with the explicit engine */
  explicit: number;
  /** estimated seconds with the reduced engine */
  reduced: number;
  /** multiply-adds: explicit engine */
  explicitMacs: number;
  /** multiply-adds: reduced engine's one-off dense work and its per-step/checkpoint work */
  reducedMacs: { dense: number; steps: number };
}

/**
 * explicit: W₀ draw d², then per step 3d² + 4Nd (SPEC §4).
 * reduced: shared products 2d²(N+2) + Gram matrices d((N+3)² + N²)/2, then
 * ≈ 7N² per step and 2d(N+1) per checkpoint for u = Wᵀp.
 * wishart: ≈ 4k²N once (k = N + 2), then the reduced engine's per-step work
 * and 4k(N+1) per checkpoint — no term in d (SPEC §8).
 * Seconds = multiply-adds / KERNEL_RATES.
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function engineCosts(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps'>, checkpoints: number): EngineCosts {
  const { d, steps } = cfg;
  const N = cfg.n * cfg.T;
  const explicitMacs = d * d + steps * (3 * d * d + 4 * N * d);
  const dense = 2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2;
  const stepMacs = steps * 7 * N * N + checkpoints * 2 * d * (N + 1);
  const k = N + 2;
  const wishartMacs = 4 * k * k * N + steps * 7 * N * N + checkpoints * 4 * k * (N + 1);
  return {
    wishart: wishartMacs / KERNEL_RATES.reducedStep,
    explicit: explicitMacs / (d * d * 8 <= EXPLICIT_CACHE_BYTES ? KERNEL_RATES.explicitStepCached : KERNEL_RATES.explicitStep),
    reduced: dense / KERNEL_RATES.reducedDense + stepMacs / KERNEL_RATES.reducedStep,
    explicitMacs,
    reducedMacs: { dense, steps: stepMacs },
  };
}

/** Name of a training engine (SPEC §4, §8). */
export type EngineName = 'explicit' | 'reduced' | 'wishart';

/**
 * The engine to use: the forced one, or the one with the smaller estimated
 * time among the exact engines (explicit, reduced). `auto` never picks
 * `wishart`: its numbers are exact in distribution, not per seed (SPEC §8).
 */
export function chooseEngine(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps' | 'engine'>, checkpoints: number): EngineName {
  if (cfg.engine !== 'auto') return cfg.engine;
  const c = engineCosts(cfg, checkpoints);
  return c.reduced <= c.explicit ? 'reduced' : 'explicit';
}

/**
 * Why `engine` cannot run `cfg` (a one-line message naming the field), or
 * undefined. Only the wishart engine has preconditions (SPEC §8).
 */
export function engineConfigError(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init'>, engine: EngineName): string | undefined {
  return engine === 'wishart' ? wishartConfigError(cfg) : undefined;
}

/**
 * Dimension of the space the engine's vectors (u = Wᵀp, test tokens) live in:
 * d, or 2(N+2) for the wishart engine (SPEC §8) — what memory estimates use.
 */
export function engineDimension(cfg: Pick<TrialConfig, 'd' | 'n' | 'T'>, engine: EngineName): number {
  return engine === 'wishart' ? 2 * (cfg.n * cfg.T + 2) : cfg.d;
}
