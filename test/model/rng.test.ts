/**
 * Named seeded streams (SPEC §6). Statistical checks use 5-sigma bounds on
 * sample moments (two-sided normal tail P(|Z| > 5) ≈ 5.7e-7 per assertion);
 * the streams are deterministic, so a pass is reproducible, and the bounds
 * would catch a wrong distribution (e.g. a variance off by a few percent).
 */
import { describe, expect, it } from 'vitest';
import { Rng, type StreamName, stream } from '../../src/model/rng.js';

const NAMES: StreamName[] = ['token-noise', 'labels', 'label-noise', 'W0', 'p0', 'test-labels', 'test-noise'];

function normals(r: Rng, m: number): Float64Array {
  return r.fillNormal(new Float64Array(m));
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function corr(x: Float64Array, y: Float64Array): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('Rng determinism', () => {
  it('same (seed, name) gives the same sequence; a fresh object restarts it', () => {
    const a = normals(stream(7, 'W0'), 100);
    const b = normals(stream(7, 'W0'), 100);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('different seeds and different names give different sequences', () => {
    const base = Array.from(normals(stream(7, 'W0'), 20));
    expect(Array.from(normals(stream(8, 'W0'), 20))).not.toEqual(base);
    expect(Array.from(normals(stream(7, 'p0'), 20))).not.toEqual(base);
  });

  it('uses the high 32 bits of large seeds (seed 1 and 2^32 + 1 differ)', () => {
    const a = Array.from(normals(new Rng(1, 'x'), 10));
    const b = Array.from(normals(new Rng(2 ** 32 + 1, 'x'), 10));
    expect(b).not.toEqual(a);
  });

  it('rejects negative, fractional and unsafe seeds', () => {
    expect(() => new Rng(-1, 'x')).toThrow();
    expect(() => new Rng(1.5, 'x')).toThrow();
    expect(() => new Rng(2 ** 53, 'x')).toThrow();
  });

  it('fillNormal(out, from, to) writes only [from, to) and continues the same stream', () => {
    const whole = normals(stream(3, 'token-noise'), 10);
    const r = stream(3, 'token-noise');
    const out = new Float64Array(10).fill(42);
    r.fillNormal(out, 2, 6);
    expect(out[0]).toBe(42);
    expect(out[1]).toBe(42);
    expect(Array.from(out.subarray(2, 6))).toEqual(Array.from(whole.subarray(0, 4)));
    expect(out[6]).toBe(42);
  });

  it('fillNormal and fillUniform give, bit for bit, the numbers of normal() and uniform() called one by one, across odd lengths and mixed calls', () => {
    // the fills keep the generator in locals; the one-by-one methods are the definition
    const one = stream(11, 'test-noise');
    const bulk = stream(11, 'test-noise');
    const expected: number[] = [];
    const got: number[] = [];
    const steps: Array<['n' | 'u', number]> = [['n', 7], ['u', 5], ['n', 1], ['n', 4], ['u', 1], ['n', 3], ['n', 0], ['u', 9], ['n', 6]];
    for (const [kind, len] of steps) {
      for (let i = 0; i < len; i++) expected.push(kind === 'n' ? one.normal() : -2 + 5 * one.uniform());
      const out = new Float64Array(len + 2).fill(42);
      if (kind === 'n') bulk.fillNormal(out, 1, len + 1);
      else bulk.fillUniform(out, -2, 3, 1, len + 1);
      expect([out[0], out[len + 1]]).toEqual([42, 42]);
      got.push(...out.subarray(1, len + 1));
    }
    expect(got).toEqual(expected);
    // and the streams stay in step afterwards
    expect(bulk.normal()).toBe(one.normal());
    expect(bulk.nextU32()).toBe(one.nextU32());
  });
});

describe('Rng distributions', () => {
  const M = 200_000;

  it('uniform(): in [0, 1), mean 1/2 and variance 1/12 within 5 standard errors', () => {
    const r = stream(11, 'labels');
    const x = new Float64Array(M);
    for (let i = 0; i < M; i++) x[i] = r.uniform();
    let mn = Infinity, mx = -Infinity;
    for (const v of x) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
    expect(mn).toBeGreaterThanOrEqual(0);
    expect(mx).toBeLessThan(1);
    // SE of the mean: sqrt(Var U / M) = sqrt(1/(12M))
    expect(Math.abs(mean(x) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / (12 * M)));
    // (U − 1/2)² has mean 1/12 and variance E(U−½)⁴ − (1/12)² = 1/80 − 1/144 = 1/180
    let ss = 0;
    for (const v of x) ss += (v - 0.5) ** 2;
    expect(Math.abs(ss / M - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / (180 * M)));
  });

  it.each(NAMES)('normal() of stream %s: mean 0, variance 1, fourth moment 3, tail mass P(|Z|>2) within bounds', (name) => {
    const x = normals(stream(5, name), M);
    // mean: SE = 1/√M
    expect(Math.abs(mean(x))).toBeLessThan(5 / Math.sqrt(M));
    // Z² has mean 1 and variance 2
    let s2 = 0, s4 = 0, tail = 0;
    for (const v of x) { s2 += v * v; s4 += v ** 4; if (Math.abs(v) > 2) tail++; }
    expect(Math.abs(s2 / M - 1)).toBeLessThan(5 * Math.sqrt(2 / M));
    // Z⁴ has mean 3 and variance E Z⁸ − 9 = 105 − 9 = 96
    expect(Math.abs(s4 / M - 3)).toBeLessThan(5 * Math.sqrt(96 / M));
    // P(|Z| > 2) = erfc(√2) = 0.0455003; binomial SE sqrt(p(1−p)/M)
    const p = 0.04550026389635842;
    expect(Math.abs(tail / M - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / M));
  });

  it('fillUniform(lo, hi) stays in [lo, hi) with mean (lo+hi)/2 within 5 SE', () => {
    const out = stream(2, 'W0').fillUniform(new Float64Array(M), -3, 5);
    let mn = Infinity, mx = -Infinity;
    for (const v of out) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
    expect(mn).toBeGreaterThanOrEqual(-3);
    expect(mx).toBeLessThan(5);
    // Var = (hi − lo)²/12 = 64/12
    expect(Math.abs(mean(out) - 1)).toBeLessThan(5 * Math.sqrt(64 / 12 / M));
  });

  it('permutation(k) is a permutation, and all 3! orders are equally likely (binomial 5-sigma)', () => {
    const r = stream(9, 'label-noise');
    const p7 = Array.from(r.permutation(7)).sort((a, b) => a - b);
    expect(p7).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const reps = 60_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < reps; i++) {
      const k = Array.from(r.permutation(3)).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const p = 1 / 6;
    for (const c of counts.values()) expect(Math.abs(c - reps * p)).toBeLessThan(5 * Math.sqrt(reps * p * (1 - p)));
  });
});

describe('stream independence', () => {
  const M = 100_000;
  // For independent samples the sample correlation has SD ≈ 1/√M; 5/√M is a 5-sigma bound.
  const bound = 5 / Math.sqrt(M);

  it('every pair of named streams of one seed is uncorrelated (|r| < 5/√M)', () => {
    const xs = NAMES.map((nm) => normals(stream(4, nm), M));
    for (let i = 0; i < NAMES.length; i++) {
      for (let j = i + 1; j < NAMES.length; j++) expect(Math.abs(corr(xs[i], xs[j]))).toBeLessThan(bound);
    }
  });

  it('neighbouring seeds of one stream are uncorrelated, also at lag 1', () => {
    for (const s of [0, 1, 2, 1000]) {
      const a = normals(stream(s, 'token-noise'), M + 1);
      const b = normals(stream(s + 1, 'token-noise'), M + 1);
      expect(Math.abs(corr(a.subarray(0, M), b.subarray(0, M)))).toBeLessThan(bound);
      expect(Math.abs(corr(a.subarray(1, M + 1), b.subarray(0, M)))).toBeLessThan(bound);
      // consecutive draws of one stream (serial correlation, includes the Box–Muller pair)
      expect(Math.abs(corr(a.subarray(0, M), a.subarray(1, M + 1)))).toBeLessThan(bound);
    }
  });

  it('the two halves of each Box–Muller pair are uncorrelated, also in their squares', () => {
    const x = normals(stream(6, 'test-noise'), 2 * M);
    const ev = new Float64Array(M), od = new Float64Array(M);
    for (let i = 0; i < M; i++) { ev[i] = x[2 * i]; od[i] = x[2 * i + 1]; }
    expect(Math.abs(corr(ev, od))).toBeLessThan(bound);
    expect(Math.abs(corr(ev.map((v) => v * v), od.map((v) => v * v)))).toBeLessThan(bound);
  });
});
