/**
 * Which figures a finished (or partial) sweep gets, and where they go.
 */
import type { CellSummary } from '../outcome/types.js';
import type { TrialRecord } from '../sweep/journal.js';
import type { Plan } from '../sweep/plan.js';
import { phaseDiagramSpec } from './specs.js';
import { writeFigure } from './render.js';

/** Options of renderSweepFigures. */
export interface SweepFigureOptions {
  /** false while the sweep is still running (live re-render) */
  final?: boolean;
}

/**
 * Render the sweep's figures into `outDir`: `phase-diagram.{vl.json,svg,png}`
 * (regime map + final test-error map over the swept axes).
 *
 * @returns paths of the files written
 */
export async function renderSweepFigures(
  outDir: string, plan: Plan, cells: CellSummary[], _records: TrialRecord[], _opts: SweepFigureOptions = {},
): Promise<string[]> {
  const axes = orderAxes(plan);
  const spec = phaseDiagramSpec(cells, axes, { title: plan.sweep.plot.title ?? plan.sweep.name });
  const f = await writeFigure(outDir, 'phase-diagram', spec);
  return [f.spec, f.svg, f.png];
}

/** Axes in plot order: plot.x, plot.y first when given, then the rest in file order. */
export function orderAxes(plan: Plan): string[] {
  const { x, y } = plan.sweep.plot;
  const first = [x, y].filter((a): a is string => !!a && plan.axes.includes(a));
  return [...first, ...plan.axes.filter((a) => !first.includes(a))];
}
