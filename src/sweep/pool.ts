/**
 * The worker pool (piscina): feeds groups of trials to worker threads, a few
 * at a time so that a stop request can end the hand-out, and retries trials
 * whose attempt failed. The only module that starts threads.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TrialOutcome } from '../model/trial.js';
import type { PlannedTrial, TrialGroup } from './plan.js';
import type { WorkerMessage, WorkerTask } from './worker.js';

/** Path of the compiled worker (dist/sweep/worker.js), also when running from sources under vitest. */
export function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const local = join(here, 'worker.js');
  if (existsSync(local) && !fileURLToPath(import.meta.url).endsWith('.ts')) return local;
  const dist = join(here, '..', '..', 'dist', 'sweep', 'worker.js');
  if (!existsSync(dist)) throw new Error(`compiled worker not found at ${dist}: run "npm run build" first`);
  return dist;
}

/** Default worker count: the machine's available cores. */
export function defaultWorkers(): number {
  return availableParallelism();
}

export interface PoolOptions {
  workers: number;
  /** attempts after the first for a failing trial */
  retries: number;
  /** called on the main thread for every finished trial */
  onSuccess(trial: PlannedTrial, outcome: TrialOutcome, attempt: number): void;
  /** called for every failed attempt; `final` when no retry is left */
  onFailure(trial: PlannedTrial, error: string, attempt: number, final: boolean): void;
  /** polled before handing out each group; true = hand out no more */
  stopRequested(): boolean;
  /** attempts already used per trial id (from the journal) */
  previousAttempts?: Map<string, number>;
}

/** Handle of a running pool, to stop it at once (second Ctrl-C). */
export interface PoolHandle {
  done: Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Run all groups; resolves when every trial has succeeded, failed for good,
 * or (after a stop request) when the running groups have finished.
 */
export function runGroups(groups: TrialGroup[], opts: PoolOptions): PoolHandle {
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: opts.workers,
    maxThreads: opts.workers,
    idleTimeout: 1000,
  });
  const queue: { trials: PlannedTrial[] }[] = groups.map((g) => ({ trials: g.trials }));
  const attempts = new Map<string, number>(opts.previousAttempts ?? []);
  let inFlight = 0;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  let destroyed = false;

  const finishIfIdle = () => {
    if (inFlight === 0 && (queue.length === 0 || opts.stopRequested())) {
      pool.destroy().then(resolveDone, rejectDone);
    }
  };

  const fail = (t: PlannedTrial, error: string) => {
    const attempt = (attempts.get(t.id) ?? 0) + 1;
    attempts.set(t.id, attempt);
    const final = attempt > opts.retries;
    opts.onFailure(t, error, attempt, final);
    if (!final) queue.push({ trials: [t] });
  };

  const launch = () => {
    while (!destroyed && inFlight < opts.workers * 2 && queue.length > 0 && !opts.stopRequested()) {
      const item = queue.shift()!;
      const pending = new Map(item.trials.map((t) => [t.id, t]));
      const { port1, port2 } = new MessageChannel();
      const handle = (m: WorkerMessage) => {
        const t = pending.get(m.id);
        if (!t || destroyed) return;
        pending.delete(m.id);
        if (m.ok) {
          const attempt = (attempts.get(t.id) ?? 0) + 1;
          opts.onSuccess(t, m.outcome, attempt);
        } else fail(t, m.error);
      };
      port1.on('message', handle);
      const task: WorkerTask = {
        trials: item.trials.map((t) => ({ id: t.id, seed: t.seed, config: t.config })),
        port: port2,
      };
      inFlight++;
      pool
        .run(task, { transferList: [port2] })
        .catch((e: unknown) => e)
        .then((res) => {
          port1.close();
          inFlight--;
          if (destroyed) return;
          // the returned list covers messages still in flight on the port
          if (Array.isArray(res)) for (const m of res as WorkerMessage[]) handle(m);
          const why = res instanceof Error ? `worker died: ${res.message}` : 'worker ended without reporting';
          for (const t of pending.values()) fail(t, why);
          launch();
          finishIfIdle();
        });
    }
  };
  launch();
  finishIfIdle();
  return {
    done,
    async destroy() {
      destroyed = true;
      await pool.destroy();
      resolveDone();
    },
  };
}
