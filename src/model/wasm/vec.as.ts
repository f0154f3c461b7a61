// AssemblyScript source of the WebAssembly SIMD per-step vector kernels of
// the reduced engine (re-exported by dense.as.ts, so `npm run build:wasm`
// puts them into dist/wasm/dense.wasm; driven by src/model/kernels/wasm.ts).
//
// Raw linear memory laid out by the JavaScript host: pointers are byte
// offsets, sizes element counts, matrices row-major float64. No allocation.
//
// Every kernel reproduces, bit for bit, the order of the TypeScript loops in
// src/model/kernels/ts.ts (mul then add — never fused):
//   * dot(a, b, len): four accumulators s0..s3 over lanes k mod 4 for the
//     first ⌊len/4⌋·4 terms, the remaining terms added to s0 one at a time,
//     result (s0 + s1) + (s2 + s3). Two f64x2 accumulators [s0 s1], [s2 s3]
//     are exactly those four scalars.
//   * Aᵀx accumulation: out[q] += x[r]·A[r, q], rows r in increasing order,
//     each term added separately.
//   * rank-1 update: A[r, q] += c[r]·e[q] (one rounding for the product, one
//     for the sum).

/** Σ a·b over one row, in the 4-accumulator order (see file header). */
@inline
function dotRow(a: usize, x: usize, len: i32): f64 {
  let p = f64x2.splat(0.0);
  let q = f64x2.splat(0.0);
  const k4 = len & ~3;
  for (let k = 0; k < k4; k += 4) {
    const o = <usize>k << 3;
    p = f64x2.add(p, f64x2.mul(v128.load(a + o), v128.load(x + o)));
    q = f64x2.add(q, f64x2.mul(v128.load(a + o, 16), v128.load(x + o, 16)));
  }
  let s0 = f64x2.extract_lane(p, 0);
  for (let k = k4; k < len; k++) {
    const o = <usize>k << 3;
    s0 += load<f64>(a + o) * load<f64>(x + o);
  }
  return (s0 + f64x2.extract_lane(p, 1)) + (f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1));
}

/** Finish a row dot from its two lane accumulators and its row tail. */
@inline
function finish(p: v128, q: v128, a: usize, x: usize, k4: i32, len: i32): f64 {
  let s0 = f64x2.extract_lane(p, 0);
  for (let k = k4; k < len; k++) {
    const o = <usize>k << 3;
    s0 += load<f64>(a + o) * load<f64>(x + o);
  }
  return (s0 + f64x2.extract_lane(p, 1)) + (f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1));
}

/** Σ_{k<len} a[k]·b[k] (4-accumulator order). */
export function vdot(a: usize, b: usize, len: i32): f64 {
  return dotRow(a, b, len);
}

/** out[r] = dot(A[r, :], x) for r < rows (A rows×cols); four rows per sweep of x. */
export function vmatVec(A: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const rowB = <usize>cols << 3;
  const k4 = cols & ~3;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = A + <usize>r * rowB, a1 = a0 + rowB, a2 = a1 + rowB, a3 = a2 + rowB;
    let p0 = f64x2.splat(0.0), q0 = f64x2.splat(0.0);
    let p1 = f64x2.splat(0.0), q1 = f64x2.splat(0.0);
    let p2 = f64x2.splat(0.0), q2 = f64x2.splat(0.0);
    let p3 = f64x2.splat(0.0), q3 = f64x2.splat(0.0);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k << 3;
      const x0 = v128.load(x + o), x1 = v128.load(x + o, 16);
      p0 = f64x2.add(p0, f64x2.mul(v128.load(a0 + o), x0));
      q0 = f64x2.add(q0, f64x2.mul(v128.load(a0 + o, 16), x1));
      p1 = f64x2.add(p1, f64x2.mul(v128.load(a1 + o), x0));
      q1 = f64x2.add(q1, f64x2.mul(v128.load(a1 + o, 16), x1));
      p2 = f64x2.add(p2, f64x2.mul(v128.load(a2 + o), x0));
      q2 = f64x2.add(q2, f64x2.mul(v128.load(a2 + o, 16), x1));
      p3 = f64x2.add(p3, f64x2.mul(v128.load(a3 + o), x0));
      q3 = f64x2.add(q3, f64x2.mul(v128.load(a3 + o, 16), x1));
    }
    const ob = out + (<usize>r << 3);
    store<f64>(ob, finish(p0, q0, a0, x, k4, cols));
    store<f64>(ob, finish(p1, q1, a1, x, k4, cols), 8);
    store<f64>(ob, finish(p2, q2, a2, x, k4, cols), 16);
    store<f64>(ob, finish(p3, q3, a3, x, k4, cols), 24);
  }
  for (; r < rows; r++) {
    store<f64>(out + (<usize>r << 3), dotRow(A + <usize>r * rowB, x, cols));
  }
}

/**
 * out[q] += Σ_r x[r]·A[r, q] for q < cols (A rows×cols), each term added
 * separately in increasing r; four rows per sweep of out.
 */
export function vmatTVecAcc(A: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const rowB = <usize>cols << 3;
  const k2 = cols & ~1;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = A + <usize>r * rowB, a1 = a0 + rowB, a2 = a1 + rowB, a3 = a2 + rowB;
    const xb = x + (<usize>r << 3);
    const c0 = load<f64>(xb), c1 = load<f64>(xb, 8), c2 = load<f64>(xb, 16), c3 = load<f64>(xb, 24);
    const s0 = f64x2.splat(c0), s1 = f64x2.splat(c1), s2 = f64x2.splat(c2), s3 = f64x2.splat(c3);
    for (let k = 0; k < k2; k += 2) {
      const o = <usize>k << 3;
      let v = v128.load(out + o);
      v = f64x2.add(v, f64x2.mul(s0, v128.load(a0 + o)));
      v = f64x2.add(v, f64x2.mul(s1, v128.load(a1 + o)));
      v = f64x2.add(v, f64x2.mul(s2, v128.load(a2 + o)));
      v = f64x2.add(v, f64x2.mul(s3, v128.load(a3 + o)));
      v128.store(out + o, v);
    }
    if (k2 < cols) {
      const o = <usize>k2 << 3;
      let v = load<f64>(out + o);
      v += c0 * load<f64>(a0 + o);
      v += c1 * load<f64>(a1 + o);
      v += c2 * load<f64>(a2 + o);
      v += c3 * load<f64>(a3 + o);
      store<f64>(out + o, v);
    }
  }
  for (; r < rows; r++) {
    const a0 = A + <usize>r * rowB;
    const c0 = load<f64>(x + (<usize>r << 3));
    const s0 = f64x2.splat(c0);
    for (let k = 0; k < k2; k += 2) {
      const o = <usize>k << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(s0, v128.load(a0 + o))));
    }
    if (k2 < cols) {
      const o = <usize>k2 << 3;
      store<f64>(out + o, load<f64>(out + o) + c0 * load<f64>(a0 + o));
    }
  }
}

/** A[r, q] += c[r]·e[q] for r < rows, q < cols (rank-1 update of A rows×cols). */
export function vger(A: usize, rows: i32, cols: i32, c: usize, e: usize): void {
  const rowB = <usize>cols << 3;
  const k2 = cols & ~1;
  for (let r = 0; r < rows; r++) {
    const a = A + <usize>r * rowB;
    const cr = load<f64>(c + (<usize>r << 3));
    const s = f64x2.splat(cr);
    for (let k = 0; k < k2; k += 2) {
      const o = <usize>k << 3;
      v128.store(a + o, f64x2.add(v128.load(a + o), f64x2.mul(s, v128.load(e + o))));
    }
    if (k2 < cols) {
      const o = <usize>k2 << 3;
      store<f64>(a + o, load<f64>(a + o) + cr * load<f64>(e + o));
    }
  }
}

/**
 * One pass over A (rows×cols): out[r] = dot(A[r, :], x) with the OLD row,
 * then A[r, :] += c[r]·e. Two rows at a time. x and e must not overlap A.
 */
export function vmatVecGer(A: usize, rows: i32, cols: i32, x: usize, out: usize, c: usize, e: usize): void {
  const rowB = <usize>cols << 3;
  const k4 = cols & ~3;
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const a0 = A + <usize>r * rowB, a1 = a0 + rowB;
    const cb = c + (<usize>r << 3);
    const c0 = load<f64>(cb), c1 = load<f64>(cb, 8);
    const g0 = f64x2.splat(c0), g1 = f64x2.splat(c1);
    let p0 = f64x2.splat(0.0), q0 = f64x2.splat(0.0);
    let p1 = f64x2.splat(0.0), q1 = f64x2.splat(0.0);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k << 3;
      const x0 = v128.load(x + o), x1 = v128.load(x + o, 16);
      const e0 = v128.load(e + o), e1 = v128.load(e + o, 16);
      const u0 = v128.load(a0 + o), u1 = v128.load(a0 + o, 16);
      const w0 = v128.load(a1 + o), w1 = v128.load(a1 + o, 16);
      p0 = f64x2.add(p0, f64x2.mul(u0, x0));
      q0 = f64x2.add(q0, f64x2.mul(u1, x1));
      p1 = f64x2.add(p1, f64x2.mul(w0, x0));
      q1 = f64x2.add(q1, f64x2.mul(w1, x1));
      v128.store(a0 + o, f64x2.add(u0, f64x2.mul(g0, e0)));
      v128.store(a0 + o, f64x2.add(u1, f64x2.mul(g0, e1)), 16);
      v128.store(a1 + o, f64x2.add(w0, f64x2.mul(g1, e0)));
      v128.store(a1 + o, f64x2.add(w1, f64x2.mul(g1, e1)), 16);
    }
    // tails: dot with the old values first, then update
    let s0 = f64x2.extract_lane(p0, 0);
    let t0 = f64x2.extract_lane(p1, 0);
    for (let k = k4; k < cols; k++) {
      const o = <usize>k << 3;
      const xv = load<f64>(x + o), ev = load<f64>(e + o);
      const u = load<f64>(a0 + o), w = load<f64>(a1 + o);
      s0 += u * xv;
      t0 += w * xv;
      store<f64>(a0 + o, u + c0 * ev);
      store<f64>(a1 + o, w + c1 * ev);
    }
    const ob = out + (<usize>r << 3);
    store<f64>(ob, (s0 + f64x2.extract_lane(p0, 1)) + (f64x2.extract_lane(q0, 0) + f64x2.extract_lane(q0, 1)));
    store<f64>(ob, (t0 + f64x2.extract_lane(p1, 1)) + (f64x2.extract_lane(q1, 0) + f64x2.extract_lane(q1, 1)), 8);
  }
  for (; r < rows; r++) {
    const a0 = A + <usize>r * rowB;
    const c0 = load<f64>(c + (<usize>r << 3));
    const g0 = f64x2.splat(c0);
    let p0 = f64x2.splat(0.0), q0 = f64x2.splat(0.0);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k << 3;
      const u0 = v128.load(a0 + o), u1 = v128.load(a0 + o, 16);
      p0 = f64x2.add(p0, f64x2.mul(u0, v128.load(x + o)));
      q0 = f64x2.add(q0, f64x2.mul(u1, v128.load(x + o, 16)));
      v128.store(a0 + o, f64x2.add(u0, f64x2.mul(g0, v128.load(e + o))));
      v128.store(a0 + o, f64x2.add(u1, f64x2.mul(g0, v128.load(e + o, 16))), 16);
    }
    let s0 = f64x2.extract_lane(p0, 0);
    for (let k = k4; k < cols; k++) {
      const o = <usize>k << 3;
      const u = load<f64>(a0 + o);
      s0 += u * load<f64>(x + o);
      store<f64>(a0 + o, u + c0 * load<f64>(e + o));
    }
    store<f64>(out + (<usize>r << 3), (s0 + f64x2.extract_lane(p0, 1)) + (f64x2.extract_lane(q0, 0) + f64x2.extract_lane(q0, 1)));
  }
}
