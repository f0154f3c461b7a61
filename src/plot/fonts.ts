/**
 * Fonts: resolve a family name to font files (fontconfig's `fc-match`),
 * measure text with the font's real advance widths (fontkit), and make vega
 * lay out with those widths.
 *
 * Why: without the optional `canvas` package vega estimates a text's width as
 * 0.8 em per character, about 40 % more than DejaVu Sans needs, which leaves
 * wide blank margins and makes a figure miss its requested width. The same
 * font files are what librsvg (PNG, via fontconfig) draws with and what the
 * PDF embeds, so layout, PNG and PDF agree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import * as fontkit from 'fontkit';
import * as vega from 'vega';
import { DEFAULT_FONT } from './style.js';
import { mathRuns, SUB_OPEN, SUB_SCALE } from './vocabulary.js';

/** Font files of one family; missing styles fall back to `regular`. */
export interface FontFiles {
  family: string;
  regular: string;
  bold: string;
  italic: string;
  boldItalic: string;
}

/** The family is not installed, or its files cannot be used (not TrueType/OpenType). */
export class FontNotFoundError extends Error {
  override name = 'FontNotFoundError';
}

const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';
const FALLBACK: Readonly<Record<string, Omit<FontFiles, 'family'>>> = {
  'dejavu sans': {
    regular: `${DEJAVU_DIR}/DejaVuSans.ttf`,
    bold: `${DEJAVU_DIR}/DejaVuSans-Bold.ttf`,
    italic: `${DEJAVU_DIR}/DejaVuSans-Oblique.ttf`,
    boldItalic: `${DEJAVU_DIR}/DejaVuSans-BoldOblique.ttf`,
  },
};

const resolved = new Map<string, FontFiles>();

/** First family of a CSS font-family list, unquoted: '"DejaVu Sans", sans-serif' → 'DejaVu Sans'. */
export function primaryFamily(list: string | undefined | null): string {
  const first = String(list ?? '').split(',')[0]!.trim().replace(/^["']|["']$/g, '');
  return first || DEFAULT_FONT;
}

/** fontconfig's best match for `family` with `style` (e.g. "bold"): [file, its families]; null if fc-match is missing. */
function fcMatch(family: string, style: string): [string, string[]] | null {
  const escaped = family.replace(/[\\:,-]/g, (c) => `\\${c}`);
  try {
    const out = execFileSync('fc-match', ['--format=%{file}\n%{family}', `${escaped}:${style}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [file, families] = out.split('\n');
    return file ? [file, (families ?? '').split(',').map((f) => f.trim().toLowerCase())] : null;
  } catch {
    return null;
  }
}

/**
 * Font files of `family` (case-insensitive), found with fontconfig; DejaVu
 * Sans is also found without fontconfig at its Debian path. Cached.
 * @throws FontNotFoundError if the family is not installed or its regular
 *   face is not a .ttf/.otf file
 */
export function resolveFont(family: string): FontFiles {
  const key = family.trim().toLowerCase();
  const hit = resolved.get(key);
  if (hit) return hit;
  const want = (style: string): string | null => {
    const m = fcMatch(family.trim(), style);
    return m && m[1].includes(key) && /\.(ttf|otf)$/i.test(m[0]) ? m[0] : null;
  };
  let files: FontFiles | null = null;
  const regular = want('style=Regular') ?? want('weight=regular:slant=roman');
  if (regular) {
    const bold = want('bold') ?? regular;
    const italic = want('italic') ?? want('oblique') ?? regular;
    const boldItalic = want('bold:italic') ?? want('bold:oblique') ?? bold;
    files = { family: family.trim(), regular, bold, italic, boldItalic };
  } else if (FALLBACK[key] && existsSync(FALLBACK[key].regular)) {
    files = { family: family.trim(), ...FALLBACK[key] };
  }
  if (!files) {
    throw new FontNotFoundError(`font family ${JSON.stringify(family)} is not installed as a TrueType/OpenType font (see fc-list : family)`);
  }
  resolved.set(key, files);
  return files;
}

const fonts = new Map<string, fontkit.Font>();
/** Advance width in em of a text per font file, memoised (labels repeat a lot). */
const widths = new Map<string, number>();

function openFont(file: string): fontkit.Font {
  let f = fonts.get(file);
  if (!f) {
    const opened = fontkit.openSync(file);
    if (!('layout' in opened)) throw new FontNotFoundError(`${file}: a font collection, not a single font`);
    f = opened as fontkit.Font;
    fonts.set(file, f);
  }
  return f;
}

/**
 * Width in px of `text` set in `family` at `sizePx`, bold and/or italic, with
 * kerning (the font's advance widths via fontkit). Unknown families are
 * measured in DejaVu Sans.
 */
export function measureText(text: string, family: string, sizePx: number, bold = false, italic = false): number {
  if (!text || !(sizePx > 0)) return 0;
  if (text.includes(SUB_OPEN)) {
    // typeset subscripts (./vocabulary.ts): set smaller
    return mathRuns(text).reduce((w, r) => w + measureText(r.text, family, r.sub ? sizePx * SUB_SCALE : sizePx, bold, italic), 0);
  }
  let files: FontFiles;
  try {
    files = resolveFont(family);
  } catch {
    files = resolveFont(DEFAULT_FONT);
  }
  const file = bold ? (italic ? files.boldItalic : files.bold) : italic ? files.italic : files.regular;
  const key = `${file}\u0000${text}`;
  let em = widths.get(key);
  if (em === undefined) {
    const font = openFont(file);
    em = font.layout(text).advanceWidth / font.unitsPerEm;
    if (widths.size > 50_000) widths.clear();
    widths.set(key, em);
  }
  return em * sizePx;
}

/** A style's `measure` function for `family` (see FigureStyle.measure). */
export function measurerFor(family: string): (text: string, sizePx: number, bold?: boolean) => number {
  return (text, sizePx, bold = false) => measureText(text, family, sizePx, bold);
}

function isBold(weight: unknown): boolean {
  if (typeof weight === 'number') return weight >= 600;
  return typeof weight === 'string' && (weight === 'bold' || weight === 'bolder' || Number(weight) >= 600);
}

let installed = false;

/**
 * Makes vega measure text with the real font metrics (once per process):
 * replaces vega's `textMetrics.width` (a documented hook, also used by
 * vl-convert). Labels with a `limit` never measure wider than the limit
 * (vega truncates them to it).
 */
export function installTextMetrics(): void {
  if (installed) return;
  installed = true;
  // vega's typings omit textMetrics (vega-scenegraph's), which vega re-exports
  const metrics = (vega as unknown as { textMetrics: unknown }).textMetrics as { width: (item: Record<string, unknown>, text: unknown) => number };
  metrics.width = (item, text) => {
    const t = text === null || text === undefined ? '' : String(text).trim();
    const size = item.fontSize === null || item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
    const w = measureText(t, primaryFamily(item.font as string), size, isBold(item.fontWeight), item.fontStyle === 'italic');
    const limit = Number(item.limit);
    return limit > 0 ? Math.min(w, limit) : w;
  };
}

const fontFiles = new Map<string, FontFiles>();

/**
 * Makes a font file (.ttf/.otf, e.g. the paper's LaTeX font) usable as a
 * family: its family name (from the file) resolves to the file for text
 * measurement and PDF embedding (every style set in it), and librsvg (PNG)
 * finds it through a fontconfig configuration that adds the file's folder to
 * the system's (FONTCONFIG_FILE, set before the first PNG of the process).
 *
 * @returns the font's files, `family` being its name as figures write it
 * @throws FontNotFoundError if the file is missing or not a single TrueType/OpenType font
 */
export function useFontFile(path: string): FontFiles {
  const file = resolvePath(path);
  const hit = fontFiles.get(file);
  if (hit) return hit;
  if (!existsSync(file)) throw new FontNotFoundError(`font file ${path} does not exist`);
  let font: fontkit.Font;
  try {
    font = openFont(file);
  } catch (e) {
    throw new FontNotFoundError(`font file ${path}: not a TrueType/OpenType font (${e instanceof Error ? e.message : String(e)})`);
  }
  const family = font.familyName || font.postscriptName;
  if (!family) throw new FontNotFoundError(`font file ${path}: no family name`);
  const files: FontFiles = { family, regular: file, bold: file, italic: file, boldItalic: file };
  resolved.set(family.trim().toLowerCase(), files);
  fontFiles.set(file, files);
  // librsvg (sharp) resolves families through fontconfig: add the file's folder
  const conf = join(mkdtempSync(join(tmpdir(), 'attn-phase-fonts-')), 'fonts.conf');
  const prev = process.env.FONTCONFIG_FILE;
  const base = prev ?? '/etc/fonts/fonts.conf';
  writeFileSync(conf, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">${base}</include>\n${[...fontFiles.keys(), file].map((f) => `  <dir>${dirname(f)}</dir>`).join('\n')}\n</fontconfig>\n`);
  process.env.FONTCONFIG_FILE = conf;
  return files;
}
