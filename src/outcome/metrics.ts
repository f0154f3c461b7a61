/**
 * Checkpoint metrics, regime classification and event times (SPEC §3).
 */
import { kindOfPosition } from '../model/data.js';
import type { Checkpoint, EventTimes, Regime, TokenWeights } from './types.js';
import { REGIMES } from './types.js';

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
 * @param f      outputs f_i (n)
 * @param a      attention weights (n·T)
 * @param test   test accuracy and loss
 */
export function checkpointMetrics(
  labels: TrainLabels, step: number, trainLoss: number, f: Float64Array, a: Float64Array,
  pNorm: number, test: { acc: number; loss: number }, delta: number,
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
  return {
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
 * Event times over a sequence of checkpoints (SPEC §3): first step of each
 * regime, tFit = first step with train accuracy 1, tGeneralize = first step
 * ≥ tFit with test error < δ.
 */
export function eventTimes(checkpoints: readonly Checkpoint[], delta: number): EventTimes {
  const firstStep: Partial<Record<Regime, number>> = {};
  let tFit: number | null = null;
  let tGeneralize: number | null = null;
  for (const c of checkpoints) {
    if (firstStep[c.regime] === undefined) firstStep[c.regime] = c.step;
    if (tFit === null && c.trainAcc === 1) tFit = c.step;
    if (tFit !== null && tGeneralize === null && 1 - c.testAcc < delta) tGeneralize = c.step;
  }
  return { firstStep, tFit, tGeneralize };
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
