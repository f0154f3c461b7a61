/**
 * Sweep-file validation and grid expansion. Every user error must be a
 * SweepSpecError whose message is ONE line that starts with the source name
 * and names the offending field path (e.g. `grid.T[0]`, `base.eta`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sweep/plan.js';
import { expandRange, loadSweep, validateSweep } from '../../src/sweep/spec.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { INTEGER_PARAMS, PARAM_NAMES, PARAM_SCHEMAS } from '../../src/core/params.js';
import { SweepSpecError } from '../../src/core/errors.js';

/** The error thrown by fn (fails the test if none, or not a SweepSpecError). */
function errorOf(fn: () => unknown): SweepSpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SweepSpecError);
    return e as SweepSpecError;
  }
  throw new Error('expected a SweepSpecError, nothing was thrown');
}

function expectFieldError(doc: unknown, field: string): void {
  const e = errorOf(() => validateSweep(doc, 'my.yaml'));
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message.startsWith(`my.yaml: ${field}`)).toBe(true);
  // the path is followed by ':' so 'base.n' does not also match 'base.nuScale'
  expect(e.message).toContain(`${field}:`);
}

describe('validation errors: one line naming the field', () => {
  it.each<[string, unknown, string]>([
    ['unknown top-level key', { name: 'x', foo: 1 }, 'foo'],
    ['unknown parameter in base', { name: 'x', base: { bogus: 1 } }, 'base.bogus'],
    ['unknown parameter in grid', { name: 'x', grid: { bogus: [1] } }, 'grid.bogus'],
    ['T < 3 in grid', { name: 'x', grid: { T: [4, 2] } }, 'grid.T[1]'],
    ['T < 3 in base', { name: 'x', base: { T: 2 } }, 'base.T'],
    ['T < 3 from a range', { name: 'x', grid: { T: { linspace: [1, 5], num: 5 } } }, 'grid.T[0]'],
    ['n < 2', { name: 'x', base: { n: 1 } }, 'base.n'],
    ['non-integer n in base', { name: 'x', base: { n: 2.5 } }, 'base.n'],
    ['non-integer n in grid', { name: 'x', grid: { n: [4, 2.5] } }, 'grid.n[1]'],
    ['η = 0.5', { name: 'x', base: { eta: 0.5 } }, 'base.eta'],
    ['η < 0', { name: 'x', base: { eta: -0.1 } }, 'base.eta'],
    ['d = 1', { name: 'x', base: { d: 1 } }, 'base.d'],
    ['d = 0', { name: 'x', base: { d: 0 } }, 'base.d'],
    ['d negative in grid', { name: 'x', grid: { d: [10, -5] } }, 'grid.d[1]'],
    ['ρ = 0', { name: 'x', base: { rho: 0 } }, 'base.rho'],
    ['ρ = 1', { name: 'x', base: { rho: 1 } }, 'base.rho'],
    ['ρ > 1 in grid', { name: 'x', grid: { rho: [0.5, 1.2] } }, 'grid.rho[1]'],
    ['logspace from 0', { name: 'x', grid: { snr: { logspace: [0, 1], num: 3 } } }, 'grid.snr.logspace'],
    ['logspace to negative', { name: 'x', grid: { snr: { logspace: [0.1, -1], num: 3 } } }, 'grid.snr.logspace'],
    ['range without num', { name: 'x', grid: { snr: { logspace: [0.1, 1] } } }, 'grid.snr'],
    ['unknown key in a range', { name: 'x', grid: { snr: { linspace: [0.1, 1], num: 3, step: 1 } } }, 'grid.snr.step'],
    ['range over a non-numeric parameter', { name: 'x', grid: { labels: { linspace: [0, 1], num: 2 } } }, 'grid.labels'],
    ['empty axis', { name: 'x', grid: { d: [] } }, 'grid.d'],
    ['parameter in base and grid', { name: 'x', base: { T: 4 }, grid: { T: [3] } }, 'grid.T'],
    ['bad init enum', { name: 'x', base: { init: { W: 'bogus' } } }, 'base.init.W'],
    ['unknown init key', { name: 'x', base: { init: { W: 'uniform', q: 1 } } }, 'base.init.q'],
    ['bad init in grid', { name: 'x', grid: { init: [{ p: 'zero' }, { p: 'nope' }] } }, 'grid.init[1].p'],
    ['bad labels enum', { name: 'x', base: { labels: 'foo' } }, 'base.labels'],
    ['string where a number is needed', { name: 'x', base: { d: 'abc' } }, 'base.d'],
    ['seeds: 0', { name: 'x', seeds: 0 }, 'seeds'],
    ['negative seed', { name: 'x', seeds: [3, -1] }, 'seeds[1]'],
    ['seed beyond 2^53 (the RNG takes safe integers only)', { name: 'x', seeds: [0, 1e20] }, 'seeds[1]'],
    ['bad name', { name: 'a/b' }, 'name'],
    ['missing name', {}, 'name'],
    ['base not a mapping', { name: 'x', base: 5 }, 'base'],
  ])('%s', (_what, doc, field) => expectFieldError(doc, field));

  it('snr together with muNorm: names where muNorm is given, and mentions snr', () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', base: { snr: 1, muNorm: 3 } }, 'base.muNorm'],
      [{ name: 'x', base: { snr: 1 }, grid: { muNorm: [1, 2] } }, 'grid.muNorm'],
      [{ name: 'x', base: { muNorm: 1 }, grid: { snr: [1, 2] } }, 'base.muNorm'],
    ];
    for (const [doc, field] of cases) {
      expectFieldError(doc, field);
      expect(errorOf(() => validateSweep(doc, 'my.yaml')).message).toContain('snr');
    }
  });

  it('a document that is not a mapping', () => {
    const e = errorOf(() => validateSweep(5, 'my.yaml'));
    expect(e.message).toMatch(/^my\.yaml: [^\n]*$/);
  });
});

describe('loadSweep (files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attn-phase-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bad YAML: one line, prefixed with the file name', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'name: x\ngrid:\n  n: [1, 2\n  T: {a: \n');
    const e = errorOf(() => loadSweep(f));
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message.startsWith(`${f}: invalid YAML`)).toBe(true);
  });

  it('missing file: one line naming the file', () => {
    const f = join(dir, 'nope.yaml');
    const e = errorOf(() => loadSweep(f));
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message.startsWith(`${f}: `)).toBe(true);
  });

  it('a valid file loads, with errors prefixed by its path', () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'name: ok\nbase: { d: 50 }\ngrid:\n  snr: { logspace: [0.1, 10], num: 3 }\n  n: [5, 10]\nseeds: [0, 7, 7]\n');
    const s = loadSweep(f);
    expect(s.name).toBe('ok');
    expect(s.base).toEqual({ d: 50 });
    expect(s.axes).toEqual([{ name: 'snr', values: [0.1, 1, 10] }, { name: 'n', values: [5, 10] }]);
    expect(s.seeds).toEqual([0, 7]);
    const g = join(dir, 'bad-field.yaml');
    writeFileSync(g, 'name: x\nbase:\n  eta: 0.5\n');
    const e = errorOf(() => loadSweep(g));
    expect(e.message.startsWith(`${g}: base.eta:`)).toBe(true);
  });
});

describe('sweep contents', () => {
  it('seeds: a count gives 0..k−1, a list is kept (duplicates removed)', () => {
    expect(validateSweep({ name: 'x', seeds: 3 }).seeds).toEqual([0, 1, 2]);
    expect(validateSweep({ name: 'x', seeds: [5, 2, 5] }).seeds).toEqual([5, 2]);
    expect(validateSweep({ name: 'x' }).seeds).toEqual([0]);
  });

  it('axes keep file order; repeated list values give one cell each', () => {
    const s = validateSweep({ name: 'x', grid: { n: [10, 5, 10], eta: [0.1], labels: ['iid', 'balanced', 'iid'] } });
    expect(s.axes.map((a) => a.name)).toEqual(['n', 'eta', 'labels']);
    expect(s.axes[0].values).toEqual([10, 5]);
    expect(s.axes[2].values).toEqual(['iid', 'balanced']);
  });

  it('init defaults are filled in when a trial is resolved (W uniform, p zero; DEFAULT_CONFIG is the one place)', () => {
    const s = validateSweep({ name: 'x', base: { init: { p: 'gaussian' } } });
    expect(s.base.init).toEqual({ p: 'gaussian' });
    expect(resolveConfig(s.base, {}).init).toEqual({ W: 'uniform', p: 'gaussian' });
  });
});

describe('one list of parameters', () => {
  it('the defaults cover exactly the schema parameters (snr is derived: muNorm = snr·σ·√d; maxSteps only caps steps: { tau })', () => {
    const resolvedAway = ['snr', 'maxSteps'];
    expect(Object.keys(DEFAULT_CONFIG).sort()).toEqual(PARAM_NAMES.filter((p) => !resolvedAway.includes(p)).sort());
    for (const p of PARAM_NAMES) if (!resolvedAway.includes(p)) expect(PARAM_SCHEMAS[p].safeParse(DEFAULT_CONFIG[p as keyof typeof DEFAULT_CONFIG]).success).toBe(true);
  });

  it('integer parameters are those whose validator rejects 4.5 and accepts 4', () => {
    const integer = PARAM_NAMES.filter((p) => PARAM_SCHEMAS[p].safeParse(4).success && !PARAM_SCHEMAS[p].safeParse(4.5).success);
    expect([...INTEGER_PARAMS].sort()).toEqual(integer.sort());
    expect(integer).toContain('n');
    expect(integer).not.toContain('eta');
  });

  it('ranges are refused exactly for non-numeric parameters', () => {
    for (const p of PARAM_NAMES) {
      const numeric = PARAM_SCHEMAS[p].safeParse(0.25).success || PARAM_SCHEMAS[p].safeParse(4).success;
      const doc = { name: 'x', grid: { [p]: { linspace: [3, 4], num: 2 } } };
      if (numeric) expect(() => validateSweep(doc)).not.toThrow(/ranges need a numeric/);
      else expect(() => validateSweep(doc)).toThrow(/ranges need a numeric parameter/);
    }
  });
});

describe('expandRange', () => {
  it('logspace: inclusive ends, geometric spacing', () => {
    // 0.01 … 100 in 5 points: ratio 10
    expect(expandRange('logspace', 0.01, 100, 5, false, 'w')).toEqual([0.01, 0.1, 1, 10, 100]);
    const v = expandRange('logspace', 0.03, 3, 8, false, 'w');
    expect(v).toHaveLength(8);
    expect(v[0]).toBe(0.03);
    expect(v[7]).toBe(3);
    const r = 100 ** (1 / 7); // constant ratio (3/0.03)^(1/7)
    for (let i = 1; i < 8; i++) expect(v[i] / v[i - 1]).toBeCloseTo(r, 9);
  });

  it('linspace: inclusive ends, equal steps; descending ranges allowed', () => {
    expect(expandRange('linspace', 0, 1, 5, false, 'w')).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(expandRange('linspace', 0.1, 0.3, 3, false, 'w')).toEqual([0.1, 0.2, 0.3]);
    expect(expandRange('linspace', 3, 1, 3, false, 'w')).toEqual([3, 2, 1]);
  });

  it('num = 1 gives the first end', () => {
    expect(expandRange('linspace', 2, 9, 1, false, 'w')).toEqual([2]);
    expect(expandRange('logspace', 2, 9, 1, true, 'w')).toEqual([2]);
  });

  it('integer parameters: rounded to integers and de-duplicated, order kept', () => {
    // linspace 2..4 in 5 points: 2, 2.5, 3, 3.5, 4 → round → 2, 3, 3, 4, 4 → 2, 3, 4
    expect(expandRange('linspace', 2, 4, 5, true, 'w')).toEqual([2, 3, 4]);
    // logspace 5..160 in 6 points: ratio 2 → 5, 10, 20, 40, 80, 160 exactly
    expect(expandRange('logspace', 5, 160, 6, true, 'w')).toEqual([5, 10, 20, 40, 80, 160]);
    const v = expandRange('logspace', 2, 1000, 12, true, 'w');
    expect(v.every(Number.isInteger)).toBe(true);
    expect(new Set(v).size).toBe(v.length);
    expect(v[0]).toBe(2);
    expect(v[v.length - 1]).toBe(1000);
  });

  it('integer axes from a sweep file stay integers', () => {
    const s = validateSweep({ name: 'x', grid: { n: { logspace: [3, 50], num: 7 }, d: { linspace: [10, 20], num: 4 } } });
    for (const a of s.axes) expect(a.values.every((x) => Number.isInteger(x))).toBe(true);
    // d: 10, 13.33, 16.67, 20 → 10, 13, 17, 20
    expect(s.axes[1].values).toEqual([10, 13, 17, 20]);
  });

  it('logspace with a non-positive end is an error naming the field', () => {
    expect(() => expandRange('logspace', -1, 10, 3, false, 'f: grid.snr')).toThrow(SweepSpecError);
    expect(() => expandRange('logspace', 1, 0, 3, false, 'f: grid.snr')).toThrow(/grid\.snr\.logspace/);
  });
});
