/**
 * Dense float64 kernels for the one-off products with W₀ (SPEC §4, §6).
 *
 * All matrices are row-major `Float64Array`s with explicit shapes; a kernel
 * reads/writes only the first rows·cols elements of each array (longer arrays
 * are fine). These are the only O(d²·N) operations of the reduced engine;
 * everything per step is O(N²).
 *
 * Two backends compute BIT-IDENTICAL results (for finite values; NaN payloads
 * may differ):
 *  - `'wasm-simd'`: WebAssembly SIMD (f64x2) kernels, packed operands, 4×4
 *    register tiles and L1/L2 cache blocking. Built from
 *    `src/model/wasm/dense.as.ts` by `npm run build:wasm` into
 *    `dist/wasm/dense.wasm` (found by walking up from this module to the folder
 *    holding package.json) and instantiated synchronously on module load.
 *  - `'typescript'`: plain loops, used when the .wasm is missing, fails to
 *    compile/validate, or when the environment sets `ATTN_PHASE_NO_WASM=1`.
 *
 * Operation order (shared by both backends, which is what makes them agree
 * bit for bit): every output element is a sum accumulated term by term in
 * increasing order of the inner index, starting from +0 (or from the previous
 * accumulator value), each term rounded as `a*b` and then added — never a
 * fused multiply-add. A consequence: splitting a product into row blocks
 * (e.g. streaming W₀ in blocks and summing `accumTransposeTimes` over the
 * blocks) gives exactly the same numbers as one call on the whole matrix,
 * whatever the block height.
 *
 * For a loop that streams W₀ in row blocks against the same right factor and
 * accumulator, use {@link DenseWorkspace}: it keeps the right factor (packed)
 * and the accumulator resident in WebAssembly memory across calls. The plain
 * functions copy every operand in and out on each call (O(size) copies versus
 * O(size·inner) work), which costs a few percent at block height 64.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which implementation runs the dense kernels. */
export type DenseBackend = 'wasm-simd' | 'typescript';

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
// TypeScript kernels (reference order; the wasm kernels reproduce it exactly)
// ---------------------------------------------------------------------------

function tsBlockTimes(A: Float64Array, b: number, d: number, Bm: Float64Array, m: number, out: Float64Array): void {
  out.fill(0, 0, b * m);
  // 4 rows of out at a time; k advances by 4 so each out element is loaded and
  // stored once per 4 terms (still added one at a time, in k order)
  let r = 0;
  for (; r < b; r += 4) {
    const nr = Math.min(4, b - r);
    const o0 = r * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
    const a0 = r * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
    let k = 0;
    for (; k + 4 <= d; k += 4) {
      const b0 = k * m, b1 = b0 + m, b2 = b1 + m, b3 = b2 + m;
      for (let i = 0; i < nr; i++) {
        const ai = i === 0 ? a0 : i === 1 ? a1 : i === 2 ? a2 : a3;
        const oi = i === 0 ? o0 : i === 1 ? o1 : i === 2 ? o2 : o3;
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
// WebAssembly loading
// ---------------------------------------------------------------------------

/** The bits of the WebAssembly JS API used here (lib "dom" is not loaded). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Exports of dist/wasm/dense.wasm (pointers are byte offsets, sizes element counts). */
interface DenseExports {
  memory: WasmMemory;
  setBlocking(kc: number, mc: number): void;
  panelRows(): number;
  stripCols(): number;
  packA(src: number, M: number, K: number, rs: number, cs: number, dst: number): void;
  packB(src: number, K: number, N: number, ldb: number, dst: number): void;
  gemm(M: number, N: number, K: number, ap: number, bp: number, c: number, ldc: number, upper: number, scratch: number): void;
  mirrorUpper(c: number, m: number): void;
}

const WASM_EXPORTS = ['memory', 'setBlocking', 'panelRows', 'stripCols', 'packA', 'packB', 'gemm', 'mirrorUpper'] as const;

/** Path where `npm run build:wasm` writes the module, or undefined if no package root is found. */
export function denseWasmPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'wasm', 'dense.wasm');
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

let wasmModule: object | undefined;
let wasmError: string | undefined;

function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

function instantiate(): DenseExports {
  const api = wasmApi();
  if (!api || !wasmModule) throw new Error('dense: WebAssembly module not loaded');
  const ex = new api.Instance(wasmModule, {}).exports;
  for (const k of WASM_EXPORTS) if (!(k in ex)) throw new Error(`dense.wasm lacks export '${k}'`);
  return ex as unknown as DenseExports;
}

// ---------------------------------------------------------------------------
// WebAssembly memory arena (one instance per workspace)
// ---------------------------------------------------------------------------

const PAGE = 65536;
const BASE = 1024; // first byte the arena uses (the module has no data segments)
const SCRATCH_BYTES = 256; // one MR×NR edge tile
/** Target size (elements) of one streamed chunk of a large operand. */
const CHUNK_ELEMS = 1 << 19;

const align = (x: number): number => Math.ceil(x / 64) * 64;

/**
 * Linear-memory layout: [right (packed) | accumulator | transient], byte
 * offsets managed here; the transient region holds per-call copies and packs.
 */
class WasmArena {
  private readonly ex: DenseExports;
  readonly MR: number;
  readonly NR: number;
  private rightCap = 0;
  private accCap = 0;
  private accLen = 0; // elements of live accumulator content
  private get rightOff(): number { return BASE; }
  private get accOff(): number { return align(BASE + this.rightCap); }
  private get transOff(): number { return align(this.accOff + this.accCap); }

  constructor() {
    this.ex = instantiate();
    this.MR = this.ex.panelRows();
    this.NR = this.ex.stripCols();
  }

  /** Make sure bytes [0, end) exist. */
  private ensure(end: number): void {
    const mem = this.ex.memory;
    const have = mem.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      mem.grow(pages);
    } catch (e) {
      throw new RangeError(`dense: cannot grow WebAssembly memory to ${(end / 2 ** 20).toFixed(0)} MiB (${String(e)})`);
    }
  }

  private view(off: number, len: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, off, len);
  }

  private packedRows(M: number): number { return Math.ceil(M / this.MR) * this.MR; }
  private packedCols(N: number): number { return Math.ceil(N / this.NR) * this.NR; }

  private rows(width: number): number {
    const r = Math.floor(CHUNK_ELEMS / Math.max(1, width) / this.MR) * this.MR;
    return Math.max(this.MR, r);
  }

  /** Pack a d×m right factor into the resident right slot. */
  setRight(Bm: Float64Array, d: number, m: number): void {
    const need = this.packedCols(m) * d * 8;
    if (need > this.rightCap) {
      const saved = this.accLen > 0 ? this.view(this.accOff, this.accLen).slice() : undefined;
      this.rightCap = need;
      this.ensure(this.transOff);
      if (saved) this.view(this.accOff, saved.length).set(saved);
    }
    // strips span all d rows: copy Bm whole into the transient region, pack once
    const raw = this.transOff;
    this.ensure(raw + d * m * 8);
    this.view(raw, d * m).set(Bm.subarray(0, d * m));
    this.ex.packB(raw, d, m, m, this.rightOff);
  }

  /** out (b×m) = A (b×d) · right (d×m), streaming A in row chunks. */
  blockTimes(A: Float64Array, b: number, d: number, m: number, out: Float64Array): void {
    const ch = Math.min(this.rows(d), this.packedRows(b));
    const rawA = this.transOff;
    const ap = align(rawA + ch * d * 8);
    const c = align(ap + this.packedRows(ch) * d * 8);
    const scratch = align(c + ch * m * 8);
    this.ensure(scratch + SCRATCH_BYTES);
    for (let r0 = 0; r0 < b; r0 += ch) {
      const rows = Math.min(ch, b - r0);
      this.view(rawA, rows * d).set(A.subarray(r0 * d, (r0 + rows) * d));
      this.ex.packA(rawA, rows, d, d, 1, ap);
      const cv = this.view(c, rows * m);
      cv.fill(0);
      this.ex.gemm(rows, m, d, ap, this.rightOff, c, m, 0, scratch);
      out.set(this.view(c, rows * m), r0 * m);
    }
  }

  /** Resident d×m accumulator: zeroed, or a copy of R. */
  setAccumulator(d: number, m: number, R?: Float64Array): void {
    const len = d * m;
    if (len * 8 > this.accCap) {
      this.accCap = len * 8;
      this.ensure(this.transOff);
    }
    const v = this.view(this.accOff, len);
    if (R) v.set(R.subarray(0, len));
    else v.fill(0);
    this.accLen = len;
  }

  readAccumulator(out: Float64Array): void {
    out.set(this.view(this.accOff, this.accLen));
  }

  /** acc (d×m) += Aᵀ·Y for A b×d, Y b×m, streaming r in chunks (in order). */
  accumTransposeTimes(A: Float64Array, b: number, d: number, Y: Float64Array, m: number): void {
    const ch = Math.min(this.rows(Math.max(d, m)), this.packedRows(b));
    const rawA = this.transOff;
    const ap = align(rawA + ch * d * 8);
    const rawY = align(ap + this.packedRows(d) * ch * 8);
    const yp = align(rawY + ch * m * 8);
    const scratch = align(yp + this.packedCols(m) * ch * 8);
    this.ensure(scratch + SCRATCH_BYTES);
    for (let r0 = 0; r0 < b; r0 += ch) {
      const rows = Math.min(ch, b - r0);
      this.view(rawA, rows * d).set(A.subarray(r0 * d, (r0 + rows) * d));
      this.view(rawY, rows * m).set(Y.subarray(r0 * m, (r0 + rows) * m));
      // GEMM operand Aᵀ (d×rows): element (k, r) = A[r, k] at rawA + 8·(k + r·d)
      this.ex.packA(rawA, d, rows, 1, d, ap);
      this.ex.packB(rawY, rows, m, m, yp);
      this.ex.gemm(d, m, rows, ap, yp, this.accOff, m, 0, scratch);
    }
  }

  /** out (m×m) = PᵀP for P d×m, streaming rows of P in chunks (in order). */
  gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void {
    const ch = Math.max(1, Math.min(this.rows(m), d));
    const c = this.transOff;
    const raw = align(c + m * m * 8);
    const ap = align(raw + ch * m * 8);
    const bp = align(ap + this.packedRows(m) * ch * 8);
    const scratch = align(bp + this.packedCols(m) * ch * 8);
    this.ensure(scratch + SCRATCH_BYTES);
    this.view(c, m * m).fill(0);
    for (let i0 = 0; i0 < d; i0 += ch) {
      const rows = Math.min(ch, d - i0);
      this.view(raw, rows * m).set(P.subarray(i0 * m, (i0 + rows) * m));
      // GEMM operand Pᵀ (m×rows): element (a, i) = P[i, a] at raw + 8·(a + i·m)
      this.ex.packA(raw, m, rows, 1, m, ap);
      this.ex.packB(raw, rows, m, m, bp);
      this.ex.gemm(m, m, rows, ap, bp, c, m, 1, scratch);
    }
    this.ex.mirrorUpper(c, m);
    out.set(this.view(c, m * m));
  }
}

// ---------------------------------------------------------------------------
// Backend selection
// ---------------------------------------------------------------------------

function loadWasm(): void {
  if (process.env.ATTN_PHASE_NO_WASM === '1') {
    wasmError = 'disabled by ATTN_PHASE_NO_WASM=1';
    return;
  }
  try {
    const api = wasmApi();
    if (!api) throw new Error('WebAssembly is not available');
    const path = denseWasmPath();
    if (!path || !existsSync(path)) throw new Error(`${path ?? 'dist/wasm/dense.wasm'} not found (run \`npm run build:wasm\`)`);
    wasmModule = new api.Module(readFileSync(path));
    selfTest();
  } catch (e) {
    wasmModule = undefined;
    wasmError = e instanceof Error ? e.message : String(e);
  }
}

/** Small products on both backends must agree bit for bit, else wasm is not used. */
function selfTest(): void {
  const arena = new WasmArena();
  let s = 12345;
  const rnd = (n: number): Float64Array => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      x[i] = s / 2 ** 32 - 0.5;
    }
    return x;
  };
  const b = 7, d = 9, m = 5;
  const A = rnd(b * d), Bm = rnd(d * m), Y = rnd(b * m);
  const o1 = new Float64Array(b * m), o2 = new Float64Array(b * m);
  tsBlockTimes(A, b, d, Bm, m, o1);
  arena.setRight(Bm, d, m);
  arena.blockTimes(A, b, d, m, o2);
  const R1 = rnd(d * m), R2 = R1.slice();
  tsAccumTransposeTimes(A, b, d, Y, m, R1);
  arena.setAccumulator(d, m, R2);
  arena.accumTransposeTimes(A, b, d, Y, m);
  arena.readAccumulator(R2);
  const g1 = new Float64Array(m * m), g2 = new Float64Array(m * m);
  tsGramColumns(Bm, d, m, g1);
  arena.gramColumns(Bm, d, m, g2);
  const same = (x: Float64Array, y: Float64Array): boolean => x.every((v, i) => Object.is(v, y[i]));
  if (!same(o1, o2) || !same(R1, R2) || !same(g1, g2)) throw new Error('dense.wasm self-test: results differ from the TypeScript kernels');
}

loadWasm();

let current: DenseBackend = wasmModule ? 'wasm-simd' : 'typescript';

/** The backend the plain functions (and new workspaces, by default) use in this thread. */
export function denseBackend(): DenseBackend {
  return current;
}

/**
 * A fresh instance of dense.wasm with its own linear memory (initially empty;
 * the module has no data segments, so every byte belongs to the caller), for
 * the other kernel families compiled into the module (the per-step vector
 * kernels driven by `linalg.ts`). The caller checks the exports it needs.
 *
 * @returns the instance's exports, or undefined if the wasm backend is unavailable
 */
export function instantiateDenseModule(): Record<string, unknown> | undefined {
  const api = wasmApi();
  if (!api || !wasmModule) return undefined;
  return new api.Instance(wasmModule, {}).exports;
}

/** Whether the WebAssembly backend loaded and passed its self-test. */
export function denseWasmAvailable(): boolean {
  return wasmModule !== undefined;
}

/** Why the WebAssembly backend is unavailable (undefined if it is available). */
export function denseWasmError(): string | undefined {
  return wasmModule ? undefined : wasmError;
}

/**
 * Choose the backend of the plain functions in this thread (e.g. for tests or
 * benchmarks). Existing workspaces keep theirs.
 *
 * @throws Error if `'wasm-simd'` is requested but unavailable (see {@link denseWasmError}).
 */
export function setDenseBackend(backend: DenseBackend): void {
  if (backend === 'wasm-simd' && !wasmModule) throw new Error(`dense: wasm-simd backend unavailable: ${wasmError}`);
  if (backend !== 'wasm-simd' && backend !== 'typescript') throw new Error(`dense: unknown backend '${String(backend)}'`);
  current = backend;
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
  readonly backend: DenseBackend;
  private arena: WasmArena | undefined;
  private tsRight: Float64Array | undefined;
  private tsAcc: Float64Array | undefined;
  private right: { d: number; m: number } | undefined;
  private acc: { d: number; m: number } | undefined;

  /**
   * @param backend defaults to {@link denseBackend}()
   * @throws Error if `'wasm-simd'` is requested but unavailable
   */
  constructor(backend: DenseBackend = denseBackend()) {
    if (backend === 'wasm-simd' && !wasmModule) throw new Error(`dense: wasm-simd backend unavailable: ${wasmError}`);
    this.backend = backend;
  }

  private wasm(): WasmArena {
    this.arena ??= new WasmArena();
    return this.arena;
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
    if (this.backend === 'wasm-simd') this.wasm().setRight(Bm, d, m);
    else this.tsRight = Bm.slice(0, d * m);
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
    if (this.backend === 'wasm-simd') this.wasm().blockTimes(A, b, d, m, out);
    else tsBlockTimes(A, b, d, this.tsRight!, m, out);
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
    if (this.backend === 'wasm-simd') this.wasm().setAccumulator(d, m, R);
    else this.tsAcc = R ? R.slice(0, d * m) : new Float64Array(d * m);
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
    if (this.backend === 'wasm-simd') this.wasm().accumTransposeTimes(A, b, d, Y, m);
    else tsAccumTransposeTimes(A, b, d, Y, m, this.tsAcc!);
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
    if (this.backend === 'wasm-simd') this.wasm().readAccumulator(dst);
    else dst.set(this.tsAcc!);
    return dst;
  }

  /** Same as the plain {@link gramColumns}, on this workspace's backend and memory. */
  gramColumns(P: Float64Array, d: number, m: number, out: Float64Array): void {
    checkDim('gramColumns', 'd', d);
    checkDim('gramColumns', 'm', m);
    checkLen('gramColumns', 'P', P, d * m, 'd·m');
    checkLen('gramColumns', 'out', out, m * m, 'm·m');
    if (this.backend === 'wasm-simd') this.wasm().gramColumns(P, d, m, out);
    else tsGramColumns(P, d, m, out);
  }

  /** Drop the resident operands and the WebAssembly memory (the workspace stays usable). */
  release(): void {
    this.arena = undefined;
    this.tsRight = undefined;
    this.tsAcc = undefined;
    this.right = undefined;
    this.acc = undefined;
  }
}

let shared: DenseWorkspace | undefined;

function sharedWasm(): DenseWorkspace {
  shared ??= new DenseWorkspace('wasm-simd');
  return shared;
}

/** Release the memory the plain functions keep between calls (wasm backend). */
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
  if (current === 'typescript') return tsBlockTimes(A, b, d, Bm, m, out);
  const ws = sharedWasm();
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
  if (current === 'typescript') return tsAccumTransposeTimes(A, b, d, Y, m, R);
  const ws = sharedWasm();
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
  if (current === 'typescript') return tsGramColumns(P, d, m, out);
  sharedWasm().gramColumns(P, d, m, out);
}
