/**
 * Packing trials into array tasks, chunking under MaxArraySize, parsing
 * Slurm's outputs, and the shard names of task incarnations — no cluster needed.
 */
import { describe, expect, it } from 'vitest';
import { checkpointSteps } from '../../src/core/schedule.js';
import { KERNEL_RATES, NORMAL_S, engineCosts } from '../../src/model/cost.js';
import { sharedKey } from '../../src/model/shared.js';
import { taskWriterName } from '../../src/slurm/manifest.js';
import { groupCost, packTrials } from '../../src/slurm/pack.js';
import { arrayChunks, maxArraySize, parseSqueue } from '../../src/slurm/slurm.js';
import { arraySpec } from '../../src/slurm/submit.js';
import { planSweep } from '../../src/sweep/plan.js';
import { validateSweep } from '../../src/sweep/spec.js';

/** 5 snr × 4 n × 3 seeds = 60 trials in 12 draw-sharing sets (n, seed) of unequal cost (cost grows with n). */
const plan = planSweep(validateSweep({
  name: 'pack', base: { d: 300, T: 4, steps: 200 }, grid: { snr: [0.1, 0.3, 1, 3, 10], n: [5, 10, 20, 40] }, seeds: 3,
}));
const drawKey = (t: (typeof plan.trials)[number]) => `${t.engine}|${sharedKey(t.config, t.seed)}`;

describe('packTrials', () => {
  it('keeps every set of trials sharing dense draws in one task, covers each trial once, and balances within one set of the mean', () => {
    const K = 5;
    const tasks = packTrials(plan.trials, K);
    expect(tasks.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    const ids = tasks.flatMap((t) => t.trials.map((x) => x.id));
    expect(ids.sort()).toEqual(plan.trials.map((t) => t.id).sort());
    const taskOfKey = new Map<string, number>();
    for (const t of tasks) for (const x of t.trials) {
      const k = drawKey(x);
      expect(taskOfKey.get(k) ?? t.index).toBe(t.index);
      taskOfKey.set(k, t.index);
    }
    // greedy list scheduling (largest first onto the least loaded task): the longest task exceeds
    // the mean load by at most the largest set's cost (Graham's bound)
    const sets = new Map<string, typeof plan.trials>();
    for (const t of plan.trials) sets.set(drawKey(t), [...(sets.get(drawKey(t)) ?? []), t]);
    const costs = [...sets.values()].map(groupCost);
    const total = costs.reduce((a, b) => a + b, 0);
    expect(tasks.reduce((s, t) => s + t.cost, 0)).toBeCloseTo(total, 6);
    expect(Math.max(...tasks.map((t) => t.cost))).toBeLessThanOrEqual(total / K + Math.max(...costs) + 1e-9);
    // task 0 is the costliest
    for (const t of tasks) expect(t.cost).toBeLessThanOrEqual(tasks[0].cost);
  });

  it('splits draw-sharing sets only when there are fewer sets than tasks, and never makes more tasks than trials', () => {
    const few = plan.trials.filter((t) => t.config.n === 40 && t.seed === 0); // one set of 5 trials
    const tasks = packTrials(few, 3);
    expect(tasks).toHaveLength(3);
    expect(tasks.map((t) => t.trials.length).sort()).toEqual([1, 2, 2]);
    expect(packTrials(few, 9)).toHaveLength(5);
    expect(packTrials([], 4)).toEqual([]);
    expect(() => packTrials(few, 0)).toThrow(/tasks/);
  });

  it('is deterministic', () => {
    const a = packTrials(plan.trials, 7).map((t) => t.trials.map((x) => x.id));
    const b = packTrials([...plan.trials].reverse(), 7).map((t) => t.trials.map((x) => x.id).sort());
    expect(a.map((x) => [...x].sort())).toEqual(b);
  });

  it('a reduced-engine set pays its shared dense products and test-set normals once (cost model)', () => {
    const reduced = planSweep(validateSweep({ name: 'r', base: { d: 300, T: 4, steps: 200, n: 40, engine: 'reduced' }, grid: { snr: [0.1, 1, 10] } }));
    const set = reduced.trials;
    expect(set.every((t) => t.engine === 'reduced')).toBe(true);
    const alone = set.map((t) => groupCost([t])).reduce((a, b) => a + b, 0);
    const t0 = set[0];
    const dense = engineCosts(t0.config, checkpointSteps(t0.config.steps, t0.config.evalEvery).length).reducedMacs.dense / KERNEL_RATES.reducedDense;
    expect(dense).toBeGreaterThan(0);
    // the projected test set's testN·T·min(d, 2N + 4) normals (here d = 300 < 324: the whole space), drawn once per seed and shape
    const normals = NORMAL_S * 1000 * 4 * 300;
    expect(groupCost(set)).toBeCloseTo(alone - (set.length - 1) * (dense + normals), 9);
  });
});

describe('array chunks under MaxArraySize', () => {
  it('cover task indices 0…K−1 once, each array index < MaxArraySize', () => {
    for (const [K, max] of [[1, 1001], [1001, 1001], [1002, 1001], [2500, 1001], [7, 3]]) {
      const chunks = arrayChunks(K, max);
      const covered: number[] = [];
      for (const c of chunks) {
        expect(c.count - 1).toBeLessThan(max);
        for (let i = 0; i < c.count; i++) covered.push(c.offset + i);
      }
      expect(covered).toEqual(Array.from({ length: K }, (_, i) => i));
    }
    expect(arraySpec({ offset: 1001, count: 499 }, 20)).toBe('0-498%20');
    expect(arraySpec({ offset: 0, count: 3 })).toBe('0-2');
  });

  it('reads MaxArraySize from `scontrol show config` (Slurm default 1001 when absent)', () => {
    expect(maxArraySize('AccountingStorageType   = (null)\nMaxArraySize            = 40001\nMaxJobCount = 10000\n')).toBe(40001);
    expect(maxArraySize('MaxJobCount = 10000\n')).toBe(1001);
  });
});

describe('squeue output and shard names', () => {
  it('parses array elements, pending ranges and plain jobs', () => {
    const q = parseSqueue('12_0|12|0|RUNNING|None\n12_[1-2%1]|12|N/A|PENDING|JobArrayTaskLimit\n13|13|N/A|PENDING|Dependency\n');
    expect(q).toEqual([
      { id: '12_0', arrayJobId: '12', arrayTaskId: 0, state: 'RUNNING', reason: 'None' },
      { id: '12_[1-2%1]', arrayJobId: '12', arrayTaskId: null, state: 'PENDING', reason: 'JobArrayTaskLimit' },
      { id: '13', arrayJobId: '13', arrayTaskId: null, state: 'PENDING', reason: 'Dependency' },
    ]);
  });

  it('names one shard per incarnation: a requeued task (same job id, restart count + 1) gets a new file', () => {
    const first = taskWriterName(2, 5, { SLURM_JOB_ID: '881' });
    const requeued = taskWriterName(2, 5, { SLURM_JOB_ID: '881', SLURM_RESTART_COUNT: '1' });
    expect(first).toBe('slurm-2-5-881-r0');
    expect(requeued).toBe('slurm-2-5-881-r1');
    expect(taskWriterName(2, 5, {}, 'node 7', 42)).toBe('slurm-2-5-node_7-p42');
  });
});
