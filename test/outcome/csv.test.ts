/**
 * cells.csv and trials.csv are tidy and load with one call in a dataframe
 * library: one header row of unique identifier-like names, rectangular rows,
 * numbers in a form every CSV reader types as float (shortest round-trip:
 * values come back bit-exact), missing values as empty fields, RFC 4180
 * quoting. Checked with a strict RFC 4180 reader, and with Python's csv
 * module (what pandas' python engine follows) when python3 is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsCsv, csvField, toCsv, trialsCsv } from '../../src/outcome/csv.js';
import { makeSweepFolder, parseCsv, type SweepFolder } from '../plot/helpers.js';
import type { CellSummary } from '../../src/core/records.js';

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const REGIME_COLUMNS = ['frac_not_overfitting', 'frac_benign_overfitting', 'frac_harmful_overfitting', 'frac_partial', 'frac_untrained', 'frac_diverged'];
const METRICS = ['testError', 'testLoss', 'trainLoss', 'trainAcc', 'cleanFit', 'noisyFit', 'pNorm', 'tFit', 'tGeneralize', 'tMemorise', 'bestTestStep', 'bestTestError', 'tSelect'];
const THEORY = ['nSnr2', 'tau', 'tauBenign', 'log10TauBenign', 'testErrorStep0', 'testErrorBest', 'testLossStep0', 'testLossBest', 'undecidable'];
/** where a cell stands with respect to the theorem's assumptions (SPEC §9; test/outcome/assumptions.test.ts checks the values) */
const ASSUMPTION = ['assumptions', 'case', 'predicted', 'verdict', 'verdict_end', 'horizon_margin', 'margin_snr_dimension', 'margin_nu_scale', 'margin_benign_case', 'margin_not_overfitting_case'];
/** the text columns of cells.csv */
const TEXT = ['regime', 'assumptions', 'case', 'predicted', 'verdict', 'verdict_end'];

let root = '';
let sweep: SweepFolder;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attn-phase-csv-'));
  sweep = makeSweepFolder(join(root, 'sweep'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Rows of a CSV as objects keyed by the header, after checking its shape. */
function table(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header, ...body] = parseCsv(text);
  expect(new Set(header).size).toBe(header!.length);
  for (const h of header!) expect(h).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  for (const r of body) expect(r).toHaveLength(header!.length);
  return { header: header!, rows: body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

describe('cells.csv', () => {
  it('has the axes, seeds, regime, agreement, regime fractions and mean/sd of every metric, one row per cell', () => {
    const { header, rows } = table(cellsCsv(['snr', 'n'], sweep.cells));
    expect(header).toEqual(['cell', 'snr', 'n', 'seeds', 'regime', 'agreement', ...REGIME_COLUMNS, ...METRICS.flatMap((m) => [`${m}_mean`, `${m}_sd`]), ...THEORY, ...ASSUMPTION]);
    expect(rows).toHaveLength(12);
    rows.forEach((r, i) => {
      const c = sweep.cells[i]!;
      expect(Number(r.cell)).toBe(i);
      expect([Number(r.snr), Number(r.n), Number(r.seeds)]).toEqual([c.axes.snr, c.axes.n, 2]);
      expect(r.regime).toBe(c.regime);
      // numbers round-trip exactly (shortest representation)
      expect(Number(r.testError_mean)).toBe(c.metrics.testError!.mean);
      expect(Number(r.trainLoss_sd)).toBe(c.metrics.trainLoss!.sd);
      // fractions of seeds per regime add up to 1
      expect(REGIME_COLUMNS.reduce((s, k) => s + Number(r[k]), 0)).toBeCloseTo(1, 12);
      expect(Number(r.agreement)).toBe(Math.max(...REGIME_COLUMNS.map((k) => Number(r[k]))));
      // theory columns (SPEC §7) from the cell's config: default init, c = 1 → τ = 3/(α‖μ‖²); n·SNR² from the axes
      const rec = sweep.records.find((t) => t.cellKey === c.cellKey)!;
      expect(Number(r.tau)).toBeCloseTo(3 / (rec.config.alpha * rec.config.muNorm ** 2), 10);
      expect(Number(r.nSnr2)).toBeCloseTo((c.axes.n as number) * (c.axes.snr as number) ** 2, 10);
      expect(['0', '1']).toContain(r.undecidable);
    });
  });

  it('writes every number so that a CSV reader types it as a number; missing values as empty fields', () => {
    const { header, rows } = table(cellsCsv(['snr', 'n'], sweep.cells));
    for (const h of header.filter((h) => !TEXT.includes(h))) for (const r of rows) if (r[h] !== '') expect(r[h]).toMatch(NUMBER);
    // tGeneralize is empty where no seed generalised (NaN mean), never "NaN"
    expect(rows.some((r) => r.tGeneralize_mean === '')).toBe(true);
    expect(rows.flatMap((r) => Object.values(r)).some((v) => /nan|infinity|undefined|null/i.test(v))).toBe(false);
  });

  it('a cell not run yet: seeds 0, everything else empty', () => {
    const empty: CellSummary = { ...sweep.cells[0]!, count: 0, regime: null, agreement: 0 };
    const { rows } = table(cellsCsv(['snr', 'n'], [empty]));
    expect(rows[0]).toMatchObject({ seeds: '0', regime: '', agreement: '', frac_partial: '', testError_mean: '', testError_sd: '' });
  });

  it('quotes strings with commas or quotes (RFC 4180) and keeps them intact', () => {
    const c: CellSummary = { ...sweep.cells[0]!, axes: { init: '{"W":"gaussian","p":"zero"}', labels: 'a,b' } };
    const { rows } = table(cellsCsv(['init', 'labels'], [c]));
    expect(rows[0]!.init).toBe('{"W":"gaussian","p":"zero"}');
    expect(rows[0]!.labels).toBe('a,b');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(NaN)).toBe('');
    expect(toCsv(['a'], [[1e-7], [0.1 + 0.2]])).toBe('a\n1e-7\n0.30000000000000004\n');
  });
});

describe('trials.csv', () => {
  const cellIndex = () => new Map(sweep.plan.cells.map((c, i) => [c.key, i]));

  it('one row per trial and checkpoint, tidy: each variable once', () => {
    const { header, rows } = table(trialsCsv(['snr', 'n'], sweep.records, cellIndex()));
    expect(rows).toHaveLength(sweep.records.reduce((s, r) => s + r.checkpoints.length, 0));
    expect(header.slice(0, 6)).toEqual(['trial', 'cell', 'seed', 'engine', 'snr', 'n']);
    for (const p of ['muNorm', 'd', 'T', 'eta', 'rho', 'sigma', 'alpha', 'steps', 'final_regime', 'tFit', 'tGeneralize', 'step', 'regime', 'testAcc', 'testError', 'attnClean_relevant', 'attnNoisy_irrelevant']) {
      expect(header).toContain(p);
    }
  });

  it('joins cells.csv on `cell`, and its values are the journal\'s', () => {
    const { rows } = table(trialsCsv(['snr', 'n'], sweep.records, cellIndex()));
    const cells = table(cellsCsv(['snr', 'n'], sweep.cells)).rows;
    for (const r of rows) {
      const rec = sweep.records.find((t) => t.id === r.trial)!;
      const ck = rec.checkpoints.find((c) => c.step === Number(r.step))!;
      expect(Number(cells[Number(r.cell)]!.snr)).toBe(rec.axes.snr);
      expect(Number(r.seed)).toBe(rec.seed);
      expect(r.final_regime).toBe(rec.regime);
      expect(r.regime).toBe(ck.regime);
      expect(Number(r.testAcc)).toBe(ck.testAcc);
      expect(Number(r.testError)).toBe(1 - ck.testAcc);
      expect(Number(r.d)).toBe(rec.config.d);
    }
  });
});

const HAS_PYTHON = spawnSync('python3', ['-c', 'import csv'], { encoding: 'utf8' }).status === 0;

describe('Python reads them in one call', () => {
  it.skipIf(!HAS_PYTHON)('csv.DictReader: every row complete, numeric columns convert with float()', () => {
    const cells = join(root, 'cells.csv');
    const trials = join(root, 'trials.csv');
    writeFileSync(cells, cellsCsv(['snr', 'n'], sweep.cells));
    writeFileSync(trials, trialsCsv(['snr', 'n'], sweep.records, new Map(sweep.plan.cells.map((c, i) => [c.key, i]))));
    const py = `
import csv, json, sys
out = {}
for f in sys.argv[1:]:
    with open(f, newline='', encoding='utf-8') as fh:
        rows = list(csv.DictReader(fh))
    text = {'regime', 'final_regime', 'trial', 'engine', 'assumptions', 'case', 'predicted', 'verdict', 'verdict_end'}
    bad = [(k, v) for r in rows for k, v in r.items() if k not in text and v != '' and not isinstance(float(v), float)]
    out[f] = {'rows': len(rows), 'cols': len(rows[0]), 'none': sum(v is None for r in rows for v in r.values()), 'bad': bad}
print(json.dumps(out))`;
    const r = spawnSync('python3', ['-c', py, cells, trials], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res[cells]).toMatchObject({ rows: 12, none: 0, bad: [] });
    expect(res[trials]).toMatchObject({ rows: sweep.records.reduce((s, t) => s + t.checkpoints.length, 0), none: 0, bad: [] });
  });
});
