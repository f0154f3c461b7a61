/** Plotting: Vega-Lite spec builders (pure) and rendering to SVG/PNG. */
export {
  AXIS_LABELS,
  EMPTY_CELL_COLOR,
  FONT,
  METRIC_LABELS,
  REGIME_COLORS,
  agreementText,
  axisLabel,
  axisSymbol,
  figureConfig,
  formatNumber,
  isLogSpaced,
  metricDomain,
  metricMapSpec,
  phaseDiagramSpec,
  regimeMapSpec,
  sortAxisValues,
  tickLabels,
} from './specs.js';
export type { MetricMapOptions, PlotOptions, VlSpec } from './specs.js';
export { renderSvg, svgToPng, writeFigure } from './render.js';
export type { RenderOptions } from './render.js';
