/**
 * Rendering of Vega-Lite specs (ARCHITECTURE "render"): the only place in
 * src/plot that touches the outside world (fonts aside, see ./fonts.ts).
 *
 * vega-lite `compile` → vega `View` (renderer 'none', headless, text measured
 * with the real font metrics) → `toSVG()`; SVG → PNG with sharp (librsvg,
 * which finds the font family named in the SVG through fontconfig); SVG →
 * PDF with PDFKit (./pdf.ts).
 *
 * Sizes. SVG user units are CSS px, 96 per inch. A figure of W px is W/96 in
 * wide: its PNG at `dpi` is round(W/96 · dpi) px wide (sharp density
 * dpi · 72/96, since librsvg maps 72 density units to 1 px per user unit),
 * its PDF page W · 72/96 pt. `fitFigure` chooses a figure's panel sizes (and
 * a layout variant) so that the whole figure — axes, legends, titles — is as
 * wide (and high) as asked, then fixes the SVG's size to exactly that.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { logger as vegaLogger, parse, View, Warn } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomicAsync } from '../io.js';
import { installTextMetrics } from './fonts.js';
import { SUB_CLOSE, SUB_OPEN, SUB_SCALE } from './vocabulary.js';
import { svgPixelSize, svgToPdf } from './pdf.js';
import type { LayoutVariant, PanelSize, VlSpec } from './options.js';
import { DEFAULT_DPI, FIGURE_FORMATS, PX_PER_IN, type FigureFormat } from './style.js';
import { figureFileName, folderPath } from '../core/layout.js';

/** Options of {@link renderSvg}. */
export interface RenderOptions {
  /**
   * Collects vega-lite/vega warnings here instead of printing them with
   * console.warn.
   */
  warnings?: string[];
}

/**
 * A vega/vega-lite logger at level Warn that forwards warnings to `warn` and
 * collects errors in `errors` (vega reports dataflow errors through the
 * logger instead of throwing; renderSvg throws them after the run).
 */
function makeLogger(warn: (msg: string) => void, errors: string[]) {
  const text = (args: ArrayLike<unknown>) =>
    Array.from(args, (a) => (a instanceof Error ? a.message : String(a))).join(' ');
  return vegaLogger(Warn, undefined, (_method, level, input) => {
    if (level === 'ERROR') errors.push(text(input));
    else if (level === 'WARN') warn(text(input));
  });
}

/**
 * Renders a Vega-Lite spec (plain JSON, e.g. from phaseDiagramSpec) to an SVG
 * document string with explicit width/height attributes (in px, = user units),
 * a viewBox, and a white background when the spec sets one. Text is laid out
 * with the real widths of the fonts named in the spec.
 * Throws if the spec does not compile (vega-lite error) or vega fails to run it.
 */
export async function renderSvg(vlSpec: VlSpec, opts: RenderOptions = {}): Promise<string> {
  installTextMetrics();
  const sink = opts.warnings ? (m: string) => opts.warnings!.push(m) : (m: string) => console.warn(`[vega] ${m}`);
  const errors: string[] = [];
  const logger = makeLogger(sink, errors);
  // clone: the embedded data must not be touched by vega's dataflow
  const { spec } = compile(structuredClone(vlSpec) as unknown as TopLevelSpec, { logger });
  const view = new View(parse(spec), { renderer: 'none', logger });
  try {
    const svg = typesetSvg(await view.toSVG());
    if (errors.length) throw new Error(`renderSvg: vega error: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Typesets the subscripts of an SVG's text (see ./vocabulary.ts `sub`): the
 * marked text becomes a <tspan> lowered by `baseline-shift="sub"` at
 * {@link SUB_SCALE} of its text element's font size, and the invisible
 * markers are removed, so no renderer (librsvg, PDFKit, a browser) sees them.
 */
export function typesetSvg(svg: string): string {
  if (!svg.includes(SUB_OPEN)) return svg;
  return svg.replace(/<text\b([^>]*)>([\s\S]*?)<\/text>/g, (all, attrs: string, body: string) => {
    if (!body.includes(SUB_OPEN)) return all;
    const m = /font-size="([\d.]+)(px)?"/.exec(attrs);
    const size = m ? Number(m[1]) : 11;
    const small = Math.round(size * SUB_SCALE * 100) / 100;
    const re = new RegExp(`${SUB_OPEN}([^${SUB_CLOSE}<]*)${SUB_CLOSE}?`, 'g');
    return `<text${attrs}>${body.replace(re, (_x, t: string) => `<tspan baseline-shift="sub" font-size="${small}px">${t}</tspan>`)}</text>`;
  }).split(SUB_OPEN).join('').split(SUB_CLOSE).join(''); // the rest (aria labels): plain text
}

/** Options of {@link svgToPng}. */
export interface PngOptions {
  /** dots per inch of the PNG, 96 px of the SVG being one inch; default 300 */
  dpi?: number;
  /**
   * librsvg density instead of `dpi` (72 = 1 PNG pixel per SVG px); kept for
   * callers that want a fixed pixel ratio (144 = 2×)
   */
  density?: number;
}

/**
 * Rasterises an SVG string to PNG with sharp: width/height = round(SVG size
 * in px / 96 · dpi), e.g. an 8.5 cm (321.26 px) wide figure at 300 dpi is
 * 1004 px wide. The PNG records its resolution (pHYs = dpi), so word
 * processors and LaTeX place it at its physical size. With `density`
 * instead: PNG size = round(SVG size · density / 72).
 * Throws if sharp cannot parse the SVG.
 */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Buffer> {
  const dpi = opts.density !== undefined ? (opts.density * PX_PER_IN) / 72 : opts.dpi ?? DEFAULT_DPI;
  const density = opts.density ?? (dpi * 72) / PX_PER_IN;
  // flattened on white: no alpha channel, so the edge pixels of a figure whose
  // size is not a whole number of pixels are white, not semi-transparent
  return sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().withMetadata({ density: dpi }).toBuffer();
}

/** Sets the SVG root's width/height attributes (px), keeping its viewBox: the drawing is scaled to fit. */
export function setSvgSize(svg: string, width: number, height: number): string {
  const end = svg.indexOf('>');
  const r = (x: number) => String(Math.round(x * 1000) / 1000);
  let open = svg.slice(0, end);
  const { width: w0, height: h0 } = svgPixelSize(svg);
  if (!/\sviewBox="/.test(open)) open += ` viewBox="0 0 ${w0} ${h0}"`;
  open = open.replace(/\swidth="[\d.]+(px)?"/, ` width="${r(width)}"`).replace(/\sheight="[\d.]+(px)?"/, ` height="${r(height)}"`);
  return open + svg.slice(end);
}

// ---------------------------------------------------------------------------
// fitting a figure to a size

/**
 * A figure whose panels can be resized: `build` returns the spec for a
 * layout variant and a panel plotting-area size (omitted sides natural).
 */
export interface ScalableFigure {
  build(size: PanelSize, layout: LayoutVariant): VlSpec;
  /** layout variants in order of preference; the first is the natural one */
  layouts: LayoutVariant[];
  /** the smallest panel width / height in px that still reads well */
  minPanel: { width: number; height: number };
  /** the natural panel size in px (what build({}) draws) */
  natural: { width: number; height: number };
}

/** Target size of a whole figure in px (96 per inch); omitted sides natural. */
export interface FitTarget {
  width?: number;
  height?: number;
}

/** What {@link fitFigure} chose. */
export interface FittedFigure {
  spec: VlSpec;
  /** the SVG, its root width/height set to the target */
  svg: string;
  layout: LayoutVariant;
  panel: PanelSize;
  /** final size / laid-out size (1 unless the content could not fit; then < 1, text shrinks) */
  scale: number;
}

/**
 * Renders `fig` so that the whole figure is `target.width` × `target.height`
 * px. For each layout variant in turn, the panel width (then height) is
 * solved on the rendered size (bracketing + regula falsi; the size grows
 * with the panel size, axes, legends and titles being an overhead); the
 * first variant whose panels can be at least `minPanel` is used. If none
 * fits, the variant that overflows least is drawn at `minPanel` and scaled
 * down (with a warning in `opts.warnings`). The laid-out size is within ~1 px of
 * the target; the SVG's width/height are then set to the target exactly.
 * With no target, the natural figure (first variant) is rendered as is.
 */
export async function fitFigure(fig: ScalableFigure | VlSpec, target: FitTarget = {}, opts: RenderOptions & { name?: string } = {}): Promise<FittedFigure> {
  const scalable = typeof (fig as ScalableFigure).build === 'function' ? (fig as ScalableFigure) : null;
  if (!scalable) {
    const spec = fig as VlSpec;
    const svg = await renderSvg(spec, opts);
    return finish(spec, svg, {}, {}, target, opts);
  }
  if (target.width === undefined && target.height === undefined) {
    const spec = scalable.build({}, scalable.layouts[0]!);
    return finish(spec, await renderSvg(spec, opts), scalable.layouts[0]!, {}, target, opts);
  }
  const sizeOf = async (panel: PanelSize, layout: LayoutVariant) => {
    const spec = scalable.build(panel, layout);
    const svg = await renderSvg(spec, opts);
    return { spec, svg, ...svgPixelSize(svg) };
  };
  /**
   * Largest panel side p ≥ min with measure(p) ≤ goal (to ~0.5 px), or null
   * when even `min` overflows (the overflow ratio is then in `over`). The
   * figure's size grows with p (linearly once the panels dominate; flat while
   * a title or legend is wider), so: check `min`, bracket, then regula falsi.
   */
  const solve = async (goal: number, min: number, guess: number, measure: (p: number) => Promise<number>): Promise<{ p: number | null; over: number }> => {
    let lo = { p: min, w: await measure(min) };
    if (lo.w > goal + 0.5) return { p: null, over: lo.w / goal };
    if (lo.w >= goal - 0.5) return { p: min, over: 1 };
    let hi: { p: number; w: number } | null = null;
    let p = Math.max(guess, min + (goal - lo.w));
    for (let i = 0; i < 12 && !hi; i++) {
      const w = await measure(p);
      if (Math.abs(w - goal) <= 0.5) return { p, over: 1 };
      if (w > goal) hi = { p, w };
      else {
        lo = { p, w };
        p = p + Math.max(goal - w, p);
      }
    }
    if (!hi) return { p: lo.p, over: 1 };
    let side = 0;
    for (let i = 0; i < 14 && hi.p - lo.p > 0.05; i++) {
      // Illinois variant of regula falsi: halve the weight of an end that stays put
      const wl = side === -1 ? (lo.w + goal) / 2 : lo.w;
      const wh = side === 1 ? (hi.w + goal) / 2 : hi.w;
      let q: number = lo.p + ((goal - wl) * (hi.p - lo.p)) / (wh - wl);
      if (!(q > lo.p && q < hi.p)) q = (lo.p + hi.p) / 2;
      const w = await measure(q);
      if (Math.abs(w - goal) <= 0.5) return { p: q, over: 1 };
      if (w < goal) {
        lo = { p: q, w };
        side = side === 1 ? 0 : -1;
      } else {
        hi = { p: q, w };
        side = side === -1 ? 0 : 1;
      }
    }
    return { p: lo.p, over: 1 };
  };
  let best: { layout: LayoutVariant; over: number } | null = null;
  for (const layout of scalable.layouts) {
    const panel: PanelSize = {};
    let over = 1;
    if (target.width !== undefined) {
      const r = await solve(target.width, scalable.minPanel.width, scalable.natural.width, async (p) => (await sizeOf({ width: p }, layout)).width);
      if (r.p === null) over = r.over;
      else panel.width = r.p;
    }
    if (over === 1 && target.height !== undefined) {
      const guess = panel.width !== undefined ? (scalable.natural.height * panel.width) / scalable.natural.width : scalable.natural.height;
      const r = await solve(target.height, scalable.minPanel.height, guess, async (p) => (await sizeOf({ ...panel, height: p }, layout)).height);
      if (r.p === null) over = r.over;
      else panel.height = r.p;
    }
    if (over === 1) {
      const r = await sizeOf(panel, layout);
      return finish(r.spec, r.svg, layout, panel, target, opts);
    }
    if (!best || over < best.over) best = { layout, over };
  }
  // nothing fits: the variant that overflows least, at its minimum panel size, scaled down
  const { layout } = best!;
  const panel: PanelSize = {
    ...(target.width !== undefined ? { width: scalable.minPanel.width } : {}),
    ...(target.height !== undefined ? { height: scalable.minPanel.height } : {}),
  };
  const r = await sizeOf(panel, layout);
  return finish(r.spec, r.svg, layout, panel, target, opts);
}

/** Sets the final size of a rendered figure (see fitFigure) and reports undue shrinking. */
function finish(spec: VlSpec, svg: string, layout: LayoutVariant, panel: PanelSize, target: FitTarget, opts: RenderOptions & { name?: string }): FittedFigure {
  const { width: w, height: h } = svgPixelSize(svg);
  let W = target.width ?? w;
  let H = target.height ?? h;
  if (target.width !== undefined && target.height === undefined) H = (h * W) / w;
  if (target.height !== undefined && target.width === undefined) W = (w * H) / h;
  const scale = Math.min(W / w, H / h);
  if (scale < 0.97) {
    const msg = `${opts.name ?? 'figure'}: its content needs ${(w / PX_PER_IN * 2.54).toFixed(1)} × ${(h / PX_PER_IN * 2.54).toFixed(1)} cm; scaled to ${(W / PX_PER_IN * 2.54).toFixed(1)} × ${(H / PX_PER_IN * 2.54).toFixed(1)} cm, so its text is ${Math.round(scale * 100)} % of the asked font size`;
    if (opts.warnings) opts.warnings.push(msg);
    else console.warn(`[plot] ${msg}`);
  }
  return { spec, svg: W === w && H === h ? svg : setSvgSize(svg, W, H), layout, panel, scale };
}

// ---------------------------------------------------------------------------
// writing

/** Writes `data` to `file` atomically (the project's one atomic write, src/io.ts). */
const writeAtomic = writeFileAtomicAsync;

/** Options of {@link writeFigure}. */
export interface WriteFigureOptions extends RenderOptions {
  /** figure width / height in px (96 per inch); default natural */
  width?: number;
  height?: number;
  /** PNG resolution; default 300 */
  dpi?: number;
  /** files to write besides the .vl.json; default svg, png, pdf */
  formats?: readonly FigureFormat[];
  /** font for text whose family is not installed (PDF); default DejaVu Sans */
  font?: string;
}

/** Paths written by {@link writeFigure}; a format not asked for is absent. */
export interface FigureFiles {
  spec: string;
  svg?: string;
  png?: string;
  pdf?: string;
}

/**
 * Renders `figure` (a spec, or a ScalableFigure fitted to `opts.width` /
 * `opts.height`, see fitFigure) and writes `<dir>/<basename>.vl.json` (the
 * spec as rendered, data embedded, pretty JSON: opens as it is in the Vega
 * editor) and, per `opts.formats` (default all), `<basename>.svg`, `.png`
 * (at `opts.dpi`, default 300; see svgToPng) and `.pdf` (vector, fonts
 * embedded; see svgToPdf). `dir` is created if missing. Everything is
 * rendered before anything is written, and each file is written to a temp
 * name then renamed, so a crash never leaves a torn file.
 * Throws if `basename` is empty or contains a path separator, or on render /
 * I/O errors.
 */
export async function writeFigure(
  dir: string,
  basename: string,
  figure: VlSpec | ScalableFigure,
  opts: WriteFigureOptions = {},
): Promise<FigureFiles> {
  if (!basename || basename.includes('/') || basename.includes(path.sep) || basename === '.' || basename === '..') {
    throw new Error(`writeFigure: invalid basename ${JSON.stringify(basename)}`);
  }
  const formats = opts.formats ?? FIGURE_FORMATS;
  const fitted = await fitFigure(figure, { width: opts.width, height: opts.height }, { warnings: opts.warnings, name: basename });
  const json = JSON.stringify(fitted.spec, null, 2) + '\n';
  const outputs: [FigureFormat, string | Buffer][] = [];
  if (formats.includes('svg')) outputs.push(['svg', fitted.svg]);
  if (formats.includes('png')) outputs.push(['png', await svgToPng(fitted.svg, { dpi: opts.dpi ?? DEFAULT_DPI })]);
  if (formats.includes('pdf')) outputs.push(['pdf', await svgToPdf(fitted.svg, { font: opts.font, title: basename })]);
  await mkdir(dir, { recursive: true });
  const out: FigureFiles = { spec: folderPath(dir, figureFileName(basename, 'spec')) };
  await writeAtomic(out.spec, json);
  for (const [fmt, data] of outputs) {
    const file = folderPath(dir, figureFileName(basename, fmt));
    await writeAtomic(file, data);
    out[fmt] = file;
  }
  return out;
}
