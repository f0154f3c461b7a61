/**
 * Tidy CSV tables (RFC 4180: comma-separated, "\n" line ends, fields quoted
 * only when they hold a comma, quote or line break), loadable with one call
 * in any dataframe library — `pd.read_csv("cells.csv")`,
 * `pl.read_csv("trials.csv")`, `read.csv(...)` — with numeric columns typed
 * as numbers: numbers are written in shortest round-trip form ("0.05",
 * "1e-7"), missing / non-finite values as empty fields (NaN / null on
 * reading), one header row of unique names (letters, digits, "_").
 *
 * cells.csv  — one row per grid cell, in plan order:
 *   cell (0-based index), the swept axes (one column each, by parameter name),
 *   the main parameters not swept (snr, muNorm, d, n, T, eta, rho, sigma,
 *   alpha, steps: the cell's resolved values, as in trials.csv),
 *   seeds (finished trials), regime (majority final regime, empty if none),
 *   agreement (fraction of seeds in the majority regime),
 *   frac_not_overfitting … frac_diverged (fraction of seeds per regime),
 *   <metric>_mean, <metric>_sd for every final metric (SPEC §3; sd over seeds,
 *   0 for one seed): testError, testLoss, trainLoss, trainAcc, cleanFit,
 *   noisyFit, pNorm, tFit, tGeneralize, tMemorise, bestTestStep (steps; empty
 *   when never reached), bestTestError, tSelect (first step at which the test
 *   loss covered a tenth of the way to that of perfect token selection); then
 *   the theory of the cell (SPEC §7):
 *   nSnr2 (n·SNR²), tau and tauBenign (steps; tauBenign empty when it
 *   overflows), log10TauBenign, testErrorStep0 (uniform attention),
 *   testErrorBest (all attention on the relevant token), testLossStep0 and
 *   testLossBest (the test losses of those two states), undecidable
 *   (1 when testErrorBest ≥ δ: benign overfitting impossible; else 0);
 *   then where the cell stands with respect to the theorem (SPEC §9,
 *   ./assumptions.ts): assumptions (`inside`, or `outside: <conditions>`),
 *   case (benign | not-overfitting | neither), predicted (the regime the
 *   theorem predicts; empty outside), verdict (at the prediction's time:
 *   agrees | disagrees | not-reached | silent), verdict_end (the same at the
 *   end of the run), horizon_margin (steps over the prediction's time),
 *   margin_<condition> (> 1 when the condition holds) for each condition.
 * trials.csv — one row per trial and checkpoint (long format):
 *   trial (id), cell, seed, engine, the swept axes, the main parameters not
 *   swept (snr, muNorm, d, n, T, eta, rho, sigma, alpha, steps), final_regime,
 *   tFit, tGeneralize, tMemorise, bestTestStep, bestTestError, tSelect, tau, nSnr2,
 *   assumptions and margin_<condition> (as in cells.csv), then the checkpoint: step, regime, trainLoss, trainAcc,
 *   cleanFit, noisyFit, testAcc, testError, testLoss, pNorm,
 *   attnClean_<kind>, attnNoisy_<kind> (mean softmax weight per token of
 *   kind relevant, confusing, weak, irrelevant).
 */
import { assessAssumptions, type AssumptionConstants, CONDITIONS } from './assumptions.js';
import { theoryOf } from './theory.js';
import type { TrialConfig } from '../core/config.js';
import { type Checkpoint, type CellSummary, type Regime, REGIMES, FINAL_METRICS } from '../core/records.js';
import { TOKEN_KINDS } from '../core/tokens.js';

/** One CSV field: numbers as shortest round-trip text, non-finite/null as empty, strings quoted when needed. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document from a header and rows of values (every row as long as the header). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/** Columns of one checkpoint (shared by trials.csv and trajectory.csv). */
export const CHECKPOINT_COLUMNS = [
  'step', 'regime', 'trainLoss', 'trainAcc', 'cleanFit', 'noisyFit', 'testAcc', 'testError', 'testLoss', 'pNorm',
  ...TOKEN_KINDS.map((k) => `attnClean_${k}`), ...TOKEN_KINDS.map((k) => `attnNoisy_${k}`),
];

/** Values of CHECKPOINT_COLUMNS for a checkpoint. */
export function checkpointValues(c: Checkpoint): unknown[] {
  return [
    c.step, c.regime, c.trainLoss, c.trainAcc, c.cleanFit, c.noisyFit, c.testAcc,
    typeof c.testAcc === 'number' ? 1 - c.testAcc : null, c.testLoss, c.pNorm,
    ...TOKEN_KINDS.map((k) => c.attnClean?.[k]), ...TOKEN_KINDS.map((k) => c.attnNoisy?.[k] ?? null),
  ];
}

/** Final metrics of cells.csv, in column order (CellSummary.metrics keys; listed once, in aggregate.ts). */
export const CELL_METRICS: readonly string[] = FINAL_METRICS;

/** Theory columns of cells.csv (SPEC §7; see TheoryQuantities in theory.ts), in order. */
export const THEORY_COLUMNS = ['nSnr2', 'tau', 'tauBenign', 'log10TauBenign', 'testErrorStep0', 'testErrorBest', 'testLossStep0', 'testLossBest', 'undecidable'] as const;

/** Assumption columns of cells.csv (SPEC §9; ./assumptions.ts), in order. */
export const ASSUMPTION_COLUMNS = ['assumptions', 'case', 'predicted', 'verdict', 'verdict_end', 'horizon_margin', ...CONDITIONS.map((c) => marginColumn(c.id))];

/** Column name of a condition's margin: margin_snr_dimension, … */
export function marginColumn(id: string): string {
  return `margin_${id.replace(/-/g, '_')}`;
}

/** Values of ASSUMPTION_COLUMNS for a cell (empty when it has no assessment). */
function assumptionValues(c: CellSummary): unknown[] {
  const a = c.assumptions;
  if (!a) return ASSUMPTION_COLUMNS.map(() => null);
  return [a.label, a.case, a.predicted, c.verdict ?? null, c.verdictEnd ?? null, a.horizonMargin, ...CONDITIONS.map((k) => a.margins[k.id])];
}

/** Column name of a regime's fraction: frac_not_overfitting, … */
export function regimeColumn(r: Regime): string {
  return `frac_${r.replace(/-/g, '_')}`;
}

/**
 * cells.csv (see module docstring): one row per cell in the given order —
 * cell index, swept axes, the parameters not swept (when `params` is given),
 * seeds, majority regime, agreement, fraction of seeds per regime, mean and
 * sd of each final metric. Cells not run have seeds 0 and empty regime,
 * agreement, fractions and metrics.
 *
 * @param params  cell key → the cell's resolved parameters ({ snr, ...config });
 *   adds one column per TRIAL_PARAMS entry not swept (empty for a missing cell)
 */
export function cellsCsv(axes: readonly string[], cells: readonly CellSummary[], params?: ReadonlyMap<string, Record<string, unknown>>): string {
  const extra = [...new Set(cells.flatMap((c) => Object.keys(c.metrics)))].filter((m) => !CELL_METRICS.includes(m));
  const metrics = [...CELL_METRICS, ...extra];
  const fixed = params ? TRIAL_PARAMS.filter((p) => !axes.includes(p)) : [];
  const header = [
    'cell', ...axes, ...fixed, 'seeds', 'regime', 'agreement', ...REGIMES.map(regimeColumn),
    ...metrics.flatMap((m) => [`${m}_mean`, `${m}_sd`]), ...THEORY_COLUMNS, ...ASSUMPTION_COLUMNS,
  ];
  const rows = cells.map((c, i) => [
    i, ...axes.map((a) => c.axes[a]), ...fixed.map((p) => params?.get(c.cellKey)?.[p]),
    c.count, c.regime, c.count ? c.agreement : null,
    ...REGIMES.map((r) => (c.count ? c.regimeFractions[r] : null)),
    ...metrics.flatMap((m) => (c.count ? [c.metrics[m]?.mean, c.metrics[m]?.sd] : [null, null])),
    ...THEORY_COLUMNS.map((k) => (typeof c.theory?.[k] === 'boolean' ? Number(c.theory[k]) : c.theory?.[k] ?? null)),
    ...assumptionValues(c),
  ]);
  return toCsv(header, rows);
}

/** What trialsCsv needs of a trial (a journal TrialRecord has all of it). */
export interface TrialRow {
  id: string;
  cellKey?: string;
  seed: number;
  engine: string;
  axes: Record<string, number | string>;
  snr: number;
  config: Pick<TrialConfig, 'muNorm' | 'd' | 'n'> & Partial<TrialConfig>;
  regime?: Regime;
  events?: { tFit: number | null; tGeneralize: number | null; tMemorise?: number | null; bestTestStep?: number | null; bestTestError?: number | null; tSelect?: number | null };
  checkpoints: Checkpoint[];
}

/** τ, n·SNR², the assumptions label and the margins of a trial's config (empty when the config is incomplete). */
function theoryCells(cfg: TrialRow['config'], assumptions?: Partial<AssumptionConstants>): unknown[] {
  const c = cfg as Partial<TrialConfig>;
  if ([c.d, c.T, c.n, c.muNorm, c.sigma, c.alpha, c.nuScale, c.steps].some((x) => typeof x !== 'number') || !c.init) return [null, null, null, ...CONDITIONS.map(() => null)];
  const th = theoryOf(c as TrialConfig);
  const a = assessAssumptions(c as TrialConfig, assumptions);
  return [th.tau, th.nSnr2, a.label, ...CONDITIONS.map((k) => a.margins[k.id])];
}

/** Parameters of trials.csv and cells.csv besides the swept axes. */
const TRIAL_PARAMS = ['snr', 'muNorm', 'd', 'n', 'T', 'eta', 'rho', 'sigma', 'alpha', 'steps'] as const;

/**
 * trials.csv (see module docstring): one row per trial and checkpoint.
 * @param cellIndex    plan index of each cell key (the `cell` column; empty when absent)
 * @param assumptions  the sweep's `assumptions:` constants (./assumptions.ts)
 */
export function trialsCsv(axes: readonly string[], trials: readonly TrialRow[], cellIndex?: ReadonlyMap<string, number>, assumptions?: Partial<AssumptionConstants>): string {
  const params = TRIAL_PARAMS.filter((p) => !axes.includes(p));
  const header = ['trial', 'cell', 'seed', 'engine', ...axes, ...params, 'final_regime', 'tFit', 'tGeneralize', 'tMemorise', 'bestTestStep', 'bestTestError', 'tSelect', 'tau', 'nSnr2', 'assumptions', ...CONDITIONS.map((c) => marginColumn(c.id)), ...CHECKPOINT_COLUMNS];
  const rows: unknown[][] = [];
  for (const t of trials) {
    const cell = t.cellKey === undefined ? null : cellIndex?.get(t.cellKey) ?? null;
    const cfg = t.config as Record<string, unknown>;
    const fixed = [
      t.id, cell, t.seed, t.engine, ...axes.map((a) => t.axes[a]),
      ...params.map((p) => (p === 'snr' ? t.snr : cfg[p])),
      t.regime ?? null, t.events?.tFit ?? null, t.events?.tGeneralize ?? null,
      t.events?.tMemorise ?? null, t.events?.bestTestStep ?? null, t.events?.bestTestError ?? null, t.events?.tSelect ?? null,
      ...theoryCells(t.config, assumptions),
    ];
    for (const c of t.checkpoints) rows.push([...fixed, ...checkpointValues(c)]);
  }
  return toCsv(header, rows);
}
