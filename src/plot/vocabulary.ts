/**
 * The words of the figures: axis titles, symbols, metric and regime names —
 * the one place user-facing text is written (internal keys such as
 * `harmful-overfitting` or `tFit` never reach a figure). Pure.
 *
 * Math. Greek letters and ‖·‖ are Unicode glyphs; a subscript that has no
 * Unicode glyph (σ_ε, t_fit) is written with {@link sub}: the subscript text
 * between two invisible format characters (U+2063, U+2064). Text measurement
 * (./fonts.ts) sets it at {@link SUB_SCALE} of the size, the SVG writer
 * (./render.ts, `typesetSvg`) turns it into a lowered, smaller <tspan>, and
 * {@link plainText} drops the markers (tooltips, CSV-like tables).
 */
import type { FigureStyle } from './style.js';
import type { Regime } from '../core/records.js';

/** Opens a subscript (U+2063 INVISIBLE SEPARATOR: default-ignorable, never drawn). */
export const SUB_OPEN = '\u2063';
/** Closes a subscript (U+2064 INVISIBLE PLUS). */
export const SUB_CLOSE = '\u2064';
/** Size of subscript text relative to its line. */
export const SUB_SCALE = 0.72;

/** `text` as a subscript (see the module docstring): sub('ε') after σ is σ_ε typeset. */
export function sub(text: string): string {
  return `${SUB_OPEN}${text}${SUB_CLOSE}`;
}

/** Text without subscript markers ("σε"), for places that cannot position text. */
export function plainText(text: string): string {
  return text.split(SUB_OPEN).join('').split(SUB_CLOSE).join('');
}

/** Splits text into runs of normal and subscript text, in order. */
export function mathRuns(text: string): { text: string; sub: boolean }[] {
  const out: { text: string; sub: boolean }[] = [];
  let rest = text;
  while (rest.length) {
    const i = rest.indexOf(SUB_OPEN);
    if (i < 0) {
      out.push({ text: rest, sub: false });
      break;
    }
    if (i > 0) out.push({ text: rest.slice(0, i), sub: false });
    const j = rest.indexOf(SUB_CLOSE, i + 1);
    const end = j < 0 ? rest.length : j;
    if (end > i + 1) out.push({ text: rest.slice(i + 1, end), sub: true });
    rest = j < 0 ? '' : rest.slice(j + 1);
  }
  return out;
}

/** σ_ε, the token-noise standard deviation (SPEC §1). */
export const SIGMA_EPS = `σ${sub('ε')}`;


/** Regimes in words, as the legends name them. */
export const REGIME_WORDS: Readonly<Record<Regime, string>> = {
  'not-overfitting': 'not overfitting',
  'benign-overfitting': 'benign overfitting',
  'harmful-overfitting': 'harmful overfitting',
  partial: 'partial fit',
  untrained: 'untrained',
  diverged: 'diverged',
};

/** Axis titles of the known sweep parameters (SPEC §1–2 symbols, with units where they have one). */
export const AXIS_LABELS: Readonly<Record<string, string>> = {
  snr: `SNR = ‖μ‖₂ / (${SIGMA_EPS}√d)`,
  n: 'training size n',
  muNorm: 'signal norm ‖μ‖₂',
  d: 'dimension d',
  eta: 'label-noise rate η',
  rho: 'weak-signal scale ρ',
  alpha: 'step size α',
  steps: 'GD steps',
  T: 'tokens per sequence T',
  sigma: `token-noise std ${SIGMA_EPS}`,
  testN: 'test sequences',
  nuScale: 'ν scale',
  generalizationTolerance: 'tolerance δ',
  step: 'training step',
};

/** Short symbols of the known parameters, used in facet headers "η = 0.1". */
const AXIS_SYMBOLS: Readonly<Record<string, string>> = {
  snr: 'SNR',
  n: 'n',
  muNorm: '‖μ‖₂',
  d: 'd',
  eta: 'η',
  rho: 'ρ',
  alpha: 'α',
  steps: 'steps',
  T: 'T',
  sigma: SIGMA_EPS,
  step: 'step',
};

/** Colour-bar titles of the known metrics (SPEC §3): the metric, then its direction. */
export const METRIC_LABELS: Readonly<Record<string, string[]>> = {
  testError: ['final test error', '(lower is better)'],
  testLoss: ['final test loss', '(lower is better)'],
  trainLoss: ['final train loss', '(lower = closer fit)'],
  trainAcc: ['final train accuracy', '(1 = every label fit)'],
  cleanFit: ['clean-set fit', '(1 = all of 𝒞 fit)'],
  noisyFit: ['noisy-set fit', '(1 = all flipped labels memorised)'],
  tFit: [`t${sub('fit')} (steps)`, '(first step with train acc. 1)'],
  tGeneralize: [`t${sub('gen')} (steps)`, `(test error falls again after t${sub('mem')})`],
  pNorm: ['‖p‖₂', '(larger = sharper attention)'],
};

/** Other words the figures use (legend titles, notes, tooltips), in one place. */
export const WORDS = {
  regime: 'regime',
  regimeMap: 'regime map',
  cell: 'cell',
  seedsAgreeing: 'seeds in this regime',
  seeds: 'seeds',
  step: 'step',
  notRun: 'grey: not yet run',
  notRunOrNoValue: 'grey: not yet run / no value',
  tie: 'tie',
} as const;

/**
 * User text with TeX-like subscripts typeset: "σ_ε", "t_{fit}" → σ with a
 * subscript ε, t with a subscript "fit" (see {@link sub}). An underscore
 * after a space or at the start stays as it is.
 */
export function typeset(text: string): string {
  return text.replace(/(?<=\S)_(\{([^}]*)\}|([^\s{]))/g, (_m, _all, braced: string | undefined, single: string | undefined) => sub(braced ?? single ?? ''));
}

/** Axis title of a parameter name: the style's override, {@link AXIS_LABELS}, or the name itself. */
export function axisLabel(name: string, style?: FigureStyle): string {
  const o = style?.labels[name];
  return o !== undefined ? typeset(o) : AXIS_LABELS[name] ?? name;
}

/** Short symbol of a parameter name for facet headers (e.g. eta → "η"). */
export function axisSymbol(name: string): string {
  return AXIS_SYMBOLS[name] ?? name;
}

/** Colour-bar title lines of a metric: the style's override (lines split at "\n"), {@link METRIC_LABELS}, or the name. */
export function metricLabel(metric: string, style?: FigureStyle): string[] {
  const o = style?.labels[metric];
  if (o !== undefined) return typeset(o).split('\n');
  return METRIC_LABELS[metric] ?? [metric];
}

/** A regime in words: the style's override (labels[regime]) or {@link REGIME_WORDS}. */
export function regimeWord(r: Regime, style?: FigureStyle): string {
  const o = style?.labels[r];
  return o !== undefined ? typeset(o) : REGIME_WORDS[r];
}
