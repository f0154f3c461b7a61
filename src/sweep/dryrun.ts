/**
 * `run --dry-run`: what a sweep would do — cells, trials, the engine of each
 * cell, estimated time on the given workers and peak memory per worker —
 * computed from the plan and the cost model (src/model/cost.ts) alone.
 * Nothing is run, nothing is written.
 */
import { type Plan, groupTrials } from './plan.js';
import { trialMemoryBytes } from '../model/engines.js';
import { trialEstimates } from './progress.js';
import { assessAssumptions } from '../outcome/assumptions.js';

/** The estimate of one cell. */
export interface CellEstimate {
  cellKey: string;
  axes: Record<string, number | string>;
  /** trials of the cell (its seeds, duplicates merged) */
  trials: number;
  /** engine of its trials (the cost model's choice, or the forced one) */
  engine: string;
  /** estimated seconds of one of its trials on one core (mean over its seeds; dense draws shared within a group counted once) */
  secondsPerTrial: number;
  /** estimated peak memory of one trial (bytes) */
  memoryBytes: number;
  /** where it stands with respect to the theorem's assumptions (SPEC §9): `inside` or `outside: …` */
  assumptions: string;
}

/** The estimate of a whole sweep. */
export interface PlanEstimate {
  cells: CellEstimate[];
  trials: number;
  workers: number;
  /** estimated total work, seconds on one core (dense draws shared within a group counted once) */
  cpuSeconds: number;
  /** estimated wall time on `workers` workers: groups placed largest first on the least-loaded worker */
  wallSeconds: number;
  /** estimated peak memory of one worker: its largest trial (bytes) */
  peakWorkerBytes: number;
  /** trials per engine */
  engines: Record<string, number>;
}

/**
 * Estimate a plan on `workers` workers. Seconds per trial are the ones the
 * run's ETA starts from (`trialEstimates`, src/sweep/progress.ts: the cost
 * model plus checkpoint evaluation, dense draws shared within a group counted
 * once); groups are placed largest first on the least-loaded worker. The cost
 * model is calibrated on the 2-core development machine: expect the real
 * time within a small factor elsewhere (the running ETA calibrates itself).
 */
export function estimatePlan(plan: Plan, workers: number): PlanEstimate {
  const seconds = trialEstimates(plan.trials);
  const byCell = new Map<string, CellEstimate>();
  const engines: Record<string, number> = {};
  for (const t of plan.trials) {
    engines[t.engine] = (engines[t.engine] ?? 0) + 1;
    let c = byCell.get(t.cellKey);
    if (!c) {
      const cell = plan.cells.find((x) => x.key === t.cellKey);
      c = {
        cellKey: t.cellKey, axes: cell?.axes ?? {}, trials: 0, engine: t.engine, secondsPerTrial: 0, memoryBytes: trialMemoryBytes(t.config, t.engine),
        assumptions: assessAssumptions(t.config, plan.sweep.assumptions).label,
      };
      byCell.set(t.cellKey, c);
    }
    c.secondsPerTrial = (c.secondsPerTrial * c.trials + (seconds.get(t.id) ?? t.cost)) / (c.trials + 1);
    c.trials++;
  }
  const loads = new Array<number>(Math.max(1, workers)).fill(0);
  let cpuSeconds = 0;
  for (const g of groupTrials(plan.trials)) {
    const s = g.trials.reduce((sum, t) => sum + (seconds.get(t.id) ?? t.cost), 0);
    cpuSeconds += s;
    let i = 0;
    for (let k = 1; k < loads.length; k++) if (loads[k] < loads[i]) i = k;
    loads[i] += s;
  }
  const cells = plan.cells.map((c) => byCell.get(c.key)).filter((c): c is CellEstimate => c !== undefined);
  return {
    cells,
    trials: plan.trials.length,
    workers,
    cpuSeconds,
    wallSeconds: Math.max(...loads),
    peakWorkerBytes: Math.max(0, ...cells.map((c) => c.memoryBytes)),
    engines,
  };
}

function seconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "theorem's assumptions: k of m cells inside (…); outside: snr-dimension 12, …" (SPEC §9, docs/assumptions.md). */
export function insideLine(cells: readonly Pick<CellEstimate, 'assumptions'>[]): string {
  const inside = cells.filter((c) => c.assumptions === 'inside').length;
  const why = new Map<string, number>();
  for (const c of cells) if (c.assumptions !== 'inside') for (const w of c.assumptions.replace(/^outside: /, '').split(', ')) why.set(w, (why.get(w) ?? 0) + 1);
  return `theorem's assumptions: ${inside} of ${cells.length} cells inside (docs/assumptions.md)${why.size ? `; outside: ${[...why].map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`;
}

function bytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * The dry-run report: a header, one line per cell (axis values, trials,
 * engine, seconds per trial, memory per trial) and the totals.
 */
export function formatDryRun(plan: Plan, e: PlanEstimate, outDir: string): string {
  const lines = [
    `sweep ${plan.sweep.name} (dry run: nothing is run or written; output would go to ${outDir})`,
    `${e.cells.length} cells × ${plan.sweep.seeds.length} seeds = ${e.trials} trials; engines: ${Object.entries(e.engines).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '',
    ['cell', ...plan.axes, 'trials', 'engine', 's/trial', 'memory/trial', 'assumptions'].join('\t'),
    ...e.cells.map((c, i) => [i, ...plan.axes.map((a) => { const v = c.axes[a]; return typeof v === 'number' ? Number(v.toPrecision(4)) : v; }), c.trials, c.engine, c.secondsPerTrial.toPrecision(3), bytes(c.memoryBytes), c.assumptions].join('\t')),
    '',
    `estimated time: ${seconds(e.wallSeconds)} on ${e.workers} worker(s) (${seconds(e.cpuSeconds)} of work on one core; cost model, src/model/cost.ts)`,
    `estimated peak memory per worker: ${bytes(e.peakWorkerBytes)}`,
    insideLine(e.cells),
  ];
  return `${lines.join('\n')}\n`;
}
