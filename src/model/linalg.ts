/**
 * Small float64 vector kernels for the per-step loops (row-major matrices,
 * explicit offsets). Dots use four accumulators to break the add dependency
 * chain; no allocation.
 */

/** Σ_{k<len} a[ao+k]·b[bo+k]. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return (s0 + s1) + (s2 + s3);
}

/** out[r] = Σ_q A[r, q]·x[q] for an rows×cols row-major A. */
export function matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) out[r] = dot(A, r * cols, x, 0, cols);
}

/** y[ yo + k ] += alpha · x[ xo + k ] for k < len. */
export function axpy(alpha: number, x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): void {
  for (let k = 0; k < len; k++) y[yo + k] += alpha * x[xo + k];
}

/** out[q] = Σ_r A[r, q]·x[r] (Aᵀx) for an rows×cols row-major A; out has length cols. */
export function matTVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const xr = x[r];
    if (xr !== 0) axpy(xr, A, r * cols, out, 0, cols);
  }
}
