/**
 * Tidy CSV tables (RFC 4180 quoting), loadable with one call in any dataframe
 * library: `pd.read_csv("cells.csv")`.
 */
import type { Checkpoint, CellSummary } from './types.js';
import { REGIMES } from './types.js';

/** One CSV field: numbers as shortest round-trip text, non-finite/null as empty, strings quoted when needed. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document from a header and rows of values. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

const KINDS = ['relevant', 'confusing', 'weak', 'irrelevant'] as const;

/** Columns of one checkpoint (shared by trials.csv and trajectory.csv). */
export const CHECKPOINT_COLUMNS = [
  'step', 'regime', 'trainLoss', 'trainAcc', 'cleanFit', 'noisyFit', 'testAcc', 'testError', 'testLoss', 'pNorm',
  ...KINDS.map((k) => `attnClean_${k}`), ...KINDS.map((k) => `attnNoisy_${k}`),
];

/** Values of CHECKPOINT_COLUMNS for a checkpoint. */
export function checkpointValues(c: Checkpoint): unknown[] {
  return [
    c.step, c.regime, c.trainLoss, c.trainAcc, c.cleanFit, c.noisyFit, c.testAcc,
    typeof c.testAcc === 'number' ? 1 - c.testAcc : null, c.testLoss, c.pNorm,
    ...KINDS.map((k) => c.attnClean?.[k]), ...KINDS.map((k) => c.attnNoisy?.[k] ?? null),
  ];
}

/**
 * cells.csv: one row per cell — the swept axes, count, majority regime,
 * agreement, the fraction of seeds in each regime, and mean/sd of each final metric.
 */
export function cellsCsv(axes: readonly string[], cells: readonly CellSummary[]): string {
  const metrics = [...new Set(cells.flatMap((c) => Object.keys(c.metrics)))];
  const header = [
    ...axes, 'count', 'regime', 'agreement', ...REGIMES.map((r) => `frac_${r}`),
    ...metrics.flatMap((m) => [`${m}_mean`, `${m}_sd`]),
  ];
  const rows = cells.map((c) => [
    ...axes.map((a) => c.axes[a]), c.count, c.regime, c.count ? c.agreement : null,
    ...REGIMES.map((r) => (c.count ? c.regimeFractions[r] : null)),
    ...metrics.flatMap((m) => [c.metrics[m]?.mean, c.metrics[m]?.sd]),
  ]);
  return toCsv(header, rows);
}

/** What trialsCsv needs of a trial. */
export interface TrialRow {
  id: string;
  seed: number;
  engine: string;
  axes: Record<string, number | string>;
  snr: number;
  config: { muNorm: number; d: number; n: number };
  checkpoints: Checkpoint[];
}

/** trials.csv: one row per trial and checkpoint (long format). */
export function trialsCsv(axes: readonly string[], trials: readonly TrialRow[]): string {
  const header = ['trial', 'seed', 'engine', ...axes.map((a) => `axis_${a}`), 'snr', 'muNorm', 'd', 'n', ...CHECKPOINT_COLUMNS];
  const rows: unknown[][] = [];
  for (const t of trials) {
    for (const c of t.checkpoints) {
      rows.push([t.id, t.seed, t.engine, ...axes.map((a) => t.axes[a]), t.snr, t.config.muNorm, t.config.d, t.config.n, ...checkpointValues(c)]);
    }
  }
  return toCsv(header, rows);
}
