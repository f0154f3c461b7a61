/**
 * The WebAssembly SIMD kernel table: f64x2 kernels compiled from the
 * AssemblyScript sources in `src/model/wasm/` by `npm run build:wasm` into
 * `dist/wasm/dense.wasm` (found by walking up from this module to the folder
 * holding package.json). Each dense workspace and each vector arena gets a
 * private instance (its own linear memory); kernels run by pointer on arrays
 * resident in that memory. Results equal the TypeScript table's bit for bit
 * (checked by the self-test in `index.ts` before this table is chosen).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DenseImpl, KernelTable, VecImpl } from './types.js';

/** The bits of the WebAssembly JS API used here (lib "dom" is not loaded). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Exports of dist/wasm/dense.wasm (pointers are byte offsets, sizes element counts). */
interface Exports {
  memory: WasmMemory;
  setBlocking(kc: number, mc: number): void;
  panelRows(): number;
  stripCols(): number;
  packA(src: number, M: number, K: number, rs: number, cs: number, dst: number): void;
  packB(src: number, K: number, N: number, ldb: number, dst: number): void;
  gemm(M: number, N: number, K: number, ap: number, bp: number, c: number, ldc: number, upper: number, scratch: number): void;
  mirrorUpper(c: number, m: number): void;
  vdot(a: number, b: number, len: number): number;
  vmatVec(A: number, rows: number, cols: number, x: number, out: number): void;
  vmatTVecAcc(A: number, rows: number, cols: number, x: number, out: number): void;
  vger(A: number, rows: number, cols: number, c: number, e: number): void;
  vmatVecGer(A: number, rows: number, cols: number, x: number, out: number, c: number, e: number): void;
}

const EXPORTS = [
  'memory', 'setBlocking', 'panelRows', 'stripCols', 'packA', 'packB', 'gemm', 'mirrorUpper',
  'vdot', 'vmatVec', 'vmatTVecAcc', 'vger', 'vmatVecGer',
] as const;

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

const PAGE = 65536;
const align = (x: number): number => Math.ceil(x / 64) * 64;

// ---------------------------------------------------------------------------
// Dense workspace (GEMM on packed operands)
// ---------------------------------------------------------------------------

const BASE = 1024; // first byte the arena uses (the module has no data segments)
const SCRATCH_BYTES = 256; // one MR×NR edge tile
/** Target size (elements) of one streamed chunk of a large operand. */
const CHUNK_ELEMS = 1 << 19;

function grow(mem: WasmMemory, end: number, what: string): void {
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  try {
    mem.grow(Math.ceil((end - have) / PAGE));
  } catch (e) {
    throw new RangeError(`${what}: cannot grow WebAssembly memory to ${(end / 2 ** 20).toFixed(0)} MiB (${String(e)})`);
  }
}

/**
 * Linear-memory layout: [right (packed) | accumulator | transient], byte
 * offsets managed here; the transient region holds per-call copies and packs.
 */
class WasmDense implements DenseImpl {
  private readonly MR: number;
  private readonly NR: number;
  private rightCap = 0;
  private accCap = 0;
  private accLen = 0; // elements of live accumulator content
  private get rightOff(): number { return BASE; }
  private get accOff(): number { return align(BASE + this.rightCap); }
  private get transOff(): number { return align(this.accOff + this.accCap); }

  constructor(private readonly ex: Exports) {
    this.MR = ex.panelRows();
    this.NR = ex.stripCols();
  }

  private ensure(end: number): void { grow(this.ex.memory, end, 'dense'); }
  private view(off: number, len: number): Float64Array { return new Float64Array(this.ex.memory.buffer, off, len); }
  private packedRows(M: number): number { return Math.ceil(M / this.MR) * this.MR; }
  private packedCols(N: number): number { return Math.ceil(N / this.NR) * this.NR; }
  private rows(width: number): number {
    const r = Math.floor(CHUNK_ELEMS / Math.max(1, width) / this.MR) * this.MR;
    return Math.max(this.MR, r);
  }

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
// Vector arena (per-step kernels on resident arrays)
// ---------------------------------------------------------------------------

/** First byte handed out (keeps pointer 0 unused). */
const ARENA_BASE = 64;

class WasmVec implements VecImpl {
  private buf: ArrayBuffer | undefined;
  private ex: Exports | undefined;

  constructor(private readonly make: () => Exports) {}

  get memoryBytes(): number {
    return this.ex ? this.ex.memory.buffer.byteLength : 0;
  }

  alloc(lengths: readonly number[]): Float64Array[] {
    this.ex ??= this.make();
    const ex = this.ex;
    const offs: number[] = [];
    let end = ARENA_BASE;
    for (const n of lengths) {
      offs.push(end);
      end = align(end + n * 8);
    }
    grow(ex.memory, end, 'VecArena');
    const buf = ex.memory.buffer;
    this.buf = buf;
    new Uint8Array(buf, ARENA_BASE, end - ARENA_BASE).fill(0);
    return lengths.map((n, i) => new Float64Array(buf, offs[i], n));
  }

  release(): void {
    this.ex = undefined;
    this.buf = undefined;
  }

  /** Byte offset of a live view of this arena. */
  private ptr(fn: string, name: string, a: Float64Array, len: number): number {
    if (!(a instanceof Float64Array) || this.buf === undefined || a.buffer !== this.buf) {
      throw new TypeError(`${fn}: ${name} is not a live array of this VecArena (allocate it with alloc())`);
    }
    if (a.length < len) throw new RangeError(`${fn}: ${name} has ${a.length} elements, needs ${len}`);
    return a.byteOffset;
  }

  dot(a: Float64Array, b: Float64Array, len: number): number {
    return this.ex!.vdot(this.ptr('dot', 'a', a, len), this.ptr('dot', 'b', b, len), len);
  }

  matVec(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    const f = 'matVec';
    this.ex!.vmatVec(this.ptr(f, 'A', A, rows * cols), rows, cols, this.ptr(f, 'x', x, cols), this.ptr(f, 'out', out, rows));
  }

  matTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
    const f = 'matTVecAcc';
    this.ex!.vmatTVecAcc(this.ptr(f, 'A', A, rows * cols), rows, cols, this.ptr(f, 'x', x, rows), this.ptr(f, 'out', out, cols));
  }

  ger(A: Float64Array, rows: number, cols: number, c: Float64Array, e: Float64Array): void {
    const f = 'ger';
    this.ex!.vger(this.ptr(f, 'A', A, rows * cols), rows, cols, this.ptr(f, 'c', c, rows), this.ptr(f, 'e', e, cols));
  }

  matVecGer(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array, c: Float64Array, e: Float64Array): void {
    const f = 'matVecGer';
    this.ex!.vmatVecGer(
      this.ptr(f, 'A', A, rows * cols), rows, cols, this.ptr(f, 'x', x, cols), this.ptr(f, 'out', out, rows),
      this.ptr(f, 'c', c, rows), this.ptr(f, 'e', e, cols),
    );
  }
}

/**
 * Load dist/wasm/dense.wasm and build its kernel table.
 *
 * @throws Error naming the reason (missing file — run `npm run build:wasm` —, no WebAssembly, missing exports)
 */
export function loadWasmKernels(): KernelTable {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error('WebAssembly is not available');
  const path = denseWasmPath();
  if (!path || !existsSync(path)) throw new Error(`${path ?? 'dist/wasm/dense.wasm'} not found (run \`npm run build:wasm\`)`);
  const module = new api.Module(readFileSync(path));
  const make = (): Exports => {
    const ex = new api.Instance(module, {}).exports;
    for (const k of EXPORTS) if (!(k in ex)) throw new Error(`dense.wasm lacks export '${k}' (rebuild with \`npm run build:wasm\`)`);
    return ex as unknown as Exports;
  };
  make(); // fail now, not at first use, if an export is missing
  return {
    name: 'wasm-simd',
    dense: () => new WasmDense(make()),
    vec: () => new WasmVec(make),
  };
}
