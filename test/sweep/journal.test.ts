/**
 * The journal (append-only results.jsonl), the one-writer lock and the
 * progress numbers, on real files.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalWriter, readJournal } from '../../src/sweep/journal.js';
import { progressLine } from '../../src/sweep/progress.js';
import { OutputFolder } from '../../src/sweep/folder.js';
import { sampleTrial, tempDir } from './helpers.js';
import type { FailureRecord, JournalLine } from '../../src/core/records.js';
import { LockedError } from '../../src/core/errors.js';

let tmp: ReturnType<typeof tempDir>;
let n = 0;
const fresh = () => join(tmp.dir, `j${n++}`, 'results.jsonl');

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());

/** A journal line that passes the schema. */
const trial = (id: string, extra: Record<string, unknown> = {}) => sampleTrial(id, extra) as unknown as JournalLine;
const failure = (id: string, attempt: number): FailureRecord => ({
  kind: 'failure', id, sweep: 's', cellKey: '[1]', seed: 0, error: 'Error: x', attempt, final: false, finishedAt: '2025-01-01T00:00:00.000Z',
});

describe('journal', () => {
  it('reads back what was appended, one line per record; a missing file is empty', () => {
    const f = fresh();
    expect(readJournal(f).trials.size).toBe(0);
    const w = new JournalWriter(f);
    w.append(trial('a'));
    w.append(failure('b', 1));
    w.append(trial('b'));
    w.close();
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(4); // 3 lines + the final newline
    const j = readJournal(f);
    expect([...j.trials.keys()]).toEqual(['a', 'b']);
    expect(j.failures.get('b')!.map((x) => x.attempt)).toEqual([1]);
    expect(j).toMatchObject({ torn: false, bad: [], lines: 3, duplicates: 0 });
  });

  it('detects a torn last line, ignores it (even if it parses), and the writer cuts it into .torn', () => {
    for (const tail of ['{"kind":"trial","id":"c","se', JSON.stringify(trial('c'))]) {
      const f = fresh();
      const w = new JournalWriter(f);
      w.append(trial('a'));
      w.append(trial('b'));
      w.close();
      appendFileSync(f, tail);
      const j = readJournal(f);
      expect(j.torn).toBe(true);
      expect(j.tornBytes).toBe(Buffer.byteLength(tail));
      expect([...j.trials.keys()]).toEqual(['a', 'b']); // the unterminated line is not trusted
      const w2 = new JournalWriter(f);
      expect(w2.cutBytes).toBe(Buffer.byteLength(tail));
      w2.append(trial('c'));
      w2.close();
      expect(readFileSync(`${f}.torn`, 'utf8')).toBe(`${tail}\n`);
      const k = readJournal(f);
      expect(k).toMatchObject({ torn: false, bad: [], lines: 3 });
      expect([...k.trials.keys()]).toEqual(['a', 'b', 'c']);
    }
  });

  it('a file that is only a torn line is cut to empty', () => {
    const f = fresh();
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, '{"kind":"tri');
    new JournalWriter(f).close();
    expect(statSync(f).size).toBe(0);
  });

  it('reports unreadable and schema-failing complete lines by number and field, keeps the first of duplicate trials', () => {
    const f = fresh();
    mkdirSync(join(f, '..'), { recursive: true });
    const incomplete = JSON.stringify({ kind: 'trial', id: 'b' }); // issue #14 item 5: no outcome at all
    const { final: _f, ...noFinal } = sampleTrial('c');
    writeFileSync(f, [
      JSON.stringify(trial('a', { v: 1 })), 'garbage{', '', JSON.stringify({ kind: 'other', id: 'z' }), JSON.stringify(trial('a', { v: 2 })), '\0\0\0',
      incomplete, JSON.stringify(noFinal), JSON.stringify(trial('d', { checkpoints: [{ step: 0 }] })),
    ].join('\n') + '\n');
    const j = readJournal(f);
    expect(j.bad.map((b) => b.line)).toEqual([2, 4, 6, 7, 8, 9]);
    expect(j.bad[0].reason).toBe('not JSON');
    expect(j.bad[1].reason).toMatch(/^kind: expected "trial" or "failure", got "other"/);
    expect(j.bad[3].reason).toMatch(/^sweep: Required/);
    expect(j.bad[4].reason).toMatch(/^final: Required/);
    expect(j.bad[5].reason).toMatch(/^checkpoints\.0\.trainLoss: Required/);
    expect([...j.trials.keys()]).toEqual(['a']);
    expect(j.duplicates).toBe(1);
    expect((j.trials.get('a') as unknown as { v: number }).v).toBe(1);
    expect(j.torn).toBe(false);
  });

  it('handles lines longer than its 1 MiB read chunk, also a long torn tail', () => {
    const f = fresh();
    const big = 'x'.repeat(2_500_000);
    const w = new JournalWriter(f);
    w.append(trial('a'));
    w.append(trial('big', { big }));
    w.append(trial('c'));
    w.close();
    const tail = `{"kind":"trial","id":"d","big":"${big}`;
    appendFileSync(f, tail);
    const j = readJournal(f);
    expect([...j.trials.keys()]).toEqual(['a', 'big', 'c']);
    expect((j.trials.get('big') as unknown as { big: string }).big).toHaveLength(big.length);
    expect(j.tornBytes).toBe(tail.length);
    new JournalWriter(f).close();
    const k = readJournal(f);
    expect(k.torn).toBe(false);
    expect(k.lines).toBe(3);
  });
});

describe('lock', () => {
  it('a second acquire of a held folder is refused; after release it is free', async () => {
    const folder = new OutputFolder(join(tmp.dir, 'lock-a'));
    const lock = await folder.lock();
    expect(folder.lockState()).toMatchObject({ held: true, stale: false, owner: { pid: process.pid, hostname: hostname() } });
    await expect(folder.lock()).rejects.toBeInstanceOf(LockedError);
    await expect(folder.lock()).rejects.toThrow(/another attn-phase run is writing here \(pid \d+ on /);
    await lock.release();
    expect(existsSync(folder.lockFile)).toBe(false);
    expect(folder.lockState()).toMatchObject({ held: false, stale: false });
    await (await folder.lock()).release();
  });

  it('a lock left by a dead process on this host is taken over at once', async () => {
    const folder = new OutputFolder(join(tmp.dir, 'lock-dead'));
    mkdirSync(folder.lockFile, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const info = { pid: Number(dead), hostname: hostname(), lockIno: statSync(folder.lockFile).ino, startedAt: new Date().toISOString() };
    writeFileSync(folder.runInfoFile, JSON.stringify(info));
    expect(folder.lockState()).toMatchObject({ held: false, stale: true });
    const lock = await folder.lock();
    expect(JSON.parse(readFileSync(folder.runInfoFile, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('a lock not refreshed for 30 s is stale whoever holds it (another host)', async () => {
    const folder = new OutputFolder(join(tmp.dir, 'lock-old'));
    mkdirSync(folder.lockFile, { recursive: true });
    const info = { pid: 1, hostname: 'elsewhere', lockIno: statSync(folder.lockFile).ino, startedAt: new Date().toISOString() };
    writeFileSync(folder.runInfoFile, JSON.stringify(info));
    await expect(folder.lock()).rejects.toThrow(/pid 1 on elsewhere/);
    const old = (Date.now() - 31_000) / 1000;
    utimesSync(folder.lockFile, old, old);
    expect(folder.lockState()).toMatchObject({ held: false, stale: true });
    await (await folder.lock()).release();
  });

  it('a lock whose holder never recorded itself (a run killed while starting, #14 item 1) is taken over after the grace', async () => {
    const folder = new OutputFolder(join(tmp.dir, 'lock-ownerless'));
    mkdirSync(folder.lockFile, { recursive: true });
    expect(folder.lockState()).toMatchObject({ held: true, owner: null }); // fresh, owner unknown
    const lock = await folder.lock();
    expect(JSON.parse(readFileSync(folder.runInfoFile, 'utf8'))).toMatchObject({ pid: process.pid, lockIno: lock.ino });
    await lock.release();
  });
});

describe('progress numbers', () => {
  it('rate over this run and ETA of what is left (closed form)', () => {
    // 8 trials in 4 s = 2/s; 30 − 10 done − 2 failed = 18 left → 9 s
    const c = { done: 10, total: 30, failed: 2, doneThisRun: 8, startedAt: 1_000 };
    expect(progressLine(c, 5_000)).toBe('10/30 trials done, 2 failed, 2.00 trials/s, elapsed 4s, ETA 9s');
    expect(progressLine({ ...c, doneThisRun: 0 }, 5_000)).toBe('10/30 trials done, 2 failed, 0.00 trials/s, elapsed 4s, ETA ?');
    expect(progressLine({ ...c, done: 28 }, 5_000, false)).toBe('28/30 trials done, 2 failed, 2.00 trials/s, elapsed 4s');
  });
});
