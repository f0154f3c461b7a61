import { describe, expect, it } from 'vitest';
import { Phi, theoryOf } from '../../src/outcome/theory.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';

const cfg = (o: Partial<TrialConfig>): TrialConfig => ({ ...DEFAULT_CONFIG, ...o, init: { ...DEFAULT_CONFIG.init, ...(o.init ?? {}) } });

describe('theory quantities (SPEC §7) against closed forms', () => {
  it('Φ at tabulated points', () => {
    expect(Phi(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(Phi(-2)).toBeCloseTo(0.022750131948179195, 14);
    expect(Phi(-1.6448536269514722)).toBeCloseTo(0.05, 12);
    // tail stays relative-accurate (no 1 − erf cancellation): Φ(−10) = 7.6198530241605e-24
    expect(Phi(-10) / 7.6198530241605e-24).toBeCloseTo(1, 9);
  });

  it('default init (uniform W₀, p₀ = 0), c = 1: τ = 3/(α‖μ‖²)', () => {
    const th = theoryOf(cfg({ muNorm: 20, alpha: 5e-3, d: 2000 }));
    expect(th.tau).toBeCloseTo(3 / (5e-3 * 400), 12); // 1.5 steps
    expect(th.initVariance).toBeCloseTo(1 / 6000, 15);
    // independent of d for the uniform init
    expect(theoryOf(cfg({ muNorm: 20, alpha: 5e-3, d: 8000 })).tau).toBeCloseTo(1.5, 12);
    // ‖ν‖ = c/‖μ‖: c = 2 halves τ; the sign of c does not matter
    expect(theoryOf(cfg({ muNorm: 20, alpha: 5e-3, nuScale: -2 })).tau).toBeCloseTo(0.75, 12);
  });

  it('Gaussian W₀ and p₀: max(σ_w², σ_p²) enters', () => {
    // α = 0.01, ‖μ‖ = 10, d = 100, σ_w = 0.1: τ = 1/(0.01 · (1/10) · 1000 · 100 · 0.01) = 1
    const g = cfg({ alpha: 0.01, muNorm: 10, d: 100, init: { W: 'gaussian', sigmaW: 0.1, p: 'zero' } });
    expect(theoryOf(g).tau).toBeCloseTo(1, 12);
    // Gaussian p₀ with σ_p = 0.2 > σ_w: variance 0.04 → τ = 0.25
    expect(theoryOf({ ...g, init: { W: 'gaussian', sigmaW: 0.1, p: 'gaussian', sigmaP: 0.2 } }).tau).toBeCloseTo(0.25, 12);
    // Gaussian p₀ smaller than the uniform W₀ variance 1/(3d) = 1/300: W₀ wins
    expect(theoryOf({ ...g, init: { W: 'uniform', p: 'gaussian', sigmaP: 0.01 } }).tau).toBeCloseTo(1 / (0.01 * 100 * 100 / 300), 10);
    // default σ_w = 1/√d
    expect(theoryOf({ ...g, init: { W: 'gaussian', p: 'zero' } }).tau).toBeCloseTo(1 / (0.01 * 100 * 100 * 0.01), 10);
  });

  it('τ_b = n·exp(1/(n·SNR²))/(α σ_ε² ‖ν‖ ‖μ‖ d² max σ²) and n·SNR²', () => {
    // ‖μ‖ = 10, σ = 1, d = 100 → SNR = 1; n = 10 → n·SNR² = 10; α = 0.01, σ_w = 0.1:
    // τ_b = 10·e^0.1 / (0.01 · 1 · 0.1 · 10 · 10⁴ · 0.01) = 10·e^0.1
    const th = theoryOf(cfg({ n: 10, alpha: 0.01, muNorm: 10, d: 100, sigma: 1, init: { W: 'gaussian', sigmaW: 0.1, p: 'zero' } }));
    expect(th.snr).toBeCloseTo(1, 14);
    expect(th.nSnr2).toBeCloseTo(10, 12);
    expect(th.tauBenign).toBeCloseTo(10 * Math.exp(0.1), 10);
    expect(th.log10TauBenign).toBeCloseTo(Math.log10(10 * Math.exp(0.1)), 12);
    // σ_ε = 2 at the same ‖μ‖: SNR halves (n·SNR² = 2.5) and σ_ε² = 4 divides
    const s2 = theoryOf(cfg({ n: 10, alpha: 0.01, muNorm: 10, d: 100, sigma: 2, init: { W: 'gaussian', sigmaW: 0.1, p: 'zero' } }));
    expect(s2.nSnr2).toBeCloseTo(2.5, 12);
    expect(s2.tauBenign).toBeCloseTo((10 * Math.exp(0.4)) / 4, 10);
  });

  it('τ_b overflows to Infinity with a finite log', () => {
    const th = theoryOf(cfg({ n: 2, muNorm: 0.5, d: 2000 })); // n·SNR² = 2.5e-4 → exp(4000)
    expect(th.tauBenign).toBe(Infinity);
    expect(th.log10TauBenign).toBeGreaterThan(4000 / Math.LN10 - 10);
    expect(Number.isFinite(th.log10TauBenign)).toBe(true);
  });

  it('test-error bounds: Φ(−‖μ‖/(σ√(2T))) at step 0, Φ(−‖μ‖/(σ√2)) best; undecidable where best ≥ δ', () => {
    // ‖μ‖ = 2, σ = 1, T = 2: step 0 Φ(−1); best Φ(−√2)
    const th = theoryOf(cfg({ muNorm: 2, sigma: 1, T: 2 as number }));
    expect(th.testErrorStep0).toBeCloseTo(0.15865525393145707, 14);
    expect(th.testErrorBest).toBeCloseTo(0.07864960352514258, 12);
    expect(th.undecidable).toBe(true); // 0.0786 ≥ δ = 0.05
    // ‖μ‖ = 2√2, σ = 1, T = 8: step 0 Φ(−1/√2·1)… = Φ(−0.7071); best Φ(−2)
    const t8 = theoryOf(cfg({ muNorm: 2 * Math.SQRT2, T: 8 }));
    expect(t8.testErrorBest).toBeCloseTo(0.022750131948179195, 13);
    expect(t8.testErrorStep0).toBeCloseTo(0.23975006109347669, 12);
    expect(t8.undecidable).toBe(false);
    // the SPEC's threshold: ‖μ‖ < 2.33 for δ = 0.05 (2.3262 = 1.6449·√2)
    expect(theoryOf(cfg({ muNorm: 2.32 })).undecidable).toBe(true);
    expect(theoryOf(cfg({ muNorm: 2.34 })).undecidable).toBe(false);
    expect(theoryOf(cfg({ muNorm: 2.32, generalizationTolerance: 0.1 })).undecidable).toBe(false);
  });
});
