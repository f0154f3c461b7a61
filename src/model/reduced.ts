/**
 * Reduced engine (SPEC §4): exact GD in (N+1)-dimensional coordinates.
 *
 * p_τ = B c_τ with B = [p₀, W₀Xᵀ] (d×(N+1)), W_τ = W₀ − α B C_τ X with
 * C_τ = Σ_{r<τ} c_r e_rᵀ ((N+1)×N). With G = XXᵀ (N×N), H = BᵀB and K the last
 * N rows of H:
 *   s_τ = K c_τ − α G C_τᵀ H c_τ
 *   c_{τ+1} = c_τ − α([0; e_τ] − α C_τ G e_τ),   C_{τ+1} = C_τ + c_τ e_τᵀ
 *   u_τ = W_τᵀ p_τ = Q c_τ − α Xᵀ C_τᵀ H c_τ,  Q = W₀ᵀ B (d×(N+1))
 *   ‖p_τ‖² = c_τᵀ H c_τ
 * No approximation: the iterates equal the explicit engine's up to rounding.
 */
import { accumTransposeTimes, blockTimes, gramColumns } from './dense.js';
import type { Problem } from './data.js';
import { type Stepper, drive } from './driver.js';
import type { EngineReport, EngineRun } from './forward.js';
import { type VecArena, withVecArena } from './linalg.js';

/** Everything the reduced iteration needs; all row-major. */
export interface ReducedSystem {
  /** dimension of the space u = Wᵀp lives in (d; 2k for the wishart engine) */
  d: number;
  n: number;
  T: number;
  /** observed labels ±1 (n) */
  y: Float64Array;
  /** Xν (N) */
  v: Float64Array;
  /** XXᵀ (N×N) */
  G: Float64Array;
  /** BᵀB ((N+1)×(N+1)) */
  H: Float64Array;
  /** W₀ᵀB (d×(N+1)) — only for u (test evaluation) */
  Q: Float64Array;
  /** tokens (N×d) — only for u */
  X: Float64Array;
}

/**
 * Transpose an r×c row-major matrix.
 *
 * @param out c×r destination (all r·c elements overwritten); a new array if omitted
 */
export function transpose(A: Float64Array, r: number, c: number, out: Float64Array = new Float64Array(r * c)): Float64Array {
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = A[i * c + j];
  return out;
}

/**
 * Build the reduced system of an explicit problem (two d²·N products with W₀
 * and Gram matrices; used for the fixtures and as the reference for the shared
 * sweep path in `shared.ts`).
 */
export function reducedFromProblem(problem: Problem): ReducedSystem {
  const { d, n, T, X, W0, p0, nu, y } = problem;
  const N = n * T;
  const M = N + 1;
  const Xt = transpose(X, N, d); // d×N
  const V = new Float64Array(d * N);
  blockTimes(W0, d, d, Xt, N, V); // W₀Xᵀ
  const B = new Float64Array(d * M);
  for (let i = 0; i < d; i++) {
    B[i * M] = p0[i];
    B.set(V.subarray(i * N, (i + 1) * N), i * M + 1);
  }
  const H = new Float64Array(M * M);
  gramColumns(B, d, M, H);
  const Q = new Float64Array(d * M);
  accumTransposeTimes(W0, d, d, B, M, Q);
  const G = new Float64Array(N * N);
  gramColumns(Xt, d, N, G);
  const v = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += X[j * d + k] * nu[k];
    v[j] = acc;
  }
  return { d, n, T, y, v, G, H, Q, X };
}

/**
 * Train in reduced coordinates. Cost: O(N²) per step (five passes over
 * N²-sized matrices: Hc, Cᵀh, Gw, Ge and a fused "z = C·Ge, C += c·eᵀ"), and
 * O(d·N) per checkpoint whose observer asks for u.
 *
 * The per-step kernels run on this thread's {@link withVecArena} arena (the
 * thread's kernel backend: WebAssembly SIMD or the bit-identical TypeScript
 * loops); the loop, checkpoints and divergence checks are the shared
 * driver's (`driver.ts`). The arrays handed to `run.observe` are valid only
 * during the call.
 *
 * @param sys  the reduced system (not modified)
 * @param run  step size, horizon, checkpoints and observer
 * @returns the step at which the state became non-finite (or null) and the steps done
 */
export function trainReduced(sys: ReducedSystem, run: EngineRun): EngineReport {
  return withVecArena((arena) => drive(reducedStepper(arena, sys, run.alpha), run));
}

/** The reduced engine's state on arena `ar` (see module doc). `sys.d` is the dimension of u's space. */
function reducedStepper(ar: VecArena, sys: ReducedSystem, alpha: number): Stepper {
  const { d, n, T, y } = sys;
  const N = n * T;
  const M = N + 1;
  // everything the kernels touch lives in the arena; Q and X (d·(2N+1)
  // doubles) are copied in only if u is asked for
  const [H, G, C, c, h, w, s, e, Ge, z, Gw, wa, u, Q, X, v] = ar.alloc([
    M * M, N * N, M * N, M, M, N, N, N, N, M, N, N, d, d * M, N * d, N,
  ]);
  H.set(sys.H.subarray(0, M * M));
  G.set(sys.G.subarray(0, N * N));
  v.set(sys.v.subarray(0, N));
  let haveQX = false;
  c[0] = 1;
  let anyC = false;
  return {
    n, T, y, v, s, e,
    logits() {
      // h = H c ; w = Cᵀ h ; s = K c − α G w with K c = h[1..]
      ar.matVec(H, M, M, c, h);
      if (anyC) {
        ar.matTVec(C, M, N, h, w);
        ar.matVec(G, N, N, w, Gw);
        for (let t = 0; t < N; t++) s[t] = h[t + 1] - alpha * Gw[t];
      } else {
        w.fill(0);
        for (let t = 0; t < N; t++) s[t] = h[t + 1];
      }
    },
    pNorm() {
      // ‖p‖² = cᵀHc = c·h
      let pp = 0;
      for (let r = 0; r < M; r++) pp += c[r] * h[r];
      return Math.sqrt(Math.max(pp, 0)); // NaN stays NaN
    },
    finite() {
      for (let r = 0; r < M; r++) if (!Number.isFinite(c[r])) return false;
      return true;
    },
    u() {
      if (!haveQX) {
        Q.set(sys.Q.subarray(0, d * M));
        X.set(sys.X.subarray(0, N * d));
        haveQX = true;
      }
      // u = Q c − α Xᵀ w
      ar.matVec(Q, d, M, c, u);
      if (anyC) {
        for (let t = 0; t < N; t++) wa[t] = -alpha * w[t];
        ar.matTVecAcc(X, N, d, wa, u);
      }
      return u;
    },
    update() {
      // Ge = G e ; z = C Ge (old C) ; C += c eᵀ (old c) — one pass over C
      ar.matVec(G, N, N, e, Ge);
      if (anyC) {
        ar.matVecGer(C, M, N, Ge, z, c, e);
      } else {
        z.fill(0);
        ar.ger(C, M, N, c, e);
      }
      anyC = true;
      // c -= α([0; e] − α z)
      c[0] -= alpha * (-alpha * z[0]);
      for (let r = 1; r < M; r++) c[r] -= alpha * (e[r - 1] - alpha * z[r]);
    },
  };
}
