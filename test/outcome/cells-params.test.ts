/**
 * cells.csv carries the parameters that were not swept (besides the swept
 * axes), so a table read on its own says what was run: each value is checked
 * against the sweep document and the documented defaults, and the derived
 * muNorm against its closed form ‖μ‖ = SNR·σ·√d (SPEC §1).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSweepTables } from '../../src/plot/figures.js';
import { makeSweepFolder, parseCsv, TINY_SWEEP } from '../plot/helpers.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { resolvePlotSettings } from '../../src/plot/settings.js';

const root = mkdtempSync(join(tmpdir(), 'attn-phase-cells-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('cells.csv fixed parameters', () => {
  it.each([
    ['a plan with configs (run)', false],
    ['a plan read from plan.json, trials without configs (plot): taken from the records', true],
  ])('has one column per parameter not swept, with the values of the sweep file / defaults — %s', (_name, strip) => {
    const sweep = makeSweepFolder(join(root, strip ? 'tiny-plot' : 'tiny'));
    const plan = strip ? { ...sweep.plan, trials: sweep.plan.trials.map(({ config: _c, ...t }) => t as typeof sweep.plan.trials[number]) } : sweep.plan;
    writeSweepTables(sweep.dir, plan, resolvePlotSettings(plan.sweep.plot), sweep.cells, sweep.records);
    const [header, ...rows] = parseCsv(readFileSync(join(sweep.dir, 'cells.csv'), 'utf8'));
    const fixed = ['muNorm', 'd', 'T', 'eta', 'rho', 'sigma', 'alpha', 'steps'];
    expect(header!.slice(0, 3 + fixed.length)).toEqual(['cell', 'snr', 'n', ...fixed]);
    const base = TINY_SWEEP.base as Record<string, number>;
    const expectedFixed: Record<string, number> = {
      d: base.d!, T: base.T!, steps: base.steps!, eta: DEFAULT_CONFIG.eta, rho: DEFAULT_CONFIG.rho, sigma: DEFAULT_CONFIG.sigma, alpha: DEFAULT_CONFIG.alpha,
    };
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      const row = Object.fromEntries(header!.map((h, i) => [h, r[i]!]));
      for (const [k, v] of Object.entries(expectedFixed)) expect(Number(row[k]), k).toBe(v);
      expect(Number(row.muNorm)).toBeCloseTo(Number(row.snr) * DEFAULT_CONFIG.sigma * Math.sqrt(base.d!), 10);
    }
  });
});
