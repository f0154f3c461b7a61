/**
 * The sweep ETA (cost model calibrated by finished trials) on synthetic runs
 * with known true times, deterministic (no timing): exact when true times
 * are proportional to the estimates, within the closed-form bound
 * max(e)/min(e) when each trial's true/estimated ratio e varies in a band,
 * and (a contrast that shows why it exists) the plain trials-per-second ETA
 * is off by far more on the same largest-first order. Plus the per-trial
 * estimates (dense draws of a group paid once) and the train progress line.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { checkpointSteps } from '../../src/core/schedule.js';
import { KERNEL_RATES, NORMAL_S, evaluationSeconds } from '../../src/model/cost.js';
import { planSweep } from '../../src/sweep/plan.js';
import { calibratedEtaMs, rateAndEta, trialEstimates, TrialProgress } from '../../src/sweep/progress.js';
import { validateSweep } from '../../src/sweep/spec.js';

/** Deterministic uniform numbers in [0, 1) (a 32-bit LCG; only needs to be fixed). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Estimated costs spanning two orders of magnitude, largest first (as the pool orders groups). */
function costs(k: number, seed = 1): number[] {
  const u = lcg(seed);
  return Array.from({ length: k }, () => 0.05 * 100 ** u()).sort((a, b) => b - a);
}

/**
 * One worker running trials in order with true durations `truth` (s): at each
 * finish, the calibrated ETA and the true remaining time (ms).
 */
function replay(est: number[], truth: number[]): { frac: number; eta: number; truthMs: number; rateEta: number }[] {
  const total = est.reduce((a, b) => a + b, 0);
  const end = truth.reduce((a, b) => a + b, 0) * 1000;
  let t = 0;
  let done = 0;
  return est.map((e, i) => {
    t += truth[i]! * 1000;
    done += e;
    const eta = calibratedEtaMs({ doneS: done, leftS: total - done }, t, 1);
    const rateEta = rateAndEta({ done: i + 1, total: est.length, failed: 0, doneThisRun: i + 1, startedAt: 0 }, t).etaMs;
    return { frac: (i + 1) / est.length, eta, truthMs: end - t, rateEta };
  });
}

describe('calibrated ETA', () => {
  it('is exact when true times are proportional to the estimates (any scale)', () => {
    const est = costs(96);
    for (const scale of [0.3, 1, 7.3]) {
      // (the last trial left nothing: no ETA to check)
      for (const r of replay(est, est.map((e) => scale * e)).slice(0, -1)) expect(r.eta / r.truthMs).toBeCloseTo(1, 9);
    }
  });

  it('stays within max(e)/min(e) = 1.44 (< 1.5) when each trial takes e ∈ [1/1.2, 1.2] times its scaled estimate', () => {
    // calibrated ETA / truth = (Σdone e·est / Σdone est) / (Σleft e·est / Σleft est): a ratio of two e-averages
    for (const seed of [1, 2, 3, 4, 5]) {
      const est = costs(96, seed);
      const u = lcg(seed + 100);
      const truth = est.map((e) => 4 * e * 1.2 ** (2 * u() - 1));
      for (const r of replay(est, truth).slice(0, -1)) {
        const f = r.eta / r.truthMs;
        expect(f).toBeLessThanOrEqual(1.44 + 1e-9);
        expect(f).toBeGreaterThanOrEqual(1 / 1.44 - 1e-9);
      }
    }
  });

  it('the plain trials/s ETA is off by more than 1.5 on the same sweep after 10 % (why the estimate is needed)', () => {
    const est = costs(96);
    const at10 = replay(est, est).find((r) => r.frac >= 0.1)!;
    expect(at10.eta / at10.truthMs).toBeCloseTo(1, 9);
    expect(at10.rateEta / at10.truthMs).toBeGreaterThan(1.5);
  });

  it('two workers (list scheduling) with true = 3 × estimate: within 1.5 from 10 % of the trials until the last quarter of the time', () => {
    // both workers busy: elapsed counts the running trials' partial work, at most one trial each
    const est = costs(96, 7);
    const total = est.reduce((a, b) => a + b, 0);
    const free = [0, 0];
    const finishes: { t: number; e: number }[] = [];
    for (const e of est) {
      const w = free[0]! <= free[1]! ? 0 : 1;
      free[w]! += 3 * e;
      finishes.push({ t: free[w]!, e });
    }
    finishes.sort((a, b) => a.t - b.t);
    const end = Math.max(...free);
    let done = 0;
    finishes.forEach((f, i) => {
      done += f.e;
      if ((i + 1) / est.length < 0.1 || f.t > 0.75 * end) return;
      const ratio = calibratedEtaMs({ doneS: done, leftS: total - done }, f.t * 1000, 2) / ((end - f.t) * 1000);
      expect(ratio).toBeLessThan(1.5);
      expect(ratio).toBeGreaterThan(1 / 1.5);
    });
  });

  it('one worker with a start-up cost the model does not see: the recent-half calibration is exact after it, the whole-run one is not', () => {
    // true time = 2 × estimate, plus a start-up cost S on the first trial (a fresh worker meeting the largest group)
    // as large as the true time of the first 10 % (S = 2·D₁₀): the whole-run ratio at 10 % is then (2D₁₀ + S)/(2D₁₀) = 2.
    // From the 4th finish on, the recent half of the finishes excludes the first trial, so its ratio is exactly 2.
    const est = costs(96, 3);
    const total = est.reduce((a, b) => a + b, 0);
    const d10 = est.slice(0, Math.ceil(0.1 * est.length)).reduce((a, b) => a + b, 0);
    const S = 2 * d10;
    const truth = est.map((e, i) => 2 * e + (i === 0 ? S : 0));
    const end = truth.reduce((a, b) => a + b, 0) * 1000;
    const history: { atMs: number; estDoneS: number }[] = [];
    let t = 0;
    let done = 0;
    let wholeAt10 = NaN;
    est.forEach((e, i) => {
      t += truth[i]! * 1000;
      done += e;
      history.push({ atMs: t, estDoneS: done });
      if (i === est.length - 1) return;
      const recent = calibratedEtaMs({ doneS: done, leftS: total - done }, t, 1, history, t);
      if (i >= 3) expect(recent / (end - t)).toBeCloseTo(1, 9);
      if (i + 1 === Math.ceil(0.1 * est.length)) wholeAt10 = calibratedEtaMs({ doneS: done, leftS: total - done }, t, 1) / (end - t);
    });
    expect(wholeAt10).toBeCloseTo(2, 9);
  });

  it('rateAndEta calibrates on the history the run records', () => {
    // finishes at 10 s (est 1), 20 s (est 2), 30 s (est 3), 40 s (est 4): recent half = since 20 s, 20 s for 2 estimated s → ×10
    const history = [1, 2, 3, 4].map((k) => ({ atMs: k * 10_000, estDoneS: k }));
    const c = { done: 4, total: 10, failed: 0, doneThisRun: 4, startedAt: 0, estDoneS: 4, estLeftS: 6, workers: 1, history };
    expect(rateAndEta(c, 40_000).etaMs).toBeCloseTo(60_000, 9);
    // between finishes it counts down (5 s later: 55 s), to a tenth of it at most while work is left
    expect(rateAndEta(c, 45_000).etaMs).toBeCloseTo(55_000, 9);
    expect(rateAndEta(c, 200_000).etaMs).toBeCloseTo(6_000, 9);
  });

  it('before any trial finished: the uncalibrated estimate shared by the workers; nothing left: 0', () => {
    expect(calibratedEtaMs({ doneS: 0, leftS: 12 }, 5000, 4)).toBe(3000);
    expect(calibratedEtaMs({ doneS: 3, leftS: 0 }, 5000, 4)).toBe(0);
    // rateAndEta uses it when the counts carry estimates
    expect(rateAndEta({ done: 1, total: 3, failed: 0, doneThisRun: 1, startedAt: 0, estDoneS: 2, estLeftS: 6, workers: 2 }, 10_000).etaMs).toBe(30_000);
  });
});

describe('trialEstimates', () => {
  it('charges the dense draws of a reduced-engine group to its first trial only (SPEC §4, §6)', () => {
    // 3 snr values share d, n, T, seed: one group of reduced-engine trials
    const plan = planSweep(validateSweep({ name: 'g', base: { d: 500, n: 10, T: 4, steps: 200, evalEvery: 50, testN: 100 }, grid: { snr: [0.5, 1, 2] }, seeds: 1 }, 'g'));
    expect(plan.trials.every((t) => t.engine === 'reduced')).toBe(true);
    const est = trialEstimates(plan.trials);
    const vals = plan.trials.map((t) => est.get(t.id)!).sort((a, b) => b - a);
    // closed form of the one-off dense work: 2d²(N+2) + d((N+3)² + N²)/2 multiply-adds (SPEC §4), plus
    // the projected test set's fixed basis d·N·(N+3) + d(N+3)²/2 + m³/6 (m = 2N + 4 = 84 < d, SPEC §5)
    // and its testN·T·m normals, drawn once for the trials of one seed and shape
    const d = 500;
    const N = 40;
    const m = 84;
    const dense = (2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2 + d * N * (N + 3) + (d * (N + 3) ** 2) / 2 + m ** 3 / 6) / KERNEL_RATES.reducedDense;
    expect(vals[0]! - vals[1]!).toBeCloseTo(dense + NORMAL_S * 100 * 4 * m, 12);
    expect(vals[1]).toBeCloseTo(vals[2]!, 15);
    // every estimate includes the checkpoint evaluations
    const nCk = checkpointSteps(200, 50).length;
    expect(vals[2]!).toBeGreaterThan(evaluationSeconds({ ...DEFAULT_CONFIG, d, n: 10, T: 4, testN: 100 }, nCk, d, true));
  });
});

describe('TrialProgress (train)', () => {
  it('prints at the first checkpoint after step 0, then at most every everyMs; ETA from the step rate since checkpoint 0', () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const p = new TrialProgress(1000, stream, 5000);
    p.checkpoint(0, 10_000);
    expect(lines).toEqual([]);
    p.checkpoint(100, 12_000); // 100 steps in 2 s → 900 steps left = 18 s
    expect(lines).toEqual(['step 100/1000 (10.0 %), elapsed 2s, ETA 18s\n']);
    p.checkpoint(200, 14_000); // within 5 s of the last line: silent
    expect(lines).toHaveLength(1);
    p.checkpoint(500, 20_000); // 500 steps in 10 s → 10 s left
    expect(lines[1]).toBe('step 500/1000 (50.0 %), elapsed 10s, ETA 10s\n');
  });
});
