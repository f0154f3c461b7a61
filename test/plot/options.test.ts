/**
 * Figure options added for issue #11: continuous colour scales (scheme,
 * domain per metric) in the sweep file's plot: section and as plot flags,
 * and a font file (--font-file / plot.fontFile) embedded in the PDF and
 * used for the PNG.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricMapSpec } from '../../src/plot/maps.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { differingPixels, makeSweepFolder, type SweepFolder } from './helpers.js';
import { fixedCells } from './visual-data.js';
import { PlotSettingsError, resolvePlotSettings } from '../../src/plot/settings.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('continuous colour scales: scheme and domain', () => {
  it('settings: plot.scheme and plot.domains resolve; bad values name the key', () => {
    const s = resolvePlotSettings({ scheme: 'magma', domains: { testError: [0, 0.5] } }, { domains: { trainLoss: '0.3,0.7' } });
    expect(s.scheme).toBe('magma');
    expect(s.domains).toEqual({ testError: [0, 0.5], trainLoss: [0.3, 0.7] });
    expect(() => resolvePlotSettings({ scheme: 'nope' })).toThrow(PlotSettingsError);
    expect(() => resolvePlotSettings({ scheme: 'nope' })).toThrow(/^plot\.scheme: .*"nope"/);
    expect(() => resolvePlotSettings({ domains: { testError: [0.5, 0.1] } })).toThrow(/^plot\.domains\.testError: expected/);
  });

  it('the sweep schema accepts them and rejects an unknown metric or scheme', () => {
    const doc = (plot: unknown) => ({ name: 'x', grid: { snr: [0.1, 1] }, plot });
    expect(validateSweep(doc({ scheme: 'cividis', domains: { testError: [0, 0.5] } })).plot).toMatchObject({ scheme: 'cividis' });
    expect(() => validateSweep(doc({ scheme: 'rainbowish' }))).toThrow(/plot\.scheme/);
    expect(() => validateSweep(doc({ domains: { testErr: [0, 1] } }))).toThrow(/plot\.domains\.testErr/);
  });

  it('a metric map takes the domain and scheme; by default the data range of the means', () => {
    const cells = fixedCells();
    const means = cells.filter((c) => c.count > 0).map((c) => c.metrics.testError!.mean);
    const color = (spec: J) => spec.layer.find((l: J) => l.encoding?.color?.field === 'value').encoding.color;
    const byDefault = color(metricMapSpec(cells, ['snr', 'n'], 'testError'));
    expect(byDefault.scale.domain).toEqual([Math.min(...means), Math.max(...means)]);
    // the colour bar has round values between its ends
    expect(byDefault.legend.values.length).toBeGreaterThanOrEqual(3);
    const set = color(metricMapSpec(cells, ['snr', 'n'], 'testError', { domains: { testError: [0, 0.5] }, scheme: 'magma' }));
    expect(set.scale).toMatchObject({ domain: [0, 0.5], scheme: 'magma' });
    expect(set.legend.values[0]).toBe(0);
    expect(set.legend.values.at(-1)).toBe(0.5);
  });
});

describe('plot --font-file', () => {
  let root: string;
  let sweep: SweepFolder;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'attn-fontfile-'));
    sweep = makeSweepFolder(join(root, 'sweep'));
    // a font file outside the font folders, under a name fontconfig does not know
    copyFileSync('/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf', join(root, 'paper-font.ttf'));
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const plot = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'plot', ...args], { encoding: 'utf8' });

  it('sets the text in the file\'s font: named in the SVG, embedded in the PDF, drawn in the PNG', async () => {
    const a = join(root, 'with');
    const b = join(root, 'without');
    const r = plot([sweep.dir, '--out', a, '--font-file', join(root, 'paper-font.ttf'), '--format', 'svg,png,pdf']);
    expect(r.status, r.stderr).toBe(0);
    expect(plot([sweep.dir, '--out', b, '--format', 'png']).status).toBe(0);
    expect(readFileSync(join(a, 'phase-diagram.svg'), 'utf8')).toContain('font-family="DejaVu Math TeX Gyre"');
    expect(readFileSync(join(a, 'phase-diagram.pdf')).toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuMathTeXGyre/);
    // same layout engine, another font: the glyphs differ
    // (a different height, from other line breaks, is a difference too)
    const d = await differingPixels(readFileSync(join(a, 'boundary.png')), readFileSync(join(b, 'boundary.png'))).catch(() => Infinity);
    expect(d).toBeGreaterThan(500);
  }, 300_000);

  it('a missing or non-font file is one line naming the flag, exit 2', () => {
    const r = plot([sweep.dir, '--out', join(root, 'x'), '--font-file', join(root, 'nope.ttf')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/--font-file: .*does not exist/);
    const bad = plot([sweep.dir, '--out', join(root, 'y'), '--font-file', 'font.woff']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--font-file: expected a \.ttf or \.otf file/);
  });
});
