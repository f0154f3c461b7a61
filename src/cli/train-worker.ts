/**
 * Worker thread of `attn-phase train`: runs the one trial off the main
 * thread, so the main thread stays free to handle Ctrl-C/SIGTERM and print
 * progress while the (synchronous) trial computes. Posts each checkpoint as
 * it is evaluated, then the outcome; stops at the next checkpoint once the
 * main thread sets the shared stop flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DrawCache } from '../model/shared.js';
import { runTrial } from '../model/trial.js';
import type { TrialConfig } from '../core/config.js';
import type { TrialOutcome, Checkpoint } from '../core/records.js';

/** What the main thread hands over. */
export interface TrainWorkerData {
  config: TrialConfig;
  seed: number;
  /** Int32Array over a SharedArrayBuffer; element 0 non-zero = stop at the next checkpoint */
  stop: Int32Array;
}

/** Messages posted to the main thread. */
export type TrainWorkerMessage =
  | { type: 'checkpoint'; checkpoint: Checkpoint; index: number; total: number }
  | { type: 'done'; outcome: TrialOutcome };

const { config, seed, stop } = workerData as TrainWorkerData;
const port = parentPort!;
const outcome = runTrial(config, seed, new DrawCache(), {
  onCheckpoint: (checkpoint, index, total) => port.postMessage({ type: 'checkpoint', checkpoint, index, total } satisfies TrainWorkerMessage),
  shouldStop: () => Atomics.load(stop, 0) !== 0,
});
port.postMessage({ type: 'done', outcome } satisfies TrainWorkerMessage);
