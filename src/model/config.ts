/**
 * The resolved configuration of one trial (SPEC §1–3) and its defaults.
 */

/** Initialisation of W₀ and p₀ (SPEC §2). */
export interface InitConfig {
  /** W₀ entries: `uniform` on [−1/√d, 1/√d] (default, PyTorch Kaiming-uniform) or `gaussian` N(0, sigmaW²) */
  W: 'uniform' | 'gaussian';
  /** std of Gaussian W₀ entries; default 1/√d */
  sigmaW?: number;
  /** p₀: `zero` (default, the paper) or `gaussian` N(0, sigmaP² I) */
  p: 'zero' | 'gaussian';
  /** std of Gaussian p₀ entries; default 1/√d */
  sigmaP?: number;
}

export type EngineChoice = 'auto' | 'explicit' | 'reduced';
export type TestMode = 'projected' | 'explicit';

/**
 * Every parameter of a trial, resolved (no `snr`: it is converted to muNorm).
 * Units: all dimensionless; `alpha` is the GD step size, `steps` a count.
 */
export interface TrialConfig {
  d: number;
  T: number;
  n: number;
  eta: number;
  rho: number;
  muNorm: number;
  sigma: number;
  alpha: number;
  steps: number;
  evalEvery: number;
  testN: number;
  labels: 'balanced' | 'iid';
  noise: 'exact' | 'bernoulli';
  init: InitConfig;
  nuScale: number;
  generalizationTolerance: number;
  engine: EngineChoice;
  test: TestMode;
}

/** Defaults of the paper's synthetic runs (SPEC §1–2). */
export const DEFAULT_CONFIG: TrialConfig = {
  d: 2000,
  T: 8,
  n: 20,
  eta: 0.2,
  rho: 0.1,
  muNorm: 20,
  sigma: 1,
  alpha: 5e-3,
  steps: 1000,
  evalEvery: 10,
  testN: 1000,
  labels: 'balanced',
  noise: 'exact',
  init: { W: 'uniform', p: 'zero' },
  nuScale: 1,
  generalizationTolerance: 0.05,
  engine: 'auto',
  test: 'projected',
};

/** SNR = ‖μ‖₂ / (σ_ε √d) (SPEC §1). */
export function snrOf(cfg: Pick<TrialConfig, 'muNorm' | 'sigma' | 'd'>): number {
  return cfg.muNorm / (cfg.sigma * Math.sqrt(cfg.d));
}

/** ‖μ‖₂ = SNR · σ_ε · √d (SPEC §1). */
export function muNormFromSnr(snr: number, sigma: number, d: number): number {
  return snr * sigma * Math.sqrt(d);
}

/** Checkpoint steps: 0, every `evalEvery`, and the last (SPEC §3). Sorted, unique. */
export function checkpointSteps(steps: number, evalEvery: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < steps; t += evalEvery) out.push(t);
  out.push(steps);
  return out;
}

/** Std of Gaussian W₀ entries (default 1/√d). */
export function sigmaW(cfg: Pick<TrialConfig, 'init' | 'd'>): number {
  return cfg.init.sigmaW ?? 1 / Math.sqrt(cfg.d);
}

/** Std of Gaussian p₀ entries (default 1/√d). */
export function sigmaP(cfg: Pick<TrialConfig, 'init' | 'd'>): number {
  return cfg.init.sigmaP ?? 1 / Math.sqrt(cfg.d);
}
