/**
 * Options shared by the figure builders: the spec type, panel sizes, layout
 * variants. Pure types, no code.
 */
import type { FigureStyle } from './style.js';

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
  /** per cell (cellKey), its per-seed values as one line of text, shown in tooltips */
  seedText?: ReadonlyMap<string, string>;
  /** cells (cellKey) with a trial that stopped before the drawn step (regime-horizons): marked ▼ */
  notReached?: ReadonlySet<string>;
  /** colour domain [min, max] per metric (default: see metricDomain) */
  domains?: Readonly<Record<string, readonly [number, number]>>;
  /** Vega colour scheme of continuous maps (default: the palette's) */
  scheme?: string;
}

/** Options of {@link metricMapSpec}. */
export interface MetricMapOptions extends PlotOptions {
  /** colour-bar title; default from {@link METRIC_LABELS} or the metric name */
  legendTitle?: string | string[];
  /** colour domain [min, max]; default: opts.domains[metric], else see metricDomain */
  domain?: readonly [number, number];
}