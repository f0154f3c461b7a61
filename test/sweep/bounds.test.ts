/**
 * #14 item 4: absurd values are refused at validation or planning, naming the
 * field — before anything is written and without building per-checkpoint
 * arrays — and the memory estimate counts the test set and the checkpoints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/plan.js';
import { CHECKPOINT_BYTES, trialMemory } from '../../src/model/engines.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { requireBuild, runCli, tempDir, writeSweep } from './helpers.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { checkpointSteps, checkpointCount } from '../../src/core/schedule.js';
import { SweepSpecError } from '../../src/core/errors.js';

function refused(doc: object, pattern: RegExp): void {
  let err: unknown;
  try {
    planSweep(validateSweep({ name: 'x', ...doc }, 's.yaml'));
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(doc)).toBeInstanceOf(SweepSpecError);
  expect((err as Error).message).not.toContain('\n');
  expect((err as Error).message).toMatch(pattern);
}

describe('upper bounds name the field', () => {
  it('the values of the issue: steps, testN, T, sigma, alpha, evalEvery at 1e308', () => {
    refused({ base: { steps: 1e308 } }, /^s\.yaml: base\.steps: must be at most 1,000,000,000/);
    refused({ base: { testN: 1e308 } }, /^s\.yaml: base\.testN: must be at most/);
    refused({ base: { T: 1e308 } }, /^s\.yaml: base\.T: must be at most/);
    refused({ base: { sigma: 1e308 } }, /^s\.yaml: base\.sigma: must be at most/);
    refused({ base: { alpha: 1e308 } }, /^s\.yaml: base\.alpha: must be at most/);
    refused({ base: { evalEvery: 1e308 } }, /^s\.yaml: base\.evalEvery: must be at most/);
    refused({ grid: { snr: [1, 1e300] } }, /^s\.yaml: grid\.snr\[1\]: must be at most/);
    refused({ base: { init: { W: 'gaussian', sigmaW: 1e300 } } }, /^s\.yaml: base\.init\.sigmaW: must be at most/);
  });

  it('within the bounds, the memory estimate names what is too large: checkpoints → steps, test set → testN, model → d', () => {
    // 1e9 steps, a checkpoint every step: 1e9 × 1200 B of records alone ≈ 1 100 GiB (a list of them would not even fit in V8)
    // (no engine to suggest: the wishart engine's checkpoints are as many, and it needs d ≥ 2(nT + 2))
    refused({ base: { d: 8, n: 4, T: 3, steps: 1e9, evalEvery: 1 } }, /^steps: a trial with steps = 1000000000 and evalEvery = 1 keeps 1,000,000,001 checkpoints and needs about \d+ GiB .* — lower steps or raise evalEvery$/);
    // 1e7 test sequences × 8 tokens × (2N + 4 = 324 coordinates + 6 work arrays) × 8 B (N = 160; the rest is < 1 GiB)
    const nCk = checkpointSteps(1000, 10, DEFAULT_CONFIG.evalLog).length;
    const gib = (8 * 1e7 * 8 * (324 + 6)) / 2 ** 30;
    refused({ base: { testN: 1e7 } }, new RegExp(`^testN: a trial with testN = 10000000 test sequences of T = 8 tokens \\(${nCk} checkpoints\\) needs about ${gib.toFixed(0)} GiB`));
    refused({ base: { d: 1e7 } }, /^d: .*GiB.* — lower d or n/);
  });

  it('d up to 10¹² (issue #19): the parameter bound, the memory bound of the engines with d-sized arrays, naming the wishart engine', () => {
    refused({ base: { d: 1e12 + 1 } }, /^s\.yaml: base\.d: must be at most 1,000,000,000,000 \(got 1000000000001\)$/);
    const instead = ' — lower d or n, or use engine: wishart with init \\{W: gaussian, p: zero\\} \\(its cost does not depend on d\\)$';
    for (const engine of ['auto', 'explicit', 'reduced']) {
      refused({ base: { d: 1e12, engine } }, new RegExp(`^d: a trial with d = 1000000000000, n = 20, T = 8 needs about \\d+ GiB \\(${engine === 'auto' ? '\\w+' : engine} engine\\).*${instead}`));
    }
    // the bound is memory, not a number: the first d at which the reduced engine's 8·(8d(N+3) + 4(N+1)²) bytes plus
    // its projected test set — 8000 tokens × (m = 2N + 4 = 324 coordinates + 6), copies of E and R (d·(2N+3)),
    // 2m² — and the checkpoint records exceed 8 GiB (N = 160, nCk checkpoints)
    const nCk = checkpointCount(1000, 10, DEFAULT_CONFIG.evalLog);
    const perD = 8 * (8 * 163 + 323);
    const fixed = 8 * 4 * 161 ** 2 + 8 * (8000 * (324 + 6) + 2 * 324 ** 2) + nCk * CHECKPOINT_BYTES;
    const dMax = Math.floor((8 * 2 ** 30 - fixed) / perD);
    expect(planSweep(validateSweep({ name: 'x', base: { d: dMax, engine: 'reduced' } }, 's.yaml')).trials[0].engine).toBe('reduced');
    refused({ base: { d: dMax + 1, engine: 'reduced' } }, new RegExp(`^d: a trial with d = ${dMax + 1}, .*${instead}`));
  });

  it('the wishart engine at d = 10¹²: same memory and cost estimate as at d = 10³, the d axis and muNorm = snr·√d exact', () => {
    const init = { W: 'gaussian', p: 'zero' };
    const plan = planSweep(validateSweep({ name: 'x', base: { engine: 'wishart', init, snr: 0.5, n: 4 }, grid: { d: { logspace: [1e3, 1e12], num: 4 } } }, 's.yaml'));
    expect(plan.trials.map((t) => t.config.d)).toEqual([1e3, 1e6, 1e9, 1e12]);
    for (const t of plan.trials) {
      expect(Number.isSafeInteger(t.config.d)).toBe(true);
      expect(t.config.muNorm).toBe(0.5 * 10 ** (Math.log10(t.config.d) / 2)); // √(10^(2k)) = 10^k exactly
      expect(trialMemory(t.config, 'wishart')).toEqual(trialMemory(plan.trials[0].config, 'wishart'));
      expect(t.cost).toBe(plan.trials[0].cost);
    }
    expect(plan.trials[0].cost).toBeGreaterThan(0);
  });

  it('a muNorm derived from snr is held to the muNorm bound (snr ≤ 10⁶ at σ = 1, d = 10¹² reaches it exactly)', () => {
    const base = { engine: 'wishart', init: { W: 'gaussian', p: 'zero' }, d: 1e12 };
    expect(planSweep(validateSweep({ name: 'x', base: { ...base, snr: 1e6 } }, 's.yaml')).trials[0].config.muNorm).toBe(1e12);
    refused({ base: { ...base, snr: 1e6, sigma: 2 } }, /^base\.snr: gives muNorm = snr·sigma·√d = 2\.00e\+12 \(snr = 1000000, sigma = 2, d = 1000000000000\), above the muNorm limit 1,000,000,000,000 — lower snr \(at most 5\.00e\+5 here\)$/);
    refused({ base: { ...base, sigma: 3 }, grid: { snr: [1, 1e6] } }, /^grid\.snr: gives muNorm/);
  });

  it('checkpointCount equals the length of the checkpoint list (SPEC §3) without building it', () => {
    for (const [steps, every] of [[1, 1], [10, 10], [11, 10], [1000, 10], [999, 7], [5, 100], [123457, 1000]]) {
      for (const log of [0, 1, 7, 20]) {
        expect(checkpointCount(steps, every, log), `${steps}/${every}/${log}`).toBe(checkpointSteps(steps, every, log).length);
      }
    }
  });

  it('the estimate is the sum of its parts, in closed form for the default config (projected test set, reduced engine)', () => {
    const c = DEFAULT_CONFIG; // d 2000, n 20, T 8, 1000 steps every 10 plus evalLog per decade → nCk checkpoints, testN 1000
    const nCk = checkpointSteps(c.steps, c.evalEvery, c.evalLog).length;
    const m = trialMemory(c, 'reduced');
    const N = 160;
    expect(m.model).toBe(8 * (8 * 2000 * (N + 3) + 4 * (N + 1) ** 2));
    // 8000 test tokens × (m = 2N + 4 = 324 coordinates + 6 work arrays), copies of E and R (d·(2N+3)), Gram and factor (2m²)
    expect(m.testSet).toBe(8 * (8000 * (324 + 6) + 2000 * (2 * N + 3) + 2 * 324 * 324));
    expect(m.checkpoints).toBe(nCk * CHECKPOINT_BYTES);
    expect(m.total).toBe(m.model + m.testSet + m.checkpoints);
    // the projected set's coordinates are the whole space's below d = 2N + 4 (here d = 300 < 324): testN·T·d, no copies
    expect(trialMemory({ ...c, d: 300 }, 'reduced').testSet).toBe(8 * (8000 * (300 + 6)));
    // the wishart engine's 2(N + 2) = 324-dimensional space is always the whole space
    expect(trialMemory({ ...c, d: 1e6, engine: 'wishart', init: { W: 'gaussian', p: 'zero' } }, 'wishart').testSet).toBe(8 * (8000 * (324 + 6)));
  });
});

describe('attn-phase run with an absurd value', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    requireBuild();
    tmp = tempDir();
  });
  afterAll(() => tmp?.cleanup());

  it('testN: 1e308 exits 2 naming base.testN, nothing written', async () => {
    const file = writeSweep(tmp.dir, 'absurd', 40);
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('testN: 50', 'testN: 1e308'));
    const out = join(tmp.dir, 'absurd-out');
    const r = await runCli(['run', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/base\.testN: must be at most/);
    expect(existsSync(out)).toBe(false);
  });
});
