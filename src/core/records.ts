/**
 * Record types: what a trial produces (checkpoints, regime, event times,
 * theory quantities), what the journal stores of it, and what a cell of a
 * sweep summarises (SPEC §3, §7). Plain data; the code that computes them
 * lives in src/outcome (metrics, aggregation, theory) and src/sweep/journal.ts
 * (the journal lines and their schema).
 */
import type { TrialConfig } from './config.js';
import type { EngineName } from './params.js';
import type { TokenWeights } from './tokens.js';

/**
 * Regime of a run at a checkpoint (SPEC §3 table), plus `untrained` (the run
 * has not moved from its initial predictions: see `isUntrained` in
 * src/outcome/metrics.ts) and `diverged`.
 */
export type Regime =
  | 'not-overfitting'
  | 'benign-overfitting'
  | 'harmful-overfitting'
  | 'partial'
  | 'untrained'
  | 'diverged';

/** Every regime, in the order legends list them (and majority ties are broken in). */
export const REGIMES: readonly Regime[] = [
  'not-overfitting',
  'benign-overfitting',
  'harmful-overfitting',
  'partial',
  'untrained',
  'diverged',
];

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
  /** mean softmax weight per token kind over clean samples (irrelevant: of one irrelevant token, NaN when T = 3) */
  attnClean: TokenWeights;
  /** the same over noisy samples; null when 𝒩 is empty */
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
  /**
   * first checkpoint step at which the test loss has covered SELECTION_FRACTION (a tenth) of the way from
   * its step-0 value to the test loss of perfect token selection (TheoryQuantities.testLossBest): when
   * token selection starts to generalise — measurable where test error is trivially 0 (SPEC §9); null if never
   */
  tSelect?: number | null;
}

/** Theory quantities of one cell (SPEC §7; computed by src/outcome/theory.ts). Units: steps for times; errors are probabilities. */
export interface TheoryQuantities {
  /** SNR = ‖μ‖/(σ_ε√d) */
  snr: number;
  /** n·SNR² — the theorem's control parameter (boundary at n·SNR² = const) */
  nSnr2: number;
  /** ‖ν‖ = |nuScale|/‖μ‖ (SPEC §2 head) */
  nuNorm: number;
  /** max(σ_w², σ_p²): variance of W₀ entries (1/(3d) for uniform on [−1/√d, 1/√d]) vs of p₀ (0 when zero) */
  initVariance: number;
  /** τ = 1/(α·‖ν‖·‖μ‖³·d·max(σ_w², σ_p²)), the not-overfitting time (steps) */
  tau: number;
  /** τ_b = n·exp(1/(n·SNR²))/(α·σ_ε²·‖ν‖·‖μ‖·d²·max(σ_w², σ_p²)), the benign-overfitting time (steps; Infinity when it overflows) */
  tauBenign: number;
  /** log₁₀ τ_b (finite even when τ_b overflows) */
  log10TauBenign: number;
  /** test error of uniform attention (step 0 with p₀ = 0): Φ(−‖μ‖/(σ_ε√(2T))) */
  testErrorStep0: number;
  /** best test error any token selection reaches (all attention on the relevant token): Φ(−‖μ‖/(σ_ε√2)) */
  testErrorBest: number;
  /** test loss of uniform attention: E softplus(−g), g ~ N(c/(√2T), σ_ε²c²/(T‖μ‖²)) (c = nuScale) */
  testLossStep0: number;
  /** test loss of all attention on the relevant token: E softplus(−g), g ~ N(c/√2, σ_ε²c²/‖μ‖²) */
  testLossBest: number;
  /** testErrorBest ≥ δ: benign overfitting is impossible in this cell, so "harmful" says nothing about overfitting */
  undecidable: boolean;
}

/**
 * Names of the final metrics of a trial (src/outcome/aggregate.ts computes
 * them; cells.csv has `<name>_mean` and `<name>_sd` of each): the one list of
 * metric names.
 */
export const FINAL_METRICS = [
  'testError', 'testLoss', 'trainLoss', 'trainAcc', 'cleanFit', 'noisyFit', 'pNorm', 'tFit', 'tGeneralize', 'tMemorise', 'bestTestStep', 'bestTestError', 'tSelect',
] as const;
/** One of {@link FINAL_METRICS}. */
export type MetricName = (typeof FINAL_METRICS)[number];

/** The theorem's two cases (and the gap between them; SPEC §9). */
export type TheoremCase = 'benign' | 'not-overfitting' | 'neither';

/** Where a cell (one resolved configuration) stands with respect to the theorem. */
export interface CellAssumptions {
  /** the margin of each condition (> 1: it holds), by id (src/outcome/assumptions.ts CONDITIONS) */
  margins: Record<string, number>;
  /** the theorem's case the parameters select (`neither`: between the cases) */
  case: TheoremCase;
  /** every assumption holds and the cell is in one of the cases */
  inside: boolean;
  /** the ids that fail (empty when inside) */
  outside: string[];
  /** `inside`, or `outside: <ids>` — the `assumptions` column of cells.csv and trials.csv */
  label: string;
  /** what the theorem predicts there (null outside) */
  predicted: Regime | null;
  /** the time of the prediction in steps: τ_b (benign) or τ (not overfitting), times the horizon constant; null outside */
  predictionStep: number | null;
  /** steps / predictionStep (> 1: the run reaches the time the theorem speaks of); null outside */
  horizonMargin: number | null;
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
  /** where the cell stands with respect to the theorem's assumptions (SPEC §9; src/outcome/assumptions.ts), absent when no trial finished */
  assumptions?: CellAssumptions;
  /**
   * the theorem against the outcome at the time of its prediction (c·τ_b, or c·τ): agrees, disagrees,
   * not-reached (no seed ran that long), silent (outside the assumptions); src/outcome/assumptions.ts verdicts
   */
  verdict?: 'agrees' | 'disagrees' | 'not-reached' | 'silent';
  /** the same comparison at the end of the run (a prediction can hold at its time and be undone later) */
  verdictEnd?: 'agrees' | 'disagrees' | 'not-reached' | 'silent';
}

/** Result of one trial, as stored in the journal (besides its id/cell/config). */
export interface TrialOutcome {
  engine: EngineName;
  checkpoints: Checkpoint[];
  /** last checkpoint (the diverged one if training diverged) */
  final: Checkpoint;
  regime: Regime;
  events: EventTimes;
  diverged: boolean;
  /** training was stopped early at a checkpoint by the caller (absent otherwise) */
  stopped?: true;
  /** theory quantities of the config (SPEC §7: τ, τ_b, n·SNR², test-error bounds) */
  theory?: TheoryQuantities;
  timings: {
    /** share of the group's dense work attributed to this trial (ms) */
    sharedMs: number;
    trainMs: number;
    totalMs: number;
  };
}

/** Where and with what a result was computed (src/provenance.ts). */
export interface Provenance {
  /** attn-phase version (package.json `version` of the package this module belongs to) */
  version: string;
  /** git commit (40 hex digits; 64 in a SHA-256 repository) of the checkout attn-phase runs from, whoever owns it; null when not run from the top of a git checkout */
  commit: string | null;
  /** the checkout has uncommitted changes to tracked files (null when `commit` is null, or git is absent) */
  dirty: boolean | null;
  /** Node version, e.g. "v20.19.0" (process.version) */
  node: string;
  /** host name (os.hostname()) */
  host: string;
}

/** A finished trial as stored (one journal line, `kind: "trial"`). */
export interface TrialRecord extends TrialOutcome {
  kind: 'trial';
  id: string;
  sweep: string;
  cellKey: string;
  /** values of the swept axes */
  axes: Record<string, number | string>;
  seed: number;
  config: TrialConfig;
  /** SNR = ‖μ‖/(σ√d) of the config */
  snr: number;
  /** ISO-8601 time the main thread journaled the trial */
  finishedAt: string;
  /** 1-based attempt number (counts failed attempts of earlier runs too) */
  attempt: number;
  /** attn-phase version, git commit, Node, host that computed it (absent in old journals) */
  provenance?: Provenance;
}

/** A failed attempt (`kind: "failure"`): the trial threw or its worker died. */
export interface FailureRecord {
  kind: 'failure';
  id: string;
  sweep: string;
  cellKey: string;
  seed: number;
  /** one-line error, e.g. "Error: injected fault" or "worker died: …" */
  error: string;
  /** 1-based attempt number (counts failed attempts of earlier runs too) */
  attempt: number;
  /** no retry was left in the run that wrote it (absent in old journals) */
  final?: boolean;
  /** ISO-8601 time of the failure */
  finishedAt: string;
  /** attn-phase version, git commit, Node, host of the attempt (absent in old journals) */
  provenance?: Provenance;
}

/** A line of a journal file. */
export type JournalLine = TrialRecord | FailureRecord;
