/**
 * PDF output: vector, fonts embedded, page = figure size. Checked with
 * Debian's poppler-utils (pdftoppm rasterises the page, pdffonts lists the
 * embedded fonts, pdftotext reads the text back): the raster is the PNG's
 * size at the same dpi, not blank, and looks like the PNG sharp renders from
 * the same SVG. .ci/run installs poppler-utils; without pdftoppm these tests
 * are skipped and say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseDiagramSpec } from '../../src/plot/index.js';
import { fitFigure, svgToPng } from '../../src/plot/render.js';
import { sanitizeDashes, svgToPdf } from '../../src/plot/pdf.js';
import { defaultStyle, parseLength } from '../../src/plot/style.js';
import { measurerFor } from '../../src/plot/fonts.js';
import { differingPixels, inkFraction, makeSweepFolder, pngInfo, type SweepFolder } from './helpers.js';

const HAS_POPPLER = spawnSync('sh', ['-c', 'command -v pdftoppm && command -v pdffonts && command -v pdftotext'], { encoding: 'utf8' }).status === 0;
const SKIP_NOTE = HAS_POPPLER ? '' : ' [SKIPPED: pdftoppm not found — install poppler-utils (.ci/run does: apt-get install -y poppler-utils)]';
if (!HAS_POPPLER) console.warn(`test/plot/pdf.test.ts:${SKIP_NOTE}`);

let root = '';
let sweep: SweepFolder;
let pdfFile = '';
let svg = '';
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'attn-phase-pdf-'));
  sweep = makeSweepFolder(join(root, 'sweep'));
  const style = { ...defaultStyle(), measure: measurerFor('DejaVu Sans') };
  const axes = ['snr', 'n'];
  const fitted = await fitFigure({
    layouts: [{ stack: false }, { stack: true }],
    minPanel: { width: 90, height: 60 },
    natural: { width: 300, height: 220 },
    build: (size, layout) => phaseDiagramSpec(sweep.cells, axes, { style, size, layout, title: 'PDF check' }),
  }, { width: parseLength('8.5cm') });
  svg = fitted.svg;
  pdfFile = join(root, 'phase-diagram.pdf');
  writeFileSync(pdfFile, await svgToPdf(svg, { title: 'phase-diagram' }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('svgToPdf', () => {
  it('is a one-page PDF whose page is the figure: 8.5 cm = 240.94 pt wide', () => {
    const pdf = readFileSync(pdfFile);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'));
    expect(box).not.toBeNull();
    expect(Number(box![1])).toBeCloseTo((8.5 / 2.54) * 72, 1);
  });

  it('turns solid dash patterns (zero gaps) into solid lines and zero lengths into tiny ones', () => {
    expect(sanitizeDashes('<path stroke-dasharray="1,0"/>')).toBe('<path stroke-dasharray="none"/>');
    expect(sanitizeDashes('<path stroke-dasharray="6,4"/>')).toBe('<path stroke-dasharray="6,4"/>');
    expect(sanitizeDashes('<path stroke-dasharray="0,4"/>')).toBe('<path stroke-dasharray="0.001,4"/>');
  });
});

describe(`PDF checked with poppler-utils${SKIP_NOTE}`, () => {
  it.skipIf(!HAS_POPPLER)('embeds DejaVu Sans (regular and bold, subset)', () => {
    const out = spawnSync('pdffonts', [pdfFile], { encoding: 'utf8' }).stdout;
    const rows = out.split('\n').slice(2).filter(Boolean);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(r).toMatch(/\+DejaVuSans(-Bold)?\s.*\byes\s+yes\s+yes\b/); // emb, sub, uni
  });

  it.skipIf(!HAS_POPPLER)('keeps text as text (vector): pdftotext reads the axis titles back', () => {
    const text = spawnSync('pdftotext', [pdfFile, '-'], { encoding: 'utf8' }).stdout;
    for (const s of ['training size n', 'final test error', 'not overfitting', 'PDF check']) expect(text).toContain(s);
  });

  it.skipIf(!HAS_POPPLER)('rasterises at 300 dpi to the PNG size, not blank, and looks like the PNG', async () => {
    const r = spawnSync('pdftoppm', ['-png', '-r', '300', '-singlefile', pdfFile, join(root, 'raster')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const raster = readFileSync(join(root, 'raster.png'));
    const png = await svgToPng(svg, { dpi: 300 });
    const [a, b] = [await pngInfo(raster), await pngInfo(png)];
    expect(a.width).toBe(1004);
    expect(Math.abs(a.width - b.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(a.height - b.height)).toBeLessThanOrEqual(1);
    const ink = await inkFraction(raster);
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeCloseTo(await inkFraction(png), 1);
    // same picture: poppler and librsvg differ only in anti-aliased edges, so compare 8×8-pixel block means
    const w = Math.floor(Math.min(a.width, b.width) / 8);
    const h = Math.floor(Math.min(a.height, b.height) / 8);
    const blocks = async (img: Buffer) => sharp(img).extract({ left: 0, top: 0, width: w * 8, height: h * 8 }).resize(w, h, { kernel: 'mitchell' }).png().toBuffer();
    // measured: 0.2 % for the same figure, 0.7 % with one legend title missing, 13 % without text
    expect((await differingPixels(await blocks(raster), await blocks(png))) / (w * h)).toBeLessThan(0.005);
  });
});
