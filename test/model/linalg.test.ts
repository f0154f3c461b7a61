/**
 * Per-step vector kernels (src/model/linalg.ts) and the reduced engine built
 * on them: the wasm-simd and TypeScript backends must agree bit for bit, with
 * each other and with plain reference loops (the engine's original code).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accumTransposeTimes, blockTimes, gramColumns } from '../../src/model/dense.js';
import { type Problem, W0Rows, drawP0, drawTokenNoise } from '../../src/model/data.js';
import { type EngineReport, type EngineRun, type EngineState, forwardBackward } from '../../src/model/forward.js';
import { VecArena, axpy, dot, matTVec, matVec, releaseVecMemory, withVecArena } from '../../src/model/linalg.js';
import { type ReducedSystem, reducedFromProblem, trainReduced, transpose } from '../../src/model/reduced.js';
import { computeSharedDraws } from '../../src/model/shared.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { kernelBackend, setKernelBackend, wasmKernelsAvailable, wasmKernelsError } from '../../src/model/kernels/index.js';
import type { KernelBackend } from '../../src/model/kernels/types.js';

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

const wasmOk = wasmKernelsAvailable() && wasmKernelsAvailable();
const backends: KernelBackend[] = wasmOk ? ['wasm-simd', 'typescript'] : ['typescript'];

/** Deterministic uniform(-1, 1) values. */
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

function expectBitwise(x: ArrayLike<number>, y: ArrayLike<number>, what = ''): void {
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) throw new Error(`${what} element ${i}: ${x[i]} vs ${y[i]} differ`);
  }
}

// ---------------------------------------------------------------------------
// Reference loops (the obvious scalar code, in the documented order)
// ---------------------------------------------------------------------------

function refDot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  const s = [0, 0, 0, 0];
  const k4 = len - (len % 4);
  for (let k = 0; k < k4; k++) s[k % 4] += a[ao + k] * b[bo + k];
  for (let k = k4; k < len; k++) s[0] += a[ao + k] * b[bo + k];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

function refMatTVecAcc(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) out[q] += x[r] * A[r * cols + q];
}

// (rows, cols): tails in both directions, 4-row blocks, the engine's shapes
const shapes: [number, number][] = [
  [1, 1], [1, 5], [2, 3], [3, 4], [4, 4], [5, 7], [6, 1], [7, 9], [8, 13], [9, 14], [13, 23], [16, 15], [161, 160], [160, 161], [33, 2000],
];

describe('plain kernels', () => {
  it('dot uses the documented 4-accumulator order', () => {
    for (const len of [0, 1, 3, 4, 5, 8, 11, 161]) {
      const a = rand(len + 3, len), b = rand(len + 5, len + 100);
      expect(Object.is(dot(a, 3, b, 5, len), refDot(a, 3, b, 5, len))).toBe(true);
    }
  });
  it('matVec, matTVec and axpy match reference loops', () => {
    const A = rand(7 * 9, 1), x = rand(9, 2), xr = rand(7, 3);
    const out = new Float64Array(7);
    matVec(A, 7, 9, x, out);
    expectBitwise(out, Array.from({ length: 7 }, (_, r) => refDot(A, r * 9, x, 0, 9)));
    const t = new Float64Array(9);
    matTVec(A, 7, 9, xr, t);
    const tr = new Float64Array(9);
    refMatTVecAcc(A, 7, 9, xr, tr);
    expectBitwise(t, tr);
    const y = rand(9, 4), y2 = y.slice();
    axpy(0.3, x, 0, y, 0, 9);
    for (let k = 0; k < 9; k++) y2[k] += 0.3 * x[k];
    expectBitwise(y, y2);
  });
});

describe.each(backends)('VecArena (%s)', (backend) => {
  it.each(shapes)('kernels on %i×%i match reference loops bit for bit', (rows, cols) => {
    const ar = new VecArena(backend);
    expect(ar.backend).toBe(backend);
    const [A, x, xr, out, c, e] = ar.alloc([rows * cols, cols, rows, Math.max(rows, cols), rows, cols]);
    A.set(rand(rows * cols, rows * 31 + cols));
    x.set(rand(cols, 7));
    xr.set(rand(rows, 8));
    c.set(rand(rows, 9));
    e.set(rand(cols, 10));
    const A0 = A.slice();
    // dot
    expect(Object.is(ar.dot(A, x, cols), refDot(A0, 0, x, 0, cols))).toBe(true);
    // matVec
    ar.matVec(A, rows, cols, x, out);
    expectBitwise(out.subarray(0, rows), Array.from({ length: rows }, (_, r) => refDot(A0, r * cols, x, 0, cols)), 'matVec');
    // matTVec (zeroed) and matTVecAcc (accumulating)
    ar.matTVec(A, rows, cols, xr, out);
    const t = new Float64Array(cols);
    refMatTVecAcc(A0, rows, cols, xr, t);
    expectBitwise(out.subarray(0, cols), t, 'matTVec');
    const acc = rand(cols, 11);
    out.set(acc);
    ar.matTVecAcc(A, rows, cols, xr, out);
    refMatTVecAcc(A0, rows, cols, xr, acc);
    expectBitwise(out.subarray(0, cols), acc, 'matTVecAcc');
    // ger
    ar.ger(A, rows, cols, c, e);
    const A1 = A0.slice();
    for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) A1[r * cols + q] += c[r] * e[q];
    expectBitwise(A, A1, 'ger');
    // fused matVecGer: dots with the old rows, then the update
    ar.matVecGer(A, rows, cols, x, out, c, e);
    const z = Array.from({ length: rows }, (_, r) => refDot(A1, r * cols, x, 0, cols));
    for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) A1[r * cols + q] += c[r] * e[q];
    expectBitwise(out.subarray(0, rows), z, 'matVecGer z');
    expectBitwise(A, A1, 'matVecGer A');
  });

  it('alloc zero-fills, also when memory is reused', () => {
    const ar = new VecArena(backend);
    const [a, b] = ar.alloc([10, 1000]);
    a.fill(3);
    b.fill(4);
    const [c, d] = ar.alloc([5, 2000]);
    expect(c.every((v) => v === 0) && d.every((v) => v === 0)).toBe(true);
    expect(c.length).toBe(5);
    expect(d.length).toBe(2000);
  });

  it('rejects short arrays', () => {
    const ar = new VecArena(backend);
    const [A, x, out] = ar.alloc([12, 4, 2]);
    expect(() => ar.matVec(A, 3, 4, x, out)).toThrow(RangeError);
    expect(() => ar.matVec(A, 4, 4, x, out)).toThrow(RangeError);
  });
});

describe.skipIf(!wasmOk)('VecArena wasm memory', () => {
  it('hands out views into WebAssembly memory and refuses foreign arrays', () => {
    const ar = new VecArena('wasm-simd');
    const [A, x, out] = ar.alloc([16, 4, 4]);
    expect(A.buffer).toBe(x.buffer);
    expect(ar.memoryBytes).toBeGreaterThan(0);
    expect(() => ar.matVec(A, 4, 4, new Float64Array(4), out)).toThrow(TypeError);
    // growth detaches older views: they are refused, new ones work
    ar.alloc([1 << 20]);
    expect(() => ar.matVec(A, 4, 4, x, out)).toThrow(TypeError);
    const [B, y, o2] = ar.alloc([16, 4, 4]);
    B.fill(1);
    y.fill(2);
    ar.matVec(B, 4, 4, y, o2);
    expectBitwise(o2, [8, 8, 8, 8]);
  });
  it('kernelBackend follows the dense backend', () => {
    setKernelBackend('typescript');
    expect(kernelBackend()).toBe('typescript');
    setKernelBackend('wasm-simd');
    expect(kernelBackend()).toBe('wasm-simd');
    expect(wasmKernelsError()).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// Reduced engine: backends agree bit for bit, and with the original code
// ---------------------------------------------------------------------------

/** A random explicit problem (W₀ ~ U(±1/√d), tokens ~ U(±1) plus a signal, p₀ random). */
function randomProblem(d: number, n: number, T: number, seed: number): Problem {
  const N = n * T;
  const X = rand(N * d, seed);
  const W0 = rand(d * d, seed + 1).map((v) => v / Math.sqrt(d));
  const p0 = rand(d, seed + 2).map((v) => 0.3 * v / Math.sqrt(d));
  const yTrue = rand(n, seed + 3).map((v) => (v >= 0 ? 1 : -1));
  const noisy = new Uint8Array(n);
  noisy[0] = 1;
  const y = yTrue.map((v, i) => (noisy[i] ? -v : v));
  for (let i = 0; i < n; i++) X[i * T * d] += 2 * yTrue[i]; // token 0 of each sequence carries the label
  const nu = new Float64Array(d);
  nu[0] = 1;
  nu[1] = -0.5;
  return { d, n, T, X, y, yTrue, noisy, W0, p0, nu };
}

interface Record_ { step: number; loss: number; pNorm: number; f: number[]; a: number[]; s: number[]; u: number[] | null }

function record(train: (run: EngineRun) => EngineReport, alpha: number, steps: number, uEvery: number): { rec: Record_[]; report: EngineReport } {
  const rec: Record_[] = [];
  const run: EngineRun = {
    alpha,
    steps,
    checkpoints: Array.from({ length: steps + 1 }, (_, i) => i),
    observe(st: EngineState) {
      rec.push({
        step: st.step, loss: st.trainLoss, pNorm: st.pNorm, f: Array.from(st.f), a: Array.from(st.a), s: Array.from(st.s),
        u: st.step % uEvery === 0 ? Array.from(st.u()) : null,
      });
    },
  };
  const report = train(run);
  return { rec, report };
}

function expectSameRecords(x: Record_[], y: Record_[]): void {
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    const p = x[i], q = y[i];
    expect(p.step).toBe(q.step);
    expect(Object.is(p.loss, q.loss)).toBe(true);
    expect(Object.is(p.pNorm, q.pNorm)).toBe(true);
    expectBitwise(p.f, q.f, `step ${p.step} f`);
    expectBitwise(p.a, q.a, `step ${p.step} attn`);
    expectBitwise(p.s, q.s, `step ${p.step} s`);
    expect(p.u === null).toBe(q.u === null);
    if (p.u && q.u) expectBitwise(p.u, q.u, `step ${p.step} u`);
  }
}

/** The reduced engine's original plain-loop step code (before the wasm kernels), kept as the bitwise reference. */
function referenceTrainReduced(sys: ReducedSystem, run: EngineRun): EngineReport {
  const { d, n, T, y, v, G, H, Q, X } = sys;
  const N = n * T;
  const M = N + 1;
  const { alpha, steps, checkpoints } = run;
  const c = new Float64Array(M);
  c[0] = 1;
  const C = new Float64Array(M * N);
  const h = new Float64Array(M), w = new Float64Array(N), s = new Float64Array(N), a = new Float64Array(N);
  const f = new Float64Array(n), e = new Float64Array(N), Ge = new Float64Array(N), z = new Float64Array(M);
  const u = new Float64Array(d);
  let ci = 0;
  let anyC = false;
  const computeU = (): Float64Array => {
    matVec(Q, d, M, c, u);
    if (anyC) for (let t = 0; t < N; t++) if (w[t] !== 0) axpy(-alpha * w[t], X, t * d, u, 0, d);
    return u;
  };
  for (let step = 0; step <= steps; step++) {
    matVec(H, M, M, c, h);
    if (anyC) {
      matTVec(C, M, N, h, w);
      for (let t = 0; t < N; t++) s[t] = h[t + 1] - alpha * dot(G, t * N, w, 0, N);
    } else {
      w.fill(0);
      for (let t = 0; t < N; t++) s[t] = h[t + 1];
    }
    const loss = forwardBackward(s, v, y, n, T, a, f, e);
    let ok = Number.isFinite(loss);
    for (let t = 0; ok && t < N; t++) ok = Number.isFinite(s[t]);
    if (!ok) return { divergedAt: step, stepsDone: step };
    if (ci < checkpoints.length && checkpoints[ci] === step) {
      ci++;
      let pp = 0;
      for (let r = 0; r < M; r++) pp += c[r] * h[r];
      const stop = run.observe({ step, s, a, f, trainLoss: loss, pNorm: Math.sqrt(Math.max(pp, 0)), u: computeU });
      if (stop === false) return { divergedAt: null, stepsDone: step };
    }
    if (step === steps) break;
    matVec(G, N, N, e, Ge);
    if (anyC) matVec(C, M, N, Ge, z);
    else z.fill(0);
    for (let r = 0; r < M; r++) if (c[r] !== 0) axpy(c[r], e, 0, C, r * N, N);
    anyC = true;
    c[0] -= alpha * (-alpha * z[0]);
    for (let r = 1; r < M; r++) c[r] -= alpha * (e[r - 1] - alpha * z[r]);
  }
  return { divergedAt: null, stepsDone: steps };
}

// (d, n, T): N = 15 (odd, tails everywhere), N = 42, N = 160 (the reference shape)
const problems: [number, number, number][] = [[23, 5, 3], [41, 6, 7], [50, 20, 8]];

describe('trainReduced backends', () => {
  it.each(problems)('d=%i n=%i T=%i: f/attn/loss/s/u bitwise identical on every backend and to the original loops', (d, n, T) => {
    const sys = reducedFromProblem(randomProblem(d, n, T, d + n + T));
    const alpha = 0.5;
    const steps = 150;
    const ref = record((run) => referenceTrainReduced(sys, run), alpha, steps, 7);
    expect(ref.report.divergedAt).toBeNull();
    // the problem trains: loss decreases
    expect(ref.rec[steps].loss).toBeLessThan(ref.rec[0].loss);
    for (const b of backends) {
      setKernelBackend(b);
      expect(kernelBackend()).toBe(b);
      const got = record((run) => trainReduced(sys, run), alpha, steps, 7);
      expect(got.report).toEqual(ref.report);
      expectSameRecords(got.rec, ref.rec);
    }
  });

  it('divergence is detected at the same step on every backend', () => {
    const sys = reducedFromProblem(randomProblem(23, 5, 3, 99));
    // attention saturates for any moderate step size, so overflow the logits outright
    const ref = record((run) => referenceTrainReduced(sys, run), 1e160, 20, 1);
    expect(ref.report.divergedAt).toBe(1);
    for (const b of backends) {
      setKernelBackend(b);
      const got = record((run) => trainReduced(sys, run), 1e160, 20, 1);
      expect(got.report).toEqual(ref.report);
      expectSameRecords(got.rec, ref.rec);
    }
  });

  it('early stop, reuse of the thread arena across trials and nested trials give the same numbers', () => {
    const sys = reducedFromProblem(randomProblem(41, 6, 7, 5));
    const small = reducedFromProblem(randomProblem(23, 5, 3, 6));
    const ref = record((run) => referenceTrainReduced(sys, run), 0.5, 40, 3);
    const refSmall = record((run) => referenceTrainReduced(small, run), 0.5, 10, 1);
    for (const b of backends) {
      setKernelBackend(b);
      // a nested trial inside the observer gets its own arena
      let nested: ReturnType<typeof record> | undefined;
      const outer = record((run) => trainReduced(sys, {
        ...run,
        observe(st) {
          if (st.step === 5) nested = record((r2) => trainReduced(small, r2), 0.5, 10, 1);
          return run.observe(st);
        },
      }), 0.5, 40, 3);
      expectSameRecords(outer.rec, ref.rec);
      expectSameRecords(nested!.rec, refSmall.rec);
      // again, on the reused arena (memory not zeroed by construction)
      expectSameRecords(record((run) => trainReduced(sys, run), 0.5, 40, 3).rec, ref.rec);
      releaseVecMemory();
      expectSameRecords(record((run) => trainReduced(small, run), 0.5, 10, 1).rec, refSmall.rec);
      // observer returning false stops
      const stopped = trainReduced(sys, { alpha: 0.5, steps: 40, checkpoints: [0, 3, 40], observe: (st) => st.step !== 3 });
      expect(stopped).toEqual({ divergedAt: null, stepsDone: 3 });
    }
  });

  it('withVecArena hands the same arena to sequential calls and a fresh one to nested calls', () => {
    withVecArena((outer) => {
      withVecArena((inner) => expect(inner).not.toBe(outer));
    });
    const a = withVecArena((x) => x);
    const b = withVecArena((x) => x);
    expect(a).toBe(b);
  });
});

// ---------------------------------------------------------------------------
// computeSharedDraws streams W₀ through a DenseWorkspace: same bits as the
// plain-function block loop it replaced
// ---------------------------------------------------------------------------

describe('computeSharedDraws block loop', () => {
  it.each(backends)('workspace loop equals the plain-function loop bit for bit (%s)', (b) => {
    setKernelBackend(b);
    for (const cfg of [
      { ...DEFAULT_CONFIG, d: 150, n: 3, T: 4 },
      { ...DEFAULT_CONFIG, d: 67, n: 5, T: 3, init: { W: 'gaussian' as const, p: 'gaussian' as const } },
    ]) {
      const seed = 11;
      const { d, n, T } = cfg;
      const N = n * T, m = N + 3, BLOCK = 64;
      const E = drawTokenNoise(seed, n, T, d);
      const Et = transpose(E, N, d);
      const EEt = new Float64Array(N * N);
      gramColumns(Et, d, N, EEt);
      const p0 = drawP0(cfg, seed);
      const rows = new W0Rows(d, cfg, seed);
      const Wblk = new Float64Array(BLOCK * d), Pblk = new Float64Array(BLOCK * N);
      const Z = new Float64Array(d * m), R = new Float64Array(d * m);
      for (let i0 = 0; i0 < d; i0 += BLOCK) {
        const bh = rows.fill(Wblk, BLOCK);
        blockTimes(Wblk, bh, d, Et, N, Pblk);
        for (let r = 0; r < bh; r++) {
          const zo = (i0 + r) * m;
          Z.set(Pblk.subarray(r * N, (r + 1) * N), zo);
          Z[zo + N] = Wblk[r * d];
          Z[zo + N + 1] = Wblk[r * d + 1];
          Z[zo + N + 2] = p0[i0 + r];
        }
        accumTransposeTimes(Wblk, bh, d, Z.subarray(i0 * m, (i0 + bh) * m), m, R);
      }
      const Gamma = new Float64Array(m * m);
      gramColumns(Z, d, m, Gamma);
      const sh = computeSharedDraws(cfg, seed);
      expectBitwise(sh.E, E, 'E');
      expectBitwise(sh.EEt, EEt, 'EEt');
      expectBitwise(sh.R, R, 'R');
      expectBitwise(sh.Gamma, Gamma, 'Gamma');
    }
  });
});
