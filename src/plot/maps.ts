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
 * neighbours, with a tick at every grid value. Other axes (strings, irregular or fewer values)
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
import { concatPanels, topLevel } from './frame.js';
import type { MetricMapOptions, PlotOptions, VlSpec } from './options.js';
import { metricPanel, regimePanel } from './panels.js';
import type { CellSummary } from '../core/records.js';

/**
 * Regime map: a categorical heat map (rect marks) of each cell's majority
 * final regime over the swept `axes` (axes[0] on x, axes[1] on y, further
 * axes as facets — see the module docstring), coloured with the style's
 * palette (default {@link REGIME_COLORS}); the colour legend "regime" lists
 * the regimes drawn, in the order of {@link REGIMES}, in words.
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