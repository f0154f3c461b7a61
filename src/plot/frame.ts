/**
 * The frame of a figure: Vega-Lite `config` (fonts, sizes, colours), the
 * top-level wrapper ($schema, padding, figure title), panel titles with
 * notes, and panels side by side or stacked. Pure.
 */
import type { PlotOptions, VlSpec } from './options.js';
import { defaultStyle, typeScale, wrapText, type FigureStyle } from './style.js';

/** Panel title with grey notes (wrapped to `width` px) when the style shows notes. */
export function panelTitle(text: string, notes: string[], style: FigureStyle, width: number): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const lines = style.notes ? notes.flatMap((n) => wrapText(style, n, ts.note, Math.max(width, 80))) : [];
  return lines.length ? { text, subtitle: lines } : { text };
}

/** Vega-Lite `config`: font, sizes (px from the style's pt), white background, grey notes. */
export function figureConfig(style: FigureStyle = defaultStyle()): Record<string, unknown> {
  const ts = typeScale(style.fontSize);
  const f = style.font;
  const label = { labelFont: f, labelFontSize: ts.label, titleFont: f, titleFontSize: ts.title, titleFontWeight: 'normal' };
  return {
    font: f,
    background: 'white',
    view: { stroke: null },
    title: {
      font: f, fontSize: ts.panelTitle, fontWeight: 'bold', subtitleFont: f, subtitleFontSize: ts.note, subtitleColor: '#555555',
      anchor: 'start', offset: Math.round(ts.label * 0.5), subtitlePadding: 2,
    },
    axis: {
      ...label, labelColor: '#222222', titleColor: '#222222', domainColor: '#888888', tickColor: '#888888',
      titlePadding: Math.round(ts.label * 0.4), labelPadding: 2, tickSize: Math.max(3, Math.round(ts.label * 0.4)),
    },
    legend: {
      ...label, labelLimit: 400, titleLimit: 400, symbolStrokeWidth: 0, titlePadding: 3, rowPadding: 2,
      symbolSize: Math.round(ts.label ** 2 * 1.1), gradientThickness: Math.max(8, Math.round(ts.label * 0.9)),
    },
    header: { ...label, labelFontSize: ts.label, labelPadding: 2, titlePadding: 2 },
    text: { font: f, fontSize: ts.label },
    mark: { font: f },
    concat: { spacing: ts.spacing },
    facet: { spacing: Math.round(ts.spacing * 0.75) },
  };
}

/** Wraps a sub-spec into a top-level spec with $schema, config and padding; `title` becomes the figure title. */
export function topLevel(spec: VlSpec, opts: Pick<PlotOptions, 'title' | 'style' | 'wrapWidth'>): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  let t = spec.title;
  if (opts.title) {
    // a single panel keeps its own title as the first subtitle line
    const own = spec.title as { text?: string; subtitle?: string[] } | undefined;
    const subtitle = own?.text === undefined ? [] : [own.text, ...(own.subtitle ?? [])];
    const lines = opts.wrapWidth ? wrapText(style, opts.title, ts.figureTitle, opts.wrapWidth, true) : [opts.title];
    t = { text: lines.length === 1 ? lines[0] : lines, fontSize: ts.figureTitle, ...(subtitle.length ? { subtitle } : {}) };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...spec,
    ...(t === undefined ? {} : { title: t }),
    background: 'white',
    padding: ts.padding,
    config: figureConfig(style),
  };
}

/** Panels side by side (hconcat) or stacked (vconcat: when asked, or when faceted). */
export function concatPanels(panels: VlSpec[], opts: PlotOptions): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const stacked = opts.layout?.stack ?? panels.some((p) => 'facet' in p);
  return topLevel(
    {
      ...(stacked ? { vconcat: panels } : { hconcat: panels }),
      spacing: ts.spacing,
      resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    },
    opts,
  );
}
