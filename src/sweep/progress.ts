/**
 * Progress on stderr: a one-line bar redrawn in place on a TTY, plain
 * periodic lines otherwise. Both show done/total, failed, rate and ETA —
 * the numbers of `progressLine`, which `attn-phase status` prints too.
 *
 * The ETA of a sweep is the cost model's estimate of the remaining trials
 * (src/model/cost.ts, seconds per trial, with the dense draws a group shares
 * counted once) calibrated by the trials finished so far: remaining time =
 * elapsed × (estimated seconds left) / (estimated seconds of the finished
 * trials). Trials differ in cost by orders of magnitude (and the pool runs
 * the largest first), so a plain trials-per-second rate is no good.
 *
 * `TrialProgress` reports one long trial (`attn-phase train`) by checkpoints.
 */
import cliProgress from 'cli-progress';
import { groupTrials, type PlannedTrial, secondsInOrder } from './plan.js';

/** Counters of a running sweep. */
export interface ProgressCounts {
  /** trials finished (this run and earlier ones) */
  done: number;
  /** trials in the plan */
  total: number;
  /** trials that failed for good in this run */
  failed: number;
  /** trials finished in this run (for the rate) */
  doneThisRun: number;
  /** start of this run (ms since the epoch) */
  startedAt: number;
  /**
   * Cost-model seconds of the trials finished (or failed for good) in this
   * run, and of those still to run (see `trialEstimates`). When absent, the
   * ETA falls back to the plain rate.
   */
  estDoneS?: number;
  estLeftS?: number;
  /** worker threads (for the uncalibrated ETA before the first trial finishes) */
  workers?: number;
  /**
   * When each trial of this run finished (ms since the epoch) and `estDoneS`
   * just after it, in order: the ETA calibrates on the more recent half of
   * these (see `calibratedEtaMs`).
   */
  history?: { atMs: number; estDoneS: number }[];
}

/**
 * Estimated seconds of each trial as the pool will run it (SPEC §4, §6):
 * group by group, `secondsInOrder` (src/sweep/plan.ts) — the first trial of
 * a group of reduced-engine trials pays for their shared dense draws.
 *
 * @param trials  the trials still to run (grouped as `runSweep` groups them)
 * @returns trial id → estimated seconds (≥ 0)
 */
export function trialEstimates(trials: readonly PlannedTrial[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of groupTrials(trials)) {
    const s = secondsInOrder(g.trials);
    g.trials.forEach((t, i) => out.set(t.id, s[i]));
  }
  return out;
}

/**
 * The counters of a run, with the ETA's bookkeeping: the cost model's
 * estimate of every trial still to run ({@link trialEstimates}), moved from
 * `estLeftS` to `estDoneS` as each finishes (or fails for good), with the
 * finish times the calibration reads (`history`, see {@link calibratedEtaMs}).
 *
 * @param todo     the trials this run will run
 * @param skipped  trials of the plan already finished before this run
 * @param total    trials of the plan
 * @param workers  worker threads of the run
 * @returns the counters and `finished(id, ok)`: trial `id` finished (`ok`) or failed for good
 */
export function runCounts(todo: readonly PlannedTrial[], skipped: number, total: number, workers: number): { counts: ProgressCounts; finished(id: string, ok: boolean): void } {
  const estimates = trialEstimates(todo);
  let left = 0;
  for (const e of estimates.values()) left += e;
  const counts: ProgressCounts = {
    done: skipped, total, failed: 0, doneThisRun: 0, startedAt: Date.now(), estDoneS: 0, estLeftS: left, workers, history: [],
  };
  return {
    counts,
    finished(id, ok) {
      if (ok) {
        counts.done++;
        counts.doneThisRun++;
      } else counts.failed++;
      const e = estimates.get(id) ?? 0;
      counts.estDoneS! += e;
      counts.estLeftS = Math.max(0, counts.estLeftS! - e);
      counts.history!.push({ atMs: Date.now(), estDoneS: counts.estDoneS! });
    },
  };
}

/**
 * Calibrated remaining time (ms): the ratio of actual to estimated time
 * applied to the estimate of what is left. The ratio comes from the more
 * recent half of the finished trials when `history` has at least two of them
 * after its midpoint (wall time from the midpoint to the last finish ÷
 * estimated seconds finished in between; the result is the ETA as of the
 * last finish, counted down to `nowMs`), else from the whole run (elapsed ÷ estDoneS); before any
 * trial finishes, the uncalibrated leftS / workers. Wall time, so it holds on
 * any machine and any number of workers.
 *
 * Why the recent half: a sweep runs its costliest groups first, and the first
 * trial of a large group pays start-up costs the cost model does not see
 * (on the default sweep the first n = 160 trials took 30 s for 7 s
 * estimated), so a ratio over the whole run overstates what is left by 3×
 * at 10 % of the trials; over the recent half it was 1.0× there.
 *
 * @param est        estimated seconds done (this run) and left
 * @param elapsedMs  wall time of this run so far
 * @param workers    worker threads (≥ 1)
 * @param history    finish times and cumulative estimates (ProgressCounts.history)
 * @param nowMs      the current time (ms since the epoch; needed with history)
 * @returns milliseconds; 0 when nothing is left
 */
export function calibratedEtaMs(
  est: { doneS: number; leftS: number }, elapsedMs: number, workers = 1,
  history?: readonly { atMs: number; estDoneS: number }[], nowMs?: number,
): number {
  if (!(est.leftS > 0)) return 0;
  if (history && nowMs !== undefined) {
    const k = history.length;
    const mid = history[Math.floor(k / 2) - 1];
    const last = history[k - 1];
    if (mid && last && k - Math.floor(k / 2) >= 2) {
      const doneSince = last.estDoneS - mid.estDoneS;
      // the ETA as of the last finish, counted down since (between finishes it must not grow)
      // (to a tenth of it at most: a trial running longer than expected does not make the ETA 0 while work is left)
      if (doneSince > 0 && last.atMs > mid.atMs) {
        const atLast = ((last.atMs - mid.atMs) * est.leftS) / doneSince;
        return Math.max(0.1 * atLast, atLast - Math.max(0, nowMs - last.atMs));
      }
    }
  }
  if (est.doneS > 0 && elapsedMs > 0) return (elapsedMs * est.leftS) / est.doneS;
  return (est.leftS * 1000) / Math.max(1, workers);
}

/** "1m05s" style duration of `ms` milliseconds; "?" if not finite or negative. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Rate (trials/s over this run) and ETA (ms; NaN when unknown) at time
 * `now`: calibrated cost-model ETA when the counts carry estimates (see
 * `calibratedEtaMs`), else trials left / rate.
 */
export function rateAndEta(c: ProgressCounts, now = Date.now()): { rate: number; etaMs: number } {
  const elapsed = now - c.startedAt;
  const rate = c.doneThisRun > 0 && elapsed > 0 ? c.doneThisRun / (elapsed / 1000) : 0;
  const left = Math.max(0, c.total - c.done - c.failed);
  if (left > 0 && c.estLeftS !== undefined && c.estDoneS !== undefined) {
    return { rate, etaMs: calibratedEtaMs({ doneS: c.estDoneS, leftS: c.estLeftS }, elapsed, c.workers, c.history, now) };
  }
  const etaMs = left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : NaN;
  return { rate, etaMs };
}

/**
 * One line of the numbers, e.g. "12/96 trials done, 1 failed, 2.40 trials/s,
 * elapsed 5s, ETA 35s" (also what `attn-phase status` prints). With `eta`
 * false (a run that is not active) the ETA is left out.
 */
export function progressLine(c: ProgressCounts, now = Date.now(), eta = true): string {
  const { rate, etaMs } = rateAndEta(c, now);
  const head = `${c.done}/${c.total} trials done, ${c.failed} failed, ${rate.toFixed(2)} trials/s, elapsed ${formatDuration(now - c.startedAt)}`;
  return eta ? `${head}, ETA ${formatDuration(etaMs)}` : head;
}

/** Width of the bar in characters. */
const BAR = 24;

/** A progress reporter over counts that the caller updates. */
export class Progress {
  private readonly tty: boolean;
  private lastLine = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;

  /**
   * @param counts   live counters (the reporter reads them on each update)
   * @param enabled  false = silent
   * @param stream   where to write (default stderr); a TTY gets the bar (cli-progress)
   * @param everyMs  period of the plain lines (non-TTY), default 5 s
   */
  constructor(
    private readonly counts: ProgressCounts,
    private readonly enabled = true,
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
    private readonly everyMs = 5000,
  ) {
    this.tty = enabled && !!stream.isTTY;
    if (!enabled) return;
    if (this.tty) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: stream as NodeJS.WriteStream,
          format: '{bar} {done}/{total} trials | {failed} failed | {rate} trials/s | ETA {etaText}',
          barsize: BAR,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          fps: 5,
          autopadding: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(counts.total, counts.done + counts.failed, this.payload());
      // keep rate/ETA moving between finished trials; never keeps the process alive
      this.timer = setInterval(() => this.update(), 1000);
      this.timer.unref();
    } else {
      this.stream.write(`${progressLine(counts)}\n`);
      this.lastLine = Date.now();
    }
  }

  /** The numbers shown on the bar (same as progressLine and `attn-phase status`). */
  private payload(now = Date.now()): Record<string, string | number> {
    const c = this.counts;
    const { rate, etaMs } = rateAndEta(c, now);
    return { done: c.done, failed: c.failed, rate: rate.toFixed(2), etaText: formatDuration(etaMs) };
  }

  /** Refresh after counts changed (the bar redraws at most 5 times a second; plain lines every `everyMs`). */
  update(): void {
    if (!this.enabled || this.stopped) return;
    const now = Date.now();
    if (this.bar) {
      const c = this.counts;
      if (this.bar.getTotal() !== c.total) this.bar.setTotal(c.total);
      this.bar.update(c.done + c.failed, this.payload(now));
    } else if (now - this.lastLine >= this.everyMs) {
      this.stream.write(`${progressLine(this.counts, now)}\n`);
      this.lastLine = now;
    }
  }

  /** Whether a bar is being drawn (messages must then go through `log`). */
  get drawsBar(): boolean {
    return this.tty && !this.stopped;
  }

  /** Print a message (on its own line, above the bar). Printed also when progress is disabled. */
  log(msg: string): void {
    if (this.multi && !this.stopped) this.multi.log(`${msg}\n`);
    else this.stream.write(`${msg}\n`);
  }

  /** Final state: the bar's last line, or a last plain line. Idempotent. */
  stop(): void {
    if (!this.enabled || this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    if (this.multi) {
      this.update();
      this.multi.stop();
    } else this.stream.write(`${progressLine(this.counts)}\n`);
    this.stopped = true;
  }
}

/**
 * Progress of one long trial on stderr (`attn-phase train`), by checkpoints:
 * "step 400/100000 (0.4 %), elapsed 12s, ETA 49m48s". A line is written at
 * the first checkpoint after step 0, then at most every `everyMs`. The ETA
 * is the steps left at the step rate since checkpoint 0 (setup excluded: GD
 * steps cost the same from one step to the next).
 */
export class TrialProgress {
  private t0 = NaN;
  private lastLine = -Infinity;
  private printedFirst = false;

  /**
   * @param steps    GD steps of the trial
   * @param stream   where to write (default stderr)
   * @param everyMs  least spacing of lines (default 5 s)
   */
  constructor(
    private readonly steps: number,
    private readonly stream: NodeJS.WritableStream = process.stderr,
    private readonly everyMs = 5000,
  ) {}

  /** The progress line at checkpoint `step` reached at time `now` (ms). */
  line(step: number, now = Date.now()): string {
    const elapsed = now - this.t0;
    const etaMs = step >= this.steps ? 0 : step > 0 && elapsed > 0 ? ((this.steps - step) * elapsed) / step : NaN;
    return `step ${step}/${this.steps} (${((100 * step) / this.steps).toFixed(1)} %), elapsed ${formatDuration(elapsed)}, ETA ${formatDuration(etaMs)}`;
  }

  /** A checkpoint at `step` was reached at `now`; writes a line when due. */
  checkpoint(step: number, now = Date.now()): void {
    if (Number.isNaN(this.t0)) this.t0 = now;
    if (step === 0) return;
    if (!this.printedFirst || now - this.lastLine >= this.everyMs) {
      this.stream.write(`${this.line(step, now)}\n`);
      this.lastLine = now;
      this.printedFirst = true;
    }
  }
}
