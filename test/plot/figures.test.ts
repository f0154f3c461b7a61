/**
 * The figures of a real (tiny) sweep, rendered as the plot command does:
 * sizes follow from the requested width and dpi (8.5 cm at 300 dpi is
 * round(8.5 / 2.54 · 300) = 1004 px), every figure kind has ink, its text
 * was drawn with glyphs the font has (no tofu), its SVG names what a reader
 * needs (axis titles with symbols, legend entries in words, colour-bar
 * titles with a direction), and its .vl.json carries its data.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fontkit from 'fontkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { horizonSteps, renderSweepFigures, trajectoryFigure } from '../../src/plot/figures.js';
import { resolveFont } from '../../src/plot/fonts.js';
import { renderSvg, svgToPng, writeFigure } from '../../src/plot/render.js';
import { parseLength } from '../../src/plot/style.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { differingPixels, inkFraction, makeSweepFolder, pngInfo, svgTexts, type SweepFolder } from './helpers.js';
import { resolvePlotSettings } from '../../src/plot/settings.js';
import { REGIMES } from '../../src/core/records.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const KINDS = ['phase-diagram', 'loss-maps', 'regime-horizons', 'boundary'] as const;
const COLUMN = 8.5; // cm: one column of a two-column LaTeX paper
const COLUMN_PX = Math.round((COLUMN / 2.54) * 300); // 1004 at 300 dpi

let root = '';
let sweep: SweepFolder;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-phase-figures-'));
  sweep = makeSweepFolder(join(root, 'sweep'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** SVG root size attributes. */
function svgSize(svg: string): { width: number; height: number } {
  const open = svg.slice(0, svg.indexOf('>'));
  return { width: Number(/\swidth="([\d.]+)"/.exec(open)![1]), height: Number(/\sheight="([\d.]+)"/.exec(open)![1]) };
}

/** Characters of the texts of an SVG that the font has no glyph for (would render as tofu boxes). */
function missingGlyphs(svg: string, family = 'DejaVu Sans'): string[] {
  const files = resolveFont(family);
  const faces = [files.regular, files.bold].map((f) => fontkit.openSync(f) as fontkit.Font);
  const missing = new Set<string>();
  for (const t of svgTexts(svg)) for (const ch of t) if (!/\s/.test(ch) && !faces.every((f) => f.hasGlyphForCodePoint(ch.codePointAt(0)!))) missing.add(ch);
  return [...missing];
}

/** The SVG with every text element removed. */
function withoutText(svg: string): string {
  return svg.replace(/<text\b[^>]*>[\s\S]*?<\/text>/g, '');
}

describe(`every figure kind at ${COLUMN} cm, 300 dpi`, () => {
  const out = () => join(root, 'col');
  const warnings: string[] = [];
  let files: string[] = [];
  beforeAll(async () => {
    files = await renderSweepFigures(out(), sweep.plan, sweep.cells, sweep.records, { plot: { width: `${COLUMN}cm` }, warnings });
  });

  it('writes .vl.json, .svg, .png and .pdf of each figure, boundary.json, the two tables and report.html', () => {
    const names = readdirSync(out()).sort();
    // theory-time figures (src/plot/theory-figures.ts): collapse and boundary-slopes for every snr × n sweep, the others when reached / shown
    const theory = names.filter((n) => /^(regime-theory-times|memorisation-theory-times|collapse|boundary-slopes|delayed-generalisation)\./.test(n));
    for (const k of ['collapse', 'boundary-slopes']) for (const e of ['pdf', 'png', 'svg', 'vl.json']) expect(theory).toContain(`${k}.${e}`);
    const expected = ['boundary.json', 'cells.csv', 'report.html', 'trials.csv', ...KINDS.flatMap((k) => ['pdf', 'png', 'svg', 'vl.json'].map((e) => `${k}.${e}`)), ...theory].sort();
    expect(names).toEqual(expected);
    expect(files.map((f) => f.slice(out().length + 1)).sort()).toEqual(expected);
  });

  it('every figure fits the column without shrinking its text', () => {
    expect(warnings).toEqual([]);
  });

  it.each(KINDS)('%s: SVG is 8.5 cm wide, PNG 1004 px wide at 300 dpi, height in proportion', async (kind) => {
    const svg = readFileSync(join(out(), `${kind}.svg`), 'utf8');
    const { width, height } = svgSize(svg);
    expect(width).toBeCloseTo(parseLength('8.5cm'), 2); // 321.26 px
    const png = await pngInfo(readFileSync(join(out(), `${kind}.png`)));
    expect(png).toMatchObject({ format: 'png', width: COLUMN_PX, density: 300 });
    expect(png.height).toBe(Math.round((height / 96) * 300));
    expect(height).toBeGreaterThan(100); // a real figure, not a strip
  });

  it.each(KINDS)('%s: PNG has ink but is not a solid block', async (kind) => {
    const ink = await inkFraction(readFileSync(join(out(), `${kind}.png`)));
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.9);
  });

  it.each(KINDS)('%s: all text is set in DejaVu Sans with glyphs it has, and was drawn (not tofu)', async (kind) => {
    const svg = readFileSync(join(out(), `${kind}.svg`), 'utf8');
    expect(new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]))).toEqual(new Set(['DejaVu Sans']));
    expect(missingGlyphs(svg)).toEqual([]);
    // removing the texts changes many pixels: the labels were rasterised
    const full = await svgToPng(svg, { dpi: 150 });
    const bare = await svgToPng(withoutText(svg), { dpi: 150 });
    expect(await differingPixels(full, bare)).toBeGreaterThan(2000);
  });

  it('phase diagram: axis titles with symbols, regimes in words, colour bar with its direction, readable ticks', () => {
    const t = svgTexts(readFileSync(join(out(), 'phase-diagram.svg'), 'utf8'));
    // σ_ε typeset (svgTexts joins the subscript tspan into its line): no underscore in any text
    for (const s of ['SNR = ‖μ‖₂ / (σε√d)', 'training size n', 'regime', 'final test error', '(lower is better)', 'regime map', 'tiny']) expect(t).toContain(s);
    expect(t.filter((s) => s.includes('_'))).toEqual([]);
    // the legend lists exactly the regimes some cell is in, in words
    const words: Record<string, string> = {
      'not-overfitting': 'not overfitting', 'benign-overfitting': 'benign overfitting', 'harmful-overfitting': 'harmful overfitting', partial: 'partial fit', diverged: 'diverged',
    };
    const drawn = new Set(sweep.cells.map((c) => c.regime));
    for (const [id, w] of Object.entries(words)) expect(t.includes(w)).toBe(drawn.has(id as never));
    // every row and every column labelled with its cell's value (3 significant digits)
    for (const a of ['snr', 'n']) {
      for (const v of new Set(sweep.cells.map((c) => c.axes[a] as number))) expect(t).toContain(String(Number(v.toPrecision(3))));
    }
  });

  it('loss maps: both colour bars name their metric and direction', () => {
    const t = svgTexts(readFileSync(join(out(), 'loss-maps.svg'), 'utf8'));
    for (const s of ['final train loss', '(lower = closer fit)', 'final test loss', '(lower is better)', 'tiny — final losses']) expect(t).toContain(s);
  });

  it('small multiples: one panel per horizon, headed "step = …"', () => {
    const t = svgTexts(readFileSync(join(out(), 'regime-horizons.svg'), 'utf8'));
    const steps = horizonSteps(resolvePlotSettings(sweep.plan.sweep.plot), sweep.records);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const s of steps) expect(t).toContain(`step = ${s}`);
    expect(t).not.toContain('harmful-overfitting'); // words, never ids
    expect(t.some((s) => /overfitting|partial fit|diverged/.test(s))).toBe(true);
  });

  it('boundary: log axes with readable ticks, the fit and the theory line in the legend', () => {
    const t = svgTexts(readFileSync(join(out(), 'boundary.svg'), 'utf8'));
    expect(t).toContain('theory: n·SNR² = const (slope −2)');
    expect(t.some((s) => s.startsWith('fit: '))).toBe(true);
    expect(t.some((s) => /−-|--/.test(s))).toBe(false); // no doubled minus signs
    const spec: J = JSON.parse(readFileSync(join(out(), 'boundary.vl.json'), 'utf8'));
    const x = spec.layer[0].encoding.x;
    expect(x.scale.type).toBe('log');
    // ticks at the cells' SNR values, each labelled
    expect(x.axis.values).toEqual([...new Set(sweep.cells.filter((c) => c.count > 0).map((c) => c.axes.snr as number))].sort((a, b) => a - b));
    // the lines are clipped to the plotting area
    expect(spec.layer[2].mark.clip).toBe(true);
  });

  it('.vl.json specs embed their data and render as they are (what the Vega editor does)', async () => {
    for (const kind of KINDS) {
      const spec: J = JSON.parse(readFileSync(join(out(), `${kind}.vl.json`), 'utf8'));
      expect(spec.$schema).toMatch(/vega-lite\/v5/);
      const data: J[] = [];
      const walk = (o: J) => {
        if (!o || typeof o !== 'object') return;
        if (o.data) data.push(o.data);
        Object.values(o).forEach(walk);
      };
      walk(spec);
      expect(data.length).toBeGreaterThan(0);
      for (const d of data) {
        expect(d.url).toBeUndefined();
        expect(Array.isArray(d.values)).toBe(true);
      }
      const svg = readFileSync(join(out(), `${kind}.svg`), 'utf8');
      const again = await renderSvg(spec, { warnings: [] });
      expect(svgSize(again).width).toBeCloseTo(svgSize(svg).width, -1); // the fitted size is in the spec (±5 px before the exact snap)
    }
  });
});

describe('trajectories (the train figure) at 8.5 cm', () => {
  it('PNG 1004 px wide, ink, every label drawn, legends name token kinds and metrics', async () => {
    const rec = sweep.records[0]!;
    const dir = join(root, 'traj');
    const warnings: string[] = [];
    const f = await writeFigure(dir, 'trajectory', trajectoryFigure(rec.checkpoints, resolvePlotSettings({ width: '8.5cm' }), { title: 'Token selection' }), {
      width: parseLength('8.5cm'), dpi: 300, warnings,
    });
    expect(warnings).toEqual([]);
    const png = readFileSync(f.png!);
    expect(await pngInfo(png)).toMatchObject({ width: COLUMN_PX, density: 300 });
    expect(await inkFraction(png)).toBeGreaterThan(0.03);
    const svg = readFileSync(f.svg!, 'utf8');
    expect(missingGlyphs(svg)).toEqual([]);
    const t = svgTexts(svg);
    for (const s of ['relevant', 'confusing', 'weak', 'irrelevant', 'train accuracy', 'noisy fit (memorised)', 'test accuracy', 'attention weight', 'training step', 'Token selection']) {
      expect(t).toContain(s);
    }
    expect(t.filter((s) => s === 'token kind')).toHaveLength(1); // one legend shared by the clean and noisy panels
  });
});

describe('text rendering checks can fail', () => {
  it('a character the font lacks is reported (it would be a tofu box)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="20"><text font-family="DejaVu Sans">a\uE000b</text></svg>';
    expect(missingGlyphs(svg)).toEqual(['\uE000']);
  });

  it('distinct labels give distinct rasters', async () => {
    const svg = (s: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30"><rect width="200" height="30" fill="white"/><text x="4" y="22" font-family="DejaVu Sans" font-size="18">${s}</text></svg>`;
    const a = await svgToPng(svg('‖μ‖₂ / (σ_ε√d)'), { dpi: 96 });
    const b = await svgToPng(svg('training size n'), { dpi: 96 });
    expect(await differingPixels(a, b)).toBeGreaterThan(100);
  });
});

describe('plot settings: defaults < sweep file < caller', () => {
  it('the sweep file sets size, palette, titles; the caller overrides the size', async () => {
    const plan = structuredClone(sweep.plan);
    plan.sweep.plot = { ...plan.sweep.plot, width: '8.5cm', palette: 'tol', title: 'From the file', formats: ['svg'] } as typeof plan.sweep.plot;
    const dir = join(root, 'layers');
    await renderSweepFigures(dir, plan, sweep.cells, sweep.records, { final: false, plot: { width: '12cm' } });
    expect(readdirSync(dir).sort()).toEqual(['phase-diagram.svg', 'phase-diagram.vl.json']);
    const svg = readFileSync(join(dir, 'phase-diagram.svg'), 'utf8');
    expect(svgSize(svg).width).toBeCloseTo(parseLength('12cm'), 2);
    expect(svg).toContain('#CCBB44'); // tol yellow: partial
    expect(svgTexts(svg)).toContain('From the file');
  });

  it('title false drops figure titles; labels and notes apply', async () => {
    const dir = join(root, 'notitle');
    await renderSweepFigures(dir, sweep.plan, sweep.cells, sweep.records, {
      final: false, plot: { title: false, notes: false, labels: { snr: 'signal-to-noise ratio' }, formats: ['svg'] },
    });
    const t = svgTexts(readFileSync(join(dir, 'phase-diagram.svg'), 'utf8'));
    expect(t).not.toContain('tiny');
    expect(t).toContain('signal-to-noise ratio');
    expect(t.some((s) => /seeds agreeing/.test(s))).toBe(false);
  });

  it('defaults: size per figure (8.5 / 17 cm), 300 dpi, DejaVu Sans 8 pt, svg+png+pdf, Okabe–Ito, notes, data-range colour domains', () => {
    expect(resolvePlotSettings()).toEqual({
      dpi: 300, font: 'DejaVu Sans', fontSize: 8, formats: ['svg', 'png', 'pdf'], palette: 'okabe-ito', titles: {}, labels: {}, notes: true, domains: {},
    });
  });

  it('bad values name the setting', () => {
    expect(() => resolvePlotSettings({ width: '8.5 furlongs' })).toThrow(/^plot\.width: expected a length like 8\.5cm, 3\.3in or 640px/);
    expect(() => resolvePlotSettings({ dpi: 10 })).toThrow(/^plot\.dpi: expected an integer between 50 and 2400/);
    expect(() => resolvePlotSettings({ formats: 'svg,gif' })).toThrow(/^plot\.formats: unknown format "gif"/);
  });

  it('a font that is not installed is an error before anything is written', async () => {
    const dir = join(root, 'nofont');
    await expect(renderSweepFigures(dir, sweep.plan, sweep.cells, sweep.records, { plot: { font: 'No Such Font' } })).rejects.toThrow(/No Such Font.*not installed/);
    expect(() => readdirSync(dir)).toThrow();
  });
});

describe('the plot: section of sweep files', () => {
  const doc = (plot: Record<string, unknown>) => ({ name: 's', grid: { n: [4, 8] }, plot });
  it('accepts every option', () => {
    const s = validateSweep(doc({
      x: 'n', title: false, width: '8.5cm', height: 300, dpi: 600, font: 'DejaVu Sans', fontSize: '9pt', formats: ['pdf', 'png'],
      palette: 'greyscale', titles: { boundary: 'B' }, labels: { n: 'samples', testError: 'error' }, notes: false, horizons: [0, 10],
    }), 'f.yaml');
    expect(s.plot).toMatchObject({ width: '8.5cm', dpi: 600, palette: 'greyscale', labels: { n: 'samples' } });
  });

  it('labels every regime, `untrained` included (the list comes from REGIMES)', () => {
    const labels = Object.fromEntries(REGIMES.map((r) => [r, `the ${r} cells`]));
    const s = validateSweep(doc({ labels }), 'f.yaml');
    expect(s.plot?.labels).toEqual(labels);
  });

  it.each([
    [{ colour: 'red' }, 'f.yaml: plot.colour: unknown key'],
    [{ width: '8.5 furlongs' }, 'f.yaml: plot.width: expected a length like 8.5cm, 3.3in or 640px, got "8.5 furlongs"'],
    [{ width: true }, 'f.yaml: plot.width: expected a string or number, got true'],
    [{ dpi: 72.5 }, 'f.yaml: plot.dpi: expected an integer between 50 and 2400, got 72.5'],
    [{ fontSize: 100 }, 'f.yaml: plot.fontSize: expected a size between 4 and 36 pt, got 100'],
    [{ palette: 'jet' }, 'f.yaml: plot.palette: unknown palette "jet" (expected okabe-ito, tol, greyscale)'],
    [{ formats: ['eps'] }, 'f.yaml: plot.formats: unknown format "eps" (expected svg, png, pdf)'],
    [{ titles: { nope: 'x' } }, /^f\.yaml: plot\.titles\.nope: unknown figure \(known: phase-diagram, /],
    [{ labels: { snrr: 'x' } }, /^f\.yaml: plot\.labels\.snrr: unknown axis, metric or regime \(known: d, T, n, /],
  ])('rejects %j with one line naming the key', (plot, message) => {
    let err: Error | null = null;
    try {
      validateSweep(doc(plot), 'f.yaml');
    } catch (e) {
      err = e as Error;
    }
    expect(err).not.toBeNull();
    expect(err!.message).not.toContain('\n');
    if (typeof message === 'string') expect(err!.message).toBe(message);
    else expect(err!.message).toMatch(message);
  });
});
