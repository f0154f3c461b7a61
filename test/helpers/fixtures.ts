/** Loads the reference GD trajectories of test/fixtures (see its README). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Problem } from '../../src/model/data.js';

export interface FixtureStep { step: number; train_loss: number; f: number[]; attn: number[][] }
export interface Fixture { name: string; problem: Problem; lr: number; steps: number; trajectory: FixtureStep[] }

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURE_DIR = join(here, '..', 'fixtures');
export const FIXTURE_NAMES = ['gd-trajectory-p0-zero', 'gd-trajectory-p0-gaussian'];

export function loadFixture(name: string): Fixture {
  const j = JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8'));
  const { d, n, T } = j;
  const X = Float64Array.from((j.X as number[][][]).flat(2));
  const W0 = Float64Array.from((j.W0 as number[][]).flat());
  if (X.length !== n * T * d || W0.length !== d * d) throw new Error(`fixture ${name}: bad shapes`);
  const problem: Problem = {
    d, n, T, X, W0,
    y: Float64Array.from(j.y),
    yTrue: Float64Array.from(j.y_true),
    noisy: Uint8Array.from((j.noisy as boolean[]).map((b) => (b ? 1 : 0))),
    p0: Float64Array.from(j.p0),
    nu: Float64Array.from(j.nu),
  };
  return { name, problem, lr: j.lr, steps: j.steps, trajectory: j.trajectory };
}
