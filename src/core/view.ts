/**
 * What a sweep is, as every reader of an output folder sees it: the
 * validated sweep (src/sweep/spec.ts makes one from a file), its cells, and
 * its trials. A freshly planned sweep (src/sweep/plan.ts `Plan`) and the
 * stored plan of an output folder (`plan.json`, src/sweep/folder.ts) are both
 * a {@link SweepView}; the plot layer and the report take nothing else.
 */
import type { TrialConfig } from './config.js';
import type { ParamName, ParamValue } from './params.js';

/** A validated sweep: what its file said, with the grid expanded. */
export interface Sweep {
  name: string;
  description?: string;
  /** validated base parameters (may contain snr instead of muNorm; numeric ones may be expressions) */
  base: Partial<Record<ParamName, ParamValue>>;
  /** axes in file order with their expanded, validated values */
  axes: { name: ParamName; values: ParamValue[] }[];
  seeds: number[];
  /** the `plot:` section as written (checked by src/plot/settings.ts; resolvePlotSettings reads it) */
  plot: Readonly<Record<string, unknown>>;
  /** the `assumptions:` section: constants of the theorem's asymptotic conditions (src/outcome/assumptions.ts); absent in old plans */
  assumptions?: Readonly<Record<string, number>>;
}

/** One point of the grid. */
export interface Cell {
  /** stable key: JSON of the axis values in axis order */
  key: string;
  /** values of the swept axes */
  axes: Record<string, number | string>;
}

/** A trial of a sweep as readers see it. */
export interface ViewTrial {
  id: string;
  cellKey: string;
  seed: number;
  /** the engine planned for it (absent in old plans) */
  engine?: string;
  /** its resolved configuration: present in a freshly planned sweep, absent in a stored plan (its journal record has it) */
  config?: TrialConfig;
}

/** A sweep, its axes (in file order), cells (grid points, first axis slowest) and trials (cell × seed). */
export interface SweepView {
  sweep: Sweep;
  axes: string[];
  cells: Cell[];
  trials: readonly ViewTrial[];
}
