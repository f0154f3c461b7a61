/**
 * Progress on stderr: a bar on a TTY (cli-progress), plain periodic lines
 * otherwise. Shows done/total, failed, rate and ETA.
 */
import cliProgress from 'cli-progress';

export interface ProgressCounts {
  done: number;
  total: number;
  failed: number;
  /** trials finished in this run (for the rate) */
  doneThisRun: number;
  startedAt: number;
}

/** "1m05s" style duration. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line of the numbers (also what `attn-phase status` prints). */
export function progressLine(c: ProgressCounts, now = Date.now()): string {
  const elapsed = now - c.startedAt;
  const rate = c.doneThisRun > 0 ? c.doneThisRun / (elapsed / 1000) : 0;
  const left = c.total - c.done - c.failed;
  const eta = rate > 0 ? formatDuration((left / rate) * 1000) : '?';
  return `${c.done}/${c.total} trials done, ${c.failed} failed, ${rate.toFixed(2)} trials/s, elapsed ${formatDuration(elapsed)}, ETA ${eta}`;
}

/** A progress reporter. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;

  constructor(private readonly counts: ProgressCounts, private readonly enabled = true, private readonly stream: NodeJS.WriteStream = process.stderr) {
    if (enabled && stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream,
          format: '{bar} {value}/{total} trials | {failed} failed | {rate}/s | ETA {eta_formatted}',
          etaBuffer: 20,
          fps: 5,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(counts.total, counts.done, { failed: counts.failed, rate: '0.00' });
    } else if (enabled) {
      stream.write(`${progressLine(counts)}\n`);
      this.lastLine = Date.now();
    }
  }

  /** Refresh after counts changed. */
  update(): void {
    if (!this.enabled) return;
    const c = this.counts;
    if (this.bar) {
      const el = (Date.now() - c.startedAt) / 1000;
      this.bar.update(c.done + c.failed, { failed: c.failed, rate: el > 0 ? (c.doneThisRun / el).toFixed(2) : '0.00' });
    } else if (Date.now() - this.lastLine > 5000) {
      this.stream.write(`${progressLine(c)}\n`);
      this.lastLine = Date.now();
    }
  }

  /** Print a message without breaking the bar. */
  log(msg: string): void {
    if (this.bar) this.bar.stop();
    this.stream.write(`${msg}\n`);
    if (this.bar) this.bar.start(this.counts.total, this.counts.done + this.counts.failed, { failed: this.counts.failed, rate: '0.00' });
  }

  stop(): void {
    if (this.bar) this.bar.stop();
    else if (this.enabled) this.stream.write(`${progressLine(this.counts)}\n`);
  }
}
