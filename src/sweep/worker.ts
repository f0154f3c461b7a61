/**
 * Piscina worker: runs one group of trials that share their dense draws
 * (SPEC §6) and posts each outcome on the task's MessagePort as soon as it
 * is done, so the main thread journals trial by trial.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TrialConfig } from '../model/config.js';
import { DrawCache, type TrialOutcome, runTrial } from '../model/trial.js';

/** A task: trials of one group, and where to report. */
export interface WorkerTask {
  trials: { id: string; seed: number; config: TrialConfig }[];
  port: MessagePort;
}

/** Message posted per trial. */
export type WorkerMessage =
  | { id: string; ok: true; outcome: TrialOutcome }
  | { id: string; ok: false; error: string };

/** Test hook: configs with this `testFault` make the worker throw or exit (used by fault tests). */
function injectFault(config: TrialConfig): void {
  const fault = (config as unknown as { testFault?: string }).testFault;
  if (fault === 'throw') throw new Error('injected fault');
  if (fault === 'exit') process.exit(3);
}

/** Run the group; posts each message as it happens and also returns them all. */
export default function runGroup(task: WorkerTask): WorkerMessage[] {
  const cache = new DrawCache();
  const all: WorkerMessage[] = [];
  for (const t of task.trials) {
    let msg: WorkerMessage;
    try {
      injectFault(t.config);
      msg = { id: t.id, ok: true, outcome: runTrial(t.config, t.seed, cache) };
    } catch (e) {
      msg = { id: t.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    task.port.postMessage(msg);
    all.push(msg);
  }
  task.port.close();
  return all;
}
