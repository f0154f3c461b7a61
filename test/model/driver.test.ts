/**
 * The kernel table (one per backend, chosen once) and the training driver
 * shared by every engine: whole trials are bit-identical between kernel
 * backends; progress is reported at every checkpoint of `checkpointSteps`;
 * the stop hook ends a trial at a checkpoint (the recorded prefix equals
 * the uninterrupted trial's); non-finite state is detected the same way by
 * every engine (SPEC §3 "diverged").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Stepper, drive } from '../../src/model/driver.js';
import { kernelBackend, kernelTable, setKernelBackend, wasmKernelsAvailable } from '../../src/model/kernels/index.js';
import { DrawCache } from '../../src/model/shared.js';
import { runTrial } from '../../src/model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';
import { checkpointSteps } from '../../src/core/schedule.js';

function cfgOf(over: Partial<TrialConfig>): TrialConfig {
  return { ...DEFAULT_CONFIG, ...over, init: { ...DEFAULT_CONFIG.init, ...(over.init ?? {}) } };
}

const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

describe('kernel table', () => {
  it('has one table per backend, named after it; unknown names are refused', () => {
    expect(kernelTable('typescript').name).toBe('typescript');
    if (wasmKernelsAvailable()) expect(kernelTable('wasm-simd').name).toBe('wasm-simd');
    expect(() => setKernelBackend('gpu' as never)).toThrow(/unknown kernel backend 'gpu'/);
  });

  it.skipIf(!wasmKernelsAvailable()).each(['explicit', 'reduced'] as const)('%s engine: whole trials are bit-identical between backends', (engine) => {
    const cfg = cfgOf({ d: 37, n: 5, T: 4, steps: 60, evalEvery: 7, testN: 50, alpha: 0.2, muNorm: 3, engine, init: { W: 'gaussian', p: 'gaussian' } });
    const out = (['typescript', 'wasm-simd'] as const).map((b) => {
      setKernelBackend(b);
      return runTrial(cfg, 4).checkpoints;
    });
    expect(out[1]).toStrictEqual(out[0]);
  });
});

describe('driver: progress and stop hooks', () => {
  const cfg = cfgOf({ d: 12, n: 5, T: 3, steps: 45, evalEvery: 10, testN: 40, alpha: 0.3, muNorm: 3 });

  it.each(['explicit', 'reduced'] as const)('%s: progress at every checkpoint of checkpointSteps, in order', (engine) => {
    const seen: number[] = [];
    const total = checkpointSteps(45, 10, cfg.evalLog).length;
    const o = runTrial({ ...cfg, engine }, 2, new DrawCache(), {
      onCheckpoint: (c, i, n) => { seen.push(c.step); expect(i).toBe(seen.length - 1); expect(n).toBe(total); },
    });
    expect(seen).toEqual(checkpointSteps(45, 10, cfg.evalLog));
    expect(o.checkpoints.map((c) => c.step)).toEqual(seen);
    expect(o.stopped).toBeUndefined();
  });

  it.each(['explicit', 'reduced'] as const)('%s: stopping at a checkpoint keeps the prefix of the full trial', (engine) => {
    const full = runTrial({ ...cfg, engine }, 2);
    let k = 0;
    const stopped = runTrial({ ...cfg, engine }, 2, new DrawCache(), { onCheckpoint: () => k++, shouldStop: () => k >= 3 });
    expect(stopped.stopped).toBe(true);
    expect(stopped.checkpoints).toStrictEqual(full.checkpoints.slice(0, 3));
  });
});

describe('divergence is detected the same way by every engine (SPEC §3; issue 14 item 3)', () => {
  // α = 1e200: after one step p = −αW₀g is ~1e200, so ‖p‖² overflows (and with
  // p₀ ≠ 0 the logits do too); the softmax saturates, the gradient vanishes and
  // the weights freeze. Every engine must call that run `diverged`, at the same step.
  const inits = [{ W: 'uniform', p: 'zero' }, { W: 'gaussian', p: 'zero' }, { W: 'uniform', p: 'gaussian' }] as const;
  const cases = inits.flatMap((init) => [20, 60].flatMap((d) => [0, 1, 2].map((seed) => ({ init, d, seed }))));
  it.each(cases)('init $init.W/$init.p, d = $d, seed $seed: every engine diverges at the same step', ({ init, d, seed }) => {
    const cfg = cfgOf({ d, n: 6, T: 3, steps: 30, evalEvery: 10, testN: 100, alpha: 1e200, init: { ...init } });
    const outs = (['explicit', 'reduced'] as const).map((engine) => runTrial({ ...cfg, engine }, seed));
    for (const o of outs) {
      expect(o.regime).toBe('diverged');
      expect(o.diverged).toBe(true);
      expect(o.checkpoints[0].regime).not.toBe('diverged');
    }
    expect(outs[1].events.firstStep.diverged).toBe(outs[0].events.firstStep.diverged);
    expect(outs[1].checkpoints.map((c) => c.step)).toEqual(outs[0].checkpoints.map((c) => c.step));
  });

  it('moderate α: no engine diverges and the regimes agree', () => {
    const cfg = cfgOf({ d: 30, n: 6, T: 3, steps: 200, evalEvery: 20, testN: 200, alpha: 0.5, muNorm: 4 });
    const outs = (['explicit', 'reduced'] as const).map((engine) => runTrial({ ...cfg, engine }, 5));
    expect(outs.map((o) => o.diverged)).toEqual([false, false]);
    expect(outs[1].checkpoints.map((c) => c.regime)).toEqual(outs[0].checkpoints.map((c) => c.regime));
  });
});

describe('driver: each non-finite quantity ends the run at its step', () => {
  type Fault = 'logits' | 'coordinates' | 'pNorm' | 'u' | 'test' | 'none';
  /** A two-sample, three-token state whose logits grow by one per update; `fault` turns non-finite at step 7. */
  function stepper(fault: Fault): Stepper & { step: number } {
    const st = {
      n: 2, T: 3, y: Float64Array.of(1, -1), v: Float64Array.of(1, 0, -1, -1, 0, 1),
      s: new Float64Array(6), e: new Float64Array(6), step: 0,
      logits() { for (let j = 0; j < 6; j++) st.s[j] = st.step * (j % 3) * 0.1; if (fault === 'logits' && st.step === 7) st.s[4] = NaN; },
      pNorm: () => (fault === 'pNorm' && st.step === 7 ? Infinity : st.step),
      finite: () => !(fault === 'coordinates' && st.step === 7),
      u: () => Float64Array.of(1, fault === 'u' && st.step === 7 ? -Infinity : 2),
      update() { st.step++; },
    };
    return st;
  }
  const checkpoints = [0, 5, 7, 10];
  it.each(['logits', 'coordinates', 'pNorm', 'u', 'test'] as const)('%s', (fault) => {
    const seen: number[] = [];
    const r = drive(stepper(fault), {
      alpha: 1, steps: 10, checkpoints,
      test: (u) => ({ acc: 1, loss: fault === 'test' && u[1] === 2 && seen.length === 2 ? NaN : 0.5 }),
      observe: (st) => { seen.push(st.step); },
    });
    expect(r).toEqual({ divergedAt: 7, stepsDone: 7 });
    expect(seen).toEqual([0, 5]);
  });
  it('no fault: every checkpoint observed, no divergence', () => {
    const seen: number[] = [];
    const r = drive(stepper('none'), { alpha: 1, steps: 10, checkpoints, test: () => ({ acc: 1, loss: 0 }), observe: (st) => { seen.push(st.step); } });
    expect(r).toEqual({ divergedAt: null, stepsDone: 10 });
    expect(seen).toEqual(checkpoints);
  });
});
