/**
 * The worker pool (piscina): feeds groups of trials to worker threads, a few
 * at a time, retries trials whose attempt failed, and stops on request (after
 * the running trials, or at once). The only module that starts threads.
 *
 * Fault accounting: the worker posts `start` before each trial, so when a
 * worker dies (process.exit, heap exhausted, …) only the trial it was running
 * is charged an attempt; the group's trials it had not started yet are handed
 * out again without charge.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PlannedTrial, TrialGroup } from './plan.js';
import type { WorkerMessage, WorkerTask } from './worker.js';
import type { TrialOutcome } from '../core/records.js';

/**
 * Path of the compiled worker (dist/sweep/worker.js), also when running from
 * sources under vitest (the pool always runs compiled code: rebuild first).
 * @throws Error if dist/sweep/worker.js does not exist
 */
export function workerFile(): string {
  const self = fileURLToPath(import.meta.url);
  const here = dirname(self);
  const local = join(here, 'worker.js');
  if (existsSync(local) && !self.endsWith('.ts')) return local;
  const dist = join(here, '..', '..', 'dist', 'sweep', 'worker.js');
  if (!existsSync(dist)) throw new Error(`compiled worker not found at ${dist}: run "npm run build" first`);
  return dist;
}

/** Default worker count: the machine's available cores. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** Options of `runGroups`. */
export interface PoolOptions {
  /** worker threads (≥ 1) */
  workers: number;
  /** retries of a failing trial in this run (attempts = retries + 1) */
  retries: number;
  /** called on the main thread for every finished trial; `attempt` is 1-based */
  onSuccess(trial: PlannedTrial, outcome: TrialOutcome, attempt: number): void;
  /** called for every failed attempt; `final` when no retry is left */
  onFailure(trial: PlannedTrial, error: string, attempt: number, final: boolean): void;
  /** failed attempts of earlier runs per trial id: attempt numbers continue after them (the retry budget does not) */
  previousAttempts?: Map<string, number>;
  /** cap of each worker's JS heap in MB (a worker over it dies and its trial fails); default: Node's */
  maxHeapMb?: number;
  /** the worker module (default {@link workerFile}): any module with its contract (./worker.ts), e.g. one that injects faults in tests */
  workerFile?: string;
}

/** Handle of a running pool. */
export interface PoolHandle {
  /** resolves when every trial succeeded or failed for good, or after a stop */
  done: Promise<void>;
  /** graceful stop: hand out no further trial; running trials finish and are reported */
  stop(): void;
  /** immediate stop: terminate the workers; running trials are dropped, unreported */
  destroy(): Promise<void>;
}

/**
 * Run all groups in a piscina pool. Each group is one task (its trials share
 * dense draws); up to 2 tasks per worker are queued so threads never idle.
 * A failed trial is retried alone, at the end of the queue, until it has used
 * `retries + 1` attempts in this run. Callbacks run on the main thread, one at
 * a time, in the order results arrive.
 */
export function runGroups(groups: readonly TrialGroup[], opts: PoolOptions): PoolHandle {
  // never start threads that would get no task: an idle thread still loading its
  // module when the pool is destroyed can abort Node 20 (v8 IsGraphAsync)
  const threads = Math.max(1, Math.min(opts.workers, groups.length));
  const pool = new Piscina({
    filename: opts.workerFile ?? workerFile(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    resourceLimits: opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : undefined,
  });
  // piscina reports some faults as an 'error' event (e.g. a worker's reply arriving after the pool was
  // destroyed because a callback threw: "Unexpected message from Worker"); unheard, that event would be
  // an uncaught exception. After a stop or a callback error it is noise; otherwise it ends the pool.
  pool.on('error', (e: unknown) => {
    if (dropped || settled) return;
    stopping = dropped = true;
    Atomics.store(stopFlag, 0, 1);
    finish(e instanceof Error ? e : new Error(String(e)));
    void closePool();
  });
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const queue: PlannedTrial[][] = groups.map((g) => g.trials);
  /** failed attempts in this run */
  const failures = new Map<string, number>();
  const attemptOf = (t: PlannedTrial) => (opts.previousAttempts?.get(t.id) ?? 0) + (failures.get(t.id) ?? 0) + 1;
  let inFlight = 0;
  /** no further hand-out */
  let stopping = false;
  /** ignore whatever the workers still report (immediate stop or callback error) */
  let dropped = false;
  let settled = false;
  let closing: Promise<void> | null = null;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const finish = (e?: unknown) => {
    if (settled) return;
    settled = true;
    if (e === undefined) resolveDone();
    else rejectDone(e);
  };
  const closePool = () => (closing ??= pool.destroy().catch(() => {}));

  const finishIfIdle = () => {
    if (!settled && inFlight === 0 && (queue.length === 0 || stopping)) void closePool().then(() => finish());
  };

  const fail = (t: PlannedTrial, error: string) => {
    const attempt = attemptOf(t);
    const used = (failures.get(t.id) ?? 0) + 1;
    failures.set(t.id, used);
    const final = used > opts.retries;
    opts.onFailure(t, error, attempt, final);
    if (!final) queue.push([t]);
  };

  /** Call a user callback; an exception there ends the pool with that error. */
  const guard = (f: () => void) => {
    try {
      f();
    } catch (e) {
      stopping = dropped = true;
      Atomics.store(stopFlag, 0, 1);
      finish(e);
      void closePool();
    }
  };

  const submit = (trials: PlannedTrial[]) => {
    const pending = new Map(trials.map((t) => [t.id, t]));
    let running: string | null = null;
    const { port1, port2 } = new MessageChannel();
    const onMessage = (m: WorkerMessage) => {
      if (dropped) return;
      const t = pending.get(m.id);
      if (!t) return;
      if (m.type === 'start') {
        running = m.id;
        return;
      }
      pending.delete(m.id);
      running = null;
      if (m.type === 'done') guard(() => opts.onSuccess(t, m.outcome, attemptOf(t)));
      else guard(() => fail(t, m.error));
    };
    port1.on('message', onMessage);
    const task: WorkerTask = {
      trials: trials.map((t) => ({ id: t.id, seed: t.seed, config: t.config, engine: t.engine, attempt: (failures.get(t.id) ?? 0) + 1 })),
      port: port2,
      stop: stopFlag,
    };
    inFlight++;
    pool
      .run(task, { transferList: [port2] })
      .then(
        () => null,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      )
      .then((err) => guard(() => {
        // messages the worker posted before the task settled may still be queued on the port
        for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) onMessage(m.message as WorkerMessage);
        port1.close();
        inFlight--;
        if (dropped) return;
        if (err) {
          const culprit = running ? pending.get(running) : undefined;
          const why = `worker died: ${err.message.split('\n')[0]}`;
          if (culprit) {
            pending.delete(culprit.id);
            guard(() => fail(culprit, why));
            // trials the worker never started go back to the front of the queue, uncharged
            if (pending.size) queue.unshift([...pending.values()]);
          } else {
            // died before or between trials (e.g. the worker could not load): charge them all
            for (const t of pending.values()) guard(() => fail(t, why));
          }
        } else if (pending.size && !stopping) {
          for (const t of pending.values()) guard(() => fail(t, 'worker ended without reporting the trial'));
        }
        // after a graceful stop, unstarted trials are simply not run
        launch();
        finishIfIdle();
      }));
  };

  const launch = () => {
    while (!stopping && inFlight < opts.workers * 2 && queue.length > 0) submit(queue.shift()!);
  };

  const handle: PoolHandle = {
    done,
    stop() {
      if (stopping) return;
      stopping = true;
      Atomics.store(stopFlag, 0, 1);
      finishIfIdle();
    },
    async destroy() {
      stopping = dropped = true;
      Atomics.store(stopFlag, 0, 1);
      await closePool();
      finish();
    },
  };
  launch();
  finishIfIdle();
  return handle;
}
