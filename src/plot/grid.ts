/**
 * Grid layout of heat-map panels: where each swept axis goes (x, y, facet
 * rows/columns), cell edges on log/linear/band axes, tick values, the data
 * rows of a cell, and the wrapping of layers into a unit or facet spec.
 * Pure. Used by ./panels.ts.
 */
import { formatNumber, isLinSpaced, isLogSpaced, sortAxisValues, tickLabels } from './format.js';
import type { LayoutVariant, PlotOptions, VlSpec } from './options.js';
import { measureWith, typeScale, type FigureStyle } from './style.js';
import { axisLabel, axisSymbol } from './vocabulary.js';
import type { CellSummary } from '../core/records.js';

/** Fill of cells with nothing to show (not yet run, or metric missing). */
export const EMPTY_CELL_COLOR = '#eeeeee';


/** Target panel size (px) of an 8×6 grid; cells are square. */
const PANEL_W = 350;
const PANEL_H = 260;
const MIN_STEP = 12;
const MAX_STEP = 48;
/** In-cell text smaller than this (px) is dropped: it would not be legible. */
export const MIN_CELL_TEXT = 5.5;
/** "k/n" seeds agreeing with the majority regime; "" for an empty cell. */
export function agreementText(cell: Pick<CellSummary, 'count' | 'agreement'>): string {
  if (!(cell.count > 0)) return '';
  const k = Math.round((Number.isFinite(cell.agreement) ? cell.agreement : 0) * cell.count);
  const s = `${k}/${cell.count}`;
  return s.length <= 5 ? s : `${Math.round((100 * k) / cell.count)}%`;
}

/** Value of an axis in a cell, or "?" when the cell lacks it. */
export function axisValue(cell: CellSummary, name: string): number | string {
  const v = cell.axes?.[name];
  return typeof v === 'number' || typeof v === 'string' ? v : '?';
}

/** Finite number or null (JSON has no NaN/∞; Vega-Lite drops nulls). */
export function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// ---------------------------------------------------------------------------
// layout of the grid

/** One swept axis placed on x or y. */
export interface AxisLayout {
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
  /** label of each grid value (continuous axes) */
  labels: Map<number | string, string>;
  /** the narrowest cell's share of the axis length */
  minShare: number;
}

/** Where each swept axis goes. */
export interface GridLayout {
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
export function cellEdges(v: number[], log: boolean): number[] {
  const f = log ? Math.log : (x: number) => x;
  const g = log ? Math.exp : (x: number) => x;
  const t = v.map(f);
  if (t.length === 1) return [g(t[0]! - 0.5), g(t[0]! + 0.5)];
  const mids = t.slice(1).map((b, i) => (b + t[i]!) / 2);
  return [2 * t[0]! - mids[0]!, ...mids, 2 * t[t.length - 1]! - mids[mids.length - 1]!].map(g);
}

/** Layout of one axis (kind, domain, edges) over its values. */
export function axisLayout(name: string, vals: (number | string)[], labels: Map<number | string, string>, logAxes: readonly string[] | undefined, style: FigureStyle, empty: boolean): AxisLayout {
  const title = axisLabel(name, style);
  const sorted = sortAxisValues(vals);
  const band = (): AxisLayout => {
    const domain = empty ? [''] : [...new Set(sorted.map((v) => labels.get(v)!))];
    return { name, title, kind: 'band', domain, values: [], edges: [], ticks: null, count: Math.max(1, domain.length), minShare: 1 / Math.max(1, domain.length), labels };
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
  return { name, title, kind, domain: [], values: nums, edges, ticks: null, count: nums.length, minShare, labels };
}

/**
 * Tick values of a continuous axis: every grid value, so each row and column
 * is labelled with its cell's own value (never ticks between cells).
 */
export function axisTicks(a: AxisLayout): number[] | null {
  return a.kind === 'band' ? null : a.values;
}

/** Builds the grid layout of `axes` over `cells` (see module docstring). */
export function gridLayout(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions, style: FigureStyle): GridLayout {
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
  if (x) x.ticks = axisTicks(x);
  if (y) y.ticks = axisTicks(y);
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
export function positionChannels(a: AxisLayout | undefined, ch: 'x' | 'y', role: 'rect' | 'point', g: GridLayout, style: FigureStyle): Record<string, unknown> {
  if (!a) return {};
  const axis: Record<string, unknown> = { title: a.title, ...cellLabelling(a, ch, ch === 'x' ? g.width : g.height, style) };
  if (a.kind === 'band') {
    return { [ch]: { field: ch, type: 'ordinal', sort: null, scale: { domain: a.domain, paddingInner: 0, paddingOuter: 0 }, axis } };
  }
  Object.assign(axis, { labelFlush: false, grid: false, values: a.ticks ?? a.values });
  const scale = { type: a.kind, domain: [a.edges[0], a.edges[a.edges.length - 1]], nice: false, ...(a.kind === 'linear' ? { zero: false } : {}) };
  if (role === 'rect') {
    return {
      [ch]: { field: `${ch}0`, type: 'quantitative', scale, axis },
      [`${ch}2`]: { field: `${ch}1` },
    };
  }
  return { [ch]: { field: `${ch}c`, type: 'quantitative', scale, axis } };
}

/**
 * Axis label properties so that every cell's row or column is labelled with
 * its own value: labels as written by tickLabels (a lookup on continuous
 * axes, where vega would otherwise format the tick), turned −45° or −90° on
 * x when they do not fit side by side, and set smaller (down to ~5.5 px)
 * when rows are lower than a label; overlap is never resolved by dropping
 * labels unless even the smallest size cannot hold them.
 */
export function cellLabelling(a: AxisLayout, ch: 'x' | 'y', px: number, style: FigureStyle): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const labels = a.kind === 'band' ? a.domain : a.values.map((v) => a.labels.get(v) ?? formatNumber(v));
  const out: Record<string, unknown> = {};
  if (a.kind !== 'band') {
    const dict = a.values.map((v, i) => `${JSON.stringify(String(v))}: ${JSON.stringify(labels[i])}`).join(', ');
    out.labelExpr = `({${dict}})['' + datum.value] || format(datum.value, '.3~g')`;
  }
  // the narrowest cell along this axis, in px
  const step = px * a.minShare;
  const widest = Math.max(0, ...labels.map((l) => measureWith(style, l, ts.label)));
  let size = ts.label;
  if (ch === 'x') {
    if (widest > step - 3) {
      if (widest * 0.71 <= step - 2 && ts.label * 1.4 <= step) Object.assign(out, { labelAngle: -45, labelAlign: 'right', labelBaseline: 'top' });
      else {
        Object.assign(out, { labelAngle: -90, labelAlign: 'right', labelBaseline: 'middle' });
        while (size > MIN_CELL_TEXT && size * 1.05 > step) size = Math.round((size - 0.5) * 10) / 10;
      }
    } else out.labelAngle = 0;
  } else {
    while (size > MIN_CELL_TEXT && size * 1.05 > step) size = Math.round((size - 0.5) * 10) / 10;
  }
  if (size !== ts.label) out.labelFontSize = size;
  out.labelOverlap = size * 1.05 > step && (ch === 'y' || out.labelAngle === -90) ? 'greedy' : false;
  return out;
}

/** x and y encodings of a layer: cell extents for rects, cell centres for text/points. */
export function positionEncoding(g: GridLayout, role: 'rect' | 'point', style: FigureStyle): Record<string, unknown> {
  return { ...positionChannels(g.x, 'x', role, g, style), ...positionChannels(g.y, 'y', role, g, style) };
}

/** Numeric position fields of a cell on a continuous axis: edges (x0, x1) and centre (xc). */
export function continuousFields(a: AxisLayout | undefined, ch: 'x' | 'y', v: number | string): Record<string, number | null> {
  if (!a || a.kind === 'band') return {};
  const i = typeof v === 'number' ? a.values.indexOf(v) : -1;
  if (i < 0) return { [`${ch}0`]: null, [`${ch}1`]: null, [`${ch}c`]: null };
  return { [`${ch}0`]: a.edges[i]!, [`${ch}1`]: a.edges[i + 1]!, [`${ch}c`]: v as number };
}

/** Rows of the embedded data: one per cell, with layout labels added. */
export function baseRows(cells: readonly CellSummary[], g: GridLayout): Record<string, unknown>[] {
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
export function validPosition(g: GridLayout, role: 'rect' | 'point'): string[] {
  const out: string[] = [];
  for (const [a, ch] of [[g.x, 'x'], [g.y, 'y']] as const) {
    if (a && a.kind !== 'band') out.push(...(role === 'rect' ? [`isValid(datum.${ch}0)`] : [`isValid(datum.${ch}c)`]));
  }
  return out;
}

/** Adds `filter` (Vega expression) transforms and the position encoding of its role to a layer. */
export function placed(g: GridLayout, role: 'rect' | 'point', style: FigureStyle, layer: Record<string, unknown>, filter?: string): Record<string, unknown> {
  const tests = [...(filter ? [filter] : []), ...validPosition(g, role)];
  return {
    ...(tests.length ? { transform: [{ filter: tests.join(' && ') }] } : {}),
    ...layer,
    encoding: { ...positionEncoding(g, role, style), ...((layer.encoding as object) ?? {}) },
  };
}

/** Columns of a wrapped facet: as asked, else ≤ 4 per row, rows balanced. */
export function facetColumns(n: number, layout?: LayoutVariant): number {
  if (layout?.columns) return Math.max(1, Math.min(n, layout.columns));
  const rows = Math.ceil(n / 4);
  return Math.max(1, Math.ceil(n / rows));
}

/**
 * Wraps layers + data rows into a unit or facet spec, depending on the
 * layout. Panel plotting area: `g.width` × `g.height` px.
 */
export function placeOnGrid(g: GridLayout, rows: Record<string, unknown>[], layerIn: Record<string, unknown>[], title: unknown, style: FigureStyle, layoutVariant?: LayoutVariant): VlSpec {
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
  // a last row with empty slots: every panel gets its own x axis, so no axis hangs under an empty slot
  const ragged = columns !== undefined && g.facet.domains[0]!.length % columns !== 0;
  return {
    title,
    data,
    facet,
    ...(columns === undefined ? {} : { columns }),
    ...(ragged ? { resolve: { axis: { x: 'independent' } } } : {}),
    spacing: Math.round(ts.spacing * 0.75),
    spec: { ...size, layer },
  };
}

/** Width in px of a panel's title block: one panel, or a row of facet columns. */
export function titleWidth(g: GridLayout, style: FigureStyle, layout?: LayoutVariant): number {
  if (!g.facet) return g.width;
  const cols = g.facet.names.length === 2 ? g.facet.domains[1]!.length : facetColumns(g.facet.domains[0]!.length, layout);
  return cols * g.width + (cols - 1) * typeScale(style.fontSize).spacing;
}

/** Light-grey rect layer under every cell (what an empty cell looks like). */
export function backgroundLayer(g: GridLayout, style: FigureStyle): Record<string, unknown> {
  return placed(g, 'rect', style, { mark: { type: 'rect', fill: EMPTY_CELL_COLOR, stroke: 'white', strokeWidth: 1 } });
}

/**
 * Text/outline colour from the row's `ink` field ('#ffffff' or '#000000') as
 * a conditional value, so it creates no scale and no legend that could merge
 * with the fill colour of the cells.
 */
export function inkEncoding(): Record<string, unknown> {
  return { condition: { test: "datum.ink === '#ffffff'", value: '#ffffff' }, value: '#000000' };
}
