/**
 * Boundary estimation on synthetic regime maps whose boundary is known.
 */
import { describe, expect, it } from 'vitest';
import { crossings, estimateBoundary, studentTCdf, tQuantile } from '../../src/outcome/boundary.js';
import { type CellSummary, type Regime, REGIMES } from '../../src/core/records.js';

function cell(snr: number, n: number, regime: Regime): CellSummary {
  const fr = Object.fromEntries(REGIMES.map((r) => [r, r === regime ? 1 : 0])) as Record<Regime, number>;
  return { cellKey: `${snr}|${n}`, axes: { snr, n }, count: 1, regime, agreement: 1, regimeFractions: fr, metrics: {} };
}

function logspace(a: number, b: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.exp(Math.log(a) + (i / (k - 1)) * (Math.log(b) - Math.log(a))));
}

/** Map with boundary n·SNR^b = C: not-overfitting above, benign below. */
function synthetic(b: number, C: number, snrs: number[], ns: number[]): CellSummary[] {
  const cells: CellSummary[] = [];
  for (const s of snrs) for (const n of ns) cells.push(cell(s, n, n * s ** b > C ? 'not-overfitting' : 'benign-overfitting'));
  return cells;
}

describe('t distribution', () => {
  it('matches textbook quantiles (t_{0.975} for df 1, 5, 30 = 12.706, 2.571, 2.042) and symmetry', () => {
    expect(tQuantile(0.95, 1)).toBeCloseTo(12.706, 2);
    expect(tQuantile(0.95, 5)).toBeCloseTo(2.571, 3);
    expect(tQuantile(0.95, 30)).toBeCloseTo(2.042, 3);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(-1.3, 4) + studentTCdf(1.3, 4)).toBeCloseTo(1, 12);
  });
});

describe('crossings', () => {
  it('interpolates the 1/2 crossing linearly in log x (geometric midpoint for a 1→0 step)', () => {
    expect(crossings([1, 4], [1, 0])[0]).toBeCloseTo(2, 12); // √(1·4)
    expect(crossings([1, 10, 100], [1, 1, 0])[0]).toBeCloseTo(Math.sqrt(1000), 9);
    expect(crossings([1, 10], [0.75, 0.25])[0]).toBeCloseTo(Math.sqrt(10), 9);
    expect(crossings([1, 10, 100], [0, 0, 0])).toEqual([]);
  });
});

describe('estimateBoundary', () => {
  it.each([2, 1, 3])('recovers a known slope b = %d within its confidence interval on a fine grid', (b) => {
    const snrs = logspace(0.01, 10, 25);
    const ns = logspace(2, 2000, 25);
    const C = 50 ** 1 * 0.3 ** b; // boundary passes through (SNR 0.3, n 50)
    const fit = estimateBoundary(synthetic(b, C, snrs, ns));
    expect(fit.points.length).toBeGreaterThan(10);
    expect(fit.slope).not.toBeNull();
    // grid steps are ~0.29 in log; the staircase biases points by at most half a step, so the slope is close
    expect(Math.abs((fit.slope as number) - b)).toBeLessThan(0.15);
    expect(fit.slopeCi![0]).toBeLessThan(fit.slopeCi![1]);
    expect(fit.theoryInsideCi).toBe(Math.abs(b - 2) < 1e-9 ? true : fit.slopeCi![0] <= 2 && 2 <= fit.slopeCi![1]);
  });

  it('puts the theory line (slope 2) through the centroid of the points: n·SNR² there equals the true constant to grid accuracy', () => {
    const snrs = logspace(0.01, 10, 31);
    const ns = logspace(2, 2000, 31);
    const fit = estimateBoundary(synthetic(2, 5, snrs, ns));
    expect(Math.abs(Math.log(fit.nSnr2AtCentroid as number) - Math.log(5))).toBeLessThan(0.3);
    expect(fit.slopeCi![0]).toBeLessThanOrEqual(2);
    expect(fit.slopeCi![1]).toBeGreaterThanOrEqual(2);
  });

  it('treats harmful overfitting as memorisation too, and ignores empty cells', () => {
    const snrs = logspace(0.01, 10, 12);
    const ns = logspace(2, 2000, 12);
    const cells = synthetic(2, 5, snrs, ns).map((c) => (c.regime === 'benign-overfitting' && (c.axes.snr as number) < 0.05 ? cell(c.axes.snr as number, c.axes.n as number, 'harmful-overfitting') : c));
    cells.push({ ...cell(1e-3, 2, 'partial'), count: 0 });
    const a = estimateBoundary(cells);
    const b = estimateBoundary(synthetic(2, 5, snrs, ns));
    expect(a.slope).toBeCloseTo(b.slope as number, 12);
  });

  it('returns no slope with fewer than three boundary points and throws without snr/n axes', () => {
    const fit = estimateBoundary([cell(0.1, 5, 'benign-overfitting'), cell(1, 5, 'not-overfitting')]);
    expect(fit.points).toHaveLength(1);
    expect(fit.slope).toBeNull();
    expect(() => estimateBoundary([{ ...cell(1, 1, 'partial'), axes: { d: 5 } }])).toThrow(/snr and n/);
  });
});

describe('memorisation fraction', () => {
  it('uses the mean final noisyFit when present (a half-memorising cell sits exactly on the boundary)', () => {
    const a = { ...cell(0.1, 10, 'partial'), metrics: { noisyFit: { mean: 0.5, sd: 0 } } };
    const lo = { ...cell(0.05, 10, 'benign-overfitting'), metrics: { noisyFit: { mean: 1, sd: 0 } } };
    const hi = { ...cell(0.2, 10, 'not-overfitting'), metrics: { noisyFit: { mean: 0, sd: 0 } } };
    const fit = estimateBoundary([lo, a, hi]);
    expect(fit.points).toHaveLength(1);
    expect(fit.points[0].snr).toBeCloseTo(0.1, 12);
  });
});
