/**
 * Engine choice by estimated time (SPEC §4): the flop counts are closed forms,
 * and the choice follows from them and the kernel rates.
 */
import { describe, expect, it } from 'vitest';
import { CACHE_BYTES, KERNEL_RATES, MEMORY_BYTES, NORMAL_S, REDUCED_STEP_OVERHEAD_S, engineCosts, evaluationSeconds, sustainedRate } from '../../src/model/cost.js';
import { ENGINES, chooseEngine, trialSeconds } from '../../src/model/engines.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';

describe('engineCosts', () => {
  it('counts multiply-adds as SPEC §4: explicit d² + steps·(3d² + 4Nd) (explicit test set)', () => {
    const c = engineCosts({ d: 100, n: 5, T: 4, steps: 10, test: 'explicit' }, 3);
    const N = 20;
    expect(c.testBasisMacs).toBe(0);
    expect(c.explicitMacs).toBe(100 * 100 + 10 * (3 * 100 * 100 + 4 * N * 100));
    expect(c.reducedMacs.dense).toBe(2 * 100 * 100 * (N + 2) + (100 * ((N + 3) ** 2 + N * N)) / 2);
    expect(c.reducedMacs.steps).toBe(10 * 7 * N * N + 3 * 2 * 100 * (N + 1));
    expect(c.explicit).toBeCloseTo(c.explicitMacs / KERNEL_RATES.explicitStepCached, 12); // W = 80 KB: cached rate
  });

  it('the projected test set\'s fixed basis (SPEC §5, d > 2N + 4): Gram blocks d·N·(N+3) + d(N+3)²/2 and Cholesky m³/6, paid by both engines', () => {
    const N = 20, d = 100;
    const dense = 2 * d * d * (N + 2) + (d * ((N + 3) ** 2 + N * N)) / 2;
    for (const [p, m] of [['zero', 44], ['gaussian', 45]] as const) {
      const c = engineCosts({ d, n: 5, T: 4, steps: 10, init: { W: 'uniform', p } }, 3); // test projected by default
      const basis = d * N * (N + 3) + (d * (N + 3) ** 2) / 2 + m ** 3 / 6;
      expect(c.testBasisMacs).toBe(basis);
      expect(c.reducedMacs.dense).toBe(dense + basis);
      // the explicit engine builds the subspace from the shared draws: their dense work is added
      expect(c.explicitMacs).toBe(d * d + 10 * (3 * d * d + 4 * N * d) + dense + basis);
      expect(c.explicit).toBeCloseTo((d * d + 10 * (3 * d * d + 4 * N * d)) / KERNEL_RATES.explicitStepCached + c.reducedSeconds.dense, 12);
    }
    // d ≤ 2N + 4: the basis is the whole space, nothing to build
    expect(engineCosts({ d: 44, n: 5, T: 4, steps: 10 }, 3).testBasisMacs).toBe(0);
  });

  it('the reduced engine wins the reference trial and large d; explicit wins tiny d with many tokens', () => {
    expect(chooseEngine(DEFAULT_CONFIG, 101)).toBe('reduced'); // d = 2000, N = 160
    // d = 2000, N = 1280: explicit ≈ 22·10⁹ MAC at TypeScript speed vs reduced ≈ 14·10⁹ dense + 11.5·10⁹ step MAC in WebAssembly
    expect(chooseEngine({ ...DEFAULT_CONFIG, n: 160 }, 51)).toBe('reduced');
    // d = 50, N = 1280: explicit 0.26·10⁹ MAC vs reduced 11.5·10⁹ per-step MAC
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 50, n: 160 }, 51)).toBe('explicit');
    // d = 400, N = 1280: explicit 2.5·10⁹ MAC with W (1.3 MB) in cache vs reduced 11.5·10⁹ per-step MAC
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 400, n: 160 }, 51)).toBe('explicit');
    // the crossover at N = 160 as measured on the development machine (median of 5 trials, test set included):
    // d = 100: explicit 49 ms, reduced 70 ms; d = 200: explicit 71 ms, reduced 66 ms
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 100 }, 101)).toBe('explicit');
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 200 }, 101)).toBe('reduced');
  });

  it('a forced engine is always used', () => {
    expect(chooseEngine({ ...DEFAULT_CONFIG, engine: 'explicit' }, 101)).toBe('explicit');
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 50, n: 160, engine: 'reduced' }, 51)).toBe('reduced');
  });
});

describe('rates by working set', () => {
  it('sustainedRate: the cached rate up to CACHE_BYTES, the memory rate from MEMORY_BYTES, geometric in between', () => {
    expect(sustainedRate(1, 8, 2)).toBe(8);
    expect(sustainedRate(CACHE_BYTES, 8, 2)).toBe(8);
    expect(sustainedRate(MEMORY_BYTES, 8, 2)).toBe(2);
    expect(sustainedRate(10 * MEMORY_BYTES, 8, 2)).toBe(2);
    // at the geometric midpoint of the sizes the rate is the geometric mean of the rates
    expect(sustainedRate(Math.sqrt(CACHE_BYTES * MEMORY_BYTES), 8, 2)).toBeCloseTo(4, 12);
    // monotone in between
    const r = [1.1, 1.5, 2, 2.4].map((f) => sustainedRate(f * CACHE_BYTES, 8, 2));
    for (let i = 1; i < r.length; i++) expect(r[i]).toBeLessThan(r[i - 1]);
  });

  it('reduced seconds: steps at the rate of their matrices (8·(M² + N² + MN) bytes) plus the per-step overhead, u at the rate of Q and X (16·d·M bytes)', () => {
    // N = 40, d = 300: everything in cache
    const small = engineCosts({ d: 300, n: 10, T: 4, steps: 100 }, 5);
    const N = 40, M = 41;
    expect(small.reducedSeconds.train).toBeCloseTo(100 * 7 * N * N / KERNEL_RATES.reducedStepCached + 100 * REDUCED_STEP_OVERHEAD_S + 5 * 2 * 300 * M / KERNEL_RATES.reducedUCached, 15);
    expect(small.reducedSeconds.dense).toBeCloseTo(small.reducedMacs.dense / KERNEL_RATES.reducedDense, 15);
    expect(small.reduced).toBe(small.reducedSeconds.dense + small.reducedSeconds.train);
    // N = 1280, d = 2000: 38 MiB of step matrices and 39 MiB of Q, X: both at their memory rates
    const big = engineCosts({ d: 2000, n: 160, T: 8, steps: 1000 }, 100);
    const Nb = 1280, Mb = 1281;
    expect(8 * (Mb * Mb + Nb * Nb + Mb * Nb)).toBeGreaterThan(MEMORY_BYTES);
    expect(big.reducedSeconds.train).toBeCloseTo(1000 * 7 * Nb * Nb / KERNEL_RATES.reducedStep + 1000 * REDUCED_STEP_OVERHEAD_S + 100 * 2 * 2000 * Mb / KERNEL_RATES.reducedU, 12);
  });

  it('trialSeconds = engine seconds + evaluation; drawsShared leaves out exactly the dense draws and the test-set normals', () => {
    const cfg = { ...DEFAULT_CONFIG, d: 800, n: 20 }; // N = 160: fixed subspace of m = 324 < 800 coordinates per test token
    const c = engineCosts(cfg, 50);
    const ev = evaluationSeconds(cfg, 50);
    const normals = NORMAL_S * cfg.testN * cfg.T * 324;
    expect(ev).toBeGreaterThan(normals);
    expect(evaluationSeconds(cfg, 50, cfg.d, true)).toBeCloseTo(ev - normals, 15);
    expect(trialSeconds(cfg, 'reduced', 50)).toBeCloseTo(c.reduced + ev, 15);
    expect(trialSeconds(cfg, 'reduced', 50) - trialSeconds(cfg, 'reduced', 50, true)).toBeCloseTo(c.reducedSeconds.dense + normals, 12);
    // the explicit engine shares the draws its projected test set's subspace is built from
    expect(trialSeconds(cfg, 'explicit', 50) - trialSeconds(cfg, 'explicit', 50, true)).toBeCloseTo(c.reducedSeconds.dense + normals, 12);
    // an explicit test set is drawn whole (testN·T·d normals) by every trial, and there is no subspace
    const ex = { ...cfg, test: 'explicit' as const };
    expect(trialSeconds(ex, 'explicit', 50, true)).toBeCloseTo(engineCosts(ex, 50).explicit + evaluationSeconds(ex, 50, ex.d), 15);
    expect(evaluationSeconds(ex, 50)).toBeGreaterThan(NORMAL_S * cfg.testN * cfg.T * 800);
    // wishart: nothing dense, its 2(N+2) = 324 coordinates per token are the whole space
    expect(trialSeconds(cfg, 'wishart', 50)).toBeCloseTo(c.wishart + evaluationSeconds(cfg, 50, ENGINES.wishart.dimension(cfg)), 15);
    expect(trialSeconds(cfg, 'wishart', 50) - trialSeconds(cfg, 'wishart', 50, true)).toBeCloseTo(normals, 12);
  });
});
