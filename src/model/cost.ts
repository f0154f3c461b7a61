/**
 * Cost model for choosing an engine (SPEC §4). Estimates the wall time of
 * one trial computed alone (so the choice, and therefore the trial's numbers,
 * do not depend on which other trials share its group, nor on the machine).
 */
import type { TrialConfig } from '../core/config.js';
import { testCoordinateCount, testSubspaceDimension } from './testset.js';

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
  /** the projected test set's logits σ·gᵀ(Fᵀu), its coordinates g (8·testN·T·m bytes) in cache */
  testCoordinatesCached: 5e9,
  /** … streamed from memory (the default trial's 20 MiB; 2.2–3.2·10⁹ measured from 40 to 120 MiB) */
  testCoordinates: 2.5e9,
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
  /** multiply-adds: explicit engine (with the shared draws it then needs when {@link EngineCosts.testBasisMacs} > 0) */
  explicitMacs: number;
  /** multiply-adds: reduced engine's one-off dense work (test basis included) and its per-step/checkpoint work */
  reducedMacs: { dense: number; steps: number };
  /** seconds of the reduced engine: the one-off dense draws (what a group shares, SPEC §6) and the rest */
  reducedSeconds: { dense: number; train: number };
  /**
   * multiply-adds of the projected test set's fixed basis (SPEC §5, `testset.ts`):
   * Gram blocks d·N·(N+3) + d(N+3)²/2 and Cholesky m³/6, m = 2N + 4 (+1 for p₀ ≠ 0);
   * 0 when the test set is explicit or the subspace is the whole space (d ≤ m)
   */
  testBasisMacs: number;
}

/** Whether the projected test set of `cfg` uses the fixed subspace of dimension m < d (SPEC §5; not for wishart). */
function usesTestSubspace(cfg: Pick<TrialConfig, 'd' | 'n' | 'T'> & Partial<Pick<TrialConfig, 'test' | 'init'>>): boolean {
  return (cfg.test ?? 'projected') === 'projected' && cfg.d > testSubspaceDimension(cfg.n * cfg.T, (cfg.init?.p ?? 'zero') === 'zero');
}

/**
 * explicit: W₀ draw d², then per step 3d² + 4Nd (SPEC §4); with a projected
 * test set whose fixed subspace is smaller than R^d also the shared draws
 * and the test basis below (the subspace is built from them).
 * reduced: shared products 2d²(N+2) + Gram matrices d((N+3)² + N²)/2 and the
 * test basis, then ≈ 7N² per step and 2d(N+1) per checkpoint for u = Wᵀp.
 * wishart: ≈ 4k²N once (k = N + 2), then the reduced engine's per-step work
 * and 4k(N+1) per checkpoint — no term in d (SPEC §8).
 * Seconds = multiply-adds / KERNEL_RATES (at the rate of each kernel's
 * working set, {@link sustainedRate}) + per-step overhead. Checkpoint
 * evaluation of the test set is left out (see {@link evaluationSeconds}).
 * `test` defaults to projected and `init.p` to zero (the defaults of SPEC §2).
 *
 * @param checkpoints number of checkpoints evaluated
 */
export function engineCosts(
  cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'steps'> & Partial<Pick<TrialConfig, 'test' | 'init'>>, checkpoints: number,
): EngineCosts {
  const { d, steps } = cfg;
  const N = cfg.n * cfg.T;
  const M = N + 1;
  const m = testSubspaceDimension(N, (cfg.init?.p ?? 'zero') === 'zero');
  const testBasisMacs = usesTestSubspace(cfg) ? d * N * (N + 3) + (d * (N + 3) ** 2) / 2 + m ** 3 / 6 : 0;
  const dense = 2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2 + testBasisMacs;
  const explicitMacs = d * d + steps * (3 * d * d + 4 * N * d) + (testBasisMacs > 0 ? dense : 0);
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
  const explicitSteps = explicitMacs - (testBasisMacs > 0 ? dense : 0);
  return {
    wishart: (4 * k * k * N) / KERNEL_RATES.reducedStepCached + stepSeconds + wishartU / KERNEL_RATES.reducedUCached,
    explicit: explicitSteps / (d * d * 8 <= CACHE_BYTES ? KERNEL_RATES.explicitStepCached : KERNEL_RATES.explicitStep)
      + (testBasisMacs > 0 ? reducedSeconds.dense : 0),
    reduced: reducedSeconds.dense + reducedSeconds.train,
    explicitMacs,
    reducedMacs: { dense, steps: stepOnly + uMacs },
    reducedSeconds,
    testBasisMacs,
  };
}

/**
 * Seconds per checkpoint the engine costs leave out: evaluating the
 * checkpoint's metrics and the test set — EVAL_CHECKPOINT_S plus EVAL_TOKEN_S
 * per test token (testN·T: attention, loss), plus the test set's products:
 * testN·T·d multiply-adds for an explicit test set; for the projected one
 * testN·T·m for the logits (m coordinates per token, {@link testCoordinateCount})
 * at the rate of its coordinates' size, and d·(2N+3) for the coordinates of
 * u when the fixed subspace is smaller than the space (SPEC §5).
 * Measured on the development machine (d = 2000, testN·T = 8000 tokens,
 * m = 84…2000 coordinates, with another job on the second core).
 */
export const EVAL_CHECKPOINT_S = 5e-5;
/** See EVAL_CHECKPOINT_S (attention, loss and the logits' signal part: 20–22 ns per token measured). */
export const EVAL_TOKEN_S = 2.5e-8;
/** Seconds per standard normal drawn for a test set (`Rng.fillNormal`, Box–Muller: 22–29 ns measured). */
export const NORMAL_S = 2.5e-8;

/**
 * Estimated seconds of a trial's test set: its checkpoint evaluations (see
 * EVAL_CHECKPOINT_S) and drawing its normals — testN·T·d for an explicit set,
 * testN·T·m for a projected one, which a worker draws once for the trials of
 * one seed and shape (`drawsShared`: a later one of them pays nothing).
 *
 * @param D  the dimension of the engine's space (d, or 2(N+2) for wishart: `Engine.dimension`, src/model/engines.ts)
 */
export function evaluationSeconds(
  cfg: Pick<TrialConfig, 'testN' | 'T' | 'd' | 'n' | 'test'> & Partial<Pick<TrialConfig, 'init'>>, checkpoints: number,
  D = cfg.d, drawsShared = false,
): number {
  const tokens = cfg.testN * cfg.T;
  let products: number;
  let normals: number;
  if (cfg.test === 'explicit') {
    products = (tokens * D) / KERNEL_RATES.reducedStepCached;
    normals = tokens * D;
  } else {
    const N = cfg.n * cfg.T;
    const m = testCoordinateCount(D, N, (cfg.init?.p ?? 'zero') === 'zero');
    products = (tokens * m) / sustainedRate(8 * tokens * m, KERNEL_RATES.testCoordinatesCached, KERNEL_RATES.testCoordinates)
      + (m < D ? (D * (2 * N + 3)) / KERNEL_RATES.reducedUCached : 0);
    normals = drawsShared ? 0 : tokens * m;
  }
  return checkpoints * (EVAL_CHECKPOINT_S + EVAL_TOKEN_S * tokens + products) + NORMAL_S * normals;
}
