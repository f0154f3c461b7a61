/**
 * Checkpoint metrics, regime classification (SPEC §3 table), event times and
 * majority regime, on hand-made inputs whose answers follow from the
 * definitions.
 */
import { describe, expect, it } from 'vitest';
import { checkpointMetrics, classifyRegime, divergedCheckpoint, eventTimes, isUntrained, majorityRegime } from '../../src/outcome/metrics.js';
import type { Checkpoint, Regime } from '../../src/core/records.js';

const DELTA = 0.05;

describe('classifyRegime (SPEC §3 table)', () => {
  it.each([
    // cleanFit, noisyFit, testError, expected
    [1, 0, 0.01, 'not-overfitting'],
    [1, 0, 0, 'not-overfitting'],
    [1, 1, 0.01, 'benign-overfitting'],
    [1, 1, 0.049, 'benign-overfitting'],
    [1, 1, 0.05, 'harmful-overfitting'], // test error = δ is not < δ
    [1, 1, 0.4, 'harmful-overfitting'],
    [1, 0.5, 0.01, 'partial'], // some noise memorised
    [1, 0.5, 0.4, 'partial'],
    [0.9, 1, 0.01, 'partial'], // clean not all fit
    [0.9, 0, 0.01, 'partial'],
    [0, 0, 0.5, 'partial'],
    [1, 0, 0.3, 'partial'], // no noise memorised but does not generalise: not in the table's first three rows
  ] as const)('cleanFit=%f noisyFit=%f testError=%f → %s', (c, nf, te, expected) => {
    expect(classifyRegime(c, nf, te, DELTA)).toBe(expected);
  });

  it('uses δ as given', () => {
    expect(classifyRegime(1, 1, 0.15, 0.2)).toBe('benign-overfitting');
    expect(classifyRegime(1, 1, 0.15, 0.1)).toBe('harmful-overfitting');
  });

  it('empty noisy set: fitted and generalising is not-overfitting, fitted and not generalising is partial', () => {
    expect(classifyRegime(1, null, 0.01, DELTA)).toBe('not-overfitting');
    expect(classifyRegime(1, null, 0.3, DELTA)).toBe('partial');
    expect(classifyRegime(0.5, null, 0.01, DELTA)).toBe('partial');
  });

  it('non-finite inputs are diverged', () => {
    expect(classifyRegime(NaN, 1, 0.01, DELTA)).toBe('diverged');
    expect(classifyRegime(1, NaN, 0.01, DELTA)).toBe('diverged');
    expect(classifyRegime(1, 1, NaN, DELTA)).toBe('diverged');
    expect(classifyRegime(1, 0, Infinity, DELTA)).toBe('diverged');
  });
});

describe('checkpointMetrics', () => {
  // n = 5, T = 4; samples 1 and 4 are noisy. Observed labels y.
  const labels = { n: 5, T: 4, y: Float64Array.from([1, 1, -1, -1, -1]), noisy: Uint8Array.from([0, 1, 0, 0, 1]) };
  // f: sample 0 fit, 1 fit (noisy, memorised), 2 fit, 3 wrong, 4 f = 0 (sign 0 is never a fit)
  const f = Float64Array.from([0.3, 2, -0.1, 0.4, 0]);
  // attention rows (each sums to 1), positions: relevant, confusing, weak, irrelevant
  const a = Float64Array.from([
    0.7, 0.1, 0.1, 0.1,
    0.1, 0.5, 0.2, 0.2,
    0.4, 0.2, 0.2, 0.2,
    0.1, 0.1, 0.1, 0.7,
    0.25, 0.25, 0.25, 0.25,
  ]);
  const c = checkpointMetrics(labels, 40, 0.123, f, a, 2.5, { acc: 0.97, loss: 0.2 }, DELTA);

  it('fit fractions: trainAcc over all n, cleanFit over 𝒞, noisyFit over 𝒩 (as their noisy label)', () => {
    expect(c.trainAcc).toBe(3 / 5);
    expect(c.cleanFit).toBe(2 / 3); // samples 0, 2 fit; 3 not
    expect(c.noisyFit).toBe(1 / 2); // sample 1 memorised; 4 has f = 0
    expect(c.regime).toBe('partial');
  });

  it('attention per token kind, averaged over clean and noisy samples separately', () => {
    // clean = {0, 2, 3}
    expect(c.attnClean.relevant).toBeCloseTo((0.7 + 0.4 + 0.1) / 3, 15);
    expect(c.attnClean.confusing).toBeCloseTo((0.1 + 0.2 + 0.1) / 3, 15);
    expect(c.attnClean.weak).toBeCloseTo((0.1 + 0.2 + 0.1) / 3, 15);
    expect(c.attnClean.irrelevant).toBeCloseTo((0.1 + 0.2 + 0.7) / 3, 15); // one irrelevant token (T − 3 = 1)
    // noisy = {1, 4}
    expect(c.attnNoisy).not.toBeNull();
    expect(c.attnNoisy!.relevant).toBeCloseTo((0.1 + 0.25) / 2, 15);
    expect(c.attnNoisy!.confusing).toBeCloseTo((0.5 + 0.25) / 2, 15);
  });

  it('passes through step, losses, test accuracy and ‖p‖', () => {
    expect([c.step, c.trainLoss, c.testAcc, c.testLoss, c.pNorm]).toEqual([40, 0.123, 0.97, 0.2, 2.5]);
  });

  it('irrelevant weight is per irrelevant token (T = 5: two of them), NaN when T = 3', () => {
    const l5 = { n: 1, T: 5, y: Float64Array.from([1]), noisy: Uint8Array.from([0]) };
    const c5 = checkpointMetrics(l5, 0, 0, Float64Array.from([1]), Float64Array.from([0.2, 0.2, 0.2, 0.1, 0.3]), 0, { acc: 1, loss: 0 }, DELTA);
    expect(c5.attnClean.irrelevant).toBeCloseTo(0.2, 15);
    const l3 = { n: 1, T: 3, y: Float64Array.from([1]), noisy: Uint8Array.from([0]) };
    const c3 = checkpointMetrics(l3, 0, 0, Float64Array.from([1]), Float64Array.from([0.5, 0.25, 0.25]), 0, { acc: 1, loss: 0 }, DELTA);
    expect(c3.attnClean.irrelevant).toBeNaN();
    expect(c3.attnNoisy).toBeNull();
    expect(c3.noisyFit).toBeNull();
    expect(c3.regime).toBe('untrained'); // step 0: nothing trained yet
    const c3b = checkpointMetrics(l3, 7, 0, Float64Array.from([1]), Float64Array.from([0.5, 0.25, 0.25]), 0, { acc: 1, loss: 0 }, DELTA);
    expect(c3b.regime).toBe('not-overfitting');
  });

  it('benign overfitting: every clean and every noisy sample fit to its observed label, test error < δ', () => {
    const b = checkpointMetrics(labels, 1, 0, Float64Array.from([1, 1, -1, -1, -1]), a, 0, { acc: 0.99, loss: 0 }, DELTA);
    expect([b.cleanFit, b.noisyFit, b.trainAcc, b.regime]).toEqual([1, 1, 1, 'benign-overfitting']);
    const h = checkpointMetrics(labels, 1, 0, Float64Array.from([1, 1, -1, -1, -1]), a, 0, { acc: 0.9, loss: 0 }, DELTA);
    expect(h.regime).toBe('harmful-overfitting');
    // noisy samples predicted as their true labels (−y): not overfitting
    const nf = checkpointMetrics(labels, 1, 0, Float64Array.from([1, -1, -1, -1, 1]), a, 0, { acc: 0.99, loss: 0 }, DELTA);
    expect([nf.cleanFit, nf.noisyFit, nf.trainAcc, nf.regime]).toEqual([1, 0, 3 / 5, 'not-overfitting']);
  });

  it('divergedCheckpoint: regime diverged, metrics NaN', () => {
    const dc = divergedCheckpoint(17);
    expect(dc.step).toBe(17);
    expect(dc.regime).toBe('diverged');
    expect(dc.trainLoss).toBeNaN();
    expect(dc.testAcc).toBeNaN();
  });
});

function ck(step: number, trainAcc: number, testAcc: number, regime: Regime, noisyFit: number | null = null): Checkpoint {
  const w = { relevant: 0, confusing: 0, weak: 0, irrelevant: 0 };
  return { step, trainLoss: 0, trainAcc, cleanFit: 0, noisyFit, testAcc, testLoss: 0, attnClean: w, attnNoisy: null, pNorm: 0, regime };
}

describe('eventTimes', () => {
  it('first step of each regime, tFit, tMemorise (memorised to the end) and the lowest test error', () => {
    const seq = [
      ck(0, 0.5, 0.6, 'partial', 0),
      ck(10, 0.8, 0.97, 'partial', 0.5),
      ck(20, 1, 0.97, 'benign-overfitting', 1), // memorised, then lost at 30: not tMemorise
      ck(30, 0.9, 0.7, 'partial', 0.5),
      ck(50, 1, 0.96, 'benign-overfitting', 1),
      ck(60, 1, 0.95, 'harmful-overfitting', 1),
    ];
    const e = eventTimes(seq, DELTA);
    expect(e.tFit).toBe(20);
    expect(e.tMemorise).toBe(50);
    expect(e.bestTestStep).toBe(10); // 0.97 at 10 and 20: the first
    expect(e.bestTestError).toBeCloseTo(0.03, 15);
    // error at tMemorise 0.04; later 0.05: not below min(δ, 0.04)
    expect(e.tGeneralize).toBeNull();
    expect(e.delayedGeneralisation).toBe(false);
    expect(e.firstStep).toEqual({ partial: 0, 'benign-overfitting': 20, 'harmful-overfitting': 60 });
  });

  it('delayed generalisation: test error falls below min(δ, error at tMemorise) after tMemorise', () => {
    const seq = [
      ck(0, 0.5, 0.9, 'untrained', 0),
      ck(10, 1, 0.6, 'harmful-overfitting', 1), // tMemorise, error 0.4
      ck(20, 1, 0.7, 'harmful-overfitting', 1), // 0.3 < 0.4 but not < δ
      ck(40, 1, 0.96, 'benign-overfitting', 1), // 0.04 < min(0.05, 0.4)
    ];
    const e = eventTimes(seq, DELTA);
    expect([e.tFit, e.tMemorise, e.tGeneralize, e.delayedGeneralisation]).toEqual([10, 10, 40, true]);
    // already generalising at tMemorise (error 0.02 < δ): must fall below 0.02, which 0.03 does not
    const g = eventTimes([ck(0, 1, 0.98, 'untrained', 1), ck(10, 1, 0.97, 'benign-overfitting', 1), ck(20, 1, 0.99, 'benign-overfitting', 1)], DELTA);
    expect([g.tMemorise, g.tGeneralize]).toEqual([0, 20]);
    // generalising at the fitting checkpoint itself is not delayed generalisation (the old tGeneralize = tFit)
    const f = eventTimes([ck(0, 0.5, 0.5, 'partial', 0), ck(5, 1, 0.99, 'benign-overfitting', 1)], DELTA);
    expect([f.tFit, f.tMemorise, f.tGeneralize]).toEqual([5, 5, null]);
  });

  it('never memorised or empty noisy set: tMemorise and tGeneralize null', () => {
    expect(eventTimes([ck(0, 0.5, 0.99, 'partial', 0), ck(10, 0.9, 0.99, 'partial', 0.5)], DELTA)).toMatchObject({ tFit: null, tMemorise: null, tGeneralize: null, bestTestStep: 0 });
    expect(eventTimes([ck(0, 1, 0.5, 'partial'), ck(10, 1, 0.99, 'not-overfitting')], DELTA)).toMatchObject({ tFit: 0, tMemorise: null, tGeneralize: null, bestTestStep: 10 });
  });

  it('a diverged final checkpoint is recorded as the first diverged step, is not memorised and does not generalise', () => {
    const e = eventTimes([ck(0, 1, 0.5, 'harmful-overfitting', 1), divergedCheckpoint(3)], DELTA);
    expect(e.firstStep.diverged).toBe(3);
    expect(e.tMemorise).toBeNull();
    expect(e.tGeneralize).toBeNull();
    expect(e.bestTestStep).toBe(0);
  });
});

describe('untrained (a run that has not moved from step 0)', () => {
  const labels = { n: 2, T: 4, y: Float64Array.from([1, -1]), noisy: Uint8Array.from([0, 0]) };
  const uniform = Float64Array.from([0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
  const f = Float64Array.from([0.1, -0.1]);
  const at0 = checkpointMetrics(labels, 0, 0.6, f, uniform, 0, { acc: 0.99, loss: 0.6 }, DELTA);

  it('step 0 is untrained; a later checkpoint with the same loss and attention too, whatever the SPEC §3 table says', () => {
    expect(at0.regime).toBe('untrained');
    expect(checkpointMetrics(labels, 50, 0.6 * 0.995, f, uniform, 0, { acc: 0.99, loss: 0.6 }, DELTA, at0).regime).toBe('untrained');
    // without the step-0 reference the table applies
    expect(checkpointMetrics(labels, 50, 0.6 * 0.995, f, uniform, 0, { acc: 0.99, loss: 0.6 }, DELTA).regime).toBe('not-overfitting');
  });

  it('moved: train loss down by ≥ 1 %, or clean attention on the relevant token up by ≥ 10 %', () => {
    expect(checkpointMetrics(labels, 50, 0.6 * 0.99, f, uniform, 0, { acc: 0.99, loss: 0.6 }, DELTA, at0).regime).toBe('not-overfitting');
    const sharper = Float64Array.from([0.275, 0.25, 0.25, 0.225, 0.275, 0.25, 0.25, 0.225]); // relevant 0.275 = 1.1 × 0.25
    expect(checkpointMetrics(labels, 50, 0.6, f, sharper, 0, { acc: 0.99, loss: 0.6 }, DELTA, at0).regime).toBe('not-overfitting');
    const slightly = Float64Array.from([0.27, 0.25, 0.25, 0.23, 0.27, 0.25, 0.25, 0.23]);
    expect(checkpointMetrics(labels, 50, 0.6, f, slightly, 0, { acc: 0.99, loss: 0.6 }, DELTA, at0).regime).toBe('untrained');
    expect(isUntrained({ trainLoss: 0.7, attnClean: at0.attnClean }, at0)).toBe(true); // loss up is not training
    expect(isUntrained({ trainLoss: NaN, attnClean: at0.attnClean }, at0)).toBe(false);
  });
});

describe('majorityRegime', () => {
  it('plain majority with its share and the fractions of every regime', () => {
    const m = majorityRegime(['partial', 'benign-overfitting', 'partial']);
    expect(m.regime).toBe('partial');
    expect(m.agreement).toBeCloseTo(2 / 3, 15);
    expect(m.fractions).toEqual({ 'not-overfitting': 0, 'benign-overfitting': 1 / 3, 'harmful-overfitting': 0, partial: 2 / 3, untrained: 0, diverged: 0 });
  });

  it('ties are broken in REGIMES order (not, benign, harmful, partial, diverged), regardless of input order', () => {
    expect(majorityRegime(['partial', 'benign-overfitting']).regime).toBe('benign-overfitting');
    expect(majorityRegime(['benign-overfitting', 'partial']).regime).toBe('benign-overfitting');
    expect(majorityRegime(['diverged', 'harmful-overfitting', 'harmful-overfitting', 'diverged']).regime).toBe('harmful-overfitting');
    expect(majorityRegime(['partial', 'not-overfitting', 'diverged']).regime).toBe('not-overfitting');
    expect(majorityRegime(['partial', 'not-overfitting']).agreement).toBe(0.5);
  });

  it('empty list: null regime, agreement 0, all fractions 0', () => {
    const m = majorityRegime([]);
    expect(m.regime).toBeNull();
    expect(m.agreement).toBe(0);
    expect(Object.values(m.fractions)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
