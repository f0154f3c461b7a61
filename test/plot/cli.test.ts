/**
 * `attn-phase plot <output-dir>` as a user runs it (the built CLI in a child
 * process): figures at a column width in three formats from a finished
 * sweep without training, settings from the sweep file overridden by flags,
 * and user errors as one line naming the flag, exit code 2, nothing written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SWEEP, makeSweepFolder, pngInfo, svgTexts, type SweepFolder } from './helpers.js';
import { snrOf } from '../../src/core/config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function plot(args: string[]): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run "npm run build" before these tests');
  const r = spawnSync(process.execPath, [CLI, 'plot', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let root = '';
let sweep: SweepFolder;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-phase-plot-cli-'));
  sweep = makeSweepFolder(join(root, 'sweep'), { ...TINY_SWEEP, plot: { x: 'snr', y: 'n', title: 'From the sweep file', palette: 'tol' } });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('attn-phase plot on a finished sweep', () => {
  it('writes SVG, PNG (300 dpi) and PDF of each figure at 8.5 cm, plus the tables, without training', () => {
    const out = join(root, 'column');
    const journal = readFileSync(join(sweep.dir, 'results.jsonl'), 'utf8');
    const r = plot([sweep.dir, '--width', '8.5cm', '--dpi', '300', '--format', 'svg,png,pdf', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const listed = r.stdout.trim().split('\n');
    for (const kind of ['phase-diagram', 'loss-maps', 'regime-horizons', 'boundary']) {
      for (const ext of ['svg', 'png', 'pdf', 'vl.json']) expect(listed).toContain(join(out, `${kind}.${ext}`));
    }
    expect(listed).toContain(join(out, 'cells.csv'));
    expect(readFileSync(join(sweep.dir, 'results.jsonl'), 'utf8')).toBe(journal); // the journal is only read
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('PNG is 1004 px wide (8.5 cm at 300 dpi); the sweep file\'s palette and title are used', async () => {
    const out = join(root, 'column');
    expect(await pngInfo(readFileSync(join(out, 'phase-diagram.png')))).toMatchObject({ width: 1004, density: 300 });
    const svg = readFileSync(join(out, 'phase-diagram.svg'), 'utf8');
    expect(svg).toContain('#CCBB44'); // tol palette (partial)
    expect(svgTexts(svg)).toContain('From the sweep file');
  });

  it('flags override the sweep file: title, palette, labels, font size, formats, dpi', async () => {
    const out = join(root, 'override');
    const r = plot([sweep.dir, '--out', out, '--width', '3.3in', '--dpi', '150', '--format', 'png,svg', '--palette', 'okabe-ito',
      '--title', 'Overridden', '--label', 'snr=signal-to-noise ratio', '--font-size', '9', '--no-notes']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.pdf'))).toEqual([]);
    expect(await pngInfo(readFileSync(join(out, 'loss-maps.png')))).toMatchObject({ width: Math.round(3.3 * 150), density: 150 });
    const svg = readFileSync(join(out, 'phase-diagram.svg'), 'utf8');
    expect(svg).not.toContain('#CCBB44');
    expect(svg).toMatch(/#(0072B2|009E73|D55E00|CC79A7)/); // Okabe–Ito regime colours
    expect(svg).toContain('font-size="12px"'); // 9 pt
    const t = svgTexts(svg);
    expect(t).toContain('Overridden');
    expect(t).toContain('signal-to-noise ratio');
    expect(t.some((s) => /seeds agreeing/.test(s))).toBe(false);
  });

  it('--no-title drops the figure titles', () => {
    const out = join(root, 'notitle');
    expect(plot([sweep.dir, '--out', out, '--no-title', '--format', 'svg']).code).toBe(0);
    expect(svgTexts(readFileSync(join(out, 'phase-diagram.svg'), 'utf8'))).not.toContain('From the sweep file');
  });
});

describe('user errors: one line naming the flag, exit 2, nothing written', () => {
  it.each([
    [['--width', '8.5 furlongs'], '--width: expected a length like 8.5cm, 3.3in or 640px, got "8.5 furlongs"'],
    [['--height', '0.5cm'], '--height: "0.5cm" is too small (at least 2.54cm = 1in = 96px)'],
    [['--dpi', 'lots'], '--dpi: expected an integer between 50 and 2400, got "lots"'],
    [['--font-size', 'big'], '--font-size: expected a size in pt like 8 or 9pt, got "big"'],
    [['--format', 'svg,gif'], '--format: unknown format "gif" (expected svg, png, pdf)'],
    [['--palette', 'jet'], '--palette: unknown palette "jet" (expected okabe-ito, tol, greyscale)'],
    [['--font', 'No Such Font'], '--font: font family "No Such Font" is not installed as a TrueType/OpenType font (see fc-list : family)'],
    [['--label', 'snr'], '--label: expected name=text, got "snr"'],
    [['--figure-title', 'nope=x'], /^--figure-title: unknown figure "nope" \(known: phase-diagram, /],
  ])('%j', (args, message) => {
    const out = join(root, 'never');
    const r = plot([sweep.dir, '--out', out, ...(args as string[])]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const msg = lines[0]!.replace(/^attn-phase: error: /, '');
    if (typeof message === 'string') expect(msg).toBe(message);
    else expect(msg).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toBe('');
  });

  it('a folder that is not an output folder', () => {
    const r = plot([root]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`attn-phase: error: ${root}: not an attn-phase output folder (no plan.json or trial.json)`);
  });

  it('a bad plot option kept in plan.json names the file and the key', () => {
    const dir = join(root, 'badplan');
    makeSweepFolder(dir, { ...TINY_SWEEP, seeds: 1, grid: { n: [4, 8] } });
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    plan.sweep.plot = { width: '8.5 furlongs' };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const r = plot([dir, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`attn-phase: error: ${join(dir, 'plan.json')}: plot.width: expected a length like 8.5cm, 3.3in or 640px, got "8.5 furlongs"`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('attn-phase plot on a train folder', () => {
  it('re-renders the trajectory figure (and trajectory.csv) from trial.json', async () => {
    const dir = join(root, 'train');
    const rec = sweep.records[0]!;
    const { kind: _k, sweep: _s, cellKey: _c, axes: _a, finishedAt: _f, attempt: _t, ...trial } = rec;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'trial.json'), JSON.stringify({ ...trial, snr: snrOf(rec.config) }));
    const r = plot([dir, '--width', '8.5cm']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['trajectory.csv', 'trajectory.pdf', 'trajectory.png', 'trajectory.svg', 'trajectory.vl.json', 'trial.json']);
    expect(await pngInfo(readFileSync(join(dir, 'trajectory.png')))).toMatchObject({ width: 1004, density: 300 });
    expect(svgTexts(readFileSync(join(dir, 'trajectory.svg'), 'utf8')).some((s) => s.startsWith('Token selection: SNR = '))).toBe(true);
  });
});
