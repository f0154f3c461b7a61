/**
 * The kernel table (one per backend, chosen once) and the training driver
 * shared by every engine: whole trials are bit-identical between kernel
 * backends; progress is reported at every checkpoint of `checkpointSteps`;
 * the stop hook ends a trial at a checkpoint (the recorded prefix equals
 * the uninterrupted trial's); non-finite state is detected the same way by
 * every engine (SPEC §3 "diverged").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrialConfig, checkpointSteps } from '../../src/model/config.js';
import { kernelBackend, kernelTable, setKernelBackend, wasmKernelsAvailable } from '../../src/model/kernels/index.js';
import { DrawCache, runTrial } from '../../src/model/trial.js';

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
    const total = checkpointSteps(45, 10).length;
    const o = runTrial({ ...cfg, engine }, 2, new DrawCache(), {
      onCheckpoint: (c, i, n) => { seen.push(c.step); expect(i).toBe(seen.length - 1); expect(n).toBe(total); },
    });
    expect(seen).toEqual(checkpointSteps(45, 10));
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
