/**
 * Vega-Lite spec builders for phase diagrams (ARCHITECTURE "plot").
 *
 * Every function here is pure: it maps `CellSummary[]` (one entry per grid
 * point of a sweep, aggregated over seeds — see src/outcome/types.ts) to a
 * Vega-Lite spec as a plain JSON object with the data embedded as
 * `data: { values: [...] }`, so the spec opens as it is in the Vega editor.
 * Nothing is rendered here; see ./render.ts.
 *
 * Axes. A swept axis whose values are ≥ 3 positive numbers with a constant
 * ratio (a logspace grid) is drawn on a log scale, one with a constant
 * difference (linspace) on a linear scale: each cell is a rectangle centred
 * on its grid value, reaching halfway (geometrically on a log axis) to its
 * neighbours, and the ticks sit at readable values — the grid values when
 * they have ≤ 2 significant digits (5, 10, 20, 40), else 1-2-5 steps
 * (0.05, 0.1, 0.2, 0.5, 1). Other axes (strings, irregular or fewer values)
 * are ordinal bands labelled with their values (~3 significant digits, more
 * when needed to keep distinct values distinct). x grows left → right, y
 * bottom → top.
 *
 * Shapes handled (none throws):
 *   axes.length 0  → one cell;
 *   axes.length 1  → a strip (x only, no y encoding);
 *   axes.length 2  → x = axes[0], y = axes[1];
 *   axes.length 3  → wrapped facet over axes[2];
 *   axes.length 4  → facet rows = axes[2], columns = axes[3];
 *   axes.length ≥5 → wrapped facet over one combined field "η=0.1, ρ=0.2, …".
 * Cells with `count === 0` (not yet run) and cells whose metric is missing or
 * non-finite are drawn as empty light-grey cells.
 *
 * Size and style. `opts.size` sets the plotting area of one panel in px
 * (the figure fitter in render.ts solves for it); `opts.layout` picks a
 * layout variant (panels side by side or stacked, facet columns, legends at
 * the right or bottom); `opts.style` sets font, font size (pt), palette,
 * label overrides and whether explanatory notes are shown.
 */
import { scheme } from 'vega';
import { REGIMES, type CellSummary, type Regime } from '../outcome/types.js';
import { DEFAULT_FONT, PALETTES, defaultStyle, inkOn, measureWith, typeScale, wrapText, type FigureStyle } from './style.js';

/** A Vega-Lite spec as plain JSON (what `vega-lite`'s `compile` accepts). */
export type VlSpec = Record<string, unknown>;

/** Size of one panel's plotting area in px; omitted sides get their natural size. */
export interface PanelSize {
  width?: number;
  height?: number;
}

/** A layout variant of a multi-panel figure. */
export interface LayoutVariant {
  /** panels stacked vertically instead of side by side */
  stack?: boolean;
  /** columns of a wrapped facet (small multiples) */
  columns?: number;
  /** where colour legends go */
  legend?: 'right' | 'bottom';
}

/** Options common to the spec builders. */
export interface PlotOptions {
  /** figure title (top-level); none when undefined or empty */
  title?: string;
  /**
   * Axes to draw on a log scale (if their values are positive numbers). When
   * omitted, log-spaced grids are detected (≥ 3 values with a constant ratio).
   */
  logAxes?: string[];
  /** fonts, palette, labels; default {@link defaultStyle} */
  style?: FigureStyle;
  /** plotting area of one panel in px; default: natural size (cells ≈ 12–48 px) */
  size?: PanelSize;
  /** layout variant; default: side by side, legends right */
  layout?: LayoutVariant;
  /** wrap the figure title to this width in px (the figure's width less padding) */
  wrapWidth?: number;
}

/** Options of {@link metricMapSpec}. */
export interface MetricMapOptions extends PlotOptions {
  /** colour-bar title; default from {@link METRIC_LABELS} or the metric name */
  legendTitle?: string | string[];
  /** colour domain [min, max]; default: see {@link metricDomain} */
  domain?: [number, number];
}

/** The one font installed on every render host; the default of every text element. */
export const FONT = DEFAULT_FONT;

/**
 * Fixed colour of each regime in the default palette (Okabe–Ito, colour-blind
 * safe), so a regime has the same colour in every figure. Other palettes: see
 * PALETTES in ./style.ts.
 */
export const REGIME_COLORS: Readonly<Record<Regime, string>> = PALETTES['okabe-ito'].regimes;

/** Regimes in words, as the legends name them. */
export const REGIME_WORDS: Readonly<Record<Regime, string>> = {
  'not-overfitting': 'not overfitting',
  'benign-overfitting': 'benign overfitting',
  'harmful-overfitting': 'harmful overfitting',
  partial: 'partial fit',
  untrained: 'untrained',
  diverged: 'diverged',
};

/** Fill of cells with nothing to show (not yet run, or metric missing). */
export const EMPTY_CELL_COLOR = '#eeeeee';

/** Axis titles of the known sweep parameters (SPEC §1–2 symbols, with units where they have one). */
export const AXIS_LABELS: Readonly<Record<string, string>> = {
  snr: 'SNR = ‖μ‖₂ / (σ_ε√d)',
  n: 'training size n',
  muNorm: 'signal norm ‖μ‖₂',
  d: 'dimension d',
  eta: 'label-noise rate η',
  rho: 'weak-signal scale ρ',
  alpha: 'step size α',
  steps: 'GD steps',
  T: 'tokens per sequence T',
  sigma: 'token-noise std σ_ε',
  testN: 'test sequences',
  nuScale: 'ν scale',
  generalizationTolerance: 'tolerance δ',
  step: 'training step',
};

/** Short symbols of the known parameters, used in facet headers "η = 0.1". */
const AXIS_SYMBOLS: Readonly<Record<string, string>> = {
  snr: 'SNR',
  n: 'n',
  muNorm: '‖μ‖₂',
  d: 'd',
  eta: 'η',
  rho: 'ρ',
  alpha: 'α',
  steps: 'steps',
  T: 'T',
  sigma: 'σ_ε',
  step: 'step',
};

/** Colour-bar titles of the known metrics (SPEC §3): the metric, then its direction. */
export const METRIC_LABELS: Readonly<Record<string, string[]>> = {
  testError: ['final test error', '(lower is better)'],
  testLoss: ['final test loss', '(lower is better)'],
  trainLoss: ['final train loss', '(lower = closer fit)'],
  trainAcc: ['final train accuracy', '(1 = every label fit)'],
  cleanFit: ['clean-set fit', '(1 = all of 𝒞 fit)'],
  noisyFit: ['noisy-set fit', '(1 = all flipped labels memorised)'],
  tFit: ['t_fit (steps)', '(first step with train acc. 1)'],
  tGeneralize: ['t_generalize (steps)', '(test error falls again after t_memorise)'],
  pNorm: ['‖p‖₂', '(larger = sharper attention)'],
};

/** Metrics that are fractions in [0, 1]. */
const FRACTION_METRICS = new Set(['trainAcc', 'cleanFit', 'noisyFit']);

/** Target panel size (px) of an 8×6 grid; cells are square. */
const PANEL_W = 350;
const PANEL_H = 260;
const MIN_STEP = 12;
const MAX_STEP = 48;
/** In-cell text smaller than this (px) is dropped: it would not be legible. */
const MIN_CELL_TEXT = 5.5;

// ---------------------------------------------------------------------------
// small helpers

/** Axis title of a parameter name: the style's override, {@link AXIS_LABELS}, or the name itself. */
export function axisLabel(name: string, style?: FigureStyle): string {
  return style?.labels[name] ?? AXIS_LABELS[name] ?? name;
}

/** Short symbol of a parameter name for facet headers (e.g. eta → "η"). */
export function axisSymbol(name: string): string {
  return AXIS_SYMBOLS[name] ?? name;
}

/** Colour-bar title lines of a metric: the style's override (lines split at "\n"), {@link METRIC_LABELS}, or the name. */
export function metricLabel(metric: string, style?: FigureStyle): string[] {
  const o = style?.labels[metric];
  if (o !== undefined) return o.split('\n');
  return METRIC_LABELS[metric] ?? [metric];
}

/** A regime in words: the style's override (labels[regime]) or {@link REGIME_WORDS}. */
export function regimeWord(r: Regime, style?: FigureStyle): string {
  return style?.labels[r] ?? REGIME_WORDS[r];
}

/**
 * Formats one number with `digits` significant digits, trimming trailing
 * zeros: integers below 1e6 exactly ("2000"), moderate numbers in plain
 * notation ("0.0316"), very small/large ones as "3.16e-5". Non-finite → "NaN",
 * "∞", "−∞".
 */
export function formatNumber(v: number, digits = 3): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
  return `${mant}e${Number(e)}`;
}

/**
 * Labels for a set of distinct axis values: numbers via {@link formatNumber}
 * with 3 significant digits, raised (up to 15) until the labels of distinct
 * numbers are distinct; strings as-is. Returns a map value → label.
 */
export function tickLabels(values: readonly (number | string)[]): Map<number | string, string> {
  const nums = [...new Set(values.filter((v): v is number => typeof v === 'number'))];
  let digits = 3;
  let labels = nums.map((v) => formatNumber(v, digits));
  while (digits < 15 && new Set(labels).size < labels.length) {
    digits += 1;
    labels = nums.map((v) => formatNumber(v, digits));
  }
  const out = new Map<number | string, string>();
  nums.forEach((v, i) => out.set(v, labels[i]!));
  for (const v of values) if (typeof v === 'string') out.set(v, v);
  return out;
}

/** Sorts axis values: numbers ascending numerically, then strings A→Z. */
export function sortAxisValues(values: readonly (number | string)[]): (number | string)[] {
  return [...new Set(values)].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Relative spread (max − min)/|max| of a list of numbers. */
function spread(a: number[]): number {
  return (Math.max(...a) - Math.min(...a)) / Math.abs(Math.max(...a));
}

/**
 * True when the values look log-spaced: ≥ 3 distinct positive numbers whose
 * consecutive ratios agree within 5 % and whose differences do not.
 */
export function isLogSpaced(values: readonly (number | string)[]): boolean {
  const v = sortAxisValues(values);
  if (v.length < 3 || v.some((x) => typeof x !== 'number' || !(x > 0) || !Number.isFinite(x))) return false;
  const x = v as number[];
  const ratios = x.slice(1).map((b, i) => Math.log(b / x[i]!));
  const diffs = x.slice(1).map((b, i) => b - x[i]!);
  return spread(ratios) < 0.05 && spread(diffs) > 0.05;
}

/** True when the values look linearly spaced: ≥ 3 distinct finite numbers with differences agreeing within 5 %. */
export function isLinSpaced(values: readonly (number | string)[]): boolean {
  const v = sortAxisValues(values);
  if (v.length < 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) return false;
  const x = v as number[];
  return spread(x.slice(1).map((b, i) => b - x[i]!)) <= 0.05;
}

/** True when `v` has at most 2 significant digits (5, 20, 0.05, 160, 2500): a readable tick value. */
function isRound(v: number): boolean {
  return v !== 0 && Number.isFinite(v) && Math.abs(Number(v.toPrecision(2)) - v) <= 1e-12 * Math.abs(v);
}

/**
 * Readable tick values of a log axis over [lo, hi] (lo > 0): numbers m·10^k
 * with m from the densest of {1,2,3,5}, {1,2,5}, {1,3}, {1} that gives at
 * most `maxTicks` ticks; every j-th power of ten when even {1} gives too many;
 * 1-2-5 steps of a linear axis when the range holds fewer than 2 ticks.
 * Ascending, within [lo, hi] (1e-9 relative tolerance).
 */
export function logTicks(lo: number, hi: number, maxTicks = 6): number[] {
  if (!(lo > 0) || !(hi > lo)) return [];
  const tol = 1e-9;
  const inRange = (v: number) => v >= lo * (1 - tol) && v <= hi * (1 + tol);
  const clean = (v: number) => Number(v.toPrecision(12));
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const gen = (ms: number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) {
      const v = clean(m * 10 ** k);
      if (inRange(v)) out.push(v);
    }
    return out;
  };
  for (const ms of [[1, 2, 3, 5], [1, 2, 5], [1, 3], [1]]) {
    const t = gen(ms);
    if (t.length >= 2 && t.length <= Math.max(2, maxTicks)) return t;
  }
  const decades = gen([1]);
  if (decades.length >= 2) {
    const every = Math.ceil(decades.length / Math.max(2, maxTicks));
    return decades.filter((_, i) => i % every === 0);
  }
  return linearTicks(lo, hi, maxTicks);
}

/** Nice linear ticks (1-2-5 × 10^k steps) within [lo, hi], at most `maxTicks` (≥ 2). */
export function linearTicks(lo: number, hi: number, maxTicks = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, maxTicks - 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** "k/n" seeds agreeing with the majority regime; "" for an empty cell. */
export function agreementText(cell: Pick<CellSummary, 'count' | 'agreement'>): string {
  if (!(cell.count > 0)) return '';
  const k = Math.round((Number.isFinite(cell.agreement) ? cell.agreement : 0) * cell.count);
  const s = `${k}/${cell.count}`;
  return s.length <= 5 ? s : `${Math.round((100 * k) / cell.count)}%`;
}

/** Value of an axis in a cell, or "?" when the cell lacks it. */
function axisValue(cell: CellSummary, name: string): number | string {
  const v = cell.axes?.[name];
  return typeof v === 'number' || typeof v === 'string' ? v : '?';
}

/** Finite number or null (JSON has no NaN/∞; Vega-Lite drops nulls). */
function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// ---------------------------------------------------------------------------
// layout of the grid

/** One swept axis placed on x or y. */
interface AxisLayout {
  name: string;
  title: string;
  kind: 'band' | 'log' | 'linear';
  /** band: tick labels in display order (y: largest first = top) */
  domain: string[];
  /** continuous: sorted grid values, cell edges (values.length + 1) and tick values */
  values: number[];
  edges: number[];
  ticks: number[] | null;
  /** number of cells along the axis */
  count: number;
  /** the narrowest cell's share of the axis length */
  minShare: number;
}

/** Where each swept axis goes. */
interface GridLayout {
  x?: AxisLayout;
  y?: AxisLayout;
  facet?: { names: string[]; domains: string[][]; titles: string[]; combined: boolean };
  /** plotting area of one panel in px */
  width: number;
  height: number;
  /** side in px of the smallest cell */
  cell: number;
  /** true when there are no cells (axes get one blank placeholder band) */
  empty: boolean;
  /** per-cell labels: x, y and facet label (combined) or facet labels (row/col) */
  labelOf: (cell: CellSummary) => { x: string; y: string; f: string[] };
}

/** Cell edges of sorted grid values: halfway to the neighbours (geometrically on a log axis), ends mirrored. */
function cellEdges(v: number[], log: boolean): number[] {
  const f = log ? Math.log : (x: number) => x;
  const g = log ? Math.exp : (x: number) => x;
  const t = v.map(f);
  if (t.length === 1) return [g(t[0]! - 0.5), g(t[0]! + 0.5)];
  const mids = t.slice(1).map((b, i) => (b + t[i]!) / 2);
  return [2 * t[0]! - mids[0]!, ...mids, 2 * t[t.length - 1]! - mids[mids.length - 1]!].map(g);
}

/** Layout of one axis (kind, domain, edges) over its values. */
function axisLayout(name: string, vals: (number | string)[], labels: Map<number | string, string>, logAxes: readonly string[] | undefined, style: FigureStyle, empty: boolean): AxisLayout {
  const title = axisLabel(name, style);
  const sorted = sortAxisValues(vals);
  const band = (): AxisLayout => {
    const domain = empty ? [''] : [...new Set(sorted.map((v) => labels.get(v)!))];
    return { name, title, kind: 'band', domain, values: [], edges: [], ticks: null, count: Math.max(1, domain.length), minShare: 1 / Math.max(1, domain.length) };
  };
  if (empty) return band();
  const numeric = sorted.every((v) => typeof v === 'number' && Number.isFinite(v));
  const nums = sorted as number[];
  let kind: AxisLayout['kind'] = 'band';
  if (logAxes) {
    if (logAxes.includes(name) && numeric && nums.length >= 2 && nums[0]! > 0) kind = 'log';
    else if (isLinSpaced(sorted)) kind = 'linear';
  } else if (isLogSpaced(sorted)) kind = 'log';
  else if (isLinSpaced(sorted)) kind = 'linear';
  if (kind === 'band') return band();
  const edges = cellEdges(nums, kind === 'log');
  const f = kind === 'log' ? Math.log : (x: number) => x;
  const total = f(edges[edges.length - 1]!) - f(edges[0]!);
  const minShare = Math.min(...edges.slice(1).map((e, i) => (f(e) - f(edges[i]!)) / total));
  return { name, title, kind, domain: [], values: nums, edges, ticks: null, count: nums.length, minShare };
}

/** Tick values of a continuous axis of `px` length; labels ~`labelPx` high. */
function axisTicks(a: AxisLayout, px: number, labelPx: number, horizontal: boolean, style: FigureStyle): number[] | null {
  if (a.kind === 'band') return null;
  const lo = a.edges[0]!;
  const hi = a.edges[a.edges.length - 1]!;
  const room = (labels: number[]) =>
    horizontal ? Math.max(...labels.map((v) => measureWith(style, formatNumber(v), labelPx))) + labelPx * 0.7 : labelPx * 2;
  if (a.values.every(isRound)) {
    // the grid values themselves when they all fit; on a log axis (5, 10, 20, 40, …) every k-th
    const maxTicks = Math.max(2, Math.floor(px / room(a.values)));
    if (a.values.length <= maxTicks) return a.values;
    if (a.kind === 'log') {
      const every = Math.ceil(a.values.length / maxTicks);
      return a.values.filter((_, i) => i % every === 0);
    }
  }
  // readable values: as many as fit, judged by the width of their own labels
  const ticksFor = (n: number) => (a.kind === 'log' ? logTicks(lo, hi, n) : linearTicks(lo, hi, n));
  for (let n = 12; n > 2; n--) {
    const t = ticksFor(n);
    if (t.length <= Math.floor(px / room(t))) return t;
  }
  return ticksFor(2);
}

/** Builds the grid layout of `axes` over `cells` (see module docstring). */
function gridLayout(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions, style: FigureStyle): GridLayout {
  const ts = typeScale(style.fontSize);
  const labelMaps = new Map<string, Map<number | string, string>>();
  const sortedLabels = new Map<string, string[]>();
  const empty = cells.length === 0;
  for (const a of axes) {
    const vals = cells.map((c) => axisValue(c, a));
    const m = tickLabels(vals);
    labelMaps.set(a, m);
    sortedLabels.set(a, empty ? [''] : [...new Set(sortAxisValues(vals).map((v) => m.get(v)!))]);
  }
  const lab = (c: CellSummary, a: string) => labelMaps.get(a)!.get(axisValue(c, a))!;
  const [ax, ay] = axes;
  const layoutOf = (a: string | undefined) =>
    a === undefined ? undefined : axisLayout(a, cells.map((c) => axisValue(c, a)), labelMaps.get(a)!, opts.logAxes, style, empty);
  const x = layoutOf(ax);
  const y = layoutOf(ay);
  if (y?.kind === 'band') y.domain = [...y.domain].reverse(); // largest value at the top
  const nx = x?.count ?? 1;
  const ny = y?.count ?? 1;

  // panel size: given, or cells of a natural square step
  let width: number;
  let height: number;
  const natural = Math.max(MIN_STEP, Math.min(MAX_STEP, Math.floor(Math.min(PANEL_W / nx, PANEL_H / ny))));
  if (opts.size?.width !== undefined) {
    width = opts.size.width;
    height = opts.size.height ?? (width / nx) * ny;
  } else if (opts.size?.height !== undefined) {
    height = opts.size.height;
    width = (height / ny) * nx;
  } else {
    // a panel narrower than its axis title would let the title run into the legend
    const titleW = x ? measureWith(style, x.title, ts.title) : 0;
    width = Math.max(natural * nx, Math.ceil(titleW));
    const titleH = y ? measureWith(style, y.title, ts.title) : 0;
    height = Math.max(natural * ny, Math.ceil(titleH));
  }
  width = Math.max(1, width);
  height = Math.max(1, height);
  // facet panels repeat their axis titles side by side: too long ones would run into each other
  if (!empty && axes.length > 2) {
    const gap = Math.round(ts.spacing * 0.75);
    // keep at least one em between neighbouring titles
    if (x && !style.labels[x.name] && measureWith(style, x.title, ts.title) > width + gap - ts.title) x.title = axisSymbol(x.name);
    if (y && !style.labels[y.name] && measureWith(style, y.title, ts.title) > height + gap - ts.title) y.title = axisSymbol(y.name);
  }
  if (x) x.ticks = axisTicks(x, width, ts.label, true, style);
  if (y) y.ticks = axisTicks(y, height, ts.label, false, style);
  const cell = Math.min(width * (x?.minShare ?? 1), height * (y?.minShare ?? 1));

  const title = (a: string) => axisLabel(a, style);
  const extra = empty ? [] : axes.slice(2);
  let facet: GridLayout['facet'];
  let facetLabel: (c: CellSummary) => string[] = () => [];
  if (extra.length === 1 || extra.length === 2) {
    facet = { names: extra, domains: extra.map((a) => sortedLabels.get(a)!), titles: extra.map(title), combined: false };
    facetLabel = (c) => extra.map((a) => lab(c, a));
  } else if (extra.length > 2) {
    // one combined field, ordered lexicographically by the sorted axis values
    const key = (c: CellSummary) => extra.map((a) => `${axisSymbol(a)}=${lab(c, a)}`).join(', ');
    const rank = (c: CellSummary) => extra.map((a) => sortedLabels.get(a)!.indexOf(lab(c, a)));
    const uniq = new Map<string, number[]>();
    for (const c of cells) uniq.set(key(c), rank(c));
    const domain = [...uniq.entries()]
      .sort(([, r1], [, r2]) => {
        for (let i = 0; i < r1.length; i++) if (r1[i] !== r2[i]) return r1[i]! - r2[i]!;
        return 0;
      })
      .map(([k]) => k);
    facet = { names: [extra.join(', ')], domains: [domain], titles: [extra.map(axisSymbol).join(', ')], combined: true };
    facetLabel = (c) => [key(c)];
  }
  return {
    x,
    y,
    facet,
    width,
    height,
    cell,
    empty,
    labelOf: (c) => ({ x: ax === undefined ? '' : lab(c, ax), y: ay === undefined ? '' : lab(c, ay), f: facetLabel(c) }),
  };
}

/** Encoding of one position channel: the cell's extent (`rect`) or its centre (`point`). */
function positionChannels(a: AxisLayout | undefined, ch: 'x' | 'y', role: 'rect' | 'point', g: GridLayout, style: FigureStyle): Record<string, unknown> {
  if (!a) return {};
  const ts = typeScale(style.fontSize);
  if (a.kind === 'band') {
    const axis: Record<string, unknown> = { title: a.title };
    if (ch === 'x') {
      const widest = Math.max(0, ...a.domain.map((s) => measureWith(style, s, ts.label)));
      const step = g.width / a.count;
      if (widest > step - 4) Object.assign(axis, widest * 0.71 > step - 2 ? { labelAngle: -90, labelAlign: 'right', labelBaseline: 'middle' } : { labelAngle: -45, labelAlign: 'right', labelBaseline: 'middle' });
      else axis.labelAngle = 0;
    }
    return { [ch]: { field: ch, type: 'ordinal', sort: null, scale: { domain: a.domain, paddingInner: 0, paddingOuter: 0 }, axis } };
  }
  // an explicit precision: without one vega derives it from the tick step (100 → "1e+2")
  const axis: Record<string, unknown> = { title: a.title, format: '.6~g', labelFlush: false, labelOverlap: true, grid: false };
  if (a.ticks) axis.values = a.ticks;
  const scale = { type: a.kind, domain: [a.edges[0], a.edges[a.edges.length - 1]], nice: false, ...(a.kind === 'linear' ? { zero: false } : {}) };
  if (role === 'rect') {
    return {
      [ch]: { field: `${ch}0`, type: 'quantitative', scale, axis },
      [`${ch}2`]: { field: `${ch}1` },
    };
  }
  return { [ch]: { field: `${ch}c`, type: 'quantitative', scale, axis } };
}

/** x and y encodings of a layer: cell extents for rects, cell centres for text/points. */
function positionEncoding(g: GridLayout, role: 'rect' | 'point', style: FigureStyle): Record<string, unknown> {
  return { ...positionChannels(g.x, 'x', role, g, style), ...positionChannels(g.y, 'y', role, g, style) };
}

/** Numeric position fields of a cell on a continuous axis: edges (x0, x1) and centre (xc). */
function continuousFields(a: AxisLayout | undefined, ch: 'x' | 'y', v: number | string): Record<string, number | null> {
  if (!a || a.kind === 'band') return {};
  const i = typeof v === 'number' ? a.values.indexOf(v) : -1;
  if (i < 0) return { [`${ch}0`]: null, [`${ch}1`]: null, [`${ch}c`]: null };
  return { [`${ch}0`]: a.edges[i]!, [`${ch}1`]: a.edges[i + 1]!, [`${ch}c`]: v as number };
}

/** Rows of the embedded data: one per cell, with layout labels added. */
function baseRows(cells: readonly CellSummary[], g: GridLayout): Record<string, unknown>[] {
  return cells.map((c) => {
    const l = g.labelOf(c);
    const row: Record<string, unknown> = {
      cellKey: c.cellKey,
      axes: { ...c.axes },
      x: l.x,
      y: l.y,
      ...continuousFields(g.x, 'x', g.x ? axisValue(c, g.x.name) : ''),
      ...continuousFields(g.y, 'y', g.y ? axisValue(c, g.y.name) : ''),
      count: Number.isFinite(c.count) ? c.count : 0,
    };
    if (g.facet) {
      if (g.facet.names.length === 2) {
        row.row = l.f[0];
        row.column = l.f[1];
      } else row.facet = l.f[0];
    }
    return row;
  });
}

/** Layers drawn at a cell's centre (text, markers) need both centre fields; rects both edges. */
function validPosition(g: GridLayout, role: 'rect' | 'point'): string[] {
  const out: string[] = [];
  for (const [a, ch] of [[g.x, 'x'], [g.y, 'y']] as const) {
    if (a && a.kind !== 'band') out.push(...(role === 'rect' ? [`isValid(datum.${ch}0)`] : [`isValid(datum.${ch}c)`]));
  }
  return out;
}

/** Adds `filter` (Vega expression) transforms and the position encoding of its role to a layer. */
function placed(g: GridLayout, role: 'rect' | 'point', style: FigureStyle, layer: Record<string, unknown>, filter?: string): Record<string, unknown> {
  const tests = [...(filter ? [filter] : []), ...validPosition(g, role)];
  return {
    ...(tests.length ? { transform: [{ filter: tests.join(' && ') }] } : {}),
    ...layer,
    encoding: { ...positionEncoding(g, role, style), ...((layer.encoding as object) ?? {}) },
  };
}

/** Columns of a wrapped facet: as asked, else ≤ 4 per row, rows balanced. */
function facetColumns(n: number, layout?: LayoutVariant): number {
  if (layout?.columns) return Math.max(1, Math.min(n, layout.columns));
  const rows = Math.ceil(n / 4);
  return Math.max(1, Math.ceil(n / rows));
}

/**
 * Wraps layers + data rows into a unit or facet spec, depending on the
 * layout. Panel plotting area: `g.width` × `g.height` px.
 */
function placeOnGrid(g: GridLayout, rows: Record<string, unknown>[], layerIn: Record<string, unknown>[], title: unknown, style: FigureStyle, layoutVariant?: LayoutVariant): VlSpec {
  let layer = layerIn;
  const size = {
    width: g.x?.kind === 'band' ? { step: g.width / g.x.count } : g.width,
    height: g.y?.kind === 'band' ? { step: g.height / g.y.count } : g.height,
  };
  const data = { values: rows };
  if (g.empty) {
    // nothing to draw: say so in a grey placeholder cell
    const enc = positionEncoding(g, 'point', style);
    layer = [
      { data: { values: [{ x: '', y: '' }] }, mark: { type: 'rect', fill: EMPTY_CELL_COLOR }, encoding: enc },
      { data: { values: [{ x: '', y: '' }] }, mark: { type: 'text', text: 'no cells', color: '#555555' }, encoding: enc },
      ...layer,
    ];
  }
  if (!g.facet) return { title, data, ...size, layer };
  const ts = typeScale(style.fontSize);
  // header labels read "η = 0.1" (combined facet labels already name their axes)
  const header = (name?: string) => ({
    title: null,
    labelFontSize: ts.label,
    ...(name === undefined ? {} : { labelExpr: `${JSON.stringify(axisSymbol(name) + ' = ')} + datum.value` }),
  });
  let facet: Record<string, unknown>;
  let columns: number | undefined;
  if (g.facet.names.length === 2) {
    facet = {
      row: { field: 'row', type: 'ordinal', sort: g.facet.domains[0], title: g.facet.titles[0], header: header(g.facet.names[0]) },
      column: { field: 'column', type: 'ordinal', sort: g.facet.domains[1], title: g.facet.titles[1], header: header(g.facet.names[1]) },
    };
  } else {
    const single = g.facet.combined ? undefined : g.facet.names[0];
    facet = { field: 'facet', type: 'ordinal', sort: g.facet.domains[0], title: g.facet.titles[0], header: header(single) };
    columns = facetColumns(g.facet.domains[0]!.length, layoutVariant);
  }
  return {
    title,
    data,
    facet,
    ...(columns === undefined ? {} : { columns }),
    spacing: Math.round(ts.spacing * 0.75),
    spec: { ...size, layer },
  };
}

/** Width in px of a panel's title block: one panel, or a row of facet columns. */
function titleWidth(g: GridLayout, style: FigureStyle, layout?: LayoutVariant): number {
  if (!g.facet) return g.width;
  const cols = g.facet.names.length === 2 ? g.facet.domains[1]!.length : facetColumns(g.facet.domains[0]!.length, layout);
  return cols * g.width + (cols - 1) * typeScale(style.fontSize).spacing;
}

/** Light-grey rect layer under every cell (what an empty cell looks like). */
function backgroundLayer(g: GridLayout, style: FigureStyle): Record<string, unknown> {
  return placed(g, 'rect', style, { mark: { type: 'rect', fill: EMPTY_CELL_COLOR, stroke: 'white', strokeWidth: 1 } });
}

/**
 * Text/outline colour from the row's `ink` field ('#ffffff' or '#000000') as
 * a conditional value, so it creates no scale and no legend that could merge
 * with the fill colour of the cells.
 */
function inkEncoding(): Record<string, unknown> {
  return { condition: { test: "datum.ink === '#ffffff'", value: '#ffffff' }, value: '#000000' };
}

/** Panel title with grey notes (wrapped to `width` px) when the style shows notes. */
function panelTitle(text: string, notes: string[], style: FigureStyle, width: number): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const lines = style.notes ? notes.flatMap((n) => wrapText(style, n, ts.note, Math.max(width, 80))) : [];
  return lines.length ? { text, subtitle: lines } : { text };
}

/** Vega-Lite `config`: font, sizes (px from the style's pt), white background, grey notes. */
export function figureConfig(style: FigureStyle = defaultStyle()): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const f = style.font;
  const label = { labelFont: f, labelFontSize: ts.label, titleFont: f, titleFontSize: ts.title, titleFontWeight: 'normal' };
  return {
    font: f,
    background: 'white',
    view: { stroke: null },
    title: {
      font: f, fontSize: ts.panelTitle, fontWeight: 'bold', subtitleFont: f, subtitleFontSize: ts.note, subtitleColor: '#555555',
      anchor: 'start', offset: Math.round(ts.label * 0.5), subtitlePadding: 2,
    },
    axis: {
      ...label, labelColor: '#222222', titleColor: '#222222', domainColor: '#888888', tickColor: '#888888',
      titlePadding: Math.round(ts.label * 0.4), labelPadding: 2, tickSize: Math.max(3, Math.round(ts.label * 0.4)),
    },
    legend: {
      ...label, labelLimit: 400, titleLimit: 400, symbolStrokeWidth: 0, titlePadding: 3, rowPadding: 2,
      symbolSize: Math.round(ts.label ** 2 * 1.1), gradientThickness: Math.max(8, Math.round(ts.label * 0.9)),
    },
    header: { ...label, labelFontSize: ts.label, labelPadding: 2, titlePadding: 2 },
    text: { font: f, fontSize: ts.label },
    mark: { font: f },
    concat: { spacing: ts.spacing },
    facet: { spacing: Math.round(ts.spacing * 0.75) },
  };
}

/** Wraps a sub-spec into a top-level spec with $schema, config and padding; `title` becomes the figure title. */
export function topLevel(spec: VlSpec, opts: Pick<PlotOptions, 'title' | 'style' | 'wrapWidth'>): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  let t = spec.title;
  if (opts.title) {
    // a single panel keeps its own title as the first subtitle line
    const own = spec.title as { text?: string; subtitle?: string[] } | undefined;
    const subtitle = own?.text === undefined ? [] : [own.text, ...(own.subtitle ?? [])];
    const lines = opts.wrapWidth ? wrapText(style, opts.title, ts.figureTitle, opts.wrapWidth, true) : [opts.title];
    t = { text: lines.length === 1 ? lines[0] : lines, fontSize: ts.figureTitle, ...(subtitle.length ? { subtitle } : {}) };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...spec,
    ...(t === undefined ? {} : { title: t }),
    background: 'white',
    padding: ts.padding,
    config: figureConfig(style),
  };
}

/** Legend placement properties for a layout variant. */
function legendPlacement(layout: LayoutVariant | undefined, gradient: boolean, g: GridLayout, style: FigureStyle): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  if (layout?.legend === 'bottom') {
    const len = Math.max(60, Math.min(g.width, 220));
    return gradient
      ? { orient: 'bottom', direction: 'horizontal', gradientLength: len, titleOrient: 'top', tickCount: Math.max(3, Math.floor(len / (3.5 * ts.label))), labelOverlap: 'greedy' }
      : { orient: 'bottom', direction: 'horizontal', columns: g.width > 24 * ts.label ? 3 : 2, columnPadding: 8 };
  }
  // a colour bar as long as the panel allows, with round labels (≥ 3 ticks; overlapping ones dropped)
  const len = Math.max(40, Math.min(220, g.height - 2 * ts.label - 4));
  return gradient
    ? {
      orient: 'right', direction: 'vertical', gradientLength: len, tickCount: Math.max(3, Math.floor(len / (2.5 * ts.label))), labelOverlap: 'greedy',
      titlePadding: Math.round(ts.label * 0.6) + 2,
    }
    : { orient: 'right', direction: 'vertical' };
}

// ---------------------------------------------------------------------------
// regime map

/** The regime map as a sub-spec (no top-level props); see regimeMapSpec. */
function regimePanel(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const g = gridLayout(cells, axes, opts, style);
  const colors = style.palette.regimes;
  const rows = baseRows(cells, g).map((r, i) => {
    const c = cells[i]!;
    const run = (r.count as number) > 0 && c.regime !== null && REGIMES.includes(c.regime);
    const regime = run ? (c.regime as Regime) : null;
    return {
      ...r,
      regime,
      agreement: run ? finiteOrNull(c.agreement) : null,
      agreementText: run ? agreementText(c) : '',
      disagree: run && c.agreement < 1,
      ink: regime ? inkOn(colors[regime]) : '#000000',
      // best reachable test error ≥ δ: benign overfitting impossible here (SPEC §7; src/outcome/theory.ts)
      undecidable: c.theory?.undecidable === true,
    };
  });
  const words = REGIMES.map((r) => `datum.label === ${JSON.stringify(r)} ? ${JSON.stringify(regimeWord(r, style))}`).join(' : ');
  const layer: Record<string, unknown>[] = [
    backgroundLayer(g, style),
    placed(g, 'rect', style, {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'regime',
          type: 'nominal',
          scale: { domain: [...REGIMES], range: REGIMES.map((r) => colors[r]) },
          legend: { title: style.labels.regime ?? 'regime', symbolType: 'square', labelExpr: `${words} : datum.label`, ...legendPlacement(opts.layout, false, g, style) },
        },
        tooltip: [
          { field: 'cellKey', type: 'nominal', title: 'cell' },
          { field: 'regime', type: 'nominal' },
          { field: 'agreementText', type: 'nominal', title: 'seeds agreeing' },
        ],
      },
    }, 'datum.regime != null'),
  ];
  if (rows.some((r) => r.undecidable)) {
    // hatching (three diagonal strokes across the cell) over undecidable cells
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'M-1,0L0,-1M-1,1L1,-1M0,1L1,0', filled: false, size: g.cell ** 2, strokeWidth: 0.8, stroke: '#444444', opacity: 0.8 },
    }, 'datum.undecidable'));
  }
  const textPx = Math.min(ts.label, Math.floor(g.cell * 0.3 * 10) / 10);
  const withText = textPx >= MIN_CELL_TEXT && g.cell >= 14;
  if (withText) {
    const box = Math.max(4, g.cell - Math.max(5, g.cell * 0.18));
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'square', filled: false, size: box ** 2, strokeWidth: 1, strokeDash: [3, 2] },
      encoding: { stroke: inkEncoding() },
    }, 'datum.disagree'));
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: textPx, baseline: 'middle', align: 'center' },
      encoding: { text: { field: 'agreementText', type: 'nominal' }, color: inkEncoding() },
    }, 'datum.regime != null'));
  } else {
    // cells too small for text: mark disagreement with a small dot
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'circle', filled: true, size: Math.max(3, (g.cell / 4) ** 2) },
      encoding: { color: inkEncoding() },
    }, 'datum.disagree'));
  }
  const notes = [withText ? 'majority regime; k/n = seeds agreeing' : 'majority regime of seeds'];
  const marks: string[] = [];
  if (rows.some((r) => r.disagree)) marks.push(withText ? 'dashed box: seeds disagree' : 'dot: seeds disagree');
  if (rows.some((r) => r.regime === null)) marks.push('grey: not yet run');
  if (rows.some((r) => r.undecidable)) marks.push('hatched: benign impossible (best reachable test error ≥ δ)');
  if (marks.length) notes.push(marks.join('; '));
  // the notes may run over the legend column (when the legend is at the right)
  const legendW = opts.layout?.legend === 'bottom' ? 0 : Math.max(...REGIMES.map((r) => measureWith(style, regimeWord(r, style), ts.label))) + 1.5 * ts.label;
  return placeOnGrid(g, rows, layer, panelTitle(style.labels['regime-map'] ?? 'regime map', notes, style, titleWidth(g, style, opts.layout) + legendW), style, opts.layout);
}

/**
 * Regime map: a categorical heat map (rect marks) of each cell's majority
 * final regime over the swept `axes` (axes[0] on x, axes[1] on y, further
 * axes as facets — see the module docstring), coloured with the style's
 * palette (default {@link REGIME_COLORS}); the colour legend "regime" always
 * lists all five {@link REGIMES} in order, in words ({@link REGIME_WORDS}).
 * Each run cell shows "k/n" seeds agreeing with the majority; cells whose
 * seeds disagree (agreement < 1) get a dashed inner box; cells with count 0
 * are light grey.
 *
 * Data rows (`data.values`) have: cellKey, axes (copy of the cell's axis
 * values), x, y (tick labels), x0/x1/xc and y0/y1/yc (cell edges and centre
 * on continuous axes), row/column or facet (facet labels), count, regime
 * (null if not run), agreement, agreementText, disagree, ink.
 * Never throws for any array of cells (including empty) or any axes list;
 * cells lacking an axis value are placed at tick "?".
 */
export function regimeMapSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  return topLevel(regimePanel(cells, axes, opts), opts);
}

// ---------------------------------------------------------------------------
// metric maps

/**
 * Default colour domain of a metric over the given finite values: fractions
 * → [0, 1]; testError → [0, max(0.5, max)] (chance level 0.5 stays the top
 * colour across figures unless exceeded); otherwise the data range
 * [min, max] — widened to [v/2, 3v/2] (or [0, 1] for v = 0) when degenerate.
 */
export function metricDomain(metric: string, values: readonly number[]): [number, number] {
  if (FRACTION_METRICS.has(metric)) return [0, 1];
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(...values) : 0;
  if (metric === 'testError') return [0, values.length ? Math.max(0.5, max) : 0.5];
  // losses, times, norms: the data range, so small differences stay visible
  // (the logistic loss is bounded away from 0 when ‖ν‖ = 1/‖μ‖)
  if (max > min) return [min, max];
  return min === 0 ? [0, 1] : [min - Math.abs(min) * 0.5, min + Math.abs(min) * 0.5];
}

/** Colour of a sequential scheme at t ∈ [0, 1] (vega's interpolator); grey if unknown. */
function schemeColor(name: string, t: number): string {
  const f = scheme(name) as ((t: number) => string) | undefined;
  return typeof f === 'function' ? f(Math.max(0, Math.min(1, t))) : '#888888';
}

/** The metric map as a sub-spec (no top-level props); see metricMapSpec. */
function metricPanel(cells: readonly CellSummary[], axes: readonly string[], metric: string, opts: MetricMapOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const g = gridLayout(cells, axes, opts, style);
  const values = cells.map((c) => ((c.count ?? 0) > 0 ? finiteOrNull(c.metrics?.[metric]?.mean) : null));
  const domain = opts.domain ?? metricDomain(metric, values.filter((v): v is number => v !== null));
  const [lo, hi] = domain;
  const seq = style.palette.sequential;
  const rows = baseRows(cells, g).map((r, i) => {
    const v = values[i]!;
    const t = v === null || !(hi > lo) ? 0 : (v - lo) / (hi - lo);
    return {
      ...r,
      value: v,
      sd: v === null ? null : finiteOrNull(cells[i]!.metrics?.[metric]?.sd),
      valueText: v === null ? '' : formatNumber(v, 2),
      // spread over seeds (sample sd), shown under the mean when seeds differ
      sdText: v === null || (cells[i]!.count ?? 0) < 2 || !(Number(cells[i]!.metrics?.[metric]?.sd) > 0)
        ? '' : `±${formatNumber(Number(cells[i]!.metrics[metric]!.sd), 1)}`,
      // text ink that contrasts with the cell's own colour
      ink: inkOn(schemeColor(seq, t)),
    };
  });
  const legendTitle = opts.legendTitle ?? metricLabel(metric, style);
  const layer: Record<string, unknown>[] = [
    backgroundLayer(g, style),
    placed(g, 'rect', style, {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          scale: { scheme: seq, domain, clamp: true },
          legend: { title: legendTitle, format: '.3~g', ...legendPlacement(opts.layout, true, g, style) },
        },
        tooltip: [
          { field: 'cellKey', type: 'nominal', title: 'cell' },
          { field: 'value', type: 'quantitative', title: metric, format: '.4~g' },
          { field: 'sd', type: 'quantitative', title: 'sd over seeds', format: '.3~g' },
        ],
      },
    }, 'isValid(datum.value) && isFinite(datum.value)'),
  ];
  // values need ~4 characters: show them only where they fit
  const textPx = Math.min(ts.label, Math.floor((g.cell / 2.6) * 10) / 10);
  const withText = textPx >= MIN_CELL_TEXT && g.cell >= 20;
  // a second, smaller line "±sd" fits when the cell is at least ~3 text lines tall
  const sdPx = Math.round(textPx * 0.8 * 10) / 10;
  const withSd = withText && g.cell >= 3 * textPx && rows.some((r) => r.sdText !== '');
  if (withText) {
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: textPx, baseline: 'middle', align: 'center', ...(withSd ? { dy: -0.45 * textPx } : {}) },
      encoding: { text: { field: 'valueText', type: 'nominal' }, color: inkEncoding() },
    }, 'isValid(datum.value) && isFinite(datum.value)'));
  }
  if (withSd) {
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: sdPx, baseline: 'middle', align: 'center', dy: 0.65 * textPx },
      encoding: { text: { field: 'sdText', type: 'nominal' }, color: inkEncoding() },
    }, "isValid(datum.value) && isFinite(datum.value) && datum.sdText != ''"));
  }
  const first = Array.isArray(legendTitle) ? legendTitle[0]! : legendTitle;
  const notes = [`mean${withSd ? ' ± sd' : ''} over seeds${withText ? ' (in cell)' : ''}`];
  if (rows.some((r) => r.value === null)) notes.push('grey: not yet run / no value');
  const legendW = opts.layout?.legend === 'bottom' ? 0 : Math.max(...[legendTitle].flat().map((l) => measureWith(style, l, ts.label))) + ts.label;
  return placeOnGrid(g, rows, layer, panelTitle(first, notes, style, titleWidth(g, style, opts.layout) + legendW), style, opts.layout);
}

/**
 * Metric map: a heat map over the swept `axes` (layout as in
 * {@link regimeMapSpec}) of `metrics[metric].mean` per cell, sequential
 * colour scale (the palette's: viridis by default) with a colour bar titled
 * {@link METRIC_LABELS}[metric] — the metric and its direction — (or
 * `opts.legendTitle`) over `opts.domain` or {@link metricDomain}.
 * Cells with count 0 or a missing / non-finite mean are light grey (their
 * `value` is null in the data). Data rows have the regime-map base fields
 * plus value, sd, valueText, ink. Never throws on any cells/axes.
 */
export function metricMapSpec(
  cells: readonly CellSummary[],
  axes: readonly string[],
  metric: string,
  opts: MetricMapOptions = {},
): VlSpec {
  return topLevel(metricPanel(cells, axes, metric, opts), opts);
}

/** Panels side by side (hconcat) or stacked (vconcat: when asked, or when faceted). */
function concatPanels(panels: VlSpec[], opts: PlotOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const stacked = opts.layout?.stack ?? panels.some((p) => 'facet' in p);
  return topLevel(
    {
      ...(stacked ? { vconcat: panels } : { hconcat: panels }),
      spacing: ts.spacing,
      resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    },
    opts,
  );
}

/**
 * Phase diagram: side by side (hconcat; stacked with vconcat when
 * `opts.layout.stack`, or by default when the panels are faceted, i.e.
 * axes.length > 2) the regime map ({@link regimeMapSpec}) and the heat map of
 * final test error ({@link metricMapSpec} of 'testError'), with independent
 * colour scales and legends, one figure title (`opts.title`), the style's
 * font everywhere, white background. Never throws on any cells/axes.
 */
export function phaseDiagramSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  const inner = { ...opts, title: undefined };
  return concatPanels([regimePanel(cells, axes, inner), metricPanel(cells, axes, 'testError', inner)], opts);
}

/**
 * Final train loss and final test loss as two heat maps over the swept axes
 * (the paper's Figure 5 panels), side by side or stacked as in
 * {@link phaseDiagramSpec}, each with its own colour scale and colour bar.
 * Never throws on any cells/axes.
 */
export function lossMapsSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  const inner = { ...opts, title: undefined };
  return concatPanels([metricPanel(cells, axes, 'trainLoss', inner), metricPanel(cells, axes, 'testLoss', inner)], opts);
}

/**
 * Regime maps at several training horizons as small multiples: the cells of
 * each horizon get an extra axis `step` and the regime map facets over it
 * ("step = 100", …; with a third swept axis, rows over that axis and columns
 * over step), so delayed memorisation and delayed generalisation show as
 * colours changing from panel to panel. `opts.layout.columns` sets the
 * columns of the wrapped facet (default ≤ 4 per row).
 *
 * @param horizons  per horizon step, the cell summaries at that step
 */
export function horizonRegimeSpec(
  horizons: readonly { step: number; cells: readonly CellSummary[] }[],
  axes: readonly string[],
  opts: PlotOptions = {},
): VlSpec {
  const cells: CellSummary[] = [];
  for (const h of horizons) for (const c of h.cells) cells.push({ ...c, cellKey: `${c.cellKey}@${h.step}`, axes: { ...c.axes, step: h.step } });
  const facets = axes.length <= 2 ? ['step'] : [...axes.slice(2), 'step'];
  return regimeMapSpec(cells, [...axes.slice(0, 2), ...facets], { ...opts, logAxes: opts.logAxes?.filter((a) => a !== 'step') });
}
