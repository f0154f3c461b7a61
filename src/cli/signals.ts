/**
 * SIGINT / SIGTERM handling of the command line, installed when the CLI
 * process starts (src/cli/main.ts imports this module first, before the
 * heavy modules load), so a signal is never met by Node's default handler.
 * Until a command registers a handler, a signal exits at once with 130
 * (nothing has been written yet); afterwards the handler gets the signal
 * count (1st, 2nd, …) and decides.
 */

let count = 0;
let handler: ((count: number, signal: NodeJS.Signals) => void) | null = null;

function onSignal(signal: NodeJS.Signals): void {
  count++;
  if (handler) {
    handler(count, signal);
    return;
  }
  process.stderr.write(`attn-phase: ${signal === 'SIGTERM' ? 'terminated' : 'interrupted'}\n`);
  process.exit(130);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.title = 'attn-phase'; // shown by ps/top (and tells a watcher the handlers are in place)

/**
 * Route SIGINT/SIGTERM to `h` (the count starts again at 1).
 * @returns a function that restores the default (exit 130 at once)
 */
export function onStopSignal(h: (count: number, signal: NodeJS.Signals) => void): () => void {
  count = 0;
  handler = h;
  return () => {
    if (handler === h) handler = null;
  };
}
