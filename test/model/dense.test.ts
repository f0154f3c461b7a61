import { afterEach, describe, expect, it } from 'vitest';
import { DenseWorkspace, accumTransposeTimes, blockTimes, gramColumns, releaseDenseMemory } from '../../src/model/dense.js';
import { kernelBackend, setKernelBackend, wasmKernelsAvailable, wasmKernelsError } from '../../src/model/kernels/index.js';
import type { KernelBackend } from '../../src/model/kernels/types.js';

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

/** Deterministic uniform(-1, 1) values (splitmix-ish LCG). */
function rand(n: number, seed: number): Float64Array {
  let s = (seed * 2654435761) >>> 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s = (s ^ (s >>> 12)) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

function naiveTimes(A: Float64Array, b: number, d: number, B: Float64Array, m: number): Float64Array {
  const out = new Float64Array(b * m);
  for (let r = 0; r < b; r++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[r * d + k] * B[k * m + j];
    out[r * m + j] = s;
  }
  return out;
}

function naiveAccT(A: Float64Array, b: number, d: number, Y: Float64Array, m: number, R0: Float64Array): Float64Array {
  const R = R0.slice();
  for (let k = 0; k < d; k++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let r = 0; r < b; r++) s += A[r * d + k] * Y[r * m + j];
    R[k * m + j] += s;
  }
  return R;
}

function naiveGram(P: Float64Array, d: number, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += P[i * m + a] * P[i * m + c];
    out[a * m + c] = s;
  }
  return out;
}

/** |x − y| ≤ tol·(Σ|terms| scale); scale passed per element. */
function expectClose(got: Float64Array, want: Float64Array, scale: Float64Array | number, tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const sc = typeof scale === 'number' ? scale : scale[i];
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * Math.max(sc, Math.abs(want[i]), 1e-300))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]} (rel err ${err / Math.max(sc, Math.abs(want[i]))})`);
    }
  }
}

function expectBitwise(x: Float64Array, y: Float64Array): void {
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) throw new Error(`element ${i}: ${x[i]} vs ${y[i]} differ`);
  }
}

/** Σ|a||b| scale of each entry of A·B, for a relative tolerance. */
function absTimes(A: Float64Array, b: number, d: number, B: Float64Array, m: number): Float64Array {
  return naiveTimes(A.map(Math.abs), b, d, B.map(Math.abs), m);
}

// (b, d, m): odd, small, b not a multiple of 4, m not a multiple of 4, d = 1,
// and sizes spanning the wasm cache blocks (KC = 256, MC = 128) and chunks
const shapes: [number, number, number][] = [
  [1, 1, 1], [3, 1, 5], [4, 1, 4], [5, 7, 3], [7, 13, 9], [8, 8, 8], [9, 17, 11], [13, 5, 1],
  [1, 40, 33], [31, 2, 6], [64, 300, 162], [66, 257, 37], [130, 520, 19], [6, 1100, 7],
  [600, 1100, 7], // several streamed row chunks of A in the wasm backend
];
// (d, m) for P = d×m; 3500×162 spans two streamed row chunks in the wasm backend
const gramShapes: [number, number][] = [
  [1, 1], [1, 6], [3, 5], [17, 9], [40, 33], [300, 162], [257, 37], [3500, 162], [5000, 3],
];

const backends: KernelBackend[] = wasmKernelsAvailable() ? ['typescript', 'wasm-simd'] : ['typescript'];

describe('dense backend selection', () => {
  it('uses the wasm-simd backend after `npm run build:wasm`', () => {
    if (process.env.ATTN_PHASE_NO_WASM === '1') {
      expect(kernelBackend()).toBe('typescript');
      return;
    }
    expect(wasmKernelsError()).toBeUndefined();
    expect(wasmKernelsAvailable()).toBe(true);
    expect(initial).toBe('wasm-simd');
  });

  it('can be switched to typescript and back', () => {
    setKernelBackend('typescript');
    expect(kernelBackend()).toBe('typescript');
    if (wasmKernelsAvailable()) {
      setKernelBackend('wasm-simd');
      expect(kernelBackend()).toBe('wasm-simd');
    } else {
      expect(() => setKernelBackend('wasm-simd')).toThrow();
    }
  });
});

describe.each(backends)('dense kernels (%s) vs naive loops', (backend) => {
  it.each(shapes)('blockTimes b=%i d=%i m=%i', (b, d, m) => {
    setKernelBackend(backend);
    const A = rand(b * d, 1 + b), B = rand(d * m, 2 + m);
    const out = new Float64Array(b * m).fill(NaN);
    blockTimes(A, b, d, B, m, out);
    expectClose(out, naiveTimes(A, b, d, B, m), absTimes(A, b, d, B, m));
  });

  it.each(shapes)('accumTransposeTimes b=%i d=%i m=%i', (b, d, m) => {
    setKernelBackend(backend);
    const A = rand(b * d, 3 + d), Y = rand(b * m, 4 + b), R0 = rand(d * m, 5);
    const R = R0.slice();
    accumTransposeTimes(A, b, d, Y, m, R);
    const At = new Float64Array(d * b);
    for (let r = 0; r < b; r++) for (let k = 0; k < d; k++) At[k * b + r] = A[r * d + k];
    const scale = absTimes(At, d, b, Y, m).map((v, i) => v + Math.abs(R0[i]));
    expectClose(R, naiveAccT(A, b, d, Y, m, R0), scale);
  });

  it.each(gramShapes)('gramColumns d=%i m=%i', (rows, m) => {
    setKernelBackend(backend);
    const P = rand(rows * m, 6 + m);
    const out = new Float64Array(m * m).fill(NaN);
    gramColumns(P, rows, m, out);
    const want = naiveGram(P, rows, m);
    const Pt = new Float64Array(m * rows);
    for (let i = 0; i < rows; i++) for (let a = 0; a < m; a++) Pt[a * rows + i] = P[i * m + a];
    expectClose(out, want, absTimes(Pt, m, rows, P, m));
    for (let a = 0; a < m; a++) for (let c = 0; c < a; c++) expect(Object.is(out[a * m + c], out[c * m + a])).toBe(true);
  });

  it('handles empty shapes', () => {
    setKernelBackend(backend);
    const out = new Float64Array(6).fill(7);
    blockTimes(new Float64Array(0), 2, 0, new Float64Array(0), 3, out);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0]);
    const R = rand(12, 9), R0 = R.slice();
    accumTransposeTimes(new Float64Array(0), 0, 4, new Float64Array(0), 3, R);
    expectBitwise(R, R0);
    const g = new Float64Array(4).fill(7);
    gramColumns(new Float64Array(0), 0, 2, g);
    expect([...g]).toEqual([0, 0, 0, 0]);
  });

  it('rejects bad shapes and short arrays', () => {
    setKernelBackend(backend);
    expect(() => blockTimes(new Float64Array(5), 2, 3, new Float64Array(9), 3, new Float64Array(6))).toThrow(RangeError);
    expect(() => blockTimes(new Float64Array(6), 2.5, 3, new Float64Array(9), 3, new Float64Array(6))).toThrow(RangeError);
    expect(() => accumTransposeTimes(new Float64Array(6), 2, 3, new Float64Array(6), 3, new Float64Array(8))).toThrow(RangeError);
    expect(() => gramColumns(new Float64Array(6), 2, 3, new Float64Array(8))).toThrow(RangeError);
  });

  it('blocked accumulation equals one whole call, bit for bit', () => {
    setKernelBackend(backend);
    const d = 45, m = 11, b = 7;
    const W = rand(d * d, 10), Y = rand(d * m, 11);
    const whole = new Float64Array(d * m);
    accumTransposeTimes(W, d, d, Y, m, whole);
    const blocked = new Float64Array(d * m);
    for (let i0 = 0; i0 < d; i0 += b) {
      const rows = Math.min(b, d - i0);
      accumTransposeTimes(W.subarray(i0 * d, (i0 + rows) * d), rows, d, Y.subarray(i0 * m, (i0 + rows) * m), m, blocked);
    }
    expectBitwise(blocked, whole);
  });
});

describe.runIf(wasmKernelsAvailable())('wasm-simd and typescript agree bit for bit', () => {
  function both<T>(f: () => T): [T, T] {
    setKernelBackend('typescript');
    const t = f();
    setKernelBackend('wasm-simd');
    const w = f();
    return [t, w];
  }

  it.each(shapes)('blockTimes / accumTransposeTimes b=%i d=%i m=%i', (b, d, m) => {
    const A = rand(b * d, 20 + b), B = rand(d * m, 21 + d), Y = rand(b * m, 22), R0 = rand(d * m, 23);
    const [o1, o2] = both(() => { const o = new Float64Array(b * m); blockTimes(A, b, d, B, m, o); return o; });
    expectBitwise(o1, o2);
    const [r1, r2] = both(() => { const R = R0.slice(); accumTransposeTimes(A, b, d, Y, m, R); return R; });
    expectBitwise(r1, r2);
  });

  it.each(gramShapes)('gramColumns d=%i m=%i', (d, m) => {
    const P = rand(d * m, 24 + m);
    const [g1, g2] = both(() => { const g = new Float64Array(m * m); gramColumns(P, d, m, g); return g; });
    expectBitwise(g1, g2);
  });

  it('with subnormal, signed-zero and large-magnitude inputs', () => {
    const b = 6, d = 9, m = 7;
    const A = rand(b * d, 30).map((v, i) => (i % 5 === 0 ? v * 1e-310 : i % 7 === 0 ? -0 : v * 1e150));
    const B = rand(d * m, 31).map((v, i) => (i % 3 === 0 ? v * 1e-300 : v * 1e150));
    const [o1, o2] = both(() => { const o = new Float64Array(b * m); blockTimes(A, b, d, B, m, o); return o; });
    expectBitwise(o1, o2);
    const [g1, g2] = both(() => { const g = new Float64Array(m * m); gramColumns(B, d, m, g); return g; });
    expectBitwise(g1, g2);
  });

  it('DenseWorkspace streams blocks with resident operands, same bits as the plain functions', () => {
    const d = 203, N = 37, m = N + 2, blk = 18;
    const W = rand(d * d, 40), Et = rand(d * N, 41);
    const results = (['typescript', 'wasm-simd'] as const).map((backend) => {
      const ws = new DenseWorkspace(backend);
      expect(ws.backend).toBe(backend);
      ws.setRight(Et, d, N);
      ws.setAccumulator(d, m);
      const P = new Float64Array(d * N);
      const Z = new Float64Array(d * m);
      for (let i0 = 0; i0 < d; i0 += blk) {
        const rows = Math.min(blk, d - i0);
        const A = W.subarray(i0 * d, (i0 + rows) * d);
        const Pb = P.subarray(i0 * N, (i0 + rows) * N);
        ws.blockTimes(A, rows, Pb);
        for (let r = 0; r < rows; r++) {
          Z.set(Pb.subarray(r * N, (r + 1) * N), (i0 + r) * m);
          Z[(i0 + r) * m + N] = A[r * d];
          Z[(i0 + r) * m + N + 1] = 1;
        }
        ws.accumTransposeTimes(A, rows, Z.subarray(i0 * m, (i0 + rows) * m));
      }
      const G = new Float64Array(m * m);
      ws.gramColumns(Z, d, m, G);
      return { P, R: ws.readAccumulator(), G };
    });
    expectBitwise(results[0].P, results[1].P);
    expectBitwise(results[0].R, results[1].R);
    expectBitwise(results[0].G, results[1].G);
    // and the plain functions on the whole W₀ give the same numbers
    setKernelBackend('wasm-simd');
    const P = new Float64Array(d * N);
    blockTimes(W, d, d, Et, N, P);
    expectBitwise(P, results[1].P);
    const Z = new Float64Array(d * m);
    for (let i = 0; i < d; i++) {
      Z.set(P.subarray(i * N, (i + 1) * N), i * m);
      Z[i * m + N] = W[i * d];
      Z[i * m + N + 1] = 1;
    }
    const R = new Float64Array(d * m);
    accumTransposeTimes(W, d, d, Z, m, R);
    expectBitwise(R, results[1].R);
    expectClose(R, naiveAccT(W, d, d, Z, m, new Float64Array(d * m)), 1e-9 * 50);
  });

  it('DenseWorkspace grows and relocates its resident operands', () => {
    const ws = new DenseWorkspace('wasm-simd');
    const ref = new DenseWorkspace('typescript');
    const R0 = rand(30 * 5, 50);
    for (const w of [ws, ref]) w.setAccumulator(30, 5, R0);
    // set a large right factor after the accumulator: the accumulator must survive the move
    const Big = rand(600 * 70, 51);
    for (const w of [ws, ref]) w.setRight(Big, 600, 70);
    const A = rand(3 * 30, 52), Y = rand(3 * 5, 53);
    for (const w of [ws, ref]) w.accumTransposeTimes(A, 3, Y);
    expectBitwise(ws.readAccumulator(), ref.readAccumulator());
    const A2 = rand(9 * 600, 54);
    const o1 = new Float64Array(9 * 70), o2 = new Float64Array(9 * 70);
    ws.blockTimes(A2, 9, o1);
    ref.blockTimes(A2, 9, o2);
    expectBitwise(o1, o2);
    ws.release();
    expect(() => ws.blockTimes(A2, 9, o1)).toThrow(/setRight/);
    releaseDenseMemory();
  });
});
