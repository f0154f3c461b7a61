/**
 * What can still be measured where the test error is trivially 0 (SPEC §9):
 * the test losses of uniform attention and of perfect token selection
 * (closed forms), tSelect, and the fit of event times against the
 * theorem's τ_b ∝ exp(1/(n·SNR²)).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import type { Checkpoint } from '../../src/core/records.js';
import { runTrial } from '../../src/model/trial.js';
import { SELECTION_FRACTION, eventTimes, selectionTime } from '../../src/outcome/metrics.js';
import { gaussianSoftplus, theoryOf } from '../../src/outcome/theory.js';
import { delayFit } from '../../src/outcome/theory-time.js';

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

describe('test losses of uniform attention and of perfect token selection', () => {
  it('gaussianSoftplus: s = 0 is softplus(−m); a Monte Carlo of 10⁶ normal draws agrees within 4 standard errors', () => {
    expect(gaussianSoftplus(0.7, 0)).toBe(softplus(-0.7));
    let x = 12345;
    const u = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31; // a plain LCG: independent of the code under test
    const K = 1_000_000;
    let sum = 0, sum2 = 0;
    for (let k = 0; k < K; k += 2) {
      const r = Math.sqrt(-2 * Math.log(u())), th = 2 * Math.PI * u();
      for (const z of [r * Math.cos(th), r * Math.sin(th)]) {
        const v = softplus(-(0.3 + 1.7 * z));
        sum += v;
        sum2 += v * v;
      }
    }
    const mean = sum / K, se = Math.sqrt((sum2 / K - mean * mean) / K);
    expect(Math.abs(gaussianSoftplus(0.3, 1.7) - mean)).toBeLessThan(4 * se);
  });

  it('theoryOf: the large-‖μ‖ limits softplus(−c/(√2T)) and softplus(−c/√2); the sign and size of c enter', () => {
    const th = theoryOf({ ...DEFAULT_CONFIG, muNorm: 1e6, T: 4, nuScale: 1 });
    expect(th.testLossStep0).toBeCloseTo(softplus(-1 / (Math.SQRT2 * 4)), 9);
    expect(th.testLossBest).toBeCloseTo(softplus(-1 / Math.SQRT2), 9);
    const c2 = theoryOf({ ...DEFAULT_CONFIG, muNorm: 1e6, T: 4, nuScale: -2 });
    expect(c2.testLossBest).toBeCloseTo(softplus(2 / Math.SQRT2), 9); // a negative head: the relevant token is the worst one
  });

  it('the engine\'s step-0 test loss is testLossStep0 (uniform attention, p₀ = 0) within 4 standard errors of the test-set mean', () => {
    // ‖μ‖ = 3, σ = 1, T = 4: the noise through ν is of the order of the signal, so the Gaussian average matters
    const cfg: TrialConfig = { ...DEFAULT_CONFIG, d: 300, n: 4, T: 4, muNorm: 3, steps: 1, testN: 20_000, evalLog: 0 };
    const th = theoryOf(cfg);
    const losses: number[] = [];
    for (let seed = 0; seed < 6; seed++) losses.push(runTrial(cfg, seed).checkpoints[0]!.testLoss);
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    // each seed's loss is a mean of 20 000 sequences: sd of one sequence's loss ≲ 0.6, so se ≤ 0.6/√120 000
    expect(Math.abs(mean - th.testLossStep0)).toBeLessThan(4 * (0.6 / Math.sqrt(6 * 20_000)));
    expect(th.testLossBest).toBeLessThan(th.testLossStep0);
  });
});

describe('tSelect', () => {
  const ck = (step: number, testLoss: number) => ({ step, testLoss, testAcc: 1, trainAcc: 1, noisyFit: 1, regime: 'benign-overfitting' }) as unknown as Checkpoint;

  it('the first checkpoint a tenth of the way from the step-0 test loss to the best; null when never, or when step 0 is already best', () => {
    expect(SELECTION_FRACTION).toBe(0.1);
    // L₀ = 0.6, L* = 0.4: the bar is 0.58
    const cks = [ck(0, 0.6), ck(10, 0.59), ck(20, 0.5801), ck(30, 0.58), ck(40, 0.45)];
    expect(selectionTime(cks, 0.4)).toBe(30);
    expect(selectionTime(cks.slice(0, 3), 0.4)).toBeNull();
    expect(selectionTime([ck(0, 0.39), ck(10, 0.3)], 0.4)).toBeNull();
    expect(eventTimes(cks, 0.05, 0.4).tSelect).toBe(30);
    expect(eventTimes(cks, 0.05).tSelect).toBeUndefined();
  });
});

describe('delayFit: event times against τ_b ∝ exp(1/(n·SNR²))', () => {
  /** A trial of n·SNR² = x (n = 4, d = 10⁴) whose noisy labels are memorised and test loss falls at step `at(τ, τ_b)`. */
  const trial = (x: number, at: (tau: number, tauB: number) => number) => {
    const n = 4;
    const config: TrialConfig = { ...DEFAULT_CONFIG, d: 1e4, n, muNorm: Math.sqrt((x / n) * 1e4), alpha: 0.5 / ((x / n) * 1e4), init: { W: 'gaussian', p: 'zero' } };
    const th = theoryOf(config);
    const t = Math.max(1, Math.round(at(th.tau, th.tauBenign)));
    const ck = (step: number, noisyFit: number, testLoss: number) => ({ step, noisyFit, testLoss, testAcc: 1, trainAcc: 1, regime: 'partial' }) as unknown as Checkpoint;
    return { cellKey: `${x}`, axes: {}, config, checkpoints: [ck(0, 0, th.testLossStep0), ck(t, 1, th.testLossBest)] };
  };
  const xs = [0.1, 0.125, 0.2, 0.25, 0.5, 1];

  it('t = 30·τ_b gives the slope 1 (the rounding of steps aside) for both events', () => {
    for (const event of ['tMemorise', 'tSelect'] as const) {
      const f = delayFit(xs.map((x) => trial(x, (_tau, tauB) => 30 * tauB)), event);
      expect(f.points).toBe(6);
      expect(f.slope).toBeCloseTo(1, 2);
      expect(f.ci![0]).toBeLessThanOrEqual(1);
      expect(f.ci![1]).toBeGreaterThanOrEqual(1);
    }
  });

  it('a time that is not exponential in 1/(n·SNR²) gives a slope far from 1: 0 for t = 50·n·SNR²·τ, (log 10)/9 ≈ 0.26 for t = 100·τ', () => {
    const lin = delayFit(xs.map((x) => trial(x, (tau) => 50 * x * tau)), 'tMemorise');
    expect(Math.abs(lin.slope!)).toBeLessThan(0.05);
    // t = 100τ: y = log 100 + log(1/x), a log over 1/x = 1 … 10: its least-squares slope on these six points
    const flat = delayFit(xs.map((x) => trial(x, (tau) => 100 * tau)), 'tMemorise');
    const u = xs.map((x) => 1 / x), y = u.map((v) => Math.log(v)), mu = u.reduce((a, b) => a + b) / 6, my = y.reduce((a, b) => a + b) / 6;
    const ols = u.reduce((s, v, i) => s + (v - mu) * (y[i]! - my), 0) / u.reduce((s, v) => s + (v - mu) ** 2, 0);
    expect(flat.slope!).toBeCloseTo(ols, 2);
    expect(flat.slope!).toBeLessThan(0.3);
  });

  it('trials where the event never happened are left out; fewer than 3 give no slope', () => {
    const never = { ...trial(0.2, (t) => t), checkpoints: [trial(0.2, (t) => t).checkpoints[0]!] };
    const f = delayFit([never, trial(0.5, (_t, b) => b), trial(1, (_t, b) => b)], 'tMemorise');
    expect(f.points).toBe(2);
    expect(f.slope).toBeNull();
  });
});
