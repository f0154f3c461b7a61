/**
 * Which figures and data files a finished (or partial) sweep gets, and where
 * they go. Every figure is written as .vl.json (spec with data), .svg, .png.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { atHorizon, summariseCells } from '../outcome/aggregate.js';
import { estimateBoundary } from '../outcome/boundary.js';
import { cellsCsv, trialsCsv } from '../outcome/csv.js';
import type { CellSummary } from '../outcome/types.js';
import type { TrialRecord } from '../sweep/journal.js';
import type { Plan } from '../sweep/plan.js';
import { boundarySpec } from './charts.js';
import { horizonRegimeSpec, lossMapsSpec, phaseDiagramSpec, type VlSpec } from './specs.js';
import { writeFigure } from './render.js';

/** Options of renderSweepFigures. */
export interface SweepFigureOptions {
  /** false while the sweep is still running (live re-render): only the phase diagram */
  final?: boolean;
}

/** Write text atomically (temp file, then rename). */
export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Horizon steps for small multiples: plot.horizons, else 4 steps spread over the run (¼, ½, ¾, end, on checkpoints). */
export function horizonSteps(plan: Plan, records: readonly TrialRecord[]): number[] {
  if (plan.sweep.plot.horizons?.length) return [...plan.sweep.plot.horizons].sort((a, b) => a - b);
  const steps = records.length ? Math.max(...records.map((r) => r.config.steps)) : 0;
  const every = records.length ? records[0].config.evalEvery : 1;
  const snap = (x: number) => Math.min(steps, Math.round(x / every) * every);
  return [...new Set([snap(steps / 10), snap(steps / 4), snap(steps / 2), steps])];
}

/** The figure specs of a sweep, by file base name. */
export function sweepFigureSpecs(plan: Plan, cells: CellSummary[], records: readonly TrialRecord[], final = true): { name: string; spec: VlSpec }[] {
  const axes = orderAxes(plan);
  const title = plan.sweep.plot.title ?? plan.sweep.name;
  const out: { name: string; spec: VlSpec }[] = [{ name: 'phase-diagram', spec: phaseDiagramSpec(cells, axes, { title }) }];
  if (!final) return out;
  out.push({ name: 'loss-maps', spec: lossMapsSpec(cells, axes, { title: `${title} — final losses` }) });
  const ids = new Set(plan.trials.map((t) => t.id));
  const mine = records.filter((r) => ids.has(r.id));
  if (mine.length) {
    const horizons = horizonSteps(plan, mine).map((step) => ({ step, cells: summariseCells(plan.cells, mine.map((r) => atHorizon(r, step))) }));
    out.push({ name: 'regime-horizons', spec: horizonRegimeSpec(horizons, axes, { title: `${title} — regime at several training horizons` }) });
  }
  return out;
}

/** Whether the plan sweeps both snr and n (then a boundary is estimated). */
export function hasSnrNAxes(plan: Plan): boolean {
  return plan.axes.includes('snr') && plan.axes.includes('n');
}

/**
 * Render the sweep's figures into `outDir`: phase-diagram (regime map + final
 * test error), and when final also loss-maps (final train/test loss),
 * regime-horizons (regime maps at several steps) and, for (snr, n) sweeps,
 * boundary (log–log map with fitted and theory lines) plus boundary.json.
 *
 * @returns paths of the files written
 */
export async function renderSweepFigures(
  outDir: string, plan: Plan, cells: CellSummary[], records: TrialRecord[], opts: SweepFigureOptions = {},
): Promise<string[]> {
  const final = opts.final ?? true;
  const files: string[] = final ? writeSweepTables(outDir, plan, cells, records) : [];
  for (const { name, spec } of sweepFigureSpecs(plan, cells, records, final)) {
    const f = await writeFigure(outDir, name, spec);
    files.push(f.spec, f.svg, f.png);
  }
  if (final && hasSnrNAxes(plan) && cells.some((c) => c.count > 0)) {
    const fit = estimateBoundary(cells);
    const file = join(outDir, 'boundary.json');
    writeTextAtomic(file, `${JSON.stringify(fit, null, 2)}\n`);
    files.push(file);
    const f = await writeFigure(outDir, 'boundary', boundarySpec(cells, fit, { title: `${plan.sweep.plot.title ?? plan.sweep.name} — phase boundary` }));
    files.push(f.spec, f.svg, f.png);
  }
  return files;
}

/** Axes in plot order: plot.x, plot.y first when given, then the rest in file order. */
export function orderAxes(plan: Plan): string[] {
  const { x, y } = plan.sweep.plot;
  const first = [x, y].filter((a): a is string => !!a && plan.axes.includes(a));
  return [...first, ...plan.axes.filter((a) => !first.includes(a))];
}

/**
 * Write cells.csv (one row per cell) and trials.csv (one row per trial and
 * checkpoint) of the plan's trials.
 * @returns the two paths
 */
export function writeSweepTables(outDir: string, plan: Plan, cells: CellSummary[], records: readonly TrialRecord[]): string[] {
  const axes = orderAxes(plan);
  const ids = new Set(plan.trials.map((t) => t.id));
  const mine = records.filter((r) => ids.has(r.id));
  const cellsFile = join(outDir, 'cells.csv');
  const trialsFile = join(outDir, 'trials.csv');
  writeTextAtomic(cellsFile, cellsCsv(axes, cells));
  writeTextAtomic(trialsFile, trialsCsv(axes, mine));
  return [cellsFile, trialsFile];
}
