/**
 * `npm run bench`: speed figures of attn-phase on this machine (issue #3).
 *
 * 1. the reference trial (d = 2000, n = 20, T = 8, 1000 steps, 1000 test
 *    sequences) with each engine: wall time and peak RSS, each in a fresh process;
 * 1b. the wishart engine (SPEC §8) at d = 10³ … 10⁶, 10⁹ and 10¹² (n = 20,
 *    T = 8, 1000 steps, the default ‖μ‖ = 20 and α): first and median warm
 *    trial time, peak RSS; then one trial at d = 10³ against d = 10¹²
 *    (issue #19 item 6), alternating in one process, with SNR and α·‖μ‖²
 *    fixed so that both train alike: with testN = 2 (the engine alone: equal
 *    within noise) and with the default projected test set, whose cost per
 *    checkpoint is testN·T per direction u has explored (SPEC §5: ~45 at
 *    d = 10³, 20 at 10¹² here) — a property of the trajectory, not of d.
 *    (With the default ‖μ‖ and α, d = 10¹² means α·d/n = 2.5·10⁸: the run
 *    freezes in one step and u explores 2 directions, against ~60 at 10³.)
 * 2. effective GFLOP/s of the dense W₀ kernel;
 * 3. peak memory of a reduced trial at d = 5000 (what one worker holds);
 * 4. wall time of sweeps/figure5.yaml (400 trials) on all cores;
 * 5. throughput with 1 and with 2 workers on a labelled subset of figure 5;
 * 6. the ETA of the default sweep (sweeps/snr-n.yaml) against the time that
 *    was actually left, at 5, 10, 25 and 50 % of its trials.
 *
 * Environment: BENCH_SKIP_EXPLICIT=1 skips the explicit-engine reference trial
 * (about half a minute); BENCH_SKIP_SWEEP=1 skips 4–5.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDense } from './dense-bench.js';
import { planSweep } from '../sweep/plan.js';
import { type ProgressCounts, rateAndEta } from '../sweep/progress.js';
import { runSweep } from '../sweep/run.js';
import { loadSweep } from '../sweep/spec.js';
import type { Sweep } from '../core/view.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../core/config.js';
import { runTrial } from '../model/trial.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

interface Probe { engine: string; wallMs: number; warmMs: number; warmCpuMs: number; maxRssMB: number; timings: { sharedMs: number; trainMs: number }; regime: string; kernelBackend: string }

function probe(args: string[], warm = true, repeats = 1): Probe {
  const out = execFileSync(process.execPath, [join(here, 'trial-probe.js'), ...args], {
    encoding: 'utf8', env: { ...process.env, PROBE_WARM: warm ? '1' : '0', PROBE_REPEATS: String(repeats) },
  });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

/**
 * Median wall time (ms) of a wishart trial at d = 10³ and at d = 10¹² (n = 20, T = 8, 1000 steps,
 * evalEvery 10, SNR 0.3 and α·‖μ‖² = 0.1 at both; seeds 1…10 in turn), the two run alternately
 * in this process after one warm-up each; `ratio` = d = 10¹² over d = 10³.
 */
function wishartPair(testN: number, rounds: number): { ms: [number, number]; ratio: number } {
  const cfgs = [1e3, 1e12].map((d): TrialConfig => {
    const muNorm = 0.3 * DEFAULT_CONFIG.sigma * Math.sqrt(d);
    return { ...DEFAULT_CONFIG, d, muNorm, alpha: 0.1 / muNorm ** 2, testN, engine: 'wishart', init: { W: 'gaussian', p: 'zero' } };
  });
  for (const c of cfgs) runTrial(c, 0);
  const times: number[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    cfgs.forEach((c, i) => {
      const t0 = performance.now();
      runTrial(c, 1 + (r % 10));
      times[i].push(performance.now() - t0);
    });
  }
  const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
  const ms: [number, number] = [median(times[0]), median(times[1])];
  return { ms, ratio: ms[1] / ms[0] };
}

async function timeSweep(sweep: Sweep, workers: number, onProgress?: (c: Readonly<ProgressCounts>) => void): Promise<{ wallMs: number; trials: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'attn-phase-bench-'));
  try {
    const plan = planSweep(sweep);
    const t0 = performance.now();
    await runSweep(plan, { outDir: dir, workers, progress: false, ...(onProgress ? { onProgress } : {}) }); // no render callback: no figures
    return { wallMs: performance.now() - t0, trials: plan.trials.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  console.log(`attn-phase bench — ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  console.log('\n[1] reference trial: d=2000, n=20, T=8, 1000 steps, evalEvery=10, testN=1000, one core');
  for (const engine of ['reduced', 'explicit']) {
    if (engine === 'explicit' && process.env.BENCH_SKIP_EXPLICIT) {
      console.log('  explicit: skipped (BENCH_SKIP_EXPLICIT)');
      continue;
    }
    const p = probe([engine, '2000', '20', '8', '1000', '10', '1000'], engine === 'reduced', 7);
    const warm = Number.isFinite(p.warmMs) ? `, warm (median of the 7 next trials in the process, as in a worker) ${(p.warmMs / 1000).toFixed(3)} s` : '';
    console.log(`  ${engine.padEnd(8)} wall ${(p.wallMs / 1000).toFixed(3)} s${warm} (first trial: dense/shared ${(p.timings.sharedMs / 1000).toFixed(3)} s, GD+eval ${(p.timings.trainMs / 1000).toFixed(3)} s), peak RSS ${p.maxRssMB.toFixed(0)} MB, kernel backend ${p.kernelBackend}, final regime ${p.regime}`);
  }

  console.log('\n[1b] wishart engine (SPEC §8): n=20, T=8, 1000 steps, evalEvery=10, testN=1000, one core, fresh process per d');
  for (const d of [1e3, 1e4, 1e5, 1e6, 1e9, 1e12]) {
    const p = probe(['wishart', String(d), '20', '8', '1000', '10', '1000'], true, 15);
    console.log(`  d = ${d.toExponential(0).padEnd(5)} first trial ${(p.wallMs / 1000).toFixed(3)} s, warm (median of 15) ${(p.warmMs / 1000).toFixed(3)} s wall, ${(p.warmCpuMs / 1000).toFixed(3)} s CPU, peak RSS ${p.maxRssMB.toFixed(0)} MB, final regime ${p.regime}`);
  }
  // issue #19: one trial at d = 10³ and at 10¹², SNR 0.3 and α·‖μ‖² = 0.1 (τ = 10 steps) at both, alternating in
  // this process so that load on the machine hits both alike
  console.log('  one trial at d = 1e3 against d = 1e12 (SNR 0.3, α·‖μ‖² = 0.1, otherwise as above), alternating in one process, median of 30 warm trials each:');
  for (const testN of [2, 1000]) {
    const { ms, ratio } = wishartPair(testN, 30);
    console.log(`    testN = ${String(testN).padEnd(4)} d = 1e3 ${(ms[0] / 1000).toFixed(3)} s, d = 1e12 ${(ms[1] / 1000).toFixed(3)} s — ratio ${ratio.toFixed(2)}${testN === 2 ? ' (the engine alone: equal within noise)' : ' (with the projected test set: its cost follows the directions u explores, not d)'}`);
  }

  console.log('\n[2] dense W₀ kernel (d=2000, m=162)');
  const dense = await benchDense({ d: 2000, m: 162 });
  for (const r of dense.rows) console.log(`  ${r.backend.padEnd(10)} ${r.api.padEnd(9)} best ${r.gflops.toFixed(2).padStart(6)} GFLOP/s, median ${(dense.flops / r.medianSeconds / 1e9).toFixed(2).padStart(6)} GFLOP/s`);
  console.log(`  default backend ${dense.backend}: ${dense.gflops.toFixed(2)} GFLOP/s per core (best of ${dense.rows.find((r) => r.backend === dense.backend && r.api === 'workspace')?.repeats} runs); in-cache kernel peak ${dense.peakGflops.toFixed(2)} GFLOP/s, pipeline efficiency ${(100 * dense.gflops / dense.peakGflops).toFixed(0)} %`);

  console.log('\n[3] peak memory of one reduced trial at d=5000 (n=20, T=8, 1000 steps)');
  const big = probe(['reduced', '5000', '20', '8', '1000', '10', '1000'], false);
  console.log(`  wall ${(big.wallMs / 1000).toFixed(3)} s, peak RSS ${big.maxRssMB.toFixed(0)} MB`);

  if (process.env.BENCH_SKIP_SWEEP) {
    console.log('\n[4–5] sweeps skipped (BENCH_SKIP_SWEEP)');
    return;
  }
  const fig5 = loadSweep(join(root, 'sweeps', 'figure5.yaml'));
  console.log(`\n[4] sweeps/figure5.yaml, full grid, ${cores} workers (no rendering)`);
  const full = await timeSweep(fig5, cores);
  console.log(`  ${full.trials} trials in ${(full.wallMs / 1000).toFixed(1)} s (${(full.trials / (full.wallMs / 1000)).toFixed(1)} trials/s)`);

  console.log('\n[5] scaling on a subset of figure 5: d ∈ {250, 500, …, 2500} (10 values) × 20 values of ‖μ‖ = 200 trials');
  const subset: Sweep = {
    ...fig5,
    axes: fig5.axes.map((a) => (a.name === 'd' ? { ...a, values: a.values.slice(0, 10) } : a)),
  };
  const one = await timeSweep(subset, 1);
  const rate1 = one.trials / (one.wallMs / 1000);
  console.log(`  1 worker : ${(one.wallMs / 1000).toFixed(1)} s, ${rate1.toFixed(1)} trials/s`);
  if (cores >= 2) {
    const two = await timeSweep(subset, 2);
    const rate2 = two.trials / (two.wallMs / 1000);
    console.log(`  2 workers: ${(two.wallMs / 1000).toFixed(1)} s, ${rate2.toFixed(1)} trials/s — ${(rate2 / rate1).toFixed(2)}× the throughput of 1`);
  }

  console.log(`\n[6] ETA of sweeps/snr-n.yaml (the README's main job, ${cores} workers, no rendering) against the time actually left`);
  // the ETA the progress line showed as each trial finished (rateAndEta, src/sweep/progress.ts)
  const seen: { done: number; total: number; atMs: number; etaMs: number }[] = [];
  const main = await timeSweep(loadSweep(join(root, 'sweeps', 'snr-n.yaml')), cores, (c) => {
    const now = Date.now();
    seen.push({ done: c.done, total: c.total, atMs: now, etaMs: rateAndEta(c, now).etaMs });
  });
  const end = Date.now();
  for (const pct of [5, 10, 25, 50]) {
    const at = seen.find((x) => x.done >= (pct / 100) * x.total);
    if (!at) continue;
    const left = end - at.atMs;
    console.log(`  at ${String(pct).padStart(2)} % (${at.done}/${at.total} trials): ETA ${(at.etaMs / 1000).toFixed(1)} s, actually left ${(left / 1000).toFixed(1)} s — ${(at.etaMs / left).toFixed(2)}×`);
  }
  console.log(`  ${main.trials} trials in ${(main.wallMs / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
