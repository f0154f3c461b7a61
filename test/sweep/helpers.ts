/**
 * Helpers of the sweep tests: real `attn-phase` processes on tiny sweep files
 * in temporary folders, and journal comparison by trial id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'bin.js');

/** Fail early with a clear message when the project was not built. */
export function requireBuild(): void {
  if (!existsSync(CLI) || !existsSync(join(ROOT, 'dist', 'sweep', 'worker.js'))) {
    throw new Error('dist/ is missing: run "npm run build" before these tests');
  }
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'attn-phase-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A tiny sweep file: 6 snr × 2 eta cells × 2 seeds = 24 trials of d 8, n 4,
 * T 3. `steps` sets how long a trial takes (40 000 steps ≈ 0.1 s).
 */
export function writeSweep(dir: string, name: string, steps: number, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
base: { d: 8, n: 4, T: 3, steps: ${steps}, evalEvery: ${Math.max(1, Math.floor(steps / 4))}, testN: 50 }
grid:
  snr: [0.1, 0.2, 0.5, 1, 2, 4]
  eta: [0.1, 0.3]
seeds: 2
plot: { x: snr, y: eta }
${extra}`);
  return file;
}

/** A started CLI process with its output collected. */
export interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** exit code (or 128 + signal number style: null code → -1) once it ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `node dist/cli/main.js <args>` (stdout/stderr piped, so no TTY). */
export function startCli(args: string[], cwd = ROOT): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Run the CLI to completion. */
export async function runCli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const c = startCli(args);
  const r = await c.exited;
  return { ...r, stdout: c.stdout(), stderr: c.stderr() };
}

/** Poll `pred` every 20 ms until it is true. @throws after `timeoutMs` */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Number of complete (newline-terminated) lines of a file (0 if missing). */
export function completeLines(file: string): number {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  let n = 0;
  for (const x of b) if (x === 0x0a) n++;
  return n;
}

/** Fields that legitimately differ between runs of the same trial. */
const VOLATILE = new Set(['timings', 'finishedAt', 'attempt']);

/**
 * The trial records of a journal by id, as canonical JSON without timings,
 * finishedAt and attempt. Asserts the journal is whole (ends with a newline,
 * every line parses) and that no trial appears twice.
 */
export function trialsById(journal: string): Map<string, string> {
  const text = readFileSync(journal, 'utf8');
  expect(text.endsWith('\n'), `${journal} ends with a newline`).toBe(true);
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec.kind !== 'trial') continue;
    expect(out.has(rec.id as string), `trial ${String(rec.id)} appears once`).toBe(false);
    const kept = Object.fromEntries(Object.entries(rec).filter(([k]) => !VOLATILE.has(k)));
    out.set(rec.id as string, JSON.stringify(kept));
  }
  return out;
}

/** Assert two journals hold the same trials with the same numbers (timings aside). */
export function expectSameTrials(a: string, b: string): void {
  const x = trialsById(a);
  const y = trialsById(b);
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const [id, rec] of x) expect(y.get(id), `trial ${id}`).toBe(rec);
}

/** Rows of the regime map in phase-diagram.vl.json: cellKey → count of finished seeds. */
export function diagramCounts(outDir: string): Map<string, number> {
  const spec = JSON.parse(readFileSync(join(outDir, 'phase-diagram.vl.json'), 'utf8'));
  const rows = new Map<string, number>();
  const walk = (x: unknown): boolean => {
    if (Array.isArray(x)) return x.some(walk);
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      const vals = o.values;
      if (Array.isArray(vals) && vals.length && vals.every((v) => v && typeof v === 'object' && 'cellKey' in v && 'count' in v)) {
        for (const v of vals as { cellKey: string; count: number }[]) rows.set(v.cellKey, v.count);
        return true;
      }
      return Object.values(o).some(walk);
    }
    return false;
  };
  walk(spec);
  return rows;
}

/** Modification time of a file in ms (NaN if missing). */
export function mtimeMs(file: string): number {
  return existsSync(file) ? statSync(file).mtimeMs : NaN;
}

/** A checkpoint that passes the journal schema (numbers are arbitrary: storage tests do not look at them). */
export function sampleCheckpoint(step: number): Record<string, unknown> {
  const w = { relevant: 0.5, confusing: 0.2, weak: 0.3, irrelevant: null };
  return {
    step, trainLoss: 0.5, trainAcc: 1, cleanFit: 1, noisyFit: null, testAcc: 0.9, testLoss: 0.3,
    attnClean: w, attnNoisy: null, pNorm: 1.5, regime: 'benign-overfitting',
  };
}

/** A `trial` journal line that passes the schema, with `extra` fields merged in. */
export function sampleTrial(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cks = [sampleCheckpoint(0), sampleCheckpoint(10)];
  return {
    kind: 'trial', id, sweep: 's', cellKey: '[1]', axes: { snr: 1 }, seed: 0,
    config: { d: 8, n: 4, T: 3, steps: 10, evalEvery: 10 }, snr: 1, finishedAt: '2025-01-01T00:00:00.000Z', attempt: 1,
    engine: 'reduced', checkpoints: cks, final: cks[1], regime: 'benign-overfitting', events: { firstStep: {}, tFit: 0, tGeneralize: 0 },
    diverged: false, timings: { sharedMs: 0, trainMs: 0, totalMs: 0 }, ...extra,
  };
}
