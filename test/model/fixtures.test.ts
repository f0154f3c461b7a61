/**
 * Every engine must reproduce the independent reference trajectories of
 * test/fixtures (f, attention and train loss at every step) to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import { trainExplicit } from '../../src/model/explicit.js';
import { reducedFromProblem, trainReduced } from '../../src/model/reduced.js';
import type { EngineRun, EngineState } from '../../src/model/forward.js';
import { FIXTURE_NAMES, loadFixture } from '../helpers/fixtures.js';

const TOL = 1e-9;

function runAndCompare(name: string, engine: 'explicit' | 'reduced'): number {
  const fx = loadFixture(name);
  const { n, T } = fx.problem;
  const checkpoints = fx.trajectory.map((s) => s.step);
  let worst = 0;
  let seen = 0;
  const run: EngineRun = {
    alpha: fx.lr,
    steps: fx.steps,
    checkpoints,
    observe(st: EngineState) {
      const ref = fx.trajectory[st.step];
      expect(ref.step).toBe(st.step);
      worst = Math.max(worst, Math.abs(st.trainLoss - ref.train_loss));
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(st.f[i] - ref.f[i]));
        for (let t = 0; t < T; t++) worst = Math.max(worst, Math.abs(st.a[i * T + t] - ref.attn[i][t]));
      }
      seen++;
    },
  };
  const report = engine === 'explicit' ? trainExplicit(fx.problem, run) : trainReduced(reducedFromProblem(fx.problem), run);
  expect(report.divergedAt).toBeNull();
  expect(seen).toBe(fx.steps + 1);
  return worst;
}

describe.each(FIXTURE_NAMES)('fixture %s', (name) => {
  it('explicit engine reproduces f, attn and loss at every step to 1e-9', () => {
    expect(runAndCompare(name, 'explicit')).toBeLessThan(TOL);
  });
  it('reduced engine reproduces f, attn and loss at every step to 1e-9', () => {
    expect(runAndCompare(name, 'reduced')).toBeLessThan(TOL);
  });
  it('fixture labels are consistent: y = −y_true exactly on the noisy set', () => {
    const { problem } = loadFixture(name);
    for (let i = 0; i < problem.n; i++) expect(problem.y[i]).toBe(problem.noisy[i] ? -problem.yTrue[i] : problem.yTrue[i]);
  });
});
