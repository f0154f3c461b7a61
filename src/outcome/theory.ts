/**
 * Theory quantities of a cell (SPEC §7): the theorem's time scales τ and τ_b,
 * the control parameter n·SNR², and the two bounds on test error that no
 * training can beat (uniform attention at step 0, attention entirely on the
 * relevant token).
 *
 * All are pure functions of the resolved configuration — the same for every
 * seed of a cell — so they are computed from the config wherever needed
 * (journal records also carry them, for readers outside this code).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { TrialConfig } from '../core/config.js';
import type { TheoryQuantities } from '../core/records.js';

/** What the theory quantities depend on. */
export type TheoryInput = Pick<TrialConfig, 'd' | 'T' | 'n' | 'muNorm' | 'sigma' | 'alpha' | 'nuScale' | 'init' | 'generalizationTolerance'>;

/** Variance of one W₀ entry (SPEC §2): uniform on [−1/√d, 1/√d] → 1/(3d); Gaussian → σ_w² (default 1/d). */
export function w0Variance(cfg: Pick<TrialConfig, 'd' | 'init'>): number {
  if (cfg.init.W === 'uniform') return 1 / (3 * cfg.d);
  const s = cfg.init.sigmaW ?? 1 / Math.sqrt(cfg.d);
  return s * s;
}

/** Variance of one p₀ entry (SPEC §2): 0 for p₀ = 0; σ_p² (default 1/d) for Gaussian. */
export function p0Variance(cfg: Pick<TrialConfig, 'd' | 'init'>): number {
  if (cfg.init.p === 'zero') return 0;
  const s = cfg.init.sigmaP ?? 1 / Math.sqrt(cfg.d);
  return s * s;
}

/**
 * E[softplus(−g)] for g ~ N(m, s²): the expected logistic loss of a
 * Gaussian margin (composite Simpson over m ± 12s, 2000 panels: error far
 * below 10⁻¹²; s = 0 gives softplus(−m)).
 */
export function gaussianSoftplus(m: number, s: number): number {
  const sp = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
  if (!(s > 0)) return sp(-m);
  const K = 2000, lo = m - 12 * s, h = (24 * s) / K;
  let acc = 0;
  for (let k = 0; k <= K; k++) {
    const x = lo + k * h;
    const w = k === 0 || k === K ? 1 : k % 2 ? 4 : 2;
    acc += w * sp(-x) * Math.exp(-0.5 * ((x - m) / s) ** 2);
  }
  return (acc * h) / 3 / (s * Math.sqrt(2 * Math.PI));
}

/** Standard normal CDF Φ(x), accurate in the tails (stdlib). */
export function Phi(x: number): number {
  return normalCdf(x, 0, 1);
}

/**
 * The theory quantities of a configuration (SPEC §7; ν from SPEC §2:
 * ‖ν‖ = |c|/‖μ‖). For the default init and c = 1, τ = 3/(α·‖μ‖²).
 *
 * Test-error bounds, closed forms of SPEC §7: uniform attention (the state
 * at step 0 with p₀ = 0) gives Φ(−‖μ‖/(σ_ε√(2T))); all attention on the
 * relevant token, the best any token selection can do, gives Φ(−‖μ‖/(σ_ε√2)).
 * The test losses of the same two states: a test sequence's output is
 * g = c·Y⋆/(√2T) + noise of variance σ_ε²c²/(T‖μ‖²) under uniform attention
 * (the confusing and weakly relevant tokens' signals cancel: −ρ + ρ), and
 * c·Y⋆/√2 + noise of variance σ_ε²c²/‖μ‖² with all attention on the
 * relevant token (‖ν‖ = |c|/‖μ‖, νᵀμ_± = ±c/√2; SPEC §2); the loss is
 * E softplus(−Y⋆g) ({@link gaussianSoftplus}).
 * τ_b is computed in log space; it is Infinity when exp overflows
 * (`log10TauBenign` stays finite).
 */
export function theoryOf(cfg: TheoryInput): TheoryQuantities {
  const { d, T, n, muNorm, sigma, alpha } = cfg;
  const snr = muNorm / (sigma * Math.sqrt(d));
  const nSnr2 = n * snr * snr;
  const c = cfg.nuScale;
  const nuNorm = Math.abs(c) / muNorm;
  const initVariance = Math.max(w0Variance(cfg), p0Variance(cfg));
  const tau = 1 / (alpha * nuNorm * muNorm ** 3 * d * initVariance);
  const logDen = Math.log(alpha * sigma * sigma * nuNorm * muNorm * d * d * initVariance);
  const logTauB = Math.log(n) + 1 / nSnr2 - logDen;
  const testErrorBest = Phi(-muNorm / (sigma * Math.SQRT2));
  return {
    snr, nSnr2, nuNorm, initVariance, tau,
    tauBenign: Math.exp(logTauB),
    log10TauBenign: logTauB / Math.LN10,
    testErrorStep0: Phi(-muNorm / (sigma * Math.sqrt(2 * T))),
    testErrorBest,
    testLossStep0: gaussianSoftplus(c / (Math.SQRT2 * T), (sigma * Math.abs(c)) / (Math.sqrt(T) * muNorm)),
    testLossBest: gaussianSoftplus(c / Math.SQRT2, (sigma * Math.abs(c)) / muNorm),
    undecidable: testErrorBest >= cfg.generalizationTolerance,
  };
}
