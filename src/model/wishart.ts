/**
 * The `wishart` engine (SPEC §8): exact in distribution, cost independent of d.
 *
 * With W₀ entries i.i.d. N(0, σ_w²), p₀ = 0 and Gaussian token noise, the GD
 * trajectory of SPEC §4's reduced recursion and the test outputs depend on the
 * d-dimensional draws only through a few k×k random matrices (k = N + 2),
 * Wishart-distributed Gram matrices of Gaussian designs. This engine samples
 * those from their Bartlett factors instead of drawing d-dimensional noise,
 * then runs the reduced engine's recursion unchanged:
 *
 *  1. Tokens. X = σE + S with E = [E_a | E_b] (first two columns, the rest).
 *     E_a (N×2) is drawn explicitly; the N×N upper-triangular Bartlett factor
 *     R_b of E_bᵀ ((d−2)×N) has R_b[i,i] = √χ²(d−2−i), N(0,1) above the
 *     diagonal. In the orthonormal basis U = [e₁, e₂, basis of E_b's row span]
 *     token j has the k coordinates A[:, j], A = [(σE_a + S_a)ᵀ ; σR_b] (k×N):
 *     G = XXᵀ = AᵀA, Xν = Aᵀν_U.
 *  2. W₀ on that subspace. W̃ = W₀U is again i.i.d. N(0, σ_w²) and independent
 *     of E; its first k columns W̃₁ = Q₁·σ_wR₁ (QR; R₁ the k×k Bartlett factor
 *     for d rows) give M₁ = W̃₁ᵀW̃₁ = σ_w²R₁ᵀR₁ and H = (W₀Xᵀ)ᵀ(W₀Xᵀ) = AᵀM₁A
 *     = σ_w²·YᵀY with Y = R₁A; B's first column is p₀ = 0.
 *  3. u = W_τᵀp_τ. In the basis [U_k, Q_Γ] of a 2k-dimensional subspace,
 *     u = [M₁Ac₁ − α·A·C_τᵀHc ; σ_w²R₂R₁Ac₁] where the second block is the part
 *     of W̃₂ᵀW̃₁Ac₁ outside span(U): W̃₂ᵀQ₁ = σ_w·Γ with Γ = Q_Γ R₂ i.i.d.
 *     normal, independent of R₁ (R₂ the Bartlett factor for d − k rows; its
 *     Gram σ_w²L₁R₂ᵀR₂L₁ᵀ, L₁ = chol(M₁) = σ_wR₁ᵀ, is SPEC §8's M₂). So the
 *     reduced system lives in a "d" = 2k space: Q = [0, M₁A ; 0, σ_w²R₂Y]
 *     (2k × (N+1)), tokens [Aᵀ | 0] (N × 2k).
 *  4. Test tokens z = m + σξ: in that basis ξ has i.i.d. N(0,1) coordinates
 *     independent of everything else, and m, ν live on e₁, e₂ — so the test
 *     sets of SPEC §5 (projected, or explicit) run unchanged in 2k dimensions.
 *     u spans all of them, so the projected set's fixed basis is the whole
 *     space there (2k coordinates per token, the explicit set's numbers).
 *
 * Cost O(k²N) once (dense kernels of the kernel table) plus the reduced
 * engine's O(N²) per step, whatever d is.
 * Needs d ≥ 2k (positive χ² degrees of freedom for R₂). Every draw depends on
 * the seed and the shapes (d, n, T) only (SPEC §6): streams `bartlett-tokens`
 * (E_a, R_b), `bartlett-W0` (R₁), `bartlett-W0-rest` (R₂).
 */
import { headCoefficients, signalCoefficients } from './data.js';
import { accumTransposeTimes, blockTimes, gramColumns } from './dense.js';
import type { ReducedSystem } from './reduced.js';
import { type Rng, stream } from './rng.js';
import { type TrialConfig, sigmaW } from '../core/config.js';

/**
 * One χ²(ν) variate: 2·Gamma(ν/2, 1) by Marsaglia & Tsang (2000), "A simple
 * method for generating gamma variables", ACM TOMS 26(3) (shape ≥ 1; shape
 * < 1 by Gamma(a) = Gamma(a + 1)·U^{1/a}). Uses `rng`'s normals and uniforms.
 *
 * @param nu  degrees of freedom, > 0
 * @throws RangeError if ν is not a positive finite number
 */
export function chiSquare(rng: Rng, nu: number): number {
  if (!(nu > 0) || !Number.isFinite(nu)) throw new RangeError(`chiSquare: degrees of freedom must be positive, got ${nu}`);
  const a = nu / 2;
  if (a < 1) return 2 * gammaMT(rng, a + 1) * Math.pow(rng.uniform(), 1 / a);
  return 2 * gammaMT(rng, a);
}

/** Gamma(a, 1) for a ≥ 1 (Marsaglia–Tsang squeeze and acceptance test). */
function gammaMT(rng: Rng, a: number): number {
  const dd = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * dd);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return dd * v;
    if (Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v;
  }
}

/**
 * Bartlett factor of a Gaussian design: the upper-triangular R (cols×cols,
 * row-major) of the QR decomposition of a rows×cols matrix of i.i.d. N(0,1),
 * sampled directly: R[i,i] = √χ²(rows − i), R[i,j] ~ N(0,1) for j > i, zero
 * below (0-based i). Then RᵀR ~ Wishart_cols(rows, I) (Bartlett 1933).
 * Draw order: row by row, the diagonal first.
 *
 * @throws RangeError unless rows ≥ cols ≥ 1 (integers)
 */
export function bartlettFactor(rng: Rng, rows: number, cols: number): Float64Array {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || cols < 1 || rows < cols) {
    throw new RangeError(`bartlettFactor: needs rows ≥ cols ≥ 1, got rows = ${rows}, cols = ${cols}`);
  }
  const R = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    R[i * cols + i] = Math.sqrt(chiSquare(rng, rows - i));
    for (let j = i + 1; j < cols; j++) R[i * cols + j] = rng.normal();
  }
  return R;
}

/**
 * Why the wishart engine cannot run `cfg`, as a one-line message naming the
 * field (SPEC §8: Gaussian W₀, p₀ = 0, d ≥ 2(N+2)); undefined if it can.
 */
export function wishartConfigError(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init'>): string | undefined {
  if (cfg.init.W !== 'gaussian' || cfg.init.p !== 'zero') {
    return `init: engine wishart needs init {W: gaussian, p: zero} (got W: ${cfg.init.W}, p: ${cfg.init.p}); use engine: reduced or auto`;
  }
  const k = cfg.n * cfg.T + 2;
  if (cfg.d < 2 * k) {
    return `d: engine wishart needs d ≥ 2(n·T + 2) = ${2 * k} (got d = ${cfg.d}); below that use engine: reduced (cheap at this d)`;
  }
  return undefined;
}

/**
 * Sample the reduced system of a wishart trial (module doc): G, H, v, and for
 * u the 2k-dimensional Q and tokens. O(k²N) work and O(k·N) memory.
 *
 * @param labels  observed labels y and true labels yTrue (n)
 * @returns a ReducedSystem whose `d` is 2k (the test space's dimension)
 * @throws Error with {@link wishartConfigError}'s message if the engine cannot run `cfg`
 */
export function wishartSystem(
  cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init' | 'sigma' | 'muNorm' | 'rho' | 'nuScale'>, seed: number,
  labels: { y: Float64Array; yTrue: Float64Array },
): ReducedSystem {
  const why = wishartConfigError(cfg);
  if (why) throw new Error(why);
  const { d, n, T, sigma } = cfg;
  const N = n * T;
  const k = N + 2;
  const M = N + 1;
  const D = 2 * k;
  const sw = sigmaW(cfg);
  const sw2 = sw * sw;
  // 1. token coordinates A (k×N)
  const tok = stream(seed, 'bartlett-tokens');
  const Ea = tok.fillNormal(new Float64Array(N * 2));
  const Rb = bartlettFactor(tok, d - 2, N);
  const Sc = signalCoefficients(labels.yTrue, T, cfg.muNorm, cfg.rho);
  const A = new Float64Array(k * N);
  for (let j = 0; j < N; j++) {
    A[j] = sigma * Ea[2 * j] + Sc[2 * j];
    A[N + j] = sigma * Ea[2 * j + 1] + Sc[2 * j + 1];
  }
  for (let i = 0; i < N; i++) for (let j = i; j < N; j++) A[(2 + i) * N + j] = sigma * Rb[i * N + j];
  // 2. R₁ (d rows), Y = R₁A, H = σ_w²YᵀY, G = AᵀA
  const R1 = bartlettFactor(stream(seed, 'bartlett-W0'), d, k);
  const Y = new Float64Array(k * N);
  blockTimes(R1, k, k, A, N, Y);
  const G = new Float64Array(N * N);
  gramColumns(A, k, N, G);
  const YtY = new Float64Array(N * N);
  gramColumns(Y, k, N, YtY);
  const H = new Float64Array(M * M);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) H[(i + 1) * M + j + 1] = sw2 * YtY[i * N + j];
  // 3. Q (2k × M): top M₁A = σ_w²R₁ᵀY, bottom σ_w²R₂Y (R₂ for d − k rows); tokens [Aᵀ | 0]
  const top = new Float64Array(k * N);
  accumTransposeTimes(R1, k, k, Y, N, top);
  const bottom = new Float64Array(k * N);
  blockTimes(bartlettFactor(stream(seed, 'bartlett-W0-rest'), d - k, k), k, k, Y, N, bottom);
  const Q = new Float64Array(D * M);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < N; j++) {
      Q[r * M + j + 1] = sw2 * top[r * N + j];
      Q[(k + r) * M + j + 1] = sw2 * bottom[r * N + j];
    }
  }
  const X = new Float64Array(N * D);
  for (let j = 0; j < N; j++) for (let r = 0; r < k; r++) X[j * D + r] = A[r * N + j];
  const [nu0, nu1] = headCoefficients(cfg.muNorm, cfg.nuScale);
  const v = new Float64Array(N);
  for (let j = 0; j < N; j++) v[j] = A[j] * nu0 + A[N + j] * nu1;
  return { d: D, n, T, y: labels.y, v, G, H, Q, X };
}
