/**
 * The resolved configuration of one trial (SPEC §1–3) and its defaults.
 */
import type { z } from 'zod';
import type { PARAM_SCHEMAS } from './params.js';

/** The parameter validators (./params.ts): the one list of parameters. */
type Schemas = typeof PARAM_SCHEMAS;
type Init = z.output<Schemas['init']>;

/**
 * Initialisation of W₀ and p₀ (SPEC §2): `W` uniform on [−1/√d, 1/√d]
 * (default) or gaussian N(0, sigmaW²); `p` zero (default) or gaussian
 * N(0, sigmaP² I); sigmaW, sigmaP default to 1/√d.
 */
export type InitConfig = Required<Pick<Init, 'W' | 'p'>> & Omit<Init, 'W' | 'p'>;

/** `engine`: a training engine, or `auto` (the cost model picks one; src/model/engines.ts). */
export type EngineChoice = z.output<Schemas['engine']>;
/** `test`: the projected (SPEC §5) or explicit d-dimensional test set. */
export type TestMode = z.output<Schemas['test']>;

/**
 * Every parameter of a trial, resolved: the sweep parameters of
 * `PARAM_SCHEMAS` (./params.ts) except `snr`, which is converted to muNorm,
 * and `maxSteps`, which only caps `steps: { tau: k }` (src/sweep/derived.ts)
 * — so `steps` is a count here. Units: all dimensionless; `alpha` is the GD
 * step size. `evalLog`: logarithmic checkpoints per decade (0 = none),
 * besides every `evalEvery`.
 */
export type TrialConfig = { [K in keyof Schemas as Exclude<K, 'snr' | 'init' | 'maxSteps' | 'steps'>]: z.output<Schemas[K]> } & { init: InitConfig; steps: number };

/**
 * Version of the numbers a trial produces for a given configuration and seed.
 * Bumped by every change that alters them (a new random stream layout, a new
 * test-set construction, …), never by one that only adds a defaulted
 * parameter; results written under another version must not be mixed with
 * these (the journal records it).
 *
 * 1: the first journals (no version recorded).
 * 2: the projected test set draws its coordinates on a basis fixed before
 *    training (SPEC §5) and ξ's coordinate k is block k of the test-noise
 *    stream for both test sets (was: one block per new checkpoint direction;
 *    explicit: token by token).
 */
export const NUMBERS_VERSION = 2;

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
  evalLog: 20,
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

/** Std of Gaussian W₀ entries (default 1/√d). */
export function sigmaW(cfg: Pick<TrialConfig, 'init' | 'd'>): number {
  return cfg.init.sigmaW ?? 1 / Math.sqrt(cfg.d);
}

/** Std of Gaussian p₀ entries (default 1/√d). */
export function sigmaP(cfg: Pick<TrialConfig, 'init' | 'd'>): number {
  return cfg.init.sigmaP ?? 1 / Math.sqrt(cfg.d);
}
