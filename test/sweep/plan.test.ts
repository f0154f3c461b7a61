/**
 * Planning: Cartesian grid (first axis slowest), resolved configurations
 * (defaults ⊕ base ⊕ cell; muNorm = snr·σ·√d, SPEC §1), stable trial ids, and
 * grouping of trials that share dense draws (SPEC §6).
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, groupTrials, planSweep, resolveConfig, trialId } from '../../src/sweep/plan.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import { checkpointSteps } from '../../src/core/schedule.js';

describe('grid expansion', () => {
  const sweep = validateSweep({
    name: 'g',
    base: { d: 50, steps: 20 },
    grid: { snr: [0.1, 1], n: [5, 10, 20], eta: [0, 0.2] },
    seeds: [0, 3],
  });
  const plan = planSweep(sweep);

  it('cells = product of axis lengths; trials = cells × seeds', () => {
    expect(plan.axes).toEqual(['snr', 'n', 'eta']);
    expect(plan.cells).toHaveLength(2 * 3 * 2);
    expect(plan.trials).toHaveLength(2 * 3 * 2 * 2);
    expect(new Set(plan.cells.map((c) => c.key)).size).toBe(12);
    expect(new Set(plan.trials.map((t) => t.id)).size).toBe(24);
  });

  it('first axis varies slowest, last fastest (row-major order)', () => {
    const expected: [number, number, number][] = [];
    for (const s of [0.1, 1]) for (const n of [5, 10, 20]) for (const e of [0, 0.2]) expected.push([s, n, e]);
    expect(plan.cells.map((c) => [c.axes.snr, c.axes.n, c.axes.eta])).toEqual(expected);
    expect(plan.cells.map((c) => c.key)).toEqual(expected.map((v) => JSON.stringify(v)));
  });

  it('each cell resolves its own values; every seed of a cell has the same config', () => {
    for (const c of plan.cells) {
      const ts = plan.trials.filter((t) => t.cellKey === c.key);
      expect(ts.map((t) => t.seed)).toEqual([0, 3]);
      for (const t of ts) {
        expect(t.config.n).toBe(c.axes.n);
        expect(t.config.eta).toBe(c.axes.eta);
        expect(t.config.d).toBe(50);
        expect(t.config).toEqual(ts[0].config);
      }
    }
  });

  it('no axes: one cell with the base configuration', () => {
    const p = planSweep(validateSweep({ name: 'one', base: { n: 7 }, seeds: 2 }));
    expect(p.cells).toEqual([{ key: '[]', axes: {} }]);
    expect(p.trials.map((t) => t.seed)).toEqual([0, 1]);
    expect(p.trials[0].config).toEqual({ ...DEFAULT_CONFIG, n: 7 });
  });

  it('object-valued axes (init) get a canonical JSON cell value', () => {
    const p = planSweep(validateSweep({ name: 'i', grid: { init: [{ p: 'zero' }, { p: 'gaussian', sigmaP: 0.1 }] } }));
    expect(p.cells.map((c) => c.axes.init)).toEqual(['{"W":"uniform","p":"zero"}', '{"W":"uniform","p":"gaussian","sigmaP":0.1}']);
    expect(p.trials[1].config.init).toEqual({ W: 'uniform', p: 'gaussian', sigmaP: 0.1 });
  });
});

describe('resolveConfig', () => {
  it('defaults ⊕ base ⊕ cell values, cell wins', () => {
    const c = resolveConfig({ d: 100, eta: 0.1 }, { eta: 0.3, n: 9 });
    expect(c).toEqual({ ...DEFAULT_CONFIG, d: 100, eta: 0.3, n: 9 });
  });

  it('snr → muNorm = snr·σ·√d, with σ and d from base or the cell', () => {
    expect(resolveConfig({ snr: 0.5 }, {}).muNorm).toBeCloseTo(0.5 * 1 * Math.sqrt(2000), 12);
    const c = resolveConfig({ snr: 0.5, sigma: 2 }, { d: 400 });
    expect(c.muNorm).toBeCloseTo(0.5 * 2 * 20, 12);
    expect('snr' in c).toBe(false);
    const g = resolveConfig({ d: 100 }, { snr: 3, sigma: 0.5 });
    expect(g.muNorm).toBeCloseTo(3 * 0.5 * 10, 12);
  });

  it('snr on a grid gives the closed-form muNorm per cell', () => {
    const p = planSweep(validateSweep({ name: 's', base: { d: 400, sigma: 1.5 }, grid: { snr: { logspace: [0.01, 1], num: 3 } } }));
    expect(p.trials.map((t) => t.config.muNorm)).toEqual([0.01, 0.1, 1].map((s) => expect.closeTo(s * 1.5 * 20, 10)));
  });

  it('init is merged field by field over the default', () => {
    expect(resolveConfig({ init: { W: 'gaussian', p: 'zero' } }, {}).init).toEqual({ W: 'gaussian', p: 'zero' });
    expect(resolveConfig({}, { init: { W: 'uniform', p: 'gaussian', sigmaP: 0.2 } }).init).toEqual({ W: 'uniform', p: 'gaussian', sigmaP: 0.2 });
  });

  it('evalEvery larger than steps is kept (checkpoints are then 0 and the last step), so every cell keeps its own trial', () => {
    expect(resolveConfig({ steps: 5, evalEvery: 10 }, {}).evalEvery).toBe(10);
    expect(checkpointSteps(5, 10)).toEqual([0, 5]);
    const plan = planSweep(validateSweep({ name: 'x', base: { steps: 10 }, grid: { evalEvery: [5, 10, 20] } }));
    expect(new Set(plan.trials.map((t) => t.cellKey)).size).toBe(3);
  });

  it('does not mutate the defaults', () => {
    resolveConfig({ init: { W: 'gaussian', p: 'gaussian' }, n: 3 }, {});
    expect(DEFAULT_CONFIG.init).toEqual({ W: 'uniform', p: 'zero' });
    expect(DEFAULT_CONFIG.n).toBe(20);
  });
});

describe('trial ids', () => {
  const cfg: TrialConfig = { ...DEFAULT_CONFIG, d: 64, n: 10 };

  it('16 hex digits, same config and seed → same id', () => {
    const id = trialId(cfg, 1);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(trialId(structuredClone(cfg), 1)).toBe(id);
  });

  it('key order (also nested) does not matter', () => {
    const reversed = Object.fromEntries(Object.entries(cfg).reverse()) as unknown as TrialConfig;
    reversed.init = { p: 'zero', W: 'uniform' };
    expect(trialId(reversed, 1)).toBe(trialId(cfg, 1));
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } })).toBe('{"a":{"c":"z","d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('any change of any parameter or of the seed gives a different id', () => {
    const changes: Partial<TrialConfig>[] = [
      { d: 65 }, { T: 9 }, { n: 11 }, { eta: 0.21 }, { rho: 0.11 }, { muNorm: 20.000001 }, { sigma: 2 }, { alpha: 0.004 },
      { steps: 999 }, { evalEvery: 5 }, { testN: 999 }, { labels: 'iid' }, { noise: 'bernoulli' },
      { init: { W: 'gaussian', p: 'zero' } }, { init: { W: 'uniform', p: 'gaussian' } }, { init: { W: 'uniform', p: 'zero', sigmaW: 0.1 } },
      { nuScale: 2 }, { generalizationTolerance: 0.1 }, { engine: 'reduced' }, { test: 'explicit' },
    ];
    const ids = new Set([trialId(cfg, 1), trialId(cfg, 2)]);
    for (const ch of changes) ids.add(trialId({ ...cfg, ...ch }, 1));
    expect(ids.size).toBe(changes.length + 2);
  });

  it('an undefined optional field is the same as an absent one', () => {
    expect(trialId({ ...cfg, init: { W: 'uniform', p: 'zero', sigmaW: undefined } }, 0)).toBe(trialId(cfg, 0));
  });

  it('planning the same sweep twice gives the same ids', () => {
    const doc = { name: 'x', base: { d: 30 }, grid: { snr: { logspace: [0.1, 1], num: 3 }, n: [4, 8] }, seeds: 2 };
    expect(planSweep(validateSweep(doc)).trials.map((t) => t.id)).toEqual(planSweep(validateSweep(structuredClone(doc))).trials.map((t) => t.id));
  });
});

describe('groupTrials (shared draws, SPEC §6)', () => {
  // snr, eta vary continuously (share draws); n and seed change the draws' shape/stream
  const plan = planSweep(validateSweep({
    name: 'grp', base: { d: 40, steps: 50, evalEvery: 10, engine: 'reduced' },
    grid: { snr: [0.1, 0.3, 1, 3], n: [4, 6], eta: [0, 0.2] }, seeds: [0, 1, 2],
  }));

  it('every trial in exactly one group; trials of a group share seed, d, n, T and init', () => {
    const groups = groupTrials(plan.trials);
    const all = groups.flatMap((g) => g.trials.map((t) => t.id)).sort();
    expect(all).toEqual(plan.trials.map((t) => t.id).sort());
    // (seed, n) pairs: 3 × 2 = 6 groups of 4 snr × 2 eta = 8 trials
    expect(groups).toHaveLength(6);
    for (const g of groups) {
      expect(g.trials).toHaveLength(8);
      const t0 = g.trials[0];
      for (const t of g.trials) {
        expect([t.seed, t.config.d, t.config.n, t.config.T, t.config.init]).toEqual([t0.seed, t0.config.d, t0.config.n, t0.config.T, t0.config.init]);
      }
      expect(g.cost).toBeCloseTo(g.trials.reduce((s, t) => s + t.cost, 0), 6);
    }
  });

  it('different init choices or engines are never grouped together', () => {
    const p = planSweep(validateSweep({
      name: 'gi', base: { d: 20, steps: 10, n: 4 }, grid: { init: [{ p: 'zero' }, { p: 'gaussian' }], engine: ['explicit', 'reduced'], snr: [0.5, 1] },
    }));
    const groups = groupTrials(p.trials);
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(new Set(g.trials.map((t) => JSON.stringify(t.config.init))).size).toBe(1);
      expect(new Set(g.trials.map((t) => t.engine)).size).toBe(1);
    }
  });

  it('groups are capped at maxGroup and sorted by decreasing cost', () => {
    const groups = groupTrials(plan.trials, 3);
    // each of the 6 shared-draw sets of 8 trials splits into 3 + 3 + 2
    expect(groups).toHaveLength(18);
    for (const g of groups) expect(g.trials.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < groups.length; i++) expect(groups[i].cost).toBeLessThanOrEqual(groups[i - 1].cost);
  });
});
