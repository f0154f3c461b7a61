/**
 * Cross-engine property test (SPEC §4, §6): the explicit engine (W kept as a
 * d×d matrix) and the reduced engine ((N+1)-dimensional coordinates, built
 * either from an explicit Problem or from the shared draws of a group) run
 * the same gradient descent with no approximation, so on random small
 * problems they must agree on f, attention, train loss, ‖p‖ and u = Wᵀp at
 * every checkpoint up to floating-point rounding. The bound 1e-9 (relative to
 * the scale of each quantity) is the one SPEC §4 / the fixtures set for
 * "exact" engines; rounding differences here are ~1e-13.
 *
 * runTrial then must give the same checkpoint metrics with either engine, and
 * a trial's numbers must be bitwise identical whether computed alone or after
 * other trials sharing its DrawCache (SPEC §6).
 */
import { describe, expect, it } from 'vitest';
import { type Problem, assembleTokens, drawLabels, drawP0, drawTokenNoise, drawW0, headVector, signalCoefficients } from '../../src/model/data.js';
import { trainExplicit } from '../../src/model/explicit.js';
import type { EngineRun } from '../../src/model/forward.js';
import { reducedFromProblem, trainReduced } from '../../src/model/reduced.js';
import { Rng } from '../../src/model/rng.js';
import { computeSharedDraws, reducedFromShared, DrawCache } from '../../src/model/shared.js';
import { runTrial } from '../../src/model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';

const TOL = 1e-9;

interface Snap { step: number; f: number[]; a: number[]; loss: number; pNorm: number; u: number[] }

function record(checkpoints: number[], alpha: number, steps: number): { run: EngineRun; snaps: Snap[] } {
  const snaps: Snap[] = [];
  const run: EngineRun = {
    alpha, steps, checkpoints,
    observe(st) {
      snaps.push({ step: st.step, f: Array.from(st.f), a: Array.from(st.a), loss: st.trainLoss, pNorm: st.pNorm, u: Array.from(st.u()) });
    },
  };
  return { run, snaps };
}

function cfgOf(over: Partial<TrialConfig>): TrialConfig {
  return { ...DEFAULT_CONFIG, evalLog: 0, ...over, init: { ...DEFAULT_CONFIG.init, ...(over.init ?? {}) } };
}

/** The explicit Problem a trial of `cfg` and `seed` trains on (SPEC §1 from the seed's streams). */
function problemOf(cfg: TrialConfig, seed: number): Problem {
  const { d, n, T } = cfg;
  const L = drawLabels(cfg, seed);
  const Sc = signalCoefficients(L.yTrue, T, cfg.muNorm, cfg.rho);
  return {
    d, n, T, X: assembleTokens(drawTokenNoise(seed, n, T, d), Sc, cfg.sigma, n * T, d),
    y: L.y, yTrue: L.yTrue, noisy: L.noisy, W0: drawW0(cfg, seed), p0: drawP0(cfg, seed), nu: headVector(d, cfg.muNorm, cfg.nuScale),
  };
}

function maxAbs(x: number[]): number {
  return x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** max_i |x_i − y_i| / max(1e-300, max|y|): the relative deviation of a vector. */
function relDev(x: number[], y: number[]): number {
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m / Math.max(1e-300, maxAbs(y));
}

function compare(got: Snap[], ref: Snap[]): void {
  expect(got.map((s) => s.step)).toEqual(ref.map((s) => s.step));
  for (let k = 0; k < ref.length; k++) {
    const g = got[k], r = ref[k];
    expect(relDev(g.f, r.f)).toBeLessThan(TOL);
    // attention weights are in [0, 1]: absolute
    for (let j = 0; j < r.a.length; j++) expect(Math.abs(g.a[j] - r.a[j])).toBeLessThan(TOL);
    expect(Math.abs(g.loss - r.loss)).toBeLessThan(TOL * Math.max(1, r.loss));
    expect(Math.abs(g.pNorm - r.pNorm)).toBeLessThan(TOL * Math.max(1e-300, r.pNorm) + 1e-300);
    if (maxAbs(r.u) === 0) expect(maxAbs(g.u)).toBeLessThan(1e-12);
    else expect(relDev(g.u, r.u)).toBeLessThan(TOL);
  }
}

/** Random small problem configurations from a fixed generator (reproducible). */
function randomConfigs(count: number): { cfg: TrialConfig; seed: number }[] {
  const r = new Rng(2024, 'engines-property');
  const pick = <T>(xs: T[]): T => xs[Math.floor(r.uniform() * xs.length)];
  const out: { cfg: TrialConfig; seed: number }[] = [];
  for (let i = 0; i < count; i++) {
    const d = 2 + Math.floor(r.uniform() * 11); // 2..12
    const n = 2 + Math.floor(r.uniform() * 5); // 2..6
    const T = 3 + Math.floor(r.uniform() * 3); // 3..5
    const cfg = cfgOf({
      d, n, T,
      eta: pick([0, 0.2, 0.34, 0.49]),
      rho: 0.05 + 0.9 * r.uniform(),
      muNorm: Math.exp(Math.log(0.2) + r.uniform() * Math.log(50)), // 0.2..10
      sigma: pick([0.5, 1, 2]),
      alpha: Math.exp(Math.log(0.01) + r.uniform() * Math.log(50)), // 0.01..0.5
      nuScale: pick([1, 2.5]),
      labels: pick(['balanced', 'iid'] as const),
      noise: pick(['exact', 'bernoulli'] as const),
      init: i % 2 === 0 ? { W: 'uniform', p: 'zero' } : { W: pick(['uniform', 'gaussian'] as const), p: 'gaussian', sigmaP: pick([undefined, 0.7]) },
    });
    out.push({ cfg, seed: Math.floor(r.uniform() * 1000) });
  }
  return out;
}

describe('explicit ≡ reduced on random small problems', () => {
  const cases = randomConfigs(24);
  const steps = 60;
  const checkpoints = [0, 1, 2, 5, 17, 40, 59, 60];

  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, { cfg, seed }) => {
    const prob = problemOf(cfg, seed);
    const ex = record(checkpoints, cfg.alpha, steps);
    const rp = record(checkpoints, cfg.alpha, steps);
    const rs = record(checkpoints, cfg.alpha, steps);
    const rex = trainExplicit(prob, ex.run);
    const rrp = trainReduced(reducedFromProblem(prob), rp.run);
    const sh = computeSharedDraws(cfg, seed);
    const rrs = trainReduced(reducedFromShared(sh, cfg, { y: prob.y, yTrue: prob.yTrue }), rs.run);
    // these small problems stay finite (all weights O(1), α ≤ 0.5, 60 steps)
    expect(rex).toEqual({ divergedAt: null, stepsDone: steps });
    expect(rrp).toEqual(rex);
    expect(rrs).toEqual(rex);
    expect(ex.snaps.length).toBe(checkpoints.length);
    // something actually happened: the loss moved (else the comparison is vacuous)
    expect(ex.snaps[0].loss).not.toBe(ex.snaps[ex.snaps.length - 1].loss);
    compare(rp.snaps, ex.snaps);
    compare(rs.snaps, ex.snaps);
    // with p₀ = 0, u = 0 and all logits are 0 at step 0: attention uniform 1/T
    if (cfg.init.p === 'zero') {
      expect(ex.snaps[0].pNorm).toBe(0);
      for (const a of ex.snaps[0].a) expect(a).toBeCloseTo(1 / cfg.T, 15);
    }
  });

  it('the shared system matches the problem-built one matrix by matrix (G, H, v, Q, X)', () => {
    const cfg = cfgOf({ d: 9, n: 3, T: 4, muNorm: 2, rho: 0.3, sigma: 1.5, init: { W: 'gaussian', p: 'gaussian' } });
    const prob = problemOf(cfg, 77);
    const a = reducedFromProblem(prob);
    const b = reducedFromShared(computeSharedDraws(cfg, 77), cfg, { y: prob.y, yTrue: prob.yTrue });
    for (const k of ['G', 'H', 'v', 'Q', 'X'] as const) expect(relDev(Array.from(b[k]), Array.from(a[k]))).toBeLessThan(1e-12);
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
  });

  it('shared draws of one group serve every continuous parameter: same draws, different trials, still exact', () => {
    const base = cfgOf({ d: 8, n: 3, T: 3, init: { W: 'uniform', p: 'gaussian' } });
    const sh = computeSharedDraws(base, 5);
    for (const over of [{ muNorm: 0.5, rho: 0.9, sigma: 2 }, { muNorm: 8, rho: 0.05, sigma: 0.5, eta: 0.34 }]) {
      const cfg = cfgOf({ ...base, ...over, alpha: 0.2 });
      const prob = problemOf(cfg, 5);
      const ex = record([0, 10, 30], cfg.alpha, 30);
      const rs = record([0, 10, 30], cfg.alpha, 30);
      trainExplicit(prob, ex.run);
      trainReduced(reducedFromShared(sh, cfg, { y: prob.y, yTrue: prob.yTrue }), rs.run);
      compare(rs.snaps, ex.snaps);
    }
  });
});

describe('runTrial: explicit and reduced engines give the same checkpoint metrics', () => {
  const cases: [string, Partial<TrialConfig>, number][] = [
    ['p₀ = 0, high SNR', { d: 10, n: 6, T: 4, muNorm: 6, eta: 0.34, alpha: 0.3, steps: 80, evalEvery: 20, testN: 300 }, 1],
    ['p₀ gaussian, low SNR', { d: 16, n: 5, T: 5, muNorm: 1, eta: 0.2, alpha: 0.5, steps: 60, evalEvery: 7, testN: 200, init: { W: 'uniform', p: 'gaussian', sigmaP: 0.5 } }, 3],
    ['explicit test set, iid labels, bernoulli noise', { d: 8, n: 8, T: 3, muNorm: 3, eta: 0.3, alpha: 0.2, steps: 40, evalEvery: 10, testN: 100, test: 'explicit', labels: 'iid', noise: 'bernoulli' }, 4],
  ];

  it.each(cases)('%s', (_name, over, seed) => {
    const ex = runTrial(cfgOf({ ...over, engine: 'explicit' }), seed);
    const re = runTrial(cfgOf({ ...over, engine: 'reduced' }), seed);
    expect(ex.engine).toBe('explicit');
    expect(re.engine).toBe('reduced');
    expect(re.diverged).toBe(false);
    expect(ex.diverged).toBe(false);
    expect(re.checkpoints.map((c) => c.step)).toEqual(ex.checkpoints.map((c) => c.step));
    for (let k = 0; k < ex.checkpoints.length; k++) {
      const a = ex.checkpoints[k], b = re.checkpoints[k];
      expect(b.regime).toBe(a.regime);
      expect(b.trainAcc).toBe(a.trainAcc);
      expect(b.cleanFit).toBe(a.cleanFit);
      expect(b.noisyFit).toBe(a.noisyFit);
      expect(b.testAcc).toBe(a.testAcc);
      expect(Math.abs(b.trainLoss - a.trainLoss)).toBeLessThan(TOL * Math.max(1, a.trainLoss));
      expect(Math.abs(b.testLoss - a.testLoss)).toBeLessThan(TOL * Math.max(1, a.testLoss));
      expect(Math.abs(b.pNorm - a.pNorm)).toBeLessThan(TOL * Math.max(1, a.pNorm));
      expect(Math.abs(b.attnClean.relevant - a.attnClean.relevant)).toBeLessThan(TOL);
    }
    expect(re.events).toEqual(ex.events);
    expect(re.regime).toBe(ex.regime);
  });
});

/** Every metric of two checkpoint lists, checkpoint by checkpoint: training and test metrics to TOL, fits and accuracies exactly. */
function compareCheckpoints(a: ReturnType<typeof runTrial>['checkpoints'], b: ReturnType<typeof runTrial>['checkpoints']): void {
  expect(b.map((c) => c.step)).toEqual(a.map((c) => c.step));
  for (let k = 0; k < a.length; k++) {
    const x = a[k], y = b[k];
    expect(Math.abs(y.testAcc - x.testAcc), `testAcc at step ${x.step}`).toBeLessThanOrEqual(TOL);
    expect(Math.abs(y.testLoss - x.testLoss), `testLoss at step ${x.step}`).toBeLessThan(TOL * Math.max(1, x.testLoss));
    expect(Math.abs(y.trainLoss - x.trainLoss)).toBeLessThan(TOL * Math.max(1, x.trainLoss));
    expect(Math.abs(y.pNorm - x.pNorm)).toBeLessThan(TOL * Math.max(1, x.pNorm));
    expect(y.trainAcc).toBe(x.trainAcc);
    expect(y.cleanFit).toBe(x.cleanFit);
    expect(y.noisyFit).toBe(x.noisyFit);
    expect(y.regime).toBe(x.regime);
  }
}

describe('runTrial: explicit ≡ reduced with the default logarithmic schedule (evalLog 20), test metrics at every checkpoint', () => {
  // The problems of issue #21 (d = 300, T = 6, 200 steps), where the checkpoint-driven basis of the
  // earlier projected test set made test accuracy differ by up to 6e-3 between engines: N = 48 and
  // 144, so the fixed subspace (2N + 4 = 100, 292 < 300) is used; then random problems on both sides
  // of d = 2N + 4 (whole-space basis below it).
  const issue: [string, Partial<TrialConfig>][] = [];
  for (const n of [8, 24]) for (const snr of [0.1, 1]) issue.push([`issue #21: n = ${n}, SNR = ${snr}`, { d: 300, T: 6, n, muNorm: snr * Math.sqrt(300), steps: 200, testN: 1000 }]);
  const r = new Rng(2121, 'engines-schedule');
  const random: [string, Partial<TrialConfig>][] = [];
  for (let i = 0; i < 12; i++) {
    const n = 2 + Math.floor(r.uniform() * 5), T = 3 + Math.floor(r.uniform() * 3);
    const N = n * T;
    const d = i % 2 === 0 ? 2 * N + 5 + Math.floor(r.uniform() * 60) : 2 + Math.floor(r.uniform() * (2 * N + 3));
    random.push([`random ${i}: d = ${d}, N = ${N}${d > 2 * N + 4 ? ' (subspace)' : ' (whole space)'}`, {
      d, n, T, eta: [0, 0.2, 0.34][i % 3], rho: 0.05 + 0.9 * r.uniform(), muNorm: Math.exp(Math.log(0.5) + r.uniform() * Math.log(20)),
      sigma: [0.5, 1, 2][i % 3], alpha: Math.exp(Math.log(0.01) + r.uniform() * Math.log(20)), steps: 150, testN: 300,
      init: i % 4 < 2 ? { W: 'uniform', p: 'zero' } : { W: 'gaussian', p: 'gaussian', sigmaP: 0.5 },
    }]);
  }

  it.each([...issue, ...random])('%s', (_name, over) => {
    const cfg = cfgOf({ ...over, evalLog: DEFAULT_CONFIG.evalLog, evalEvery: 10 });
    expect(cfg.evalLog).toBe(20);
    const ex = runTrial({ ...cfg, engine: 'explicit' }, 5);
    const re = runTrial({ ...cfg, engine: 'reduced' }, 5);
    expect(ex.diverged || re.diverged).toBe(false);
    // a run whose test accuracy never moves would make the comparison vacuous
    expect(new Set(ex.checkpoints.map((c) => c.testLoss)).size).toBeGreaterThan(1);
    compareCheckpoints(ex.checkpoints, re.checkpoints);
  });
});

describe('changing the checkpoint schedule changes no metric at a checkpoint both schedules share', () => {
  const base: Partial<TrialConfig> = { n: 4, T: 4, muNorm: 2.5, eta: 0.25, alpha: 0.2, steps: 120, testN: 300 };
  const schedules: Partial<TrialConfig>[] = [{ evalEvery: 10, evalLog: 20 }, { evalEvery: 10, evalLog: 0 }, { evalEvery: 20, evalLog: 7 }, { evalEvery: 1, evalLog: 0 }];
  const cases: [string, Partial<TrialConfig>][] = [
    ['reduced, fixed subspace (d = 60 > 36)', { d: 60, engine: 'reduced' }],
    ['explicit, fixed subspace (d = 60 > 36)', { d: 60, engine: 'explicit' }],
    ['reduced, whole space (d = 20)', { d: 20, engine: 'reduced' }],
    ['explicit, whole space, p₀ gaussian (d = 20)', { d: 20, engine: 'explicit', init: { W: 'uniform', p: 'gaussian' } }],
    ['reduced, explicit test set (d = 60)', { d: 60, engine: 'reduced', test: 'explicit' }],
    ['wishart (its 2(N + 2) space)', { d: 200, engine: 'wishart', init: { W: 'gaussian', p: 'zero' } }],
  ];

  it.each(cases)('%s', (_name, over) => {
    const runs = schedules.map((sch) => runTrial(cfgOf({ ...base, ...over, ...sch }), 9).checkpoints);
    const ref = new Map(runs[0].map((c) => [c.step, c]));
    let shared = 0;
    for (const other of runs.slice(1)) {
      for (const c of other) {
        const r0 = ref.get(c.step);
        if (!r0) continue;
        shared++;
        expect(c, `step ${c.step}`).toStrictEqual(r0);
      }
    }
    expect(shared).toBeGreaterThan(20);
    // and test accuracy changed along the run (else the comparison says nothing about the test set)
    expect(new Set(runs[3].map((c) => c.testLoss)).size).toBeGreaterThan(50);
  });
});

describe('a trial does not depend on the other trials of its group (SPEC §6)', () => {
  const base: Partial<TrialConfig> = { d: 12, n: 4, T: 4, muNorm: 2, eta: 0.25, alpha: 0.2, steps: 30, evalEvery: 10, testN: 100, init: { W: 'uniform', p: 'gaussian' } };
  const others: Partial<TrialConfig>[] = [{ muNorm: 9, rho: 0.5 }, { sigma: 2, eta: 0 }, { alpha: 0.05, steps: 12 }];

  // d = 12: the projected test set's basis is the whole space; d = 60 > 2N + 5 = 37: the group's fixed subspace (cached with the draws)
  it.each([['explicit', 12], ['reduced', 12], ['auto', 12], ['explicit', 60], ['reduced', 60]] as const)('engine %s, d = %i: bitwise identical alone and after group mates', (engine, d) => {
    const target = cfgOf({ ...base, d, engine });
    const alone = runTrial(target, 6, new DrawCache());
    const cache = new DrawCache();
    for (const o of others) runTrial(cfgOf({ ...base, d, ...o, engine }), 6, cache);
    const grouped = runTrial(target, 6, cache);
    // toStrictEqual compares numbers with Object.is semantics for NaN and is exact otherwise
    expect(grouped.checkpoints).toStrictEqual(alone.checkpoints);
    expect(grouped.events).toStrictEqual(alone.events);
    expect(grouped.engine).toBe(alone.engine);
    // a cache holding another seed's draws is replaced, not reused
    runTrial(target, 7, cache);
    expect(runTrial(target, 6, cache).checkpoints).toStrictEqual(alone.checkpoints);
  });
});
