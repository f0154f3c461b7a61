/**
 * attn-phase as a library: the same sweeps, trials, figures and boundary fits
 * as the command line, from a script or a notebook.
 *
 * ```ts
 * import { loadSweep, planSweep, runSweep, openSweep, estimateBoundary } from 'attn-phase';
 * const plan = planSweep(loadSweep('sweeps/snr-n.yaml', ['d=500', 'seeds=1']));
 * await runSweep(plan, { outDir: 'output/quick', onProgress: (p) => console.log(p.done, '/', p.total) });
 * const folder = openSweep('output/quick');
 * console.log(folder.cells.map((c) => [c.axes, c.regime]), estimateBoundary(folder.cells).slope);
 * ```
 *
 * The model, outcomes and regimes are described in the repository's docs/
 * (Sakamoto & Sato, ICML 2025, arXiv:2409.17625). Everything not exported
 * here is internal and may change.
 */
import { join, resolve } from 'node:path';
import { runTrial as trainTrial } from './model/trial.js';
import { summariseCells } from './outcome/aggregate.js';
import { estimateBoundary as fitBoundary, type BoundaryFit } from './outcome/boundary.js';
// types only: the plot layer (vega, sharp) is loaded on first use
import type { FigureFiles, PlotSettingsInput, ScalableFigure, VlSpec } from './plot/index.js';
import { OutputFolder } from './sweep/folder.js';
import { applyOverrides } from './sweep/overrides.js';
import { type Plan, planSweep as planTrials } from './sweep/plan.js';
import { defaultWorkers } from './sweep/pool.js';
import { type RenderFn, type RunSummary, runSweep as runPlan } from './sweep/run.js';
import { readSweepDocument, validateSweep } from './sweep/spec.js';
import type { TrialOutcome, CellSummary, TrialRecord } from './core/records.js';
import { type TrialConfig, snrOf } from './core/config.js';
import type { ParamValue } from './core/params.js';
import type { Sweep, SweepView } from './core/view.js';
import { SweepSpecError } from './core/errors.js';

export { SweepSpecError };
export type { BoundaryFit, CellSummary, FigureFiles, Plan, PlotSettingsInput, RunSummary, ScalableFigure, Sweep, SweepView, TrialConfig, TrialOutcome, TrialRecord, VlSpec };
export type { Checkpoint, EventTimes, Regime } from './core/records.js';
export type { TokenWeights } from './core/tokens.js';

/**
 * Read and validate a sweep: a YAML file path or the document as plain data
 * (`{ name, base, grid, seeds, plot }`, docs/model.md for the parameters),
 * with optional command-line style overrides (`'d=500'`, `'grid.n=[10,20]'`,
 * `'~plot.title'`).
 *
 * @throws SweepSpecError — one line naming the file (or "sweep") and the key
 */
export function loadSweep(source: string | Record<string, unknown>, overrides: readonly string[] = []): Sweep {
  const name = typeof source === 'string' ? source : 'sweep';
  const doc = typeof source === 'string' ? readSweepDocument(source) : source;
  return validateSweep(overrides.length ? applyOverrides(doc, overrides) : doc, name);
}

/**
 * Expand a sweep into its cells (grid points) and trials (cell × seed, each
 * with its resolved configuration, stable id and engine).
 *
 * @throws SweepSpecError when a trial would need more memory than the limit
 */
export function planSweep(sweep: Sweep): Plan {
  return planTrials(sweep);
}

/** Counters passed to `onProgress`. */
export interface SweepProgress {
  /** trials finished, this run and earlier runs of the folder */
  done: number;
  /** trials of the plan */
  total: number;
  /** trials that failed for good in this run */
  failed: number;
}

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  /** output folder (default `output/<sweep name>` under the current folder); resumed if it holds a journal */
  outDir?: string;
  /** worker threads (default: available cores) */
  workers?: number;
  /** retries of a failing trial (default 1) */
  retries?: number;
  /** render figures and tables at the end (default true) */
  render?: boolean;
  /** called after each finished (or finally failed) trial */
  onProgress?: (progress: SweepProgress) => void;
  /** aborting it stops gracefully: no new trials, running ones finish and are journaled, figures are rendered */
  signal?: AbortSignal;
  /** receives a stop function: first call graceful (like `signal`), second immediate */
  onStopHandle?: (stop: () => void) => void;
  /** warnings (default: stderr) */
  log?: (message: string) => void;
}

/**
 * Run (or resume) a planned sweep in a worker pool: finished trials in the
 * folder's journal are skipped, each new one is journaled as it finishes,
 * then the figures and tables are rendered.
 *
 * @returns counts, failed trials, per-cell summaries and the files written
 * @throws an Error named LockedError when another run writes the same folder
 */
export async function runSweep(plan: Plan, options: RunSweepOptions = {}): Promise<RunSummary> {
  let stop: (() => void) | null = null;
  const onAbort = () => stop?.();
  if (options.signal?.aborted) throw new Error('runSweep: the signal is already aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await runPlan(plan, {
      outDir: options.outDir ?? join('output', plan.sweep.name),
      workers: options.workers ?? defaultWorkers(),
      retries: options.retries,
      render: options.render === false ? undefined : renderAll,
      progress: false,
      log: options.log,
      onProgress: options.onProgress && ((c) => options.onProgress!({ done: c.done, total: c.total, failed: c.failed })),
      onStopHandle: (s) => {
        stop = s;
        options.onStopHandle?.(s);
      },
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Draws a sweep's figures and tables with src/plot (loaded on first use). */
const renderAll: RenderFn = async ({ folder, plan, cells, records, final }) => {
  const { renderSweepFigures } = await import('./plot/index.js');
  return renderSweepFigures(folder.dir, plan, cells, records, { final });
};

/** An output folder of a sweep, as read by {@link openSweep}. */
export interface SweepFolder {
  dir: string;
  /** the plan the folder's last run used: sweep, axes, cells, trials (ids, cells, seeds, engines; configs are in the records) */
  plan: SweepView;
  /** the plan's finished trials from the journal, keyed to its cells (config, checkpoints, regime, events, timings) */
  records: TrialRecord[];
  /** per-cell summaries over seeds: majority regime, agreement, mean ± sd of final metrics */
  cells: CellSummary[];
}

/**
 * Open a sweep output folder (written by `runSweep` or `attn-phase run`) and
 * read its plan, finished trials and per-cell summaries. Reading only: works
 * while a run is writing the folder.
 *
 * @throws Error (FolderError) naming the folder or its plan.json when it is not a sweep output folder
 */
export function openSweep(dir: string): SweepFolder {
  const folder = OutputFolder.open(dir);
  const stored = folder.readPlan();
  if (!stored) throw new Error(`${join(dir, 'plan.json')}: missing; is ${dir} a sweep output folder?`);
  const records = folder.records(stored);
  return { dir: resolve(dir), plan: stored, records, cells: summariseCells(stored.cells, records, stored.sweep.assumptions) };
}

/** Parameters of one trial: any of docs/model.md's (snr or muNorm), the rest default to the paper's. */
export type TrialParams = Partial<Record<string, ParamValue>>;

/** What {@link runTrial} returns: the outcome with the resolved configuration. */
export interface TrialResult extends TrialOutcome {
  config: TrialConfig;
  seed: number;
  /** ‖μ‖/(σ√d) */
  snr: number;
}

/**
 * Train one trial in this thread and return its checkpoints (step 0, every
 * evalEvery, last: losses, cleanFit, noisyFit, test accuracy, attention per
 * token kind, ‖p‖, regime), final regime and event times.
 *
 * @param params  e.g. `{ snr: 0.1, n: 20, d: 500 }`; validated like a sweep's `base`
 * @param seed    trial seed (non-negative integer; random streams: docs/random-streams.md)
 * @throws SweepSpecError naming the parameter
 */
export function runTrial(params: TrialParams = {}, seed = 0): TrialResult {
  const plan = planTrials(validateSweep({ name: 'trial', base: params, seeds: [seed] }, 'runTrial'));
  const { config } = plan.trials[0];
  const outcome = trainTrial(config, seed);
  return { ...outcome, config, seed, snr: snrOf(config) };
}

/**
 * Build the figures of a sweep folder without writing them: phase-diagram,
 * loss-maps, regime-horizons and (for snr × n sweeps) boundary, each a
 * ScalableFigure to pass to {@link renderFigure}.
 *
 * @param plot  figure settings over the sweep file's `plot:` section (width '8.5cm', fontSize, palette, …)
 */
export async function buildFigures(folder: SweepFolder, plot: PlotSettingsInput = {}): Promise<{ name: string; figure: ScalableFigure }[]> {
  const { resolvePlotSettings, sweepFigures } = await import('./plot/index.js');
  const settings = resolvePlotSettings(folder.plan.sweep.plot, plot);
  return sweepFigures(folder.plan, folder.cells, folder.records, settings, true);
}

/**
 * Render a figure — one from {@link buildFigures} or your own Vega-Lite spec
 * (data inlined) — to `<dir>/<name>.vl.json` and `.svg`, `.png`, `.pdf`.
 *
 * @param options  width/height in px (96 per inch), dpi (default 300), formats (default all)
 * @returns the paths written
 */
export async function renderFigure(
  dir: string, name: string, figure: ScalableFigure | VlSpec,
  options: { width?: number; height?: number; dpi?: number; formats?: ('svg' | 'png' | 'pdf')[] } = {},
): Promise<FigureFiles> {
  const { writeFigure } = await import('./plot/index.js');
  return writeFigure(dir, name, figure, options);
}

/**
 * Render every figure of a sweep folder into it (or into `outDir`), and
 * rewrite cells.csv, trials.csv and boundary.json — what `attn-phase plot` does.
 *
 * @returns the paths written
 */
export async function renderFigures(folder: SweepFolder, options: { plot?: PlotSettingsInput; outDir?: string } = {}): Promise<string[]> {
  const { renderSweepFigures } = await import('./plot/index.js');
  return renderSweepFigures(options.outDir ?? folder.dir, folder.plan, folder.cells, folder.records, { plot: options.plot });
}

/**
 * Fit the phase boundary of an (snr, n) sweep: where the memorised fraction
 * of noisy labels crosses ½ along rows and columns, and the least-squares
 * line log n = a − b·log SNR with a confidence interval for the slope b
 * (theory: b = 2; docs/outcomes.md).
 *
 * @param cells  per-cell summaries (SweepFolder.cells, RunSummary.cells)
 * @param level  confidence level of the interval (default 0.95)
 */
export function estimateBoundary(cells: readonly CellSummary[], level = 0.95): BoundaryFit {
  return fitBoundary(cells, level);
}
