/**
 * Rendering of Vega-Lite specs (ARCHITECTURE "render"): the only place in
 * src/plot that touches the outside world.
 *
 * vega-lite `compile` → vega `View` (renderer 'none', headless; without the
 * optional `canvas` package vega estimates text widths, which only affects
 * layout slack) → `toSVG()`; SVG → PNG with sharp (librsvg), which resolves
 * the "DejaVu Sans" font family named in the SVG through fontconfig.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { logger as vegaLogger, parse, View, Warn } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { VlSpec } from './specs.js';

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
 * document string with explicit width/height attributes (in px, = user units)
 * and a white background when the spec sets one.
 * Throws if the spec does not compile (vega-lite error) or vega fails to run it.
 */
export async function renderSvg(vlSpec: VlSpec, opts: RenderOptions = {}): Promise<string> {
  const sink = opts.warnings ? (m: string) => opts.warnings!.push(m) : (m: string) => console.warn(`[vega] ${m}`);
  const errors: string[] = [];
  const logger = makeLogger(sink, errors);
  // clone: the embedded data must not be touched by vega's dataflow
  const { spec } = compile(structuredClone(vlSpec) as unknown as TopLevelSpec, { logger });
  const view = new View(parse(spec), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw new Error(`renderSvg: vega error: ${errors.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG string to PNG with sharp. `density` is the SVG's DPI
 * (72 = 1 px per SVG unit); the default 144 gives a 2× (retina-crisp) image,
 * i.e. PNG width/height = round(SVG width/height · density / 72).
 * Throws if sharp cannot parse the SVG.
 */
export async function svgToPng(svg: string, opts: { density?: number } = {}): Promise<Buffer> {
  const density = opts.density ?? 144;
  return sharp(Buffer.from(svg), { density }).png().toBuffer();
}

/** Writes `data` to `file` atomically: temp file in the same dir, then rename. */
async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Renders `vlSpec` and writes `<dir>/<basename>.vl.json` (the spec, pretty
 * JSON, reproducible in the Vega editor), `<basename>.svg` and `<basename>.png`
 * (2×, see svgToPng). `dir` is created if missing. Everything is rendered
 * before anything is written, and each file is written to a temp name then
 * renamed, so a crash never leaves a torn file. Returns the three paths.
 * Throws if `basename` is empty or contains a path separator, or on render /
 * I/O errors.
 */
export async function writeFigure(
  dir: string,
  basename: string,
  vlSpec: VlSpec,
): Promise<{ svg: string; png: string; spec: string }> {
  if (!basename || basename.includes('/') || basename.includes(path.sep) || basename === '.' || basename === '..') {
    throw new Error(`writeFigure: invalid basename ${JSON.stringify(basename)}`);
  }
  const json = JSON.stringify(vlSpec, null, 2) + '\n';
  const svg = await renderSvg(vlSpec);
  const png = await svgToPng(svg);
  await mkdir(dir, { recursive: true });
  const out = {
    spec: path.join(dir, `${basename}.vl.json`),
    svg: path.join(dir, `${basename}.svg`),
    png: path.join(dir, `${basename}.png`),
  };
  await writeAtomic(out.spec, json);
  await writeAtomic(out.svg, svg);
  await writeAtomic(out.png, png);
  return out;
}
