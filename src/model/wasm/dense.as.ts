// AssemblyScript source of the WebAssembly SIMD dense kernels (compiled by
// `npm run build:wasm` into dist/wasm/dense.wasm; loaded by src/model/kernels/wasm.ts).
//
// Everything works on raw linear memory laid out by the JavaScript host:
// pointers are byte offsets, sizes are element counts, matrices are float64.
// The one product primitive is
//
//     C[i, j] += Σ_p A[i, p] · B[p, j]        (p = 0, 1, …, K-1 in order)
//
// evaluated with f64x2.mul then f64x2.add (never fused), so every output
// element sees exactly the same sequence of IEEE roundings as the scalar
// TypeScript loop `c += a * b` over p in increasing order.
//
// Operands are first packed:
//   * A into panels of MR rows: Ap[panel][p][i] = A[panel·MR + i, p]
//     (rows past M are zero), panel stride K·MR elements;
//   * B into strips of NR columns: Bp[strip][p][j] = B[p, strip·NR + j]
//     (columns past N are zero), strip stride K·NR elements.
// The zero padding only feeds lanes that are never stored.

const MR: i32 = 4;
const NR: i32 = 4;

/** Block sizes (elements): KC along p (B strip KC·NR·8 bytes stays in L1),
 *  MC along i (A block MC·KC·8 bytes stays in L2). */
let KC: i32 = 256;
let MC: i32 = 128;

export function setBlocking(kc: i32, mc: i32): void {
  KC = kc > 0 ? kc : 256;
  MC = mc > 0 ? (mc + MR - 1) / MR * MR : 128;
}

export function panelRows(): i32 { return MR; }
export function stripCols(): i32 { return NR; }

/**
 * Pack an M×K operand with element (i, p) at src + 8·(i·rs + p·cs) into
 * MR-row panels at dst (ceil(M/MR)·MR·K doubles).
 */
export function packA(src: usize, M: i32, K: i32, rs: i32, cs: i32, dst: usize): void {
  const panels = (M + MR - 1) / MR;
  let d = dst;
  for (let q = 0; q < panels; q++) {
    const i0 = q * MR;
    const rows = min(MR, M - i0);
    if (rows == MR && cs == 1) {
      // row-major source: four row pointers advance together
      const s0 = src + (<usize>(i0 * rs) << 3);
      const s1 = s0 + (<usize>rs << 3), s2 = s1 + (<usize>rs << 3), s3 = s2 + (<usize>rs << 3);
      for (let p = 0; p < K; p++) {
        const o = <usize>p << 3;
        store<f64>(d, load<f64>(s0 + o));
        store<f64>(d, load<f64>(s1 + o), 8);
        store<f64>(d, load<f64>(s2 + o), 16);
        store<f64>(d, load<f64>(s3 + o), 24);
        d += 32;
      }
    } else if (rows == MR && rs == 1) {
      // transposed source: the four values of one p are contiguous
      let s = src + (<usize>i0 << 3);
      const step = <usize>cs << 3;
      for (let p = 0; p < K; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += 32;
      }
    } else {
      for (let p = 0; p < K; p++) {
        for (let i = 0; i < MR; i++) {
          const v: f64 = i < rows ? load<f64>(src + (<usize>((i0 + i) * rs + p * cs) << 3)) : 0.0;
          store<f64>(d, v);
          d += 8;
        }
      }
    }
  }
}

/**
 * Pack a K×N row-major operand (row stride ldb elements) at src into
 * NR-column strips at dst (ceil(N/NR)·NR·K doubles).
 */
export function packB(src: usize, K: i32, N: i32, ldb: i32, dst: usize): void {
  const strips = (N + NR - 1) / NR;
  const rowBytes = <usize>ldb << 3;
  let d = dst;
  for (let s = 0; s < strips; s++) {
    const j0 = s * NR;
    const cols = min(NR, N - j0);
    let p0 = src + (<usize>j0 << 3);
    if (cols == NR) {
      for (let p = 0; p < K; p++) {
        v128.store(d, v128.load(p0));
        v128.store(d, v128.load(p0, 16), 16);
        p0 += rowBytes;
        d += 32;
      }
    } else {
      for (let p = 0; p < K; p++) {
        for (let j = 0; j < NR; j++) {
          store<f64>(d, j < cols ? load<f64>(p0 + (<usize>j << 3)) : 0.0);
          d += 8;
        }
        p0 += rowBytes;
      }
    }
  }
}

/** 4×4 micro-kernel: C tile (row stride ldc bytes) += Ap(4×kc) · Bp(kc×4). */
@inline
function kernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let x00 = v128.load(c), x01 = v128.load(c, 16);
  let x10 = v128.load(c1), x11 = v128.load(c1, 16);
  let x20 = v128.load(c2), x21 = v128.load(c2, 16);
  let x30 = v128.load(c3), x31 = v128.load(c3, 16);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load64_splat(a);
    x00 = f64x2.add(x00, f64x2.mul(s, b0));
    x01 = f64x2.add(x01, f64x2.mul(s, b1));
    s = v128.load64_splat(a, 8);
    x10 = f64x2.add(x10, f64x2.mul(s, b0));
    x11 = f64x2.add(x11, f64x2.mul(s, b1));
    s = v128.load64_splat(a, 16);
    x20 = f64x2.add(x20, f64x2.mul(s, b0));
    x21 = f64x2.add(x21, f64x2.mul(s, b1));
    s = v128.load64_splat(a, 24);
    x30 = f64x2.add(x30, f64x2.mul(s, b0));
    x31 = f64x2.add(x31, f64x2.mul(s, b1));
    a += 32;
    b += 32;
  }
  v128.store(c, x00); v128.store(c, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

/**
 * C (M×N, row stride ldc elements) += A·B with A packed by packA (M×K) at ap
 * and B packed by packB (K×N) at bp. If upper ≠ 0, only tiles that meet the
 * upper triangle j ≥ i are computed (for symmetric products; the remaining
 * tiles are left untouched). scratch: 16-byte-aligned room for MR·NR doubles.
 */
export function gemm(
  M: i32, N: i32, K: i32, ap: usize, bp: usize, c: usize, ldc: i32, upper: i32, scratch: usize,
): void {
  const ldcB = <usize>ldc << 3;
  const strips = (N + NR - 1) / NR;
  const panels = (M + MR - 1) / MR;
  const kcMax = KC, mcPanels = MC / MR;
  for (let pc = 0; pc < K; pc += kcMax) {
    const kc = min(kcMax, K - pc);
    for (let q0 = 0; q0 < panels; q0 += mcPanels) {
      const q1 = min(panels, q0 + mcPanels);
      for (let s = 0; s < strips; s++) {
        const j0 = s * NR;
        const cols = min(NR, N - j0);
        const bs = bp + ((<usize>s * <usize>K + <usize>pc) * <usize>NR << 3);
        let qEnd = q1;
        if (upper != 0) {
          // tile (q, s) meets j ≥ i iff q·MR ≤ j0 + cols − 1
          const qLast = (j0 + cols - 1) / MR + 1;
          if (qLast < qEnd) qEnd = qLast;
        }
        for (let q = q0; q < qEnd; q++) {
          const i0 = q * MR;
          const rows = min(MR, M - i0);
          const as = ap + ((<usize>q * <usize>K + <usize>pc) * <usize>MR << 3);
          const ct = c + ((<usize>i0 * <usize>ldc + <usize>j0) << 3);
          if (rows == MR && cols == NR) {
            kernel(kc, as, bs, ct, ldcB);
          } else {
            for (let i = 0; i < MR; i++) {
              for (let j = 0; j < NR; j++) {
                const v: f64 = i < rows && j < cols ? load<f64>(ct + <usize>i * ldcB + (<usize>j << 3)) : 0.0;
                store<f64>(scratch + (<usize>(i * NR + j) << 3), v);
              }
            }
            kernel(kc, as, bs, scratch, <usize>NR << 3);
            for (let i = 0; i < rows; i++) {
              for (let j = 0; j < cols; j++) {
                store<f64>(ct + <usize>i * ldcB + (<usize>j << 3), load<f64>(scratch + (<usize>(i * NR + j) << 3)));
              }
            }
          }
        }
      }
    }
  }
}

/** Copy the strict upper triangle of the m×m row-major matrix at c to the lower. */
export function mirrorUpper(c: usize, m: i32): void {
  const rowB = <usize>m << 3;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      store<f64>(c + <usize>b * rowB + (<usize>a << 3), load<f64>(c + <usize>a * rowB + (<usize>b << 3)));
    }
  }
}

// Per-step vector kernels of the engines (driven by src/model/kernels/wasm.ts).
export * from './vec.as';
