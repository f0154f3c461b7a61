/**
 * Runs one trial in this process and prints one JSON line with its wall time
 * and the process's peak resident memory — used by bench.ts, one fresh
 * process per measurement so that peak RSS belongs to that trial alone.
 *
 * Usage: node dist/bench/trial-probe.js <engine> [d] [n] [T] [steps] [evalEvery] [testN]
 * (engine wishart runs with init {W: gaussian, p: zero}, SPEC §8). PROBE_WARM=0
 * skips the warm trials; PROBE_REPEATS (default 1) warm trials are timed and
 * their median reported.
 */
import { runTrial } from '../model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../core/config.js';
import { kernelBackend } from '../model/kernels/index.js';

const [engine = 'reduced', d = '2000', n = '20', T = '8', steps = '1000', evalEvery = '10', testN = '1000'] = process.argv.slice(2);
const cfg: TrialConfig = {
  ...DEFAULT_CONFIG,
  engine: engine as TrialConfig['engine'],
  d: Number(d), n: Number(n), T: Number(T), steps: Number(steps), evalEvery: Number(evalEvery), testN: Number(testN),
  ...(engine === 'wishart' ? { init: { W: 'gaussian', p: 'zero' } } : {}),
};
const t0 = performance.now();
const out = runTrial(cfg, 0);
const wallMs = performance.now() - t0;
// a worker runs many trials: also time warm ones (other seeds), median of PROBE_REPEATS
let warmMs = NaN;
/** median CPU time (user + system) of the warm trials: less sensitive than wall time to other load on the machine */
let warmCpuMs = NaN;
if (process.env.PROBE_WARM !== '0') {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < Math.max(1, Number(process.env.PROBE_REPEATS ?? 1)); r++) {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    runTrial(cfg, 1 + r);
    const c = process.cpuUsage(c1);
    times.push(performance.now() - t1);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (x: number[]): number => x.sort((a, b) => a - b)[Math.floor(x.length / 2)];
  warmMs = median(times);
  warmCpuMs = median(cpu);
}
process.stdout.write(`${JSON.stringify({
  engine: out.engine, d: cfg.d, n: cfg.n, T: cfg.T, steps: cfg.steps, wallMs, warmMs, warmCpuMs, timings: out.timings,
  maxRssMB: process.resourceUsage().maxRSS / 1024, regime: out.regime, kernelBackend: kernelBackend(),
})}\n`);
