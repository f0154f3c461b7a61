/**
 * Test evaluation (SPEC §5): the projected test set must be distributed
 * exactly as explicit d-dimensional test tokens z = m + σξ, reuse the same ξ
 * at every checkpoint, and add a basis direction only for a genuinely new
 * direction of u.
 *
 * What the model sees of a token is (s, v) = (zᵀu, zᵀν). For ξ ~ N(0, I_d):
 *   E s = mᵀu, E v = mᵀν, Var s = σ²‖u‖², Var v = σ²‖ν‖², Cov(s, v) = σ² u·ν,
 * and for two checkpoints u₁, u₂ of the same token Cov(s₁, s₂) = σ² u₁·u₂.
 * These closed forms are checked with 5-sigma bounds on sample moments of m
 * i.i.d. tokens: SE(mean) = sd/√m, SE(sample variance) ≈ σ_s²√(2/m),
 * SE(sample covariance) = √((σ_s²σ_v² + c²)/m) (bivariate normal).
 */
import { describe, expect, it } from 'vitest';
import { headVector } from '../../src/model/data.js';
import { Rng } from '../../src/model/rng.js';
import { ExplicitTestSet, ProjectedTestSet, type TestSetSpec, makeTestSet } from '../../src/model/testset.js';

/** Test subclasses that expose the per-token (s, v) after projecting u (same side effects as evaluate). */
class ProbeProjected extends ProjectedTestSet {
  probe(u: Float64Array): { s: Float64Array; v: Float64Array } {
    this.project(u);
    return { s: Float64Array.from(this.s), v: Float64Array.from(this.v) };
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

describe('(zᵀu, zᵀν) have the closed-form Gaussian law, for both test sets', () => {
  const sp = spec({ testN: 4000, sigma: 1.3, seed: 3 });
  // u with a component along ν (so Cov(s, v) ≠ 0), along e₁, e₂ and elsewhere
  const u = randomVec(sp.d, 1, 0.2);
  u[0] += 0.5;
  u[1] -= 0.3;

  for (const [name, mk] of [['projected', (x: TestSetSpec) => new ProbeProjected(x)], ['explicit', (x: TestSetSpec) => new ProbeExplicit(x)]] as const) {
    it(`${name}: per token kind and class, mean mᵀu / mᵀν, variances σ²‖u‖², σ²‖ν‖², covariance σ²u·ν`, () => {
      const set = mk(sp);
      const { s, v } = set.probe(u);
      const { sigma, muNorm, rho, nu } = sp;
      const s2 = sigma * sigma;
      for (const cls of [1, -1] as const) {
        // signal part m of each position on (e₁, e₂) (SPEC §1)
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
    });
  }

  it('projected: the same ξ is reused across checkpoints — Cov(zᵀu₁, zᵀu₂) = σ² u₁·u₂', () => {
    const set = new ProbeProjected(sp);
    const u1 = randomVec(sp.d, 2);
    const u2 = randomVec(sp.d, 3);
    for (let k = 0; k < sp.d; k++) u2[k] += 0.8 * u1[k]; // correlated with u₁
    const a = set.probe(u1).s;
    const b = set.probe(u2).s;
    const s2 = sp.sigma ** 2;
    // irrelevant tokens (m = 0) of both classes
    const idx = [...tokens(sp, 3, 1), ...tokens(sp, 3, -1)];
    expectBivariate(a, b, idx, { mx: 0, my: 0, vx: s2 * dotp(u1, u1), vy: s2 * dotp(u2, u2), c: s2 * dotp(u1, u2) });
  });

  it('projected: a direction nearly parallel to a previous one keeps its small difference exactly (Var = σ²‖u₂ − u₁‖²)', () => {
    const set = new ProbeProjected(sp);
    const u1 = randomVec(sp.d, 4);
    const w = randomVec(sp.d, 5);
    const eps = 1e-7;
    const u2 = u1.map((x, k) => x + eps * w[k]);
    const a = set.probe(u1).s;
    const b = set.probe(u2).s;
    expect(set.dimension).toBe(3);
    // (s₂ − s₁)/ε = σ ξᵀw on irrelevant tokens: mean 0, variance σ²‖w‖²
    const diff = b.map((x, j) => (x - a[j]) / eps);
    const idx = [...tokens(sp, 3, 1), ...tokens(sp, 3, -1)];
    const vw = sp.sigma ** 2 * dotp(w, w);
    const st = moments(diff, diff, idx);
    expect(Math.abs(st.mx)).toBeLessThan(5 * Math.sqrt(vw / st.m));
    expect(Math.abs(st.vx - vw)).toBeLessThan(5 * vw * Math.sqrt(2 / (st.m - 1)));
  });
});

describe('projected vs explicit test accuracy over 20 seeds (SPEC §5)', () => {
  it('mean accuracy difference is within 5/√(testN·S), and mean loss difference within a 5-sigma t-bound', () => {
    const S = 20;
    const base = spec({ testN: 2000, d: 30, T: 4, muNorm: 2, rho: 0.3, sigma: 1 });
    const u = randomVec(base.d, 11, 0.15);
    u[0] += 0.4;
    u[1] -= 0.4;
    const dAcc: number[] = [];
    const dLoss: number[] = [];
    const accs: number[] = [];
    for (let seed = 0; seed < S; seed++) {
      const sp = { ...base, seed };
      const a = makeTestSet('projected', sp).evaluate(u);
      const b = makeTestSet('explicit', sp).evaluate(u);
      dAcc.push(a.acc - b.acc);
      dLoss.push(a.loss - b.loss);
      accs.push(a.acc, b.acc);
    }
    const mean = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
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

describe('projected test set: basis bookkeeping', () => {
  const sp = spec({ testN: 200, d: 15 });

  it('u₁, u₂, u₁ again: identical result for u₁, and u₁ adds no direction the second time', () => {
    const set = new ProbeProjected(sp);
    expect(set.dimension).toBe(1);
    const c0 = Float64Array.from(set.coordinates(0));
    const u1 = randomVec(sp.d, 21), u2 = randomVec(sp.d, 22);
    const r1 = set.evaluate(u1);
    const p1 = set.probe(u1);
    expect(set.dimension).toBe(2);
    const c1 = Float64Array.from(set.coordinates(1));
    set.evaluate(u2);
    expect(set.dimension).toBe(3);
    expect(set.evaluate(u1)).toEqual(r1);
    const again = set.probe(u1);
    for (let j = 0; j < again.s.length; j++) expect(again.s[j]).toBeCloseTo(p1.s[j], 12);
    expect(Array.from(again.v)).toEqual(Array.from(p1.v));
    expect(set.dimension).toBe(3);
    // earlier draws are kept, never redrawn
    expect(Array.from(set.coordinates(0))).toEqual(Array.from(c0));
    expect(Array.from(set.coordinates(1))).toEqual(Array.from(c1));
  });

  it('u in span(ν) adds no direction, and then zᵀu = c·zᵀν for every token', () => {
    for (const c of [2.5, -0.7]) {
      const set = new ProbeProjected(sp);
      const u = sp.nu.map((x) => c * x);
      const { s, v } = set.probe(u);
      expect(set.dimension).toBe(1);
      for (let j = 0; j < s.length; j++) expect(s[j]).toBeCloseTo(c * v[j], 12);
    }
  });

  it('u then c·u (c > 0) adds no direction, and zᵀ(cu) = c·zᵀu', () => {
    const set = new ProbeProjected(sp);
    const u = randomVec(sp.d, 31);
    const a = set.probe(u).s;
    expect(set.dimension).toBe(2);
    const b = set.probe(u.map((x) => 3.7 * x)).s;
    expect(set.dimension).toBe(2);
    for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(3.7 * a[j], 11);
  });

  it('u = 0 (p₀ = 0 at step 0) adds no direction and gives zero logits', () => {
    const set = new ProbeProjected(sp);
    const { s } = set.probe(new Float64Array(sp.d));
    expect(set.dimension).toBe(1);
    expect(s.every((x) => x === 0)).toBe(true);
  });

  it('zᵀν = mᵀν + σ‖ν‖·(coordinate along q₀ = ν/‖ν‖) for every token', () => {
    const set = new ProbeProjected(sp);
    const { v } = set.probe(new Float64Array(sp.d));
    const g0 = set.coordinates(0);
    const nuNorm = Math.sqrt(dotp(sp.nu, sp.nu));
    for (let j = 0; j < sp.testN * sp.T; j += 37) {
      const t = j % sp.T;
      const cls = Math.floor(j / sp.T) < sp.testN / 2 ? 1 : -1;
      // ν = (e₁ − e₂)/(√2‖μ‖): mᵀν = Y*/√2 (relevant), −ρY*/√2 (confusing), ρY*/√2 (weak), 0
      const mnu = t === 0 ? cls / Math.SQRT2 : t === 1 ? -sp.rho * cls / Math.SQRT2 : t === 2 ? sp.rho * cls / Math.SQRT2 : 0;
      expect(v[j]).toBeCloseTo(mnu + sp.sigma * nuNorm * g0[j], 12);
    }
  });
});

describe('projected test set: coordinates shared by the test sets of one seed (per-thread cache)', () => {
  /** (s, v) of every token at each of `k` checkpoints u₁…u_k (directions drawn in order), then dispose. */
  function run(seed: number, k: number, d = 40): Float64Array[] {
    const ts = new ProbeProjected(spec({ seed, d, testN: 300, T: 4, maxDirections: 4 }));
    const out: Float64Array[] = [];
    for (let j = 0; j < k; j++) {
      const { s, v } = ts.probe(randomVec(d, 1000 + j));
      out.push(s, v);
    }
    expect(ts.dimension).toBe(k + 1); // each u_j is a new direction: block j+1 of the stream
    ts.dispose();
    return out;
  }

  it('a set that finds fewer, as many or more blocks cached gives, bit for bit, the numbers of a fresh draw (also after its storage grew)', () => {
    const seed = 424242;
    run(7, 3); // the thread's cache now holds another seed
    const coldLong = run(seed, 9); // fresh draw of blocks 0..9 (9 > maxDirections: storage grows)
    run(7, 2);
    const coldShort = run(seed, 3); // fresh again: caches blocks 0..3
    expect(coldShort).toEqual(coldLong.slice(0, 6));
    expect(run(seed, 9)).toEqual(coldLong); // blocks 0..3 from the cache, 4..9 drawn from the stream after them
    expect(run(seed, 9)).toEqual(coldLong); // all from the cache
    expect(run(seed, 2)).toEqual(coldLong.slice(0, 4)); // fewer than cached
    expect(run(seed, 12).slice(0, 18)).toEqual(coldLong); // more than cached: the first nine as before
    // another d (the wishart engine's 2(N+2)-dimensional space): the same blocks, so the same coordinates
    const a = new ProbeProjected(spec({ seed, d: 40, testN: 300, T: 4 }));
    const b = new ProbeProjected(spec({ seed, d: 70, testN: 300, T: 4 }));
    a.probe(randomVec(40, 5));
    b.probe(randomVec(70, 5));
    expect(Array.from(b.coordinates(1))).toEqual(Array.from(a.coordinates(1)));
  });
});
