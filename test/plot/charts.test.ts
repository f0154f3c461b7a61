/**
 * Data of the quantitative-axis charts: the boundary chart's lines satisfy the
 * fitted and the theory equations, and the trajectory chart carries exactly
 * the checkpoints' attention and accuracy values.
 */
import { describe, expect, it } from 'vitest';
import { estimateBoundary } from '../../src/outcome/boundary.js';
import { atHorizon } from '../../src/outcome/aggregate.js';
import { boundarySpec, trajectoryRows, trajectorySpec } from '../../src/plot/charts.js';
import { type Checkpoint, type CellSummary, type Regime, REGIMES } from '../../src/core/records.js';

type J = Record<string, any>;

function cell(snr: number, n: number, regime: Regime): CellSummary {
  const fr = Object.fromEntries(REGIMES.map((r) => [r, r === regime ? 1 : 0])) as Record<Regime, number>;
  return { cellKey: `${snr}|${n}`, axes: { snr, n }, count: 2, regime, agreement: 1, regimeFractions: fr, metrics: {} };
}

function ck(step: number, relClean: number, relNoisy: number, regime: Regime = 'partial'): Checkpoint {
  const w = (rel: number) => ({ relevant: rel, confusing: (1 - rel) / 3, weak: (1 - rel) / 3, irrelevant: (1 - rel) / 3 });
  return {
    step, trainLoss: 0.6 - step / 1000, trainAcc: Math.min(1, 0.5 + step / 100), cleanFit: 1, noisyFit: step / 100,
    testAcc: 0.9, testLoss: 0.5, attnClean: w(relClean), attnNoisy: w(relNoisy), pNorm: step, regime,
  };
}

function layers(spec: J): J[] {
  const out: J[] = [];
  const walk = (s: J) => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    if (s.data?.values && s.mark) out.push(s);
    for (const v of Object.values(s)) walk(v as J);
  };
  walk(spec);
  return out;
}

describe('boundarySpec', () => {
  const snrs = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
  const ns = [5, 10, 20, 40, 80, 160];
  const cells = snrs.flatMap((s) => ns.map((n) => cell(s, n, n * s * s > 2 ? 'not-overfitting' : 'benign-overfitting')));
  const fit = estimateBoundary(cells);
  const spec: J = boundarySpec(cells, fit);
  const data = layers(spec).map((l) => l.data.values as J[]);
  const lineRows = data.find((v) => v.length && 'line' in v[0]) as J[];

  it('draws every run cell once with its regime, and the located boundary points', () => {
    const sq = data.find((v) => v.length && 'regime' in v[0]) as J[];
    expect(sq).toHaveLength(36);
    expect(sq.filter((r) => r.regime === 'not-overfitting')).toHaveLength(cells.filter((c) => c.regime === 'not-overfitting').length);
    expect(data.some((v) => v.length === fit.points.length && v.every((p, i) => p.snr === fit.points[i].snr))).toBe(true);
  });

  it('the fitted line satisfies log n = a − b·log SNR and the theory line has slope −2 through the centroid', () => {
    const fitRows = lineRows.filter((r) => r.line.startsWith('fit'));
    const thRows = lineRows.filter((r) => r.line.startsWith('theory'));
    expect(fitRows.length).toBeGreaterThan(5);
    expect(thRows.length).toBeGreaterThan(5);
    for (const r of fitRows) expect(Math.log(r.n)).toBeCloseTo((fit.intercept as number) - (fit.slope as number) * Math.log(r.snr), 9);
    for (const r of thRows) expect(Math.log(r.n) + 2 * Math.log(r.snr)).toBeCloseTo(fit.theoryIntercept as number, 9);
  });

  it('names the fit with its slope sign as drawn (negative) and its interval', () => {
    const name = lineRows.find((r) => r.line.startsWith('fit'))!.line as string;
    expect(name).toContain(`−${(fit.slope as number).toFixed(2)}`);
    expect(name).not.toContain('−-');
  });
});

describe('trajectorySpec', () => {
  const cks = [ck(0, 0.125, 0.125), ck(50, 0.5, 0.1), ck(100, 0.9, 0.02, 'benign-overfitting')];

  it('long rows: 4 token kinds × 2 sets × checkpoints, values copied exactly', () => {
    const rows = trajectoryRows(cks);
    expect(rows).toHaveLength(4 * 2 * 3);
    expect(rows.find((r) => r.step === 50 && r.set === 'clean' && r.kind === 'relevant')!.weight).toBe(0.5);
    expect(rows.find((r) => r.step === 100 && r.set === 'noisy' && r.kind === 'relevant')!.weight).toBe(0.02);
  });

  it('the chart has a clean panel, a noisy panel and the accuracy panel with the checkpoints’ values', () => {
    const ls = layers(trajectorySpec(cks));
    const clean = ls.find((l) => l.data.values.length && l.data.values.every((r: J) => r.set === 'clean'))!;
    const noisy = ls.find((l) => l.data.values.length && l.data.values.every((r: J) => r.set === 'noisy'))!;
    const acc = ls.find((l) => l.data.values.length && 'metric' in l.data.values[0])!;
    expect(clean.data.values).toHaveLength(12);
    expect(noisy.data.values).toHaveLength(12);
    const test = acc.data.values.filter((r: J) => r.metric === 'test accuracy').map((r: J) => r.value);
    expect(test).toEqual([0.9, 0.9, 0.9]);
    const nf = acc.data.values.filter((r: J) => /noisy fit/.test(r.metric)).map((r: J) => r.value);
    expect(nf).toEqual([0, 0.5, 1]);
  });

  it('a run without noisy samples (η = 0) has an empty noisy panel, not an error', () => {
    const rows = trajectoryRows([{ ...ck(0, 0.2, 0.2), attnNoisy: null, noisyFit: null }]);
    expect(rows.every((r) => r.set === 'clean')).toBe(true);
  });
});

describe('atHorizon', () => {
  it('takes the last checkpoint at or before the horizon and drops later events', () => {
    const cks = [ck(0, 0.1, 0.1, 'partial'), ck(50, 0.5, 0.1, 'not-overfitting'), ck(100, 0.9, 0.1, 'benign-overfitting')];
    const t = { cellKey: 'c', final: cks[2], regime: 'benign-overfitting' as Regime, events: { tFit: 60, tGeneralize: 90 }, checkpoints: cks };
    const h = atHorizon(t, 70);
    expect(h.final.step).toBe(50);
    expect(h.regime).toBe('not-overfitting');
    expect(h.events).toMatchObject({ tFit: 60, tGeneralize: null });
    expect(atHorizon(t, 1000).regime).toBe('benign-overfitting');
  });
});
