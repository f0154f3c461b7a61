/**
 * Spec builders: the Vega-Lite JSON says what the figure will show. Expected
 * values are written out literally here (palette, regime order, labels), not
 * read back from the module's constants.
 */
import { describe, expect, it } from 'vitest';
import {
  formatNumber,
  isLogSpaced,
  metricDomain,
  metricMapSpec,
  phaseDiagramSpec,
  regimeMapSpec,
  tickLabels,
} from '../../src/plot/index.js';
import type { CellSummary, Regime } from '../../src/outcome/types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const REGIME_ORDER = ['not-overfitting', 'benign-overfitting', 'harmful-overfitting', 'partial', 'diverged'];
// Okabe–Ito: blue, bluish green, vermillion, orange, black
const PALETTE = ['#0072B2', '#009E73', '#D55E00', '#E69F00', '#000000'];
const SNR_TITLE = 'SNR = ‖μ‖₂ / (σ_ε√d)';

function makeCell(
  axes: Record<string, number | string>,
  count: number,
  regime: Regime | null,
  agreement = 1,
  testError = 0.1,
): CellSummary {
  const regimeFractions = Object.fromEntries(REGIME_ORDER.map((r) => [r, r === regime ? agreement : 0])) as Record<Regime, number>;
  return {
    cellKey: Object.entries(axes)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    axes,
    count,
    regime: count > 0 ? regime : null,
    agreement: count > 0 ? agreement : 0,
    regimeFractions,
    metrics: count > 0 ? { testError: { mean: testError, sd: 0.01 } } : {},
  };
}

/** 3 × 2 grid (snr × n), shuffled; (snr 1, n 10) not run; (0.1, 100) 3 of 4 seeds agree. */
function grid3x2(): CellSummary[] {
  return [
    makeCell({ snr: 0.1, n: 100 }, 4, 'benign-overfitting', 0.75, 0.04),
    makeCell({ snr: 0.01, n: 10 }, 4, 'harmful-overfitting', 1, 0.3),
    makeCell({ snr: 1, n: 100 }, 4, 'not-overfitting', 1, 0.001),
    makeCell({ snr: 0.01, n: 100 }, 4, 'harmful-overfitting', 1, 0.25),
    makeCell({ snr: 1, n: 10 }, 0, null),
    makeCell({ snr: 0.1, n: 10 }, 4, 'partial', 1, 0.12),
  ];
}

/** Every unit spec (object with a `mark`) nested in a spec. */
function units(spec: J): J[] {
  const out: J[] = [];
  const walk = (s: J) => {
    if (s === null || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    if ('mark' in s) out.push(s);
    for (const k of ['layer', 'hconcat', 'vconcat', 'concat', 'spec']) if (k in s) walk(s[k]);
  };
  walk(spec);
  return out;
}

/** Every `encoding` object nested in a spec (unit- and layer-parent level). */
function encodings(spec: J): J[] {
  const out: J[] = [];
  const walk = (s: J) => {
    if (s === null || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach(walk);
    if (s.encoding) out.push(s.encoding);
    for (const k of ['layer', 'hconcat', 'vconcat', 'concat', 'spec']) if (k in s) walk(s[k]);
  };
  walk(spec);
  return out;
}

/** The encoding that carries x/y positions of a panel (layer parent). */
function position(spec: J): J {
  return encodings(spec).find((e) => e.x || e.y) ?? {};
}

/** The colour channel definition bound to `field` somewhere in the spec. */
function colorFor(spec: J, field: string): J {
  return encodings(spec)
    .map((e) => e.color)
    .find((c) => c && c.field === field);
}

describe('regimeMapSpec on a 3×2 grid', () => {
  const cells = grid3x2();
  const spec: J = regimeMapSpec(cells, ['snr', 'n'], { logAxes: [] });

  it('embeds one row per cell with its regime, count and axis values', () => {
    const rows: J[] = spec.data.values;
    expect(rows).toHaveLength(6);
    for (const c of cells) {
      const row = rows.filter((r) => r.axes.snr === c.axes.snr && r.axes.n === c.axes.n);
      expect(row).toHaveLength(1);
      expect(row[0].regime).toBe(c.regime);
      expect(row[0].count).toBe(c.count);
    }
    // the tick labels of each cell: 3 significant digits, integers exact
    const benign = rows.find((r) => r.regime === 'benign-overfitting');
    expect([benign.x, benign.y]).toEqual(['0.1', '100']);
  });

  it('keeps the not-yet-run cell (count 0) as an empty cell', () => {
    const empty = spec.data.values.find((r: J) => r.axes.snr === 1 && r.axes.n === 10);
    expect(empty).toMatchObject({ count: 0, regime: null, agreementText: '', disagree: false });
  });

  it('shows agreement as k/n and flags disagreement', () => {
    const byKey = new Map(spec.data.values.map((r: J) => [r.cellKey, r]));
    expect(byKey.get('snr=0.1,n=100')).toMatchObject({ agreementText: '3/4', disagree: true, agreement: 0.75 });
    expect(byKey.get('snr=0.01,n=10')).toMatchObject({ agreementText: '4/4', disagree: false });
    // a layer draws something only for disagreeing cells
    expect(units(spec).some((u) => JSON.stringify(u.transform ?? []).includes('datum.disagree'))).toBe(true);
  });

  it('colours regimes with the fixed palette over the full, ordered domain', () => {
    const color = colorFor(spec, 'regime');
    expect(color.type).toBe('nominal');
    expect(color.scale.domain).toEqual(REGIME_ORDER);
    expect(color.scale.range).toEqual(PALETTE);
    expect(color.legend.title).toBe('regime');
  });

  it('uses the same colours whatever regimes are present', () => {
    const only = regimeMapSpec([makeCell({ snr: 1, n: 1 }, 2, 'diverged')], ['snr', 'n']);
    expect(colorFor(only, 'regime').scale.domain).toEqual(REGIME_ORDER);
    expect(colorFor(only, 'regime').scale.range).toEqual(PALETTE);
  });

  it('maps axis names to labels and sorts ticks numerically (largest y on top)', () => {
    const pos = position(spec);
    expect(pos.x.axis.title).toBe(SNR_TITLE);
    expect(pos.y.axis.title).toBe('training size n');
    expect(pos.x.type).toBe('ordinal');
    expect(pos.x.scale.domain).toEqual(['0.01', '0.1', '1']);
    // band scales put the first domain value at the top
    expect(pos.y.scale.domain).toEqual(['100', '10']);
  });

  it('sorts numerically, not lexicographically', () => {
    const cs = [2, 10, 100, 3].map((n) => makeCell({ n, eta: 0.2 }, 1, 'partial'));
    const pos = position(regimeMapSpec(cs, ['n', 'eta']));
    expect(pos.x.scale.domain).toEqual(['2', '3', '10', '100']);
    expect(pos.y.axis.title).toBe('label-noise rate η');
  });

  it('labels other known axes and passes unknown names through', () => {
    const cs = [makeCell({ muNorm: 20, d: 2000, eta: 0.1, rho: 0.1, alpha: 0.005, steps: 1000, T: 8, fooBar: 1 }, 1, 'partial')];
    const title = (a: string, b: string) => position(regimeMapSpec(cs, [a, b])).x.axis.title + ' | ' + position(regimeMapSpec(cs, [a, b])).y.axis.title;
    expect(title('muNorm', 'd')).toBe('‖μ‖₂ | dimension d');
    expect(title('rho', 'alpha')).toBe('ρ | step size α');
    expect(title('steps', 'T')).toBe('steps | tokens T');
    expect(title('fooBar', 'eta')).toBe('fooBar | label-noise rate η');
  });

  it('marks log-spaced axes: detected, or as given by logAxes', () => {
    const detected = position(regimeMapSpec(cells, ['snr', 'n']));
    expect(detected.x.axis.title).toBe(`${SNR_TITLE} (log-spaced)`); // 0.01, 0.1, 1
    expect(detected.y.axis.title).toBe('training size n'); // only two values
    const forced = position(regimeMapSpec(cells, ['snr', 'n'], { logAxes: ['n'] }));
    expect(forced.x.axis.title).toBe(SNR_TITLE);
    expect(forced.y.axis.title).toBe('training size n (log-spaced)');
  });
});

describe('grid shapes', () => {
  it('1 axis: a strip with no y encoding anywhere', () => {
    const cs = [0.01, 0.1, 1].map((snr) => makeCell({ snr }, 2, 'benign-overfitting'));
    for (const spec of [regimeMapSpec(cs, ['snr']), phaseDiagramSpec(cs, ['snr'])] as J[]) {
      expect(encodings(spec).some((e) => 'y' in e)).toBe(false);
      expect(position(spec).x.scale.domain).toEqual(['0.01', '0.1', '1']);
    }
  });

  it('0 axes: one cell, no x/y encodings', () => {
    const spec: J = phaseDiagramSpec([makeCell({}, 3, 'not-overfitting', 2 / 3)], []);
    expect(encodings(spec).some((e) => 'x' in e || 'y' in e)).toBe(false);
    expect(spec.hconcat[0].data.values).toHaveLength(1);
    expect(spec.hconcat[0].data.values[0].agreementText).toBe('2/3');
  });

  it('3 axes: facet over the third axis, in numeric order', () => {
    const cs = [0.3, 0.1, 0.2].flatMap((eta) => grid3x2().map((c) => ({ ...c, axes: { ...c.axes, eta } })));
    const spec: J = regimeMapSpec(cs, ['snr', 'n', 'eta']);
    expect(spec.facet.field).toBe('facet');
    expect(spec.facet.sort).toEqual(['0.1', '0.2', '0.3']);
    expect(spec.facet.header.title).toBe('label-noise rate η');
    expect(spec.data.values).toHaveLength(18);
    const row = spec.data.values.find((r: J) => r.axes.eta === 0.2 && r.axes.snr === 0.01 && r.axes.n === 10);
    expect(row).toMatchObject({ facet: '0.2', x: '0.01', y: '10', regime: 'harmful-overfitting' });
    // x/y still inside each facet
    expect(spec.spec.encoding.x.field).toBe('x');
    expect(spec.spec.encoding.y.field).toBe('y');
    // the phase diagram stacks the two faceted panels
    const pd: J = phaseDiagramSpec(cs, ['snr', 'n', 'eta']);
    expect(pd.vconcat).toHaveLength(2);
    expect(pd.vconcat.every((p: J) => p.facet.field === 'facet')).toBe(true);
  });

  it('4 axes: rows over the third, columns over the fourth', () => {
    const cs = [0.1, 0.2].flatMap((eta) => [0.05, 0.5].map((rho) => makeCell({ snr: 1, n: 10, eta, rho }, 1, 'partial')));
    const spec: J = regimeMapSpec(cs, ['snr', 'n', 'eta', 'rho']);
    expect(spec.facet.row).toMatchObject({ field: 'row', sort: ['0.1', '0.2'] });
    expect(spec.facet.column).toMatchObject({ field: 'column', sort: ['0.05', '0.5'] });
  });

  it('5 axes: one combined facet field over the extra axes', () => {
    const cs = [0.2, 0.1].flatMap((eta) => [8, 3].map((T) => makeCell({ snr: 1, n: 10, eta, rho: 0.1, T }, 1, 'partial')));
    const spec: J = regimeMapSpec(cs, ['snr', 'n', 'eta', 'rho', 'T']);
    expect(spec.facet.field).toBe('facet');
    expect(spec.facet.sort).toEqual(['η=0.1, ρ=0.1, T=3', 'η=0.1, ρ=0.1, T=8', 'η=0.2, ρ=0.1, T=3', 'η=0.2, ρ=0.1, T=8']);
  });

  it('no cells, unknown axes, missing axis values: never throws', () => {
    expect(() => phaseDiagramSpec([], ['snr', 'n'])).not.toThrow();
    expect(() => phaseDiagramSpec([], ['snr', 'n', 'eta'])).not.toThrow();
    const partial = [makeCell({ snr: 1 }, 1, 'partial'), makeCell({ snr: 2, n: 5 }, 1, 'partial')];
    const spec: J = regimeMapSpec(partial, ['snr', 'n']);
    expect(spec.data.values.map((r: J) => r.y)).toEqual(['?', '5']);
  });
});

describe('metricMapSpec and phaseDiagramSpec', () => {
  const cells = grid3x2();

  it('metric map: viridis over metrics[metric].mean; empty cells have value null', () => {
    const spec: J = metricMapSpec(cells, ['snr', 'n'], 'testError');
    const color = colorFor(spec, 'value');
    expect(color.type).toBe('quantitative');
    expect(color.scale.scheme).toBe('viridis');
    expect(color.scale.domain).toEqual([0, 0.5]); // 0 … chance level
    const byKey = new Map(spec.data.values.map((r: J) => [r.cellKey, r]));
    expect((byKey.get('snr=0.01,n=10') as J).value).toBe(0.3);
    expect((byKey.get('snr=1,n=10') as J).value).toBeNull();
  });

  it('phase diagram: regime map and test-error map side by side, independent colours', () => {
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n'], { title: 'demo' });
    expect(spec.hconcat).toHaveLength(2);
    expect(colorFor(spec.hconcat[0], 'regime').scale.range).toEqual(PALETTE);
    const err = colorFor(spec.hconcat[1], 'value');
    expect(err.scale.scheme).toBe('viridis');
    expect([err.legend.title].flat().join(' ')).toMatch(/final test error.*lower is better/);
    expect(spec.resolve.scale.color).toBe('independent');
    expect(spec.title.text).toBe('demo');
  });

  it('uses DejaVu Sans everywhere and a white background', () => {
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n']);
    expect(spec.background).toBe('white');
    const c = spec.config;
    expect([c.font, c.title.font, c.axis.labelFont, c.axis.titleFont, c.legend.labelFont, c.legend.titleFont, c.text.font]).toEqual(
      Array(7).fill('DejaVu Sans'),
    );
  });

  it('is plain JSON: survives a JSON round trip, even with NaN / ∞ metrics', () => {
    const weird = [...cells, { ...makeCell({ snr: 10, n: 10 }, 2, 'diverged'), metrics: { testError: { mean: NaN, sd: Infinity } } }];
    const spec = phaseDiagramSpec(weird, ['snr', 'n']);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('cell size: an 8×6 grid is about 350×260 px per panel', () => {
    const cs: CellSummary[] = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 6; j++) cs.push(makeCell({ snr: 10 ** (i / 4 - 2), n: 10 * 2 ** j }, 1, 'partial'));
    const spec: J = regimeMapSpec(cs, ['snr', 'n']);
    expect(8 * spec.width.step).toBeGreaterThan(300);
    expect(8 * spec.width.step).toBeLessThanOrEqual(360);
    expect(6 * spec.height.step).toBeGreaterThan(220);
    expect(6 * spec.height.step).toBeLessThanOrEqual(270);
  });
});

describe('formatting helpers', () => {
  it('formatNumber: ~3 significant digits, integers exact, tiny numbers in e-notation', () => {
    expect(formatNumber(2000)).toBe('2000');
    expect(formatNumber(0.031622776)).toBe('0.0316');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1e-5)).toBe('1e-5');
    expect(formatNumber(3.1622e-5)).toBe('3.16e-5');
    expect(formatNumber(2.5e7)).toBe('2.5e7');
  });

  it('tickLabels adds digits until distinct values get distinct labels', () => {
    const m = tickLabels([0.1001, 0.1002, 0.5]);
    expect([m.get(0.1001), m.get(0.1002), m.get(0.5)]).toEqual(['0.1001', '0.1002', '0.5']);
  });

  it('isLogSpaced: geometric grids yes, arithmetic or short ones no', () => {
    expect(isLogSpaced([0.01, 0.1, 1, 10])).toBe(true);
    expect(isLogSpaced([10, 20, 40, 80])).toBe(true);
    expect(isLogSpaced([1, 2, 3, 4])).toBe(false);
    expect(isLogSpaced([1, 10])).toBe(false);
    expect(isLogSpaced(['a', 'b', 'c'])).toBe(false);
  });

  it('metricDomain: fractions [0,1], testError at least up to chance level 0.5', () => {
    expect(metricDomain('cleanFit', [0.3])).toEqual([0, 1]);
    expect(metricDomain('testError', [0.01, 0.2])).toEqual([0, 0.5]);
    expect(metricDomain('testError', [0.7])).toEqual([0, 0.7]);
    expect(metricDomain('testLoss', [0.2, 3])).toEqual([0, 3]);
  });
});
