/**
 * Which theory-time figures a sweep gets (SPEC §7, issue #10), from its
 * plan, cell summaries and journal records — registered by figures.ts:
 *
 * * `regime-theory-times`, `memorisation-theory-times` — maps at t = c·τ for
 *   c in plot.theoryTimes (default 1, 10, 100, 1000), those some trial reached;
 * * for (snr, n) sweeps: `collapse`, `boundary-slopes`, and
 *   `delayed-generalisation` when any trial shows it;
 * * and the content of boundary.json (`boundaryReport`), from fits computed once.
 */
import { DEFAULT_ASSUMPTIONS, type AssumptionConstants } from '../outcome/assumptions.js';
import { type BoundaryFit, estimateBoundary } from '../outcome/boundary.js';
import { eventTimes } from '../outcome/metrics.js';
import { theoryOf } from '../outcome/theory.js';
import {
  boundaryByHorizon, boundaryByTheoryTime, cellsAtTheoryTime, checkpointAtOrAfter, memoriseExponent, memoriseTimes, memorisationAt,
  reachedTheoryTimes, tauOf, delayFit, type DelayFit, type SlopeAt, type TheoryTrial,
} from '../outcome/theory-time.js';
import type { CellSummary } from '../core/records.js';
import type { SweepView } from '../core/view.js';
import type { PlotSettings } from './settings.js';
import type { ScalableFigure } from './render.js';
import type { PlotOptions } from './options.js';
import type { FigureStyle } from './style.js';
import { boundarySlopesSpec, collapseSpec, delayedGeneralisationSpec, theoryFigure, theoryTimeMapSpec, type DelayedRow } from './theory.js';

/** boundary.json: the fixed-step fit (final state) plus the fits by horizon and by theory time. */
export interface BoundaryReport extends BoundaryFit {
  /** how byHorizon / byTheoryTime were fitted */
  excess: 'byHorizon and byTheoryTime: crossing of the excess memorisation (m − m₀)/(1 − m₀) = 1/2';
  /** slope at every checkpoint step of the sweep (cells whose every trial ran to it); `points` = crossings used */
  byHorizon: (SlopeAt & { step: number })[];
  /** slope at t = c·τ of each cell */
  byTheoryTime: (SlopeAt & { c: number })[];
  /**
   * the theorem's assumptions (SPEC §9): the constants used, how many cells
   * (with a finished trial) are inside, and the same fits on the inside cells
   * only — the boundary where the theorem speaks
   */
  assumptions: {
    constants: AssumptionConstants;
    cellsInside: number;
    cellsAssessed: number;
    inside: BoundaryFit & { byTheoryTime: (SlopeAt & { c: number })[]; delays: Delays };
  };
  /** the event times against τ_b ∝ exp(1/(n·SNR²)) over the cells in the theorem's benign case (inside or not) */
  delays: Delays;
}

/** The multiples of τ a sweep's figures read: plot.theoryTimes, else the defaults, those reached by some trial. */
export function plotTheoryTimes(settings: Pick<PlotSettings, 'theoryTimes'>, trials: readonly TheoryTrial[]): number[] {
  return reachedTheoryTimes(trials, settings.theoryTimes);
}

/** The boundary fits over time of an (snr, n) sweep: by training horizon and at t = c·τ for the plan's multiples c. */
export interface BoundaryFitsOverTime {
  byHorizon: ReturnType<typeof boundaryByHorizon>;
  byTheoryTime: ReturnType<typeof boundaryByTheoryTime>;
}

/** The fits over time of an (snr, n) sweep's trials (what boundary-slopes draws and boundary.json holds). */
export function boundaryFitsOverTime(settings: Pick<PlotSettings, 'theoryTimes'>, trials: readonly TheoryTrial[]): BoundaryFitsOverTime {
  return { byHorizon: boundaryByHorizon(trials), byTheoryTime: boundaryByTheoryTime(trials, plotTheoryTimes(settings, trials)) };
}

/** Memorisation and token-selection times against the theorem's τ_b (src/outcome/theory-time.ts delayFit). */
export interface Delays {
  memorise: DelayFit;
  select: DelayFit;
}

/** The delays of `trials` restricted to the cells of `keys` (cells in the benign case). */
function delaysOf(trials: readonly TheoryTrial[], keys: ReadonlySet<string>): Delays {
  const ts = trials.filter((t) => keys.has(t.cellKey));
  return { memorise: delayFit(ts, 'tMemorise'), select: delayFit(ts, 'tSelect') };
}

/** The fits on the cells inside the theorem's assumptions (SPEC §9): what boundaryReport adds besides the fits on all cells. */
export interface InsideFits {
  constants: AssumptionConstants;
  cells: readonly CellSummary[];
  fit: BoundaryFit;
  byTheoryTime: BoundaryFitsOverTime['byTheoryTime'];
  /** delays over the inside cells in the benign case, and over every cell in the benign case */
  delaysInside: Delays;
  delaysAll: Delays;
}

/** The inside fits of a sweep: its cells inside the assumptions, their fixed-step fit and their fits at t = c·τ. */
export function insideFits(plan: Pick<SweepView, 'sweep'>, settings: Pick<PlotSettings, 'theoryTimes'>, cells: readonly CellSummary[], trials: readonly TheoryTrial[]): InsideFits {
  const inside = cells.filter((c) => c.assumptions?.inside);
  const keys = new Set(inside.map((c) => c.cellKey));
  const insideTrials = trials.filter((t) => keys.has(t.cellKey));
  const benign = (c: CellSummary) => c.assumptions?.case === 'benign';
  return {
    constants: { ...DEFAULT_ASSUMPTIONS, ...plan.sweep.assumptions },
    cells: inside,
    fit: estimateBoundary(inside),
    byTheoryTime: boundaryByTheoryTime(insideTrials, plotTheoryTimes(settings, trials)),
    delaysInside: delaysOf(trials, new Set(inside.filter(benign).map((c) => c.cellKey))),
    delaysAll: delaysOf(trials, new Set(cells.filter(benign).map((c) => c.cellKey))),
  };
}

/** Content of boundary.json (snr × n sweeps): the fixed-step fit and the fits over time — on all cells, and on the cells inside the theorem's assumptions — computed once by the caller. */
export function boundaryReport(fit: BoundaryFit, overTime: BoundaryFitsOverTime, inside: InsideFits, cells: readonly CellSummary[]): BoundaryReport {
  const slim = (xs: BoundaryFitsOverTime['byTheoryTime']) => xs.map(({ crossings: _c, intercept: _i, ...rest }) => rest);
  return {
    ...fit, excess: 'byHorizon and byTheoryTime: crossing of the excess memorisation (m − m₀)/(1 − m₀) = 1/2', byHorizon: overTime.byHorizon, byTheoryTime: slim(overTime.byTheoryTime),
    assumptions: {
      constants: inside.constants,
      cellsInside: inside.cells.length,
      cellsAssessed: cells.filter((c) => c.assumptions).length,
      inside: { ...inside.fit, byTheoryTime: slim(inside.byTheoryTime), delays: inside.delaysInside },
    },
    delays: inside.delaysAll,
  };
}

/** Per trial that showed delayed generalisation: (t_gen − t_mem)/τ and 1/(n·SNR²). */
export function delayedRows(trials: readonly TheoryTrial[]): DelayedRow[] {
  const out: DelayedRow[] = [];
  for (const t of trials) {
    const ev = eventTimes(t.checkpoints, t.config.generalizationTolerance);
    if (ev.tGeneralize === null || ev.tMemorise === null || ev.tMemorise === undefined) continue;
    const th = theoryOf(t.config);
    out.push({ n: t.axes.n ?? t.config.n, invNSnr2: 1 / th.nSnr2, delay: (ev.tGeneralize - ev.tMemorise) / th.tau });
  }
  return out;
}

/**
 * The theory-time figures of a sweep (see module docstring).
 * @param titleOf  figure title by name (undefined = none)
 */
export function theorySweepFigures(
  plan: Pick<SweepView, 'axes' | 'cells' | 'sweep'>, settings: Pick<PlotSettings, 'theoryTimes'>, trials: readonly TheoryTrial[], axes: readonly string[], style: FigureStyle, titleOf: (name: string, suffix: string) => string | undefined, wrapWidth?: number,
  overTime?: BoundaryFitsOverTime,
): { name: string; figure: ScalableFigure }[] {
  const out: { name: string; figure: ScalableFigure }[] = [];
  if (!trials.length) return out;
  const cs = plotTheoryTimes(settings, trials);
  if (cs.length && axes.length >= 1) {
    const horizons = cs.map((c) => ({ c, cells: cellsAtTheoryTime(plan.cells, trials, c, plan.sweep.assumptions) }));
    for (const kind of ['regime', 'memorisation'] as const) {
      const name = `${kind}-theory-times`;
      const title = titleOf(name, kind === 'regime' ? ' — regime at t = c·τ of each cell' : ' — noisy labels memorised at t = c·τ');
      out.push({
        name,
        figure: theoryFigure((size, layout) => theoryTimeMapSpec(kind, horizons, axes, { style, size, layout, title, wrapWidth } as PlotOptions), style, { width: 200, height: 160 }, [
          { columns: Math.min(4, cs.length) }, { columns: Math.min(2, cs.length) }, { columns: 1 }, { columns: 1, legend: 'bottom' },
        ]),
      });
    }
  }
  // delayed generalisation (any sweep: it is a per-trial event)
  const delayed = delayedRows(trials);
  if (delayed.length) {
    out.push({
      name: 'delayed-generalisation',
      figure: theoryFigure((size) => delayedGeneralisationSpec(delayed, { style, size, title: titleOf('delayed-generalisation', ' — delayed generalisation'), wrapWidth }), style, { width: 260, height: 180 }, [{}]),
    });
  }
  // collapse and boundary slopes: (snr, n) sweeps
  if (!(plan.axes.includes('snr') && plan.axes.includes('n'))) return out;
  const panels = cs.map((c) => ({ c, cells: memorisationAt(trials, (t) => checkpointAtOrAfter(t.checkpoints, c * tauOf(t))) }));
  const rows = memoriseTimes(trials);
  const fit = memoriseExponent(rows);
  out.push({
    name: 'collapse',
    figure: theoryFigure((size, layout) => collapseSpec(panels, { rows, ...fit }, { style, size, layout, title: titleOf('collapse', ' — collapse on n·SNR² at t = c·τ'), wrapWidth }), style, { width: 170, height: 140 }, [
      { columns: Math.min(4, Math.max(1, cs.length)) }, { columns: 2 }, { columns: 2, stack: true }, { columns: 1, stack: true },
    ]),
  });
  const { byHorizon, byTheoryTime: byTheory } = overTime ?? boundaryFitsOverTime(settings, trials);
  out.push({
    name: 'boundary-slopes',
    figure: theoryFigure((size, layout) => boundarySlopesSpec(byHorizon, byTheory, { style, size, layout, title: titleOf('boundary-slopes', ' — boundary slope by horizon and by t/τ'), wrapWidth }), style, { width: 220, height: 150 }),
  });
  return out;
}
