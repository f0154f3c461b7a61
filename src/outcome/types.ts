/**
 * Outcome records of a trial (SPEC §3) and of a cell of a sweep.
 */

/** Regime of a run at a checkpoint (SPEC §3 table), plus `diverged`. */
export type Regime =
  | 'not-overfitting'
  | 'benign-overfitting'
  | 'harmful-overfitting'
  | 'partial'
  | 'diverged';

export const REGIMES: readonly Regime[] = [
  'not-overfitting',
  'benign-overfitting',
  'harmful-overfitting',
  'partial',
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
  /** first step ≥ tFit with test error < δ */
  tGeneralize: number | null;
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
}
