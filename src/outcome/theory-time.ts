/**
 * Reading a sweep where the theorem speaks (SPEC §7, issue #10 items 3–5):
 * each trial at t = c·τ of its own cell, memorisation as the *excess* over
 * step 0, and the boundary slope fitted per checkpoint step (`byHorizon`) and
 * per multiple of τ (`byTheoryTime`).
 *
 * * A trial at t = c·τ is its first checkpoint at or after c·τ; a trial
 *   whose last checkpoint comes before c·τ has *not reached* it and is left
 *   out (never shown as its last state). A cell counts at c only if every
 *   one of its finished trials reached c·τ.
 * * Excess memorisation of a cell: `(m − m₀)/(1 − m₀)` with m the mean
 *   noisyFit over its seeds and m₀ the same at step 0 (the memorised fraction
 *   at step 0 is not zero by chance: 0.29 at SNR 0.05, d = 2000). NaN when
 *   m₀ = 1 (nothing left to memorise) or the noisy set is empty.
 * * The boundary is where the excess crosses 1/2 along rows and columns of
 *   the (snr, n) map, fitted as `log n = a − b·log SNR` (boundary.ts,
 *   `fitCrossings`); the theory's b is 2.
 */
import { type TrialSummaryInput, summariseCells } from './aggregate.js';
import { type SlopeFit, fitCrossings, olsFit } from './boundary.js';
import { eventTimes } from './metrics.js';
import { assessAssumptions, type AssumptionConstants } from './assumptions.js';
import { theoryOf } from './theory.js';
import type { TrialConfig } from '../core/config.js';
import type { CellSummary, Checkpoint } from '../core/records.js';

/** What the theory-time readings need of a finished trial (a journal TrialRecord has it). */
export interface TheoryTrial {
  cellKey: string;
  axes: Record<string, number | string>;
  config: TrialConfig;
  checkpoints: Checkpoint[];
}

/** Default multiples c of τ at which maps and fits are read (issue #10 item 3). */
export const DEFAULT_THEORY_TIMES = [1, 10, 100, 1000];

/** τ of a trial's config (steps; SPEC §7). */
export function tauOf(t: Pick<TheoryTrial, 'config'>): number {
  return theoryOf(t.config).tau;
}

/** First checkpoint with step ≥ `t` (a real number of steps), or null if the run ended before. */
export function checkpointAtOrAfter(cks: readonly Checkpoint[], t: number): Checkpoint | null {
  for (const c of cks) if (c.step >= t - 1e-9 * Math.max(1, t)) return c;
  return null;
}

/** Last checkpoint with step ≤ `s`, or null if none. */
export function checkpointAtOrBefore(cks: readonly Checkpoint[], s: number): Checkpoint | null {
  let pick: Checkpoint | null = null;
  for (const c of cks) {
    if (c.step <= s) pick = c;
    else break;
  }
  return pick;
}

/** Last step a trial ran to (its last checkpoint; a diverged run's divergence step). */
function lastStep(t: TheoryTrial): number {
  return t.checkpoints.length ? t.checkpoints[t.checkpoints.length - 1].step : -1;
}

/**
 * A trial as seen at t = c·τ of its cell: its first checkpoint at or after
 * c·τ becomes `final`; event times are those of the run cut there. Null
 * when the trial did not reach c·τ.
 */
export function atTheoryTime(t: TheoryTrial, c: number): TrialSummaryInput | null {
  const ck = checkpointAtOrAfter(t.checkpoints, c * tauOf(t));
  if (!ck) return null;
  const upTo = t.checkpoints.filter((x) => x.step <= ck.step);
  const ev = eventTimes(upTo, t.config.generalizationTolerance, theoryOf(t.config).testLossBest);
  return { cellKey: t.cellKey, final: ck, regime: ck.regime, config: t.config, checkpoints: upTo, events: ev };
}

/**
 * Cell summaries at t = c·τ (for maps): trials that did not reach c·τ are
 * left out, so a cell none of whose trials reached it has count 0 (drawn as
 * not reached). Its theory quantities and assumptions (which do not depend
 * on the horizon) are kept; the verdict (a statement about the end of the
 * run) is not given here.
 *
 * @param assumptions  the sweep's `assumptions:` constants
 */
export function cellsAtTheoryTime(
  cells: readonly { key: string; axes: Record<string, number | string> }[], trials: readonly TheoryTrial[], c: number, assumptions?: Partial<AssumptionConstants>,
): CellSummary[] {
  const at = trials.map((t) => atTheoryTime(t, c)).filter((x): x is TrialSummaryInput => x !== null);
  const sums = summariseCells(cells, at, assumptions);
  const config = new Map(trials.map((t) => [t.cellKey, t.config]));
  return sums.map(({ verdict: _v, verdictEnd: _e, ...s }) => {
    const cfg = config.get(s.cellKey);
    return s.theory || !cfg ? s : { ...s, theory: theoryOf(cfg), assumptions: assessAssumptions(cfg, assumptions) };
  });
}

/** Excess memorisation `(m − m₀)/(1 − m₀)` (SPEC §7); NaN if m₀ ≥ 1 or either is not finite. */
export function excessMemorisation(m: number, m0: number): number {
  if (!Number.isFinite(m) || !Number.isFinite(m0) || m0 >= 1) return NaN;
  return (m - m0) / (1 - m0);
}

/** Memorisation of one cell at some reading: mean noisyFit now (m) and at step 0 (m₀), and the excess. */
export interface CellMemorisation {
  cellKey: string;
  snr: number;
  n: number;
  nSnr2: number;
  tau: number;
  /** seeds that reached the reading */
  seeds: number;
  m: number;
  m0: number;
  excess: number;
}

/** Group trials by cell (plan order of first appearance). */
function byCell(trials: readonly TheoryTrial[]): TheoryTrial[][] {
  const m = new Map<string, TheoryTrial[]>();
  for (const t of trials) {
    const l = m.get(t.cellKey) ?? [];
    l.push(t);
    m.set(t.cellKey, l);
  }
  return [...m.values()];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Memorisation of every (snr, n) cell at a reading chosen per trial by
 * `pick` (null = not reached: the cell is left out unless every seed reached
 * it). Cells without numeric snr and n axes, or with an empty noisy set, are
 * left out.
 */
export function memorisationAt(trials: readonly TheoryTrial[], pick: (t: TheoryTrial) => Checkpoint | null): CellMemorisation[] {
  const out: CellMemorisation[] = [];
  for (const ts of byCell(trials)) {
    const t0 = ts[0];
    const snr = t0.axes.snr;
    const n = t0.axes.n;
    if (typeof snr !== 'number' || typeof n !== 'number') continue;
    const now: number[] = [];
    const start: number[] = [];
    let reached = true;
    for (const t of ts) {
      const ck = pick(t);
      if (!ck) {
        reached = false;
        break;
      }
      if (ck.noisyFit === null || t.checkpoints[0]?.noisyFit == null) continue;
      now.push(ck.noisyFit);
      start.push(t.checkpoints[0].noisyFit as number);
    }
    if (!reached || !now.length) continue;
    const th = theoryOf(t0.config);
    const m = mean(now);
    const m0 = mean(start);
    out.push({ cellKey: t0.cellKey, snr, n, nSnr2: th.nSnr2, tau: th.tau, seeds: now.length, m, m0, excess: excessMemorisation(m, m0) });
  }
  return out;
}

/** One entry of `byHorizon` / `byTheoryTime` (boundary.json). */
export interface SlopeAt {
  slope: number | null;
  /** confidence interval of the slope (level of the fit) */
  ci: [number, number] | null;
  /** number of located crossing points the fit used */
  points: number;
  /** n·SNR² at the centroid of the crossing points: where the boundary sits (theory: a constant) */
  nSnr2AtCrossing: number | null;
  /** cells that entered (all seeds reached the reading) */
  cells: number;
}

function slopeAt(cells: readonly CellMemorisation[], level: number): SlopeAt & { fit: SlopeFit } {
  const fit = fitCrossings(cells.map((c) => ({ snr: c.snr, n: c.n, frac: c.excess })), level);
  return { slope: fit.slope, ci: fit.slopeCi, points: fit.points.length, nSnr2AtCrossing: fit.nSnr2AtCentroid, cells: cells.length, fit };
}

/**
 * The boundary slope at every checkpoint step of the sweep (the union of
 * the trials' checkpoint steps), fitted on the excess memorisation of the
 * cells whose every trial ran to that step (its last checkpoint at or
 * before the step). Steps where fewer than 3 crossings exist have slope null.
 *
 * @param level  confidence level (default 0.95)
 */
export function boundaryByHorizon(trials: readonly TheoryTrial[], level = 0.95): (SlopeAt & { step: number })[] {
  const steps = [...new Set(trials.flatMap((t) => t.checkpoints.map((c) => c.step)))].sort((a, b) => a - b);
  return steps.map((step) => {
    const cells = memorisationAt(trials, (t) => (lastStep(t) >= step ? checkpointAtOrBefore(t.checkpoints, step) : null));
    const { fit: _fit, ...rest } = slopeAt(cells, level);
    return { step, ...rest };
  });
}

/**
 * The boundary slope at t = c·τ for each c (each trial read at its first
 * checkpoint at or after c·τ of its cell), fitted on the excess
 * memorisation; cells where some seed did not reach c·τ are left out.
 *
 * @param cs     multiples of τ (e.g. DEFAULT_THEORY_TIMES)
 * @param level  confidence level (default 0.95)
 */
export function boundaryByTheoryTime(trials: readonly TheoryTrial[], cs: readonly number[], level = 0.95): (SlopeAt & { c: number; crossings: SlopeFit['points']; intercept: number | null })[] {
  return cs.map((c) => {
    const cells = memorisationAt(trials, (t) => checkpointAtOrAfter(t.checkpoints, c * tauOf(t)));
    const { fit, ...rest } = slopeAt(cells, level);
    return { c, ...rest, intercept: fit.intercept, crossings: fit.points };
  });
}

/**
 * Multiples c of τ worth reading: `requested` (plot.theoryTimes) when given,
 * else DEFAULT_THEORY_TIMES — in both cases only those that at least one
 * trial reached (its last checkpoint at or after c·τ).
 */
export function reachedTheoryTimes(trials: readonly TheoryTrial[], requested?: readonly number[]): number[] {
  const cs = [...(requested?.length ? requested : DEFAULT_THEORY_TIMES)].sort((a, b) => a - b);
  return cs.filter((c) => trials.some((t) => t.checkpoints.length > 0 && lastStep(t) >= c * tauOf(t) - 1e-9 * Math.max(1, c * tauOf(t))));
}

/**
 * The memorisation time in units of τ per trial: tMemorise/τ, or — for a
 * trial that never memorised every noisy label — a lower bound (its last
 * step/τ, `censored`). Trials with an empty noisy set are left out.
 */
export function memoriseTimes(trials: readonly TheoryTrial[]): { cellKey: string; n: number | string; snr: number | string; nSnr2: number; tOverTau: number; censored: boolean }[] {
  const out = [];
  for (const t of trials) {
    if (!t.checkpoints.length || t.checkpoints[0].noisyFit === null) continue;
    const ev = eventTimes(t.checkpoints, t.config.generalizationTolerance);
    const th = theoryOf(t.config);
    const censored = ev.tMemorise === null || ev.tMemorise === undefined;
    const step = censored ? lastStep(t) : (ev.tMemorise as number);
    out.push({ cellKey: t.cellKey, n: t.axes.n ?? t.config.n, snr: t.axes.snr ?? th.snr, nSnr2: th.nSnr2, tOverTau: step / th.tau, censored });
  }
  return out;
}

/**
 * Fit of log(tMemorise/τ) = a + k·log(n·SNR²) over the trials that
 * memorised (step > 0), by least squares with a Student-t interval on the
 * exponent k. Censored trials are not used (they are drawn as lower bounds).
 */
export function memoriseExponent(rows: readonly { nSnr2: number; tOverTau: number; censored: boolean }[], level = 0.95): { exponent: number | null; ci: [number, number] | null; intercept: number | null; points: number } {
  const ok = rows.filter((r) => !r.censored && r.tOverTau > 0 && r.nSnr2 > 0);
  const k = ok.length;
  if (k < 3) return { exponent: null, ci: null, intercept: null, points: k };
  const ls = olsFit(ok.map((r) => Math.log(r.nSnr2)), ok.map((r) => Math.log(r.tOverTau)), level);
  return ls ? { exponent: ls.slope, ci: ls.ci, intercept: ls.intercept, points: k } : { exponent: null, ci: null, intercept: null, points: k };
}

/** Fit of an event time against the theorem's benign time scale (see {@link delayFit}). */
export interface DelayFit {
  /** which event: `tMemorise` (every noisy label memorised) or `tSelect` (test loss a tenth of the way to perfect selection) */
  event: 'tMemorise' | 'tSelect';
  /** b in log(t/τ) − log(n·SNR²) = a + b/(n·SNR²): 1 if t ∝ τ_b (τ_b/τ = n·SNR²·exp(1/(n·SNR²)), SPEC §7); null with < 3 trials */
  slope: number | null;
  ci: [number, number] | null;
  intercept: number | null;
  /** trials used (those in which the event happened); trials where it did not are left out (a lower bound, not a time) */
  points: number;
  /** the n·SNR² range of the trials used */
  nSnr2Range: [number, number] | null;
  theorySlope: 1;
}

/**
 * Does an event follow the theorem's benign time τ_b ∝ exp(1/(n·SNR²))?
 * Least squares of y = log(t/τ) − log(n·SNR²) on 1/(n·SNR²) over the trials
 * in which the event happened, with a Student-t interval on the slope b:
 * since τ_b/τ = n·SNR²·exp(1/(n·SNR²)) for every init and head scale (SPEC
 * §7's τ and τ_b), t = C·τ_b gives b = 1 exactly; a time that is not
 * exponential in 1/(n·SNR²) gives b far below 1 (b = 0 for t ∝ n·SNR²·τ,
 * a small positive b for t ∝ τ: the log of 1/(n·SNR²) fitted by a line).
 *
 * @param trials  the trials (with their config; give only the cells of one case, e.g. the benign one inside the assumptions)
 */
export function delayFit(trials: readonly TheoryTrial[], event: DelayFit['event'], level = 0.95): DelayFit {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const t of trials) {
    const th = theoryOf(t.config);
    const ev = eventTimes(t.checkpoints, t.config.generalizationTolerance, th.testLossBest);
    const time = ev[event];
    if (time === null || time === undefined || !(time > 0) || !(th.nSnr2 > 0)) continue;
    xs.push(1 / th.nSnr2);
    ys.push(Math.log(time / th.tau) - Math.log(th.nSnr2));
  }
  const range: [number, number] | null = xs.length ? [1 / xs.reduce((a, b) => Math.max(a, b)), 1 / xs.reduce((a, b) => Math.min(a, b))] : null;
  const ls = xs.length >= 3 ? olsFit(xs, ys, level) : null;
  return { event, slope: ls?.slope ?? null, ci: ls?.ci ?? null, intercept: ls?.intercept ?? null, points: xs.length, nSnr2Range: range, theorySlope: 1 };
}
