/**
 * Figure options (size, resolution, font, palette, titles, labels, formats):
 * parsing of user input, defaults, palettes, and the derived type scale.
 * Pure: no I/O (fonts are resolved in ./fonts.ts).
 *
 * Units. Figures are laid out in CSS pixels, 96 px = 1 in (the unit of SVG
 * user space, of browsers and of Inkscape), so a figure W px wide is W/96 in
 * wide in print: PNG pixels = W/96 · dpi, PDF points = W · 72/96.
 * Font sizes are given in typographic points (1 pt = 1/72 in = 4/3 px).
 */
import { scheme as vegaScheme } from 'vega';
import { REGIMES, type Regime, FINAL_METRICS } from '../core/records.js';

/** CSS pixels per inch (SVG user units, 96 dpi). */
export const PX_PER_IN = 96;
/** Output files a figure can be written as (besides its .vl.json spec). */
export const FIGURE_FORMATS = ['svg', 'png', 'pdf'] as const;
/** One of {@link FIGURE_FORMATS}. */
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** Thrown for an invalid option value; the message is one line without the option name (callers prefix it). */
export class StyleOptionError extends Error {
  override name = 'StyleOptionError';
}

const LENGTH_HINT = 'expected a length like 8.5cm, 3.3in or 640px';
const UNIT_PX: Readonly<Record<string, number>> = { px: 1, in: PX_PER_IN, cm: PX_PER_IN / 2.54, mm: PX_PER_IN / 25.4, pt: PX_PER_IN / 72 };
/** Smallest and largest figure side accepted: 1 in and 100 in. */
export const MIN_FIGURE_PX = PX_PER_IN;
/** See {@link MIN_FIGURE_PX}. */
export const MAX_FIGURE_PX = 100 * PX_PER_IN;

/**
 * Parses a length — a number with unit px, pt, mm, cm or in ("8.5cm",
 * "3.3 in", "640px"); a bare number (or a JS number) means px — into CSS px
 * (96 per inch), e.g. "8.5cm" → 321.26, "1in" → 96.
 * @throws StyleOptionError "expected a length like 8.5cm, 3.3in or 640px" on
 *   bad syntax or a non-positive value, or when outside [1 in, 100 in]
 */
export function parseLength(value: string | number): number {
  let px: number;
  if (typeof value === 'number') px = value;
  else {
    const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(px|pt|mm|cm|in)?\s*$/i.exec(value);
    if (!m) throw new StyleOptionError(`${LENGTH_HINT}, got ${JSON.stringify(value)}`);
    px = Number(m[1]) * UNIT_PX[(m[2] ?? 'px').toLowerCase()]!;
  }
  if (!Number.isFinite(px) || px <= 0) throw new StyleOptionError(`${LENGTH_HINT}, got ${JSON.stringify(value)}`);
  if (px < MIN_FIGURE_PX) throw new StyleOptionError(`${JSON.stringify(value)} is too small (at least 2.54cm = 1in = 96px)`);
  if (px > MAX_FIGURE_PX) throw new StyleOptionError(`${JSON.stringify(value)} is too large (at most 100in)`);
  return px;
}

/**
 * Parses a font size in pt: a number ("9", 9) or a number with unit pt or px
 * ("9pt", "12px" = 9 pt). Accepted range 4–36 pt.
 * @throws StyleOptionError "expected a size in pt like 8 or 9pt"
 */
export function parseFontSize(value: string | number): number {
  let pt: number;
  if (typeof value === 'number') pt = value;
  else {
    const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(pt|px)?\s*$/i.exec(value);
    if (!m) throw new StyleOptionError(`expected a size in pt like 8 or 9pt, got ${JSON.stringify(value)}`);
    pt = Number(m[1]) * ((m[2] ?? 'pt').toLowerCase() === 'px' ? 0.75 : 1);
  }
  if (!Number.isFinite(pt) || pt < 4 || pt > 36) throw new StyleOptionError(`expected a size between 4 and 36 pt, got ${JSON.stringify(value)}`);
  return pt;
}

/**
 * Parses a PNG resolution in dots per inch: an integer 50–2400.
 * @throws StyleOptionError "expected an integer between 50 and 2400"
 */
export function parseDpi(value: string | number): number {
  const x = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(x) || x < 50 || x > 2400) throw new StyleOptionError(`expected an integer between 50 and 2400, got ${JSON.stringify(value)}`);
  return x;
}

/**
 * Parses a list of output formats: "svg,png,pdf" or an array of names;
 * duplicates removed, order kept.
 * @throws StyleOptionError on an empty list or an unknown name
 */
export function parseFormats(value: string | readonly string[]): FigureFormat[] {
  const items = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => String(s).trim().toLowerCase()).filter((s) => s !== '');
  if (!items.length) throw new StyleOptionError(`expected a comma-separated list of ${FIGURE_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
  for (const f of items) {
    if (!(FIGURE_FORMATS as readonly string[]).includes(f)) throw new StyleOptionError(`unknown format ${JSON.stringify(f)} (expected ${FIGURE_FORMATS.join(', ')})`);
  }
  return [...new Set(items)] as FigureFormat[];
}

// ---------------------------------------------------------------------------
// palettes

/** Names of the palettes (see {@link PALETTES}). */
export type PaletteName = 'okabe-ito' | 'tol' | 'greyscale';

/** Colours of one palette. */
export interface Palette {
  name: PaletteName;
  /** one fill per regime; distinct under the common colour-vision deficiencies */
  regimes: Readonly<Record<Regime, string>>;
  /** Vega scheme of the sequential metric maps (perceptually uniform) */
  sequential: string;
  /** categorical line colours (token kinds, fit metrics), at least 4 */
  lines: readonly string[];
}

/**
 * The palettes: `okabe-ito` (default; Okabe & Ito 2008, colour-blind safe,
 * metric maps viridis), `tol` (Paul Tol's "bright" scheme, colour-blind
 * safe, metric maps cividis) and `greyscale` (print without colour: regimes
 * as grey levels ordered light → dark by how badly the model overfits, metric
 * maps light → dark greys).
 */
export const PALETTES = {
  'okabe-ito': {
    name: 'okabe-ito',
    regimes: {
      'not-overfitting': '#0072B2', // blue
      'benign-overfitting': '#009E73', // bluish green
      'harmful-overfitting': '#D55E00', // vermillion
      partial: '#CC79A7', // reddish purple (orange was too close to vermillion)
      untrained: '#F0E442', // yellow (grey is for cells not yet run)
      diverged: '#000000', // black
    },
    sequential: 'viridis',
    lines: ['#0072B2', '#D55E00', '#009E73', '#999999', '#000000', '#CC79A7'],
  },
  tol: {
    name: 'tol',
    regimes: {
      'not-overfitting': '#4477AA', // blue
      'benign-overfitting': '#228833', // green
      'harmful-overfitting': '#EE6677', // red
      partial: '#CCBB44', // yellow
      untrained: '#66CCEE', // cyan (grey is for cells not yet run)
      diverged: '#000000',
    },
    sequential: 'cividis',
    lines: ['#4477AA', '#EE6677', '#228833', '#BBBBBB', '#000000', '#AA3377'],
  },
  greyscale: {
    name: 'greyscale',
    regimes: {
      'not-overfitting': '#E0E0E0',
      'benign-overfitting': '#A6A6A6',
      partial: '#7A7A7A',
      'harmful-overfitting': '#4D4D4D',
      untrained: '#FFFFFF',
      diverged: '#000000',
    },
    sequential: 'greys',
    lines: ['#000000', '#555555', '#888888', '#BBBBBB', '#333333', '#AAAAAA'],
  },
} as const satisfies Record<PaletteName, Palette>;
/** The palette names, default first. */
export const PALETTE_NAMES = Object.keys(PALETTES) as PaletteName[];

/**
 * The palette called `name`.
 * @throws StyleOptionError naming the known palettes
 */
export function parsePalette(name: string): Palette {
  const p = (PALETTES as Record<string, Palette>)[String(name).trim().toLowerCase()];
  if (!p) throw new StyleOptionError(`unknown palette ${JSON.stringify(name)} (expected ${PALETTE_NAMES.join(', ')})`);
  return p;
}

/** WCAG relative luminance of a "#rrggbb" or "rgb(r, g, b)" colour, in [0, 1]; NaN if unparsable. */
export function luminance(color: string): number {
  let rgb: number[] | null = null;
  const hex = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (hex) rgb = [0, 2, 4].map((k) => parseInt(hex[1]!.slice(k, k + 2), 16));
  const fn = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(color.trim());
  if (fn) rgb = [fn[1], fn[2], fn[3]].map(Number);
  if (!rgb) return NaN;
  const lin = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}

/** Black or white, whichever contrasts more with `fill` (text drawn on it). */
export function inkOn(fill: string): '#000000' | '#ffffff' {
  const l = luminance(fill);
  // contrast with white (1.05/(l+.05)) vs with black ((l+.05)/.05) break even at l ≈ 0.179
  return Number.isFinite(l) && l < 0.179 ? '#ffffff' : '#000000';
}

// ---------------------------------------------------------------------------
// style of a figure

/** What a figure looks like (not where or how large it is written). */
export interface FigureStyle {
  /** font family of every text element; must be installed (see ./fonts.ts) */
  font: string;
  /** base font size in pt: tick labels, axis and legend titles */
  fontSize: number;
  palette: Palette;
  /** axis / metric label overrides by name (e.g. snr → "signal-to-noise ratio") */
  labels: Readonly<Record<string, string>>;
  /** explanatory subtitles ("k/n = seeds agreeing", …) under panel titles */
  notes: boolean;
  /**
   * width in px of `text` at `sizePx` (bold if `bold`) in this style's font;
   * used to wrap titles and size cells. Default: an estimate of 0.6 em per
   * character (render.ts passes the real font metrics).
   */
  measure?: (text: string, sizePx: number, bold?: boolean) => number;
}

/** The default font: the one installed on every render host. */
export const DEFAULT_FONT = 'DejaVu Sans';
/** Default base font size (pt): right for a figure set at its printed width. */
export const DEFAULT_FONT_SIZE = 8;
/** Default PNG resolution (dots per inch), print quality. */
export const DEFAULT_DPI = 300;

/** The default style: DejaVu Sans 8 pt, Okabe–Ito, notes on. */
export function defaultStyle(): FigureStyle {
  return { font: DEFAULT_FONT, fontSize: DEFAULT_FONT_SIZE, palette: PALETTES['okabe-ito'], labels: {}, notes: true };
}

/** Font sizes and spacings in px derived from a style's base size (pt). */
export interface TypeScale {
  /** tick labels, legend labels, axis and legend titles, facet headers */
  label: number;
  title: number;
  /** panel titles (bold) */
  panelTitle: number;
  /** figure title (bold) */
  figureTitle: number;
  /** subtitles / notes (grey) */
  note: number;
  /** padding around the whole figure */
  padding: number;
  /** space between panels */
  spacing: number;
}

/** The type scale of `fontSize` pt: labels and titles at the base size, panel titles +1 pt, figure title +2 pt, notes −1 pt. */
export function typeScale(fontSize: number): TypeScale {
  const px = (pt: number) => Math.round(pt * (4 / 3) * 100) / 100;
  const base = px(fontSize);
  return {
    label: base,
    title: base,
    panelTitle: px(fontSize + 1),
    figureTitle: px(fontSize + 2),
    note: px(Math.max(4, fontSize - 1)),
    padding: Math.max(4, Math.round(base * 0.6)),
    spacing: Math.max(8, Math.round(base * 1.5)),
  };
}

/** Width of `text` in px by the style's measure, or the 0.6 em per character estimate. */
export function measureWith(style: FigureStyle, text: string, sizePx: number, bold = false): number {
  return style.measure ? style.measure(text, sizePx, bold) : text.length * sizePx * (bold ? 0.66 : 0.6);
}

/** Binary operators around which a line never breaks: "d = 2000" stays one unit. */
const GLUE = new Set(['=', '≈', '<', '>', '≤', '≥', '×', '·', '+', '−', '/', '~', '∝']);

/** Words with each "a op b" expression joined into one unit (spaces kept). */
function glueExpressions(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (GLUE.has(w) && out.length && i + 1 < words.length) {
      out[out.length - 1] = `${out[out.length - 1]} ${w} ${words[i + 1]}`;
      i++;
    } else out.push(w);
  }
  return out;
}

/**
 * Splits `text` into lines no wider than `maxWidth` px (words are never
 * broken, nor expressions "a = b"; a single over-long unit stays on its own
 * line). Existing line breaks ("\n") are kept.
 */
export function wrapText(style: FigureStyle, text: string, sizePx: number, maxWidth: number, bold = false): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of glueExpressions(para.split(/\s+/).filter(Boolean))) {
      const next = line ? `${line} ${word}` : word;
      if (line && measureWith(style, next, sizePx, bold) > maxWidth) {
        out.push(line);
        line = word;
      } else line = next;
    }
    out.push(line);
  }
  return out;
}

// ---------------------------------------------------------------------------
// names users refer to in options

/** Figures a sweep gets (file base names); `titles` overrides are keyed by these. */
export const FIGURE_NAMES = [
  'phase-diagram', 'loss-maps', 'regime-horizons', 'boundary', 'trajectory',
  'regime-theory-times', 'memorisation-theory-times', 'collapse', 'boundary-slopes', 'delayed-generalisation',
] as const;

/** Per-cell metrics of a sweep (CellSummary.metrics keys; listed once, in src/outcome/aggregate.ts). */
export const METRIC_NAMES = FINAL_METRICS;

/**
 * Names whose label can be overridden with `labels` besides the sweep
 * parameters: metrics (colour-bar titles; "\n" splits lines), regimes (legend
 * entries), `regime` (the regime legend's title), `regime-map` (its panel
 * title) and `step` (training-step axis).
 */
export const LABEL_TARGETS: readonly string[] = [
  ...METRIC_NAMES,
  ...REGIMES,
  'regime', 'regime-map', 'step',
];

/**
 * Parses a font file path: a .ttf or .otf file (checked for existence where
 * it is opened, ./fonts.ts useFontFile).
 * @throws StyleOptionError "expected a .ttf or .otf file"
 */
export function parseFontFile(value: unknown): string {
  if (typeof value !== 'string' || !/\.(ttf|otf)$/i.test(value.trim())) throw new StyleOptionError(`expected a .ttf or .otf file, got ${JSON.stringify(value)}`);
  return value.trim();
}

/**
 * Parses the name of a continuous Vega colour scheme (viridis, magma,
 * cividis, blues, greys, …; https://vega.github.io/vega/docs/schemes/).
 * @throws StyleOptionError naming the value when vega has no such continuous scheme
 */
export function parseScheme(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  const f = name ? (vegaScheme(name) as unknown) : undefined;
  if (typeof f !== 'function') throw new StyleOptionError(`expected a continuous Vega colour scheme such as viridis, magma, cividis, blues or greys, got ${JSON.stringify(value)}`);
  return name;
}

/**
 * Parses a colour domain [min, max] (two finite numbers, min < max): a list
 * [0, 0.5] or a string "0,0.5" / "0:0.5".
 * @throws StyleOptionError "expected [min, max] with min < max"
 */
export function parseDomain(value: unknown, what = 'domain'): [number, number] {
  const parts = typeof value === 'string' ? value.split(/[,:]/).map((x) => (x.trim() === '' ? NaN : Number(x))) : Array.isArray(value) ? value.map(Number) : [];
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!)) {
    throw new StyleOptionError(`expected ${what} as [min, max] with min < max, got ${JSON.stringify(value)}`);
  }
  return [parts[0]!, parts[1]!];
}
