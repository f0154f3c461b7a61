/**
 * Plotting: Vega-Lite spec builders (pure functions of data → spec objects),
 * rendered in one place (./render.ts: SVG, PNG, PDF), and the figures of a
 * sweep (./figures.ts).
 *
 * Building blocks for new figures (each module pure, no I/O):
 *   vocabulary.ts  every user-facing word and symbol (axisLabel, metricLabel,
 *                  regimeWord, axisSymbol) and typeset subscripts (sub, σ_ε);
 *                  never write a parameter key into a figure directly;
 *   format.ts      number formats and ticks (formatNumber, tickLabels,
 *                  logTicks, linearTicks, isLogSpaced);
 *   grid.ts        heat-map grid layout: axes to x/y/facets, cell edges,
 *                  a tick at every cell value, data rows (gridLayout, placed,
 *                  placeOnGrid);
 *   legend.ts      colour scales and legends: regime legend listing only the
 *                  regimes drawn, continuous colour domains and colour bars
 *                  (regimeScale, regimeLegend, metricDomain, colorBar, legendPlacement);
 *   frame.ts       figure config, top-level wrapper, titles, concatenation
 *                  (figureConfig, topLevel, panelTitle, concatPanels);
 *   panels.ts      heat-map panels over a grid (regimePanel, metricPanel) and
 *                  the line panel on continuous axes (linePanel);
 *   maps.ts, charts.ts  the figures: phase diagram, loss maps, horizons,
 *                  boundary, trajectory.
 * A new figure composes these into a VlSpec and hands it to writeFigure (or
 * a ScalableFigure to fitFigure); it never renders by itself.
 */
export * from './vocabulary.js';
export * from './format.js';
export * from './grid.js';
export * from './legend.js';
export * from './frame.js';
export * from './panels.js';
export * from './maps.js';
export type { LayoutVariant, MetricMapOptions, PanelSize, PlotOptions, VlSpec } from './options.js';
export { boundarySpec, trajectoryRows, trajectorySpec } from './charts.js';
export type { ChartOptions, TrajectoryRow } from './charts.js';
export { fitFigure, renderSvg, setSvgSize, svgToPng, writeFigure } from './render.js';
export type { FigureFiles, FitTarget, FittedFigure, PngOptions, RenderOptions, ScalableFigure, WriteFigureOptions } from './render.js';
export { svgToPdf } from './pdf.js';
export type { PdfOptions } from './pdf.js';
export { measureText, resolveFont, FontNotFoundError } from './fonts.js';
export {
  DEFAULT_DPI, DEFAULT_FONT, DEFAULT_FONT_SIZE, FIGURE_FORMATS, PALETTES, PALETTE_NAMES, defaultStyle, parseDpi, parseFontSize, parseFormats,
  parseLength, parsePalette, typeScale,
} from './style.js';
export type { FigureFormat, FigureStyle, Palette, PaletteName } from './style.js';
export { renderSweepFigures, sweepFigures, trajectoryFigure } from './figures.js';
export type { SweepFigureOptions } from './figures.js';
export { resolvePlotSettings } from './settings.js';
export type { PlotSettings, PlotSettingsInput } from './settings.js';
