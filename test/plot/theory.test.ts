/**
 * Theory-time figures are pure functions of data: their specs carry exactly
 * the readings of the outcome layer (collapse rows = excess memorisation at
 * c·τ, slope bands = the fits' CIs, censored trials marked, not-reached cells
 * blank), and they compile with Vega-Lite.
 */
import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { cellsAtTheoryTime, memoriseTimes, type SlopeAt, type TheoryTrial } from '../../src/outcome/theory-time.js';
import { boundarySlopesSpec, collapseSpec, delayedGeneralisationSpec, theoryTimeMapSpec, THEORY_TIME_AXIS } from '../../src/plot/theory.js';
import { delayedRows } from '../../src/plot/theory-figures.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import type { Checkpoint } from '../../src/core/records.js';

type J = Record<string, any>;

/** All subtitle lines of a spec joined by spaces (notes are wrapped to the panel width). */
function notesOf(spec: J): string {
  const out: string[] = [];
  const walk = (s: J) => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    if (Array.isArray(s.subtitle)) out.push(s.subtitle.join(' '));
    for (const v of Object.values(s)) walk(v as J);
  };
  walk(spec);
  return out.join(' | ');
}

/** Every (sub)spec with inline data, and its data rows. */
function dataOf(spec: J): J[][] {
  const out: J[][] = [];
  const walk = (s: J) => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    if (s.data?.values) out.push(s.data.values);
    for (const v of Object.values(s)) walk(v as J);
  };
  walk(spec);
  return out;
}

function ck(step: number, noisyFit: number, testAcc = 0.9): Checkpoint {
  const w = { relevant: 0.3, confusing: 0.2, weak: 0.2, irrelevant: 0.1 };
  return { step, trainLoss: 0.5 - step * 1e-4, trainAcc: 1, cleanFit: 1, noisyFit, testAcc, testLoss: 0.3, attnClean: w, attnNoisy: w, pNorm: 1, regime: 'partial' };
}

const cfg = (n: number, snr: number): TrialConfig => ({ ...DEFAULT_CONFIG, d: 400, n, muNorm: snr * 20, alpha: 0.3 / (snr * 20) ** 2 }); // τ = 10 steps

describe('collapse figure', () => {
  const panels = [
    { c: 10, cells: [
      { cellKey: 'a', snr: 0.1, n: 5, nSnr2: 0.05, tau: 10, seeds: 2, m: 0.8, m0: 0.2, excess: 0.75 },
      { cellKey: 'b', snr: 1, n: 5, nSnr2: 5, tau: 10, seeds: 2, m: 0.2, m0: 0.2, excess: 0 },
      { cellKey: 'c', snr: 1, n: 10, nSnr2: 10, tau: 10, seeds: 2, m: 1, m0: 1, excess: NaN },
    ] },
    { c: 100, cells: [{ cellKey: 'a', snr: 0.1, n: 5, nSnr2: 0.05, tau: 10, seeds: 2, m: 1, m0: 0.2, excess: 1 }] },
  ];
  const trials: TheoryTrial[] = [
    { cellKey: 'a', axes: { snr: 0.1, n: 5 }, config: cfg(5, 0.1), checkpoints: [ck(0, 0.2), ck(30, 1), ck(100, 1)] },
    { cellKey: 'b', axes: { snr: 1, n: 5 }, config: cfg(5, 1), checkpoints: [ck(0, 0.2), ck(100, 0.4)] },
  ];
  const rows = memoriseTimes(trials);
  const spec = collapseSpec(panels, { rows, exponent: 0.5, ci: [0.3, 0.7], intercept: 0 });

  it('one row per (c, cell) with a finite excess, facetted by c', () => {
    const [collapse] = dataOf(spec);
    expect(collapse!.map((r) => [r.c, r.n, r.nSnr2, r.excess])).toEqual([[10, 5, 0.05, 0.75], [10, 5, 5, 0], [100, 5, 0.05, 1]]);
    expect(JSON.stringify(spec)).toContain('"facet":{"field":"c"');
  });

  it('tMemorise/τ per trial; a trial that never memorised is a censored lower bound at its last step', () => {
    expect(rows).toEqual([
      { cellKey: 'a', n: 5, snr: 0.1, nSnr2: 0.05, tOverTau: 3, censored: false },
      { cellKey: 'b', n: 5, snr: 1, nSnr2: 5, tOverTau: 10, censored: true },
    ].map((r) => ({ ...r, nSnr2: expect.closeTo(r.nSnr2, 12), tOverTau: expect.closeTo(r.tOverTau, 12) })));
    const pts = dataOf(spec).find((d) => d.some((r) => 'kind' in r))!;
    expect(pts.map((r) => r.kind)).toEqual(['memorised', 'never memorised (≥)']);
    // the fitted line is log(t/τ) = 0 + 0.5·log(n·SNR²)
    const line = dataOf(spec).find((d) => d.length === 21)!;
    for (const r of line) expect(r.tOverTau).toBeCloseTo(Math.sqrt(r.nSnr2), 10);
    expect(notesOf(spec)).toContain('fitted exponent 0.50 [0.30, 0.70]');
  });

  it('compiles', () => {
    expect(() => compile(spec as never)).not.toThrow();
  });
});

describe('boundary slopes figure', () => {
  const s = (slope: number | null, lo: number, hi: number): SlopeAt => ({ slope, ci: slope === null ? null : [lo, hi], points: 5, nSnr2AtCrossing: 1, cells: 10 });
  const spec = boundarySlopesSpec(
    [{ step: 0, ...s(null, 0, 0) }, { step: 10, ...s(1.2, 1, 1.4) }, { step: 100, ...s(0.5, 0.3, 0.7) }],
    [{ c: 10, ...s(2.9, 2.5, 3.3) }, { c: 1000, ...s(2.2, 2, 2.4) }],
  );
  it('slope and CI band per fitted horizon and per c; the theory line at 2', () => {
    const d = dataOf(spec);
    expect(d[0]!.map((r) => [r.x, r.slope, r.lo, r.hi])).toEqual([[10, 1.2, 1, 1.4], [100, 0.5, 0.3, 0.7]]);
    const c = d.find((rows) => rows.some((r) => r.x === 1000))!;
    expect(c.map((r) => [r.x, r.slope, r.lo, r.hi])).toEqual([[10, 2.9, 2.5, 3.3], [1000, 2.2, 2, 2.4]]);
    // the theory line: its own one-row data set at b = 2 in each panel
    expect(d.filter((rows) => rows.length === 1 && rows[0]!.theory === 2)).toHaveLength(2);
    expect(notesOf(spec)).toContain('c=1000: 2.20 [2.00, 2.40]');
    expect(() => compile(spec as never)).not.toThrow();
  });
});

describe('delayed generalisation figure', () => {
  it('(t_gen − t_mem)/τ against 1/(n·SNR²) for the trials that show it', () => {
    const t: TheoryTrial = { cellKey: 'a', axes: { snr: 0.5, n: 4 }, config: cfg(4, 0.5), checkpoints: [ck(0, 0, 0.9), ck(20, 1, 0.7), ck(50, 1, 0.99)] };
    const none: TheoryTrial = { ...t, checkpoints: [ck(0, 0, 0.99), ck(20, 1, 0.7)] };
    const rows = delayedRows([t, none]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.delay).toBeCloseTo((50 - 20) / 10, 12);
    expect(rows[0]!.invNSnr2).toBeCloseTo(1 / (4 * 0.25), 12);
    const spec = delayedGeneralisationSpec(rows);
    expect(dataOf(spec)[0]).toEqual(rows);
    expect(() => compile(spec as never)).not.toThrow();
  });
});

describe('maps at t = c·τ', () => {
  it('a cell none of whose trials reached c·τ is blank (count 0), never its last state', () => {
    const cells = [{ key: 'a', axes: { snr: 0.1, n: 5 } }, { key: 'b', axes: { snr: 1, n: 5 } }];
    const trials: TheoryTrial[] = [
      { cellKey: 'a', axes: cells[0]!.axes, config: cfg(5, 0.1), checkpoints: [ck(0, 0.2), ck(1000, 1)] },
      { cellKey: 'b', axes: cells[1]!.axes, config: cfg(5, 1), checkpoints: [ck(0, 0.2), ck(50, 0.6)] },
    ];
    const horizons = [10, 100].map((c) => ({ c, cells: cellsAtTheoryTime(cells, trials, c) }));
    const spec = theoryTimeMapSpec('memorisation', horizons, ['snr', 'n']);
    const rows = dataOf(spec)[0]!;
    const at = (key: string) => rows.find((r) => r.cellKey === key)!;
    expect(at('b@100').value).toBeNull(); // b ran 50 steps < 100·τ = 1000: not reached
    expect(at('b@10').value).toBeNull(); // 10·τ = 100 > 50: not reached either
    expect(at('a@10').value).toBe(1); // first checkpoint at or after 100 is step 1000
    expect(at('a@100').value).toBe(1);
  });
});

describe('undecidable cells on the regime map', () => {
  it('cells whose best reachable test error is ≥ δ are hatched and named in the notes', async () => {
    const { regimeMapSpec } = await import('../../src/plot/maps.js');
    const { theoryOf } = await import('../../src/outcome/theory.js');
    const { REGIMES } = await import('../../src/core/records.js');
    const fr = Object.fromEntries(REGIMES.map((r) => [r, r === 'harmful-overfitting' ? 1 : 0])) as never;
    const mk = (muNorm: number) => ({ cellKey: `${muNorm}`, axes: { muNorm, n: 5 }, count: 1, regime: 'harmful-overfitting' as const, agreement: 1, regimeFractions: fr, metrics: {}, theory: theoryOf({ ...DEFAULT_CONFIG, muNorm }) });
    const spec = regimeMapSpec([mk(2), mk(5)], ['muNorm', 'n']);
    const rows = dataOf(spec)[0]!;
    expect(rows.map((r) => [r.cellKey, r.undecidable])).toEqual([['2', true], ['5', false]]); // Φ(−2/√2) = 0.079 ≥ 0.05; Φ(−5/√2) < 0.05
    expect(JSON.stringify(spec)).toContain('"filter":"datum.undecidable');
    expect(notesOf(spec)).toContain('hatched ╱: benign impossible');
    expect(() => compile(spec as never)).not.toThrow();
  });
});
