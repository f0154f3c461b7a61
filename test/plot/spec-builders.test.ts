/**
 * Spec builders: the Vega-Lite JSON says what the figure will show. Expected
 * values are written out literally here (palette, regime order, labels), not
 * read back from the module's constants.
 */
import { describe, expect, it } from 'vitest';
import {
  formatNumber,
  horizonRegimeSpec,
  isLinSpaced,
  isLogSpaced,
  linearTicks,
  logTicks,
  lossMapsSpec,
  metricDomain,
  metricMapSpec,
  phaseDiagramSpec,
  regimeMapSpec,
  tickLabels,
} from '../../src/plot/index.js';
import { defaultStyle, parsePalette, type FigureStyle } from '../../src/plot/style.js';
import type { CellSummary, Regime } from '../../src/core/records.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const REGIME_ORDER = ['not-overfitting', 'benign-overfitting', 'harmful-overfitting', 'partial', 'untrained', 'diverged'];
// Okabe–Ito: blue, bluish green, vermillion, orange, black
const PALETTE = ['#0072B2', '#009E73', '#D55E00', '#CC79A7', '#F0E442', '#000000'];
/** The regimes present in a spec's data, in legend order, and their default colours. */
const present = (spec: J) => REGIME_ORDER.filter((r) => spec.data.values.some((v: J) => v.regime === r));
const colours = (spec: J) => present(spec).map((r) => PALETTE[REGIME_ORDER.indexOf(r)]);
// σ with a typeset subscript ε (between the invisible markers of vocabulary.sub), never an underscore
const SNR_TITLE = 'SNR = ‖μ‖₂ / (σ\u2063ε\u2064√d)';

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

/** The encoding that carries x/y positions of a panel (its first layer with a position). */
function position(spec: J): J {
  return encodings(spec).find((e) => e.x || e.y) ?? {};
}

/** Every legend definition in a spec. */
function legends(spec: J): J[] {
  return encodings(spec).flatMap((e) => Object.values(e)).filter((c: J) => c && typeof c === 'object' && c.legend).map((c: J) => c.legend);
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

  it('colours regimes with the fixed palette over the regimes drawn, in legend order (the legend lists nothing absent)', () => {
    const color = colorFor(spec, 'regime');
    expect(color.type).toBe('nominal');
    expect(color.scale.domain).toEqual(present(spec));
    expect(color.scale.domain).not.toContain('diverged');
    expect(color.scale.range).toEqual(colours(spec));
    expect(color.legend.title).toBe('regime');
  });

  it('names the regimes in words in the legend (the data keeps the ids)', () => {
    const expr: string = colorFor(spec, 'regime').legend.labelExpr;
    const label = (id: string) => new Function('datum', `return ${expr};`)({ label: id });
    expect(REGIME_ORDER.map(label)).toEqual(['not overfitting', 'benign overfitting', 'harmful overfitting', 'partial fit', 'untrained', 'diverged']);
    // tooltips show the words too
    expect(spec.data.values.find((r: J) => r.regime === 'harmful-overfitting').regimeText).toBe('harmful overfitting');
    expect(spec.data.values.map((r: J) => r.regime)).toContain('harmful-overfitting');
  });

  it('uses the same colours whatever regimes are present', () => {
    const only = regimeMapSpec([makeCell({ snr: 1, n: 1 }, 2, 'diverged')], ['snr', 'n']);
    expect(colorFor(only, 'regime').scale.domain).toEqual(['diverged']);
    expect(colorFor(only, 'regime').scale.range).toEqual(['#000000']);
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
    expect(title('muNorm', 'd')).toBe('signal norm ‖μ‖₂ | dimension d');
    expect(title('rho', 'alpha')).toBe('weak-signal scale ρ | step size α');
    expect(title('steps', 'T')).toBe('GD steps | tokens per sequence T');
    expect(title('fooBar', 'eta')).toBe('fooBar | label-noise rate η');
  });

  it('draws log-spaced axes on a log scale: detected, or as given by logAxes', () => {
    const detected = position(regimeMapSpec(cells, ['snr', 'n']));
    expect(detected.x).toMatchObject({ type: 'quantitative', scale: { type: 'log' }, axis: { title: SNR_TITLE } }); // 0.01, 0.1, 1
    expect(detected.y.type).toBe('ordinal'); // only two values: bands
    const forced = position(regimeMapSpec(cells, ['snr', 'n'], { logAxes: ['n'] }));
    expect(forced.x.type).toBe('ordinal');
    expect(forced.y).toMatchObject({ type: 'quantitative', scale: { type: 'log' } });
    // 10 and 100: cells reach half a decade (geometrically) either side
    expect(forced.y.scale.domain[0]).toBeCloseTo(10 ** 0.5, 9);
    expect(forced.y.scale.domain[1]).toBeCloseTo(10 ** 2.5, 9);
  });
});

describe('grid shapes', () => {
  it('1 axis: a strip with no y encoding anywhere', () => {
    const cs = [0.01, 0.02, 1].map((snr) => makeCell({ snr }, 2, 'benign-overfitting'));
    for (const spec of [regimeMapSpec(cs, ['snr']), phaseDiagramSpec(cs, ['snr'])] as J[]) {
      expect(encodings(spec).some((e) => 'y' in e)).toBe(false);
      expect(position(spec).x.scale.domain).toEqual(['0.01', '0.02', '1']); // irregular: bands
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
    expect(spec.facet.title).toBe('label-noise rate η');
    expect(spec.facet.header.labelExpr).toBe('"η = " + datum.value');
    expect(spec.data.values).toHaveLength(18);
    const row = spec.data.values.find((r: J) => r.axes.eta === 0.2 && r.axes.snr === 0.01 && r.axes.n === 10);
    expect(row).toMatchObject({ facet: '0.2', x: '0.01', y: '10', regime: 'harmful-overfitting' });
    // x (log: cell edges) and y (bands) inside each facet
    const pos = position(spec.spec);
    expect([pos.x.field, pos.x2.field, pos.y.field]).toEqual(['x0', 'x1', 'y']);
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
    expect(color.scale.domain).toEqual([0.001, 0.3]); // the data range of the run cells' means
    const byKey = new Map(spec.data.values.map((r: J) => [r.cellKey, r]));
    expect((byKey.get('snr=0.01,n=10') as J).value).toBe(0.3);
    expect((byKey.get('snr=1,n=10') as J).value).toBeNull();
  });

  it('phase diagram: regime map and test-error map side by side, independent colours', () => {
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n'], { title: 'demo' });
    expect(spec.hconcat).toHaveLength(2);
    expect(colorFor(spec.hconcat[0], 'regime').scale.range).toEqual(colours(spec.hconcat[0]));
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

  it('cell size: an 8×6 grid is about 350×260 px per panel, square cells', () => {
    const cs: CellSummary[] = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 6; j++) cs.push(makeCell({ snr: 10 ** (i / 4 - 2), n: 10 * 2 ** j }, 1, 'partial'));
    const spec: J = regimeMapSpec(cs, ['snr', 'n']);
    // both axes log-spaced: continuous panels of width × height px
    expect(spec.width).toBeGreaterThan(300);
    expect(spec.width).toBeLessThanOrEqual(360);
    expect(spec.height).toBeGreaterThan(220);
    expect(spec.height).toBeLessThanOrEqual(270);
    expect(spec.width / 8).toBeCloseTo(spec.height / 6, 6);
    // a band grid of the same size: 8 steps of the same cell size
    const band: J = regimeMapSpec(cs, ['snr', 'n'], { logAxes: [] });
    expect(8 * band.width.step).toBeCloseTo(spec.width, 6);
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

  it('metricDomain: fractions [0,1], test error and losses the data range', () => {
    expect(metricDomain('cleanFit', [0.3])).toEqual([0, 1]);
    expect(metricDomain('testError', [0.05, 0.13])).toEqual([0.05, 0.13]); // an η sweep uses the whole colour map
    expect(metricDomain('testError', [0.7])[0]).toBeCloseTo(0.35, 12); // degenerate: widened to [v/2, 3v/2]
    expect(metricDomain('testError', [0.7])[1]).toBeCloseTo(1.05, 12);
    expect(metricDomain('testLoss', [0.2, 3])).toEqual([0.2, 3]); // data range: losses never reach 0 here
  });
});

describe('tick values', () => {
  it('logTicks: the densest readable 1-2-3-5 set that fits, within the range', () => {
    expect(logTicks(0.028, 3.4, 12)).toEqual([0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3]);
    expect(logTicks(0.028, 3.4, 6)).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]); // {1, 2, 5}
    expect(logTicks(0.028, 3.4, 5)).toEqual([0.03, 0.1, 0.3, 1, 3]); // {1, 3}
    expect(logTicks(0.028, 3.4, 3)).toEqual([0.1, 1]); // {1}
    expect(logTicks(1e-6, 1e6, 4)).toEqual([1e-6, 1e-2, 100, 1e6]); // every 4th decade
    expect(logTicks(3.1, 3.9, 5)).toEqual([3.2, 3.4, 3.6, 3.8]); // no 1-2-5 value inside: linear steps
  });

  it('linearTicks: 1-2-5 steps', () => {
    expect(linearTicks(2.5, 102.5, 6)).toEqual([20, 40, 60, 80, 100]);
    expect(linearTicks(0, 1, 3)).toEqual([0, 0.5, 1]);
  });

  it('isLinSpaced: constant differences only', () => {
    expect(isLinSpaced([5, 10, 15, 20])).toBe(true);
    expect(isLinSpaced([1, 2, 4])).toBe(false);
    expect(isLinSpaced([1, 2])).toBe(false);
  });
});

describe('continuous axes: cells as rectangles around their grid value', () => {
  const snrs = [0.03, 0.0580, 0.112, 0.217, 0.42, 0.812, 1.57, 3].map((v, i) => 0.03 * 100 ** (i / 7));
  const ns = [5, 10, 20, 40, 80, 160];
  const cs = snrs.flatMap((snr) => ns.map((n) => makeCell({ snr, n }, 2, 'benign-overfitting')));
  const spec: J = regimeMapSpec(cs, ['snr', 'n']);
  const rows: J[] = spec.data.values;

  it('log axis: geometric cell edges, touching neighbours, centred on the value', () => {
    for (const r of rows) {
      expect(r.x0).toBeLessThan(r.xc);
      expect(r.x1).toBeGreaterThan(r.xc);
      expect(Math.sqrt(r.x0 * r.x1)).toBeCloseTo(r.xc, 12);
      expect(r.xc).toBe(r.axes.snr);
    }
    const edges = [...new Set(rows.flatMap((r) => [r.x0, r.x1]))].sort((a, b) => a - b);
    expect(edges).toHaveLength(9); // 8 cells share 7 inner edges
  });

  it('ticks sit at every cell value, labelled with that value (never between cells)', () => {
    const pos = position(spec);
    const snrs = [...new Set(spec.data.values.map((r: J) => r.axes.snr))].sort((a: any, b: any) => a - b);
    expect(pos.x.axis.values).toEqual(snrs);
    expect(pos.y.axis.values).toEqual(ns);
    // the label of each tick is its value to 3 significant digits (a lookup, so 100 never prints as "1e+2")
    const label = (v: number) => new Function('datum', 'format', `return ${pos.x.axis.labelExpr};`)({ value: v }, () => '?');
    expect(snrs.map((v: any) => label(v))).toEqual(snrs.map((v: any) => String(Number(v.toPrecision(3)))));
    expect(pos.x.axis.labelOverlap).toBe(false);
  });

  it('linear axis (linspace): linear scale, nice ticks when the grid values do not all fit', () => {
    const lin = Array.from({ length: 20 }, (_, i) => 5 + 5 * i).map((muNorm) => makeCell({ muNorm, d: 100 }, 1, 'partial'));
    const pos = position(regimeMapSpec(lin, ['muNorm', 'd']));
    expect(pos.x.scale).toMatchObject({ type: 'linear', domain: [2.5, 102.5], zero: false });
    // every column labelled: the 20 values, turned upright when they do not fit side by side
    expect(pos.x.axis.values).toEqual(Array.from({ length: 20 }, (_, i) => 5 + 5 * i));
    expect([0, -45, -90]).toContain(pos.x.axis.labelAngle);
  });
});

describe('style, size and layout options', () => {
  const cells = grid3x2();
  const style = (over: Partial<FigureStyle>): FigureStyle => ({ ...defaultStyle(), ...over });

  it('font and font size (pt) reach every text element, in px', () => {
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n'], { style: style({ font: 'DejaVu Serif', fontSize: 9 }) });
    const c = spec.config;
    expect([c.font, c.title.font, c.axis.labelFont, c.axis.titleFont, c.legend.labelFont, c.header.labelFont, c.text.font]).toEqual(Array(7).fill('DejaVu Serif'));
    expect(c.axis.labelFontSize).toBe(12); // 9 pt = 12 px
    expect(c.axis.titleFontSize).toBe(12);
    expect(c.title.fontSize).toBeCloseTo(10 * (4 / 3), 2); // panel titles +1 pt
  });

  it('palettes: regimes and the sequential scheme change together; defaults are colour-blind safe', () => {
    const tol: J = phaseDiagramSpec(cells, ['snr', 'n'], { style: style({ palette: parsePalette('tol') }) });
    const tolColours = ['#4477AA', '#228833', '#EE6677', '#CCBB44', '#66CCEE', '#000000'];
    expect(colorFor(tol.hconcat[0], 'regime').scale.range).toEqual(present(tol.hconcat[0]).map((r) => tolColours[REGIME_ORDER.indexOf(r)]));
    expect(colorFor(tol.hconcat[1], 'value').scale.scheme).toBe('cividis');
    const grey: J = phaseDiagramSpec(cells, ['snr', 'n'], { style: style({ palette: parsePalette('greyscale') }) });
    expect(colorFor(grey.hconcat[1], 'value').scale.scheme).toBe('greys');
    // text on dark greys is white, on light ones black
    const dark = grey.hconcat[0].data.values.find((r: J) => r.regime === 'harmful-overfitting');
    const light = grey.hconcat[0].data.values.find((r: J) => r.regime === 'not-overfitting');
    expect([dark.ink, light.ink]).toEqual(['#ffffff', '#000000']);
  });

  it('labels override axis titles, colour-bar titles (lines split at \\n) and regime words', () => {
    const labels = { snr: 'signal-to-noise ratio', testError: 'test error\n(↓ better)', 'benign-overfitting': 'benign' };
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n'], { style: style({ labels }), logAxes: [] });
    expect(position(spec.hconcat[0]).x.axis.title).toBe('signal-to-noise ratio');
    expect(colorFor(spec.hconcat[1], 'value').legend.title).toEqual(['test error', '(↓ better)']);
    expect(colorFor(spec.hconcat[0], 'regime').legend.labelExpr).toContain('"benign"');
  });

  it('notes: off drops the explanatory subtitles, keeps the panel titles', () => {
    const on: J = phaseDiagramSpec(cells, ['snr', 'n']);
    const off: J = phaseDiagramSpec(cells, ['snr', 'n'], { style: style({ notes: false }) });
    expect(on.hconcat[0].title.subtitle.join(' ')).toMatch(/k\/n = seeds in it/);
    expect(off.hconcat[0].title).toEqual({ text: 'regime map' });
    expect(off.hconcat[1].title).toEqual({ text: 'final test error' });
  });

  it('size sets the plotting area of each panel; layout stacks panels and moves legends', () => {
    const cs = [1, 2, 4].flatMap((snr) => [10, 20, 40].map((n) => makeCell({ snr, n }, 1, 'partial')));
    const spec: J = phaseDiagramSpec(cs, ['snr', 'n'], { size: { width: 150, height: 90 }, layout: { stack: true, legend: 'bottom' } });
    expect(spec.vconcat).toHaveLength(2);
    for (const p of spec.vconcat) expect([p.width, p.height]).toEqual([150, 90]);
    expect(legends(spec).every((l: J) => l.orient === 'bottom')).toBe(true);
    // width alone: square cells
    const w: J = regimeMapSpec(cs, ['snr', 'n'], { size: { width: 120 } });
    expect([w.width, w.height]).toEqual([120, 120]);
  });

  it('the figure title wraps to wrapWidth', () => {
    const long = 'Phase diagram: SNR × training size (d = 400, T = 8, η = 0.2)';
    const spec: J = phaseDiagramSpec(cells, ['snr', 'n'], { title: long, wrapWidth: 200 });
    expect(Array.isArray(spec.title.text)).toBe(true);
    expect(spec.title.text.join(' ')).toBe(long);
  });

  it('loss maps: train and test loss with their directions; small multiples: rows × step for a third axis', () => {
    const lm: J = lossMapsSpec(cells, ['snr', 'n']);
    expect(colorFor(lm.hconcat[0], 'value').legend.title).toEqual(['final train loss', '(lower = closer fit)']);
    expect(colorFor(lm.hconcat[1], 'value').legend.title).toEqual(['final test loss', '(lower is better)']);
    const three = [0.1, 0.2].flatMap((eta) => cells.map((c) => ({ ...c, axes: { ...c.axes, eta } })));
    const h: J = horizonRegimeSpec([{ step: 10, cells: three }, { step: 20, cells: three }], ['snr', 'n', 'eta']);
    expect(h.facet.row).toMatchObject({ field: 'row', sort: ['0.1', '0.2'] });
    expect(h.facet.column).toMatchObject({ field: 'column', sort: ['10', '20'] });
  });
});
