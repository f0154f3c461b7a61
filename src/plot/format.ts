/**
 * Number formats and axis ticks: how a grid value or tick is written and
 * where ticks go on log and linear axes. Pure.
 */

/**
 * Formats one number with `digits` significant digits, trimming trailing
 * zeros: integers below 1e6 exactly ("2000"), moderate numbers in plain
 * notation ("0.0316"), very small/large ones as "3.16e-5". Non-finite → "NaN",
 * "∞", "−∞".
 */
export function formatNumber(v: number, digits = 3): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
  return `${mant}e${Number(e)}`;
}

/**
 * Labels for a set of distinct axis values: numbers via {@link formatNumber}
 * with 3 significant digits, raised (up to 15) until the labels of distinct
 * numbers are distinct; strings as-is. Returns a map value → label.
 */
export function tickLabels(values: readonly (number | string)[]): Map<number | string, string> {
  const nums = [...new Set(values.filter((v): v is number => typeof v === 'number'))];
  let digits = 3;
  let labels = nums.map((v) => formatNumber(v, digits));
  while (digits < 15 && new Set(labels).size < labels.length) {
    digits += 1;
    labels = nums.map((v) => formatNumber(v, digits));
  }
  const out = new Map<number | string, string>();
  nums.forEach((v, i) => out.set(v, labels[i]!));
  for (const v of values) if (typeof v === 'string') out.set(v, v);
  return out;
}

/** Sorts axis values: numbers ascending numerically, then strings A→Z. */
export function sortAxisValues(values: readonly (number | string)[]): (number | string)[] {
  return [...new Set(values)].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Relative spread (max − min)/|max| of a list of numbers. */
function spread(a: number[]): number {
  return (Math.max(...a) - Math.min(...a)) / Math.abs(Math.max(...a));
}

/**
 * True when the values look log-spaced: ≥ 3 distinct positive numbers whose
 * consecutive ratios agree within 5 % and whose differences do not.
 */
export function isLogSpaced(values: readonly (number | string)[]): boolean {
  const v = sortAxisValues(values);
  if (v.length < 3 || v.some((x) => typeof x !== 'number' || !(x > 0) || !Number.isFinite(x))) return false;
  const x = v as number[];
  const ratios = x.slice(1).map((b, i) => Math.log(b / x[i]!));
  const diffs = x.slice(1).map((b, i) => b - x[i]!);
  return spread(ratios) < 0.05 && spread(diffs) > 0.05;
}

/** True when the values look linearly spaced: ≥ 3 distinct finite numbers with differences agreeing within 5 %. */
export function isLinSpaced(values: readonly (number | string)[]): boolean {
  const v = sortAxisValues(values);
  if (v.length < 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) return false;
  const x = v as number[];
  return spread(x.slice(1).map((b, i) => b - x[i]!)) <= 0.05;
}

/**
 * Readable tick values of a log axis over [lo, hi] (lo > 0): numbers m·10^k
 * with m from the densest of {1,2,3,5}, {1,2,5}, {1,3}, {1} that gives at
 * most `maxTicks` ticks; every j-th power of ten when even {1} gives too many;
 * 1-2-5 steps of a linear axis when the range holds fewer than 2 ticks.
 * Ascending, within [lo, hi] (1e-9 relative tolerance).
 */
export function logTicks(lo: number, hi: number, maxTicks = 6): number[] {
  if (!(lo > 0) || !(hi > lo)) return [];
  const tol = 1e-9;
  const inRange = (v: number) => v >= lo * (1 - tol) && v <= hi * (1 + tol);
  const clean = (v: number) => Number(v.toPrecision(12));
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const gen = (ms: number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) {
      const v = clean(m * 10 ** k);
      if (inRange(v)) out.push(v);
    }
    return out;
  };
  for (const ms of [[1, 2, 3, 5], [1, 2, 5], [1, 3], [1]]) {
    const t = gen(ms);
    if (t.length >= 2 && t.length <= Math.max(2, maxTicks)) return t;
  }
  const decades = gen([1]);
  if (decades.length >= 2) {
    const every = Math.ceil(decades.length / Math.max(2, maxTicks));
    return decades.filter((_, i) => i % every === 0);
  }
  return linearTicks(lo, hi, maxTicks);
}

/** Nice linear ticks (1-2-5 × 10^k steps) within [lo, hi], at most `maxTicks` (≥ 2). */
export function linearTicks(lo: number, hi: number, maxTicks = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, maxTicks - 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}