/**
 * Packing a sweep's remaining trials into K Slurm array tasks.
 *
 * Trials that share their dense random draws (same seed, d, n, T, init and
 * engine: `groupTrials`, SPEC §6) stay in one task, so the shared W₀ products
 * are computed once per task. Groups are placed largest estimated time first
 * on the task with the least load so far (LPT, Graham 1969: the longest task
 * is at most 4/3 of the optimum). When there are fewer groups than tasks the
 * largest groups are split in halves until every task gets work (sharing is
 * an optimisation; an idle task is worse).
 */
import { type PlannedTrial, groupTrials, secondsInOrder } from '../sweep/plan.js';

/** One array task's share. */
export interface PackedTask {
  /** 0-based task index (array index + chunk offset) */
  index: number;
  trials: PlannedTrial[];
  /** estimated seconds on one core (cost model, src/model/cost.ts) */
  cost: number;
}

/**
 * Estimated seconds of a set of trials run one after another in one worker
 * sharing draws (`secondsInOrder`, src/sweep/plan.ts): the reduced engine's
 * one-off dense products are paid once per draw key (SPEC §6).
 */
export function groupCost(trials: readonly PlannedTrial[]): number {
  return secondsInOrder(trials).reduce((a, b) => a + b, 0);
}

/**
 * Split `trials` into at most `tasks` tasks (fewer only when there are fewer
 * trials), keeping trials that share dense draws together where possible and
 * balancing the estimated time. Deterministic: same trials → same packing.
 * Task indices are 0..k-1 in decreasing estimated cost.
 *
 * @param trials  the trials still to run (any order)
 * @param tasks   K ≥ 1
 * @throws RangeError if tasks < 1
 */
export function packTrials(trials: readonly PlannedTrial[], tasks: number): PackedTask[] {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`tasks: expected an integer ≥ 1, got ${tasks}`);
  if (trials.length === 0) return [];
  // whole draw-sharing sets (no 32-trial cap: a task runs them in one worker, one after another)
  let groups = groupTrials(trials, Number.MAX_SAFE_INTEGER).map((g) => ({ key: g.key, trials: g.trials, cost: groupCost(g.trials) }));
  const k = Math.min(tasks, trials.length);
  // fewer groups than tasks: halve the costliest splittable group until there are k
  while (groups.length < k) {
    let at = -1;
    for (let i = 0; i < groups.length; i++) if (groups[i].trials.length > 1 && (at < 0 || groups[i].cost > groups[at].cost)) at = i;
    const g = groups[at];
    const half = Math.ceil(g.trials.length / 2);
    const a = g.trials.slice(0, half);
    const b = g.trials.slice(half);
    groups.splice(at, 1, { key: g.key, trials: a, cost: groupCost(a) }, { key: g.key, trials: b, cost: groupCost(b) });
  }
  groups = groups.sort((x, y) => y.cost - x.cost || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const bins = Array.from({ length: k }, () => ({ trials: [] as PlannedTrial[] }));
  const load = new Array<number>(k).fill(0);
  for (const g of groups) {
    let best = 0;
    for (let i = 1; i < k; i++) if (load[i] < load[best]) best = i;
    bins[best].trials.push(...g.trials);
    load[best] += g.cost;
  }
  return bins
    .map((b, i) => ({ trials: b.trials, cost: load[i] }))
    .filter((b) => b.trials.length > 0)
    .sort((x, y) => y.cost - x.cost)
    .map((b, index) => ({ index, trials: b.trials, cost: b.cost }));
}
