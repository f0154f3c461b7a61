/**
 * Piscina worker: runs one group of trials that share their dense draws
 * (SPEC §6) and posts, on the task's MessagePort, a `start` message before
 * each trial and its outcome (or error) as soon as it is done, so the main
 * thread journals trial by trial and knows which trial was running if the
 * worker dies. Between trials it checks the pool's stop flag, so a stop
 * request lets only the running trial finish.
 */
import type { MessagePort } from 'node:worker_threads';
import { DrawCache } from '../model/shared.js';
import { runTrial } from '../model/trial.js';
import type { TrialConfig } from '../core/config.js';
import type { EngineName } from '../core/params.js';
import type { TrialOutcome } from '../core/records.js';

/** One trial of a task. */
export interface WorkerTrial {
  id: string;
  seed: number;
  config: TrialConfig;
  /** the engine the plan chose for it (src/model/engines.ts) */
  engine: EngineName;
  /** 1-based attempt number of this run */
  attempt: number;
}

/** A task: trials of one group, where to report, and the pool's stop flag. */
export interface WorkerTask {
  trials: WorkerTrial[];
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer; element 0 non-zero = start no further trial */
  stop: Int32Array;
}

/** Message posted per trial: `start` before it runs, then `done` or `error`. */
export type WorkerMessage =
  | { type: 'start'; id: string }
  | { type: 'done'; id: string; outcome: TrialOutcome }
  | { type: 'error'; id: string; error: string };

/** One line describing an error thrown by a trial. */
function describe(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0];
}

/**
 * Run the group: for each trial (unless the stop flag is set) post `start`,
 * run it, post `done` with the outcome or `error` with a one-line message.
 * @returns the number of trials run (messages carry the results)
 */
export default function runGroup(task: WorkerTask): number {
  const cache = new DrawCache();
  let ran = 0;
  for (const t of task.trials) {
    if (Atomics.load(task.stop, 0) !== 0) break;
    task.port.postMessage({ type: 'start', id: t.id } satisfies WorkerMessage);
    let msg: WorkerMessage;
    try {
      msg = { type: 'done', id: t.id, outcome: runTrial(t.config, t.seed, cache, {}, t.engine) };
    } catch (e) {
      msg = { type: 'error', id: t.id, error: describe(e) };
    }
    task.port.postMessage(msg);
    ran++;
  }
  // the port is left open: the main thread drains and closes it when the task settles
  return ran;
}
