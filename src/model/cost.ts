/**
 * Cost model for choosing an engine (SPEC §4). Estimates the wall time of
 * one trial computed alone (so the choice, and therefore the trial's numbers,
 * do not depend on which other trials share its group, nor on the machine).
 */
import type { TrialConfig } from './config.js';

/**
 * Sustained multiply-add rates (MAC/s) of the kernels each engine spends its
 * time in, as measured by `npm run bench` / trial timings on the 2-core
 * development machine (Node 20): the explicit engine's TypeScript matrix–vector
 * loops, the WebAssembly SIMD dense W₀ products and Gram matrices of the
 * reduced engine's setup, and its WebAssembly per-step vector kernels. Only
 * their ratios matter for the choice.
 */
export const KERNEL_RATES = {
  explicitStep: 0.55e9,
  reducedDense: 6e9,
  reducedStep: 2.7e9,
} as const;

/** Estimated multiply-adds and seconds of each engine for one trial. */
export interface EngineCosts {
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
  return {
    explicit: explicitMacs / KERNEL_RATES.explicitStep,
    reduced: dense / KERNEL_RATES.reducedDense + stepMacs / KERNEL_RATES.reducedStep,
    explicitMacs,
    reducedMacs: { dense, steps: stepMacs },
  };
}

/** The engine to use: the forced one, or the one with the smaller estimated time. */
export function chooseEngine(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps' | 'engine'>, checkpoints: number): 'explicit' | 'reduced' {
  if (cfg.engine !== 'auto') return cfg.engine;
  const c = engineCosts(cfg, checkpoints);
  return c.reduced <= c.explicit ? 'reduced' : 'explicit';
}
