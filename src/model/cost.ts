/**
 * Cost model for choosing an engine (SPEC §4). Estimates the wall time of
 * one trial computed alone (so the choice, and therefore the trial's numbers,
 * do not depend on which other trials share its group, nor on the machine).
 */
import type { TrialConfig } from '../core/config.js';

/**
 * Sustained multiply-add rates (MAC/s) of the kernels each engine spends its
 * time in, measured on the 2-core development machine (Node 20, WebAssembly
 * SIMD kernels, one trial alone): the explicit engine's three passes over W
 * per step; the dense W₀ products and Gram matrices of the reduced engine's
 * setup; its per-step kernels over the N²-sized matrices; and u = Wᵀp at a
 * checkpoint (a pass over Q and X, 2d(N+1) multiply-adds). A kernel whose
 * matrices stay in cache runs at its `…Cached` rate and one that streams them
 * from memory at its memory rate (see {@link sustainedRate}); per step the
 * reduced engine also pays REDUCED_STEP_OVERHEAD_S of JavaScript (softmax,
 * loss, kernel calls). The choice of engine depends only on these numbers,
 * never on the machine a trial runs on.
 */
export const KERNEL_RATES = {
  /** explicit engine, W (d²·8 bytes) within CACHE_BYTES */
  explicitStepCached: 5e9,
  /** explicit engine, W streamed from memory */
  explicitStep: 2.3e9,
  reducedDense: 6e9,
  /** reduced engine's per-step kernels, H, G, C (8·(M² + N² + MN) bytes) in cache */
  reducedStepCached: 6.5e9,
  /** … streamed from memory (N ≳ 1200) */
  reducedStep: 2.5e9,
  /** u = Qc − αXᵀw at a checkpoint, Q and X (16·d·(N+1) bytes) in cache */
  reducedUCached: 6.4e9,
  /** … streamed from memory */
  reducedU: 1.0e9,
} as const;

/** Seconds of JavaScript per reduced-engine step besides its kernels (5 µs: softmax, loss, kernel calls). */
export const REDUCED_STEP_OVERHEAD_S = 5e-6;

/**
 * Working sets (bytes) up to which a kernel runs at its cached rate (8 MiB;
 * d ≤ 1024 for explicit W) and from which it runs at its memory rate
 * (20 MiB: what one of two workers gets of the development machine's 32 MiB
 * last-level cache, fitted to the rates below).
 */
export const CACHE_BYTES = 8 * 2 ** 20;
/** See CACHE_BYTES. */
export const MEMORY_BYTES = 20 * 2 ** 20;

/**
 * Rate of a kernel whose working set is `bytes`: `cached` up to CACHE_BYTES,
 * `memory` from MEMORY_BYTES, geometric interpolation in between (measured:
 * the reduced step kernels run at 6.4·10⁹ MAC/s with 9 MiB of matrices and
 * 2.7·10⁹ with 38 MiB; u at 4.2·10⁹ with 10 MiB, 1.3·10⁹ with 20 MiB).
 */
export function sustainedRate(bytes: number, cached: number, memory: number): number {
  if (bytes <= CACHE_BYTES) return cached;
  if (bytes >= MEMORY_BYTES) return memory;
  return cached * (memory / cached) ** (Math.log(bytes / CACHE_BYTES) / Math.log(MEMORY_BYTES / CACHE_BYTES));
}

/** Estimated multiply-adds and seconds of each engine for one trial. */
export interface EngineCosts {
  /** estimated seconds with the wishart engine (SPEC §8; only where it applies) */
  wishart: number;
  /** estimated seconds with the explicit engine */
  explicit: number;
  /** estimated seconds with the reduced engine (= reducedSeconds.dense + reducedSeconds.train) */
  reduced: number;
  /** multiply-adds: explicit engine */
  explicitMacs: number;
  /** multiply-adds: reduced engine's one-off dense work and its per-step/checkpoint work */
  reducedMacs: { dense: number; steps: number };
  /** seconds of the reduced engine: the one-off dense draws (what a group shares, SPEC §6) and the rest */
  reducedSeconds: { dense: number; train: number };
}

/**
 * explicit: W₀ draw d², then per step 3d² + 4Nd (SPEC §4).
 * reduced: shared products 2d²(N+2) + Gram matrices d((N+3)² + N²)/2, then
 * ≈ 7N² per step and 2d(N+1) per checkpoint for u = Wᵀp.
 * wishart: ≈ 4k²N once (k = N + 2), then the reduced engine's per-step work
 * and 4k(N+1) per checkpoint — no term in d (SPEC §8).
 * Seconds = multiply-adds / KERNEL_RATES (at the rate of each kernel's
 * working set, {@link sustainedRate}) + per-step overhead. Checkpoint
 * evaluation of the test set is the same for every engine and left out
 * (see {@link evaluationSeconds}).
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function engineCosts(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps'>, checkpoints: number): EngineCosts {
  const { d, steps } = cfg;
  const N = cfg.n * cfg.T;
  const M = N + 1;
  const explicitMacs = d * d + steps * (3 * d * d + 4 * N * d);
  const dense = 2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2;
  const stepOnly = steps * 7 * N * N;
  const uMacs = checkpoints * 2 * d * M;
  const stepRate = sustainedRate(8 * (M * M + N * N + M * N), KERNEL_RATES.reducedStepCached, KERNEL_RATES.reducedStep);
  const stepSeconds = stepOnly / stepRate + steps * REDUCED_STEP_OVERHEAD_S;
  const reducedSeconds = {
    dense: dense / KERNEL_RATES.reducedDense,
    train: stepSeconds + uMacs / sustainedRate(16 * d * M, KERNEL_RATES.reducedUCached, KERNEL_RATES.reducedU),
  };
  const k = N + 2;
  const wishartU = checkpoints * 4 * k * M;
  return {
    wishart: (4 * k * k * N) / KERNEL_RATES.reducedStepCached + stepSeconds + wishartU / KERNEL_RATES.reducedUCached,
    explicit: explicitMacs / (d * d * 8 <= CACHE_BYTES ? KERNEL_RATES.explicitStepCached : KERNEL_RATES.explicitStep),
    reduced: reducedSeconds.dense + reducedSeconds.train,
    explicitMacs,
    reducedMacs: { dense, steps: stepOnly + uMacs },
    reducedSeconds,
  };
}

/**
 * Seconds per checkpoint the engine costs leave out (the same for every
 * engine, so they do not affect its choice): evaluating the checkpoint's
 * metrics and the test set — EVAL_CHECKPOINT_S plus EVAL_TOKEN_S per test
 * token (testN·T), plus testN·T·d multiply-adds for an explicit test set.
 * Fitted on single trials of the default sweep's shapes (d = 2000, testN·T =
 * 8000 tokens, n = 5…160) on the idle development machine.
 */
export const EVAL_CHECKPOINT_S = 5e-5;
/** See EVAL_CHECKPOINT_S. */
export const EVAL_TOKEN_S = 4e-8;

/** Estimated seconds of a trial's checkpoint evaluations (see EVAL_CHECKPOINT_S). */
export function evaluationSeconds(cfg: Pick<TrialConfig, 'testN' | 'T' | 'd' | 'test'>, checkpoints: number): number {
  const tokens = cfg.testN * cfg.T;
  const explicit = cfg.test === 'explicit' ? (tokens * cfg.d) / KERNEL_RATES.reducedStepCached : 0;
  return checkpoints * (EVAL_CHECKPOINT_S + EVAL_TOKEN_S * tokens + explicit);
}
