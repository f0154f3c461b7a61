import type { CellSummary } from '../core/records.js';
/**
 * Locating the phase boundary on an (SNR, n) map and testing the theory's
 * slope (SPEC §3: the boundary between not-overfitting and memorising the
 * noise is `n·SNR² = const`, a line of slope −2 in log n vs log SNR).
 *
 * Per cell the *memorisation fraction* is the mean over seeds of the final
 * noisyFit, the fraction of noisy-label samples predicted as their noisy
 * label (1 for benign and harmful overfitting, 0 for not-overfitting, in
 * between for runs still memorising). Along
 * every row (fixed n, SNR varying) and every column (fixed SNR, n varying)
 * the boundary is where that fraction crosses 1/2, interpolated linearly in
 * log SNR (resp. log n). An ordinary least-squares fit of
 * `log n = a − b·log SNR` through those points gives b with a Student-t
 * confidence interval.
 */

/** A boundary crossing on the map. */
export interface BoundaryPoint {
  snr: number;
  n: number;
  /** found scanning a row (n fixed) or a column (snr fixed) */
  along: 'snr' | 'n';
}

/** Result written to boundary.json. */
export interface BoundaryFit {
  /** what was located */
  transition: 'noisy labels ignored ↔ memorised (mean final noisyFit = 1/2)';
  points: BoundaryPoint[];
  /** fitted slope b of log n = a − b·log SNR (natural logs), null with < 3 points */
  slope: number | null;
  /** intercept a */
  intercept: number | null;
  /** standard error of b */
  slopeSe: number | null;
  /** confidence level of slopeCi */
  level: number;
  slopeCi: [number, number] | null;
  /** the theory's slope */
  theorySlope: 2;
  /** intercept of the theory line through the points' centroid: mean(log n) + 2·mean(log SNR) */
  theoryIntercept: number | null;
  /** is 2 inside the interval */
  theoryInsideCi: boolean | null;
  /** n·SNR² at the centroid of the points */
  nSnr2AtCentroid: number | null;
}

/**
 * Memorisation fraction of a cell: mean final noisyFit over its seeds; when
 * that metric is missing, the share of seeds in benign or harmful
 * overfitting. NaN for an empty cell.
 */
export function memorisationFraction(c: CellSummary): number {
  if (c.count === 0) return NaN;
  const nf = c.metrics?.noisyFit?.mean;
  if (typeof nf === 'number' && Number.isFinite(nf)) return nf;
  return c.regimeFractions['benign-overfitting'] + c.regimeFractions['harmful-overfitting'];
}

/**
 * Crossings of 1/2 along a line of cells sorted by `x` (positive): for each
 * neighbouring pair with fractions on opposite sides of 1/2 (one may equal it),
 * the x where the linear interpolation in log x equals 1/2.
 */
export function crossings(xs: readonly number[], fr: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    const f0 = fr[i] - 0.5;
    const f1 = fr[i + 1] - 0.5;
    if (!Number.isFinite(f0) || !Number.isFinite(f1)) continue;
    if (f0 === 0 && f1 === 0) continue;
    if (f0 * f1 > 0) continue;
    if (f1 === 0 && i + 2 < xs.length) continue; // counted at the next pair
    const l0 = Math.log(xs[i]);
    const l1 = Math.log(xs[i + 1]);
    const t = f0 === f1 ? 0.5 : f0 / (f0 - f1);
    out.push(Math.exp(l0 + t * (l1 - l0)));
  }
  return out;
}

/** Two-sided Student-t quantile t_{df}(1 − (1 − level)/2), by bisection on the CDF. */
export function tQuantile(level: number, df: number): number {
  const p = 1 - (1 - level) / 2;
  let lo = 0;
  let hi = 1000;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Ordinary least squares y = a + b·x with a Student-t interval on b
 * (df = k − 2): b = Sxy/Sxx, se(b) = √(SSE/(k − 2)/Sxx).
 *
 * @param xs, ys  k paired values (k ≥ 3 for an interval)
 * @param level   confidence level of the interval, e.g. 0.95
 * @returns slope b, intercept a, se(b) and the interval; null when k < 3 or all x are equal
 */
export function olsFit(xs: readonly number[], ys: readonly number[], level: number): { slope: number; intercept: number; se: number; ci: [number, number] } | null {
  const k = xs.length;
  if (k < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < k; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  const a = my - b * mx;
  let sse = 0;
  for (let i = 0; i < k; i++) sse += (ys[i]! - a - b * xs[i]!) ** 2;
  const se = Math.sqrt(sse / (k - 2) / sxx);
  const t = tQuantile(level, k - 2);
  return { slope: b, intercept: a, se, ci: [b - t * se, b + t * se] };
}

/** CDF of Student's t with df degrees of freedom, via the regularised incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const ib = incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - 0.5 * ib : 0.5 * ib;
}

function logGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = c[0];
  for (let i = 1; i < g + 2; i++) x += c[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes §6.4). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (bt * betacf(x, a, b)) / a;
  return 1 - (bt * betacf(1 - x, b, a)) / b;
}

function betacf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 3e-16) break;
  }
  return h;
}

/** A located crossing line and its slope fit (the core of BoundaryFit). */
export interface SlopeFit {
  points: BoundaryPoint[];
  slope: number | null;
  intercept: number | null;
  slopeSe: number | null;
  level: number;
  slopeCi: [number, number] | null;
  theoryIntercept: number | null;
  theoryInsideCi: boolean | null;
  nSnr2AtCentroid: number | null;
}

/**
 * Locate the 1/2 crossings of a fraction given per (snr, n) — along every
 * row and column — and fit `log n = a − b·log SNR` by least squares with a
 * Student-t interval on b (needs ≥ 3 points; otherwise slope null).
 * Several values at one (snr, n) (other axes) are averaged; NaN values are
 * skipped.
 *
 * @param values  fraction per (snr, n) point (snr, n > 0)
 * @param level   confidence level (default 0.95)
 */
export function fitCrossings(values: readonly { snr: number; n: number; frac: number }[], level = 0.95): SlopeFit {
  const lists = new Map<string, number[]>();
  for (const v of values) {
    if (!Number.isFinite(v.frac)) continue;
    const key = `${v.snr}|${v.n}`;
    const l = lists.get(key) ?? [];
    l.push(v.frac);
    lists.set(key, l);
  }
  const fracAt = new Map<string, number>();
  for (const [key, l] of lists) fracAt.set(key, l.reduce((a, b) => a + b, 0) / l.length);
  const snrs = [...new Set(values.map((c) => c.snr))].sort((a, b) => a - b);
  const ns = [...new Set(values.map((c) => c.n))].sort((a, b) => a - b);
  const points: BoundaryPoint[] = [];
  for (const n of ns) {
    const fr = snrs.map((s) => fracAt.get(`${s}|${n}`) ?? NaN);
    for (const x of crossings(snrs, fr)) points.push({ snr: x, n, along: 'snr' });
  }
  for (const s of snrs) {
    const fr = ns.map((n) => fracAt.get(`${s}|${n}`) ?? NaN);
    for (const x of crossings(ns, fr)) points.push({ snr: s, n: x, along: 'n' });
  }
  const fit: SlopeFit = { points, slope: null, intercept: null, slopeSe: null, level, slopeCi: null, theoryIntercept: null, theoryInsideCi: null, nSnr2AtCentroid: null };
  if (points.length === 0) return fit;
  const xs = points.map((p) => Math.log(p.snr));
  const ys = points.map((p) => Math.log(p.n));
  const k = points.length;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  fit.theoryIntercept = my + 2 * mx;
  fit.nSnr2AtCentroid = Math.exp(fit.theoryIntercept);
  const ls = olsFit(xs, ys, level); // log n on log SNR: slope = −b
  if (!ls) return fit;
  fit.slope = -ls.slope;
  fit.intercept = ls.intercept;
  fit.slopeSe = ls.se;
  fit.slopeCi = [-ls.ci[1], -ls.ci[0]];
  fit.theoryInsideCi = fit.slopeCi[0] <= 2 && 2 <= fit.slopeCi[1];
  return fit;
}

/**
 * Locate the boundary on an (snr, n) map and fit its slope (fixed step: the
 * cells' final memorisation fraction).
 *
 * @param cells  cell summaries whose axes include numeric `snr` and `n`
 *               (other axes, if any, are pooled)
 * @param level  confidence level of the slope interval (default 0.95)
 * @throws Error if the cells have no numeric snr and n axes
 */
export function estimateBoundary(cells: readonly CellSummary[], level = 0.95): BoundaryFit {
  const ok = cells.filter((c) => typeof c.axes.snr === 'number' && typeof c.axes.n === 'number');
  if (ok.length === 0) throw new Error('boundary estimation needs a sweep over snr and n');
  const fit = fitCrossings(ok.map((c) => ({ snr: c.axes.snr as number, n: c.axes.n as number, frac: memorisationFraction(c) })), level);
  return {
    transition: 'noisy labels ignored ↔ memorised (mean final noisyFit = 1/2)',
    points: fit.points, slope: fit.slope, intercept: fit.intercept, slopeSe: fit.slopeSe, level, slopeCi: fit.slopeCi, theorySlope: 2,
    theoryIntercept: fit.theoryIntercept, theoryInsideCi: fit.theoryInsideCi, nSnr2AtCentroid: fit.nSnr2AtCentroid,
  };
}
