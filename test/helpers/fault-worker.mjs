/**
 * A worker module with the contract of dist/sweep/worker.js (one group of
 * trials per task, `start` before each trial, then `done` or `error`) that
 * injects faults for the fault tests: a trial whose config carries
 * `testFault` throws (`throw`), ends its thread like a crash (`exit`) or runs
 * out of heap (`oom`) — on every attempt, or only on attempts ≤
 * `testFaultAttempts`. Every other trial runs in the real worker. Given to
 * the pool as `workerFile` (src/sweep/pool.ts); the production worker has no
 * such hook.
 */
import runGroup from '../../dist/sweep/worker.js';

function fault(trial) {
  const { testFault, testFaultAttempts } = trial.config;
  if (!testFault || trial.attempt > (testFaultAttempts ?? Infinity)) return false;
  if (testFault === 'throw') return { type: 'error', id: trial.id, error: 'Error: injected fault' };
  if (testFault === 'exit') process.exit(3);
  const hog = [];
  for (;;) hog.push(new Array(1 << 16).fill(trial.attempt + hog.length));
}

export default function faultyGroup(task) {
  let ran = 0;
  for (const t of task.trials) {
    if (Atomics.load(task.stop, 0) !== 0) break;
    if (t.config.testFault) task.port.postMessage({ type: 'start', id: t.id });
    const injected = fault(t);
    if (injected) task.port.postMessage(injected);
    else runGroup({ ...task, trials: [t] }); // posts its own start, then done or error
    ran++;
  }
  return ran;
}
