/**
 * Progress on stderr: a one-line bar redrawn in place on a TTY, plain
 * periodic lines otherwise. Both show done/total, failed, rate and ETA —
 * the numbers of `progressLine`, which `attn-phase status` prints too.
 */

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
  private lastDraw = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  /**
   * @param counts   live counters (the reporter reads them on each update)
   * @param enabled  false = silent
   * @param stream   where to write (default stderr); a TTY gets the bar
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
      this.draw();
      // keep rate/ETA moving between finished trials; never keeps the process alive
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    } else {
      this.stream.write(`${progressLine(counts)}\n`);
      this.lastLine = Date.now();
    }
  }

  /** The bar line: "[#####-----] 12/96 | 1 failed | 2.40 trials/s | ETA 35s". */
  private barLine(now = Date.now()): string {
    const c = this.counts;
    const f = c.total > 0 ? Math.min(1, (c.done + c.failed) / c.total) : 1;
    const k = Math.round(f * BAR);
    const { rate, etaMs } = rateAndEta(c, now);
    return `[${'#'.repeat(k)}${'-'.repeat(BAR - k)}] ${c.done}/${c.total} trials | ${c.failed} failed | ${rate.toFixed(2)} trials/s | ETA ${formatDuration(etaMs)}`;
  }

  private draw(): void {
    if (this.stopped) return;
    this.stream.write(`\r\x1b[K${this.barLine()}`);
    this.lastDraw = Date.now();
  }

  /** Refresh after counts changed (the bar at most 5 times a second; plain lines every `everyMs`). */
  update(): void {
    if (!this.enabled || this.stopped) return;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw >= 200) this.draw();
    } else if (now - this.lastLine >= this.everyMs) {
      this.stream.write(`${progressLine(this.counts, now)}\n`);
      this.lastLine = now;
    }
  }

  /** Whether a bar is being drawn (messages must then go through `log`). */
  get drawsBar(): boolean {
    return this.tty && !this.stopped;
  }

  /** Print a message (on its own line, the bar redrawn under it). Printed also when progress is disabled. */
  log(msg: string): void {
    if (this.tty && !this.stopped) {
      this.stream.write(`\r\x1b[K${msg}\n`);
      this.draw();
    } else this.stream.write(`${msg}\n`);
  }

  /** Final state: the bar's last line, or a last plain line. Idempotent. */
  stop(): void {
    if (!this.enabled || this.stopped) return;
    if (this.tty) {
      this.draw();
      this.stream.write('\n');
    } else this.stream.write(`${progressLine(this.counts)}\n`);
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
