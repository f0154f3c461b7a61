/**
 * Cost model for choosing an engine (SPEC §4). Counts multiply-adds of one
 * trial computed alone (so the choice, and therefore the trial's numbers, do
 * not depend on which other trials share its group).
 */
import type { TrialConfig } from './config.js';

/** Estimated multiply-adds of each engine for one trial. */
export interface EngineCosts {
  explicit: number;
  reduced: number;
}

/**
 * explicit: W₀ draw d², then per step 3d² + 4Nd (SPEC §4).
 * reduced: shared products 2d²(N+2) + Gram matrices d((N+3)² + N²)/2, then
 * ≈ 7N² per step and 2d(N+1) per checkpoint for u = Wᵀp.
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function engineCosts(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps'>, checkpoints: number): EngineCosts {
  const { d, steps } = cfg;
  const N = cfg.n * cfg.T;
  const explicit = d * d + steps * (3 * d * d + 4 * N * d);
  const reduced = 2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2 + steps * 7 * N * N + checkpoints * 2 * d * (N + 1);
  return { explicit, reduced };
}

/** The engine to use: the forced one, or the cheaper by `engineCosts`. */
export function chooseEngine(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps' | 'engine'>, checkpoints: number): 'explicit' | 'reduced' {
  if (cfg.engine !== 'auto') return cfg.engine;
  const c = engineCosts(cfg, checkpoints);
  return c.reduced <= c.explicit ? 'reduced' : 'explicit';
}
