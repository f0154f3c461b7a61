/**
 * Small statistics for the distributional engine tests.
 *
 * Two-sample Kolmogorov–Smirnov test: no maintained npm package offers it
 * (@stdlib/stats-kstest is one-sample only), so it is written here —
 * statistic D = sup|F₁ − F₂| over the pooled sample (ties handled by stepping
 * past equal values), p-value from the Kolmogorov distribution
 * Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²} at λ = (√nₑ + 0.12 + 0.11/√nₑ)·D,
 * nₑ = n₁n₂/(n₁+n₂) (Stephens 1970; Numerical Recipes §14.3). With ties
 * (discrete metrics such as test accuracy) the test is conservative.
 * Welch's mean test comes from @stdlib/stats-ttest2, Φ from
 * @stdlib/stats-base-dists-normal-cdf.
 */
import cdf from '@stdlib/stats-base-dists-normal-cdf';
import ttest2 from '@stdlib/stats-ttest2';

/** Kolmogorov survival function Q(λ). */
function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let j = 1; j <= 200; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += (j % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Two-sample KS test: statistic D and its asymptotic p-value. */
export function ks2(a: readonly number[], b: readonly number[]): { D: number; p: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0, j = 0, D = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    D = Math.max(D, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const sq = Math.sqrt(ne);
  return { D, p: kolmogorovQ((sq + 0.12 + 0.11 / sq) * D) };
}

/** Welch two-sample t-test (two-sided) p-value; 1 when both samples are constant and equal. */
export function welchP(a: readonly number[], b: readonly number[]): number {
  const va = variance(a), vb = variance(b);
  if (va === 0 && vb === 0) return mean(a) === mean(b) ? 1 : 0;
  return ttest2(Array.from(a), Array.from(b), { variance: 'unequal' }).pValue;
}

export function mean(x: readonly number[]): number {
  return x.reduce((s, v) => s + v, 0) / x.length;
}

/** Unbiased sample variance. */
export function variance(x: readonly number[]): number {
  const m = mean(x);
  return x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
}

/** Standard normal CDF Φ. */
export function normalCdf(z: number): number {
  return cdf(z, 0, 1);
}
