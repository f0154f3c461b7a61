/**
 * Planning: cells (grid points) × seeds = trials, each with a resolved
 * configuration and a stable id; trials sharing random draws are grouped
 * into one pool task (SPEC §6).
 */
import { createHash } from 'node:crypto';
import { ENGINES, chooseEngine, enginesInstead, trialMemory, type TrialMemory, trialSeconds } from '../model/engines.js';
import { sharedKey } from '../model/shared.js';
import { type ResolveNotes, resolveDerived, stepSizeWarnings, stepsCappedWarning } from './derived.js';
import { type TrialConfig, DEFAULT_CONFIG } from '../core/config.js';
import { type EngineName, INTEGER_PARAMS, NUMERIC_PARAMS, PARAM_SCHEMAS, type ParamName, type ParamValue } from '../core/params.js';
import type { Sweep, Cell, SweepView } from '../core/view.js';
import { SweepSpecError } from '../core/errors.js';
import { checkpointCount } from '../core/schedule.js';

/** One trial: a cell and a seed, fully resolved. */
export interface PlannedTrial {
  id: string;
  cellKey: string;
  seed: number;
  config: TrialConfig;
  /** engine the cost model picks (recorded with the trial) */
  engine: EngineName;
  /** estimated seconds of the trial computed alone on one core (`trialSeconds`, src/model/cost.ts) */
  cost: number;
}

/** A pool task: trials that share their dense random draws. */
export interface TrialGroup {
  key: string;
  trials: PlannedTrial[];
  cost: number;
}

/** A planned sweep: the view every reader takes (src/core/view.ts), with each trial resolved, costed and given its engine. */
export interface Plan extends SweepView {
  trials: PlannedTrial[];
  /** one-line warnings to print once per sweep (a binding maxSteps, the step-size guard; src/sweep/derived.ts) */
  warnings: string[];
}

/** JSON with object keys sorted recursively (canonical form for hashing). */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/** Stable trial id: first 16 hex digits of sha256(canonical config, seed). */
export function trialId(config: TrialConfig, seed: number): string {
  return createHash('sha256').update(canonicalJson({ config, seed })).digest('hex').slice(0, 16);
}

/**
 * Resolve the configuration of one cell: defaults ⊕ base ⊕ cell values,
 * muNorm from snr when the sweep fixes snr (SPEC §1), expressions and
 * `steps: { tau: k }` evaluated in dependency order (src/sweep/derived.ts).
 *
 * @param notes  filled with what planning reports (a binding maxSteps)
 * @throws SweepSpecError naming the field (base.<name> or grid.<name>) on a
 *   bad expression, a cycle or an invalid resolved value
 */
export function resolveConfig(base: Partial<Record<string, ParamValue>>, values: Record<string, ParamValue>, notes?: ResolveNotes): TrialConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG, ...base, ...values };
  const init = { ...DEFAULT_CONFIG.init, ...((base.init as object) ?? {}), ...((values.init as object) ?? {}) };
  merged.init = init;
  const whereOf = (name: string) => (name in values ? `grid.${name}` : name in base ? `base.${name}` : name);
  const validate = (name: string, v: unknown, where: string) => {
    const r = PARAM_SCHEMAS[name as ParamName]?.safeParse(v);
    if (r && !r.success) throw new SweepSpecError(`${where}: ${r.error.issues[0].message} (got ${JSON.stringify(v)})`);
  };
  return resolveDerived(merged, NUMERIC_PARAMS, INTEGER_PARAMS, validate, whereOf, notes);
}

/** Default largest estimated memory of one trial (GiB) that planning accepts. */
export const MAX_TRIAL_GIB = 8;

/** The limit in force: env ATTN_PHASE_MAX_TRIAL_GIB (for bigger machines), else MAX_TRIAL_GIB. */
export function maxTrialGib(): number {
  const v = Number(process.env.ATTN_PHASE_MAX_TRIAL_GIB);
  return Number.isFinite(v) && v > 0 ? v : MAX_TRIAL_GIB;
}

/**
 * The one-line error of a trial over the memory limit, naming the parameter
 * whose part is largest, and the engine whose trial would fit
 * ({@link enginesInstead}: wishart, for a d too large for the others).
 */
function memoryError(cfg: TrialConfig, engine: EngineName, m: TrialMemory, nCk: number): SweepSpecError {
  const gib = (b: number) => (b / 2 ** 30 >= 10 ? (b / 2 ** 30).toFixed(0) : (b / 2 ** 30).toPrecision(2));
  const N = cfg.n * cfg.T;
  const head = `needs about ${gib(m.total)} GiB (${engine} engine); the limit is ${maxTrialGib()} GiB (ATTN_PHASE_MAX_TRIAL_GIB)`;
  const instead = enginesInstead(cfg, engine, maxTrialGib() * 2 ** 30, nCk).map((s) => `, or ${s}`).join('');
  const largest = Math.max(m.model, m.testSet, m.checkpoints);
  if (m.checkpoints === largest) {
    return new SweepSpecError(`steps: a trial with steps = ${cfg.steps} and evalEvery = ${cfg.evalEvery} keeps ${nCk.toLocaleString('en')} checkpoints and ${head} — lower steps or raise evalEvery${instead}`);
  }
  if (m.testSet === largest) {
    return new SweepSpecError(`testN: a trial with testN = ${cfg.testN} test sequences of T = ${cfg.T} tokens (${nCk.toLocaleString('en')} checkpoints) ${head} — lower testN${instead}`);
  }
  const field = cfg.d >= N ? 'd' : cfg.n >= cfg.T ? 'n' : 'T';
  return new SweepSpecError(`${field}: a trial with d = ${cfg.d}, n = ${cfg.n}, T = ${cfg.T} ${head} — lower ${field === 'd' ? 'd or n' : field}${instead}`);
}

/** Expand a sweep into cells and trials (axes in file order; first axis varies slowest). */
export function planSweep(sweep: Sweep): Plan {
  const cells: Cell[] = [];
  const trials: PlannedTrial[] = [];
  const combos: Record<string, ParamValue>[] = [{}];
  for (const axis of sweep.axes) {
    const next: Record<string, ParamValue>[] = [];
    for (const c of combos) for (const v of axis.values) next.push({ ...c, [axis.name]: v });
    combos.splice(0, combos.length, ...next);
  }
  const seen = new Set<string>();
  const configs: { label: string; config: TrialConfig }[] = [];
  const capped: Parameters<typeof stepsCappedWarning>[0][number][] = [];
  for (const values of combos) {
    const notes: ResolveNotes = {};
    const config = resolveConfig(sweep.base, values, notes);
    const axesVals: Record<string, number | string> = {};
    for (const a of sweep.axes) {
      const v = values[a.name];
      // an object value (init) is shown resolved, defaults filled in
      axesVals[a.name] = typeof v === 'object' ? canonicalJson((config as Record<string, unknown>)[a.name]) : v;
    }
    const key = JSON.stringify(sweep.axes.map((a) => axesVals[a.name]));
    cells.push({ key, axes: axesVals });
    const label = sweep.axes.map((a) => `${a.name}=${axesVals[a.name]}`).join(', ') || 'the cell';
    configs.push({ label, config });
    if (notes.stepsCapped) capped.push({ label, stepsCapped: notes.stepsCapped });
    const nCk = checkpointCount(config.steps, config.evalEvery, config.evalLog); // a count: no per-checkpoint array before a trial starts
    const engine = chooseEngine(config, nCk);
    const unsupported = ENGINES[engine].configError(config);
    if (unsupported) throw new SweepSpecError(unsupported);
    const memory = trialMemory(config, engine, nCk);
    if (memory.total / 2 ** 30 > maxTrialGib()) throw memoryError(config, engine, memory, nCk);
    const cost = trialSeconds(config, engine, nCk);
    for (const seed of sweep.seeds) {
      const id = trialId(config, seed);
      if (seen.has(id)) continue; // identical trials (e.g. rounded grid values) run once
      seen.add(id);
      trials.push({ id, cellKey: key, seed, config, engine, cost });
    }
  }
  const warnings = [...stepsCappedWarning(capped, configs.length), ...stepSizeWarnings(configs)];
  return { sweep, axes: sweep.axes.map((a) => a.name), cells, trials, warnings };
}

/** Key of the trials that share dense draws (SPEC §6) and run as one group: engine, seed, d, n, T, init. */
function drawGroupKey(t: PlannedTrial): string {
  return `${t.engine}|${sharedKey(t.config, t.seed)}`;
}

/**
 * Estimated seconds of each of `trials` run one after another in one worker
 * (`trialSeconds`, src/model/engines.ts): each trial's own `cost`, except that a
 * trial whose dense draws (and test-set normals) an earlier one of the list
 * already computed (same draw key) does not pay for them again.
 *
 * @returns seconds, in the order of `trials`
 */
export function secondsInOrder(trials: readonly PlannedTrial[]): number[] {
  const paid = new Set<string>();
  return trials.map((t) => {
    const key = drawGroupKey(t);
    if (!paid.has(key)) {
      paid.add(key);
      return t.cost;
    }
    return trialSeconds(t.config, t.engine, checkpointCount(t.config.steps, t.config.evalEvery, t.config.evalLog), true);
  });
}

/**
 * Group trials that share dense draws (same seed, d, n, T, init; SPEC §6)
 * into pool tasks of at most `maxGroup` trials; largest estimated cost first
 * so the pool finishes evenly.
 */
export function groupTrials(trials: readonly PlannedTrial[], maxGroup = 32): TrialGroup[] {
  const byKey = new Map<string, PlannedTrial[]>();
  for (const t of trials) {
    const k = drawGroupKey(t);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(t);
  }
  const groups: TrialGroup[] = [];
  for (const [key, list] of byKey) {
    for (let i = 0; i < list.length; i += maxGroup) {
      const chunk = list.slice(i, i + maxGroup);
      groups.push({ key, trials: chunk, cost: chunk.reduce((s, t) => s + t.cost, 0) });
    }
  }
  groups.sort((a, b) => b.cost - a.cost);
  return groups;
}
