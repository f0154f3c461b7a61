/**
 * Wall time of the reference reduced-engine trial (SPEC §4, §6): the default
 * configuration (d = 2000, n = 20, T = 8, 1000 steps, evalEvery 10,
 * testN 1000) with `engine: 'reduced'`, run repeatedly on one core.
 *
 * Reports, in milliseconds:
 *  - the first trial of the process (JIT and WebAssembly tier-up included);
 *  - the median / minimum of the following (warm) trials, and the median of
 *    their `timings.sharedMs` (dense draws) and `timings.trainMs` (system
 *    assembly, step loop and test evaluation);
 *  - `trainReduced` alone on the same system: the step loop with an observer
 *    that never asks for u, and with one that calls u() at every checkpoint.
 * The trial's final loss is printed so runs on different backends can be
 * compared (they must agree bit for bit).
 *
 * Run: `npm run build && node dist/bench/trial-bench.js [repeats]`
 * (`ATTN_PHASE_NO_WASM=1` for the TypeScript kernels).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drawLabels } from '../model/data.js';
import { trainReduced } from '../model/reduced.js';
import { computeSharedDraws, reducedFromShared } from '../model/shared.js';
import { runTrial } from '../model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../core/config.js';
import { checkpointSteps } from '../core/schedule.js';
import { kernelBackend } from '../model/kernels/index.js';

/** Timings of {@link benchTrial} (ms). */
export interface TrialBenchResult {
  /** the kernel backend of this thread (src/model/kernels/index.ts) */
  kernelBackend: string;
  firstMs: number;
  medianMs: number;
  minMs: number;
  sharedMs: number;
  trainMs: number;
  /** trainReduced without u() */
  loopMs: number;
  /** trainReduced with u() at every checkpoint */
  loopWithUMs: number;
  finalLoss: number;
}

const median = (x: number[]): number => [...x].sort((a, b) => a - b)[x.length >> 1];

/**
 * Time the reference trial; see module doc.
 *
 * @param repeats warm repetitions (≥ 1)
 * @param cfg     trial configuration (default: DEFAULT_CONFIG with the reduced engine)
 * @throws RangeError if repeats is not a positive integer
 */
export function benchTrial(repeats = 7, cfg: TrialConfig = { ...DEFAULT_CONFIG, engine: 'reduced' }): TrialBenchResult {
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new RangeError(`benchTrial: repeats must be a positive integer, got ${repeats}`);
  const first = runTrial(cfg, 1);
  const tot: number[] = [], sh: number[] = [], tr: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const o = runTrial(cfg, 1);
    tot.push(o.timings.totalMs);
    sh.push(o.timings.sharedMs);
    tr.push(o.timings.trainMs);
  }
  const sys = reducedFromShared(computeSharedDraws(cfg, 1), cfg, drawLabels(cfg, 1));
  const checkpoints = checkpointSteps(cfg.steps, cfg.evalEvery);
  const loop: number[] = [], withU: number[] = [];
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    trainReduced(sys, { alpha: cfg.alpha, steps: cfg.steps, checkpoints, observe() {} });
    loop.push(performance.now() - t0);
    t0 = performance.now();
    trainReduced(sys, { alpha: cfg.alpha, steps: cfg.steps, checkpoints, observe(st) { st.u(); } });
    withU.push(performance.now() - t0);
  }
  return {
    kernelBackend: kernelBackend(),
    firstMs: first.timings.totalMs,
    medianMs: median(tot),
    minMs: Math.min(...tot),
    sharedMs: median(sh),
    trainMs: median(tr),
    loopMs: median(loop),
    loopWithUMs: median(withU),
    finalLoss: first.final.trainLoss,
  };
}

function main(): void {
  const repeats = Number(process.argv[2] ?? 7);
  const r = benchTrial(repeats);
  const f = (x: number): string => x.toFixed(1);
  console.log(`reference reduced trial (d=2000, n=20, T=8, 1000 steps, evalEvery 10, testN 1000); kernel backend ${r.kernelBackend}`);
  console.log(`  first trial ${f(r.firstMs)} ms; warm: median ${f(r.medianMs)} ms (min ${f(r.minMs)}), sharedMs ${f(r.sharedMs)}, trainMs ${f(r.trainMs)}`);
  console.log(`  trainReduced: step loop ${f(r.loopMs)} ms, with u() at every checkpoint ${f(r.loopWithUMs)} ms`);
  console.log(`  final train loss ${r.finalLoss}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
