/**
 * Visual regression: each figure kind is rendered from a fixed small data
 * set (./visual-data.ts) at 8.5 cm and 17 cm and its PNG (100 dpi) compared
 * with the committed reference in test/plot/reference/ by pixelmatch: at
 * most 0.3 % of the pixels may differ (anti-aliasing noise across librsvg
 * builds stays well below; a moved label, a changed colour or a lost row
 * does not). Plus SVG text assertions for the defects of issue #11.
 *
 * Regenerate the references after an intended change: `npm run test:visual:update`
 * (then look at every PNG in test/plot/reference/ before committing).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { estimateBoundary } from '../../src/outcome/boundary.js';
import { boundarySpec, trajectorySpec } from '../../src/plot/charts.js';
import { measurerFor } from '../../src/plot/fonts.js';
import { horizonRegimeSpec, lossMapsSpec, phaseDiagramSpec } from '../../src/plot/maps.js';
import type { LayoutVariant, PanelSize, VlSpec } from '../../src/plot/options.js';
import { fitFigure, svgToPng, type ScalableFigure } from '../../src/plot/render.js';
import { defaultStyle, parseLength } from '../../src/plot/style.js';
import { svgTexts } from './helpers.js';
import { fixedCells, fixedCheckpoints, NS, SNRS } from './visual-data.js';
import type { CellSummary } from '../../src/core/records.js';

const REF = join(dirname(fileURLToPath(import.meta.url)), 'reference');
const UPDATE = process.env.UPDATE_REFERENCES === '1';
/** Largest share of differing pixels accepted. */
const TOLERANCE = 0.003;

const style = { ...defaultStyle(), measure: measurerFor('DejaVu Sans') };
const cells = fixedCells();
const axes = ['snr', 'n'];

/** A figure as the sweep figures are: panels resized until the whole figure has the asked width. */
function scalable(build: (size: PanelSize, layout: LayoutVariant) => VlSpec, layouts: LayoutVariant[]): ScalableFigure {
  return { build, layouts, minPanel: { width: 64, height: 48 }, natural: { width: 300, height: 220 } };
}

const wrap = (w: number) => w - 2 * 6;
const KINDS: Record<string, (width: number) => ScalableFigure> = {
  'phase-diagram': (w) => scalable((size, layout) => phaseDiagramSpec(cells, axes, { size, layout, style, title: 'Phase diagram (d = 2000, T = 8, η = 0.2)', wrapWidth: wrap(w) }),
    [{ stack: false }, { stack: true }, { stack: true, legend: 'bottom' }]),
  'loss-maps': (w) => scalable((size, layout) => lossMapsSpec(cells, axes, { size, layout, style, title: 'Final losses', wrapWidth: wrap(w) }),
    [{ stack: false }, { stack: true }, { stack: true, legend: 'bottom' }]),
  'regime-horizons': (w) => {
    const horizons = [100, 250, 1000].map((step, i) => ({
      step,
      cells: cells.map((c) => (c.regime && i === 0 && c.regime !== 'harmful-overfitting' ? { ...c, regime: 'partial' as const, regimeFractions: { ...c.regimeFractions }, agreement: 1 } : c)),
    }));
    // the (0.05, 5) cell's trials stopped at step 250
    const notReached = new Set(['snr=0.05,n=5@1000']);
    return scalable((size, layout) => horizonRegimeSpec(horizons, axes, { size, layout, style, notReached, title: 'Regime at several horizons', wrapWidth: wrap(w) }),
      [{ columns: 3 }, { columns: 3, legend: 'bottom' }, { columns: 1 }]);
  },
  boundary: (w) => scalable((size, layout) => boundarySpec(cells, estimateBoundary(cells), { size, layout, style, title: 'Phase boundary', wrapWidth: wrap(w) }),
    [{ legend: 'right' }, { legend: 'bottom' }]),
  trajectory: (w) => scalable((size, layout) => trajectorySpec(fixedCheckpoints(), { size, layout, style, title: 'Token selection', wrapWidth: wrap(w) }),
    [{ stack: false }, { stack: false, legend: 'bottom' }, { stack: true, columns: 2, legend: 'bottom' }, { stack: true }]),
};

const WIDTHS = { '8.5cm': parseLength('8.5cm'), '17cm': parseLength('17cm') };

/** Number of pixels that differ between two PNGs of equal size (pixelmatch, threshold 0.1); -1 if sizes differ. */
function diffPixels(a: Buffer, b: Buffer): { differing: number; total: number } {
  const pa = PNG.sync.read(a);
  const pb = PNG.sync.read(b);
  if (pa.width !== pb.width || pa.height !== pb.height) return { differing: -1, total: pa.width * pa.height };
  return { differing: pixelmatch(pa.data, pb.data, null, pa.width, pa.height, { threshold: 0.1 }), total: pa.width * pa.height };
}

const rendered = new Map<string, { svg: string; png: Buffer }>();
async function render(kind: string, width: string): Promise<{ svg: string; png: Buffer }> {
  const key = `${kind}@${width}`;
  let r = rendered.get(key);
  if (!r) {
    const w = WIDTHS[width as keyof typeof WIDTHS];
    const fitted = await fitFigure(KINDS[kind]!(w), { width: w }, { warnings: [] });
    r = { svg: fitted.svg, png: await svgToPng(fitted.svg, { dpi: 100 }) };
    rendered.set(key, r);
  }
  return r;
}

describe('visual regression: each figure kind against its reference PNG', () => {
  for (const kind of Object.keys(KINDS)) {
    for (const width of Object.keys(WIDTHS)) {
      it(`${kind} at ${width}`, async () => {
        const { png } = await render(kind, width);
        const file = join(REF, `${kind}-${width}.png`);
        if (UPDATE || !existsSync(file)) {
          if (!UPDATE) throw new Error(`no reference ${file}: run npm run test:visual:update and look at it`);
          mkdirSync(REF, { recursive: true });
          writeFileSync(file, png);
          return;
        }
        const { differing, total } = diffPixels(png, readFileSync(file));
        expect(differing, `${kind} at ${width}: size differs from the reference`).toBeGreaterThanOrEqual(0);
        expect(differing / total, `${kind} at ${width}: ${differing} of ${total} pixels differ`).toBeLessThanOrEqual(TOLERANCE);
      }, 120_000);
    }
  }
});

describe('visual regression: texts of the figures (SVG)', () => {
  const REGIME_WORDS = ['not overfitting', 'benign overfitting', 'harmful overfitting', 'partial fit', 'diverged'];
  const REGIME_IDS = ['not-overfitting', 'benign-overfitting', 'harmful-overfitting', 'partial', 'diverged'];
  const drawn = (cs: readonly CellSummary[]) => REGIME_IDS.filter((r) => cs.some((c) => c.count > 0 && c.regime === r)).map((r) => REGIME_WORDS[REGIME_IDS.indexOf(r)]!);

  for (const width of Object.keys(WIDTHS)) {
    it(`no underscore or internal key in any text, σ_ε typeset (${width})`, async () => {
      for (const kind of Object.keys(KINDS)) {
        const { svg } = await render(kind, width);
        const t = svgTexts(svg);
        expect(t.filter((s) => s.includes('_')), kind).toEqual([]);
        for (const id of ['harmful-overfitting', 'benign-overfitting', 'not-overfitting', 'tFit', 'testError']) expect(t.join('|'), kind).not.toContain(id);
        // facet panels at 8.5 cm shorten the axis title to its symbol "SNR"
        if (kind !== 'trajectory' && !(kind === 'regime-horizons' && !svg.includes('SNR ='))) expect(svg, kind).toMatch(/σ<tspan baseline-shift="sub" font-size="[\d.]+px">ε<\/tspan>/);
      }
    }, 300_000);

    it(`every row and column of the grid figures labelled with its value (${width})`, async () => {
      for (const kind of ['phase-diagram', 'loss-maps', 'regime-horizons', 'boundary']) {
        const t = svgTexts((await render(kind, width)).svg);
        for (const v of [...SNRS, ...NS]) expect(t, `${kind}: ${v}`).toContain(String(v));
      }
    }, 300_000);

    it(`legends list the regimes drawn and no other; a tie is not called majority (${width})`, async () => {
      const t = svgTexts((await render('phase-diagram', width)).svg);
      const want = drawn(cells);
      for (const w of REGIME_WORDS) expect(t.includes(w), w).toBe(want.includes(w));
      expect(t.join(' ')).not.toMatch(/majority/);
      const b = svgTexts((await render('boundary', width)).svg);
      expect(b).not.toContain('diverged');
      expect(b.join(' ')).not.toMatch(/majority/);
    }, 300_000);

    it(`regime-horizons: headers at the asked steps, stopped trials explained (${width})`, async () => {
      const t = svgTexts((await render('regime-horizons', width)).svg);
      for (const s of [100, 250, 1000]) expect(t).toContain(`step = ${s}`);
      expect(t.join(' ')).toMatch(/stopped earlier/);
    }, 300_000);

    it(`cell values are drawn only when they fit inside their cell (${width})`, async () => {
      const spec = (await fitFigure(KINDS['loss-maps']!(WIDTHS[width as keyof typeof WIDTHS]), { width: WIDTHS[width as keyof typeof WIDTHS] })).spec as Record<string, unknown>;
      const panels = (spec.hconcat ?? spec.vconcat) as Record<string, unknown>[];
      for (const p of panels) {
        const layers = p.layer as Record<string, unknown>[];
        const text = layers.find((l) => (l.mark as Record<string, unknown>).type === 'text' && JSON.stringify(l.encoding).includes('valueText'));
        if (!text) continue;
        const size = Number((text.mark as Record<string, unknown>).fontSize);
        const w = Number(p.width) / SNRS.length;
        const rows = (p.data as { values: { valueText: string }[] }).values;
        for (const r of rows) expect(style.measure!(r.valueText, size)).toBeLessThanOrEqual(w);
      }
    }, 300_000);
  }
});
