/**
 * The layout of an output folder: the name of every file and folder attn-phase
 * writes there, and the one function that builds their paths. The sweep
 * layer's OutputFolder (src/sweep/folder.ts: lock, journal, plan) and the plot
 * layer (figures, tables, report) both take their paths from here, so the
 * layout is written down once.
 *
 * * `run.lock/` — the one-writer lock (src/sweep/lock.ts);
 * * `run.json` — who holds (or last held) the lock;
 * * `plan.json` — the resolved plan (trial ids, cells), written when a run starts;
 * * `sweep.yaml` — the resolved sweep (every parameter given explicitly);
 * * `results.jsonl` — the journal of the folder's lock holder;
 * * `journal/<writer>.jsonl` — journal shards, one writer per file (e.g. one per Slurm task);
 * * `slurm/` — Slurm submissions (src/slurm/manifest.ts);
 * * `cells.csv`, `trials.csv`, `boundary.json`, `report.html` and the
 *   figures `<name>.vl.json|svg|png|pdf` — what a render writes;
 * * a `train` folder: `trial.json`, `trajectory.csv` and the trajectory figure.
 */
import { join } from 'node:path';

/** File and folder names of an output folder. */
export const LAYOUT = {
  lock: 'run.lock',
  runInfo: 'run.json',
  plan: 'plan.json',
  sweep: 'sweep.yaml',
  journal: 'results.jsonl',
  shards: 'journal',
  slurm: 'slurm',
  cells: 'cells.csv',
  trials: 'trials.csv',
  boundary: 'boundary.json',
  report: 'report.html',
  /** a `train` folder: the trial and its checkpoints */
  trial: 'trial.json',
  trajectory: 'trajectory.csv',
} as const;

/** The file of a figure in a given format: `<name>.vl.json` (its spec with data), `.svg`, `.png`, `.pdf`. */
export function figureFileName(name: string, format: 'spec' | 'svg' | 'png' | 'pdf'): string {
  return format === 'spec' ? `${name}.vl.json` : `${name}.${format}`;
}

/**
 * Path of a file of the folder `dir`, e.g. `folderPath(dir, LAYOUT.cells)`.
 * @throws Error if `name` is not a plain file name (no separators, not `.`/`..`)
 */
export function folderPath(dir: string, name: string): string {
  if (!name || name.includes('/') || name === '.' || name === '..') throw new Error(`folderPath: not a plain file name: ${JSON.stringify(name)}`);
  return join(dir, name);
}
