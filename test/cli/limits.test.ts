/**
 * Guards against careless input found by trying the tool as a new user:
 * output folders that are files or someone else's, absurd grid sizes, a plot
 * axis that is not swept. Each is a one-line error naming the field.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutDir } from '../../src/cli/errors.js';
import { MAX_TRIAL_GIB, planSweep } from '../../src/sweep/plan.js';
import { trialMemoryBytes } from '../../src/model/engines.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { UsageError, SweepSpecError } from '../../src/core/errors.js';
import { DEFAULT_CONFIG } from '../../src/core/config.js';

function oneLine(f: () => unknown, cls: new (...a: any[]) => Error, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    expect((e as Error).message).not.toContain('\n');
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an error');
}

describe('checkOutDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'attn-out-'));
  writeFileSync(join(root, 'afile'), 'keep me');
  mkdirSync(join(root, 'theirs'));
  writeFileSync(join(root, 'theirs', 'notes.txt'), 'x');
  mkdirSync(join(root, 'ours'));
  writeFileSync(join(root, 'ours', 'results.jsonl'), '');

  it('accepts a new folder, an empty folder and an attn-phase folder', () => {
    mkdirSync(join(root, 'empty'));
    expect(() => checkOutDir(join(root, 'new', 'deeper'), ['results.jsonl'])).not.toThrow();
    expect(() => checkOutDir(join(root, 'empty'), ['results.jsonl'])).not.toThrow();
    expect(() => checkOutDir(join(root, 'ours'), ['results.jsonl'])).not.toThrow();
  });

  it('refuses a file, a path through a file and a foreign non-empty folder, naming --out', () => {
    oneLine(() => checkOutDir(join(root, 'afile'), ['results.jsonl']), UsageError, /^--out: .*afile is a file/);
    oneLine(() => checkOutDir(join(root, 'afile', 'sub'), ['results.jsonl']), UsageError, /^--out: .*afile is a file/);
    oneLine(() => checkOutDir(join(root, 'theirs'), ['results.jsonl']), UsageError, /^--out: .*not an attn-phase output folder/);
    expect(readdirSync(join(root, 'theirs'))).toEqual(['notes.txt']);
  });
});

describe('sweep size limits', () => {
  it('rejects absurd ranges, seed counts and trial counts before planning', () => {
    oneLine(() => validateSweep({ name: 'x', grid: { snr: { logspace: [0.1, 1], num: 1e8 } } }, 's.yaml'), SweepSpecError, /grid\.snr\.num/);
    oneLine(() => validateSweep({ name: 'x', seeds: 1e9 }, 's.yaml'), SweepSpecError, /seeds/);
    const grid = { n: [4, 8], snr: [1, 2], d: [10, 20], T: [3, 4], eta: [0.1, 0.2] }; // 32 cells
    oneLine(() => validateSweep({ name: 'x', grid, seeds: 40_000 }, 's.yaml'), SweepSpecError, /grid: 1\.28e\+6 trials/);
  });

  it('rejects a trial whose memory estimate exceeds the limit, naming d', () => {
    // reduced engine at d = 1e7, N = 160: 8·d·(N+3) doubles ≈ 97 GiB
    expect(trialMemoryBytes({ ...DEFAULT_CONFIG, d: 1e7 }, 'reduced') / 2 ** 30).toBeGreaterThan(MAX_TRIAL_GIB);
    oneLine(() => planSweep(validateSweep({ name: 'x', base: { d: 10_000_000 } })), SweepSpecError, /^d: .*GiB/);
  });

  it('plot.x / plot.y must be swept axes', () => {
    oneLine(() => validateSweep({ name: 'x', grid: { n: [4, 8] }, plot: { x: 'eta' } }, 's.yaml'), SweepSpecError, /plot\.x: "eta" is not a grid axis/);
  });
});
