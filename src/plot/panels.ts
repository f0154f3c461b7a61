/**
 * Heat-map panels over a sweep's grid: the regime panel (categorical) and
 * the metric panel (continuous colour bar). Each returns a sub-spec (no
 * $schema/config) that ./frame.ts wraps into a figure or concatenates. Pure.
 */
import { REGIMES, type CellSummary, type Regime } from '../outcome/types.js';
import { agreementText, backgroundLayer, baseRows, finiteOrNull, gridLayout, inkEncoding, MIN_CELL_TEXT, placed, placeOnGrid, titleWidth } from './grid.js';
import { formatNumber } from './format.js';
import { panelTitle } from './frame.js';
import { legendPlacement, metricDomain, schemeColor } from './legend.js';
import type { MetricMapOptions, PlotOptions, VlSpec } from './options.js';
import { defaultStyle, inkOn, measureWith, typeScale } from './style.js';
import { metricLabel, regimeWord } from './vocabulary.js';

// ---------------------------------------------------------------------------
// regime map

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
    return {
      ...r,
      regime,
      agreement: run ? finiteOrNull(c.agreement) : null,
      agreementText: run ? agreementText(c) : '',
      disagree: run && c.agreement < 1,
      ink: regime ? inkOn(colors[regime]) : '#000000',
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
  if (marks.length) notes.push(marks.join('; '));
  // the notes may run over the legend column (when the legend is at the right)
  const legendW = opts.layout?.legend === 'bottom' ? 0 : Math.max(...REGIMES.map((r) => measureWith(style, regimeWord(r, style), ts.label))) + 1.5 * ts.label;
  return placeOnGrid(g, rows, layer, panelTitle(style.labels['regime-map'] ?? 'regime map', notes, style, titleWidth(g, style, opts.layout) + legendW), style, opts.layout);
}


/** The metric map as a sub-spec (no top-level props); see metricMapSpec. */
export function metricPanel(cells: readonly CellSummary[], axes: readonly string[], metric: string, opts: MetricMapOptions): VlSpec {
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

