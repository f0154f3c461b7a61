/**
 * Small float64 vector kernels for the per-step loops (row-major matrices).
 *
 * Two layers:
 *  - plain functions ({@link dot}, {@link matVec}, {@link axpy},
 *    {@link matTVec}) on ordinary `Float64Array`s with explicit offsets, used
 *    by the explicit engine and the test sets. Dots use four accumulators to
 *    break the add dependency chain; no allocation.
 *  - {@link VecArena}: the same operations (plus fused ones) on arrays the
 *    arena allocates. With the `'wasm-simd'` backend those arrays are
 *    `Float64Array` views into the linear memory of a private instance of
 *    dist/wasm/dense.wasm (kernels from `src/model/wasm/vec.as.ts`, called by
 *    pointer, no per-call copies); with `'typescript'` they are ordinary
 *    arrays and plain loops run. The reduced engine's step loop uses it.
 *
 * Every kernel of both layers and both backends uses the same operation
 * order, so results are BIT-IDENTICAL (for finite values; NaN payloads may
 * differ): a product is rounded, then added (never a fused multiply-add);
 *  - dot: accumulators s0..s3 take the terms k ≡ 0..3 (mod 4) of the first
 *    ⌊len/4⌋·4 terms, the remaining terms go to s0 one at a time, the result
 *    is (s0 + s1) + (s2 + s3);
 *  - Aᵀx: out[q] += x[r]·A[r, q], rows r in increasing order, each term added
 *    separately;
 *  - rank-1 update: A[r, q] += c[r]·e[q].
 * (The plain {@link matTVec} skips rows with x[r] = 0, which only matters
 * when A holds non-finite values; the arena's kernels never skip.)
 */
import { type DenseBackend, denseBackend, instantiateDenseModule } from './dense.js';

/**
 * Σ_{k<len} a[ao+k]·b[bo+k] in the 4-accumulator order (module doc).
 * No checks: the caller keeps ao+len ≤ a.length and bo+len ≤ b.length
 * (out-of-range reads give NaN).
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

/**
 * out[r] = dot(A[r, :], x) for an rows×cols row-major A, x of length cols,
 * out of length rows (must not overlap A or x). No checks, no allocation.
 */
export function matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) out[r] = dot(A, r * cols, x, 0, cols);
}

/** y[yo + k] += alpha · x[xo + k] for k < len (product rounded, then added). No checks. */
export function axpy(alpha: number, x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): void {
  for (let k = 0; k < len; k++) y[yo + k] += alpha * x[xo + k];
}

/**
 * out[q] = Σ_r A[r, q]·x[r] (Aᵀx) for an rows×cols row-major A, x of length
 * rows, out of length cols (zeroed first; must not overlap A or x). Terms
 * added one at a time in increasing r; rows with x[r] = 0 are skipped.
 */
export function matTVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  out.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const xr = x[r];
    if (xr !== 0) axpy(xr, A, r * cols, out, 0, cols);
  }
}

// ---------------------------------------------------------------------------
// VecArena: kernels on arrays resident in WebAssembly memory
// ---------------------------------------------------------------------------

/** Exports of dense.wasm used here (pointers are byte offsets, sizes element counts). */
interface VecExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  vdot(a: number, b: number, len: number): number;
  vmatVec(A: number, rows: number, cols: number, x: number, out: number): void;
  vmatTVecAcc(A: number, rows: number, cols: number, x: number, out: number): void;
  vger(A: number, rows: number, cols: number, c: number, e: number): void;
  vmatVecGer(A: number, rows: number, cols: number, x: number, out: number, c: number, e: number): void;
}

const VEC_EXPORTS = ['memory', 'vdot', 'vmatVec', 'vmatTVecAcc', 'vger', 'vmatVecGer'] as const;
const PAGE = 65536;
/** First byte handed out (keeps pointer 0 unused). */
const ARENA_BASE = 64;
/** Every array starts on a cache line. */
const alignUp = (x: number): number => Math.ceil(x / 64) * 64;

// TypeScript kernels of the arena (the reference order; the wasm kernels reproduce it)

function tsMatTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
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

function tsGer(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const a0 = r * cols, cr = c[r];
    for (let q = 0; q < cols; q++) A[a0 + q] += cr * e[q];
  }
}

function tsMatVecGer(
  A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const a0 = r * cols, cr = c[r];
    out[r] = dot(A, a0, x, 0, cols);
    for (let q = 0; q < cols; q++) A[a0 + q] += cr * e[q];
  }
}

let vecState: 'unknown' | 'ok' | 'failed' = 'unknown';
let vecError: string | undefined;
let selfTesting = false;

function vecInstance(): VecExports | undefined {
  let ex: Record<string, unknown> | undefined;
  try {
    ex = instantiateDenseModule();
  } catch (err) {
    vecError = `cannot instantiate dense.wasm: ${String(err)}`;
    return undefined;
  }
  if (!ex) {
    vecError = 'the dense wasm backend is unavailable';
    return undefined;
  }
  for (const k of VEC_EXPORTS) {
    if (!(k in ex)) {
      vecError = `dense.wasm lacks export '${k}' (rebuild with \`npm run build:wasm\`)`;
      return undefined;
    }
  }
  return ex as unknown as VecExports;
}

/** Whether the wasm vector kernels load and agree bit for bit with the TypeScript ones (checked once per thread). */
export function vecWasmAvailable(): boolean {
  if (vecState === 'unknown') vecState = vecSelfTest() ? 'ok' : 'failed';
  return vecState === 'ok';
}

/** Why the wasm vector kernels are unavailable (undefined if available). */
export function vecWasmError(): string | undefined {
  return vecWasmAvailable() ? undefined : vecError;
}

/**
 * Backend the reduced engine's step kernels use in this thread: the dense
 * backend ({@link denseBackend}, set by `setDenseBackend` or
 * `ATTN_PHASE_NO_WASM=1`), downgraded to `'typescript'` when the vector
 * kernels are unavailable (results are identical either way).
 */
export function vecBackend(): DenseBackend {
  return denseBackend() === 'wasm-simd' && vecWasmAvailable() ? 'wasm-simd' : 'typescript';
}

function vecSelfTest(): boolean {
  if (!vecInstance()) return false;
  try {
    let seed = 987654321;
    const fill = (x: Float64Array): Float64Array => {
      for (let i = 0; i < x.length; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        x[i] = seed / 2 ** 32 - 0.5;
      }
      return x;
    };
    selfTesting = true;
    const arena = new VecArena('wasm-simd');
    for (const [rows, cols] of [[1, 1], [3, 5], [4, 4], [5, 7], [7, 9], [9, 14], [2, 3], [13, 23], [10, 162]] as const) {
      const W = arena.alloc([rows * cols, cols, rows, rows, cols]);
      const [A, x, y, c, e] = W.map(fill);
      const T = W.map((v) => v.slice());
      const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, i) => Object.is(v, b[i]));
      const ts = new VecArena('typescript');
      if (!Object.is(arena.dot(A, x, cols), ts.dot(T[0], T[1], cols))) throw new Error('vdot');
      arena.matVec(A, rows, cols, x, y);
      ts.matVec(T[0], rows, cols, T[1], T[2]);
      if (!same(y, T[2])) throw new Error('vmatVec');
      arena.matTVecAcc(A, rows, cols, y, x);
      ts.matTVecAcc(T[0], rows, cols, T[2], T[1]);
      if (!same(x, T[1])) throw new Error('vmatTVecAcc');
      arena.ger(A, rows, cols, c, e);
      ts.ger(T[0], rows, cols, T[3], T[4]);
      if (!same(A, T[0])) throw new Error('vger');
      arena.matVecGer(A, rows, cols, e, y, c, x);
      ts.matVecGer(T[0], rows, cols, T[4], T[2], T[3], T[1]);
      if (!same(A, T[0]) || !same(y, T[2])) throw new Error('vmatVecGer');
    }
    return true;
  } catch (err) {
    vecError = `vector kernel self-test failed: ${err instanceof Error ? err.message : String(err)}`;
    return false;
  } finally {
    selfTesting = false;
  }
}

function checkArr(fn: string, name: string, a: Float64Array, len: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${fn}: ${name} must be a Float64Array`);
  if (a.length < len) throw new RangeError(`${fn}: ${name} has ${a.length} elements, needs ${len}`);
}

/**
 * Working memory plus kernels for a per-step loop. Allocate every array of a
 * run up front with {@link VecArena.alloc}, then call the kernels on them.
 *
 * - `'wasm-simd'`: arrays are views into the linear memory of a private
 *   dense.wasm instance and kernels run by pointer (SIMD f64x2). Passing an
 *   array that is not a live view of this arena throws. Memory only grows
 *   (inside `alloc`); it is reused by the next `alloc` and dropped by
 *   {@link VecArena.release} or garbage collection.
 * - `'typescript'`: `alloc` returns ordinary arrays; kernels accept any arrays.
 *
 * Results are bit-identical between backends (see the module doc).
 * Not thread-safe; one per worker (see {@link withVecArena}).
 */
export class VecArena {
  /** Backend fixed at construction. */
  readonly backend: DenseBackend;
  private ex: VecExports | undefined;
  private buf: ArrayBuffer | undefined;

  /**
   * @param backend defaults to {@link vecBackend}()
   * @throws Error if `'wasm-simd'` is requested but the vector kernels are unavailable
   */
  constructor(backend: DenseBackend = vecBackend()) {
    if (backend !== 'wasm-simd' && backend !== 'typescript') throw new Error(`VecArena: unknown backend '${String(backend)}'`);
    if (backend === 'wasm-simd') {
      if (!selfTesting && !vecWasmAvailable()) throw new Error(`VecArena: wasm-simd vector kernels unavailable: ${vecError}`);
      this.ex = vecInstance();
      if (!this.ex) throw new Error(`VecArena: wasm-simd vector kernels unavailable: ${vecError}`);
    }
    this.backend = backend;
  }

  /** Bytes of linear memory held (0 for the TypeScript backend or after release). */
  get memoryBytes(): number {
    return this.ex ? this.ex.memory.buffer.byteLength : 0;
  }

  /**
   * Allocate zero-filled arrays of the given lengths (elements). Invalidates
   * (and may detach) every array a previous `alloc` of this arena returned.
   *
   * @throws RangeError on a negative/non-integer length or if memory cannot grow
   */
  alloc(lengths: readonly number[]): Float64Array[] {
    for (const n of lengths) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`VecArena.alloc: length must be a non-negative integer, got ${n}`);
    }
    if (this.backend === 'typescript') return lengths.map((n) => new Float64Array(n));
    const ex = this.wasm();
    const offs: number[] = [];
    let end = ARENA_BASE;
    for (const n of lengths) {
      offs.push(end);
      end = alignUp(end + n * 8);
    }
    const have = ex.memory.buffer.byteLength;
    if (end > have) {
      try {
        ex.memory.grow(Math.ceil((end - have) / PAGE));
      } catch (e) {
        throw new RangeError(`VecArena: cannot grow WebAssembly memory to ${(end / 2 ** 20).toFixed(0)} MiB (${String(e)})`);
      }
    }
    const buf = ex.memory.buffer;
    this.buf = buf;
    new Uint8Array(buf, ARENA_BASE, end - ARENA_BASE).fill(0);
    return lengths.map((n, i) => new Float64Array(buf, offs[i], n));
  }

  /** Drop the WebAssembly memory (arrays from `alloc` become invalid); the arena stays usable. */
  release(): void {
    if (this.backend === 'wasm-simd') this.ex = undefined;
    this.buf = undefined;
  }

  private wasm(): VecExports {
    if (!this.ex) {
      this.ex = vecInstance();
      if (!this.ex) throw new Error(`VecArena: wasm-simd vector kernels unavailable: ${vecError}`);
    }
    return this.ex;
  }

  /** Byte offset of a live view of this arena. */
  private ptr(fn: string, name: string, a: Float64Array, len: number): number {
    if (!(a instanceof Float64Array) || a.buffer !== this.buf || this.buf === undefined) {
      throw new TypeError(`${fn}: ${name} is not a live array of this VecArena (allocate it with alloc())`);
    }
    if (a.length < len) throw new RangeError(`${fn}: ${name} has ${a.length} elements, needs ${len}`);
    return a.byteOffset;
  }

  /** Σ_{k<len} a[k]·b[k] (4-accumulator order). */
  dot(a: Float64Array, b: Float64Array, len: number): number {
    if (this.backend === 'typescript') {
      checkArr('dot', 'a', a, len);
      checkArr('dot', 'b', b, len);
      return dot(a, 0, b, 0, len);
    }
    return this.ex!.vdot(this.ptr('dot', 'a', a, len), this.ptr('dot', 'b', b, len), len);
  }

  /**
   * out[r] = dot(A[r, :], x) for r < rows.
   *
   * @param A rows×cols row-major; x cols; out rows (must not overlap A or x)
   */
  matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    if (this.backend === 'typescript') {
      checkArr('matVec', 'A', A, rows * cols);
      checkArr('matVec', 'x', x, cols);
      checkArr('matVec', 'out', out, rows);
      return matVec(A, rows, cols, x, out);
    }
    this.ex!.vmatVec(
      this.ptr('matVec', 'A', A, rows * cols), rows, cols, this.ptr('matVec', 'x', x, cols), this.ptr('matVec', 'out', out, rows),
    );
  }

  /**
   * out[q] += Σ_r x[r]·A[r, q] for q < cols (accumulate Aᵀx), terms added one
   * at a time in increasing r; no row is skipped.
   *
   * @param A rows×cols row-major; x rows; out cols (must not overlap A or x)
   */
  matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    if (this.backend === 'typescript') {
      checkArr('matTVecAcc', 'A', A, rows * cols);
      checkArr('matTVecAcc', 'x', x, rows);
      checkArr('matTVecAcc', 'out', out, cols);
      return tsMatTVecAcc(A, rows, cols, x, out);
    }
    this.ex!.vmatTVecAcc(
      this.ptr('matTVecAcc', 'A', A, rows * cols), rows, cols,
      this.ptr('matTVecAcc', 'x', x, rows), this.ptr('matTVecAcc', 'out', out, cols),
    );
  }

  /** out = Aᵀx (zeroed, then {@link VecArena.matTVecAcc}). */
  matTVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    checkArr('matTVec', 'out', out, cols);
    out.fill(0, 0, cols);
    this.matTVecAcc(A, rows, cols, x, out);
  }

  /**
   * Rank-1 update A[r, q] += c[r]·e[q].
   *
   * @param A rows×cols row-major; c rows; e cols (c, e must not overlap A)
   */
  ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
    if (this.backend === 'typescript') {
      checkArr('ger', 'A', A, rows * cols);
      checkArr('ger', 'c', c, rows);
      checkArr('ger', 'e', e, cols);
      return tsGer(A, rows, cols, c, e);
    }
    this.ex!.vger(this.ptr('ger', 'A', A, rows * cols), rows, cols, this.ptr('ger', 'c', c, rows), this.ptr('ger', 'e', e, cols));
  }

  /**
   * Fused, one pass over A: out[r] = dot(A[r, :], x) with the old row, then
   * A[r, :] += c[r]·e — the same as `matVec(A, …, x, out)` followed by
   * `ger(A, …, c, e)`.
   *
   * @param A rows×cols row-major; x, e cols; out, c rows (none overlapping A; out not overlapping c)
   */
  matVecGer(
    A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array,
  ): void {
    const f = 'matVecGer';
    if (this.backend === 'typescript') {
      checkArr(f, 'A', A, rows * cols);
      checkArr(f, 'x', x, cols);
      checkArr(f, 'out', out, rows);
      checkArr(f, 'c', c, rows);
      checkArr(f, 'e', e, cols);
      return tsMatVecGer(A, rows, cols, x, out, c, e);
    }
    this.ex!.vmatVecGer(
      this.ptr(f, 'A', A, rows * cols), rows, cols, this.ptr(f, 'x', x, cols), this.ptr(f, 'out', out, rows),
      this.ptr(f, 'c', c, rows), this.ptr(f, 'e', e, cols),
    );
  }
}

/** Arenas larger than this are not kept between runs. */
const RETAIN_BYTES = 256 * 2 ** 20;
let pooled: VecArena | undefined;
let pooledBusy = false;

/**
 * Run `fn` with this thread's reusable arena for the current {@link vecBackend}
 * (a worker running many trials reuses one block of WebAssembly memory). A
 * nested call gets a temporary arena of its own. The arrays `fn` allocates
 * are valid only until it returns.
 */
export function withVecArena<T>(fn: (arena: VecArena) => T): T {
  const backend = vecBackend();
  if (pooledBusy) return fn(new VecArena(backend));
  if (!pooled || pooled.backend !== backend) pooled = new VecArena(backend);
  const arena = pooled;
  pooledBusy = true;
  try {
    return fn(arena);
  } finally {
    pooledBusy = false;
    if (arena.memoryBytes > RETAIN_BYTES) releaseVecMemory();
  }
}

/** Drop the memory of this thread's reusable arena (see {@link withVecArena}). */
export function releaseVecMemory(): void {
  if (pooledBusy) return;
  pooled?.release();
  pooled = undefined;
}
