/**
 * Derived parameters and horizons in theory time (issue #10 item 2):
 * expressions of parameters and of τ, τ_b, n·SNR² (values against hand
 * computation, errors naming the field, cycles), `steps: { tau: k }` with
 * its maxSteps cap, the logarithmic checkpoint schedule, and the step-size
 * guard.
 */
import { describe, expect, it } from 'vitest';
import { FREEZE_ALPHA_MU2, stepSizeWarnings } from '../../src/sweep/derived.js';
import { planSweep } from '../../src/sweep/plan.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { checkpointSteps } from '../../src/core/schedule.js';
import { SweepSpecError } from '../../src/core/errors.js';

const plan = (base: Record<string, unknown>, grid: Record<string, unknown> = { snr: [0.1, 0.2], n: [5, 10] }) =>
  planSweep(validateSweep({ name: 't', base: { d: 100, ...base }, grid, seeds: 1 }, 'x.yaml'));
const planError = (base: Record<string, unknown>, grid?: Record<string, unknown>) => {
  try {
    plan(base, grid);
  } catch (e) {
    expect(e).toBeInstanceOf(SweepSpecError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('expressions', () => {
  it('alpha: "0.02 / muNorm^2" keeps α‖μ‖² = 0.02, so τ = 3/0.02 = 150 steps in every cell (default init)', () => {
    const p = plan({ alpha: '0.02 / muNorm^2', steps: { tau: 2 } });
    for (const t of p.trials) {
      const mu = t.config.muNorm;
      expect(mu).toBeCloseTo((t.cellKey.includes('0.1') ? 0.1 : 0.2) * 10, 12); // snr·σ·√d with d = 100
      expect(t.config.alpha * mu * mu).toBeCloseTo(0.02, 14);
      expect(t.config.steps).toBe(300); // ceil(2 · 150)
      expect('snr' in t.config || 'maxSteps' in t.config).toBe(false);
    }
  });

  it('parameters and derived quantities in any order: snr from n·SNR² = 10, testN from τ, T from an integer expression', () => {
    const p = plan({ snr: 'sqrt(10 / n)', testN: 'ceil(4 * tau)', alpha: 0.01, T: 'n / 2 + 0.4' }, { n: [10, 40] });
    const [a, b] = p.trials;
    expect(a!.config.muNorm).toBeCloseTo(Math.sqrt(10 / 10) * 10, 12); // snr = 1, ‖μ‖ = 10
    expect(b!.config.muNorm).toBeCloseTo(Math.sqrt(10 / 40) * 10, 12); // snr = 0.5, ‖μ‖ = 5
    expect(a!.config.testN).toBe(Math.ceil(4 * (3 / (0.01 * 100)))); // τ = 3/(α‖μ‖²) = 3
    expect(b!.config.testN).toBe(Math.ceil(4 * (3 / (0.01 * 25)))); // τ = 12
    expect([a!.config.T, b!.config.T]).toEqual([5, 20]); // rounded: 5.4 → 5, 20.4 → 20
  });

  it('an expression as a grid value makes its own cell', () => {
    const p = plan({}, { snr: [0.5], alpha: ['0.01 / muNorm^2', '0.1 / muNorm^2'] });
    expect(p.cells.map((c) => c.axes.alpha)).toEqual(['0.01 / muNorm^2', '0.1 / muNorm^2']);
    expect(p.trials.map((t) => t.config.alpha * t.config.muNorm ** 2).map((x) => Number(x.toFixed(12)))).toEqual([0.01, 0.1]);
  });

  it('bad expressions: one line naming the field', () => {
    // syntax and names are checked when the file is read (the message starts with the file)
    expect(planError({ alpha: '1 +' })).toMatch(/^x\.yaml: base\.alpha: invalid expression "1 \+"/);
    expect(planError({ alpha: 'foo * 2' })).toMatch(/^x\.yaml: base\.alpha: unknown name "foo"/);
    expect(planError({ alpha: '-0.5 / muNorm' })).toMatch(/^base\.alpha: .*greater than 0.*from "-0.5 \/ muNorm"/);
    expect(planError({ alpha: 'a = 3' })).toMatch(/^x\.yaml: base\.alpha: invalid expression .*only arithmetic/);
    expect(planError({ alpha: 'log(0)' })).toMatch(/^base\.alpha: expression "log\(0\)" gives -Infinity/);
    expect(planError({}, { n: ['1 / 0'] })).toMatch(/^grid\.n: /);
    expect(planError({ eta: '0.7' })).toMatch(/^base\.eta: .*less than 0.5/);
  });

  it('cycles are errors naming the chain', () => {
    expect(planError({ alpha: '1 / tau' })).toMatch(/^base\.alpha: circular definition alpha → tau → alpha$/);
    expect(planError({ n: 'T', T: 'n + 1' }, { snr: [0.1] })).toMatch(/circular definition (n → T → n|T → n → T)$/);
  });

  it('strings stay errors for non-numeric parameters', () => {
    expect(() => validateSweep({ name: 't', base: { labels: 'maybe' } }, 'x.yaml')).toThrow(/^x\.yaml: base\.labels: /);
    expect(() => validateSweep({ name: 't', base: { steps: { tau: -1 } } }, 'x.yaml')).toThrow(/^x\.yaml: base\.steps(\.tau)?: /);
  });
});

describe('steps in theory time and maxSteps', () => {
  it('steps: { tau: k } → ceil(k·τ); maxSteps caps and is reported once for the sweep', () => {
    // α = 5e-3, ‖μ‖ = snr·10: τ = 3/(α‖μ‖²) = 600 at snr 0.1, 150 at snr 0.2
    const p = plan({ alpha: 5e-3, steps: { tau: 100 }, maxSteps: 20000 });
    const steps = p.trials.map((t) => t.config.steps);
    expect(steps).toEqual([20000, 20000, 15000, 15000]); // 60000 capped; 15000 not
    expect(p.warnings.filter((w) => /maxSteps/.test(w))).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/maxSteps = 20000 binds in 2 of 4 cell\(s\) \(up to 60000 steps/);
    expect(plan({ alpha: 5e-3, steps: { tau: 10 } }).warnings).toEqual([]);
  });
});

describe('checkpointSteps: evalEvery and a logarithmic schedule', () => {
  it('without evalLog: 0, every evalEvery, the last', () => {
    expect(checkpointSteps(25, 10)).toEqual([0, 10, 20, 25]);
  });

  it('one point per decade: the powers of ten', () => {
    expect(checkpointSteps(1000, 1000, 1)).toEqual([0, 1, 10, 100, 1000]);
  });

  it('evalLog points per decade: 20 in every full decade above 10, consecutive ratios ≈ 10^(1/20)', () => {
    const cks = checkpointSteps(100_000, 100_000, 20);
    for (const [lo, hi] of [[100, 1000], [1000, 10_000], [10_000, 100_000]]) {
      const inDecade = cks.filter((t) => t >= lo && t < hi);
      expect(inDecade).toHaveLength(20);
      for (let i = 1; i < inDecade.length; i++) expect(Math.log10(inDecade[i]! / inDecade[i - 1]!)).toBeCloseTo(0.05, 2);
    }
    // below 10 the rounding merges points: every integer 1..9 once
    expect(cks.filter((t) => t > 0 && t < 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cks[0]).toBe(0);
    expect(cks[cks.length - 1]).toBe(100_000);
    expect(new Set(cks).size).toBe(cks.length);
  });

  it('union with evalEvery, sorted and unique', () => {
    const cks = checkpointSteps(50, 20, 2); // log: 1, 3, 10, 32; every 20: 0, 20, 40; last 50
    expect(cks).toEqual([0, 1, 3, 10, 20, 32, 40, 50]);
  });
});

describe('step-size guard', () => {
  it('one warning for all offending cells, naming them and the fixing expression', () => {
    const cells = [
      { label: 'snr=4, n=5', config: { alpha: 0.5, muNorm: 20, d: 100, n: 5 } }, // α‖μ‖² = 200
      { label: 'snr=2, n=5', config: { alpha: 0.5, muNorm: 10, d: 100, n: 5 } }, // 50
      { label: 'snr=8, n=5', config: { alpha: 0.5, muNorm: 40, d: 100, n: 5 } }, // 800
    ];
    const w = stepSizeWarnings(cells);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(new RegExp(`2 of 3 cell\\(s\\) have α·‖μ‖² ≥ ${FREEZE_ALPHA_MU2} \\(up to 800\\)`));
    expect(w[0]).toMatch(/snr=4, n=5; snr=8, n=5\./);
    expect(w[0]).toMatch(/alpha: "0\.03 \/ muNorm\^2"/);
    // α·d/n: 0.5 · 2000 / 5 = 200
    expect(stepSizeWarnings([{ label: 'c', config: { alpha: 0.5, muNorm: 1, d: 2000, n: 5 } }])[0]).toMatch(/α·d\/n ≥ 100 .*alpha: "10 \* n \/ d"/);
    expect(stepSizeWarnings([{ label: 'c', config: { alpha: 5e-3, muNorm: 20, d: 2000, n: 20 } }])).toEqual([]);
  });

  it('planSweep warns once for a sweep with frozen cells', () => {
    const p = plan({ alpha: 2 }, { snr: [1, 2, 4], n: [5, 10] }); // ‖μ‖ = 10·snr: α‖μ‖² = 200, 800, 3200
    expect(p.warnings.filter((w) => /α·‖μ‖²/.test(w))).toHaveLength(1);
    expect(p.warnings.find((w) => /α·‖μ‖²/.test(w))).toMatch(/6 of 6 cell/);
  });
});
