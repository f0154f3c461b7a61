/**
 * Which figures and data files a finished (or partial) sweep gets, how they
 * look, and where they go. Every figure is written as .vl.json (spec with
 * data) and, per the plot settings, .svg, .png and .pdf.
 *
 * Plot settings come from three layers, later ones winning: defaults
 * (natural size, 300 dpi, DejaVu Sans 8 pt, svg+png+pdf, Okabe–Ito), the
 * sweep file's `plot:` section (plan.sweep.plot), and the caller's overrides
 * (the `plot` command's flags).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io.js';
import { atHorizon, summariseCells } from '../outcome/aggregate.js';
import { estimateBoundary, type BoundaryFit } from '../outcome/boundary.js';
import { cellsCsv, trialsCsv } from '../outcome/csv.js';
import { boundarySpec, trajectorySpec, type ChartOptions } from './charts.js';
import { measurerFor, resolveFont, useFontFile } from './fonts.js';
import { boundaryFitsOverTime, boundaryReport, insideFits, theorySweepFigures } from './theory-figures.js';
import { horizonRegimeSpec, lossMapsSpec, phaseDiagramSpec } from './maps.js';
import type { LayoutVariant, PlotOptions, VlSpec } from './options.js';
import { formatNumber } from './format.js';
import { reportHtml } from './report.js';
import { writeFigure, type FigureFiles, type ScalableFigure } from './render.js';
import { plainText, regimeWord } from './vocabulary.js';
import { parseLength, parsePalette, typeScale, type FigureStyle } from './style.js';
import { snrOf } from '../core/config.js';
import type { Checkpoint, CellSummary, TrialRecord } from '../core/records.js';
import type { SweepView } from '../core/view.js';
import { type PlotSettings, type PlotSettingsInput, resolvePlotSettings } from './settings.js';
import { LAYOUT, folderPath } from '../core/layout.js';

/**
 * The figure style of resolved settings, measuring text with the font's
 * real metrics.
 * @throws FontNotFoundError if the font family is not installed
 */
export function styleOf(settings: PlotSettings): FigureStyle {
  const font = settings.fontFile !== undefined ? useFontFile(settings.fontFile).family : settings.font;
  resolveFont(font);
  return {
    font,
    fontSize: settings.fontSize,
    palette: parsePalette(settings.palette),
    labels: settings.labels,
    notes: settings.notes,
    measure: measurerFor(font),
  };
}

/** Options of renderSweepFigures. */
export interface SweepFigureOptions {
  /** false while the sweep is still running (live re-render): only the phase diagram */
  final?: boolean;
  /** overrides of the sweep file's plot settings (e.g. the plot command's flags) */
  plot?: PlotSettingsInput;
  /** collects layout warnings (a figure scaled down to fit) instead of printing them */
  warnings?: string[];
}

/**
 * Horizon steps for small multiples: plot.horizons as asked, else 4 steps
 * spread over the run (⅒, ¼, ½, end), each the last checkpoint at or before
 * it (so the panel's state is the one at the step its header names).
 */
export function horizonSteps(settings: Pick<PlotSettings, 'horizons'>, records: readonly TrialRecord[]): number[] {
  if (settings.horizons?.length) return [...new Set(settings.horizons)].sort((a, b) => a - b);
  const steps = records.length ? Math.max(...records.map((r) => r.config.steps)) : 0;
  const every = records.length ? records[0]!.config.evalEvery : 1;
  const snap = (x: number) => Math.min(steps, Math.floor(x / every) * every);
  return [...new Set([snap(steps / 10), snap(steps / 4), snap(steps / 2), steps])];
}

/**
 * The regime-horizons panels: per horizon, the step of the state drawn (the
 * asked step, or the last checkpoint at or before it when no trial has one
 * there), the cells summarised at that step, and the cells with a trial
 * that stopped before it (its last state is drawn; the panel marks them).
 */
export function horizonPanels(plan: SweepView, settings: Pick<PlotSettings, 'horizons'>, records: readonly TrialRecord[]): { step: number; cells: CellSummary[]; notReached: Set<string> }[] {
  return horizonSteps(settings, records).map((asked) => {
    const at = records.map((r) => r.checkpoints.filter((c) => c.step <= asked).reduce((m, c) => Math.max(m, c.step), -1));
    const step = at.length && at.every((a) => a < asked) ? Math.max(...at) : asked;
    const notReached = new Set(records.filter((r) => r.checkpoints.length && r.checkpoints[r.checkpoints.length - 1]!.step < step).map((r) => r.cellKey));
    return { step: Math.max(0, step), cells: summariseCells(plan.cells, records.map((r) => atHorizon(r, step)), plan.sweep.assumptions), notReached };
  });
}

/**
 * Per cell, its trials' final values as one line of text for tooltips:
 * "seed 0: benign overfitting, test error 0.031, train loss 0.52; seed 1: …".
 */
export function seedTexts(records: readonly TrialRecord[], style: FigureStyle): Map<string, string> {
  const by = new Map<string, TrialRecord[]>();
  for (const r of records) by.set(r.cellKey, [...(by.get(r.cellKey) ?? []), r]);
  const out = new Map<string, string>();
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, 3) : '–');
  for (const [key, rs] of by) {
    out.set(key, [...rs].sort((a, b) => a.seed - b.seed).map((r) => {
      const f = r.final as unknown as Record<string, unknown>;
      return `seed ${r.seed}: ${plainText(regimeWord(r.regime, style))}, test error ${num(f.testError)}, train loss ${num(f.trainLoss)}, test loss ${num(f.testLoss)}`;
    }).join('; '));
  }
  return out;
}

/** Number of distinct values of an axis among the cells. */
function countValues(cells: readonly CellSummary[], axis: string | undefined): number {
  return axis === undefined ? 1 : Math.max(1, new Set(cells.map((c) => String(c.axes[axis]))).size);
}

/**
 * A grid figure (phase diagram, loss maps, horizons) as a ScalableFigure:
 * layout variants from side by side with legends right to stacked with
 * legends below (or facet columns from many to one).
 */
function gridFigure(cells: readonly CellSummary[], axes: readonly string[], build: (o: PlotOptions) => ReturnType<typeof phaseDiagramSpec>, o: PlotOptions & { facets?: number; concat?: boolean }): ScalableFigure {
  const nx = countValues(cells, axes[0]);
  const ny = countValues(cells, axes[1]);
  let layouts: LayoutVariant[];
  if (o.facets !== undefined) {
    // one row, then column counts that fill every row (5 → 5, 1), then balanced rows (5 → 3 + 2)
    const n = o.facets;
    const divisors = Array.from({ length: n }, (_, i) => n - i).filter((c) => n % c === 0);
    const cols = [...new Set([...divisors.filter((c) => c > 1), Math.ceil(n / 2), 1])].sort((a, b) => b - a);
    layouts = cols.flatMap((columns) => [{ columns, legend: 'right' as const }, { columns, legend: 'bottom' as const }]);
  } else if (o.concat && axes.length <= 2) {
    layouts = [{ stack: false, legend: 'right' }, { stack: true, legend: 'right' }, { stack: true, legend: 'bottom' }];
  } else {
    layouts = [{ legend: 'right' }, { legend: 'bottom' }];
  }
  const ts = typeScale(o.style!.fontSize);
  return {
    layouts,
    minPanel: { width: Math.max(6 * ts.label, 8 * nx), height: Math.max(4 * ts.label, 8 * ny) },
    natural: { width: 300, height: 220 },
    build: (size, layout) => build({ ...o, size, layout }),
  };
}

/** A chart (boundary, trajectory) as a ScalableFigure. */
function chartFigure(build: (o: ChartOptions) => ReturnType<typeof boundarySpec>, o: ChartOptions, layouts: LayoutVariant[], natural: { width: number; height: number }, minEm = 12): ScalableFigure {
  const ts = typeScale(o.style!.fontSize);
  return { layouts, minPanel: { width: minEm * ts.label, height: (minEm * ts.label * 2) / 3 }, natural, build: (size, layout) => build({ ...o, size, layout }) };
}

/** Title of figure `name`: titles[name], else the base title with a suffix, none when the base is false. */
function figureTitle(settings: PlotSettings, plan: SweepView | null, name: string, suffix: string): string | undefined {
  const own = settings.titles[name];
  if (own !== undefined) return own === false ? undefined : own;
  if (settings.title === false) return undefined;
  const base = settings.title ?? plan?.sweep.name;
  return base ? `${base}${suffix}` : undefined;
}

/** The width a figure is fitted to: settings.width, else the default for its panels unless a height is set. */
function targetWidth(settings: PlotSettings, multi: boolean): number | undefined {
  return settings.width ?? (settings.height === undefined ? defaultWidth(multi) : undefined);
}

/** How `writeFigure` writes a figure under these settings (`multi`: several panels, for the default width). */
export function figureWriteOptions(settings: PlotSettings, multi: boolean, warnings?: string[]): Parameters<typeof writeFigure>[3] {
  return { width: targetWidth(settings, multi), height: settings.height, dpi: settings.dpi, formats: settings.formats, font: settings.font, warnings };
}

/** Width available to a figure's title lines: the target width less padding. */
function wrapWidthOf(settings: PlotSettings, multi = true): number | undefined {
  const w = targetWidth(settings, multi);
  return w === undefined ? undefined : w - 2 * typeScale(settings.fontSize).padding;
}

/** One figure of a sweep: its file base name, the figure, whether it has several panels, and JSON files written beside it. */
export interface SweepFigure {
  name: string;
  figure: ScalableFigure;
  multi: boolean;
  /** file base name → content, e.g. boundary.json beside the boundary figure */
  json?: Record<string, unknown>;
}

/**
 * The figures of a sweep as ScalableFigures, by file base name:
 * phase-diagram; when final also loss-maps, regime-horizons (if any trial
 * finished) and boundary (for (snr, n) sweeps with a finished cell).
 */
export function sweepFigures(
  plan: SweepView, cells: CellSummary[], records: readonly TrialRecord[], settings: PlotSettings, final = true,
): SweepFigure[] {
  const style = styleOf(settings);
  const axes = orderAxes(plan, settings);
  const common = { style, wrapWidth: wrapWidthOf(settings), seedText: seedTexts(records, style), domains: settings.domains, scheme: settings.scheme };
  const out: SweepFigure[] = [{
    name: 'phase-diagram',
    multi: true,
    figure: gridFigure(cells, axes, (o) => phaseDiagramSpec(cells, axes, o), { ...common, concat: true, title: figureTitle(settings, plan, 'phase-diagram', '') }),
  }];
  if (!final) return out;
  out.push({
    name: 'loss-maps',
    multi: true,
    figure: gridFigure(cells, axes, (o) => lossMapsSpec(cells, axes, o), { ...common, concat: true, title: figureTitle(settings, plan, 'loss-maps', ' — final losses') }),
  });
  if (records.length) {
    const horizons = horizonPanels(plan, settings, records);
    const notReached = new Set(horizons.flatMap((h) => [...h.notReached].map((k) => `${k}@${h.step}`)));
    out.push({
      name: 'regime-horizons',
      multi: true,
      figure: gridFigure(cells, axes, (o) => horizonRegimeSpec(horizons, axes, o), {
        ...common, notReached, facets: axes.length <= 2 ? horizons.length : undefined,
        title: figureTitle(settings, plan, 'regime-horizons', ' — regime at several training horizons'),
      }),
    });
  }
  // the boundary fits over time: drawn by boundary-slopes and written to boundary.json, computed once
  const overTime = hasSnrNAxes(plan) && records.length ? boundaryFitsOverTime(settings, records) : undefined;
  out.push(...theorySweepFigures(plan, settings, records, axes, style, (name, suffix) => figureTitle(settings, plan, name, suffix), common.wrapWidth, overTime)
    .map((f) => ({ ...f, multi: true })));
  if (hasSnrNAxes(plan) && cells.some((c) => c.count > 0)) {
    const fit = estimateBoundary(cells);
    out.push({
      name: 'boundary',
      multi: false,
      json: { [LAYOUT.boundary]: boundaryReport(fit, overTime ?? boundaryFitsOverTime(settings, records), insideFits(plan, settings, cells, records), cells) },
      figure: chartFigure((o) => boundarySpec(cells, fit, o), { style, wrapWidth: wrapWidthOf(settings, false), title: figureTitle(settings, plan, 'boundary', ' — phase boundary') ?? '' }, [{ legend: 'right' }, { legend: 'bottom' }], { width: 380, height: 300 }),
    });
  }
  return out;
}

/**
 * The token-selection trajectory of one trial (the train command's figure)
 * as a ScalableFigure: panels side by side, or stacked when narrow.
 */
export function trajectoryFigure(checkpoints: readonly Checkpoint[], settings: PlotSettings, text: { title?: string; subtitle?: string[] } = {}): ScalableFigure {
  const style = styleOf(settings);
  const own = settings.titles.trajectory;
  const title = own !== undefined ? (own === false ? '' : own) : settings.title === false ? '' : (settings.title ?? text.title);
  return chartFigure(
    (o) => trajectorySpec(checkpoints, o),
    { style, wrapWidth: wrapWidthOf(settings), title, subtitle: text.subtitle },
    [{ stack: false }, { stack: false, legend: 'bottom' }, { stack: true, columns: 2, legend: 'bottom' }, { stack: true }, { stack: true, legend: 'bottom' }],
    { width: 260, height: 200 },
    9,
  );
}

/** Whether the plan sweeps both snr and n (then a boundary is estimated). */
export function hasSnrNAxes(plan: SweepView): boolean {
  return plan.axes.includes('snr') && plan.axes.includes('n');
}

/**
 * Render the sweep's figures into `outDir` — phase-diagram (regime map +
 * final test error), and when final also loss-maps (final train/test loss),
 * regime-horizons (regime maps at several steps) and, for (snr, n) sweeps,
 * boundary (log–log map with fitted and theory lines) plus boundary.json —
 * and, when final, the tables cells.csv and trials.csv and report.html (./report.ts). Figure settings:
 * `opts.plot` over the sweep file's `plot:` section over the defaults.
 *
 * `records` are the plan's finished trials, keyed to its cells (planRecords
 * in src/sweep/run.ts); `cells` their summaries.
 *
 * @returns paths of the files written
 * @throws PlotSettingsError on an invalid setting, FontNotFoundError if the
 *   font is not installed (both before anything is written), or render/I/O errors
 */
export async function renderSweepFigures(
  outDir: string, plan: SweepView, cells: CellSummary[], records: readonly TrialRecord[], opts: SweepFigureOptions = {},
): Promise<string[]> {
  const final = opts.final ?? true;
  const settings = resolvePlotSettings(plan.sweep.plot, opts.plot);
  const figures = sweepFigures(plan, cells, records, settings, final);
  const files: string[] = final ? writeSweepTables(outDir, plan, settings, cells, records) : [];
  const add = (f: FigureFiles) => files.push(...[f.spec, f.svg, f.png, f.pdf].filter((x): x is string => x !== undefined));
  const written: { name: string; spec: VlSpec }[] = [];
  let boundary: BoundaryFit | null = null;
  for (const { name, figure, multi, json } of figures) {
    for (const [base, content] of Object.entries(json ?? {})) {
      const file = folderPath(outDir, base);
      writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`);
      files.push(file);
      if (base === LAYOUT.boundary) boundary = content as BoundaryFit;
    }
    const f = await writeFigure(outDir, name, figure, figureWriteOptions(settings, multi, opts.warnings));
    add(f);
    written.push({ name, spec: JSON.parse(readFileSync(f.spec, 'utf8')) as VlSpec });
  }
  if (final) {
    // one offline page with every figure, the boundary numbers, the cells and the sweep as run
    const file = folderPath(outDir, LAYOUT.report);
    const trials = { done: records.length, planned: plan.trials.length };
    writeFileAtomic(file, reportHtml({ plan, cells, figures: written, boundary, style: styleOf(settings), trials }));
    files.push(file);
  }
  return files;
}

/** Default figure width in px: one column (8.5 cm) for a single panel, the full text width (17 cm) for several. */
export function defaultWidth(multiPanel: boolean): number {
  return parseLength(multiPanel ? '17cm' : '8.5cm');
}

/** Axes in plot order: plot.x, plot.y first when given, then the rest in file order. */
export function orderAxes(plan: Pick<SweepView, 'axes'>, settings: Pick<PlotSettings, 'x' | 'y'>): string[] {
  const { x, y } = settings;
  const first = [x, y].filter((a): a is string => !!a && plan.axes.includes(a));
  return [...first, ...plan.axes.filter((a) => !first.includes(a))];
}

/**
 * Write cells.csv (one row per cell) and trials.csv (one row per trial and
 * checkpoint) of the plan's trials; see src/outcome/csv.ts for the columns.
 * @returns the two paths
 */
export function writeSweepTables(outDir: string, plan: SweepView, settings: Pick<PlotSettings, 'x' | 'y'>, cells: CellSummary[], records: readonly TrialRecord[]): string[] {
  const axes = orderAxes(plan, settings);
  const cellIndex = new Map(plan.cells.map((c, i) => [c.key, i]));
  mkdirSync(outDir, { recursive: true });
  const cellsFile = folderPath(outDir, LAYOUT.cells);
  const trialsFile = folderPath(outDir, LAYOUT.trials);
  // each cell's resolved parameters: from a planned trial's config (a fresh plan), else from the cell's records (a stored plan)
  const params = new Map<string, Record<string, unknown>>();
  for (const t of [...plan.trials, ...records]) if (t.config && !params.has(t.cellKey)) params.set(t.cellKey, { snr: snrOf(t.config), ...t.config });
  writeFileAtomic(cellsFile, cellsCsv(axes, cells, params));
  writeFileAtomic(trialsFile, trialsCsv(axes, records, cellIndex, plan.sweep.assumptions));
  return [cellsFile, trialsFile];
}
