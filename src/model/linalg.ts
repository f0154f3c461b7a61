/**
 * Small float64 vector kernels for the per-step loops (row-major matrices).
 *
 * Two layers:
 *  - plain functions ({@link dot}, {@link matVec}, {@link axpy},
 *    {@link matTVec}) on ordinary `Float64Array`s with explicit offsets (the
 *    TypeScript reference loops of `kernels/ts.ts`);
 *  - {@link VecArena}: the same operations (plus fused ones) on arrays the
 *    arena allocates, run by the kernel table of the arena's backend
 *    (`kernels/index.ts`): with `'wasm-simd'` the arrays are views into the
 *    linear memory of a private WebAssembly instance and kernels run by
 *    pointer; with `'typescript'` they are ordinary arrays. The engines' step
 *    loops use it.
 *
 * Every kernel of both layers and both backends uses the operation order of
 * `kernels/index.ts`, so results are BIT-IDENTICAL (for finite values).
 * (The plain {@link matTVec} skips rows with x[r] = 0, which only matters
 * when A holds non-finite values; the arena's kernels never skip.)
 */
import { kernelBackend, kernelTable } from './kernels/index.js';
import type { KernelBackend, VecImpl } from './kernels/types.js';

export { axpy, dot, matTVec, matVec } from './kernels/ts.js';

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
 * Results are bit-identical between backends (see `kernels/index.ts`).
 * Not thread-safe; one per worker (see {@link withVecArena}).
 */
export class VecArena {
  /** Backend fixed at construction. */
  readonly backend: KernelBackend;
  private readonly impl: VecImpl;

  /**
   * @param backend defaults to {@link kernelBackend}()
   * @throws Error if `'wasm-simd'` is requested but the kernels are unavailable
   */
  constructor(backend: KernelBackend = kernelBackend()) {
    this.impl = kernelTable(backend).vec();
    this.backend = backend;
  }

  /** Bytes of linear memory held (0 for the TypeScript backend or after release). */
  get memoryBytes(): number {
    return this.impl.memoryBytes;
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
    return this.impl.alloc(lengths);
  }

  /** Drop the memory (arrays from `alloc` become invalid); the arena stays usable. */
  release(): void {
    this.impl.release();
  }

  /** Σ_{k<len} a[k]·b[k] (4-accumulator order). */
  dot(a: Float64Array, b: Float64Array, len: number): number {
    return this.impl.dot(a, b, len);
  }

  /**
   * out[r] = dot(A[r, :], x) for r < rows.
   *
   * @param A rows×cols row-major; x cols; out rows (must not overlap A or x)
   */
  matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    this.impl.matVec(A, rows, cols, x, out);
  }

  /**
   * out[q] += Σ_r x[r]·A[r, q] for q < cols (accumulate Aᵀx), terms added one
   * at a time in increasing r; no row is skipped.
   *
   * @param A rows×cols row-major; x rows; out cols (must not overlap A or x)
   */
  matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    this.impl.matTVecAcc(A, rows, cols, x, out);
  }

  /** out = Aᵀx (zeroed, then {@link VecArena.matTVecAcc}). */
  matTVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    if (!(out instanceof Float64Array)) throw new TypeError('matTVec: out must be a Float64Array');
    if (out.length < cols) throw new RangeError(`matTVec: out has ${out.length} elements, needs ${cols}`);
    out.fill(0, 0, cols);
    this.impl.matTVecAcc(A, rows, cols, x, out);
  }

  /**
   * Rank-1 update A[r, q] += c[r]·e[q].
   *
   * @param A rows×cols row-major; c rows; e cols (c, e must not overlap A)
   */
  ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
    this.impl.ger(A, rows, cols, c, e);
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
    this.impl.matVecGer(A, rows, cols, x, out, c, e);
  }
}

/** Arenas larger than this are not kept between runs. */
const RETAIN_BYTES = 256 * 2 ** 20;
let pooled: VecArena | undefined;
let pooledBusy = false;

/**
 * Run `fn` with this thread's reusable arena for the current {@link kernelBackend}
 * (a worker running many trials reuses one block of WebAssembly memory). A
 * nested call gets a temporary arena of its own. The arrays `fn` allocates
 * are valid only until it returns.
 */
export function withVecArena<T>(fn: (arena: VecArena) => T): T {
  const backend = kernelBackend();
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
