/**
 * Vega-Lite spec builders for phase diagrams (ARCHITECTURE "plot").
 *
 * Every function here is pure: it maps `CellSummary[]` (one entry per grid
 * point of a sweep, aggregated over seeds — see src/outcome/types.ts) to a
 * Vega-Lite spec as a plain JSON object with the data embedded as
 * `data: { values: [...] }`. Nothing is rendered here; see ./render.ts.
 *
 * Grid points are discrete and often log-spaced, so every swept axis is drawn
 * on an ordinal (band) scale whose domain is given explicitly, sorted
 * ascending numerically (x left→right, y bottom→top). Tick labels are the
 * axis values formatted with ~3 significant digits (more if needed to keep
 * distinct values distinct).
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
 */
import { REGIMES, type CellSummary, type Regime } from '../outcome/types.js';

/** A Vega-Lite spec as plain JSON (what `vega-lite`'s `compile` accepts). */
export type VlSpec = Record<string, unknown>;

/** Options common to the spec builders. */
export interface PlotOptions {
  /** figure title (top-level) */
  title?: string;
  /**
   * Axes whose grid is log-spaced; their axis title gets " (log-spaced)".
   * When omitted, an axis is treated as log-spaced if it has ≥ 3 positive
   * numeric values with a constant ratio (and not a constant difference).
   */
  logAxes?: string[];
}

/** Options of {@link metricMapSpec}. */
export interface MetricMapOptions extends PlotOptions {
  /** colour-bar title; default from {@link METRIC_LABELS} or the metric name */
  legendTitle?: string | string[];
  /** colour domain [min, max]; default: see {@link metricDomain} */
  domain?: [number, number];
}

/** The one font installed on render hosts; used by every text element. */
export const FONT = 'DejaVu Sans';

/**
 * Fixed colour of each regime (Okabe–Ito, colour-blind safe), so a regime has
 * the same colour in every figure.
 */
export const REGIME_COLORS: Readonly<Record<Regime, string>> = {
  'not-overfitting': '#0072B2', // blue
  'benign-overfitting': '#009E73', // bluish green
  'harmful-overfitting': '#D55E00', // vermillion
  partial: '#E69F00', // orange
  diverged: '#000000', // black
};

/** Colour of text/outlines drawn on top of a regime's fill (max contrast). */
const REGIME_INK: Readonly<Record<Regime, string>> = {
  'not-overfitting': '#ffffff',
  'benign-overfitting': '#000000',
  'harmful-overfitting': '#000000',
  partial: '#000000',
  diverged: '#ffffff',
};

/** Fill of cells with nothing to show (not yet run, or metric missing). */
export const EMPTY_CELL_COLOR = '#eeeeee';

/** Axis titles of the known sweep parameters (SPEC §1–2 symbols). */
export const AXIS_LABELS: Readonly<Record<string, string>> = {
  snr: 'SNR = ‖μ‖₂ / (σ_ε√d)',
  n: 'training size n',
  muNorm: '‖μ‖₂',
  d: 'dimension d',
  eta: 'label-noise rate η',
  rho: 'ρ',
  alpha: 'step size α',
  steps: 'steps',
  T: 'tokens T',
  sigma: 'token-noise std σ_ε',
  step: 'training step',
};

/** Short symbols of the known parameters, used in facet headers "η=0.1". */
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
};

/** Colour-bar titles of the known metrics (SPEC §3). */
export const METRIC_LABELS: Readonly<Record<string, string[]>> = {
  testError: ['final test error', '(lower is better)'],
  testLoss: ['final test loss'],
  trainLoss: ['final train loss'],
  trainAcc: ['final train accuracy'],
  cleanFit: ['clean-set fit', '(fraction of 𝒞 fit)'],
  noisyFit: ['noisy-set fit', '(fraction of 𝒩 memorised)'],
  tFit: ['t_fit', '(first step, train acc. 1)'],
  tGeneralize: ['t_generalize', '(first step, test err. < δ)'],
  pNorm: ['‖p‖₂'],
};

/** Metrics that are fractions in [0, 1]. */
const FRACTION_METRICS = new Set(['trainAcc', 'cleanFit', 'noisyFit']);

/** Target panel size (px) of an 8×6 grid; cells are square. */
const PANEL_W = 350;
const PANEL_H = 260;
const MIN_STEP = 12;
const MAX_STEP = 48;
/** Below this cell size the in-cell text is dropped (it would not fit). */
const MIN_TEXT_STEP = 24;
const LABEL_FONT_SIZE = 10;
const AXIS_TITLE_FONT_SIZE = 11;

/** Estimated width in px of `text` in DejaVu Sans (≈ 0.62 em per char). */
function textWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * fontSize * 0.62);
}

// ---------------------------------------------------------------------------
// small helpers

/** Axis title of a parameter name: {@link AXIS_LABELS} or the name itself. */
export function axisLabel(name: string): string {
  return AXIS_LABELS[name] ?? name;
}

/** Short symbol of a parameter name for facet headers (e.g. eta → "η"). */
export function axisSymbol(name: string): string {
  return AXIS_SYMBOLS[name] ?? name;
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
  const spread = (a: number[]) => (Math.max(...a) - Math.min(...a)) / Math.abs(Math.max(...a));
  return spread(ratios) < 0.05 && spread(diffs) > 0.05;
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

/** Where each swept axis goes, with its sorted domain of tick labels. */
interface GridLayout {
  x?: { name: string; title: string; domain: string[] };
  y?: { name: string; title: string; domain: string[] };
  facet?: { names: string[]; domains: string[][]; titles: string[]; combined: boolean };
  /** side of a square cell in px (the smaller of stepX, stepY) */
  step: number;
  /** cell width and height in px: `step`, widened so the axis title fits */
  stepX: number;
  stepY: number;
  /** true when there are no cells (axes get one blank placeholder band) */
  empty: boolean;
  /** per-cell labels: x, y and facet label (combined) or facet labels (row/col) */
  labelOf: (cell: CellSummary) => { x: string; y: string; f: string[] };
}

/** Builds the grid layout of `axes` over `cells` (see module docstring). */
function gridLayout(cells: readonly CellSummary[], axes: readonly string[], logAxes?: readonly string[]): GridLayout {
  const labelMaps = new Map<string, Map<number | string, string>>();
  const sorted = new Map<string, string[]>();
  for (const a of axes) {
    const vals = cells.map((c) => axisValue(c, a));
    const m = tickLabels(vals);
    labelMaps.set(a, m);
    sorted.set(a, [...new Set(sortAxisValues(vals).map((v) => m.get(v)!))]);
  }
  const logSet = new Set(logAxes ?? axes.filter((a) => isLogSpaced(cells.map((c) => axisValue(c, a)))));
  const title = (a: string) => axisLabel(a) + (logSet.has(a) ? ' (log-spaced)' : '');
  const lab = (c: CellSummary, a: string) => labelMaps.get(a)!.get(axisValue(c, a))!;

  const [ax, ay] = axes;
  // no cells at all: one blank placeholder band per axis, no facets
  const empty = cells.length === 0;
  if (empty) for (const a of axes) sorted.set(a, ['']);
  const extra = empty ? [] : axes.slice(2);
  const nx = ax === undefined ? 1 : Math.max(1, sorted.get(ax)!.length);
  const ny = ay === undefined ? 1 : Math.max(1, sorted.get(ay)!.length);
  const step = Math.max(MIN_STEP, Math.min(MAX_STEP, Math.floor(Math.min(PANEL_W / nx, PANEL_H / ny))));
  // a panel narrower than its axis title would let the title run into the
  // legend: widen the cells of small grids (vega estimates text widths)
  const fit = (a: string | undefined, k: number) =>
    a === undefined ? step : Math.max(step, Math.ceil(textWidth(title(a), AXIS_TITLE_FONT_SIZE) / k));
  const stepX = fit(ax, nx);
  const stepY = fit(ay, ny);

  let facet: GridLayout['facet'];
  let facetLabel: (c: CellSummary) => string[] = () => [];
  if (extra.length === 1 || extra.length === 2) {
    facet = { names: extra, domains: extra.map((a) => sorted.get(a)!), titles: extra.map(title), combined: false };
    facetLabel = (c) => extra.map((a) => lab(c, a));
  } else if (extra.length > 2) {
    // one combined field, ordered lexicographically by the sorted axis values
    const key = (c: CellSummary) => extra.map((a) => `${axisSymbol(a)}=${lab(c, a)}`).join(', ');
    const rank = (c: CellSummary) => extra.map((a) => sorted.get(a)!.indexOf(lab(c, a)));
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
    x: ax === undefined ? undefined : { name: ax, title: title(ax), domain: sorted.get(ax)! },
    // y: largest value at the top, i.e. first in the band domain
    y: ay === undefined ? undefined : { name: ay, title: title(ay), domain: [...sorted.get(ay)!].reverse() },
    facet,
    step: Math.min(stepX, stepY),
    stepX,
    stepY,
    empty,
    labelOf: (c) => ({ x: ax === undefined ? '' : lab(c, ax), y: ay === undefined ? '' : lab(c, ay), f: facetLabel(c) }),
  };
}

/** x/y encodings (band scales with explicit domains) of a layout. */
function positionEncoding(g: GridLayout): Record<string, unknown> {
  const enc: Record<string, unknown> = {};
  if (g.x) {
    const longest = Math.max(0, ...g.x.domain.map((s) => s.length));
    // rotate tick labels that would collide
    const rotate = textWidth('0'.repeat(longest), LABEL_FONT_SIZE) > g.stepX - 4;
    enc.x = {
      field: 'x',
      type: 'ordinal',
      sort: null,
      scale: { domain: g.x.domain, paddingInner: 0, paddingOuter: 0 },
      axis: { title: g.x.title, labelAngle: rotate ? -45 : 0, ...(rotate ? { labelAlign: 'right', labelBaseline: 'middle' } : {}) },
    };
  }
  if (g.y) {
    enc.y = {
      field: 'y',
      type: 'ordinal',
      sort: null,
      scale: { domain: g.y.domain, paddingInner: 0, paddingOuter: 0 },
      axis: { title: g.y.title },
    };
  }
  return enc;
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

/**
 * Wraps a layered unit (layers + data rows) into a unit or facet spec,
 * depending on the layout. Cell size is `g.stepX` × `g.stepY` px.
 */
function placeOnGrid(
  g: GridLayout,
  rows: Record<string, unknown>[],
  layerIn: Record<string, unknown>[],
  title: unknown,
): VlSpec {
  let layer = layerIn;
  const size = {
    width: g.x ? { step: g.stepX } : g.stepX,
    height: g.y ? { step: g.stepY } : g.stepY,
  };
  const data = { values: rows };
  if (g.empty) {
    // nothing to draw: say so in a grey placeholder cell
    layer = [
      { data: { values: [{ x: '', y: '' }] }, mark: { type: 'rect', fill: EMPTY_CELL_COLOR } },
      { data: { values: [{ x: '', y: '' }] }, mark: { type: 'text', text: 'no cells', fontSize: 9, color: '#555555' } },
      ...layer,
    ];
  }
  if (!g.facet) return { title, data, ...size, encoding: positionEncoding(g), layer };
  // header labels read "η = 0.1" (combined facet labels already name their axes)
  const header = (t: string, name?: string) => ({
    title: t,
    labelFontSize: 11,
    titleFontSize: 11,
    ...(name === undefined ? {} : { labelExpr: `${JSON.stringify(axisSymbol(name) + ' = ')} + datum.value` }),
  });
  let facet: Record<string, unknown>;
  let columns: number | undefined;
  if (g.facet.names.length === 2) {
    facet = {
      row: { field: 'row', type: 'ordinal', sort: g.facet.domains[0], header: header(g.facet.titles[0]!, g.facet.names[0]) },
      column: { field: 'column', type: 'ordinal', sort: g.facet.domains[1], header: header(g.facet.titles[1]!, g.facet.names[1]) },
    };
  } else {
    const single = g.facet.combined ? undefined : g.facet.names[0];
    facet = { field: 'facet', type: 'ordinal', sort: g.facet.domains[0], header: header(g.facet.titles[0]!, single) };
    columns = Math.min(3, Math.max(1, g.facet.domains[0]!.length));
  }
  return {
    title,
    data,
    facet,
    ...(columns === undefined ? {} : { columns }),
    spacing: 12,
    resolve: { axis: { x: 'independent', y: 'independent' } },
    spec: { ...size, encoding: positionEncoding(g), layer },
  };
}

/** Light-grey rect layer under every cell (what an empty cell looks like). */
function backgroundLayer(): Record<string, unknown> {
  return { mark: { type: 'rect', fill: EMPTY_CELL_COLOR, stroke: 'white', strokeWidth: 1 } };
}

/**
 * Text/outline colour from the row's `ink` field ('#ffffff' or '#000000') as
 * a conditional value, so it creates no scale and no legend that could merge
 * with the fill colour of the cells.
 */
function inkEncoding(): Record<string, unknown> {
  return { condition: { test: "datum.ink === '#ffffff'", value: '#ffffff' }, value: '#000000' };
}

/** Panel title with a small grey subtitle. */
function panelTitle(text: string, subtitle: string[]): Record<string, unknown> {
  return subtitle.length ? { text, subtitle } : { text };
}

/** Top-level properties: font, white background, padding, sizes. */
export function figureConfig(): Record<string, unknown> {
  const label = { labelFont: FONT, labelFontSize: LABEL_FONT_SIZE, titleFont: FONT, titleFontSize: AXIS_TITLE_FONT_SIZE, titleFontWeight: 'normal' };
  return {
    font: FONT,
    background: 'white',
    view: { stroke: null },
    title: { font: FONT, fontSize: 13, fontWeight: 'bold', subtitleFont: FONT, subtitleFontSize: 10, subtitleColor: '#555555', anchor: 'start', offset: 8 },
    axis: { ...label, labelColor: '#222222', titleColor: '#222222', domainColor: '#888888', tickColor: '#888888', titlePadding: 6 },
    legend: { ...label, labelLimit: 260, titleLimit: 260, symbolStrokeWidth: 0 },
    header: { ...label, labelFontSize: 11 },
    text: { font: FONT },
    mark: { font: FONT },
  };
}

/** Wraps a sub-spec into a top-level spec with $schema, config and padding. */
function topLevel(spec: VlSpec, title?: string): VlSpec {
  let t = spec.title;
  if (title !== undefined) {
    // a single panel keeps its own title as the first subtitle line
    const own = spec.title as { text?: string; subtitle?: string[] } | undefined;
    const subtitle = own?.text === undefined ? [] : [own.text, ...(own.subtitle ?? [])];
    t = { text: title, fontSize: 15, ...(subtitle.length ? { subtitle } : {}) };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...spec,
    ...(t === undefined ? {} : { title: t }),
    background: 'white',
    padding: 16,
    config: figureConfig(),
  };
}

// ---------------------------------------------------------------------------
// regime map

/** The regime map as a sub-spec (no top-level props); see regimeMapSpec. */
function regimePanel(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions): VlSpec {
  const g = gridLayout(cells, axes, opts.logAxes);
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
      ink: regime ? REGIME_INK[regime] : '#000000',
    };
  });
  const layer: Record<string, unknown>[] = [
    backgroundLayer(),
    {
      transform: [{ filter: 'datum.regime != null' }],
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'regime',
          type: 'nominal',
          scale: { domain: [...REGIMES], range: REGIMES.map((r) => REGIME_COLORS[r]) },
          legend: { title: 'regime', orient: 'right', symbolType: 'square', symbolSize: 150 },
        },
        tooltip: [
          { field: 'cellKey', type: 'nominal', title: 'cell' },
          { field: 'regime', type: 'nominal' },
          { field: 'agreementText', type: 'nominal', title: 'seeds agreeing' },
        ],
      },
    },
  ];
  if (g.step >= MIN_TEXT_STEP) {
    layer.push({
      transform: [{ filter: 'datum.disagree' }],
      mark: { type: 'point', shape: 'square', filled: false, size: (g.step - 7) ** 2, strokeWidth: 1.2, strokeDash: [3, 2] },
      encoding: { stroke: inkEncoding() },
    });
    layer.push({
      transform: [{ filter: 'datum.regime != null' }],
      mark: { type: 'text', fontSize: Math.min(10, Math.floor(g.step / 4)), baseline: 'middle', align: 'center' },
      encoding: {
        text: { field: 'agreementText', type: 'nominal' },
        color: inkEncoding(),
      },
    });
  } else {
    // cells too small for text: mark disagreement with a small dot
    layer.push({
      transform: [{ filter: 'datum.disagree' }],
      mark: { type: 'point', shape: 'circle', filled: true, size: Math.max(4, (g.step / 4) ** 2) },
      encoding: { color: inkEncoding() },
    });
  }
  const sub = [g.step >= MIN_TEXT_STEP ? 'majority regime; k/n = seeds agreeing' : 'majority regime of seeds'];
  const notes: string[] = [];
  if (rows.some((r) => r.disagree)) notes.push(g.step >= MIN_TEXT_STEP ? 'dashed box: seeds disagree' : 'dot: seeds disagree');
  if (rows.some((r) => r.regime === null)) notes.push('grey: not yet run');
  if (notes.length) sub.push(notes.join('; '));
  return placeOnGrid(g, rows, layer, panelTitle('regime map', sub));
}

/**
 * Regime map: a categorical heat map (rect marks) of each cell's majority
 * final regime over the swept `axes` (axes[0] on x, axes[1] on y, further
 * axes as facets — see the module docstring), coloured with the fixed
 * palette {@link REGIME_COLORS}; the colour legend "regime" always lists all
 * five {@link REGIMES} in order. Each run cell shows "k/n" seeds agreeing
 * with the majority; cells whose seeds disagree (agreement < 1) get a dashed
 * inner box; cells with count 0 are light grey.
 *
 * Data rows (`data.values`) have: cellKey, axes (copy of the cell's axis
 * values), x, y (tick labels), row/column or facet (facet labels), count,
 * regime (null if not run), agreement, agreementText, disagree, ink.
 * Never throws for any array of cells (including empty) or any axes list;
 * cells lacking an axis value are placed at tick "?".
 */
export function regimeMapSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  return topLevel(regimePanel(cells, axes, opts), opts.title);
}

// ---------------------------------------------------------------------------
// metric maps

/**
 * Default colour domain of a metric over the given finite values: fractions
 * → [0, 1]; testError → [0, max(0.5, max)] (chance level 0.5 stays the top
 * colour across figures unless exceeded); otherwise [min(0, min), max] —
 * widened to [v−1, v+1]/[0,1] when degenerate.
 */
export function metricDomain(metric: string, values: readonly number[]): [number, number] {
  if (FRACTION_METRICS.has(metric)) return [0, 1];
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(...values) : 0;
  if (metric === 'testError') return [0, values.length ? Math.max(0.5, max) : 0.5];
  const lo = Math.min(0, min);
  if (max > lo) return [lo, max];
  return lo === 0 ? [0, 1] : [lo - 1, lo + 1];
}

/** The metric map as a sub-spec (no top-level props); see metricMapSpec. */
function metricPanel(cells: readonly CellSummary[], axes: readonly string[], metric: string, opts: MetricMapOptions): VlSpec {
  const g = gridLayout(cells, axes, opts.logAxes);
  const values = cells.map((c) => ((c.count ?? 0) > 0 ? finiteOrNull(c.metrics?.[metric]?.mean) : null));
  const domain = opts.domain ?? metricDomain(metric, values.filter((v): v is number => v !== null));
  const [lo, hi] = domain;
  const rows = baseRows(cells, g).map((r, i) => {
    const v = values[i]!;
    const t = v === null || !(hi > lo) ? 0 : (v - lo) / (hi - lo);
    return {
      ...r,
      value: v,
      sd: v === null ? null : finiteOrNull(cells[i]!.metrics?.[metric]?.sd),
      valueText: v === null ? '' : formatNumber(v, 2),
      // viridis is dark below ~0.5 and light above: pick the readable ink
      ink: t < 0.5 ? '#ffffff' : '#000000',
    };
  });
  const legendTitle = opts.legendTitle ?? METRIC_LABELS[metric] ?? [metric];
  const layer: Record<string, unknown>[] = [
    backgroundLayer(),
    {
      transform: [{ filter: 'isValid(datum.value) && isFinite(datum.value)' }],
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          scale: { scheme: 'viridis', domain, clamp: true },
          legend: { title: legendTitle, orient: 'right', gradientLength: Math.max(50, Math.min(200, (g.y ? g.y.domain.length : 1) * g.stepY - 10)), format: '.3~g' },
        },
        tooltip: [
          { field: 'cellKey', type: 'nominal', title: 'cell' },
          { field: 'value', type: 'quantitative', title: metric, format: '.4~g' },
          { field: 'sd', type: 'quantitative', title: 'sd over seeds', format: '.3~g' },
        ],
      },
    },
  ];
  if (g.step >= MIN_TEXT_STEP + 6) {
    layer.push({
      transform: [{ filter: 'isValid(datum.value) && isFinite(datum.value)' }],
      mark: { type: 'text', fontSize: Math.min(10, Math.floor(g.step / 4)), baseline: 'middle', align: 'center' },
      encoding: {
        text: { field: 'valueText', type: 'nominal' },
        color: inkEncoding(),
      },
    });
  }
  const first = Array.isArray(legendTitle) ? legendTitle[0]! : legendTitle;
  const sub = [`mean over seeds${g.step >= MIN_TEXT_STEP + 6 ? ' (value in cell)' : ''}`];
  if (rows.some((r) => r.value === null)) sub.push('grey: not yet run / no value');
  return placeOnGrid(g, rows, layer, panelTitle(first, sub));
}

/**
 * Metric map: a heat map over the swept `axes` (layout as in
 * {@link regimeMapSpec}) of `metrics[metric].mean` per cell, sequential
 * viridis colour scale with a colour bar titled {@link METRIC_LABELS}[metric]
 * (or `opts.legendTitle`) over `opts.domain` or {@link metricDomain}.
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
  return topLevel(metricPanel(cells, axes, metric, opts), opts.title);
}

/**
 * Phase diagram: side by side (hconcat; stacked with vconcat when the panels
 * are faceted, i.e. axes.length > 2) the regime map ({@link regimeMapSpec})
 * and the heat map of final test error ({@link metricMapSpec} of
 * 'testError'), with independent colour scales and legends, one figure title
 * (`opts.title`), DejaVu Sans everywhere, white background. Shapes as in the
 * module docstring; never throws on any cells/axes.
 */
export function phaseDiagramSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  const panels = [regimePanel(cells, axes, opts), metricPanel(cells, axes, 'testError', opts)];
  // faceted panels are wide: stack them instead of putting them side by side
  const stacked = panels.some((p) => 'facet' in p);
  return topLevel(
    {
      ...(stacked ? { vconcat: panels } : { hconcat: panels }),
      spacing: stacked ? 28 : 16,
      resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    },
    opts.title,
  );
}

/**
 * Final train loss and final test loss as two side-by-side heat maps over the
 * swept axes (the paper's Figure 5 panels), viridis, each with its own colour
 * scale and colour bar. Never throws on any cells/axes.
 */
export function lossMapsSpec(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions = {}): VlSpec {
  const panels = [
    metricPanel(cells, axes, 'trainLoss', { ...opts, legendTitle: ['final train loss'] }),
    metricPanel(cells, axes, 'testLoss', { ...opts, legendTitle: ['final test loss'] }),
  ];
  const stacked = panels.some((p) => 'facet' in p);
  return topLevel(
    {
      ...(stacked ? { vconcat: panels } : { hconcat: panels }),
      spacing: stacked ? 28 : 16,
      resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    },
    opts.title,
  );
}

/**
 * Regime maps at several training horizons as small multiples: the cells of
 * each horizon get an extra axis `step` and the regime map facets over it
 * ("step = 100", …), so delayed memorisation and delayed generalisation show
 * as colours changing from panel to panel.
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
  const shown = axes.slice(0, 2);
  return regimeMapSpec(cells, [...shown, 'step'], { ...opts, logAxes: opts.logAxes?.filter((a) => a !== 'step') ?? undefined });
}
