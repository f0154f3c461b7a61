/**
 * Rendering: vega-lite → vega → SVG, sharp → PNG, and writeFigure's files.
 * Facts checked are independent of the renderer's internals: texts that must
 * be visible, colours of the fixed palette counted per cell, the size
 * arithmetic (px at 96 per inch × dpi), and pixels of the palette in the raster.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseDiagramSpec, regimeMapSpec, renderSvg, svgToPng, writeFigure } from '../../src/plot/index.js';
import { svgTexts } from './helpers.js';
import type { CellSummary, Regime } from '../../src/core/records.js';

const REGIME_ORDER: Regime[] = ['not-overfitting', 'benign-overfitting', 'harmful-overfitting', 'partial', 'diverged'];

function makeCell(axes: Record<string, number>, count: number, regime: Regime | null, agreement = 1, testError = 0.1): CellSummary {
  return {
    cellKey: Object.entries(axes)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    axes,
    count,
    regime: count > 0 ? regime : null,
    agreement: count > 0 ? agreement : 0,
    regimeFractions: Object.fromEntries(REGIME_ORDER.map((r) => [r, r === regime ? agreement : 0])) as Record<Regime, number>,
    metrics: count > 0 ? { testError: { mean: testError, sd: 0.01 } } : {},
  };
}

/**
 * 4 × 3 grid (snr × n). Cell (i, j): not run if (3, 0); not-overfitting if
 * i + j ≥ 3 (5 cells); harmful if i = 0, j ≤ 1 (2 cells); else benign
 * (4 cells). Cell (1, 1) has 2 of 3 seeds agreeing.
 */
function smallGrid(): CellSummary[] {
  const snrs = [0.01, 0.03, 0.1, 0.3];
  const ns = [10, 20, 40];
  const regimeOf = (i: number, j: number): Regime | null => {
    if (i === 3 && j === 0) return null;
    if (i + j >= 3) return 'not-overfitting';
    if (i === 0 && j <= 1) return 'harmful-overfitting';
    return 'benign-overfitting';
  };
  const cells: CellSummary[] = [];
  snrs.forEach((snr, i) =>
    ns.forEach((n, j) => {
      const r = regimeOf(i, j);
      cells.push(makeCell({ snr, n }, r ? 3 : 0, r, i === 1 && j === 1 ? 2 / 3 : 1, 0.3 / (1 + i + j)));
    }),
  );
  return cells;
}

function svgSize(svg: string): { width: number; height: number } {
  const open = svg.slice(0, svg.indexOf('>'));
  const w = /\swidth="([\d.]+)"/.exec(open);
  const h = /\sheight="([\d.]+)"/.exec(open);
  if (!w || !h) throw new Error('SVG without width/height');
  return { width: Number(w[1]), height: Number(h[1]) };
}

/** Number of pixels within ±3 per channel of `hex`. */
async function countColor(png: Buffer, hex: string): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  let n = 0;
  for (let p = 0; p < data.length; p += info.channels) {
    if (Math.abs(data[p]! - r!) <= 3 && Math.abs(data[p + 1]! - g!) <= 3 && Math.abs(data[p + 2]! - b!) <= 3) n++;
  }
  return n;
}

describe('renderSvg / svgToPng on a phase diagram', () => {
  const cells = smallGrid();
  let svg = '';
  const warnings: string[] = [];

  beforeAll(async () => {
    svg = await renderSvg(phaseDiagramSpec(cells, ['snr', 'n'], { title: 'small grid' }), { warnings });
  });

  it('compiles without vega/vega-lite warnings', () => {
    expect(warnings).toEqual([]);
  });

  it('has explicit width/height and the texts a reader needs', () => {
    const { width, height } = svgSize(svg);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(150);
    // σ_ε typeset: ε in a lowered, smaller tspan; no underscore, no invisible marker left
    expect(svg).toMatch(/SNR = ‖μ‖₂ \/ \(σ<tspan baseline-shift="sub" font-size="[\d.]+px">ε<\/tspan>√d\)/);
    expect(svg).not.toMatch(/[\u2063\u2064]/);
    expect(svgTexts(svg).filter((t) => t.includes('_'))).toEqual([]);
    expect(svg).toContain('training size n');
    expect(svg).toContain('>regime<');
    for (const r of ['not overfitting', 'benign overfitting', 'harmful overfitting']) expect(svg).toContain(`>${r}<`);
    // regimes that no cell is in are not in the legend
    for (const r of ['partial fit', 'diverged']) expect(svg).not.toContain(`>${r}<`);
    expect(svg).toContain('final test error');
    expect(svg).toContain('>2/3<'); // the disagreeing cell
    expect(svg).toContain('>small grid<');
  });

  it('uses only DejaVu Sans', () => {
    const families = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
    expect([...families]).toEqual(['DejaVu Sans']);
  });

  it('draws one rect per run cell in its regime colour (+ one legend swatch)', () => {
    const fills = (hex: string) => svg.split(`fill="${hex}"`).length - 1;
    expect(fills('#009E73')).toBe(4 + 1); // benign
    expect(fills('#0072B2')).toBe(5 + 1); // not-overfitting
    expect(fills('#D55E00')).toBe(2 + 1); // harmful
    expect(fills('#CC79A7')).toBe(0); // partial: drawn nowhere, so not in the legend either
  });

  it('PNG at density 144 is exactly 2× the SVG size, 72 is 1×', async () => {
    const { width, height } = svgSize(svg);
    const png2 = await svgToPng(svg, { density: 144 });
    const m2 = await sharp(png2).metadata();
    expect(m2.format).toBe('png');
    expect([m2.width, m2.height]).toEqual([2 * width, 2 * height]);
    const m1 = await sharp(await svgToPng(svg, { density: 72 })).metadata();
    expect([m1.width, m1.height]).toEqual([width, height]);
  });

  it('PNG at dpi: SVG px / 96 in × dpi, resolution recorded (default 300 dpi)', async () => {
    const { width, height } = svgSize(svg);
    const m = await sharp(await svgToPng(svg)).metadata();
    expect([m.width, m.height]).toEqual([Math.round((width / 96) * 300), Math.round((height / 96) * 300)]);
    expect(m.density).toBe(300);
    const m150 = await sharp(await svgToPng(svg, { dpi: 150 })).metadata();
    expect([m150.width, m150.density]).toEqual([Math.round((width / 96) * 150), 150]);
  });

  it('PNG is not blank and contains the palette colours', async () => {
    const png = await svgToPng(svg, { density: 144 });
    const stats = await sharp(png).stats();
    expect(stats.isOpaque).toBe(true);
    expect(stats.channels.slice(0, 3).every((c) => c.stdev > 0)).toBe(true);
    // a 2× cell is ≥ 24×24 px, so each regime present covers many pixels
    expect(await countColor(png, '#009E73')).toBeGreaterThan(4 * 400);
    expect(await countColor(png, '#0072B2')).toBeGreaterThan(5 * 400);
    // background is white: the corner pixel
    const { data } = await sharp(png).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([255, 255, 255]);
  });

  it('renders every grid shape without warnings', async () => {
    const shapes: [CellSummary[], string[]][] = [
      [[], ['snr', 'n']],
      [[makeCell({}, 2, 'partial', 0.5)], []],
      [cells.filter((c) => c.axes.n === 10), ['snr']],
      [[0.1, 0.2].flatMap((eta) => cells.map((c) => ({ ...c, axes: { ...c.axes, eta } }))), ['snr', 'n', 'eta']],
    ];
    for (const [cs, axes] of shapes) {
      const w: string[] = [];
      const out = await renderSvg(phaseDiagramSpec(cs, axes), { warnings: w });
      expect(w).toEqual([]);
      expect(svgSize(out).width).toBeGreaterThan(0);
    }
  });

  it('rejects a spec vega-lite cannot compile', async () => {
    await expect(renderSvg({ mark: 'no-such-mark', data: { values: [] } })).rejects.toThrow();
  });
});

describe('writeFigure', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'attn-phase-plot-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes <basename>.vl.json, .svg, .png and .pdf (and no temp files)', async () => {
    const spec = regimeMapSpec(smallGrid(), ['snr', 'n']);
    const out = await writeFigure(path.join(dir, 'figs'), 'regimes', spec);
    expect(out).toEqual({
      spec: path.join(dir, 'figs', 'regimes.vl.json'),
      svg: path.join(dir, 'figs', 'regimes.svg'),
      png: path.join(dir, 'figs', 'regimes.png'),
      pdf: path.join(dir, 'figs', 'regimes.pdf'),
    });
    expect((await readdir(path.join(dir, 'figs'))).sort()).toEqual(['regimes.pdf', 'regimes.png', 'regimes.svg', 'regimes.vl.json']);
    expect(JSON.parse(await readFile(out.spec, 'utf8'))).toEqual(spec);
    const svg = await readFile(out.svg!, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const meta = await sharp(await readFile(out.png!)).metadata();
    expect([meta.width, meta.height]).toEqual([Math.round((svgSize(svg).width * 300) / 96), Math.round((svgSize(svg).height * 300) / 96)]);
    expect((await readFile(out.pdf!)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('writes only the formats asked for (the spec always)', async () => {
    const out = await writeFigure(path.join(dir, 'only'), 'm', regimeMapSpec(smallGrid(), ['snr', 'n']), { formats: ['pdf'] });
    expect(Object.keys(out).sort()).toEqual(['pdf', 'spec']);
    expect((await readdir(path.join(dir, 'only'))).sort()).toEqual(['m.pdf', 'm.vl.json']);
  });

  it('overwrites an existing figure in place', async () => {
    const a = await writeFigure(dir, 'same', regimeMapSpec(smallGrid(), ['snr', 'n'], { title: 'first' }));
    await writeFigure(dir, 'same', regimeMapSpec(smallGrid(), ['snr', 'n'], { title: 'second' }));
    expect(await readFile(a.svg!, 'utf8')).toContain('>second<');
  });

  it('refuses a basename with a path separator', async () => {
    await expect(writeFigure(dir, '../evil', regimeMapSpec([], []))).rejects.toThrow(/basename/);
    await expect(writeFigure(dir, '', regimeMapSpec([], []))).rejects.toThrow(/basename/);
  });
});
