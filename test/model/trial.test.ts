/**
 * One trial end to end (runTrial): checkpoint schedule (SPEC §3), the state at
 * step 0 reconstructed independently from the seed's streams (with p₀ = 0,
 * u = Wᵀp = 0, so every logit is 0 and attention is uniform: f_i is the mean
 * of νᵀx over the sequence), divergence reported rather than thrown.
 */
import { describe, expect, it } from 'vitest';
import { drawLabels, drawTokenNoise } from '../../src/model/data.js';
import { stream } from '../../src/model/rng.js';
import { runTrial } from '../../src/model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';

function cfgOf(over: Partial<TrialConfig>): TrialConfig {
  return { ...DEFAULT_CONFIG, ...over, init: { ...DEFAULT_CONFIG.init, ...(over.init ?? {}) } };
}

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

describe('checkpoint schedule', () => {
  it.each([
    [35, 10, [0, 10, 20, 30, 35]],
    [30, 10, [0, 10, 20, 30]],
    [5, 1, [0, 1, 2, 3, 4, 5]],
    [7, 7, [0, 7]],
  ])('steps=%i, evalEvery=%i → %j', (steps, evalEvery, expected) => {
    const o = runTrial(cfgOf({ d: 6, n: 4, T: 3, steps, evalEvery, evalLog: 0, testN: 20, alpha: 0.05 }), 0);
    expect(o.checkpoints.map((c) => c.step)).toEqual(expected);
    expect(o.final).toBe(o.checkpoints[o.checkpoints.length - 1]);
    expect(o.regime).toBe(o.final.regime);
  });

  it('with evalLog the engines evaluate at the logarithmic points too (the list of checkpointSteps)', () => {
    const o = runTrial(cfgOf({ d: 6, n: 4, T: 3, steps: 100, evalEvery: 50, evalLog: 2, testN: 20, alpha: 0.05 }), 0);
    expect(o.checkpoints.map((c) => c.step)).toEqual([0, 1, 3, 10, 32, 50, 100]); // round(10^(k/2)) ∪ every 50
  });
});

describe('step 0 with p₀ = 0, reconstructed from the streams', () => {
  const n = 10, T = 4, muNorm = 1.5, rho = 0.2, sigma = 0.8, nuScale = 1.3, testN = 300, seed = 12;
  const nu0 = nuScale / (Math.SQRT2 * muNorm); // ν = ν₀(e₁ − e₂), SPEC §2

  /** νᵀm for the signal m of position t of a sequence with true label y (SPEC §1). */
  const signalDotNu = (t: number, y: number) => (t === 0 ? y : t === 1 ? -rho * y : t === 2 ? rho * y : 0) * muNorm * nu0;

  // d = 9 < 2N + 4 = 84: the projected set's basis is the whole space; d = 100: the trial's fixed subspace
  it.each([['projected', 9], ['projected', 100], ['explicit', 9]] as const)('test set %s, d = %i: train loss/fit, attention 1/T, ‖p‖ = 0, test accuracy and loss', (test, d) => {
    const cfg = cfgOf({ d, n, T, muNorm, rho, sigma, nuScale, eta: 0.3, testN, test, steps: 3, evalEvery: 1, alpha: 0.1 });
    const c0 = runTrial(cfg, seed).checkpoints[0];
    expect(c0.step).toBe(0);
    expect(c0.pNorm).toBe(0);
    for (const k of ['relevant', 'confusing', 'weak', 'irrelevant'] as const) expect(c0.attnClean[k]).toBeCloseTo(1 / T, 15);
    expect(c0.attnNoisy?.relevant).toBeCloseTo(1 / T, 15);

    // training: f_i = (1/T) Σ_t νᵀx_it, x = σE + m
    const L = drawLabels(cfg, seed);
    const E = drawTokenNoise(seed, n, T, d);
    let loss = 0, fitClean = 0, nClean = 0, fitNoisy = 0, nNoisy = 0;
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let t = 0; t < T; t++) {
        const o = (i * T + t) * d;
        f += (signalDotNu(t, L.yTrue[i]) + sigma * nu0 * (E[o] - E[o + 1])) / T;
      }
      loss += softplus(-L.y[i] * f) / n;
      const fit = Math.sign(f) === L.y[i];
      if (L.noisy[i]) { nNoisy++; if (fit) fitNoisy++; } else { nClean++; if (fit) fitClean++; }
    }
    expect(nNoisy).toBe(3); // round(0.3·10)
    expect(c0.trainLoss).toBeCloseTo(loss, 12);
    expect(c0.cleanFit).toBe(fitClean / nClean);
    expect(c0.noisyFit).toBe(fitNoisy / nNoisy);
    expect(c0.trainAcc).toBe((fitClean + fitNoisy) / n);

    // test: balanced true labels; ξᵀν = ν₀(ξ₁ − ξ₂) from the `test-noise` stream, whose k-th block of
    // testN·T normals is coordinate k of every token — along e_k for both sets (the fixed subspace's
    // first two basis directions are e₁, e₂)
    const NT = testN * T;
    const g = stream(seed, 'test-noise').fillNormal(new Float64Array(2 * NT));
    let tl = 0, correct = 0;
    for (let i = 0; i < testN; i++) {
      const y = i < Math.floor(testN / 2) ? 1 : -1;
      let f = 0;
      for (let t = 0; t < T; t++) {
        const j = i * T + t;
        const xiNu = nu0 * (g[j] - g[NT + j]);
        f += (signalDotNu(t, y) + sigma * xiNu) / T;
      }
      tl += softplus(-y * f) / testN;
      if (y * f > 0) correct++;
    }
    expect(c0.testAcc).toBe(correct / testN);
    expect(c0.testLoss).toBeCloseTo(tl, 12);
  });
});

describe('noise-free training and divergence', () => {
  it('η = 0: noisyFit and attnNoisy are null, and the regime never claims memorised noise', () => {
    const o = runTrial(cfgOf({ d: 8, n: 6, T: 3, eta: 0, muNorm: 4, steps: 40, evalEvery: 10, testN: 100, alpha: 0.3 }), 2);
    for (const c of o.checkpoints) {
      expect(c.noisyFit).toBeNull();
      expect(c.attnNoisy).toBeNull();
      expect(['benign-overfitting', 'harmful-overfitting']).not.toContain(c.regime);
    }
  });

  it.each(['explicit', 'reduced'] as const)('%s: overflowing weights give a diverged final checkpoint, not a crash', (engine) => {
    // After one step p and W move by O(α), so logits s = X Wᵀp are O(α²): with α = 1e200 they overflow to ±∞.
    const o = runTrial(cfgOf({ d: 10, n: 4, T: 3, steps: 50, evalEvery: 10, testN: 50, alpha: 1e200, engine, init: { W: 'uniform', p: 'gaussian' } }), 1);
    expect(o.diverged).toBe(true);
    expect(o.regime).toBe('diverged');
    expect(o.final.regime).toBe('diverged');
    expect(o.checkpoints.map((c) => c.step)).toEqual([0, 1]);
    expect(o.checkpoints[0].regime).not.toBe('diverged');
    expect(o.events.firstStep.diverged).toBe(1);
    expect(o.final.trainLoss).toBeNaN();
  });

  it('event times agree with the checkpoint sequence (tFit = first trainAcc 1; the lowest test error)', () => {
    const cfg = cfgOf({ d: 12, n: 6, T: 3, eta: 0, muNorm: 6, steps: 100, evalEvery: 5, testN: 200, alpha: 0.5 });
    const o = runTrial(cfg, 3);
    const fit = o.checkpoints.find((c) => c.trainAcc === 1);
    expect(fit).toBeDefined(); // noise-free, high SNR: the training set is fitted (else this test is vacuous)
    expect(o.events.tFit).toBe(fit ? fit.step : null);
    const errs = o.checkpoints.map((c) => 1 - c.testAcc);
    expect(o.events.bestTestError).toBe(Math.min(...errs));
    expect(o.events.bestTestStep).toBe(o.checkpoints[errs.indexOf(Math.min(...errs))].step);
    expect(o.events.tMemorise).toBeNull(); // η = 0: nothing to memorise, so no delayed generalisation either
    expect(o.events.tGeneralize).toBeNull();
  });
});
