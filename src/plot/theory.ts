/**
 * Figures in theory time (SPEC §7, issue #10 items 3–6), as pure functions of
 * data → Vega-Lite specs:
 *
 * * `collapse` — memorisation against n·SNR², one curve per n, one panel per
 *   t = c·τ; and tMemorise/τ against n·SNR² (log–log) with the fitted
 *   exponent, trials that never memorised drawn as lower bounds (censored).
 *   If the theory holds the curves of different n coincide; if not they
 *   fan out, just as visibly.
 * * `boundary-slopes` — the fitted boundary slope with its CI band against
 *   the training step (fixed horizons) and against c (t = c·τ), with the
 *   theory's 2.
 * * `delayed-generalisation` — (t_gen − t_mem)/τ against 1/(n·SNR²) on
 *   semi-log axes (only when some trial shows it).
 * * `regime-theory-times`, `memorisation-theory-times` — the regime map and
 *   the memorisation map at t = c·τ of each cell (cells that did not reach
 *   c·τ are blank: not reached).
 */
import type { CellMemorisation, SlopeAt } from '../outcome/theory-time.js';
import type { ScalableFigure } from './render.js';
import { logTicks } from './format.js';
import { topLevel } from './frame.js';
import { metricMapSpec, regimeMapSpec } from './maps.js';
import type { LayoutVariant, PanelSize, PlotOptions, VlSpec } from './options.js';
import { axisLabel, sub } from './vocabulary.js';
import { defaultStyle, typeScale, wrapText, type FigureStyle } from './style.js';
import type { CellSummary } from '../core/records.js';

/** Options of the theory figure builders. */
export interface TheoryChartOptions {
  title?: string;
  style?: FigureStyle;
  /** plotting area of one panel in px */
  size?: PanelSize;
  layout?: LayoutVariant;
  wrapWidth?: number;
}

/** Name of the facet axis of maps in theory time. */
export const THEORY_TIME_AXIS = 't/τ';

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function notes(style: FigureStyle, lines: string[], width: number): string[] {
  if (!style.notes) return [];
  const ts = typeScale(style.fontSize);
  return lines.flatMap((l) => wrapText(style, l, ts.note, Math.max(120, width)));
}

function logDomain(values: number[], pad = 1.3): [number, number] {
  const v = values.filter((x) => x > 0 && Number.isFinite(x));
  if (!v.length) return [0.1, 10];
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? [lo / 2, hi * 2] : [lo / pad, hi * pad];
}

/** Data rows of the collapse panels: one per (c, cell). */
export interface CollapseRow {
  c: number;
  n: number;
  snr: number;
  nSnr2: number;
  excess: number;
  m: number;
  m0: number;
}

/** Rows of the tMemorise/τ panel. */
export interface MemoriseRow {
  n: number | string;
  nSnr2: number;
  tOverTau: number;
  censored: boolean;
}

/**
 * The collapse figure (issue #10 item 5).
 *
 * @param panels  per c, the cells' memorisation at t = c·τ (memorisationAt)
 * @param memorise  per trial tMemorise/τ (memoriseTimes) and the fitted exponent (memoriseExponent)
 */
export function collapseSpec(
  panels: readonly { c: number; cells: readonly CellMemorisation[] }[],
  memorise: { rows: readonly MemoriseRow[]; exponent: number | null; ci: [number, number] | null; intercept: number | null },
  opts: TheoryChartOptions = {},
): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const width = opts.size?.width ?? 170;
  const height = opts.size?.height ?? 140;
  const rows: CollapseRow[] = panels.flatMap((p) => p.cells.filter((c) => Number.isFinite(c.excess)).map((c) => ({ c: p.c, n: c.n, snr: c.snr, nSnr2: c.nSnr2, excess: c.excess, m: c.m, m0: c.m0 })));
  const xDom = logDomain([...rows.map((r) => r.nSnr2), ...memorise.rows.map((r) => r.nSnr2)]);
  const xTicks = logTicks(xDom[0], xDom[1], Math.max(2, Math.floor(width / (4 * ts.label))));
  const x = { field: 'nSnr2', type: 'quantitative', scale: { type: 'log', domain: xDom, nice: false }, axis: { title: 'n·SNR²', format: '~g', values: xTicks, grid: false } };
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const color = {
    field: 'n', type: 'ordinal', sort: ns, scale: { scheme: style.palette.sequential === 'greys' ? 'greys' : 'viridis' },
    legend: { title: axisLabel('n', style), ...(opts.layout?.legend === 'bottom' ? { orient: 'bottom', direction: 'horizontal' } : {}) },
  };
  const cols = opts.layout?.columns ?? Math.min(4, Math.max(1, panels.length));
  const collapse: VlSpec = {
    data: { values: rows },
    facet: { field: 'c', type: 'ordinal', sort: panels.map((p) => p.c), title: null, header: { labelExpr: `'t = ' + datum.value + 'τ'` } },
    columns: cols,
    spec: {
      width, height,
      layer: [
        { mark: { type: 'rule', strokeDash: [3, 3], color: '#999999' }, encoding: { y: { datum: 0.5 } } },
        { mark: { type: 'line', strokeWidth: 1.2, point: { filled: true, size: Math.round(ts.label * 2) } }, encoding: { x, y: { field: 'excess', type: 'quantitative', scale: { domain: [-0.05, 1.05] }, axis: { title: ['excess memorised', '(m − m₀)/(1 − m₀)'], values: [0, 0.5, 1], grid: false } }, color, order: { field: 'nSnr2', type: 'quantitative' } } },
      ],
    },
  };
  const mRows = memorise.rows.filter((r) => r.tOverTau > 0);
  const yDom = logDomain(mRows.map((r) => r.tOverTau));
  const fitRows: { nSnr2: number; tOverTau: number }[] = [];
  if (memorise.exponent !== null && memorise.intercept !== null) {
    for (let i = 0; i <= 20; i++) {
      const v = Math.exp(Math.log(xDom[0]) + (i / 20) * Math.log(xDom[1] / xDom[0]));
      fitRows.push({ nSnr2: v, tOverTau: Math.exp(memorise.intercept + memorise.exponent * Math.log(v)) });
    }
  }
  const yT = { field: 'tOverTau', type: 'quantitative', scale: { type: 'log', domain: yDom, nice: false }, axis: { title: `t${sub('mem')} / τ`, format: '~g', values: logTicks(yDom[0], yDom[1], Math.max(2, Math.floor(height / (2.2 * ts.label)))), grid: false } };
  const expText = memorise.exponent !== null && memorise.ci
    ? `fitted exponent ${fmt(memorise.exponent)} [${fmt(memorise.ci[0])}, ${fmt(memorise.ci[1])}] (95% CI)`
    : 'too few memorising trials for a fit';
  const times: VlSpec = {
    title: { text: 'time to memorise', subtitle: notes(style, [expText, 'triangles: never memorised (lower bound: the last step)'], width) },
    width, height,
    layer: [
      { data: { values: mRows.map((r) => ({ ...r, kind: r.censored ? 'never memorised (≥)' : 'memorised' })) }, mark: { type: 'point', filled: true, size: Math.round(ts.label * 2.5) }, encoding: { x, y: yT, color, shape: { field: 'kind', type: 'nominal', scale: { domain: ['memorised', 'never memorised (≥)'], range: ['circle', 'triangle-up'] }, legend: { title: null, orient: 'bottom' } } } },
      ...(fitRows.length ? [{ data: { values: fitRows }, mark: { type: 'line', color: '#222222', strokeWidth: 1.2, clip: true }, encoding: { x, y: yT } }] : []),
    ],
  };
  const stacked = opts.layout?.stack ?? false;
  return topLevel(
    {
      ...(stacked ? { vconcat: [collapse, times] } : { hconcat: [collapse, times] }),
      resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
    },
    { style, title: opts.title, wrapWidth: opts.wrapWidth },
  );
}

/** One layered slope chart: band = CI, line = slope, dashed rule = theory 2. */
function slopePanel(rows: { x: number; slope: number; lo: number; hi: number; points: number }[], xTitle: string, title: string, sub: string[], width: number, height: number, style: FigureStyle): VlSpec {
  const ts = typeScale(style.fontSize);
  const xDom = logDomain(rows.map((r) => r.x), 1.1);
  const ys = rows.flatMap((r) => [r.lo, r.hi]).filter(Number.isFinite);
  const yLo = Math.min(0, ...ys.map((v) => Math.max(v, -2)));
  const yHi = Math.max(3, ...ys.map((v) => Math.min(v, 8)));
  const x = { field: 'x', type: 'quantitative', scale: { type: 'log', domain: xDom, nice: false }, axis: { title: xTitle, format: '~g', values: logTicks(xDom[0], xDom[1], Math.max(2, Math.floor(width / (4 * ts.label)))), grid: false } };
  const y = { type: 'quantitative', scale: { domain: [yLo, yHi], clamp: true }, axis: { title: 'boundary slope b', grid: false } };
  return {
    title: { text: title, subtitle: notes(style, sub, width) },
    width, height,
    layer: [
      { data: { values: rows }, mark: { type: 'area', opacity: 0.25, color: style.palette.lines[0] }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } } },
      { data: { values: rows }, mark: { type: 'line', color: style.palette.lines[0], strokeWidth: 1.5, point: { filled: true, size: Math.round(ts.label * 1.5) } }, encoding: { x, y: { ...y, field: 'slope' } } },
      { data: { values: [{ theory: 2 }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#222222' }, encoding: { y: { ...y, field: 'theory' } } },
    ],
  };
}

/**
 * Boundary slope against the training step and against c (issue #10 item 4).
 * Entries without a fit (fewer than 3 crossings) are left out.
 */
export function boundarySlopesSpec(byHorizon: readonly (SlopeAt & { step: number })[], byTheoryTime: readonly (SlopeAt & { c: number })[], opts: TheoryChartOptions = {}): VlSpec {
  const style = opts.style ?? defaultStyle();
  const width = opts.size?.width ?? 220;
  const height = opts.size?.height ?? 150;
  const ok = <T extends SlopeAt>(xs: readonly T[]) => xs.filter((e) => e.slope !== null && e.ci !== null);
  const h = ok(byHorizon).filter((e) => e.step > 0).map((e) => ({ x: e.step, slope: e.slope as number, lo: e.ci![0], hi: e.ci![1], points: e.points }));
  const c = ok(byTheoryTime).map((e) => ({ x: e.c, slope: e.slope as number, lo: e.ci![0], hi: e.ci![1], points: e.points }));
  const last = h[h.length - 1];
  const panels = [
    slopePanel(h, 'training step (fixed horizon)', 'at fixed steps', [last ? `last step ${last.x}: ${fmt(last.slope)} [${fmt(last.lo)}, ${fmt(last.hi)}]` : 'no fit', 'band: 95% CI; dashed: theory b = 2'], width, height, style),
    slopePanel(c, 't / τ (each cell at its own τ)', 'in theory time', [c.length ? c.map((e) => `c=${e.x}: ${fmt(e.slope)} [${fmt(e.lo)}, ${fmt(e.hi)}]`).join('; ') : 'no fit', 'excess memorisation (m − m₀)/(1 − m₀) = ½'], width, height, style),
  ];
  return topLevel({ ...(opts.layout?.stack ? { vconcat: panels } : { hconcat: panels }) }, { style, title: opts.title, wrapWidth: opts.wrapWidth });
}

/** Rows of the delayed-generalisation figure: one per trial that showed it. */
export interface DelayedRow {
  n: number | string;
  invNSnr2: number;
  /** (t_gen − t_mem)/τ */
  delay: number;
}

/** (t_gen − t_mem)/τ against 1/(n·SNR²), semi-log (log y): the theorem predicts exp(1/(n·SNR²)) growth, a straight line. */
export function delayedGeneralisationSpec(rows: readonly DelayedRow[], opts: TheoryChartOptions = {}): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const width = opts.size?.width ?? 260;
  const height = opts.size?.height ?? 180;
  const yDom = logDomain(rows.map((r) => r.delay));
  return topLevel({
    title: { text: 'delayed generalisation', subtitle: notes(style, [`${rows.length} trial(s) whose test error fell below min(δ, error at t${sub('mem')}) after memorising; theory: ∝ exp(1/(n·SNR²))`], width) },
    width, height,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: Math.round(ts.label * 2.5) },
    encoding: {
      x: { field: 'invNSnr2', type: 'quantitative', axis: { title: '1 / (n·SNR²)', grid: false } },
      y: { field: 'delay', type: 'quantitative', scale: { type: 'log', domain: yDom, nice: false }, axis: { title: `(t${sub('gen')} − t${sub('mem')}) / τ`, format: '~g', grid: false } },
      color: { field: 'n', type: 'ordinal', legend: { title: axisLabel('n', style) } },
    },
  }, { style, title: opts.title, wrapWidth: opts.wrapWidth });
}

/**
 * Regime or memorisation maps at t = c·τ as small multiples over c: the
 * cells of each c get the facet axis `t/τ`. Cells not reached (count 0)
 * are blank.
 */
export function theoryTimeMapSpec(
  kind: 'regime' | 'memorisation', horizons: readonly { c: number; cells: readonly CellSummary[] }[], axes: readonly string[], opts: PlotOptions = {},
): VlSpec {
  const cells: CellSummary[] = [];
  for (const h of horizons) for (const c of h.cells) cells.push({ ...c, cellKey: `${c.cellKey}@${h.c}`, axes: { ...c.axes, [THEORY_TIME_AXIS]: h.c } });
  const facets = axes.length <= 2 ? [THEORY_TIME_AXIS] : [...axes.slice(2), THEORY_TIME_AXIS];
  const o = { ...opts, logAxes: opts.logAxes?.filter((a) => a !== THEORY_TIME_AXIS) };
  return kind === 'regime'
    ? regimeMapSpec(cells, [...axes.slice(0, 2), ...facets], o)
    : metricMapSpec(cells, [...axes.slice(0, 2), ...facets], 'noisyFit', { ...o, legendTitle: ['noisy labels memorised', 'at t = c·τ (blank: not reached)'], domain: [0, 1] });
}

/** A ScalableFigure of a chart built from a size and layout. */
export function theoryFigure(build: (size: PanelSize, layout: LayoutVariant) => VlSpec, style: FigureStyle, natural: { width: number; height: number }, layouts: LayoutVariant[] = [{}, { stack: true }]): ScalableFigure {
  const ts = typeScale(style.fontSize);
  return { layouts, minPanel: { width: 10 * ts.label, height: 7 * ts.label }, natural, build };
}
