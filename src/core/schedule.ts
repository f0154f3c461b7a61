/**
 * The checkpoint schedule of a run (SPEC §3, §7): at which steps a trial is
 * evaluated. The engines' training driver evaluates at {@link checkpointSteps};
 * planning counts them with {@link checkpointCount} without building the list.
 */

/**
 * Checkpoint steps: 0, every `evalEvery`, the last, and — with `evalLog` > 0
 * — `evalLog` points per decade, round(10^(k/evalLog)) for k = 0, 1, … up to
 * `steps`, so that time scales from 1 step to the end are resolved at both
 * ends of a grid. Sorted, unique.
 */
export function checkpointSteps(steps: number, evalEvery: number, evalLog = 0): number[] {
  const set = new Set<number>();
  for (let t = 0; t < steps; t += evalEvery) set.add(t);
  set.add(steps);
  if (evalLog > 0) {
    for (let k = 0; ; k++) {
      const t = Math.round(10 ** (k / evalLog));
      if (t > steps) break;
      set.add(t);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Number of checkpoints of a run — the size of the set {@link checkpointSteps}
 * returns — without building the evenly spaced part (steps may be 10⁹). The
 * logarithmic part has at most evalLog·log₁₀(steps) + 1 points, so it is
 * enumerated.
 */
export function checkpointCount(steps: number, evalEvery: number, evalLog = 0): number {
  let count = Math.ceil(steps / evalEvery) + 1;
  let prev = -1;
  for (let k = 0; evalLog > 0; k++) {
    const t = Math.round(10 ** (k / evalLog));
    if (t > steps) break;
    if (t !== prev && t % evalEvery !== 0 && t !== steps) count++;
    prev = t;
  }
  return count;
}
