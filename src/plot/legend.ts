/**
 * Colour scales and legends: regime colours and the regime legend (only the
 * regimes drawn), continuous colour domains and colour bars, legend
 * placement per layout variant. Pure.
 */
import { scheme } from 'vega';
import { linearTicks } from './format.js';
import type { LayoutVariant } from './options.js';
import { PALETTES, typeScale, type FigureStyle } from './style.js';
import { regimeWord, WORDS } from './vocabulary.js';
import type { GridLayout } from './grid.js';
import { REGIMES, type Regime } from '../core/records.js';

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

/**
 * The regime colour scale over the regimes drawn (`drawn`, in REGIMES order),
 * so the legend lists only those; the style's palette colours.
 */
export function regimeScale(drawn: readonly Regime[], style: FigureStyle): Record<string, unknown> {
  const d = REGIMES.filter((r) => drawn.includes(r));
  return { domain: d, range: d.map((r) => style.palette.regimes[r]) };
}

/** The regime legend: title and entries in words (never the internal keys), square symbols. */
export function regimeLegend(style: FigureStyle): Record<string, unknown> {
  const words = REGIMES.map((r) => `datum.label === ${JSON.stringify(r)} ? ${JSON.stringify(regimeWord(r, style))}`).join(' : ');
  return { title: style.labels.regime ?? WORDS.regime, symbolType: 'square', labelExpr: `${words} : datum.label` };
}

/**
 * A colour bar over `domain`: placed per layout, with tick labels at its two
 * ends and at round values in between (1-2-5 steps, as many as its length
 * allows at ~2.5 label heights apart).
 */
export function colorBar(domain: readonly [number, number], layout: LayoutVariant | undefined, g: GridLayout, style: FigureStyle): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const place = legendPlacement(layout, true, g, style);
  const len = Number(place.gradientLength);
  const [lo, hi] = domain;
  const room = layout?.legend === 'bottom' ? 4 * ts.label : 2.2 * ts.label;
  const k = Math.max(2, Math.floor(len / room));
  const inner = hi > lo ? linearTicks(lo, hi, k + 1).filter((v) => v > lo && v < hi) : [];
  // drop inner ticks too close to an end label
  const gap = (hi - lo) * (room / len) * 0.8;
  const values = hi > lo ? [lo, ...inner.filter((v) => v - lo > gap && hi - v > gap), hi] : [lo];
  return { ...place, values, format: '.3~g', labelOverlap: false };
}

/**
 * Default colour domain of a metric over the given finite values: fractions
 * → [0, 1]; otherwise the data range [min, max] (test error too, so a sweep
 * whose errors span 0.05–0.13 uses the whole colour map), widened to
 * [v/2, 3v/2] (or [0, 1] for v = 0) when degenerate. A sweep file's
 * `plot.domains` (or `plot --domain`) fixes it instead.
 */
export function metricDomain(metric: string, values: readonly number[]): [number, number] {
  if (FRACTION_METRICS.has(metric)) return [0, 1];
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(...values) : 0;
  // errors, losses, times, norms: the data range, so small differences stay visible
  // (the logistic loss is bounded away from 0 when ‖ν‖ = 1/‖μ‖)
  if (max > min) return [min, max];
  return min === 0 ? [0, 1] : [min - Math.abs(min) * 0.5, min + Math.abs(min) * 0.5];
}

/** Colour of a sequential scheme at t ∈ [0, 1] (vega's interpolator); grey if unknown. */
export function schemeColor(name: string, t: number): string {
  const f = scheme(name) as ((t: number) => string) | undefined;
  return typeof f === 'function' ? f(Math.max(0, Math.min(1, t))) : '#888888';
}
