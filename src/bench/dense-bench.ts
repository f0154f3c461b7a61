/**
 * Throughput of the dense W₀ pipeline (SPEC §4, §6) on each dense backend.
 *
 * For row blocks A (b×d) of a random W₀ (d×d) and a random Eᵀ (d×m):
 *   out = A·Eᵀ (b×m), then R += Aᵀ·out (d×m),
 * i.e. 2·d²·m multiply-adds = 4·d²·m flops in total. W₀ is drawn before the
 * clock starts. Reports GFLOP/s per backend, both through a DenseWorkspace
 * (resident Eᵀ and R) and through the plain functions (operands copied per
 * call), and checks that all runs give bit-identical R.
 *
 * As in a worker, the workspace and the output arrays are made once and
 * reused (a fresh multi-megabyte array pays a page fault per 4 KiB page, see
 * `model/pool.ts`). Each configuration is repeated for at least `seconds`
 * and its best time kept (other load on the machine only ever adds time);
 * the median is reported beside it. `peakGflops` is the same kernels on
 * operands that stay in cache (a 128×256 by 256×128 product): the most the
 * pipeline could reach on this core; pipeline / peak is its efficiency.
 *
 * Run: `npm run build && node dist/bench/dense-bench.js [d] [m] [block]`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DenseWorkspace, accumTransposeTimes, blockTimes } from '../model/dense.js';
import { kernelBackend, setKernelBackend, wasmKernelsAvailable, wasmKernelsError } from '../model/kernels/index.js';
import type { KernelBackend } from '../model/kernels/types.js';

export interface DenseBenchOptions {
  /** token dimension (default 2000) */
  d?: number;
  /** columns of Eᵀ (default 162 = N + 2 for N = 160) */
  m?: number;
  /** rows of W₀ per block (default 64) */
  block?: number;
  /** least timed repetitions per configuration (default 3 for wasm, 1 for typescript) */
  repeats?: number;
  /** repeat each configuration for at least this long (s; default 1.5 for wasm, 0 for typescript) */
  seconds?: number;
  /** backends to run (default: all available) */
  backends?: KernelBackend[];
}

export interface DenseBenchRow {
  backend: KernelBackend;
  /** 'workspace': DenseWorkspace with resident Eᵀ and R; 'functions': plain functions */
  api: 'workspace' | 'functions';
  /** best wall time of one full pipeline (s) */
  seconds: number;
  /** 4·d²·m / seconds / 1e9 */
  gflops: number;
  /** median wall time of the repetitions (s) */
  medianSeconds: number;
  /** timed repetitions */
  repeats: number;
}

export interface DenseBenchResult {
  /** default backend of this process (what the engines use) */
  backend: KernelBackend;
  /** GFLOP/s of the default backend through a workspace */
  gflops: number;
  /** GFLOP/s of the default backend's kernels on operands that stay in cache (best of ≥ 0.5 s) */
  peakGflops: number;
  d: number;
  m: number;
  block: number;
  /** flops of one pipeline: 4·d²·m */
  flops: number;
  rows: DenseBenchRow[];
  /** whether every run produced the same R bit for bit */
  bitIdentical: boolean;
  /** wasm speed-up over typescript (workspace API), if both ran */
  speedup?: number;
  /** why wasm-simd did not run, if it did not */
  wasmError?: string;
}

/** Uniform(-1/√d, 1/√d) entries from xorshift32 (fast; not the trial streams). */
function randomMatrix(n: number, seed: number, scale: number): Float64Array {
  const x = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    x[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return x;
}

function runWorkspace(ws: DenseWorkspace, W: Float64Array, Et: Float64Array, d: number, m: number, b: number, out: Float64Array, R: Float64Array): Float64Array {
  ws.setRight(Et, d, m);
  ws.setAccumulator(d, m);
  for (let i0 = 0; i0 < d; i0 += b) {
    const rows = Math.min(b, d - i0);
    const A = W.subarray(i0 * d, (i0 + rows) * d);
    ws.blockTimes(A, rows, out);
    ws.accumTransposeTimes(A, rows, out);
  }
  return ws.readAccumulator(R);
}

function runFunctions(backend: KernelBackend, W: Float64Array, Et: Float64Array, d: number, m: number, b: number, out: Float64Array, R: Float64Array): Float64Array {
  const prev = kernelBackend();
  setKernelBackend(backend);
  try {
    R.fill(0);
    for (let i0 = 0; i0 < d; i0 += b) {
      const rows = Math.min(b, d - i0);
      const A = W.subarray(i0 * d, (i0 + rows) * d);
      blockTimes(A, rows, d, Et, m, out);
      accumTransposeTimes(A, rows, d, out, m, R);
    }
    return R;
  } finally {
    setKernelBackend(prev);
  }
}

/** GFLOP/s of `backend`'s product kernel on operands that stay in cache: best of ≥ `seconds`. */
function kernelPeak(backend: KernelBackend, seconds: number): number {
  const k = 256, mr = 128, nc = 128;
  const ws = new DenseWorkspace(backend);
  ws.setRight(randomMatrix(k * nc, 0x2545f491, 1), k, nc);
  const A = randomMatrix(mr * k, 0x9e3779b9, 1);
  const out = new Float64Array(mr * nc);
  let best = Infinity;
  const t0 = performance.now();
  for (let rep = 0; rep < 20 || performance.now() - t0 < seconds * 1000; rep++) {
    const t1 = performance.now();
    for (let j = 0; j < 8; j++) ws.blockTimes(A, mr, out);
    best = Math.min(best, (performance.now() - t1) / 8);
  }
  ws.release();
  return (2 * mr * nc * k) / (best / 1000) / 1e9;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Time the W₀ pipeline on each backend; see module doc. */
export async function benchDense(opts: DenseBenchOptions = {}): Promise<DenseBenchResult> {
  const d = opts.d ?? 2000;
  const m = opts.m ?? 162;
  const block = opts.block ?? 64;
  for (const [k, v] of Object.entries({ d, m, block })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`benchDense: ${k} must be a positive integer, got ${v}`);
  }
  const backends = opts.backends ?? (wasmKernelsAvailable() ? ['wasm-simd', 'typescript'] : ['typescript']);
  const W = randomMatrix(d * d, 0x9e3779b9, 1 / Math.sqrt(d));
  const Et = randomMatrix(d * m, 0x85ebca6b, 1);
  const flops = 4 * d * d * m;
  const rows: DenseBenchRow[] = [];
  let ref: Float64Array | undefined;
  let bitIdentical = true;
  const out = new Float64Array(block * m);
  for (const backend of backends) {
    const repeats = opts.repeats ?? (backend === 'wasm-simd' ? 3 : 1);
    const seconds = opts.seconds ?? (backend === 'wasm-simd' ? 1.5 : 0);
    const ws = new DenseWorkspace(backend);
    const R = new Float64Array(d * m);
    for (const api of ['workspace', 'functions'] as const) {
      const times: number[] = [];
      const tStart = performance.now();
      while (times.length < repeats || performance.now() - tStart < seconds * 1000) {
        await tick();
        const t0 = performance.now();
        api === 'workspace' ? runWorkspace(ws, W, Et, d, m, block, out, R) : runFunctions(backend, W, Et, d, m, block, out, R);
        times.push((performance.now() - t0) / 1000);
        if (!ref) ref = R.slice();
        else if (!R.every((v, i) => Object.is(v, ref![i]))) bitIdentical = false;
      }
      const best = Math.min(...times);
      const medianSeconds = [...times].sort((a, b) => a - b)[times.length >> 1];
      rows.push({ backend, api, seconds: best, gflops: flops / best / 1e9, medianSeconds, repeats: times.length });
    }
    ws.release();
  }
  const gf = (b: KernelBackend): number | undefined => rows.find((r) => r.backend === b && r.api === 'workspace')?.gflops;
  const def = kernelBackend();
  const wasm = gf('wasm-simd'), ts = gf('typescript');
  return {
    backend: def,
    gflops: gf(def) ?? NaN,
    peakGflops: kernelPeak(def, opts.seconds ?? 0.5),
    d, m, block, flops, rows, bitIdentical,
    ...(wasm !== undefined && ts !== undefined ? { speedup: wasm / ts } : {}),
    ...(wasmKernelsError() !== undefined ? { wasmError: wasmKernelsError() } : {}),
  };
}

async function main(): Promise<void> {
  const [d, m, block] = process.argv.slice(2).map(Number);
  const res = await benchDense({
    ...(d ? { d } : {}), ...(m ? { m } : {}), ...(block ? { block } : {}),
  });
  console.log(`dense W₀ pipeline: d=${res.d} m=${res.m} block=${res.block}, ${(res.flops / 1e9).toFixed(2)} GFLOP per pass (4·d²·m)`);
  if (res.wasmError) console.log(`wasm-simd unavailable: ${res.wasmError}`);
  for (const r of res.rows) {
    console.log(`  ${r.backend.padEnd(10)} ${r.api.padEnd(9)} best ${r.seconds.toFixed(3).padStart(6)} s ${r.gflops.toFixed(2).padStart(6)} GFLOP/s, median ${(res.flops / r.medianSeconds / 1e9).toFixed(2).padStart(6)} GFLOP/s (${r.repeats} runs)`);
  }
  console.log(`in-cache kernel peak (${res.backend}): ${res.peakGflops.toFixed(2)} GFLOP/s; pipeline efficiency ${(100 * res.gflops / res.peakGflops).toFixed(0)} %`);
  if (res.speedup !== undefined) console.log(`wasm-simd / typescript speed-up: ${res.speedup.toFixed(1)}×`);
  console.log(`default backend: ${res.backend}; results bit-identical across runs: ${res.bitIdentical}`);
  if (!res.bitIdentical) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
