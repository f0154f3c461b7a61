/**
 * What a kernel backend provides (./index.ts chooses one per thread): dense
 * workspaces and vector arenas with the operation order every backend keeps
 * (./index.ts docstring). The backends (./ts.ts, ./wasm.ts) implement these.
 */

/** Name of a kernel backend. */
export type KernelBackend = 'wasm-simd' | 'typescript';

/**
 * Dense kernels with a resident right factor and accumulator (one instance
 * per workspace). Shapes are checked by the caller (`dense.ts`).
 */
export interface DenseImpl {
  /** keep a copy of the right factor Bm (d×m) */
  setRight(Bm: Float64Array, d: number, m: number): void;
  /** out (b×m) = A (b×d) · right (d×m) */
  blockTimes(A: Float64Array, b: number, d: number, m: number, out: Float64Array): void;
  /** accumulator (d×m) = R, or zeros */
  setAccumulator(d: number, m: number, R?: Float64Array): void;
  /** accumulator (d×m) += Aᵀ (d×b) · Y (b×m) */
  accumTransposeTimes(A: Float64Array, b: number, d: number, Y: Float64Array, m: number): void;
  /** copy the accumulator out */
  readAccumulator(out: Float64Array): void;
  /** out (m×m) = PᵀP for P d×m, both halves filled */
  gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void;
}

/**
 * Vector kernels on arrays the arena allocates (one instance per arena).
 * Each implementation checks its arguments (length, and for wasm that the
 * array lives in this arena).
 */
export interface VecImpl {
  /** bytes of memory held besides ordinary arrays */
  readonly memoryBytes: number;
  /** zero-filled arrays; invalidates the previous allocation */
  alloc(lengths: readonly number[]): Float64Array[];
  release(): void;
  dot(a: Float64Array, b: Float64Array, len: number): number;
  matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void;
  matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void;
  ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void;
  matVecGer(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array): void;
}

/** A backend's kernels: factories of dense workspaces and vector arenas. */
export interface KernelTable {
  readonly name: KernelBackend;
  dense(): DenseImpl;
  vec(): VecImpl;
}
