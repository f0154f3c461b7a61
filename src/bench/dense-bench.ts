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
 * Run: `npm run build && node dist/bench/dense-bench.js [d] [m] [block]`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DenseWorkspace, accumTransposeTimes, blockTimes, denseBackend, denseWasmAvailable, denseWasmError,
  setDenseBackend, type DenseBackend,
} from '../model/dense.js';

export interface DenseBenchOptions {
  /** token dimension (default 2000) */
  d?: number;
  /** columns of Eᵀ (default 162 = N + 2 for N = 160) */
  m?: number;
  /** rows of W₀ per block (default 64) */
  block?: number;
  /** timed repetitions per configuration, best kept (default 3 for wasm, 1 for typescript) */
  repeats?: number;
  /** backends to run (default: all available) */
  backends?: DenseBackend[];
}

export interface DenseBenchRow {
  backend: DenseBackend;
  /** 'workspace': DenseWorkspace with resident Eᵀ and R; 'functions': plain functions */
  api: 'workspace' | 'functions';
  /** best wall time of one full pipeline (s) */
  seconds: number;
  /** 4·d²·m / seconds / 1e9 */
  gflops: number;
}

export interface DenseBenchResult {
  /** default backend of this process (what the engines use) */
  backend: DenseBackend;
  /** GFLOP/s of the default backend through a workspace */
  gflops: number;
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

function runWorkspace(backend: DenseBackend, W: Float64Array, Et: Float64Array, d: number, m: number, b: number): Float64Array {
  const ws = new DenseWorkspace(backend);
  ws.setRight(Et, d, m);
  ws.setAccumulator(d, m);
  const out = new Float64Array(b * m);
  for (let i0 = 0; i0 < d; i0 += b) {
    const rows = Math.min(b, d - i0);
    const A = W.subarray(i0 * d, (i0 + rows) * d);
    ws.blockTimes(A, rows, out);
    ws.accumTransposeTimes(A, rows, out);
  }
  const R = ws.readAccumulator();
  ws.release();
  return R;
}

function runFunctions(backend: DenseBackend, W: Float64Array, Et: Float64Array, d: number, m: number, b: number): Float64Array {
  const prev = denseBackend();
  setDenseBackend(backend);
  try {
    const R = new Float64Array(d * m);
    const out = new Float64Array(b * m);
    for (let i0 = 0; i0 < d; i0 += b) {
      const rows = Math.min(b, d - i0);
      const A = W.subarray(i0 * d, (i0 + rows) * d);
      blockTimes(A, rows, d, Et, m, out);
      accumTransposeTimes(A, rows, d, out, m, R);
    }
    return R;
  } finally {
    setDenseBackend(prev);
  }
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
  const backends = opts.backends ?? (denseWasmAvailable() ? ['wasm-simd', 'typescript'] : ['typescript']);
  const W = randomMatrix(d * d, 0x9e3779b9, 1 / Math.sqrt(d));
  const Et = randomMatrix(d * m, 0x85ebca6b, 1);
  const flops = 4 * d * d * m;
  const rows: DenseBenchRow[] = [];
  let ref: Float64Array | undefined;
  let bitIdentical = true;
  for (const backend of backends) {
    const repeats = opts.repeats ?? (backend === 'wasm-simd' ? 3 : 1);
    for (const api of ['workspace', 'functions'] as const) {
      let best = Infinity;
      for (let rep = 0; rep < repeats; rep++) {
        await tick();
        const t0 = performance.now();
        const R = api === 'workspace' ? runWorkspace(backend, W, Et, d, m, block) : runFunctions(backend, W, Et, d, m, block);
        best = Math.min(best, (performance.now() - t0) / 1000);
        if (!ref) ref = R;
        else if (!R.every((v, i) => Object.is(v, ref![i]))) bitIdentical = false;
      }
      rows.push({ backend, api, seconds: best, gflops: flops / best / 1e9 });
    }
  }
  const gf = (b: DenseBackend): number | undefined => rows.find((r) => r.backend === b && r.api === 'workspace')?.gflops;
  const def = denseBackend();
  const wasm = gf('wasm-simd'), ts = gf('typescript');
  return {
    backend: def,
    gflops: gf(def) ?? NaN,
    d, m, block, flops, rows, bitIdentical,
    ...(wasm !== undefined && ts !== undefined ? { speedup: wasm / ts } : {}),
    ...(denseWasmError() !== undefined ? { wasmError: denseWasmError() } : {}),
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
    console.log(`  ${r.backend.padEnd(10)} ${r.api.padEnd(9)} ${r.seconds.toFixed(3).padStart(8)} s  ${r.gflops.toFixed(2).padStart(7)} GFLOP/s`);
  }
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
