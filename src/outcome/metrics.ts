import { kindOfPosition, type TokenWeights } from '../core/tokens.js';
import { type Checkpoint, type EventTimes, type Regime, REGIMES } from '../core/records.js';
/**
 * Checkpoint metrics, regime classification and event times (SPEC §3).
 */

/** Training-set facts the metrics need. */
export interface TrainLabels {
  n: number;
  T: number;
  /** observed labels ±1 */
  y: Float64Array;
  /** 1 on the noisy set 𝒩 */
  noisy: Uint8Array;
}

/**
 * Regime at a checkpoint (SPEC §3). "Fit" means sign(f) equals the label.
 *
 * | regime | cleanFit | noisyFit | test error |
 * | not-overfitting | 1 | 0 | < δ |
 * | benign-overfitting | 1 | 1 | < δ |
 * | harmful-overfitting | 1 | 1 | ≥ δ |
 * | partial | otherwise |
 *
 * With an empty noisy set (noisyFit null) a fitted, generalising run is
 * `not-overfitting` (there is no noise to memorise); a fitted run with test
 * error ≥ δ is `partial`.
 *
 * @param cleanFit   fraction in [0, 1]
 * @param noisyFit   fraction in [0, 1], or null if 𝒩 is empty
 * @param testError  1 − test accuracy
 * @param delta      generalizationTolerance δ
 */
export function classifyRegime(cleanFit: number, noisyFit: number | null, testError: number, delta: number): Regime {
  if (![cleanFit, testError].every(Number.isFinite) || (noisyFit !== null && !Number.isFinite(noisyFit))) return 'diverged';
  if (cleanFit !== 1) return 'partial';
  const generalises = testError < delta;
  if (noisyFit === null) return generalises ? 'not-overfitting' : 'partial';
  if (noisyFit === 0) return generalises ? 'not-overfitting' : 'partial';
  if (noisyFit === 1) return generalises ? 'benign-overfitting' : 'harmful-overfitting';
  return 'partial';
}

function weights(a: Float64Array, T: number, rows: number[]): TokenWeights {
  const sums = [0, 0, 0, 0];
  for (const i of rows) for (let t = 0; t < T; t++) sums[kindOfPosition(t)] += a[i * T + t];
  const k = rows.length;
  const irr = T - 3;
  return {
    relevant: sums[0] / k,
    confusing: sums[1] / k,
    weak: sums[2] / k,
    irrelevant: irr > 0 ? sums[3] / (k * irr) : NaN,
  };
}

/**
 * Metrics of one checkpoint from the model outputs on the training set.
 *
 * @param f        outputs f_i (n)
 * @param a        attention weights (n·T)
 * @param test     test accuracy and loss
 * @param initial  the run's step-0 checkpoint: when given, a checkpoint that
 *   has not moved from it (see isUntrained) is labelled `untrained`; a
 *   step-0 checkpoint is always `untrained`
 */
export function checkpointMetrics(
  labels: TrainLabels, step: number, trainLoss: number, f: Float64Array, a: Float64Array,
  pNorm: number, test: { acc: number; loss: number }, delta: number, initial?: Checkpoint,
): Checkpoint {
  const { n, T, y, noisy } = labels;
  const clean: number[] = [];
  const noisyIdx: number[] = [];
  let fitAll = 0;
  let fitClean = 0;
  let fitNoisy = 0;
  for (let i = 0; i < n; i++) {
    const fit = Math.sign(f[i]) === y[i];
    if (fit) fitAll++;
    if (noisy[i]) {
      noisyIdx.push(i);
      if (fit) fitNoisy++;
    } else {
      clean.push(i);
      if (fit) fitClean++;
    }
  }
  const cleanFit = clean.length ? fitClean / clean.length : 1;
  const noisyFit = noisyIdx.length ? fitNoisy / noisyIdx.length : null;
  const ck: Checkpoint = {
    step,
    trainLoss,
    trainAcc: fitAll / n,
    cleanFit,
    noisyFit,
    testAcc: test.acc,
    testLoss: test.loss,
    attnClean: weights(a, T, clean),
    attnNoisy: noisyIdx.length ? weights(a, T, noisyIdx) : null,
    pNorm,
    regime: classifyRegime(cleanFit, noisyFit, 1 - test.acc, delta),
  };
  if (ck.regime !== 'diverged' && (step === 0 || (initial && isUntrained(ck, initial)))) ck.regime = 'untrained';
  return ck;
}

/** Relative drop of the train loss from step 0 that counts as training (1 %). */
export const MOVED_LOSS_DROP = 0.01;
/** Relative rise of clean samples' attention on the relevant token over step 0 that counts as training (10 %: 1/T → 1.1/T). */
export const MOVED_ATTENTION_GAIN = 0.1;

/**
 * Whether a run at checkpoint `ck` has not moved from its initial state
 * `initial` (step 0) — the rule of `untrained` (issue #10, SPEC §7: "a run
 * that has not moved from its initial predictions is not 'not overfitting'").
 * A run has moved when its train loss fell by at least MOVED_LOSS_DROP (1 %)
 * of the step-0 loss, or the mean softmax weight of clean samples on their
 * relevant token rose by at least MOVED_ATTENTION_GAIN (10 %) of its step-0
 * value (1/T for p₀ = 0). Otherwise it is untrained: its predictions are
 * those of the initial token selection, whatever the table of SPEC §3 says.
 * Non-finite values (diverged runs) never count as untrained.
 */
export function isUntrained(ck: Pick<Checkpoint, 'trainLoss' | 'attnClean'>, initial: Pick<Checkpoint, 'trainLoss' | 'attnClean'>): boolean {
  const l0 = initial.trainLoss;
  const l = ck.trainLoss;
  const a0 = initial.attnClean.relevant;
  const a = ck.attnClean.relevant;
  if (![l0, l].every(Number.isFinite)) return false;
  const lossMoved = l <= l0 * (1 - MOVED_LOSS_DROP);
  const attnMoved = Number.isFinite(a) && Number.isFinite(a0) && a >= a0 * (1 + MOVED_ATTENTION_GAIN);
  return !lossMoved && !attnMoved;
}

/** The checkpoint recorded when training diverges (non-finite loss or logits). */
export function divergedCheckpoint(step: number): Checkpoint {
  const nan: TokenWeights = { relevant: NaN, confusing: NaN, weak: NaN, irrelevant: NaN };
  return {
    step, trainLoss: NaN, trainAcc: NaN, cleanFit: NaN, noisyFit: NaN, testAcc: NaN, testLoss: NaN,
    attnClean: nan, attnNoisy: nan, pNorm: NaN, regime: 'diverged',
  };
}

/**
 * Event times over a sequence of checkpoints (SPEC §3, redefined by §7):
 *
 * * firstStep — first step of each regime;
 * * tFit — first step with train accuracy 1;
 * * tMemorise — first step from which noisyFit = 1 at every later
 *   checkpoint to the end (null if the last checkpoint has not memorised
 *   every noisy label, or 𝒩 is empty);
 * * bestTestStep, bestTestError — step and value of the lowest test error
 *   (first on ties; non-finite errors ignored);
 * * tGeneralize — the delayed generalisation of the theorem: first step
 *   after tMemorise with test error < min(δ, test error at tMemorise); null
 *   if it never happens. delayedGeneralisation = (tGeneralize ≠ null);
 * * tSelect (when `testLossBest` is given) — first step at which the test
 *   loss is at or below L₀ − SELECTION_FRACTION·(L₀ − L*), L₀ the step-0
 *   test loss and L* = testLossBest the loss of perfect token selection
 *   (src/outcome/theory.ts): when the selection of the relevant token starts
 *   to carry over to new sequences. It is what can still be measured where
 *   the test error is trivially 0 (SPEC §9); null if never, or L₀ ≤ L*.
 *
 * @param testLossBest  the cell's TheoryQuantities.testLossBest (tSelect is left out without it)
 */
export function eventTimes(checkpoints: readonly Checkpoint[], delta: number, testLossBest?: number): EventTimes {
  const firstStep: Partial<Record<Regime, number>> = {};
  let tFit: number | null = null;
  let bestTestStep: number | null = null;
  let bestTestError: number | null = null;
  for (const c of checkpoints) {
    if (firstStep[c.regime] === undefined) firstStep[c.regime] = c.step;
    if (tFit === null && c.trainAcc === 1) tFit = c.step;
    const err = 1 - c.testAcc;
    if (Number.isFinite(err) && (bestTestError === null || err < bestTestError)) {
      bestTestError = err;
      bestTestStep = c.step;
    }
  }
  let memFrom = -1; // index of tMemorise
  for (let i = checkpoints.length - 1; i >= 0 && checkpoints[i].noisyFit === 1; i--) memFrom = i;
  const tMemorise = memFrom >= 0 ? checkpoints[memFrom].step : null;
  let tGeneralize: number | null = null;
  if (memFrom >= 0) {
    const errMem = 1 - checkpoints[memFrom].testAcc;
    const bar = Math.min(delta, Number.isFinite(errMem) ? errMem : delta);
    for (let i = memFrom + 1; i < checkpoints.length; i++) {
      if (1 - checkpoints[i].testAcc < bar) {
        tGeneralize = checkpoints[i].step;
        break;
      }
    }
  }
  const out: EventTimes = { firstStep, tFit, tGeneralize, tMemorise, bestTestStep, bestTestError, delayedGeneralisation: tGeneralize !== null };
  if (testLossBest !== undefined) out.tSelect = selectionTime(checkpoints, testLossBest);
  return out;
}

/** The fraction of the way from the step-0 test loss to that of perfect token selection that defines tSelect (see {@link eventTimes}). */
export const SELECTION_FRACTION = 0.1;

/** tSelect of {@link eventTimes}: the first checkpoint with test loss ≤ L₀ − SELECTION_FRACTION·(L₀ − L*); null if none or L₀ ≤ L*. */
export function selectionTime(checkpoints: readonly Checkpoint[], testLossBest: number): number | null {
  const l0 = checkpoints[0]?.testLoss;
  if (l0 === undefined || !Number.isFinite(l0) || !(l0 > testLossBest)) return null;
  const bar = l0 - SELECTION_FRACTION * (l0 - testLossBest);
  for (const c of checkpoints) if (Number.isFinite(c.testLoss) && c.testLoss <= bar) return c.step;
  return null;
}

/** Majority regime of a list (ties broken in REGIMES order) and its share. */
export function majorityRegime(regimes: readonly Regime[]): { regime: Regime | null; agreement: number; fractions: Record<Regime, number> } {
  const fractions = Object.fromEntries(REGIMES.map((r) => [r, 0])) as Record<Regime, number>;
  if (regimes.length === 0) return { regime: null, agreement: 0, fractions };
  for (const r of regimes) fractions[r] += 1;
  for (const r of REGIMES) fractions[r] /= regimes.length;
  let best: Regime = REGIMES[0];
  for (const r of REGIMES) if (fractions[r] > fractions[best] + 1e-12) best = r;
  return { regime: best, agreement: fractions[best], fractions };
}
