/**
 * Progress on stderr: a one-line bar redrawn in place on a TTY, plain
 * periodic lines otherwise. Both show done/total, failed, rate and ETA —
 * the numbers of `progressLine`, which `attn-phase status` prints too.
 */
import cliProgress from 'cli-progress';

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

/** Rate (trials/s over this run) and ETA (ms; NaN when unknown) at time `now`. */
export function rateAndEta(c: ProgressCounts, now = Date.now()): { rate: number; etaMs: number } {
  const elapsed = now - c.startedAt;
  const rate = c.doneThisRun > 0 && elapsed > 0 ? c.doneThisRun / (elapsed / 1000) : 0;
  const left = Math.max(0, c.total - c.done - c.failed);
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
