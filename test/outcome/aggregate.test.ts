/**
 * Per-cell aggregation over seeds: majority regime, agreement, and mean /
 * sample standard deviation of final metrics (hand-computed values).
 */
import { describe, expect, it } from 'vitest';
import { finalMetrics, meanSd, summariseCells, type TrialSummaryInput } from '../../src/outcome/aggregate.js';
import type { Checkpoint, Regime } from '../../src/core/records.js';

describe('meanSd', () => {
  it('mean and sample (n − 1) standard deviation', () => {
    // mean 2.5; Σ(x − 2.5)² = 2.25 + 0.25 + 0.25 + 2.25 = 5; sd = √(5/3)
    const r = meanSd([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.sd).toBeCloseTo(Math.sqrt(5 / 3), 15);
  });
  it('ignores non-finite values; one value has sd 0; none gives NaN', () => {
    expect(meanSd([NaN, 4, Infinity, 6])).toEqual({ mean: 5, sd: Math.SQRT2 });
    expect(meanSd([7])).toEqual({ mean: 7, sd: 0 });
    const e = meanSd([NaN]);
    expect(e.mean).toBeNaN();
    expect(e.sd).toBeNaN();
  });
});

function trial(cellKey: string, regime: Regime, testAcc: number, trainLoss: number, tFit: number | null, noisyFit: number | null = 1): TrialSummaryInput {
  const w = { relevant: 0, confusing: 0, weak: 0, irrelevant: 0 };
  const final: Checkpoint = {
    step: 100, trainLoss, trainAcc: 1, cleanFit: 1, noisyFit, testAcc, testLoss: 0.1, attnClean: w, attnNoisy: null, pNorm: 3, regime,
  };
  return { cellKey, final, regime, events: { tFit, tGeneralize: null } };
}

describe('finalMetrics', () => {
  it('test error is 1 − test accuracy; null event times and noisyFit become NaN', () => {
    const m = finalMetrics(trial('a', 'partial', 0.75, 0.5, null, null));
    expect(m.testError).toBe(0.25);
    expect(m.tFit).toBeNaN();
    expect(m.tGeneralize).toBeNaN();
    expect(m.noisyFit).toBeNaN();
    expect(m.pNorm).toBe(3);
  });
});

describe('summariseCells', () => {
  const cells = [
    { key: '[1]', axes: { snr: 1 } },
    { key: '[2]', axes: { snr: 2 } },
    { key: '[3]', axes: { snr: 3 } },
  ];
  // trials out of order and interleaved across cells
  const trials = [
    trial('[2]', 'harmful-overfitting', 0.5, 1, null),
    trial('[1]', 'benign-overfitting', 0.75, 0.1, 10),
    trial('[1]', 'partial', 0.5, 0.3, 30),
    trial('[2]', 'harmful-overfitting', 0.75, 3, null),
    trial('[1]', 'benign-overfitting', 1, 0.2, null),
  ];
  const s = summariseCells(cells, trials);

  it('one summary per cell, in plan order, with its axes', () => {
    expect(s.map((c) => c.cellKey)).toEqual(['[1]', '[2]', '[3]']);
    expect(s[1].axes).toEqual({ snr: 2 });
  });

  it('counts, majority regime and agreement', () => {
    expect(s.map((c) => c.count)).toEqual([3, 2, 0]);
    expect(s[0].regime).toBe('benign-overfitting');
    expect(s[0].agreement).toBeCloseTo(2 / 3, 15);
    expect(s[0].regimeFractions.partial).toBeCloseTo(1 / 3, 15);
    expect(s[1].regime).toBe('harmful-overfitting');
    expect(s[1].agreement).toBe(1);
  });

  it('mean and sd of final metrics over seeds (hand-computed)', () => {
    // cell [1]: test errors 0.25, 0.5, 0 → mean 0.25, sd √((0 + 0.0625 + 0.0625)/2) = 0.25
    expect(s[0].metrics.testError.mean).toBeCloseTo(0.25, 15);
    expect(s[0].metrics.testError.sd).toBeCloseTo(0.25, 15);
    // train losses 0.1, 0.3, 0.2 → mean 0.2, sd 0.1
    expect(s[0].metrics.trainLoss.mean).toBeCloseTo(0.2, 15);
    expect(s[0].metrics.trainLoss.sd).toBeCloseTo(0.1, 15);
    // tFit 10, 30 and one never-fit seed (ignored): mean 20, sd √200
    expect(s[0].metrics.tFit.mean).toBe(20);
    expect(s[0].metrics.tFit.sd).toBeCloseTo(Math.sqrt(200), 12);
    // cell [2]: train losses 1, 3 → mean 2, sd √2; tFit never → NaN
    expect(s[1].metrics.trainLoss).toEqual({ mean: 2, sd: Math.SQRT2 });
    expect(s[1].metrics.tFit.mean).toBeNaN();
  });

  it('a cell without trials: count 0, regime null, agreement 0, metrics NaN', () => {
    expect(s[2].regime).toBeNull();
    expect(s[2].agreement).toBe(0);
    expect(s[2].metrics.testError.mean).toBeNaN();
  });

  it('trials of unknown cells are ignored', () => {
    const r = summariseCells(cells.slice(0, 1), [...trials, trial('[9]', 'partial', 0, 0, null)]);
    expect(r).toHaveLength(1);
    expect(r[0].count).toBe(3);
  });
});
