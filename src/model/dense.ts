/**
 * Dense float64 operations for the one-off products with W₀ (SPEC §4, §6).
 *
 * All matrices are row-major `Float64Array`s with explicit shapes; an
 * operation reads/writes only the first rows·cols elements of each array
 * (longer arrays are fine). These are the only O(d²·N) operations of the
 * reduced engine; everything per step is O(N²).
 *
 * The kernels come from this thread's kernel table (`kernels/index.ts`:
 * WebAssembly SIMD or the bit-identical TypeScript loops, chosen once). The
 * operation order every table follows makes a product split into row blocks
 * (e.g. W₀ streamed in blocks, `accumTransposeTimes` summed over the blocks)
 * give exactly the numbers of one call on the whole matrix.
 *
 * For a loop that streams W₀ in row blocks against the same right factor and
 * accumulator, use {@link DenseWorkspace}: it keeps the right factor (packed)
 * and the accumulator resident across calls. The plain functions copy every
 * operand in and out on each call (O(size) copies versus O(size·inner) work).
 */
import { kernelBackend, kernelTable } from './kernels/index.js';
import type { DenseImpl, KernelBackend } from './kernels/types.js';


// ---------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------

function checkDim(fn: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${v}`);
}

function checkLen(fn: string, name: string, arr: Float64Array, len: number, shape: string): void {
  if (!(arr instanceof Float64Array)) throw new TypeError(`${fn}: ${name} must be a Float64Array`);
  if (arr.length < len) throw new RangeError(`${fn}: ${name} has ${arr.length} elements, needs ${shape} = ${len}`);
}

// ---------------------------------------------------------------------------
// Workspace
// ---------------------------------------------------------------------------

/**
 * Holds a right factor Bm (d×m) and an accumulator R (d×m') resident across
 * calls — in WebAssembly memory (Bm packed) for `'wasm-simd'`, as private
 * copies for `'typescript'` — so a loop over row blocks of W₀ only moves the
 * blocks. Results are bit-identical between backends and to the plain
 * functions. Not thread-safe (use one per worker); memory is held until
 * {@link DenseWorkspace.release} or garbage collection.
 *
 * ```ts
 * const ws = new DenseWorkspace();
 * ws.setRight(Et, d, N);          // Eᵀ, d×N
 * ws.setAccumulator(d, m);        // R = 0, d×m
 * for (each block A of b rows of W₀) {
 *   ws.blockTimes(A, b, P);       // P = A·Eᵀ (b×N)
 *   ...build Y (b×m) from P...
 *   ws.accumTransposeTimes(A, b, Y); // R += AᵀY
 * }
 * ws.readAccumulator(R);          // R = W₀ᵀ·[Y blocks]
 * ```
 */
export class DenseWorkspace {
  /** Backend fixed at construction. */
  readonly backend: KernelBackend;
  private implValue: DenseImpl | undefined;
  private right: { d: number; m: number } | undefined;
  private acc: { d: number; m: number } | undefined;

  /**
   * @param backend defaults to {@link kernelBackend}()
   * @throws Error if `'wasm-simd'` is requested but unavailable
   */
  constructor(backend: KernelBackend = kernelBackend()) {
    kernelTable(backend); // throws if unavailable
    this.backend = backend;
  }

  /** This workspace's kernels (memory allocated on first use). */
  private get impl(): DenseImpl {
    this.implValue ??= kernelTable(this.backend).dense();
    return this.implValue;
  }

  /** Shape {d, m} of the resident right factor, if set. */
  get rightShape(): { d: number; m: number } | undefined {
    return this.right ? { ...this.right } : undefined;
  }

  /** Shape {d, m} of the resident accumulator, if set. */
  get accumulatorShape(): { d: number; m: number } | undefined {
    return this.acc ? { ...this.acc } : undefined;
  }

  /**
   * Copy (and for wasm, pack) the right factor of {@link blockTimes}.
   * Later changes to Bm do not affect the workspace.
   *
   * @param Bm d×m row-major
   * @throws RangeError on bad shapes / short array / memory exhaustion
   */
  setRight(Bm: Float64Array, d: number, m: number): void {
    checkDim('setRight', 'd', d);
    checkDim('setRight', 'm', m);
    checkLen('setRight', 'Bm', Bm, d * m, 'd·m');
    this.right = undefined;
    this.impl.setRight(Bm, d, m);
    this.right = { d, m };
  }

  /**
   * out[r, :] = Σ_k A[r, k] · Bm[k, :] with the resident Bm (d×m).
   *
   * @param A   b×d row-major (d from {@link setRight})
   * @param b   rows of A
   * @param out b×m row-major, overwritten (must not alias A)
   * @throws Error if no right factor is set; RangeError on bad shapes
   */
  blockTimes(A: Float64Array, b: number, out: Float64Array): void {
    if (!this.right) throw new Error('DenseWorkspace.blockTimes: call setRight first');
    const { d, m } = this.right;
    checkDim('blockTimes', 'b', b);
    checkLen('blockTimes', 'A', A, b * d, 'b·d');
    checkLen('blockTimes', 'out', out, b * m, 'b·m');
    this.impl.blockTimes(A, b, d, m, out);
  }

  /**
   * Make the accumulator R (d×m): a copy of `R` if given, else zeros.
   *
   * @throws RangeError on bad shapes / short array / memory exhaustion
   */
  setAccumulator(d: number, m: number, R?: Float64Array): void {
    checkDim('setAccumulator', 'd', d);
    checkDim('setAccumulator', 'm', m);
    if (R) checkLen('setAccumulator', 'R', R, d * m, 'd·m');
    this.acc = undefined;
    this.impl.setAccumulator(d, m, R);
    this.acc = { d, m };
  }

  /**
   * R[k, :] += Σ_r A[r, k] · Y[r, :] on the resident accumulator (d×m),
   * terms added one at a time in increasing r.
   *
   * @param A b×d row-major
   * @param b rows of A and Y
   * @param Y b×m row-major
   * @throws Error if no accumulator is set; RangeError on bad shapes
   */
  accumTransposeTimes(A: Float64Array, b: number, Y: Float64Array): void {
    if (!this.acc) throw new Error('DenseWorkspace.accumTransposeTimes: call setAccumulator first');
    const { d, m } = this.acc;
    checkDim('accumTransposeTimes', 'b', b);
    checkLen('accumTransposeTimes', 'A', A, b * d, 'b·d');
    checkLen('accumTransposeTimes', 'Y', Y, b * m, 'b·m');
    this.impl.accumTransposeTimes(A, b, d, Y, m);
  }

  /**
   * Copy the accumulator (d×m) out.
   *
   * @param out destination (≥ d·m elements); a new array if omitted
   * @returns out
   */
  readAccumulator(out?: Float64Array): Float64Array {
    if (!this.acc) throw new Error('DenseWorkspace.readAccumulator: call setAccumulator first');
    const len = this.acc.d * this.acc.m;
    const dst = out ?? new Float64Array(len);
    checkLen('readAccumulator', 'out', dst, len, 'd·m');
    this.impl.readAccumulator(dst);
    return dst;
  }

  /** Same as the plain {@link gramColumns}, on this workspace's backend and memory. */
  gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void {
    checkDim('gramColumns', 'd', d);
    checkDim('gramColumns', 'm', m);
    checkLen('gramColumns', 'P', P, d * m, 'd·m');
    checkLen('gramColumns', 'out', out, m * m, 'm·m');
    this.impl.gramColumns(P, d, m, out);
  }

  /** Drop the resident operands and the WebAssembly memory (the workspace stays usable). */
  release(): void {
    this.implValue = undefined;
    this.right = undefined;
    this.acc = undefined;
  }
}

let shared: DenseWorkspace | undefined;

/**
 * This thread's workspace, on its current backend: the plain functions' and
 * the streamed W₀ products' (`shared.ts`); kept between calls so a worker
 * reuses its WebAssembly memory. Calls that use it must not interleave.
 */
export function threadWorkspace(): DenseWorkspace {
  const backend = kernelBackend();
  if (!shared || shared.backend !== backend) shared = new DenseWorkspace(backend);
  return shared;
}

/** Release the memory the plain functions keep between calls. */
export function releaseDenseMemory(): void {
  shared = undefined;
}

// ---------------------------------------------------------------------------
// Plain functions
// ---------------------------------------------------------------------------

/**
 * out[r, :] = Σ_k A[r, k] · Bm[k, :]   (a b×d block times a d×m matrix).
 *
 * @param A   b×d row-major block (e.g. rows of W₀)
 * @param b   rows of the block
 * @param d   inner dimension
 * @param Bm  d×m row-major (e.g. Eᵀ: token coordinates by token)
 * @param m   columns
 * @param out b×m row-major, overwritten (must not alias A or Bm)
 * @throws RangeError on non-integer/negative shapes or arrays shorter than their shape
 */
export function blockTimes(
  A: Float64Array, b: number, d: number, Bm: Float64Array, m: number, out: Float64Array,
): void {
  checkDim('blockTimes', 'b', b);
  checkDim('blockTimes', 'd', d);
  checkDim('blockTimes', 'm', m);
  checkLen('blockTimes', 'A', A, b * d, 'b·d');
  checkLen('blockTimes', 'Bm', Bm, d * m, 'd·m');
  checkLen('blockTimes', 'out', out, b * m, 'b·m');
  const ws = threadWorkspace();
  ws.setRight(Bm, d, m);
  ws.blockTimes(A, b, out);
}

/**
 * R[k, :] += Σ_r A[r, k] · Y[r, :]   (accumulate Aᵀ·Y for a b×d block A),
 * each term added to R[k, j] separately in increasing r.
 *
 * Summing this over all row blocks of W₀ (in order) gives W₀ᵀ·Y without
 * storing W₀, bit-identical to a single call with the whole W₀.
 *
 * @param A  b×d row-major block
 * @param b  rows of the block
 * @param d  columns of A = rows of R
 * @param Y  b×m row-major
 * @param m  columns of Y and R
 * @param R  d×m row-major accumulator (not cleared; must not alias A or Y)
 * @throws RangeError on non-integer/negative shapes or arrays shorter than their shape
 */
export function accumTransposeTimes(
  A: Float64Array, b: number, d: number, Y: Float64Array, m: number, R: Float64Array,
): void {
  checkDim('accumTransposeTimes', 'b', b);
  checkDim('accumTransposeTimes', 'd', d);
  checkDim('accumTransposeTimes', 'm', m);
  checkLen('accumTransposeTimes', 'A', A, b * d, 'b·d');
  checkLen('accumTransposeTimes', 'Y', Y, b * m, 'b·m');
  checkLen('accumTransposeTimes', 'R', R, d * m, 'd·m');
  const ws = threadWorkspace();
  ws.setAccumulator(d, m, R);
  ws.accumTransposeTimes(A, b, Y);
  ws.readAccumulator(R);
}

/**
 * Gram matrix of the columns: out = Pᵀ·P (m×m, symmetric, both halves filled;
 * out[a, b] sums P[i, a]·P[i, b] over increasing i, and out[b, a] = out[a, b]).
 *
 * @param P    d×m row-major
 * @param d    rows
 * @param m    columns
 * @param out  m×m row-major, overwritten (must not alias P)
 * @throws RangeError on non-integer/negative shapes or arrays shorter than their shape
 */
export function gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void {
  checkDim('gramColumns', 'd', d);
  checkDim('gramColumns', 'm', m);
  checkLen('gramColumns', 'P', P, d * m, 'd·m');
  checkLen('gramColumns', 'out', out, m * m, 'm·m');
  threadWorkspace().gramColumns(P, d, m, out);
}
