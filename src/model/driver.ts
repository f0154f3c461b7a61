/**
 * The training driver shared by every engine (SPEC §2–3): full-batch GD from
 * an engine's state, checkpoints, test evaluation at checkpoints, detection
 * of non-finite state and early stop. Engines only supply a {@link Stepper}
 * — how to get the logits of the current iterate, ‖p‖, u = Wᵀp, and how to
 * apply one update — so every engine detects divergence the same way
 * (SPEC §3: "a run whose loss or weights become non-finite is `diverged`"):
 *
 *  - every step: the loss, every logit, the engine's coordinates (p, or c of
 *    the reduced engines) and ‖p‖ (O(d) or O(N) — cheap beside a step) must
 *    be finite;
 *  - every checkpoint: also u = Wᵀp and the test outputs (test loss and
 *    accuracy) must be finite.
 * (A run frozen by a saturated softmax with ‖p‖ beyond the float range —
 * α = 1e200 — is `diverged` in every engine: its ‖p‖ cannot be recorded.)
 * The first step at which one is not is reported as `divergedAt`; the state of
 * that step is not observed.
 */
import { forwardBackward, type EngineReport, type EngineRun } from './forward.js';

/** What an engine supplies to the driver. Arrays it returns are valid until its next call. */
export interface Stepper {
  /** samples n and tokens per sequence T (N = n·T logits) */
  readonly n: number;
  readonly T: number;
  /** observed labels ±1 (n) */
  readonly y: Float64Array;
  /** head projections νᵀx_it (N) */
  readonly v: Float64Array;
  /** the engine's logits buffer (N), filled by {@link Stepper.logits} */
  readonly s: Float64Array;
  /** the engine's buffer for e = ∂L/∂s (N), filled by the driver before {@link Stepper.update} */
  readonly e: Float64Array;
  /** Write the logits s = X Wᵀp of the current iterate into `s`. */
  logits(): void;
  /** ‖p‖₂ of the current iterate (after {@link Stepper.logits} of the same step). */
  pNorm(): number;
  /** Whether every coordinate of the iterate (p, or its reduced coefficients) is finite. */
  finite(): boolean;
  /** u = Wᵀp of the current iterate in the engine's test space (after {@link Stepper.logits}). */
  u(): Float64Array;
  /** One GD update (both parameters from the same iterate) from e = ∂L/∂s in `e`. */
  update(): void;
}

function allFinite(x: Float64Array, len = x.length): boolean {
  for (let i = 0; i < len; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Run gradient descent for `run.steps` steps, observing at `run.checkpoints`.
 *
 * @param st   the engine's state (modified)
 * @param run  step size α, horizon, sorted checkpoint steps, optional test
 *             evaluation of u and the observer (return false to stop)
 * @returns the divergence step (or null) and the steps done
 */
export function drive(st: Stepper, run: EngineRun): EngineReport {
  const { n, T, y, v, s, e } = st;
  const N = n * T;
  const a = new Float64Array(N);
  const f = new Float64Array(n);
  const { steps, checkpoints } = run;
  let ci = 0;
  for (let step = 0; step <= steps; step++) {
    st.logits();
    const loss = forwardBackward(s, v, y, n, T, a, f, e);
    const pNorm = st.pNorm();
    if (!Number.isFinite(loss) || !allFinite(s) || !st.finite() || !Number.isFinite(pNorm)) return { divergedAt: step, stepsDone: step };
    if (ci < checkpoints.length && checkpoints[ci] === step) {
      ci++;
      let test;
      if (run.test) {
        const u = st.u();
        if (!allFinite(u)) return { divergedAt: step, stepsDone: step };
        test = run.test(u);
        if (!Number.isFinite(test.acc) || !Number.isFinite(test.loss)) return { divergedAt: step, stepsDone: step };
      }
      const go = run.observe({ step, s, a, f, trainLoss: loss, pNorm, u: () => st.u(), test });
      if (go === false) return { divergedAt: null, stepsDone: step };
    }
    if (step === steps) break;
    st.update();
  }
  return { divergedAt: null, stepsDone: steps };
}
