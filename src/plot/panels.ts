/**
 * Heat-map panels over a sweep's grid: the regime panel (categorical) and
 * the metric panel (continuous colour bar). Each returns a sub-spec (no
 * $schema/config) that ./frame.ts wraps into a figure or concatenates. Pure.
 */
import { agreementText, backgroundLayer, baseRows, finiteOrNull, gridLayout, inkEncoding, MIN_CELL_TEXT, placed, placeOnGrid, titleWidth } from './grid.js';
import { formatNumber } from './format.js';
import { panelTitle } from './frame.js';
import { colorBar, legendPlacement, metricDomain, regimeLegend, regimeScale, schemeColor } from './legend.js';
import type { MetricMapOptions, PlotOptions, VlSpec } from './options.js';
import { defaultStyle, inkOn, measureWith, typeScale, type FigureStyle } from './style.js';
import { metricLabel, plainText, regimeWord, WORDS } from './vocabulary.js';
import { REGIMES, type CellSummary, type Regime } from '../core/records.js';

/** Per-seed text of each cell (cellKey → "seed 0: …; seed 1: …") for tooltips; see PlotOptions.seedText. */
function seedTooltip(opts: PlotOptions): Record<string, unknown>[] {
  return opts.seedText ? [{ field: 'seedText', type: 'nominal', title: WORDS.seeds }] : [];
}

/**
 * Cells outside the theorem's assumptions (SPEC §9; CellSummary.assumptions):
 * hatched with strokes from top left to bottom right — the other diagonal
 * than the undecidable cells' hatching, so both read where they meet — on
 * every map. Returns the layer (or none) and the note that says what it means.
 */
function outsideLayer(g: ReturnType<typeof gridLayout>, style: FigureStyle, rows: readonly { outside: boolean }[], tooltip: unknown[]): { layer: Record<string, unknown>[]; note: string[] } {
  if (!rows.some((r) => r.outside)) return { layer: [], note: [] };
  return {
    layer: [placed(g, 'point', style, {
      mark: { type: 'point', shape: 'M-1,0L0,1M-1,-1L1,1M0,-1L1,0', filled: false, size: g.cell ** 2, strokeWidth: 0.6, stroke: '#666666', opacity: 0.7 },
      encoding: { tooltip },
    }, 'datum.outside')],
    note: [`hatched ╲: outside the theorem's assumptions (${rows.filter((r) => r.outside).length} of ${rows.length} cells: the theorem says nothing there)`],
  };
}

/** Whether every label fits in a cell of `side` px at `sizePx` (1 px margin each side). */
function fitsInCell(style: FigureStyle, labels: readonly string[], sizePx: number, side: number): boolean {
  return labels.every((l) => measureWith(style, l, sizePx) <= side - 3);
}

/** The regime map as a sub-spec (no top-level props); see regimeMapSpec. */
export function regimePanel(cells: readonly CellSummary[], axes: readonly string[], opts: PlotOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const g = gridLayout(cells, axes, opts, style);
  const colors = style.palette.regimes;
  const rows = baseRows(cells, g).map((r, i) => {
    const c = cells[i]!;
    const run = (r.count as number) > 0 && c.regime !== null && REGIMES.includes(c.regime);
    const regime = run ? (c.regime as Regime) : null;
    // a tie: another regime has as many seeds as the drawn one (drawn: the first in legend order)
    const tie = run && REGIMES.some((q) => q !== regime && Math.abs((c.regimeFractions?.[q] ?? 0) - c.agreement) < 1e-9);
    return {
      ...r,
      regime,
      regimeText: regime ? plainText(regimeWord(regime, style)) : '',
      agreement: run ? finiteOrNull(c.agreement) : null,
      agreementText: run ? (tie ? WORDS.tie : agreementText(c)) : '',
      disagree: run && c.agreement < 1,
      tie,
      short: opts.notReached?.has(c.cellKey) ?? false,
      seedText: opts.seedText?.get(c.cellKey) ?? '',
      ink: regime ? inkOn(colors[regime]) : '#000000',
      // best reachable test error ≥ δ: benign overfitting impossible here (SPEC §7; src/outcome/theory.ts)
      undecidable: c.theory?.undecidable === true,
      outside: c.assumptions?.inside === false,
    };
  });
  const drawn = REGIMES.filter((q) => rows.some((r) => r.regime === q));
  // every layer drawn over a cell carries the cell's tooltip (the top mark takes the pointer)
  const tooltip = [
    { field: 'cellKey', type: 'nominal', title: WORDS.cell },
    { field: 'regimeText', type: 'nominal', title: WORDS.regime },
    { field: 'agreementText', type: 'nominal', title: WORDS.seedsAgreeing },
    ...seedTooltip(opts),
  ];
  const layer: Record<string, unknown>[] = [
    backgroundLayer(g, style),
    placed(g, 'rect', style, {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'regime',
          type: 'nominal',
          scale: regimeScale(drawn, style),
          legend: drawn.length ? { ...regimeLegend(style), ...legendPlacement(opts.layout, false, g, style) } : null,
        },
        tooltip,
      },
    }, 'datum.regime != null'),
  ];
  if (rows.some((r) => r.undecidable)) {
    // hatching (three diagonal strokes across the cell) over undecidable cells
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'M-1,0L0,-1M-1,1L1,-1M0,1L1,0', filled: false, size: g.cell ** 2, strokeWidth: 0.8, stroke: '#444444', opacity: 0.8 },
      encoding: { tooltip },
    }, 'datum.undecidable'));
  }
  const outside = outsideLayer(g, style, rows, tooltip);
  layer.push(...outside.layer);
  // "k/n" (or "tie") in the cell only when every such label fits at ≥ MIN_CELL_TEXT px
  const texts = rows.map((r) => r.agreementText).filter(Boolean);
  // the label must fit inside the dashed box of a disagreeing cell, not only inside the cell
  const box = Math.max(4, g.cell - Math.max(4, g.cell * 0.14));
  let textPx = Math.min(ts.label, Math.floor(g.cell * 0.45 * 10) / 10);
  while (textPx >= MIN_CELL_TEXT && !fitsInCell(style, texts, textPx, box - 1)) textPx = Math.round((textPx - 0.5) * 10) / 10;
  const withText = textPx >= MIN_CELL_TEXT && g.cell >= 12 && texts.length > 0;
  if (withText) {
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'square', filled: false, size: box ** 2, strokeWidth: 1, strokeDash: [3, 2] },
      encoding: { stroke: inkEncoding(), tooltip },
    }, 'datum.disagree'));
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: textPx, baseline: 'middle', align: 'center' },
      encoding: { text: { field: 'agreementText', type: 'nominal' }, color: inkEncoding(), tooltip },
    }, 'datum.regime != null'));
  } else {
    // cells too small for text: mark disagreement with a small dot
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'circle', filled: true, size: Math.max(3, (g.cell / 4) ** 2) },
      encoding: { color: inkEncoding(), tooltip },
    }, 'datum.disagree'));
  }
  if (rows.some((r) => r.short)) {
    // trials that stopped before this panel's step: their last state is drawn, marked with a corner triangle
    layer.push(placed(g, 'point', style, {
      mark: { type: 'point', shape: 'triangle-down', filled: true, size: Math.max(6, (g.cell / 3.2) ** 2), xOffset: -g.cell * 0.3, yOffset: -g.cell * 0.3 },
      encoding: { color: inkEncoding(), tooltip },
    }, 'datum.short'));
  }
  const anyTie = rows.some((r) => r.tie);
  const notes = [withText
    ? `most frequent regime of the seeds; k/n = seeds in it${anyTie ? '; tie = seeds split evenly (colour: first in legend)' : ''}`
    : `most frequent regime of the seeds${anyTie ? ' (ties: first in legend)' : ''}`];
  const marks: string[] = [];
  if (rows.some((r) => r.disagree)) marks.push(withText ? 'dashed box: seeds disagree' : 'dot: seeds disagree');
  if (rows.some((r) => r.short)) marks.push('▼: a trial stopped earlier (its last state shown)');
  if (rows.some((r) => r.regime === null)) marks.push(WORDS.notRun);
  if (rows.some((r) => r.undecidable)) marks.push('hatched ╱: benign impossible (best reachable test error ≥ δ)');
  marks.push(...outside.note);
  if (marks.length) notes.push(marks.join('; '));
  // the notes may run over the legend column (when the legend is at the right)
  const legendW = opts.layout?.legend === 'bottom' || !drawn.length ? 0 : Math.max(...drawn.map((r) => measureWith(style, regimeWord(r, style), ts.label))) + 1.5 * ts.label;
  return placeOnGrid(g, rows, layer, panelTitle(style.labels['regime-map'] ?? WORDS.regimeMap, notes, style, titleWidth(g, style, opts.layout) + legendW), style, opts.layout);
}

/** The metric map as a sub-spec (no top-level props); see metricMapSpec. */
export function metricPanel(cells: readonly CellSummary[], axes: readonly string[], metric: string, opts: MetricMapOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const g = gridLayout(cells, axes, opts, style);
  const values = cells.map((c) => ((c.count ?? 0) > 0 ? finiteOrNull(c.metrics?.[metric]?.mean) : null));
  const domain = opts.domain ?? opts.domains?.[metric] ?? metricDomain(metric, values.filter((v): v is number => v !== null));
  const [lo, hi] = domain;
  const seq = opts.scheme ?? style.palette.sequential;
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
      seedText: opts.seedText?.get(cells[i]!.cellKey) ?? '',
      // text ink that contrasts with the cell's own colour
      ink: inkOn(schemeColor(seq, t)),
      outside: cells[i]!.assumptions?.inside === false,
    };
  });
  const legendTitle = opts.legendTitle ?? metricLabel(metric, style);
  const mTooltip = [
    { field: 'cellKey', type: 'nominal', title: WORDS.cell },
    { field: 'value', type: 'quantitative', title: plainText([legendTitle].flat()[0]!), format: '.4~g' },
    { field: 'sd', type: 'quantitative', title: 'sd over seeds', format: '.3~g' },
    ...seedTooltip(opts),
  ];
  const layer: Record<string, unknown>[] = [
    backgroundLayer(g, style),
    placed(g, 'rect', style, {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          scale: { scheme: seq, domain, clamp: true, nice: false },
          legend: { title: legendTitle, ...colorBar(domain, opts.layout, g, style) },
        },
        tooltip: mTooltip,
      },
    }, 'isValid(datum.value) && isFinite(datum.value)'),
  ];
  const outside = outsideLayer(g, style, rows, mTooltip);
  layer.push(...outside.layer);
  // values in the cells only when every one fits inside its cell (else the colour bar tells)
  const valueTexts = rows.map((r) => r.valueText).filter(Boolean);
  let textPx = Math.min(ts.label, Math.floor((g.cell / 2) * 10) / 10);
  while (textPx >= MIN_CELL_TEXT && !fitsInCell(style, valueTexts, textPx, g.cell)) textPx = Math.round((textPx - 0.5) * 10) / 10;
  const withText = textPx >= MIN_CELL_TEXT && valueTexts.length > 0;
  // a second, smaller line "±sd" when it fits too and the cell holds ~3 text lines
  const sdPx = Math.round(textPx * 0.8 * 10) / 10;
  const withSd = withText && g.cell >= 3 * textPx && rows.some((r) => r.sdText !== '')
    && fitsInCell(style, rows.map((r) => r.sdText).filter(Boolean), sdPx, g.cell);
  if (withText) {
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: textPx, baseline: 'middle', align: 'center', ...(withSd ? { dy: -0.45 * textPx } : {}) },
      encoding: { text: { field: 'valueText', type: 'nominal' }, color: inkEncoding(), tooltip: mTooltip },
    }, 'isValid(datum.value) && isFinite(datum.value)'));
  }
  if (withSd) {
    layer.push(placed(g, 'point', style, {
      mark: { type: 'text', fontSize: sdPx, baseline: 'middle', align: 'center', dy: 0.65 * textPx },
      encoding: { text: { field: 'sdText', type: 'nominal' }, color: inkEncoding(), tooltip: mTooltip },
    }, "isValid(datum.value) && isFinite(datum.value) && datum.sdText != ''"));
  }
  const first = Array.isArray(legendTitle) ? legendTitle[0]! : legendTitle;
  const notes = [`mean${withSd ? ' ± sd' : ''} over seeds${withText ? ' (in cell)' : ''}`];
  if (rows.some((r) => r.value === null)) notes.push(WORDS.notRunOrNoValue);
  notes.push(...outside.note);
  const legendW = opts.layout?.legend === 'bottom' ? 0 : Math.max(...[legendTitle].flat().map((l) => measureWith(style, l, ts.label))) + ts.label;
  return placeOnGrid(g, rows, layer, panelTitle(first, notes, style, titleWidth(g, style, opts.layout) + legendW), style, opts.layout);
}

/** Options of {@link linePanel}. */
export interface LinePanelOptions {
  /** rows of the panel's data */
  data: readonly Record<string, unknown>[];
  x: { field: string; title: string; tickCount?: number };
  y: { field: string; title: string; domain?: readonly [number, number]; tickCount?: number };
  /** the series field, its legend title, the series in order, their colours and (optional) dash patterns */
  series: { field: string; title: string; domain: readonly string[]; colors: readonly string[]; dashes?: readonly (readonly number[])[] };
  width: number;
  height: number;
  title?: Record<string, unknown>;
  /** extra legend properties (placement); null: no legend */
  legend?: Record<string, unknown> | null;
}

/**
 * A line panel on quantitative axes (series told apart by colour, and by
 * dash when `series.dashes` is given — the legend then shows the dashes
 * too, one legend for both). A sub-spec for frame.ts; lines clipped to the
 * plotting area. Used by the trajectory figure; a building block for others.
 */
export function linePanel(o: LinePanelOptions): VlSpec {
  const legend = o.legend === null ? null : { title: o.series.title, symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 22 * 22, labelLimit: 400, ...(o.legend ?? {}) };
  const s = o.series;
  return {
    width: o.width,
    height: o.height,
    ...(o.title ? { title: o.title } : {}),
    data: { values: o.data },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: o.x.field, type: 'quantitative', axis: { title: o.x.title, grid: false, ...(o.x.tickCount ? { tickCount: o.x.tickCount } : {}) } },
      y: {
        field: o.y.field, type: 'quantitative', ...(o.y.domain ? { scale: { domain: o.y.domain } } : {}),
        axis: { title: o.y.title, grid: true, gridColor: '#eeeeee', ...(o.y.tickCount ? { tickCount: o.y.tickCount } : {}) },
      },
      color: { field: s.field, type: 'nominal', scale: { domain: s.domain, range: s.colors }, legend },
      // same field and legend as the colour: vega-lite merges them, so the legend symbols are dashed like the lines
      ...(s.dashes ? { strokeDash: { field: s.field, type: 'nominal', scale: { domain: s.domain, range: s.dashes }, legend } } : {}),
    },
  };
}
