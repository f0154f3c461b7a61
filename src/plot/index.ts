/** Plotting: Vega-Lite spec builders (pure), rendering to SVG/PNG/PDF, and the figures of a sweep. */
export {
  AXIS_LABELS,
  EMPTY_CELL_COLOR,
  FONT,
  METRIC_LABELS,
  REGIME_COLORS,
  REGIME_WORDS,
  agreementText,
  axisLabel,
  axisSymbol,
  figureConfig,
  formatNumber,
  horizonRegimeSpec,
  isLinSpaced,
  isLogSpaced,
  linearTicks,
  logTicks,
  lossMapsSpec,
  metricDomain,
  metricLabel,
  metricMapSpec,
  phaseDiagramSpec,
  regimeMapSpec,
  regimeWord,
  sortAxisValues,
  tickLabels,
} from './specs.js';
export type { LayoutVariant, MetricMapOptions, PanelSize, PlotOptions, VlSpec } from './specs.js';
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
export { renderSweepFigures, resolvePlotSettings, sweepFigures, trajectoryFigure } from './figures.js';
export type { PlotSettings, PlotSettingsInput, SweepFigureOptions } from './figures.js';
