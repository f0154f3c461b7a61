/**
 * Test evaluation (SPEC §5): the projected test set must be distributed
 * exactly as explicit d-dimensional test tokens z = m + σξ, reuse the same ξ
 * at every checkpoint, and be a function of u alone — not of the checkpoints
 * evaluated before — so that engines differing in the last bits and
 * different schedules see the same realisation.
 *
 * What the model sees of a token is (s, v) = (zᵀu, zᵀν). For ξ ~ N(0, I_d):
 *   E s = mᵀu, E v = mᵀν, Var s = σ²‖u‖², Var v = σ²‖ν‖², Cov(s, v) = σ² u·ν,
 * and for two checkpoints u₁, u₂ of the same token Cov(s₁, s₂) = σ² u₁·u₂.
 * These closed forms are checked with 5-sigma bounds on sample moments of m
 * i.i.d. tokens: SE(mean) = sd/√m, SE(sample variance) ≈ σ_s²√(2/m),
 * SE(sample covariance) = √((σ_s²σ_v² + c²)/m) (bivariate normal) — for the
 * whole-space basis (d ≤ 2N + 4) and for the fixed subspace of a trial
 * (u drawn inside it).
 */
import { describe, expect, it } from 'vitest';
import { type TrialConfig, DEFAULT_CONFIG } from '../../src/core/config.js';
import { drawLabels, headVector } from '../../src/model/data.js';
import { trainReduced } from '../../src/model/reduced.js';
import { Rng, stream } from '../../src/model/rng.js';
import { computeSharedDraws, reducedFromShared } from '../../src/model/shared.js';
import { runTrial } from '../../src/model/trial.js';
import {
  ExplicitTestSet, ProjectedTestSet, type TestSetSpec, type TestSubspace, makeTestSet, testSubspaceDimension, testSubspaceOf,
} from '../../src/model/testset.js';
import { ks2, mean, variance, welchP } from './stats.js';

/** Test subclasses that expose the per-token (s, v) after projecting u (same side effects as evaluate), and Fᵀu. */
class ProbeProjected extends ProjectedTestSet {
  probe(u: Float64Array): { s: Float64Array; v: Float64Array } {
    this.project(u);
    return { s: Float64Array.from(this.s), v: Float64Array.from(this.v) };
  }
  coordsOf(u: Float64Array): Float64Array {
    return Float64Array.from(this.coordinatesOf(u));
  }
}
class ProbeExplicit extends ExplicitTestSet {
  probe(u: Float64Array): { s: Float64Array; v: Float64Array } {
    this.project(u);
    return { s: Float64Array.from(this.s), v: Float64Array.from(this.v) };
  }
}

function spec(over: Partial<TestSetSpec> = {}): TestSetSpec {
  const d = over.d ?? 30;
  const muNorm = over.muNorm ?? 2;
  return { testN: 2000, T: 4, d, muNorm, rho: 0.3, sigma: 1, labels: 'balanced', nu: headVector(d, muNorm, 1), seed: 1, ...over };
}

function randomVec(d: number, seed: number, scale = 1): Float64Array {
  const r = new Rng(seed, 'test-vector');
  return r.fillNormal(new Float64Array(d)).map((x) => x * scale);
}

function dotp(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The fixed subspace of a trial's shape (shared draws of `seed`), and its spanning set's dimension. */
function subspaceOf(d: number, n: number, T: number, seed: number, p: 'zero' | 'gaussian' = 'zero'): TestSubspace {
  const sub = testSubspaceOf(computeSharedDraws({ d, n, T, init: { W: 'uniform', p } }, seed), p === 'zero');
  if (!sub) throw new Error('subspace not positive definite');
  return sub;
}

/** A random vector of the subspace: a·e₁ + b·e₂ + Eᵀx + R[:, :rCols]y with standard-normal coefficients (seeded). */
function vecInSubspace(sub: TestSubspace, seed: number, scale = 1): Float64Array {
  const { d, N, E, R, rCols } = sub;
  const c = randomVec(sub.m, seed, scale);
  const u = new Float64Array(d);
  u[0] += c[0];
  u[1] += c[1];
  for (let j = 0; j < N; j++) for (let k = 0; k < d; k++) u[k] += (c[2 + j] * E[j * d + k]) / Math.sqrt(d);
  for (let k = 0; k < d; k++) for (let q = 0; q < rCols; q++) u[k] += (c[2 + N + q] * R[k * (N + 3) + q]) / Math.sqrt(d);
  return u;
}

/** Indices of tokens at position t (0 relevant, 1 confusing, 2 weak, ≥3 irrelevant) of sequences with true label cls. */
function tokens(sp: TestSetSpec, t: number, cls: 1 | -1): number[] {
  const half = Math.floor(sp.testN / 2); // balanced: first ⌊testN/2⌋ are +1
  const out: number[] = [];
  for (let i = 0; i < sp.testN; i++) if ((i < half ? 1 : -1) === cls) out.push(i * sp.T + t);
  return out;
}

function moments(x: Float64Array, y: Float64Array, idx: number[]) {
  const m = idx.length;
  let mx = 0, my = 0;
  for (const j of idx) { mx += x[j]; my += y[j]; }
  mx /= m; my /= m;
  let vx = 0, vy = 0, cxy = 0;
  for (const j of idx) { vx += (x[j] - mx) ** 2; vy += (y[j] - my) ** 2; cxy += (x[j] - mx) * (y[j] - my); }
  return { m, mx, my, vx: vx / (m - 1), vy: vy / (m - 1), cxy: cxy / (m - 1) };
}

/** Assert the sample moments of (x, y) over idx match a bivariate normal with the given parameters (5-sigma). */
function expectBivariate(x: Float64Array, y: Float64Array, idx: number[], ex: { mx: number; my: number; vx: number; vy: number; c: number }): void {
  const s = moments(x, y, idx);
  const m = s.m;
  expect(Math.abs(s.mx - ex.mx)).toBeLessThan(5 * Math.sqrt(ex.vx / m));
  expect(Math.abs(s.my - ex.my)).toBeLessThan(5 * Math.sqrt(ex.vy / m));
  expect(Math.abs(s.vx - ex.vx)).toBeLessThan(5 * ex.vx * Math.sqrt(2 / (m - 1)));
  expect(Math.abs(s.vy - ex.vy)).toBeLessThan(5 * ex.vy * Math.sqrt(2 / (m - 1)));
  expect(Math.abs(s.cxy - ex.c)).toBeLessThan(5 * Math.sqrt((ex.vx * ex.vy + ex.c * ex.c) / m));
}

/** Per token kind and class: mean mᵀu / mᵀν, variances σ²‖u‖², σ²‖ν‖², covariance σ²u·ν (SPEC §1 signal parts). */
function expectLaw(sp: TestSetSpec, u: Float64Array, s: Float64Array, v: Float64Array): void {
  const { sigma, muNorm, rho, nu } = sp;
  const s2 = sigma * sigma;
  for (const cls of [1, -1] as const) {
    const own = cls > 0 ? 0 : 1;
    const m = [[0, 0], [0, 0], [0, 0], [0, 0]];
    m[0][own] = muNorm;
    m[1][1 - own] = rho * muNorm;
    m[2][own] = rho * muNorm;
    for (let t = 0; t < sp.T; t++) {
      expectBivariate(s, v, tokens(sp, t, cls), {
        mx: m[t][0] * u[0] + m[t][1] * u[1],
        my: m[t][0] * nu[0] + m[t][1] * nu[1],
        vx: s2 * dotp(u, u), vy: s2 * dotp(nu, nu), c: s2 * dotp(u, nu),
      });
    }
  }
}

describe('(zᵀu, zᵀν) have the closed-form Gaussian law', () => {
  const sp = spec({ testN: 4000, sigma: 1.3, seed: 3 });
  // u with a component along ν (so Cov(s, v) ≠ 0), along e₁, e₂ and elsewhere
  const u = randomVec(sp.d, 1, 0.2);
  u[0] += 0.5;
  u[1] -= 0.3;

  for (const [name, mk] of [['projected (whole space)', (x: TestSetSpec) => new ProbeProjected(x)], ['explicit', (x: TestSetSpec) => new ProbeExplicit(x)]] as const) {
    it(`${name}: per token kind and class`, () => {
      const { s, v } = mk(sp).probe(u);
      expectLaw(sp, u, s, v);
    });
  }

  // d = 70 > 2N + 4 = 28 (N = 12): the trial's fixed subspace, u inside it
  const sub = subspaceOf(70, 3, 4, 8);
  const spS = spec({ testN: 4000, sigma: 1.3, seed: 4, d: 70, subspace: sub });

  it('projected on a fixed subspace (d = 70, m = 28): per token kind and class, u in the subspace', () => {
    const uS = vecInSubspace(sub, 2, 0.3);
    uS[0] += 0.5;
    const set = new ProbeProjected(spS);
    expect(set.dimension).toBe(28);
    const { s, v } = set.probe(uS);
    expectLaw(spS, uS, s, v);
  });

  it.each([['whole space', sp], ['fixed subspace', spS]] as const)('projected (%s): the same ξ across checkpoints — Cov(zᵀu₁, zᵀu₂) = σ² u₁·u₂', (_n, sp_) => {
    const set = new ProbeProjected(sp_);
    const mkU = (seed: number) => (sp_.subspace ? vecInSubspace(sp_.subspace, seed) : randomVec(sp_.d, seed));
    const u1 = mkU(12);
    const u2 = mkU(13);
    for (let k = 0; k < sp_.d; k++) u2[k] += 0.8 * u1[k]; // correlated with u₁
    const a = set.probe(u1).s;
    const b = set.probe(u2).s;
    const s2 = sp_.sigma ** 2;
    // irrelevant tokens (m = 0) of both classes
    const idx = [...tokens(sp_, 3, 1), ...tokens(sp_, 3, -1)];
    expectBivariate(a, b, idx, { mx: 0, my: 0, vx: s2 * dotp(u1, u1), vy: s2 * dotp(u2, u2), c: s2 * dotp(u1, u2) });
  });

  it.each([['whole space', sp], ['fixed subspace', spS]] as const)('projected (%s): a nearly parallel u keeps its small difference exactly (Var (s₂ − s₁)/ε = σ²‖w‖²)', (_n, sp_) => {
    const set = new ProbeProjected(sp_);
    const mkU = (seed: number) => (sp_.subspace ? vecInSubspace(sp_.subspace, seed) : randomVec(sp_.d, seed));
    const u1 = mkU(4);
    const w = mkU(5);
    const eps = 1e-7;
    const u2 = u1.map((x, k) => x + eps * w[k]);
    const a = set.probe(u1).s;
    const b = set.probe(u2).s;
    // (s₂ − s₁)/ε = σ ξᵀw on irrelevant tokens: mean 0, variance σ²‖w‖²
    const diff = b.map((x, j) => (x - a[j]) / eps);
    const idx = [...tokens(sp_, 3, 1), ...tokens(sp_, 3, -1)];
    const vw = sp_.sigma ** 2 * dotp(w, w);
    const st = moments(diff, diff, idx);
    expect(Math.abs(st.mx)).toBeLessThan(5 * Math.sqrt(vw / st.m));
    expect(Math.abs(st.vx - vw)).toBeLessThan(5 * vw * Math.sqrt(2 / (st.m - 1)));
  });
});

describe('the fixed subspace (SPEC §4–5): it holds every u of a trial, and its basis is orthonormal', () => {
  it.each(['zero', 'gaussian'] as const)('p₀ %s: ‖Fᵀu‖ = ‖u‖ at every step of a reduced-engine run, and Fᵀν = (ν₁, ν₂, 0, …)', (p) => {
    const cfg: TrialConfig = { ...DEFAULT_CONFIG, d: 90, n: 4, T: 3, muNorm: 3, alpha: 0.3, steps: 60, init: { W: 'uniform', p } };
    const N = 12;
    const m = testSubspaceDimension(N, p === 'zero');
    expect(m).toBe(p === 'zero' ? 28 : 29);
    const sh = computeSharedDraws(cfg, 21);
    const sub = testSubspaceOf(sh, p === 'zero') as TestSubspace;
    expect(sub.m).toBe(m);
    const set = new ProbeProjected(spec({ d: 90, testN: 10, subspace: sub }));
    const labels = drawLabels(cfg, 21);
    let worst = 0, moved = 0;
    trainReduced(reducedFromShared(sh, cfg, labels), {
      alpha: cfg.alpha, steps: cfg.steps, checkpoints: Array.from({ length: 61 }, (_, t) => t),
      observe(st) {
        const u = st.u();
        const uu = Math.sqrt(dotp(u, u));
        const c = set.coordsOf(u);
        if (uu > 0) worst = Math.max(worst, Math.abs(Math.sqrt(dotp(c, c)) - uu) / uu);
        moved = Math.max(moved, uu);
      },
    });
    expect(moved).toBeGreaterThan(0);
    // projecting on the subspace loses nothing: u lies in it to rounding
    expect(worst).toBeLessThan(1e-12);
    // a vector outside it (generic, d = 90 > m) loses a lot
    const out = randomVec(90, 9);
    const co = set.coordsOf(out);
    expect(Math.sqrt(dotp(co, co) / dotp(out, out))).toBeLessThan(0.9);
    const cn = set.coordsOf(headVector(90, 3, 1));
    const nu0 = 1 / (Math.SQRT2 * 3);
    expect(cn[0]).toBeCloseTo(nu0, 15);
    expect(cn[1]).toBeCloseTo(-nu0, 15);
    for (let k = 2; k < m; k++) expect(Math.abs(cn[k])).toBeLessThan(1e-15);
  });

  it('inner products are kept: (Fᵀa)·(Fᵀb) = a·b for a, b in the subspace', () => {
    const sub = subspaceOf(50, 2, 3, 3, 'gaussian'); // m = 17
    const set = new ProbeProjected(spec({ d: 50, testN: 10, subspace: sub }));
    for (const [i, j] of [[1, 2], [3, 3], [4, 5]]) {
      const a = vecInSubspace(sub, i), b = vecInSubspace(sub, j);
      const ca = set.coordsOf(a), cb = set.coordsOf(b);
      expect(Math.abs(dotp(ca, cb) - dotp(a, b))).toBeLessThan(1e-11 * Math.sqrt(dotp(a, a) * dotp(b, b)));
    }
  });

  it('refuses a d not above its dimension (one line, the numbers)', () => {
    const sh = computeSharedDraws({ d: 28, n: 3, T: 4, init: { W: 'uniform', p: 'zero' } }, 1);
    expect(() => testSubspaceOf(sh, true)).toThrow(/^testSubspaceOf: d = 28 must exceed the subspace dimension 28/);
  });
});

describe('projected vs explicit test accuracy over 20 seeds, same u (SPEC §5)', () => {
  it('mean accuracy difference is within 5/√(testN·S), and mean loss difference within a 5-sigma t-bound', () => {
    const S = 20;
    // d = 60 > 2N + 4 = 28: the projected set runs on the subspace of a trial of that shape, u inside it
    const base = spec({ testN: 2000, d: 60, T: 4, muNorm: 2, rho: 0.3, sigma: 1 });
    const dAcc: number[] = [];
    const dLoss: number[] = [];
    const accs: number[] = [];
    for (let seed = 0; seed < S; seed++) {
      const sub = subspaceOf(60, 3, 4, 100 + seed);
      const u = vecInSubspace(sub, 11, 0.12);
      u[0] += 0.4;
      u[1] -= 0.4;
      const sp = { ...base, seed };
      const a = makeTestSet('projected', { ...sp, subspace: sub }).evaluate(u);
      const b = makeTestSet('explicit', sp).evaluate(u);
      dAcc.push(a.acc - b.acc);
      dLoss.push(a.loss - b.loss);
      accs.push(a.acc, b.acc);
    }
    // the comparison is informative only away from accuracy 0 or 1
    expect(mean(accs)).toBeGreaterThan(0.6);
    expect(mean(accs)).toBeLessThan(0.95);
    // Each accuracy is a mean of testN independent Bernoulli(p): SD ≤ √(1/(4 testN)). Whatever the
    // dependence between the two sets of one seed, SD(A − B) ≤ SD(A) + SD(B) ≤ 1/√testN; seeds are
    // independent, so the mean over S seeds has SD ≤ 1/√(testN·S).
    expect(Math.abs(mean(dAcc))).toBeLessThan(5 / Math.sqrt(base.testN * S));
    // loss: no closed-form variance, so a t statistic on the S per-seed differences (P(|t₁₉| > 5) ≈ 8e-5)
    const m = mean(dLoss);
    const sd = Math.sqrt(dLoss.reduce((p, x) => p + (x - m) ** 2, 0) / (S - 1));
    expect(Math.abs(m)).toBeLessThan((5 * sd) / Math.sqrt(S));
  });
});

describe('projected test set: a function of u alone', () => {
  const sp = spec({ testN: 200, d: 15 });
  const spS = spec({ testN: 200, d: 40, subspace: subspaceOf(40, 2, 3, 6) }); // m = 16

  it.each([['whole space', sp], ['fixed subspace', spS]] as const)('%s: the logits at u do not depend on what was evaluated before (bit for bit)', (_n, sp_) => {
    const mkU = (seed: number) => (sp_.subspace ? vecInSubspace(sp_.subspace, seed) : randomVec(sp_.d, seed));
    const fresh = new ProbeProjected(sp_);
    const target = mkU(23);
    const alone = fresh.probe(target);
    fresh.dispose();
    const busy = new ProbeProjected(sp_);
    for (const seed of [21, 22, 24, 25]) busy.evaluate(mkU(seed));
    busy.evaluate(target.map((x) => x * (1 + 1e-13))); // nearly the same direction first
    const after = busy.probe(target);
    expect(Array.from(after.s)).toEqual(Array.from(alone.s));
    expect(Array.from(after.v)).toEqual(Array.from(alone.v));
    expect(busy.evaluate(target)).toEqual(makeTestSet('projected', sp_).evaluate(target));
  });

  it.each([['whole space', sp], ['fixed subspace', spS]] as const)('%s: linear in u — zᵀ(a·u + b·w) − mᵀ(…) = a·σξᵀu + b·σξᵀw, zᵀ(cν) = c·zᵀν, u = 0 gives 0', (_n, sp_) => {
    const mkU = (seed: number) => (sp_.subspace ? vecInSubspace(sp_.subspace, seed) : randomVec(sp_.d, seed));
    const set = new ProbeProjected(sp_);
    const u = mkU(31), w = mkU(32);
    const su = set.probe(u).s, sw = set.probe(w).s;
    const mix = set.probe(u.map((x, k) => 3.7 * x - 0.4 * w[k])).s;
    const scale = Math.max(...su.map(Math.abs), ...sw.map(Math.abs));
    for (let j = 0; j < mix.length; j++) expect(Math.abs(mix[j] - (3.7 * su[j] - 0.4 * sw[j]))).toBeLessThan(1e-12 * 5 * scale);
    for (const c of [2.5, -0.7]) {
      const { s, v } = set.probe(sp_.nu.map((x) => c * x));
      for (let j = 0; j < s.length; j++) expect(s[j]).toBeCloseTo(c * v[j], 12);
    }
    expect(set.probe(new Float64Array(sp_.d)).s.every((x) => x === 0)).toBe(true);
  });

  it.each([['whole space', sp], ['fixed subspace', spS]] as const)('%s: zᵀν = mᵀν + σ(ν₁ξ₁ + ν₂ξ₂), ξ₁, ξ₂ the first two blocks of the test-noise stream', (_n, sp_) => {
    const set = new ProbeProjected(sp_);
    const { v } = set.probe(new Float64Array(sp_.d));
    const NT = sp_.testN * sp_.T;
    const g = stream(sp_.seed, 'test-noise').fillNormal(new Float64Array(2 * NT));
    for (let j = 0; j < NT; j += 7) {
      const t = j % sp_.T;
      const cls = Math.floor(j / sp_.T) < sp_.testN / 2 ? 1 : -1;
      // ν = (e₁ − e₂)/(√2‖μ‖): mᵀν = Y*/√2 (relevant), −ρY*/√2 (confusing), ρY*/√2 (weak), 0
      const mnu = t === 0 ? cls / Math.SQRT2 : t === 1 ? -sp_.rho * cls / Math.SQRT2 : t === 2 ? sp_.rho * cls / Math.SQRT2 : 0;
      expect(v[j]).toBeCloseTo(mnu + sp_.sigma * (sp_.nu[0] * g[j] + sp_.nu[1] * g[NT + j]), 12);
    }
  });

  it('whole space: the same realisation as the explicit set (ξ coordinate k = block k of the stream for both), to rounding', () => {
    const sp2 = spec({ testN: 300, d: 12, sigma: 0.7, seed: 17 });
    const p = new ProbeProjected(sp2), e = new ProbeExplicit(sp2);
    for (const seed of [41, 42]) {
      const u = randomVec(12, seed);
      const a = p.probe(u), b = e.probe(u);
      for (let j = 0; j < a.s.length; j++) {
        expect(Math.abs(a.s[j] - b.s[j])).toBeLessThan(1e-13 * 10);
        expect(Math.abs(a.v[j] - b.v[j])).toBeLessThan(1e-13);
      }
    }
    // and explicitly: zᵀe_k = σ·(block k)[j] + m_j·e_k
    const NT = 300 * 4;
    const g = stream(17, 'test-noise').fillNormal(new Float64Array(12 * NT));
    const e5 = new Float64Array(12);
    e5[5] = 1;
    const s5 = e.probe(e5).s;
    for (let j = 0; j < NT; j++) expect(s5[j]).toBe(0.7 * g[5 * NT + j]);
  });
});

describe('projected test set: coordinates shared by the test sets of one seed (per-thread cache)', () => {
  /** Coordinates of `set` on every direction, copied. */
  const all = (set: ProbeProjected, NT: number) => Array.from({ length: set.dimension }, (_, k) => Array.from(set.coordinates(k).subarray(0, NT)));
  /** What a fresh draw gives: block k of testN·T normals of the seed's test-noise stream. */
  const fresh = (seed: number, NT: number, m: number) => {
    const g = stream(seed, 'test-noise').fillNormal(new Float64Array(m * NT));
    return Array.from({ length: m }, (_, k) => Array.from(g.subarray(k * NT, (k + 1) * NT)));
  };

  it('a set that takes the cache — of its seed, of another seed, of another size — holds exactly the fresh blocks of its seed', () => {
    const seed = 424242, NT = 300 * 4;
    const sub = subspaceOf(40, 2, 3, 6); // m = 16
    const mk = (s: number, withSub: boolean) => new ProbeProjected(spec({ seed: s, d: 40, testN: 300, T: 4, ...(withSub ? { subspace: sub } : {}) }));
    const sequence: [number, boolean][] = [[7, true], [seed, true], [seed, true], [7, false], [seed, true], [seed, false], [seed, false], [seed, true]];
    for (const [s, withSub] of sequence) {
      const set = mk(s, withSub);
      expect(set.dimension).toBe(withSub ? 16 : 40);
      const u = withSub ? vecInSubspace(sub, 3) : randomVec(40, 3);
      set.evaluate(u);
      expect(all(set, NT)).toEqual(fresh(s, NT, set.dimension));
      set.dispose();
    }
    // two live sets of one seed: the second does not share the first's arrays, and both hold the fresh draw
    const a = mk(seed, true), b = mk(seed, true);
    expect(all(b, NT)).toEqual(all(a, NT));
    expect(all(a, NT)).toEqual(fresh(seed, NT, 16));
    const u = vecInSubspace(sub, 4);
    expect(a.evaluate(u)).toEqual(b.evaluate(u));
    a.dispose();
    b.dispose();
    expect(() => a.coordinates(0)).toThrow(/used after dispose/);
  });
});

describe('projected (fixed subspace) and explicit test sets give the same distribution of test metrics over trials', () => {
  // End to end (runTrial, reduced engine, default evalLog 20 schedule): S trials with the projected
  // set (seeds 0…S−1) and S with the explicit set (seeds S…2S−1), independent samples. Welch's test at
  // two-sided level α = 0.01 detects a mean shift Δ with power ≥ 0.8 when
  // Δ ≥ (z₀.₉₉₅ + z₀.₈)·SE = 3.42·√(s₁²/S + s₂²/S): each metric asserts that this minimal detectable
  // shift is at most 0.012 in test accuracy and 1 % of the mean test loss (measured: 0.010 and 0.7 %);
  // KS at level 0.01 guards the shape.
  const S = 300;
  const cfg: TrialConfig = { ...DEFAULT_CONFIG, d: 80, n: 4, T: 4, muNorm: 2, eta: 0.25, alpha: 0.2, steps: 100, evalEvery: 10, testN: 200 };

  it('d = 80 > 2N + 4 = 36: test accuracy and loss at an early step and at the end, over 300 + 300 trials', () => {
    expect(testSubspaceDimension(16, true)).toBeLessThan(cfg.d);
    const at = (test: 'projected' | 'explicit', seed0: number) => {
      const out: { early: { testAcc: number; testLoss: number }; end: { testAcc: number; testLoss: number } }[] = [];
      for (let s = 0; s < S; s++) {
        const o = runTrial({ ...cfg, test }, seed0 + s);
        out.push({ early: o.checkpoints.find((c) => c.step === 10)!, end: o.final });
      }
      return out;
    };
    const p = at('projected', 0), e = at('explicit', S);
    for (const when of ['early', 'end'] as const) {
      for (const key of ['testAcc', 'testLoss'] as const) {
        const a = p.map((x) => x[when][key]), b = e.map((x) => x[when][key]);
        const mdd = 3.42 * Math.sqrt((variance(a) + variance(b)) / S);
        expect(mdd, `${when} ${key}: minimal detectable shift`).toBeLessThanOrEqual(key === 'testAcc' ? 0.012 : 0.01 * mean(b));
        expect(welchP(a, b), `${when} ${key}: Welch p (means ${mean(a)} vs ${mean(b)})`).toBeGreaterThan(0.01);
        expect(ks2(a, b).p, `${when} ${key}: KS p`).toBeGreaterThan(0.01);
      }
    }
  });
});
