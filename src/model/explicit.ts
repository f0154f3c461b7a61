/**
 * Explicit engine: keeps W (d×d) and p (d) and does full-batch GD exactly as
 * SPEC §2, matrix-free per step (never forms X·W): u = Wᵀp, s = X·u,
 * g = Xᵀe, ∇_W L = p gᵀ, ∇_p L = W g. Cost per step ≈ 3d² + 4Nd
 * multiply-adds (SPEC §4). The passes run on the vector kernels of a
 * `VecArena` (WebAssembly SIMD, or the bit-identical TypeScript fallback);
 * the loop, checkpoints and divergence checks are the shared driver's.
 */
import type { Problem } from './data.js';
import { type Stepper, drive } from './driver.js';
import type { EngineReport, EngineRun } from './forward.js';
import { type VecArena, withVecArena } from './linalg.js';

/**
 * Train by explicit GD. W₀ and p₀ of `problem` are not modified (copied).
 *
 * @param problem  X (N×d), y (n), W0 (d×d), p0 (d), nu (d)
 * @param run      step size, horizon, checkpoint observer (its arrays are valid only during the call)
 */
export function trainExplicit(problem: Problem, run: EngineRun): EngineReport {
  return withVecArena((ar) => drive(explicitStepper(ar, problem, run.alpha), run));
}

/** The explicit engine's state on arena `ar` (see module doc). */
function explicitStepper(ar: VecArena, problem: Problem, alpha: number): Stepper {
  const { d, n, T, y } = problem;
  const N = n * T;
  const [W, X, nu, p, v, u, s, e, g, Wg, ag] = ar.alloc([d * d, N * d, d, d, N, d, N, N, d, d, d]);
  W.set(problem.W0.subarray(0, d * d));
  X.set(problem.X.subarray(0, N * d));
  nu.set(problem.nu.subarray(0, d));
  p.set(problem.p0.subarray(0, d));
  ar.matVec(X, N, d, nu, v);
  return {
    n, T, y, v, s, e,
    logits() {
      // u = Wᵀ p ; s = X u
      ar.matTVec(W, d, d, p, u);
      ar.matVec(X, N, d, u, s);
    },
    pNorm: () => Math.sqrt(ar.dot(p, p, d)),
    finite() {
      for (let i = 0; i < d; i++) if (!Number.isFinite(p[i])) return false;
      return true;
    },
    u: () => u,
    update() {
      // g = Xᵀ e ; Wg = W g (old W) ; W += p (−α g)ᵀ ; p -= α Wg
      // (−α·g, not −α·p: a vanishing gradient then leaves W exactly as it is
      // even when α·p overflows — the reduced engine keeps α out of its
      // coordinates, and the engines must agree on when a run diverges)
      ar.matTVec(X, N, d, e, g);
      ar.matVec(W, d, d, g, Wg);
      for (let i = 0; i < d; i++) ag[i] = -alpha * g[i];
      ar.ger(W, d, d, p, ag);
      for (let i = 0; i < d; i++) p[i] -= alpha * Wg[i];
    },
  };
}
