/**
 * Aggregation per cell over seeds: majority regime with agreement, and mean
 * and standard deviation of final metrics.
 */
import { eventTimes, majorityRegime } from './metrics.js';
import { assessAssumptions, type AssumptionConstants, verdicts } from './assumptions.js';
import { theoryOf } from './theory.js';
import type { TrialConfig } from '../core/config.js';
import { type Checkpoint, type CellSummary, type EventTimes, type Regime, FINAL_METRICS } from '../core/records.js';

/** What aggregation needs of a finished trial. */
export interface TrialSummaryInput {
  cellKey: string;
  final: Checkpoint;
  regime: Regime;
  events: Pick<EventTimes, 'tFit' | 'tGeneralize' | 'tMemorise' | 'bestTestStep' | 'bestTestError' | 'tSelect'>;
  checkpoints?: Checkpoint[];
  /** resolved config: gives the cell its theory quantities (SPEC §7) */
  config?: TrialConfig;
}

/** Final metrics of a trial by name (NaN where undefined). */
export function finalMetrics(t: TrialSummaryInput): Record<string, number> {
  const f = t.final;
  const num = (x: number | null | undefined) => (x === null || x === undefined ? NaN : x);
  return {
    testError: 1 - num(f.testAcc),
    testLoss: num(f.testLoss),
    trainLoss: num(f.trainLoss),
    trainAcc: num(f.trainAcc),
    cleanFit: num(f.cleanFit),
    noisyFit: num(f.noisyFit),
    pNorm: num(f.pNorm),
    tFit: num(t.events.tFit),
    tGeneralize: num(t.events.tGeneralize),
    tMemorise: num(t.events.tMemorise),
    bestTestStep: num(t.events.bestTestStep),
    bestTestError: num(t.events.bestTestError),
    tSelect: num(t.events.tSelect),
  };
}

/** Mean and sample standard deviation of the finite values (NaN if none; sd 0 for one value). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return { mean: NaN, sd: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length === 1) return { mean, sd: 0 };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (v.length - 1)) };
}

/**
 * Summarise every cell (cells without trials get count 0 and regime null).
 *
 * Cells with a finished trial also get their theory quantities (SPEC §7)
 * and where they stand with respect to the theorem's assumptions (SPEC §9,
 * ./assumptions.ts), with the verdict of the theorem against the majority
 * regime.
 *
 * @param cells        grid cells in plan order
 * @param trials       finished trials (any order)
 * @param assumptions  the sweep's `assumptions:` constants (default: ./assumptions.ts DEFAULT_ASSUMPTIONS)
 */
export function summariseCells(
  cells: readonly { key: string; axes: Record<string, number | string> }[],
  trials: readonly TrialSummaryInput[],
  assumptions?: Partial<AssumptionConstants>,
): CellSummary[] {
  const byCell = new Map<string, TrialSummaryInput[]>();
  for (const t of trials) {
    const l = byCell.get(t.cellKey) ?? [];
    l.push(t);
    byCell.set(t.cellKey, l);
  }
  return cells.map((c) => {
    const ts = byCell.get(c.key) ?? [];
    const { regime, agreement, fractions } = majorityRegime(ts.map((t) => t.regime));
    const metricsList = ts.map(finalMetrics);
    const metrics: CellSummary['metrics'] = {};
    for (const name of FINAL_METRICS) metrics[name] = meanSd(metricsList.map((m) => m[name]));
    const config = ts.find((t) => t.config)?.config;
    if (!config) return { cellKey: c.key, axes: c.axes, count: ts.length, regime, agreement, regimeFractions: fractions, metrics };
    const a = assessAssumptions(config, assumptions);
    const v = verdicts(a, ts);
    return {
      cellKey: c.key, axes: c.axes, count: ts.length, regime, agreement, regimeFractions: fractions, metrics,
      theory: theoryOf(config), assumptions: a, ...(v ? { verdict: v.atPrediction, verdictEnd: v.atEnd } : {}),
    };
  });
}

/**
 * A trial as seen at training step `step`: its last checkpoint at or before
 * `step` becomes `final` (a trial that diverged earlier stays diverged);
 * tFit later than `step` is dropped, and tMemorise, tGeneralize and the
 * lowest test error are those of the run cut at `step` (recomputed on its
 * checkpoints up to `step`).
 *
 * @throws Error if the trial has no checkpoints
 */
export function atHorizon<T extends TrialSummaryInput & { checkpoints: Checkpoint[] }>(t: T, step: number): TrialSummaryInput {
  const cks = t.checkpoints;
  if (!cks.length) throw new Error('trial without checkpoints');
  let pick = cks[0];
  for (const c of cks) if (c.step <= step) pick = c;
  const within = (x: number | null | undefined) => (x !== null && x !== undefined && x <= step ? x : null);
  // tMemorise, tGeneralize and the best test error refer to the whole run: recomputed on the checkpoints up to `step`
  const upTo = cks.filter((c) => c.step <= step);
  const ev = eventTimes(upTo.length ? upTo : [pick], t.config?.generalizationTolerance ?? 0.05, t.config ? theoryOf(t.config).testLossBest : undefined);
  return {
    cellKey: t.cellKey, final: pick, regime: pick.regime, config: t.config,
    events: { tFit: within(t.events.tFit), tGeneralize: ev.tGeneralize, tMemorise: ev.tMemorise, bestTestStep: ev.bestTestStep, bestTestError: ev.bestTestError, tSelect: ev.tSelect },
  };
}
