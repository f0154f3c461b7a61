/**
 * Runs one trial in this process and prints one JSON line with its wall time
 * and the process's peak resident memory — used by bench.ts, one fresh
 * process per measurement so that peak RSS belongs to that trial alone.
 *
 * Usage: node dist/bench/trial-probe.js <engine> [d] [n] [T] [steps] [evalEvery] [testN]
 */
import { DEFAULT_CONFIG, type TrialConfig } from '../model/config.js';
import { denseBackend } from '../model/dense.js';
import { runTrial } from '../model/trial.js';

const [engine = 'reduced', d = '2000', n = '20', T = '8', steps = '1000', evalEvery = '10', testN = '1000'] = process.argv.slice(2);
const cfg: TrialConfig = {
  ...DEFAULT_CONFIG,
  engine: engine as TrialConfig['engine'],
  d: Number(d), n: Number(n), T: Number(T), steps: Number(steps), evalEvery: Number(evalEvery), testN: Number(testN),
};
const t0 = performance.now();
const out = runTrial(cfg, 0);
const wallMs = performance.now() - t0;
// a worker runs many trials: also time a second, warm one (another seed)
let warmMs = NaN;
if (process.env.PROBE_WARM !== '0') {
  const t1 = performance.now();
  runTrial(cfg, 1);
  warmMs = performance.now() - t1;
}
process.stdout.write(`${JSON.stringify({
  engine: out.engine, d: cfg.d, n: cfg.n, T: cfg.T, steps: cfg.steps, wallMs, warmMs, timings: out.timings,
  maxRssMB: process.resourceUsage().maxRSS / 1024, regime: out.regime, denseBackend: denseBackend(),
})}\n`);
