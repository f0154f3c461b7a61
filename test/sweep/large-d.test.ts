/**
 * sweeps/large-d.yaml (issue #12 item 5) validates and plans as it claims:
 * every trial on the wishart engine with its init (Gaussian W₀, p₀ = 0) and
 * d ≥ 2(nT + 2); d from 10³ to 10⁶; every row a fixed n·SNR² at every d;
 * and α scaled so that the theory time τ is the same number of steps in
 * every cell. τ and τ_b are computed here from their closed forms
 * (docs/outcomes.md) — ‖ν‖ = c/‖μ‖, σ_w² = 1/d for the default Gaussian
 * W₀, σ_p² = 0 for p₀ = 0, SNR = ‖μ‖/(σ√d) — not by the planner's code.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/plan.js';
import { loadSweep } from '../../src/sweep/spec.js';

const FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../sweeps/large-d.yaml');
const plan = planSweep(loadSweep(FILE));

/** τ = 1/(α·‖ν‖·‖μ‖³·d·max(σ_w², σ_p²)) with ‖ν‖ = c/‖μ‖, σ_w² = sigmaW² (default 1/d), σ_p² = 0 (p₀ = 0). */
function tauSteps(c: (typeof plan.trials)[number]['config']): number {
  const sw2 = c.init.sigmaW === undefined ? 1 / c.d : c.init.sigmaW ** 2;
  return 1 / (c.alpha * (Math.abs(c.nuScale) / c.muNorm) * c.muNorm ** 3 * c.d * sw2);
}

/** n·SNR² with SNR = ‖μ‖/(σ√d). */
const nSnr2 = (c: (typeof plan.trials)[number]['config']) => (c.n * c.muNorm ** 2) / (c.sigma ** 2 * c.d);

/** τ_b = n·exp(1/(n·SNR²))/(α·σ²·‖ν‖·‖μ‖·d²·σ_w²). */
function tauBenignSteps(c: (typeof plan.trials)[number]['config']): number {
  const sw2 = c.init.sigmaW === undefined ? 1 / c.d : c.init.sigmaW ** 2;
  return (c.n * Math.exp(1 / nSnr2(c))) / (c.alpha * c.sigma ** 2 * (Math.abs(c.nuScale) / c.muNorm) * c.muNorm * c.d ** 2 * sw2);
}

describe('sweeps/large-d.yaml', () => {
  it('every trial runs the wishart engine with Gaussian W₀, p₀ = 0 and d ≥ 2(nT + 2)', () => {
    expect(plan.trials.length).toBeGreaterThan(0);
    for (const t of plan.trials) {
      expect(t.engine).toBe('wishart');
      expect(t.config.engine).toBe('wishart');
      expect(t.config.init.W).toBe('gaussian');
      expect(t.config.init.p).toBe('zero');
      expect(t.config.d).toBeGreaterThanOrEqual(2 * (t.config.n * t.config.T + 2));
    }
  });

  it('d spans 10³ to 10⁶, and every value of n·SNR² is present at every d', () => {
    const ds = [...new Set(plan.trials.map((t) => t.config.d))].sort((a, b) => a - b);
    expect(ds[0]).toBe(1e3);
    expect(ds[ds.length - 1]).toBe(1e6);
    const key = (x: number) => x.toPrecision(9);
    const rowsAt = (d: number) => [...new Set(plan.trials.filter((t) => t.config.d === d).map((t) => key(nSnr2(t.config))))].sort();
    expect(rowsAt(ds[0]!).length).toBeGreaterThan(1);
    for (const d of ds) expect(rowsAt(d)).toEqual(rowsAt(ds[0]!));
  });

  it('τ (closed form) is the same number of steps in every cell, and so is the horizon', () => {
    const taus = plan.trials.map((t) => tauSteps(t.config));
    for (const tau of taus) expect(tau / taus[0]!).toBeCloseTo(1, 9);
    expect(new Set(plan.trials.map((t) => t.config.steps)).size).toBe(1);
    // the horizon, in units of τ, reaches the last theory time the maps read (10⁴·τ)
    expect(plan.trials[0]!.config.steps / taus[0]!).toBeGreaterThanOrEqual(1e4 * (1 - 1e-12));
  });

  it('long enough to see delayed generalisation: τ_b is the same at every d of a row, and the run lasts ≥ 10·τ_b where n·SNR² ≥ 1/8', () => {
    const byRow = new Map<string, number[]>();
    for (const t of plan.trials) {
      const k = nSnr2(t.config).toPrecision(9);
      byRow.set(k, [...(byRow.get(k) ?? []), tauBenignSteps(t.config)]);
    }
    for (const tbs of byRow.values()) for (const tb of tbs) expect(tb / tbs[0]!).toBeCloseTo(1, 6);
    const reachable = plan.trials.filter((t) => nSnr2(t.config) >= 0.125 - 1e-9);
    expect(reachable.length).toBeGreaterThan(plan.trials.length / 2);
    for (const t of reachable) expect(t.config.steps).toBeGreaterThanOrEqual(10 * tauBenignSteps(t.config));
  });
});
