/**
 * The attention read-out and logistic loss on given logits (SPEC §2), shared
 * by every engine: from logits s (N = n·T) and the head projections
 * v = Xν (N) compute a = softmax per sequence, f_i = Σ_t a_it v_it, the loss
 * L = (1/n) Σ log(1 + exp(−y_i f_i)) and e = ∂L/∂s.
 */

/** softplus(z) = log(1 + eᶻ), stable for all z. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** logistic σ(z) = 1/(1 + e⁻ᶻ), stable for all z. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const ez = Math.exp(z);
  return ez / (1 + ez);
}

/**
 * Softmax per sequence and model outputs.
 *
 * @param s     logits, N = n·T
 * @param v     head projections νᵀx_it, N
 * @param a     out: attention weights, N
 * @param f     out: outputs f_i, n
 */
export function attend(s: Float64Array, v: Float64Array, n: number, T: number, a: Float64Array, f: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * T;
    let m = -Infinity;
    for (let t = 0; t < T; t++) if (s[o + t] > m) m = s[o + t];
    let z = 0;
    for (let t = 0; t < T; t++) {
      const w = Math.exp(s[o + t] - m);
      a[o + t] = w;
      z += w;
    }
    let fi = 0;
    for (let t = 0; t < T; t++) {
      a[o + t] /= z;
      fi += a[o + t] * v[o + t];
    }
    f[i] = fi;
  }
}

/**
 * Forward pass and e = ∂L/∂s: e_it = (∂L/∂f_i)·a_it·(v_it − f_i),
 * ∂L/∂f_i = −y_i σ(−y_i f_i)/n.
 *
 * @returns the training loss L
 */
export function forwardBackward(
  s: Float64Array, v: Float64Array, y: Float64Array, n: number, T: number,
  a: Float64Array, f: Float64Array, e: Float64Array,
): number {
  attend(s, v, n, T, a, f);
  let L = 0;
  for (let i = 0; i < n; i++) {
    const m = -y[i] * f[i];
    L += softplus(m);
    const g = (-y[i] * sigmoid(m)) / n;
    const o = i * T;
    for (let t = 0; t < T; t++) e[o + t] = g * a[o + t] * (v[o + t] - f[i]);
  }
  return L / n;
}

/** State of training at a checkpoint, handed to the observer. Arrays are views valid only during the call. */
export interface EngineState {
  step: number;
  /** logits, N */
  s: Float64Array;
  /** attention weights, N */
  a: Float64Array;
  /** outputs f_i, n */
  f: Float64Array;
  trainLoss: number;
  /** ‖p‖₂ */
  pNorm: number;
  /** u = Wᵀp in the engine's test space (d, or 2k for the wishart engine), computed on demand */
  u(): Float64Array;
  /** test accuracy and loss at this checkpoint, when the run has a `test` evaluator */
  test?: { acc: number; loss: number };
}

/** Options common to every engine. */
export interface EngineRun {
  alpha: number;
  steps: number;
  /** sorted steps at which `observe` is called (0 ≤ step ≤ steps) */
  checkpoints: readonly number[];
  /** test evaluation of u = Wᵀp at each checkpoint (its outputs are checked for non-finite values) */
  test?(u: Float64Array): { acc: number; loss: number };
  /** called at each checkpoint; return false to stop early */
  observe(state: EngineState): boolean | void;
}

/** What an engine reports at the end. */
export interface EngineReport {
  /** step at which loss, logits, coordinates, ‖p‖, u or test outputs became non-finite, or null */
  divergedAt: number | null;
  /** steps actually done */
  stepsDone: number;
}
