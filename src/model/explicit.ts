/**
 * Explicit engine: keeps W (d×d) and p (d) and does full-batch GD exactly as
 * SPEC §2, matrix-free per step (never forms X·W): u = Wᵀp, s = X·u,
 * g = Xᵀe, ∇_W L = p gᵀ, ∇_p L = W g. Cost per step ≈ 3d² + 4Nd
 * multiply-adds (SPEC §4).
 */
import type { Problem } from './data.js';
import { type EngineReport, type EngineRun, forwardBackward } from './forward.js';
import { axpy, matTVec, matVec } from './linalg.js';

function finite(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Train by explicit GD. W₀ and p₀ of `problem` are not modified (copied).
 *
 * @param problem  X (N×d), y (n), W0 (d×d), p0 (d), nu (d)
 * @param run      step size, horizon, checkpoint observer
 */
export function trainExplicit(problem: Problem, run: EngineRun): EngineReport {
  const { d, n, T, X, y, nu } = problem;
  const N = n * T;
  const W = Float64Array.from(problem.W0);
  const p = Float64Array.from(problem.p0);
  const v = new Float64Array(N);
  matVec(X, N, d, nu, v);
  const u = new Float64Array(d);
  const s = new Float64Array(N);
  const a = new Float64Array(N);
  const f = new Float64Array(n);
  const e = new Float64Array(N);
  const g = new Float64Array(d);
  const Wg = new Float64Array(d);
  const { alpha, steps, checkpoints } = run;
  let ci = 0;
  for (let step = 0; step <= steps; step++) {
    // u = Wᵀ p ; s = X u
    matTVec(W, d, d, p, u);
    matVec(X, N, d, u, s);
    const loss = forwardBackward(s, v, y, n, T, a, f, e);
    if (!Number.isFinite(loss) || !finite(s)) return { divergedAt: step, stepsDone: step };
    if (ci < checkpoints.length && checkpoints[ci] === step) {
      ci++;
      let pp = 0;
      for (let i = 0; i < d; i++) pp += p[i] * p[i];
      const stop = run.observe({ step, s, a, f, trainLoss: loss, pNorm: Math.sqrt(pp), u: () => u });
      if (stop === false) return { divergedAt: null, stepsDone: step };
    }
    if (step === steps) break;
    // g = Xᵀ e ; Wg = W g (old W) ; W -= α p gᵀ ; p -= α Wg
    matTVec(X, N, d, e, g);
    matVec(W, d, d, g, Wg);
    for (let i = 0; i < d; i++) if (p[i] !== 0) axpy(-alpha * p[i], g, 0, W, i * d, d);
    for (let i = 0; i < d; i++) p[i] -= alpha * Wg[i];
  }
  return { divergedAt: null, stepsDone: steps };
}
