/**
 * Kernel tables: the one place that knows which implementation runs the
 * float64 kernels (as TensorFlow.js registers kernels per backend and keeps
 * ops apart from them). Two tables exist:
 *  - `'wasm-simd'` (`wasm.ts`): WebAssembly SIMD kernels built from
 *    `src/model/wasm/` by `npm run build:wasm`;
 *  - `'typescript'` (`ts.ts`): plain loops, the reference.
 * The backend is chosen once per thread, on first use: `'wasm-simd'` if the
 * module loads and its self-test agrees bit for bit with the TypeScript table,
 * else `'typescript'` (also when `ATTN_PHASE_NO_WASM=1`). Callers look kernels
 * up with {@link kernelTable}; nothing else branches on the backend.
 *
 * Operation order, shared by every table (what makes them BIT-IDENTICAL for
 * finite values; NaN payloads may differ): a product is rounded, then added —
 * never a fused multiply-add;
 *  - dense products: every output element is summed term by term in
 *    increasing order of the inner index, starting from +0 (or from the
 *    previous accumulator value) — so splitting a product into row blocks
 *    gives the same numbers whatever the block height;
 *  - dot: accumulators s0..s3 take the terms k ≡ 0..3 (mod 4) of the first
 *    ⌊len/4⌋·4 terms, the remaining terms go to s0 one at a time, the result
 *    is (s0 + s1) + (s2 + s3);
 *  - Aᵀx: out[q] += x[r]·A[r, q], rows r in increasing order, each term added
 *    separately;
 *  - rank-1 update: A[r, q] += c[r]·e[q].
 */
import { TS_KERNELS } from './ts.js';
import type { KernelBackend, KernelTable } from './types.js';
import { loadWasmKernels } from './wasm.js';

const tables: Partial<Record<KernelBackend, KernelTable>> = { typescript: TS_KERNELS };
let wasmError: string | undefined;
let current: KernelBackend | undefined;

/** Bitwise equality of two arrays (Object.is per element). */
function same(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Run every kernel of `t` and of the TypeScript table on the same pseudo-random operands; throw on the first difference. */
function selfTest(t: KernelTable): void {
  let s = 12345;
  const fill = (x: Float64Array): Float64Array => {
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      x[i] = s / 2 ** 32 - 0.5;
    }
    return x;
  };
  const rnd = (n: number): Float64Array => fill(new Float64Array(n));
  // dense: shapes with edge tiles in every direction
  for (const [b, d, m] of [[7, 9, 5], [4, 8, 4], [13, 3, 11]] as const) {
    const A = rnd(b * d), Bm = rnd(d * m), Y = rnd(b * m), R = rnd(d * m);
    const ts = TS_KERNELS.dense(), w = t.dense();
    const o1 = new Float64Array(b * m), o2 = new Float64Array(b * m);
    ts.setRight(Bm, d, m); ts.blockTimes(A, b, d, m, o1);
    w.setRight(Bm, d, m); w.blockTimes(A, b, d, m, o2);
    if (!same(o1, o2)) throw new Error('blockTimes differs from the TypeScript kernel');
    const r1 = new Float64Array(d * m), r2 = new Float64Array(d * m);
    ts.setAccumulator(d, m, R); ts.accumTransposeTimes(A, b, d, Y, m); ts.readAccumulator(r1);
    w.setAccumulator(d, m, R); w.accumTransposeTimes(A, b, d, Y, m); w.readAccumulator(r2);
    if (!same(r1, r2)) throw new Error('accumTransposeTimes differs from the TypeScript kernel');
    const g1 = new Float64Array(m * m), g2 = new Float64Array(m * m);
    ts.gramColumns(Bm, d, m, g1);
    w.gramColumns(Bm, d, m, g2);
    if (!same(g1, g2)) throw new Error('gramColumns differs from the TypeScript kernel');
  }
  // vector kernels
  const va = t.vec();
  const vt = TS_KERNELS.vec();
  for (const [rows, cols] of [[1, 1], [3, 5], [4, 4], [5, 7], [7, 9], [9, 14], [2, 3], [13, 23], [10, 162]] as const) {
    const W = va.alloc([rows * cols, cols, rows, rows, cols]).map(fill);
    const [A, x, y, c, e] = W;
    const [TA, Tx, Ty, Tc, Te] = W.map((v) => v.slice());
    if (!Object.is(va.dot(A, x, cols), vt.dot(TA, Tx, cols))) throw new Error('vdot differs');
    va.matVec(A, rows, cols, x, y);
    vt.matVec(TA, rows, cols, Tx, Ty);
    if (!same(y, Ty)) throw new Error('vmatVec differs');
    va.matTVecAcc(A, rows, cols, y, x);
    vt.matTVecAcc(TA, rows, cols, Ty, Tx);
    if (!same(x, Tx)) throw new Error('vmatTVecAcc differs');
    va.ger(A, rows, cols, c, e);
    vt.ger(TA, rows, cols, Tc, Te);
    if (!same(A, TA)) throw new Error('vger differs');
    va.matVecGer(A, rows, cols, e, y, c, x);
    vt.matVecGer(TA, rows, cols, Te, Ty, Tc, Tx);
    if (!same(A, TA) || !same(y, Ty)) throw new Error('vmatVecGer differs');
  }
  va.release();
}

/** Load and self-test the wasm table once; remember why it failed. */
function wasmTable(): KernelTable | undefined {
  if (tables['wasm-simd'] || wasmError !== undefined) return tables['wasm-simd'];
  if (process.env.ATTN_PHASE_NO_WASM === '1') {
    wasmError = 'disabled by ATTN_PHASE_NO_WASM=1';
    return undefined;
  }
  try {
    const t = loadWasmKernels();
    selfTest(t);
    tables['wasm-simd'] = t;
  } catch (e) {
    wasmError = `wasm-simd kernels unavailable: ${e instanceof Error ? e.message : String(e)}`;
  }
  return tables['wasm-simd'];
}

/** The backend this thread uses (chosen on first call: wasm-simd if available, else typescript). */
export function kernelBackend(): KernelBackend {
  current ??= wasmTable() ? 'wasm-simd' : 'typescript';
  return current;
}

/**
 * The kernel table of `backend` (default: this thread's backend).
 *
 * @throws Error if `'wasm-simd'` is asked for but unavailable (see {@link wasmKernelsError})
 */
export function kernelTable(backend: KernelBackend = kernelBackend()): KernelTable {
  if (backend === 'wasm-simd') {
    const t = wasmTable();
    if (!t) throw new Error(wasmError);
    return t;
  }
  if (backend === 'typescript') return TS_KERNELS;
  throw new Error(`unknown kernel backend '${String(backend)}'`);
}

/**
 * Choose this thread's backend (tests, benchmarks). Objects already built keep
 * theirs; results do not change (the tables are bit-identical).
 *
 * @throws Error if `'wasm-simd'` is unavailable or the name is unknown
 */
export function setKernelBackend(backend: KernelBackend): void {
  kernelTable(backend);
  current = backend;
}

/** Whether the wasm-simd table loaded and passed its self-test. */
export function wasmKernelsAvailable(): boolean {
  return wasmTable() !== undefined;
}

/** Why the wasm-simd table is unavailable (undefined if it is available). */
export function wasmKernelsError(): string | undefined {
  return wasmTable() ? undefined : wasmError;
}
