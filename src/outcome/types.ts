/**
 * Outcome records of a trial (SPEC §3) and of a cell of a sweep.
 */
import type { TheoryQuantities } from './theory.js';

/**
 * Regime of a run at a checkpoint (SPEC §3 table), plus `untrained` (the run
 * has not moved from its initial predictions: see `isUntrained` in
 * metrics.ts) and `diverged`.
 */
export type Regime =
  | 'not-overfitting'
  | 'benign-overfitting'
  | 'harmful-overfitting'
  | 'partial'
  | 'untrained'
  | 'diverged';

export const REGIMES: readonly Regime[] = [
  'not-overfitting',
  'benign-overfitting',
  'harmful-overfitting',
  'partial',
  'untrained',
  'diverged',
];

/** Mean softmax weight per token of each kind (SPEC §1 token kinds). */
export interface TokenWeights {
  relevant: number;
  confusing: number;
  weak: number;
  /** mean weight of one irrelevant token (NaN when T = 3) */
  irrelevant: number;
}

/** Metrics of a run at one checkpoint (SPEC §3). Fractions are in [0, 1]. */
export interface Checkpoint {
  /** number of GD updates done (state before update `step`) */
  step: number;
  trainLoss: number;
  /** fraction of all n training samples whose sign(f) equals the observed label */
  trainAcc: number;
  /** accuracy on the clean set 𝒞 w.r.t. their labels */
  cleanFit: number;
  /** fraction of the noisy set 𝒩 predicted as their noisy label; null when 𝒩 is empty */
  noisyFit: number | null;
  /** test accuracy w.r.t. true labels */
  testAcc: number;
  /** mean logistic test loss w.r.t. true labels */
  testLoss: number;
  attnClean: TokenWeights;
  /** null when 𝒩 is empty */
  attnNoisy: TokenWeights | null;
  /** ‖p‖₂ */
  pNorm: number;
  regime: Regime;
}

/** Event times of a run (SPEC §3); null when the event never happened. */
export interface EventTimes {
  /** first checkpoint step at which each regime holds */
  firstStep: Partial<Record<Regime, number>>;
  /** first step with train accuracy 1 */
  tFit: number | null;
  /**
   * the delayed generalisation of the theorem (SPEC §7): first step after
   * tMemorise at which test error is below min(δ, test error at tMemorise);
   * null if that never happens (or nothing was memorised). Never a copy of tFit.
   */
  tGeneralize: number | null;
  /** first checkpoint step from which noisyFit = 1 at every later checkpoint to the end (SPEC §7); null if never, or 𝒩 empty */
  tMemorise?: number | null;
  /** step of the lowest test error (first one on ties) */
  bestTestStep?: number | null;
  /** the lowest test error over checkpoints */
  bestTestError?: number | null;
  /** tGeneralize is not null: test error fell again after every noisy label was memorised */
  delayedGeneralisation?: boolean;
}

/** Summary of one cell (one point of the grid) over its seeds. */
export interface CellSummary {
  /** stable key of the cell (values of the swept axes) */
  cellKey: string;
  /** values of the swept axes for this cell, e.g. { snr: 0.1, n: 20 } */
  axes: Record<string, number | string>;
  /** number of finished trials (seeds) in the cell */
  count: number;
  /** majority final regime (ties broken in REGIMES order); null if count = 0 */
  regime: Regime | null;
  /** fraction of seeds whose final regime equals `regime` */
  agreement: number;
  /** fraction of seeds in each final regime */
  regimeFractions: Record<Regime, number>;
  /** mean and standard deviation over seeds of final metrics */
  metrics: Record<string, { mean: number; sd: number }>;
  /** theory quantities of the cell (SPEC §7; from its trials' config), absent when no trial finished */
  theory?: TheoryQuantities;
}
