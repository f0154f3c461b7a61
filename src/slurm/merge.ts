/**
 * `attn-phase slurm merge <dir>` (the job that runs after the array, or by
 * hand): under the folder lock, fold the tasks' shards into results.jsonl
 * (folding twice adds nothing), rewrite plan.json, render the figures and
 * tables, and list the trials still missing with the `submit` command that
 * would finish them.
 */
import { summariseCells } from '../outcome/aggregate.js';
import { OutputFolder } from '../sweep/folder.js';
import { type Plan, planSweep } from '../sweep/plan.js';
import { SlurmFiles } from './manifest.js';
import { submitCommand } from './submit.js';
import type { CellSummary, TrialRecord } from '../core/records.js';
import { FolderError } from '../core/errors.js';

/** A trial of the plan with no result in any journal file. */
export interface MissingTrial {
  id: string;
  cellKey: string;
  seed: number;
  /** task of the latest submission that had it, if any */
  task: number | null;
  /** its last failure (one line), if it failed; else it never ran to the end */
  error: string | null;
}

/** What a merge did. */
export interface MergeSummary {
  outDir: string;
  submission: number;
  /** journal lines folded into results.jsonl now (0 when merged before) */
  folded: number;
  total: number;
  done: number;
  missing: MissingTrial[];
  /** the command that submits the missing trials (null when none is missing) */
  command: string | null;
  cells: CellSummary[];
  figures: string[];
  renderError?: string;
}

/** Draws the figures of a sweep; returns the files written (the CLI passes src/plot's renderer). */
export type MergeRender = (folder: OutputFolder, plan: Plan, cells: CellSummary[], records: TrialRecord[]) => Promise<string[]>;

/**
 * Merge a folder's Slurm results (see module doc).
 * @param render  draws figures and tables (none without it)
 * @throws FolderError if the folder has no Slurm submission; LockedError if a run holds it
 */
export async function mergeFolder(dir: string, render?: MergeRender): Promise<MergeSummary> {
  const folder = OutputFolder.open(dir);
  const files = new SlurmFiles(folder);
  const n = files.latest();
  if (n === null) throw new FolderError(`${dir}: no Slurm submission here (no ${files.root}/<n>/manifest.json); use \`attn-phase slurm submit\` first`);
  const manifest = files.readManifest(n);
  const lock = await folder.lock({ sweep: manifest.sweep.name, force: true, label: dir });
  try {
    // one replay serves both: folding only copies lines results.jsonl lacks, so the
    // union it yields (first line of an id wins, failures once each) is what a replay after it gives
    const journal = folder.replay();
    const folded = folder.fold(lock, journal);
    const plan = planSweep(manifest.sweep);
    folder.writePlan(plan, lock);
    const records = folder.records(plan, journal);
    const cells = summariseCells(plan.cells, records, plan.sweep.assumptions);
    const taskOf = new Map<string, number>();
    for (const t of manifest.tasks) for (const id of t.trials) taskOf.set(id, t.index);
    const missing: MissingTrial[] = plan.trials
      .filter((t) => !journal.trials.has(t.id))
      .map((t) => {
        const f = journal.failures.get(t.id);
        return { id: t.id, cellKey: t.cellKey, seed: t.seed, task: taskOf.get(t.id) ?? null, error: f?.length ? f[f.length - 1].error : null };
      });
    const summary: MergeSummary = {
      outDir: folder.dir, submission: n, folded, total: plan.trials.length, done: plan.trials.length - missing.length, missing,
      command: missing.length ? submitCommand(manifest, Math.min(manifest.settings.tasks, missing.length)) : null,
      cells, figures: [],
    };
    if (render) {
      try {
        summary.figures = await render(folder, plan, cells, records);
      } catch (e) {
        summary.renderError = e instanceof Error ? e.message : String(e);
      }
    }
    return summary;
  } finally {
    await lock.release();
  }
}
