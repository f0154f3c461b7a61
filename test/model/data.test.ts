/**
 * Data generator (SPEC §1) and common random numbers (SPEC §6).
 *
 * Statistical assertions are 5-sigma bounds on sample means/variances of
 * Gaussian or binomial quantities (P(|Z| > 5) ≈ 5.7e-7); the generators are
 * seeded, so results are reproducible. Structural facts (label counts, the
 * exact split of the noisy set, monotonicity in η, bitwise equality of draws
 * across continuous parameters) are asserted exactly.
 */
import { describe, expect, it } from 'vitest';
import { W0Rows, assembleTokens, drawLabels, drawP0, drawTokenNoise, drawW0, headCoefficients, headVector, signalCoefficients, trueLabels } from '../../src/model/data.js';
import { ExplicitTestSet, ProjectedTestSet } from '../../src/model/testset.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import { TOKEN_KINDS, kindOfPosition } from '../../src/core/tokens.js';

/** Exposes zᵀu of every test token (test-only subclass). */
class ProbeExplicit extends ExplicitTestSet {
  logits(u: Float64Array): Float64Array {
    this.project(u);
    return Float64Array.from(this.s);
  }
}

function cfg(over: Partial<TrialConfig> = {}): TrialConfig {
  return { ...DEFAULT_CONFIG, ...over, init: { ...DEFAULT_CONFIG.init, ...(over.init ?? {}) } };
}

function sum(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

describe('token layout and per-kind means (SPEC §1)', () => {
  // n samples × T tokens in d dimensions; ‖μ‖, ρ, σ chosen so the means are
  // well separated from 0 and from each other relative to σ/√(n/2).
  const n = 2000, T = 5, d = 7, muNorm = 3, rho = 0.3, sigma = 0.7, seed = 13;
  const yTrue = trueLabels(n, 'balanced', seed);
  const E = drawTokenNoise(seed, n, T, d);
  const Sc = signalCoefficients(yTrue, T, muNorm, rho);
  const X = assembleTokens(E, Sc, sigma, n * T, d);

  it('kindOfPosition: relevant, confusing, weak, then irrelevant', () => {
    expect([0, 1, 2, 3, 4, 9].map(kindOfPosition).map((k) => TOKEN_KINDS[k]))
      .toEqual(['relevant', 'confusing', 'weak', 'irrelevant', 'irrelevant', 'irrelevant']);
  });

  it('X − σE is exactly the signal: μ_{Y*}, ρμ_{−Y*}, ρμ_{Y*}, 0 on (e₁, e₂) and 0 elsewhere', () => {
    for (let i = 0; i < n; i += 97) {
      const own = yTrue[i] > 0 ? 0 : 1; // μ₊ = ‖μ‖e₁, μ₋ = ‖μ‖e₂
      const expected = [[0, 0], [0, 0], [0, 0]];
      expected[0][own] = muNorm;
      expected[1][1 - own] = rho * muNorm;
      expected[2][own] = rho * muNorm;
      for (let t = 0; t < T; t++) {
        const row = (i * T + t) * d;
        for (let k = 0; k < d; k++) {
          const sig = t < 3 && k < 2 ? expected[t][k] : 0;
          expect(X[row + k] - sigma * E[row + k]).toBeCloseTo(sig, 12);
        }
      }
    }
  });

  it('sample means on e₁, e₂ per kind and class match the closed form within 5σ/√count', () => {
    const mu = (cls: number): [number, number] => (cls > 0 ? [muNorm, 0] : [0, muNorm]);
    const expectedMean = (t: number, cls: number): [number, number] => {
      const k = kindOfPosition(t);
      if (k === 0) return mu(cls);
      if (k === 1) return mu(-cls).map((x) => rho * x) as [number, number];
      if (k === 2) return mu(cls).map((x) => rho * x) as [number, number];
      return [0, 0];
    };
    for (const cls of [1, -1]) {
      for (let t = 0; t < T; t++) {
        let s0 = 0, s1 = 0, cnt = 0;
        for (let i = 0; i < n; i++) {
          if (yTrue[i] !== cls) continue;
          s0 += X[(i * T + t) * d];
          s1 += X[(i * T + t) * d + 1];
          cnt++;
        }
        const [m0, m1] = expectedMean(t, cls);
        const bound = (5 * sigma) / Math.sqrt(cnt);
        expect(Math.abs(s0 / cnt - m0)).toBeLessThan(bound);
        expect(Math.abs(s1 / cnt - m1)).toBeLessThan(bound);
      }
    }
  });

  it('coordinates e₃…e_d of every kind have mean 0 and variance σ² (5-sigma: SE of s² ≈ σ²√(2/m))', () => {
    for (let t = 0; t < T; t++) {
      let s = 0, ss = 0, m = 0;
      for (let i = 0; i < n; i++) {
        for (let k = 2; k < d; k++) {
          const x = X[(i * T + t) * d + k];
          s += x; ss += x * x; m++;
        }
      }
      const mean = s / m;
      const v = (ss - m * mean * mean) / (m - 1);
      expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(m));
      expect(Math.abs(v - sigma * sigma)).toBeLessThan(5 * sigma * sigma * Math.sqrt(2 / (m - 1)));
    }
  });
});

describe('labels (SPEC §1)', () => {
  it('balanced: first ⌊n/2⌋ are +1, the rest −1', () => {
    for (const n of [2, 5, 20, 21]) {
      const y = trueLabels(n, 'balanced', 0);
      const half = Math.floor(n / 2);
      expect(Array.from(y)).toEqual([...Array(half).fill(1), ...Array(n - half).fill(-1)]);
    }
  });

  it('iid: ±1 with P(+1) = 1/2 within a binomial 5-sigma bound', () => {
    const n = 40_000;
    const y = trueLabels(n, 'iid', 3);
    const pos = Array.from(y).filter((v) => v === 1).length;
    expect(Array.from(y).every((v) => v === 1 || v === -1)).toBe(true);
    expect(Math.abs(pos - n / 2)).toBeLessThan(5 * Math.sqrt(n / 4));
  });

  // (n, η) pairs with η·n not at a .5 tie, so round(η·n) is unambiguous
  const exactCases: [number, number][] = [[20, 0.2], [10, 0.3], [7, 0.4], [2, 0.4], [5, 0.1], [40, 0.05], [33, 0.45], [9, 0], [101, 0.49]];

  it.each(exactCases)('exact noise, n=%i, η=%f: |𝒩| = round(ηn), y = −Y* exactly on 𝒩, split between classes as evenly as possible', (n, eta) => {
    for (const labels of ['balanced', 'iid'] as const) {
      for (const seed of [0, 1, 2]) {
        const L = drawLabels({ n, eta, labels, noise: 'exact' }, seed);
        const k = Math.round(eta * n);
        expect(sum(L.noisy)).toBe(k);
        for (let i = 0; i < n; i++) expect(L.y[i]).toBe(L.noisy[i] ? -L.yTrue[i] : L.yTrue[i]);
        let P = 0, kp = 0;
        for (let i = 0; i < n; i++) if (L.yTrue[i] > 0) { P++; if (L.noisy[i]) kp++; }
        const Nn = n - P;
        const kn = k - kp;
        // most even feasible split: minimise |kp − kn| s.t. 0 ≤ kp ≤ P, 0 ≤ kn ≤ Nn
        let best = Infinity;
        for (let x = Math.max(0, k - Nn); x <= Math.min(P, k); x++) best = Math.min(best, Math.abs(2 * x - k));
        expect(Math.abs(kp - kn)).toBe(best);
      }
    }
  });

  it('exact noise: raising η only adds flips (same seed, nested noisy sets)', () => {
    for (const labels of ['balanced', 'iid'] as const) {
      const n = 30;
      let prev: Uint8Array = new Uint8Array(n);
      for (let k = 0; k < 15; k++) {
        const eta = (k + 0.25) / n; // round(η n) = k
        const L = drawLabels({ n, eta, labels, noise: 'exact' }, 5);
        expect(sum(L.noisy)).toBe(k);
        for (let i = 0; i < n; i++) if (prev[i]) expect(L.noisy[i]).toBe(1);
        prev = L.noisy;
      }
    }
  });

  it('bernoulli noise: flip rate η within a binomial 5-sigma bound, and nested in η', () => {
    const n = 20_000;
    const a = drawLabels({ n, eta: 0.1, labels: 'balanced', noise: 'bernoulli' }, 8);
    const b = drawLabels({ n, eta: 0.3, labels: 'balanced', noise: 'bernoulli' }, 8);
    for (const [L, eta] of [[a, 0.1], [b, 0.3]] as const) {
      expect(Math.abs(sum(L.noisy) - eta * n)).toBeLessThan(5 * Math.sqrt(n * eta * (1 - eta)));
      let wrong = 0;
      for (let i = 0; i < n; i++) if (L.y[i] !== (L.noisy[i] ? -L.yTrue[i] : L.yTrue[i])) wrong++;
      expect(wrong).toBe(0);
    }
    let lost = 0;
    for (let i = 0; i < n; i++) if (a.noisy[i] && !b.noisy[i]) lost++;
    expect(lost).toBe(0);
  });

  it('η = 0 flips nothing in either mode', () => {
    for (const noise of ['exact', 'bernoulli'] as const) {
      const L = drawLabels({ n: 50, eta: 0, labels: 'iid', noise }, 1);
      expect(sum(L.noisy)).toBe(0);
      expect(Array.from(L.y)).toEqual(Array.from(L.yTrue));
    }
  });
});

describe('initialisation (SPEC §2)', () => {
  it('W₀ uniform: entries in [−1/√d, 1/√d], mean 0 and variance 1/(3d) within 5 SE, both ends reached', () => {
    const d = 200;
    const W = drawW0(cfg({ d }), 4);
    const b = 1 / Math.sqrt(d);
    const m = d * d;
    let mn = Infinity, mx = -Infinity, s = 0, ss = 0;
    for (const w of W) { mn = Math.min(mn, w); mx = Math.max(mx, w); s += w; ss += w * w; }
    expect(mn).toBeGreaterThanOrEqual(-b);
    expect(mx).toBeLessThanOrEqual(b);
    // P(no entry within 1% of an end) = 0.995^40000 ≈ e^−200
    expect(mx).toBeGreaterThan(0.99 * b);
    expect(mn).toBeLessThan(-0.99 * b);
    // Var U = b²/3; Var U² = E U⁴ − (E U²)² = b⁴/5 − b⁴/9 = 4b⁴/45
    expect(Math.abs(s / m)).toBeLessThan(5 * Math.sqrt(b * b / 3 / m));
    expect(Math.abs(ss / m - 1 / (3 * d))).toBeLessThan(5 * Math.sqrt((4 * b ** 4) / 45 / m));
  });

  it('W₀ gaussian: variance σ_w² (default 1/d, or the given sigmaW) within 5 SE', () => {
    const d = 150;
    for (const sigmaW of [undefined, 0.3]) {
      const W = drawW0(cfg({ d, init: { W: 'gaussian', p: 'zero', sigmaW } }), 2);
      const v = sigmaW === undefined ? 1 / d : sigmaW ** 2;
      const m = d * d;
      // W²/v ~ χ²₁: mean 1, variance 2
      expect(Math.abs(sum(W.map((w) => w * w)) / m / v - 1)).toBeLessThan(5 * Math.sqrt(2 / m));
    }
  });

  it('W0Rows streamed in blocks of any height gives exactly drawW0', () => {
    const c = cfg({ d: 23 });
    const whole = drawW0(c, 9);
    for (const h of [1, 5, 23, 64]) {
      const rows = new W0Rows(23, c, 9);
      const buf = new Float64Array(h * 23);
      const got = new Float64Array(23 * 23);
      let r = 0;
      while (r < 23) {
        const k = rows.fill(buf, h);
        got.set(buf.subarray(0, k * 23), r * 23);
        r += k;
      }
      expect(rows.fill(buf, h)).toBe(0);
      expect(Array.from(got)).toEqual(Array.from(whole));
    }
  });

  it('p₀ is zero by default and N(0, σ_p²) when gaussian (variance within 5 SE)', () => {
    const d = 20_000;
    expect(drawP0(cfg({ d }), 1).every((x) => x === 0)).toBe(true);
    for (const sigmaP of [undefined, 2]) {
      const p = drawP0(cfg({ d, init: { W: 'uniform', p: 'gaussian', sigmaP } }), 1);
      const v = sigmaP === undefined ? 1 / d : sigmaP ** 2;
      expect(Math.abs(sum(p.map((x) => x * x)) / d / v - 1)).toBeLessThan(5 * Math.sqrt(2 / d));
      expect(Math.abs(sum(p) / d)).toBeLessThan(5 * Math.sqrt(v / d));
    }
  });

  it('head ν = c(μ₊ − μ₋)/‖μ₊ − μ₋‖/‖μ‖: along e₁ − e₂ with ‖ν‖ = |c|/‖μ‖', () => {
    for (const [muNorm, c] of [[20, 1], [0.5, 3], [7, -2]]) {
      const nu = headVector(6, muNorm, c);
      const norm = Math.hypot(...nu);
      expect(norm).toBeCloseTo(Math.abs(c) / muNorm, 14);
      expect(nu[0]).toBe(-nu[1]);
      expect(Math.sign(nu[0])).toBe(Math.sign(c));
      expect(Array.from(nu.subarray(2))).toEqual([0, 0, 0, 0]);
      expect(headCoefficients(muNorm, c)).toEqual([nu[0], nu[1]]);
    }
  });
});

describe('common random numbers (SPEC §6)', () => {
  const d = 12, n = 6, T = 4, seed = 21;
  const A = cfg({ d, n, T, muNorm: 5, rho: 0.1, eta: 0.2, sigma: 1, alpha: 0.01, init: { W: 'uniform', p: 'gaussian' } });
  const B = cfg({ d, n, T, muNorm: 0.3, rho: 0.7, eta: 0.4, sigma: 2.5, alpha: 0.5, steps: 7, nuScale: 3, init: { W: 'uniform', p: 'gaussian' } });

  it('W₀ and p₀ are bitwise equal for configs differing only in continuous parameters', () => {
    expect(Array.from(drawW0(B, seed))).toEqual(Array.from(drawW0(A, seed)));
    expect(Array.from(drawP0(B, seed))).toEqual(Array.from(drawP0(A, seed)));
  });

  it('token noise recovered from X, (X − S)/σ, is the same E for different ‖μ‖, ρ, σ, η', () => {
    const E = drawTokenNoise(seed, n, T, d);
    const recover = (c: TrialConfig): Float64Array => {
      const L = drawLabels(c, seed);
      const Sc = signalCoefficients(L.yTrue, T, c.muNorm, c.rho);
      const X = assembleTokens(E, Sc, c.sigma, n * T, d);
      const out = new Float64Array(X.length);
      for (let j = 0; j < n * T; j++) {
        for (let k = 0; k < d; k++) out[j * d + k] = (X[j * d + k] - (k < 2 ? Sc[2 * j + k] : 0)) / c.sigma;
      }
      return out;
    };
    const ea = recover(A), eb = recover(B);
    for (let j = 0; j < E.length; j++) {
      expect(ea[j]).toBeCloseTo(E[j], 12);
      expect(eb[j]).toBeCloseTo(E[j], 12);
    }
    // true labels (balanced) do not move either, and η only changes the flips
    expect(Array.from(drawLabels(B, seed).yTrue)).toEqual(Array.from(drawLabels(A, seed).yTrue));
  });

  it('token noise depends on the seed', () => {
    expect(Array.from(drawTokenNoise(seed + 1, n, T, d))).not.toEqual(Array.from(drawTokenNoise(seed, n, T, d)));
  });

  it('test-set noise does not depend on ‖μ‖, ρ, σ (projected coordinates; explicit tokens)', () => {
    const mk = (c: TrialConfig) => new ProjectedTestSet({
      testN: 50, T, d, muNorm: c.muNorm, rho: c.rho, sigma: c.sigma, labels: 'balanced',
      nu: headVector(d, c.muNorm, c.nuScale), seed,
    });
    const a = mk(A), b = mk(B);
    expect(Array.from(b.coordinates(0))).toEqual(Array.from(a.coordinates(0)));
    // explicit set: with u = e₃ (outside the signal plane) zᵀu = σξ₃, so (zᵀe₃)/σ is the raw noise
    const e3 = new Float64Array(d);
    e3[2] = 1;
    const mkE = (c: TrialConfig) => new ProbeExplicit({
      testN: 50, T, d, muNorm: c.muNorm, rho: c.rho, sigma: c.sigma, labels: 'balanced', nu: headVector(d, c.muNorm, c.nuScale), seed,
    }).logits(e3).map((x) => x / c.sigma);
    const xa = mkE(A), xb = mkE(B);
    for (let j = 0; j < xa.length; j++) expect(xb[j]).toBeCloseTo(xa[j], 13);
    // and they are not the training token noise (separate stream)
    const E = drawTokenNoise(seed, n, T, d);
    expect(a.coordinates(0)[0]).not.toBe(E[0]);
  });
});
