import { type Checkpoint, type CellSummary, type Regime, REGIMES } from '../../src/core/records.js';
/**
 * Fixed small data sets for the visual regression tests: synthetic cell
 * summaries on an (snr, n) grid whose regimes follow n·SNR² (SPEC §3's
 * boundary), one cell with a 1/2 tie, one not yet run; a synthetic
 * trajectory. Deterministic (no training, no randomness).
 */

export const SNRS = [0.05, 0.0894, 0.16, 0.286, 0.512, 0.915, 1.64];
export const NS = [5, 10, 20, 40, 80, 160];

function regimeOf(snr: number, n: number): Regime {
  const x = n * snr * snr;
  if (snr < 0.1) return 'harmful-overfitting';
  if (x < 4) return 'benign-overfitting';
  if (x < 40) return 'partial';
  return 'not-overfitting';
}

function fractions(r: Regime, other?: Regime): Record<Regime, number> {
  const f = Object.fromEntries(REGIMES.map((q) => [q, 0])) as Record<Regime, number>;
  if (other) {
    f[r] = 0.5;
    f[other] = 0.5;
  } else f[r] = 1;
  return f;
}

/** 7 × 6 cells, 2 seeds each; (0.286, 20) is a tie, (1.64, 160) not yet run. */
export function fixedCells(): CellSummary[] {
  const out: CellSummary[] = [];
  for (const n of NS) {
    for (const snr of SNRS) {
      const key = `snr=${snr},n=${n}`;
      if (snr === 1.64 && n === 160) {
        out.push({ cellKey: key, axes: { snr, n }, count: 0, regime: null, agreement: 0, regimeFractions: fractions('partial'), metrics: {} });
        continue;
      }
      const r = regimeOf(snr, n);
      const tie = snr === 0.286 && n === 20;
      const x = n * snr * snr;
      const testError = 0.02 + 0.4 / (1 + 40 * snr * snr);
      const noisyFit = 1 / (1 + (x / 4) ** 2);
      out.push({
        cellKey: key,
        axes: { snr, n },
        count: 2,
        regime: tie ? 'benign-overfitting' : r,
        agreement: tie ? 0.5 : 1,
        regimeFractions: tie ? fractions('benign-overfitting', 'partial') : fractions(r),
        metrics: {
          testError: { mean: testError, sd: testError * 0.1 },
          testLoss: { mean: 0.3 + testError, sd: 0.01 },
          trainLoss: { mean: 0.69 - 0.3 * (1 - noisyFit) * 0.5, sd: 0.01 },
          noisyFit: { mean: noisyFit, sd: 0.05 },
          trainAcc: { mean: 0.8 + 0.2 * noisyFit, sd: 0 },
          cleanFit: { mean: 1, sd: 0 },
        },
      });
    }
  }
  return out;
}

/** A 300-step trajectory, checkpoints every 20 steps, noisy labels memorised late. */
export function fixedCheckpoints(): Checkpoint[] {
  const out: Checkpoint[] = [];
  for (let step = 0; step <= 300; step += 20) {
    const u = step / 300;
    const w = (rel: number, conf: number, weak: number) => ({ relevant: rel, confusing: conf, weak, irrelevant: Math.max(0, 1 - rel - conf - weak) });
    out.push({
      step,
      trainLoss: 0.69 * (1 - 0.6 * u),
      trainAcc: Math.min(1, 0.8 + 0.25 * u),
      cleanFit: Math.min(1, 0.85 + 0.3 * u),
      noisyFit: Math.min(1, 1.2 * u * u),
      testAcc: 0.7 + 0.25 * u,
      testLoss: 0.69 * (1 - 0.4 * u),
      attnClean: w(0.2 + 0.6 * u, 0.05, 0.1, ),
      attnNoisy: w(0.2 - 0.1 * u, 0.05 + 0.6 * u, 0.1),
      pNorm: 1 + 5 * u,
      regime: u < 0.7 ? 'partial' : 'benign-overfitting',
    } as Checkpoint);
  }
  return out;
}
