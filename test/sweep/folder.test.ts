/**
 * The output folder module on real files and real processes: layout, the
 * journal merged over results.jsonl and shards (deduplicated by trial id,
 * torn last lines tolerated, invalid lines set aside naming file:line),
 * records keyed to the plan, folding shards, the zombie holder of a lock
 * (a real unreaped child), and temporaries of atomic writes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io.js';
import { MAIN_WRITER, OutputFolder } from '../../src/sweep/folder.js';
import { LAYOUT } from '../../src/core/layout.js';
import { pidAlive } from '../../src/sweep/lock.js';
import { sampleTrial, tempDir } from './helpers.js';
import { IoError } from '../../src/core/errors.js';
import type { JournalLine } from '../../src/core/records.js';

let tmp: ReturnType<typeof tempDir>;
let n = 0;
const freshFolder = () => new OutputFolder(join(tmp.dir, `f${n++}`));
const line = (x: unknown) => `${JSON.stringify(x)}\n`;
const trial = (id: string, extra: Record<string, unknown> = {}) => sampleTrial(id, extra) as unknown as JournalLine;

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());

describe('layout', () => {
  it('hands out every path of the folder; shards live in journal/<writer>.jsonl', () => {
    const f = freshFolder();
    expect(f.lockFile).toBe(join(f.dir, 'run.lock'));
    expect(f.runInfoFile).toBe(join(f.dir, 'run.json'));
    expect(f.planFile).toBe(join(f.dir, 'plan.json'));
    expect(f.sweepFile).toBe(join(f.dir, 'sweep.yaml'));
    expect(f.journalFileOf(MAIN_WRITER)).toBe(join(f.dir, 'results.jsonl'));
    expect(f.journalFileOf('task-3.1')).toBe(join(f.dir, 'journal', 'task-3.1.jsonl'));
    expect(f.path('cells.csv')).toBe(join(f.dir, 'cells.csv'));
    expect(() => f.path('../x')).toThrow(/plain file name/);
    expect(() => f.journalFileOf('../evil')).toThrow(/writer name/);
    expect(Object.values(LAYOUT)).toEqual([
      'run.lock', 'run.json', 'plan.json', 'sweep.yaml', 'results.jsonl', 'journal', 'slurm',
      'cells.csv', 'trials.csv', 'boundary.json', 'report.html', 'trial.json', 'trajectory.csv',
    ]);
  });

  it('open() of a folder that does not exist, or of a file, says so in one line', () => {
    expect(() => OutputFolder.open(join(tmp.dir, 'nope'))).toThrow(/nope: does not exist/);
    writeFileSync(join(tmp.dir, 'plainfile'), 'x');
    expect(() => OutputFolder.open(join(tmp.dir, 'plainfile'))).toThrow(/plainfile: is a file, not an output folder/);
  });
});

describe('journal over several files', () => {
  it('merges results.jsonl and the shards: each trial once (first line wins), failures without repeats, torn tails tolerated', async () => {
    const f = freshFolder();
    const lock = await f.lock();
    const main = f.openJournal(MAIN_WRITER, lock);
    main.append(trial('a', { v: 'main' }));
    main.close();
    const s1 = f.openJournal('task-1');
    s1.append(trial('a', { v: 'shard' })); // a trial run twice (e.g. a requeued task): same id
    s1.append(trial('b'));
    const fail = { kind: 'failure', id: 'c', sweep: 's', cellKey: '[1]', seed: 0, error: 'Error: x', attempt: 1, final: true, finishedAt: '2025-01-01T00:00:00.000Z' } as const;
    s1.append(fail);
    s1.close();
    const s2 = f.openJournal('task-2');
    s2.append(fail); // the same failure line in two files counts once
    s2.append(trial('d'));
    s2.close();
    appendFileSync(f.journalFileOf('task-2'), '{"kind":"trial","id":"e","se'); // a task writing right now
    const j = f.replay();
    expect([...j.trials.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect((j.trials.get('a') as unknown as { v: string }).v).toBe('main');
    expect(j.failures.get('c')).toHaveLength(1);
    expect(j.torn).toBe(true);
    expect(j.warnings).toEqual([`${f.journalFileOf('task-2')}: torn last line (28 bytes of an interrupted write) ignored`]);
    expect(j.files.map((x) => x.file)).toEqual([f.journalFile, f.journalFileOf('task-1'), f.journalFileOf('task-2')]);
    await lock.release();
  });

  it('sets an invalid line aside with a one-line warning naming file:line; its trial is not counted', () => {
    const f = freshFolder();
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.journalFile, line(trial('a')) + line({ kind: 'trial', id: 'b' }) + line(trial('c')));
    const j = f.replay();
    expect([...j.trials.keys()]).toEqual(['a', 'c']);
    expect(j.warnings).toHaveLength(1);
    expect(j.warnings[0]).toBe(`${f.journalFile}:2: invalid journal line set aside (sweep: Required); its trial runs again`);
  });

  it('records(plan) keys the plan\'s finished trials to its cells, in plan order', () => {
    const f = freshFolder();
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.journalFile, line(trial('x', { cellKey: '[old]', axes: { snr: 9 } })) + line(trial('y')) + line(trial('other')));
    const plan = {
      cells: [{ key: '[1,2]', axes: { snr: 1, n: 2 } }, { key: '[3,4]', axes: { snr: 3, n: 4 } }],
      trials: [{ id: 'y', cellKey: '[1,2]', seed: 0 }, { id: 'x', cellKey: '[3,4]', seed: 1 }, { id: 'missing', cellKey: '[3,4]', seed: 0 }],
    };
    const recs = f.records(plan);
    expect(recs.map((r) => [r.id, r.cellKey, r.axes])).toEqual([['y', '[1,2]', { snr: 1, n: 2 }], ['x', '[3,4]', { snr: 3, n: 4 }]]);
  });

  it('a folder where results.jsonl should be: the error names the file and says what to do', () => {
    const f = freshFolder();
    mkdirSync(f.journalFile, { recursive: true });
    expect(() => f.replay()).toThrow(IoError);
    expect(() => f.replay()).toThrow(`${f.journalFile}: cannot read the journal: is a folder (EISDIR); a folder is where a file should be: move that folder away, then rerun`);
  });

  it('fold() copies what the shards add into results.jsonl; folding twice adds nothing', async () => {
    const f = freshFolder();
    const lock = await f.lock();
    const m = f.openJournal(MAIN_WRITER, lock);
    m.append(trial('a'));
    m.close();
    const s = f.openJournal('task-0');
    s.append(trial('a'));
    s.append(trial('b'));
    s.append({ kind: 'failure', id: 'c', sweep: 's', cellKey: '[1]', seed: 0, error: 'E', attempt: 1, finishedAt: 't' });
    s.close();
    expect(f.fold(lock)).toBe(2);
    const text = readFileSync(f.journalFile, 'utf8');
    expect(f.fold(lock)).toBe(0);
    expect(readFileSync(f.journalFile, 'utf8')).toBe(text);
    expect(text.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['a', 'c', 'b']);
    await lock.release();
  });
});

describe('lock', () => {
  it('a holder that is a zombie (killed, not reaped by its parent) counts as gone: the lock is taken over at once', async () => {
    // sh starts a child, then blocks in `read` without reaping it: kill -9 the child → a real zombie
    const sh = spawn('sh', ['-c', 'sleep 300 & echo $!; read x; wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((res) => sh.stdout!.once('data', (d) => res(String(d).trim()))));
    try {
      expect(pidAlive(pid)).toBe(true);
      process.kill(pid, 'SIGKILL');
      const stat = () => readFileSync(`/proc/${pid}/stat`, 'utf8');
      for (let i = 0; i < 100 && !/\) Z /.test(stat()); i++) await new Promise((r) => setTimeout(r, 20));
      expect(stat()).toMatch(/\) Z /);
      expect(() => process.kill(pid, 0)).not.toThrow(); // kill(pid, 0) alone would call it alive

      const f = freshFolder();
      mkdirSync(f.lockFile, { recursive: true });
      writeFileSync(f.runInfoFile, JSON.stringify({ pid, hostname: hostname(), lockIno: statSync(f.lockFile).ino, startedAt: new Date().toISOString() }));
      expect(pidAlive(pid)).toBe(false);
      expect(f.lockState()).toMatchObject({ held: false, stale: true, reason: `its run (pid ${pid}) is gone` });
      const lock = await f.lock();
      expect(JSON.parse(readFileSync(f.runInfoFile, 'utf8')).pid).toBe(process.pid);
      await lock.release();
    } finally {
      sh.stdin!.end('\n'); // sh reaps its zombie and exits
      await new Promise((r) => sh.on('close', r));
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('under the lock: refuses a foreign non-empty folder (nothing left behind), accepts one holding only the lock\'s own files', async () => {
    const foreign = freshFolder();
    mkdirSync(foreign.dir, { recursive: true });
    writeFileSync(join(foreign.dir, 'notes.txt'), 'mine');
    await expect(foreign.lock()).rejects.toThrow(/is not empty and is not an attn-phase output folder/);
    expect(readdirSync(foreign.dir)).toEqual(['notes.txt']);

    const leftover = freshFolder(); // a run killed after creating its lock and run.json, before plan.json
    mkdirSync(leftover.lockFile, { recursive: true });
    writeFileSync(leftover.runInfoFile, JSON.stringify({ pid: 999_999_999, hostname: hostname(), lockIno: statSync(leftover.lockFile).ino, startedAt: '' }));
    const lock = await leftover.lock();
    await lock.release();
  });

  it('refuses a folder of another sweep unless forced', async () => {
    const f = freshFolder();
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.planFile, JSON.stringify({ sweep: { name: 'first' }, axes: [], cells: [], trials: [] }));
    await expect(f.lock({ sweep: 'second', label: 'out/x' })).rejects.toThrow('--out: out/x holds the sweep "first" (plan.json), not "second"; choose another --out, or add --force to put both sweeps\' trials in one journal');
    expect(existsSync(f.lockFile)).toBe(false);
    await (await f.lock({ sweep: 'first' })).release();
    await (await f.lock({ sweep: 'second', force: true })).release();
  });
});

describe('temporary files', () => {
  it('an atomic write that fails removes its temporary file and names the path', () => {
    const f = freshFolder();
    mkdirSync(join(f.dir, 'cells.csv', 'inside'), { recursive: true }); // a non-empty folder where the file goes: rename fails
    expect(() => writeFileAtomic(f.path('cells.csv'), 'a,b\n')).toThrow(new RegExp(`^${f.path('cells.csv')}: cannot write: `));
    expect(readdirSync(f.dir)).toEqual(['cells.csv']);
  });

  it('temporaries left by dead processes (all three old spellings too) are removed when the folder is locked; a live process\'s stay', async () => {
    const f = freshFolder();
    mkdirSync(join(f.dir, 'journal'), { recursive: true });
    const dead = 999_999_999;
    const names = [`run.json.${dead}.tmp`, `trials.csv.tmp-${dead}`, `phase-diagram.png.tmp-${dead}-0a1b2c3d`, `journal/x.jsonl.tmp-${dead}-00000000`];
    const live = `cells.csv.tmp-${process.ppid}-deadbeef`;
    for (const nm of [...names, live]) writeFileSync(join(f.dir, nm), 'partial');
    writeFileSync(f.journalFile, '');
    const lock = await f.lock();
    for (const nm of names) expect(existsSync(join(f.dir, nm)), nm).toBe(false);
    expect(existsSync(join(f.dir, live))).toBe(true);
    await lock.release();
  });
});
