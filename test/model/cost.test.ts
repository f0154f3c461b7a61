/**
 * Engine choice by estimated time (SPEC §4): the flop counts are closed forms,
 * and the choice follows from them and the kernel rates.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/model/config.js';
import { KERNEL_RATES, chooseEngine, engineCosts } from '../../src/model/cost.js';

describe('engineCosts', () => {
  it('counts multiply-adds as SPEC §4: explicit d² + steps·(3d² + 4Nd)', () => {
    const c = engineCosts({ d: 100, n: 5, T: 4, steps: 10 }, 3);
    const N = 20;
    expect(c.explicitMacs).toBe(100 * 100 + 10 * (3 * 100 * 100 + 4 * N * 100));
    expect(c.reducedMacs.dense).toBe(2 * 100 * 100 * (N + 2) + (100 * ((N + 3) ** 2 + N * N)) / 2);
    expect(c.reducedMacs.steps).toBe(10 * 7 * N * N + 3 * 2 * 100 * (N + 1));
    expect(c.explicit).toBeCloseTo(c.explicitMacs / KERNEL_RATES.explicitStepCached, 12); // W = 80 KB: cached rate
  });

  it('the reduced engine wins the reference trial and large d; explicit wins tiny d with many tokens', () => {
    expect(chooseEngine(DEFAULT_CONFIG, 101)).toBe('reduced'); // d = 2000, N = 160
    // d = 2000, N = 1280: explicit ≈ 22·10⁹ MAC at TypeScript speed vs reduced ≈ 14·10⁹ dense + 11.5·10⁹ step MAC in WebAssembly
    expect(chooseEngine({ ...DEFAULT_CONFIG, n: 160 }, 51)).toBe('reduced');
    // d = 50, N = 1280: explicit 0.26·10⁹ MAC vs reduced 11.5·10⁹ per-step MAC
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 50, n: 160 }, 51)).toBe('explicit');
    // d = 400, N = 1280: explicit 2.5·10⁹ MAC with W (1.3 MB) in cache vs reduced 11.5·10⁹ per-step MAC
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 400, n: 160 }, 51)).toBe('explicit');
  });

  it('a forced engine is always used', () => {
    expect(chooseEngine({ ...DEFAULT_CONFIG, engine: 'explicit' }, 101)).toBe('explicit');
    expect(chooseEngine({ ...DEFAULT_CONFIG, d: 50, n: 160, engine: 'reduced' }, 51)).toBe('reduced');
  });
});
