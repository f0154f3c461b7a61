/**
 * The TypeScript kernel table: plain loops in the reference operation order
 * (see `index.ts`). Every other backend reproduces these results bit for bit.
 */
import type { DenseImpl, KernelTable, VecImpl } from './types.js';

// ---------------------------------------------------------------------------
// Dense kernels (one-off products with W₀, SPEC §4, §6)
// ---------------------------------------------------------------------------

/** out (b×m) = A (b×d) · Bm (d×m); each element summed over k in increasing order from +0. */
function tsBlockTimes(A: Float64Array, b: number, d: number, Bm: Float64Array, m: number, out: Float64Array): void {
  out.fill(0, 0, b * m);
  // 4 rows of out at a time; k advances by 4 so each out element is loaded and
  // stored once per 4 terms (still added one at a time, in k order)
  let r = 0;
  for (; r < b; r += 4) {
    const nr = Math.min(4, b - r);
    const o0 = r * m;
    const a0 = r * d;
    let k = 0;
    for (; k + 4 <= d; k += 4) {
      const b0 = k * m, b1 = b0 + m, b2 = b1 + m, b3 = b2 + m;
      for (let i = 0; i < nr; i++) {
        const ai = a0 + i * d;
        const oi = o0 + i * m;
        const w0 = A[ai + k], w1 = A[ai + k + 1], w2 = A[ai + k + 2], w3 = A[ai + k + 3];
        for (let j = 0; j < m; j++) {
          let s = out[oi + j];
          s += w0 * Bm[b0 + j];
          s += w1 * Bm[b1 + j];
          s += w2 * Bm[b2 + j];
          s += w3 * Bm[b3 + j];
          out[oi + j] = s;
        }
      }
    }
    for (; k < d; k++) {
      const bk = k * m;
      for (let i = 0; i < nr; i++) {
        const w = A[a0 + i * d + k];
        const oi = o0 + i * m;
        for (let j = 0; j < m; j++) out[oi + j] += w * Bm[bk + j];
      }
    }
  }
}

/** R (d×m) += Aᵀ (d×b) · Y (b×m), terms added one at a time in increasing r. */
function tsAccumTransposeTimes(A: Float64Array, b: number, d: number, Y: Float64Array, m: number, R: Float64Array): void {
  let r = 0;
  for (; r + 4 <= b; r += 4) {
    const y0 = r * m, y1 = y0 + m, y2 = y1 + m, y3 = y2 + m;
    const a0 = r * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
    for (let k = 0; k < d; k++) {
      const w0 = A[a0 + k], w1 = A[a1 + k], w2 = A[a2 + k], w3 = A[a3 + k];
      const rk = k * m;
      for (let j = 0; j < m; j++) {
        // four terms added one at a time, in r order (not summed first)
        let s = R[rk + j];
        s += w0 * Y[y0 + j];
        s += w1 * Y[y1 + j];
        s += w2 * Y[y2 + j];
        s += w3 * Y[y3 + j];
        R[rk + j] = s;
      }
    }
  }
  for (; r < b; r++) {
    const y0 = r * m, a0 = r * d;
    for (let k = 0; k < d; k++) {
      const w0 = A[a0 + k];
      const rk = k * m;
      for (let j = 0; j < m; j++) R[rk + j] += w0 * Y[y0 + j];
    }
  }
}

/** out (m×m) = PᵀP for P d×m; upper triangle summed over increasing i, then mirrored. */
function tsGramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void {
  out.fill(0, 0, m * m);
  // i advances by 4: each upper-triangle element is loaded/stored once per 4 terms
  let i = 0;
  for (; i + 4 <= d; i += 4) {
    const p0 = i * m, p1 = p0 + m, p2 = p1 + m, p3 = p2 + m;
    for (let a = 0; a < m; a++) {
      const x0 = P[p0 + a], x1 = P[p1 + a], x2 = P[p2 + a], x3 = P[p3 + a];
      const oa = a * m;
      for (let c = a; c < m; c++) {
        let s = out[oa + c];
        s += x0 * P[p0 + c];
        s += x1 * P[p1 + c];
        s += x2 * P[p2 + c];
        s += x3 * P[p3 + c];
        out[oa + c] = s;
      }
    }
  }
  for (; i < d; i++) {
    const pi = i * m;
    for (let a = 0; a < m; a++) {
      const x = P[pi + a];
      const oa = a * m;
      for (let c = a; c < m; c++) out[oa + c] += x * P[pi + c];
    }
  }
  for (let a = 0; a < m; a++) for (let c = a + 1; c < m; c++) out[c * m + a] = out[a * m + c];
}

// ---------------------------------------------------------------------------
// Vector kernels (per-step loops)
// ---------------------------------------------------------------------------

/**
 * Σ_{k<len} a[ao+k]·b[bo+k] in the 4-accumulator order (see `index.ts`).
 * No checks: the caller keeps ao+len ≤ a.length and bo+len ≤ b.length.
 */
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

/** out[r] = dot(A[r, :], x) for an rows×cols row-major A. No checks. */
export function matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) out[r] = dot(A, r * cols, x, 0, cols);
}

/** y[yo + k] += alpha · x[xo + k] for k < len (product rounded, then added). No checks. */
export function axpy(alpha: number, x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): void {
  for (let k = 0; k < len; k++) y[yo + k] += alpha * x[xo + k];
}

/**
 * out[q] = Σ_r A[r, q]·x[r] (Aᵀx), out zeroed first; terms added one at a time
 * in increasing r; rows with x[r] = 0 are skipped. No checks.
 */
export function matTVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const xr = x[r];
    if (xr !== 0) axpy(xr, A, r * cols, out, 0, cols);
  }
}

/** out[q] += Σ_r x[r]·A[r, q], rows in increasing order, each term added separately; no row skipped. */
export function matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = r * cols, a1 = a0 + cols, a2 = a1 + cols, a3 = a2 + cols;
    const c0 = x[r], c1 = x[r + 1], c2 = x[r + 2], c3 = x[r + 3];
    for (let q = 0; q < cols; q++) {
      let v = out[q];
      v += c0 * A[a0 + q];
      v += c1 * A[a1 + q];
      v += c2 * A[a2 + q];
      v += c3 * A[a3 + q];
      out[q] = v;
    }
  }
  for (; r < rows; r++) {
    const a0 = r * cols, c0 = x[r];
    for (let q = 0; q < cols; q++) out[q] += c0 * A[a0 + q];
  }
}

/** Rank-1 update A[r, q] += c[r]·e[q]. */
export function ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const a0 = r * cols, cr = c[r];
    for (let q = 0; q < cols; q++) A[a0 + q] += cr * e[q];
  }
}

/** Fused: out[r] = dot(A[r, :], x) with the old row, then A[r, :] += c[r]·e. */
export function matVecGer(
  A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const a0 = r * cols, cr = c[r];
    out[r] = dot(A, a0, x, 0, cols);
    for (let q = 0; q < cols; q++) A[a0 + q] += cr * e[q];
  }
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

function checkArr(fn: string, name: string, a: Float64Array, len: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${fn}: ${name} must be a Float64Array`);
  if (a.length < len) throw new RangeError(`${fn}: ${name} has ${a.length} elements, needs ${len}`);
}

class TsDense implements DenseImpl {
  private right: Float64Array | undefined;
  private acc: Float64Array | undefined;
  setRight(Bm: Float64Array, d: number, m: number): void { this.right = Bm.slice(0, d * m); }
  blockTimes(A: Float64Array, b: number, d: number, m: number, out: Float64Array): void { tsBlockTimes(A, b, d, this.right!, m, out); }
  setAccumulator(d: number, m: number, R?: Float64Array): void { this.acc = R ? R.slice(0, d * m) : new Float64Array(d * m); }
  accumTransposeTimes(A: Float64Array, b: number, d: number, Y: Float64Array, m: number): void {
    tsAccumTransposeTimes(A, b, d, Y, m, this.acc!);
  }
  readAccumulator(out: Float64Array): void { out.set(this.acc!); }
  gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void { tsGramColumns(P, d, m, out); }
}

class TsVec implements VecImpl {
  readonly memoryBytes = 0;
  alloc(lengths: readonly number[]): Float64Array[] { return lengths.map((n) => new Float64Array(n)); }
  release(): void {}
  dot(a: Float64Array, b: Float64Array, len: number): number {
    checkArr('dot', 'a', a, len);
    checkArr('dot', 'b', b, len);
    return dot(a, 0, b, 0, len);
  }
  matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    checkArr('matVec', 'A', A, rows * cols);
    checkArr('matVec', 'x', x, cols);
    checkArr('matVec', 'out', out, rows);
    matVec(A, rows, cols, x, out);
  }
  matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    checkArr('matTVecAcc', 'A', A, rows * cols);
    checkArr('matTVecAcc', 'x', x, rows);
    checkArr('matTVecAcc', 'out', out, cols);
    matTVecAcc(A, rows, cols, x, out);
  }
  ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
    checkArr('ger', 'A', A, rows * cols);
    checkArr('ger', 'c', c, rows);
    checkArr('ger', 'e', e, cols);
    ger(A, rows, cols, c, e);
  }
  matVecGer(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array): void {
    const f = 'matVecGer';
    checkArr(f, 'A', A, rows * cols);
    checkArr(f, 'x', x, cols);
    checkArr(f, 'out', out, rows);
    checkArr(f, 'c', c, rows);
    checkArr(f, 'e', e, cols);
    matVecGer(A, rows, cols, x, out, c, e);
  }
}

/** The TypeScript backend: always available. */
export const TS_KERNELS: KernelTable = {
  name: 'typescript',
  dense: () => new TsDense(),
  vec: () => new TsVec(),
};
