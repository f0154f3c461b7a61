/**
 * Colour scales and legends: regime colours and the regime legend (only the
 * regimes drawn), continuous colour domains and colour bars, legend
 * placement per layout variant. Pure.
 */
import { scheme } from 'vega';
import type { Regime } from '../outcome/types.js';
import type { LayoutVariant } from './options.js';
import { PALETTES, typeScale, type FigureStyle } from './style.js';
import type { GridLayout } from './grid.js';

/** Metrics that are fractions in [0, 1]. */
const FRACTION_METRICS = new Set(['trainAcc', 'cleanFit', 'noisyFit']);

/**
 * Fixed colour of each regime in the default palette (Okabe–Ito, colour-blind
 * safe), so a regime has the same colour in every figure. Other palettes: see
 * PALETTES in ./style.ts.
 */
export const REGIME_COLORS: Readonly<Record<Regime, string>> = PALETTES['okabe-ito'].regimes;

/** Legend placement properties for a layout variant. */
export function legendPlacement(layout: LayoutVariant | undefined, gradient: boolean, g: GridLayout, style: FigureStyle): Record<string, unknown> {
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
export function schemeColor(name: string, t: number): string {
  const f = scheme(name) as ((t: number) => string) | undefined;
  return typeof f === 'function' ? f(Math.max(0, Math.min(1, t))) : '#888888';
}
