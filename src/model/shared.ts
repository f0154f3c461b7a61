/**
 * Dense work shared by every trial with the same random draws (SPEC §6).
 *
 * With X = σE + S and S non-zero only in columns 0, 1 (signal coefficients
 * Sc, N×2), put Z = [P | W₀[:,0] | W₀[:,1] | p₀] (d×(N+3)) with P = W₀Eᵀ.
 * Then B = [p₀, W₀Xᵀ] = Z·L with a sparse L ((N+3)×(N+1)):
 *   column 0 of B = p₀ = Z e_{N+2};  column j+1 = Z(σ e_j + Sc[j,0] e_N + Sc[j,1] e_{N+1}).
 * Hence H = BᵀB = Lᵀ Γ L with Γ = ZᵀZ, and Q = W₀ᵀB = R L with R = W₀ᵀZ; and
 * G = XXᵀ = σ²EEᵀ + σ(E_c Scᵀ + Sc E_cᵀ) + Sc Scᵀ with E_c = E[:, 0:2].
 * E, EEᵀ, Γ and R depend only on (seed, d, n, T, init): computed once per
 * group in one streamed pass over row blocks of W₀ (W₀ is never stored), then
 * each trial costs O(d·N + N²). A group of one computes them the same way, so
 * a trial's numbers do not depend on its group.
 */
import { threadWorkspace } from './dense.js';
import { W0Rows, assembleTokens, drawP0, drawTokenNoise, drawW0, headCoefficients, signalCoefficients } from './data.js';
import { giveArrays, takeArray } from './pool.js';
import { type TestSubspace, testSubspaceDimension, testSubspaceOf } from './testset.js';
import { type ReducedSystem, transpose } from './reduced.js';
import type { TrialConfig } from '../core/config.js';

/** Row-block height for streaming W₀. */
const BLOCK = 64;

/** Pieces shared by a group; see module doc. */
export interface SharedDraws {
  d: number;
  n: number;
  T: number;
  /** token noise, N×d standard normals */
  E: Float64Array;
  /** EEᵀ, N×N */
  EEt: Float64Array;
  /** Γ = ZᵀZ, (N+3)×(N+3) */
  Gamma: Float64Array;
  /** R = W₀ᵀZ, d×(N+3) */
  R: Float64Array;
  /** wall time spent building them (ms) */
  ms: number;
}

/** Key of the draws a trial shares: seed, d, n, T and the init choice (not its scales' effect on E). */
export function sharedKey(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init'>, seed: number): string {
  return JSON.stringify([seed, cfg.d, cfg.n, cfg.T, cfg.init.W, cfg.init.sigmaW ?? null, cfg.init.p, cfg.init.sigmaP ?? null]);
}

/**
 * Compute the shared draws: O(2·d²·(N+2)) multiply-adds for the two W₀
 * products plus O(d·N²) for the Gram matrices.
 */
export function computeSharedDraws(cfg: Pick<TrialConfig, 'd' | 'n' | 'T' | 'init'>, seed: number): SharedDraws {
  const t0 = performance.now();
  const { d, n, T } = cfg;
  const N = n * T;
  const m = N + 3;
  // the large arrays come from (and the temporaries go back to) this
  // thread's pool (pool.ts); E and R go back with releaseSharedDraws
  const E = drawTokenNoise(seed, n, T, d, takeArray(N * d));
  const Et = transpose(E, N, d, takeArray(N * d));
  // Eᵀ (packed) and R stay resident in the workspace for the whole stream;
  // per block only W₀'s rows and Z's rows move (bit-identical to the plain
  // blockTimes/accumTransposeTimes calls, see dense.ts)
  const ws = threadWorkspace();
  const EEt = new Float64Array(N * N);
  ws.gramColumns(Et, d, N, EEt);
  const p0 = drawP0(cfg, seed);
  const rows = new W0Rows(d, cfg, seed);
  const Wblk = takeArray(BLOCK * d);
  const Pblk = new Float64Array(BLOCK * N);
  const Z = takeArray(d * m);
  const R = takeArray(d * m);
  ws.setRight(Et, d, N);
  ws.setAccumulator(d, m);
  for (let i0 = 0; i0 < d; i0 += BLOCK) {
    const b = rows.fill(Wblk, BLOCK);
    ws.blockTimes(Wblk, b, Pblk);
    for (let r = 0; r < b; r++) {
      const zo = (i0 + r) * m;
      Z.set(Pblk.subarray(r * N, (r + 1) * N), zo);
      Z[zo + N] = Wblk[r * d];
      Z[zo + N + 1] = Wblk[r * d + 1];
      Z[zo + N + 2] = p0[i0 + r];
    }
    ws.accumTransposeTimes(Wblk, b, Z.subarray(i0 * m, (i0 + b) * m));
  }
  ws.readAccumulator(R);
  const Gamma = new Float64Array(m * m);
  ws.gramColumns(Z, d, m, Gamma);
  giveArrays(Et, Wblk, Z);
  return { d, n, T, E, EEt, Gamma, R, ms: performance.now() - t0 };
}

/** Hand the large arrays of draws no longer used back to this thread's pool; `sh` is unusable afterwards. */
export function releaseSharedDraws(sh: SharedDraws): void {
  giveArrays(sh.E, sh.R);
}

/** Hand the large arrays (Q, X) of a reduced system no longer used back to this thread's pool. */
export function releaseReducedSystem(sys: ReducedSystem): void {
  giveArrays(sys.Q, sys.X);
}

/**
 * The reduced system of one trial from the shared draws: O(d·N + N²).
 *
 * @param labels  observed labels y (n) and true labels yTrue (n)
 */
export function reducedFromShared(
  sh: SharedDraws, cfg: Pick<TrialConfig, 'sigma' | 'muNorm' | 'rho' | 'nuScale'>,
  labels: { y: Float64Array; yTrue: Float64Array },
): ReducedSystem {
  const { d, n, T, E, EEt, Gamma, R } = sh;
  const N = n * T;
  const M = N + 1;
  const m = N + 3;
  const sigma = cfg.sigma;
  const Sc = signalCoefficients(labels.yTrue, T, cfg.muNorm, cfg.rho);
  // ΓL ((N+3)×(N+1)), then H = Lᵀ(ΓL)
  const GL = new Float64Array(m * M);
  for (let p = 0; p < m; p++) {
    const gp = p * m;
    GL[p * M] = Gamma[gp + N + 2];
    for (let j = 0; j < N; j++) {
      GL[p * M + j + 1] = sigma * Gamma[gp + j] + Sc[2 * j] * Gamma[gp + N] + Sc[2 * j + 1] * Gamma[gp + N + 1];
    }
  }
  const H = new Float64Array(M * M);
  for (let b = 0; b < M; b++) {
    H[b] = GL[(N + 2) * M + b];
    for (let j = 0; j < N; j++) {
      H[(j + 1) * M + b] = sigma * GL[j * M + b] + Sc[2 * j] * GL[N * M + b] + Sc[2 * j + 1] * GL[(N + 1) * M + b];
    }
  }
  // symmetrise rounding so H is exactly symmetric
  for (let a = 0; a < M; a++) for (let b = a + 1; b < M; b++) {
    const x = 0.5 * (H[a * M + b] + H[b * M + a]);
    H[a * M + b] = x;
    H[b * M + a] = x;
  }
  const Q = takeArray(d * M); // every element written below
  for (let k = 0; k < d; k++) {
    const rk = k * m;
    const qk = k * M;
    Q[qk] = R[rk + N + 2];
    const rN = R[rk + N];
    const rN1 = R[rk + N + 1];
    for (let j = 0; j < N; j++) Q[qk + j + 1] = sigma * R[rk + j] + Sc[2 * j] * rN + Sc[2 * j + 1] * rN1;
  }
  const G = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const ei0 = E[i * d];
    const ei1 = E[i * d + 1];
    const si0 = Sc[2 * i];
    const si1 = Sc[2 * i + 1];
    for (let j = 0; j < N; j++) {
      const sj0 = Sc[2 * j];
      const sj1 = Sc[2 * j + 1];
      G[i * N + j] = sigma * sigma * EEt[i * N + j]
        + sigma * (ei0 * sj0 + ei1 * sj1 + si0 * E[j * d] + si1 * E[j * d + 1])
        + si0 * sj0 + si1 * sj1;
    }
  }
  const [nu0, nu1] = headCoefficients(cfg.muNorm, cfg.nuScale);
  const v = new Float64Array(N);
  for (let j = 0; j < N; j++) v[j] = (sigma * E[j * d] + Sc[2 * j]) * nu0 + (sigma * E[j * d + 1] + Sc[2 * j + 1]) * nu1;
  const X = assembleTokens(E, Sc, sigma, N, d, takeArray(N * d));
  return { d, n, T, y: labels.y, v, G, H, Q, X };
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
