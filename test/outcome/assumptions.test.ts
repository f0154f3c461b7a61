/**
 * The theorem's assumptions (SPEC §9, src/outcome/assumptions.ts): margins
 * against closed forms, SPEC §9's table of the least d, the constants of the
 * sweep file, the case split, the verdict, and where the result reaches
 * (cells.csv, trials.csv, the maps, boundary.json, the dry run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrialConfig, muNormFromSnr } from '../../src/core/config.js';
import type { CellSummary } from '../../src/core/records.js';
import { CONDITIONS, DEFAULT_ASSUMPTIONS, assessAssumptions, minDimension, verdicts } from '../../src/outcome/assumptions.js';
import { summariseCells } from '../../src/outcome/aggregate.js';
import { estimateBoundary } from '../../src/outcome/boundary.js';
import { theoryOf } from '../../src/outcome/theory.js';
import { regimeMapSpec } from '../../src/plot/maps.js';
import { renderSweepFigures } from '../../src/plot/figures.js';
import { estimatePlan, formatDryRun } from '../../src/sweep/dryrun.js';
import { planSweep } from '../../src/sweep/plan.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { makeSweepFolder, parseCsv } from '../plot/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'attn-assumptions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A config at SNR `snr`, dimension d, training size n (σ = 1, default head and init). */
const at = (snr: number, d: number, n: number, o: Partial<TrialConfig> = {}): TrialConfig => ({ ...DEFAULT_CONFIG, d, n, muNorm: muNormFromSnr(snr, 1, d), ...o });

describe('margins against closed forms', () => {
  it('snr-dimension: SNR²·d^(1/4) / c; nu-scale: c / max(|ν‖μ‖|, 1/|ν‖μ‖|); the cases: c/(n·SNR²) and (n·SNR²)/c', () => {
    // SNR = 0.1, d = 10⁸ (d^(1/4) = 100), n = 20: SNR²·d^(1/4) = 1; n·SNR² = 0.2
    const a = assessAssumptions(at(0.1, 1e8, 20));
    expect(a.margins['snr-dimension']).toBeCloseTo(1, 12);
    expect(a.margins['nu-scale']).toBeCloseTo(10, 12);
    expect(a.margins['benign-case']).toBeCloseTo(5, 12);
    expect(a.margins['not-overfitting-case']).toBeCloseTo(0.2, 12);
    expect(a.case).toBe('benign');
    // the head's scale c enters as |c| and 1/|c| alike
    expect(assessAssumptions(at(0.1, 1e8, 20, { nuScale: -4 })).margins['nu-scale']).toBeCloseTo(2.5, 12);
    expect(assessAssumptions(at(0.1, 1e8, 20, { nuScale: 0.25 })).margins['nu-scale']).toBeCloseTo(2.5, 12);
    // constants scale the margins inversely
    expect(assessAssumptions(at(0.1, 1e8, 20), { snrDimension: 4 }).margins['snr-dimension']).toBeCloseTo(0.25, 12);
  });

  it('SPEC §9\'s table: the least d at which SNR² ≥ d^(−1/4), and a cell just above / below it', () => {
    const table: [number, number, number][] = [[1, 16, 6.6e4], [1 / 4, 16, 1.7e7], [1 / 16, 16, 4.3e9], [1 / 16, 4, 1.7e7]];
    for (const [nSnr2, n, d] of table) {
      const dMin = minDimension(n, nSnr2);
      expect(dMin / d).toBeGreaterThan(0.97);
      expect(dMin / d).toBeLessThan(1.03);
      const snr = Math.sqrt(nSnr2 / n);
      expect(assessAssumptions(at(snr, Math.ceil(dMin * 1.001), n)).outside).not.toContain('snr-dimension');
      expect(assessAssumptions(at(snr, Math.floor(dMin * 0.999), n)).outside).toContain('snr-dimension');
    }
  });

  it('inside, outside and the gap between the cases', () => {
    const inside = assessAssumptions(at(0.1, 1e8, 20));
    expect(inside).toMatchObject({ inside: true, outside: [], label: 'inside', predicted: 'benign-overfitting' });
    const both = assessAssumptions(at(0.1, 1e4, 20, { nuScale: 100 }));
    expect(both.label).toBe('outside: snr-dimension, nu-scale');
    expect(both.predicted).toBeNull();
    // n·SNR² = 1 with benign ≤ 0.5 and not-overfitting ≥ 2: between the cases
    const gap = assessAssumptions(at(Math.sqrt(1 / 20), 1e12, 20), { benign: 0.5, notOverfitting: 2 });
    expect(gap.case).toBe('neither');
    expect(gap.outside).toEqual(['between-cases']);
    // high SNR: the not-overfitting case, predicted at 10·τ by default
    const high = assessAssumptions(at(1, 1e8, 20));
    expect(high.case).toBe('not-overfitting');
    expect(high.predicted).toBe('not-overfitting');
    expect(high.predictionStep).toBeCloseTo(DEFAULT_ASSUMPTIONS.horizonNotOverfitting * theoryOf(at(1, 1e8, 20)).tau, 9);
  });

  it('the horizon: steps over c·τ_b (benign); outside there is no prediction and no horizon', () => {
    const cfg = at(0.1, 1e8, 20, { steps: 5000 });
    const a = assessAssumptions(cfg, { horizonBenign: 2 });
    expect(a.horizonMargin).toBeCloseTo(5000 / (2 * theoryOf(cfg).tauBenign), 9);
    // n·SNR² = 0.004 at d = 10¹² (just inside: SNR²·d^(1/4) = 1.01): τ_b ∝ e^250, finite, out of any run's reach
    const deep = assessAssumptions(at(Math.sqrt(1.01e-3), 1e12, 4));
    expect(deep.inside).toBe(true);
    expect(deep.horizonMargin).toBeGreaterThan(0);
    expect(deep.horizonMargin).toBeLessThan(1e-90);
    const outside = assessAssumptions(at(0.001, 1e12, 4));
    expect(outside.inside).toBe(false);
    expect(outside.horizonMargin).toBeNull();
    expect(outside.predictionStep).toBeNull();
  });

  it('every condition has a statement, how it is checked and a source naming the paper version', () => {
    for (const c of CONDITIONS) {
      expect(c.statement.length).toBeGreaterThan(5);
      expect(c.checked.length).toBeGreaterThan(5);
      expect(c.source).toMatch(/2409\.17625v3/);
    }
  });
});

describe('verdicts', () => {
  type R = 'benign-overfitting' | 'not-overfitting' | 'partial';
  const trial = (path: [number, R][]) => ({ checkpoints: path.map(([step, regime]) => ({ step, regime })), regime: path[path.length - 1]![1] });

  it('at the prediction\'s time and at the end: majority of the seeds that got there; not-reached; silent outside', () => {
    const base = at(0.1, 1e8, 20);
    const tb = theoryOf(base).tauBenign;
    const a = assessAssumptions({ ...base, steps: Math.ceil(3 * tb) });
    expect(a.predictionStep).toBeCloseTo(tb, 6);
    const before = Math.floor(tb / 2), after = Math.ceil(tb) + 1, end = Math.ceil(3 * tb);
    // two seeds benign from τ_b on, one partial: agrees; at the end one more partial: disagrees
    const ts = [
      trial([[0, 'partial'], [before, 'partial'], [after, 'benign-overfitting'], [end, 'benign-overfitting']]),
      trial([[0, 'partial'], [before, 'partial'], [after, 'benign-overfitting'], [end, 'partial']]),
      trial([[0, 'partial'], [before, 'partial'], [after, 'partial'], [end, 'partial']]),
    ];
    expect(verdicts(a, ts)).toEqual({ atPrediction: 'agrees', atEnd: 'disagrees' });
    // runs that stopped before τ_b
    expect(verdicts(a, [trial([[0, 'partial'], [before, 'benign-overfitting']])])).toEqual({ atPrediction: 'not-reached', atEnd: 'not-reached' });
    // outside: silent whatever happened
    expect(verdicts(assessAssumptions(at(0.1, 1e4, 20)), ts)).toEqual({ atPrediction: 'silent', atEnd: 'silent' });
    expect(verdicts(a, [])).toBeNull();
  });

  it('the not-overfitting case is read at horizonNotOverfitting·τ (10τ by default), then at the end', () => {
    const cfg = at(1, 1e8, 20);
    const tau = theoryOf(cfg).tau;
    const a = assessAssumptions({ ...cfg, steps: Math.ceil(1000 * tau) });
    expect(a.predictionStep).toBeCloseTo(10 * tau, 9);
    const ts = [trial([[0, 'partial'], [Math.ceil(10 * tau), 'not-overfitting'], [Math.ceil(1000 * tau), 'benign-overfitting']])];
    expect(verdicts(a, ts)).toEqual({ atPrediction: 'agrees', atEnd: 'disagrees' });
  });
});

describe('the sweep file\'s assumptions: section', () => {
  const doc = (assumptions: unknown) => ({ name: 'a', base: { d: 16, T: 4, n: 4, steps: 10 }, grid: { snr: [0.5, 2] }, assumptions });

  it('accepts the constants and passes them to the cells; refuses unknown keys and non-positive values in one line', () => {
    expect(validateSweep(doc({ snrDimension: 0.001 })).assumptions).toEqual({ snrDimension: 0.001 });
    expect(() => validateSweep(doc({ snrDimensoin: 1 }), 'f.yaml')).toThrow(/^f\.yaml: assumptions\.snrDimensoin: unknown key — did you mean `snrDimension`\?$/);
    expect(() => validateSweep(doc({ nuScale: 0 }), 'f.yaml')).toThrow(/^f\.yaml: assumptions\.nuScale: /);
    expect(() => validateSweep(doc({ benign: 'big' }), 'f.yaml')).toThrow(/^f\.yaml: assumptions\.benign: /);
  });

  it('the dry run counts the cells inside and names why the others are outside', () => {
    const plan = planSweep(validateSweep(doc({}), 't'));
    // d = 16 (d^(1/4) = 2): SNR 0.5 → SNR²·2 = 0.5 < 1, outside; SNR 2 → 8, inside (n·SNR² = 16: not overfitting)
    const text = formatDryRun(plan, estimatePlan(plan, 1), 'out');
    expect(text).toContain("theorem's assumptions: 1 of 2 cells inside (docs/assumptions.md); outside: snr-dimension 1");
    // with a constant that lets both in
    const loose = planSweep(validateSweep(doc({ snrDimension: 0.25 }), 't'));
    expect(formatDryRun(loose, estimatePlan(loose, 1), 'out')).toContain("theorem's assumptions: 2 of 2 cells inside");
  });
});

describe('where the result reaches', () => {
  const sweep = makeSweepFolder(join(root, 'tiny'));

  it('cells.csv: assumptions, case, predicted, verdict and a margin per condition, equal to an assessment of the cell\'s config', async () => {
    await renderSweepFigures(sweep.dir, sweep.plan, sweep.cells, sweep.records, { plot: { formats: ['svg'] } });
    const [header, ...rows] = parseCsv(readFileSync(join(sweep.dir, 'cells.csv'), 'utf8'));
    for (const col of ['assumptions', 'case', 'predicted', 'verdict', 'verdict_end', 'horizon_margin', 'margin_snr_dimension', 'margin_nu_scale', 'margin_benign_case', 'margin_not_overfitting_case']) expect(header).toContain(col);
    const col = (name: string) => header!.indexOf(name);
    for (const [i, c] of sweep.plan.cells.entries()) {
      const cfg = sweep.plan.trials.find((t) => t.cellKey === c.key)!.config;
      const a = assessAssumptions(cfg);
      const row = rows[i]!;
      expect(row[col('assumptions')]).toBe(a.label);
      expect(Number(row[col('margin_snr_dimension')])).toBeCloseTo(a.margins['snr-dimension'], 10);
      expect(row[col('case')]).toBe(a.case);
    }
    // d = 16: d^(1/4) = 2, so SNR² ≥ 1/2 ⇔ SNR ≥ 0.707: the SNR 2 column is inside, the others outside
    const snrCol = col('snr');
    for (const r of rows) expect(r[col('assumptions')]).toBe(Number(r[snrCol]) >= 0.75 ? 'inside' : 'outside: snr-dimension');
  });

  it('trials.csv carries the label and the margins on every row', () => {
    const [header, ...rows] = parseCsv(readFileSync(join(sweep.dir, 'trials.csv'), 'utf8'));
    const i = header!.indexOf('assumptions');
    expect(i).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r[i]))).toEqual(new Set(['inside', 'outside: snr-dimension']));
  });

  it('boundary.json: the fits on all cells and on the inside cells, the inside fit that of the inside cells alone', () => {
    const b = JSON.parse(readFileSync(join(sweep.dir, 'boundary.json'), 'utf8'));
    const inside = sweep.cells.filter((c) => c.assumptions?.inside);
    expect(b.assumptions.cellsInside).toBe(inside.length);
    expect(b.assumptions.cellsAssessed).toBe(sweep.cells.length);
    expect(b.assumptions.constants).toEqual(DEFAULT_ASSUMPTIONS);
    const own = estimateBoundary(inside);
    expect(b.assumptions.inside.points).toEqual(JSON.parse(JSON.stringify(own.points)));
    expect(b.assumptions.inside.slope).toEqual(own.slope);
    expect(b.slope).toEqual(estimateBoundary(sweep.cells).slope);
  });

  it('the maps hatch the outside cells and say so; a sweep with none outside has no such layer', () => {
    const spec = regimeMapSpec(sweep.cells, ['snr', 'n']);
    const text = JSON.stringify(spec);
    const outside = sweep.cells.filter((c) => c.assumptions?.inside === false).length;
    expect(outside).toBe(9);
    expect(text.replace(/","/g, ' ')).toMatch(new RegExp(`outside the theorem's\\s+assumptions \\(${outside} of 12\\s+cells`));
    expect(text).toContain('datum.outside');
    const allIn: CellSummary[] = summariseCells(sweep.plan.cells, sweep.records, { snrDimension: 1e-9 });
    expect(allIn.every((c) => c.assumptions?.inside)).toBe(true);
    const clean = JSON.stringify(regimeMapSpec(allIn, ['snr', 'n']));
    expect(clean).not.toContain('datum.outside');
    expect(clean).not.toContain("outside the theorem's");
  });
});
