/**
 * Overnight-sweep survival, with real `attn-phase run` processes on tiny
 * sweeps: kill -9 and rerun, torn last line, a second concurrent run, SIGINT
 * (once and twice), a changed grid, --live, status, bad input. Every check of
 * numbers compares journal records by trial id against uninterrupted
 * reference runs (timings, finishedAt and attempt aside): the results of a
 * trial depend only on its config and seed (SPEC §6), not on the schedule.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeLines, diagramCounts, expectSameTrials, requireBuild, runCli, startCli, tempDir, trialsById, waitFor, writeSweep,
} from './helpers.js';

const TOTAL = 24; // 6 snr × 2 eta × 2 seeds
let tmp: ReturnType<typeof tempDir>;
let long: string; // 24 trials of ≈ 0.1 s
let ref1: string; // journal of an uninterrupted run on 1 worker
let ref2: string; // … on 2 workers
let refStderr2 = '';

const journal = (out: string) => join(out, 'results.jsonl');

beforeAll(async () => {
  requireBuild();
  tmp = tempDir();
  long = writeSweep(tmp.dir, 'long', 40_000);
  const [a, b] = await Promise.all([
    runCli(['run', long, '--out', join(tmp.dir, 'ref1'), '--workers', '1']),
    runCli(['run', long, '--out', join(tmp.dir, 'ref2'), '--workers', '2']),
  ]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  ref1 = journal(join(tmp.dir, 'ref1'));
  ref2 = journal(join(tmp.dir, 'ref2'));
  refStderr2 = b.stderr;
});

afterAll(() => tmp?.cleanup());

describe('attn-phase run survives', () => {
  it('gives the same records on 1 and 2 workers, each trial once, with plain progress lines off a TTY', () => {
    expect(trialsById(ref1).size).toBe(TOTAL);
    expectSameTrials(ref1, ref2);
    // stderr is a pipe: plain lines with done/total, failed, rate, ETA (first and last at least)
    // before any trial finished: the cost model's uncalibrated estimate (see progress.ts)
    expect(refStderr2).toMatch(/^0\/24 trials done, 0 failed, 0\.00 trials\/s, elapsed 0s, ETA \d\S*$/m);
    expect(refStderr2).toMatch(/^24\/24 trials done, 0 failed, \d+\.\d\d trials\/s, elapsed \S+, ETA 0s$/m);
  });

  it('kill -9 mid-run plus a torn line: the rerun takes the lock over and completes the journal with the same numbers', async () => {
    const out = join(tmp.dir, 'killed');
    const j = journal(out);
    const a = startCli(['run', long, '--out', out, '--workers', '2', '--no-progress']);
    await waitFor(() => completeLines(j) >= 4, 'four journal lines');
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const before = trialsById(j);
    expect(before.size).toBeGreaterThanOrEqual(4);
    expect(before.size).toBeLessThan(TOTAL); // it really was cut short
    expect(existsSync(join(out, 'run.lock'))).toBe(true); // the dead run could not remove its lock

    // status of the dead run: not active, its lock stale, the numbers of the journal
    const st = await runCli(['status', out, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout);
    expect(s.active).toBe(false);
    expect(s.lock.stale).toBe(true);
    expect(s.counts).toMatchObject({ done: before.size, total: TOTAL, failed: 0 });

    // a power cut in the middle of a line: the first half of a record of a trial not yet done
    const missing = readFileSync(ref2, 'utf8').split('\n').find((l) => l && !before.has(JSON.parse(l).id))!;
    const half = missing.slice(0, Math.floor(missing.length / 2));
    appendFileSync(j, half);

    const b = await runCli(['run', long, '--out', out, '--no-progress']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/torn last line .* ignored/);
    expect(b.stderr).toContain(`resuming: ${before.size} of ${TOTAL} trials already in`);
    expect(b.stderr).toContain(`${TOTAL - before.size} trials run, ${before.size} resumed`);
    expectSameTrials(ref2, j); // every trial exactly once, numbers of the uninterrupted run
    expect(readFileSync(`${j}.torn`, 'utf8')).toBe(`${half}\n`); // the cut bytes are kept aside
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('survives a truncated last line in an otherwise complete journal: only that trial reruns', async () => {
    const out = join(tmp.dir, 'torn');
    mkdirSync(out);
    const text = readFileSync(ref2, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    const last = lines[lines.length - 1];
    writeFileSync(journal(out), text.slice(0, text.length - 1 - Math.floor(last.length / 2)));
    const r = await runCli(['run', long, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*results\.jsonl: torn last line \(\d+ bytes of an interrupted write\) ignored/);
    expect(r.stderr).toContain(`1 trials run, ${TOTAL - 1} resumed`);
    expectSameTrials(ref2, journal(out));
  });

  it('refuses a second concurrent run on the same folder (exit 3, one line) while status shows the first as active', async () => {
    const out = join(tmp.dir, 'busy');
    const j = journal(out);
    const a = startCli(['run', long, '--out', out, '--workers', '1', '--no-progress']);
    await waitFor(() => completeLines(j) >= 1, 'a first journal line');

    // a second run, and status (JSON and text), all while the first runs
    const [b, st, human] = await Promise.all([
      runCli(['run', long, '--out', out, '--workers', '1']),
      runCli(['status', out, '--json']),
      runCli(['status', out]),
    ]);
    expect(b.code).toBe(3);
    const errors = b.stderr.split('\n').filter((l) => l.startsWith('attn-phase:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`another attn-phase run is writing here \\(pid ${a.child.pid} on `));

    const s = JSON.parse(st.stdout);
    expect(s.active).toBe(true);
    expect(s.run.pid).toBe(a.child.pid);
    expect(s.counts.total).toBe(TOTAL);
    expect(s.counts.done).toBeGreaterThanOrEqual(1);
    expect(s.rate).toBeGreaterThan(0);
    expect(s.etaMs).not.toBeNull();
    expect(human.stdout).toMatch(/running: yes — lock held by pid \d+/);
    expect(human.stdout).toMatch(/^\d+\/24 trials done, 0 failed, \d+\.\d\d trials\/s, elapsed \S+, ETA \S+$/m);

    const ra = await a.exited;
    expect(ra.code, a.stderr()).toBe(0);
    expectSameTrials(ref1, j); // the refused run changed nothing
    const after = JSON.parse((await runCli(['status', out, '--json'])).stdout);
    expect(after).toMatchObject({ active: false, counts: { done: TOTAL, total: TOTAL, failed: 0, doneThisRun: TOTAL } });
    expect(after.run.outcome).toBe('completed');
  });

  it('SIGINT: running trials finish, the journal stays whole, the partial diagram is rendered, exit 130; the rerun completes it', async () => {
    const out = join(tmp.dir, 'sigint');
    const j = journal(out);
    const a = startCli(['run', long, '--out', out, '--workers', '2', '--no-progress']);
    await waitFor(() => completeLines(j) >= 3, 'three journal lines');
    a.child.kill('SIGINT');
    const r = await a.exited;
    expect(r.code, a.stderr()).toBe(130);
    expect(a.stderr()).toContain('stopping: no new trials are handed out');
    expect(a.stderr()).toMatch(/interrupted: \d+\/24 trials in the journal/);
    const done = trialsById(j);
    // groups of 12 trials share a worker: only the trials running at the signal are added
    expect(done.size).toBeLessThan(TOTAL);
    const ref = trialsById(ref2);
    for (const [id, rec] of done) expect(rec, id).toBe(ref.get(id));
    // the partial phase diagram: every cell drawn, counts = what the journal holds
    const counts = diagramCounts(out);
    expect(counts.size).toBe(12);
    expect([...counts.values()].reduce((x, y) => x + y, 0)).toBe(done.size);
    expect([...counts.values()].some((c) => c < 2)).toBe(true);
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(true);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).outcome).toBe('interrupted');

    const b = await runCli(['run', long, '--out', out, '--no-progress']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`resuming: ${done.size} of ${TOTAL}`);
    expectSameTrials(ref2, j);
    expect([...diagramCounts(out).values()]).toEqual(new Array(12).fill(2));
  });

  it('a second SIGINT stops at once: exit 130, nothing rendered, the journal whole', async () => {
    const out = join(tmp.dir, 'sigint2');
    const j = journal(out);
    const a = startCli(['run', long, '--out', out, '--workers', '2', '--no-progress']);
    await waitFor(() => completeLines(j) >= 2, 'two journal lines');
    a.child.kill('SIGINT');
    await new Promise((res) => setTimeout(res, 30));
    a.child.kill('SIGINT');
    const r = await a.exited;
    expect(r.code, a.stderr()).toBe(130);
    expect(a.stderr()).toContain('stopping now');
    const done = trialsById(j);
    const ref = trialsById(ref2);
    for (const [id, rec] of done) expect(rec, id).toBe(ref.get(id));
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(false);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('--live re-renders the partial diagram while the sweep runs (cells not yet run are empty)', async () => {
    const out = join(tmp.dir, 'live');
    const j = journal(out);
    // a slower sweep than `long` (≈ 0.5 s a trial), so several live renders (≈ 1 s each) fit in the run even on a loaded machine
    const slow = writeSweep(tmp.dir, 'slow', 160_000);
    const a = startCli(['run', slow, '--out', out, '--workers', '2', '--live', '4', '--no-progress']);
    let running = true;
    void a.exited.then(() => (running = false));
    const seen = new Set<number>(); // trials drawn in diagrams seen while the run was going
    let emptyCells = false;
    while (running) {
      const lines = completeLines(j);
      if (lines < TOTAL && existsSync(join(out, 'phase-diagram.vl.json'))) {
        try {
          const counts = [...diagramCounts(out).values()];
          seen.add(counts.reduce((x, y) => x + y, 0));
          if (counts.length === 12 && counts.includes(0)) emptyCells = true;
        } catch {
          /* caught mid-write */
        }
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    expect((await a.exited).code, a.stderr()).toBe(0);
    expect(seen.size).toBeGreaterThanOrEqual(2); // re-rendered while running (the empty grid at the start, then every 8 trials)
    expect([...seen].every((n) => n < TOTAL)).toBe(true);
    expect(emptyCells).toBe(true); // cells not yet run are drawn, empty
    expect(completeLines(j)).toBe(TOTAL);
  });
});

describe('a changed grid', () => {
  it('keeps the matching trials (also under new cell keys) and runs only the new ones', async () => {
    const small = writeSweep(tmp.dir, 'grid', 400);
    const out = join(tmp.dir, 'grid-out');
    const a = await runCli(['run', small, '--out', out, '--no-progress']);
    expect(a.code, a.stderr).toBe(0);
    const first = trialsById(journal(out));
    expect(first.size).toBe(TOTAL);

    // n moves from base to a new axis [4, 6]: the n = 4 trials have the same resolved config, hence ids
    const grown = join(tmp.dir, 'grid2.yaml');
    writeFileSync(grown, readFileSync(small, 'utf8').replace('n: 4, ', '').replace('eta: [0.1, 0.3]', 'eta: [0.1, 0.3]\n  n: [4, 6]'));
    const b = await runCli(['run', grown, '--out', out, '--no-progress']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain(`resuming: ${TOTAL} of ${2 * TOTAL} trials`);
    expect(b.stderr).toContain(`${TOTAL} trials run, ${TOTAL} resumed`);
    const second = trialsById(journal(out));
    expect(second.size).toBe(2 * TOTAL);
    for (const [id, rec] of first) expect(second.get(id)).toBe(rec); // kept as they were
    // the resumed trials count in their new cells: all 24 cells have both seeds
    const counts = diagramCounts(out);
    expect(counts.size).toBe(24);
    expect([...counts.values()]).toEqual(new Array(24).fill(2));
  });
});

describe('bad input', () => {
  it('a sweep file with an unknown key: exit 2, one line naming the field, nothing written', async () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nbase: { d: 8, dd: 3 }\nseeds: 1\n');
    const out = join(tmp.dir, 'bad-out');
    const r = await runCli(['run', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^attn-phase: error: .*base\.dd: unknown parameter/);
    expect(existsSync(out)).toBe(false);
  });

  it('--workers 0 and --live -1: exit 2 naming the option, nothing written', async () => {
    const out = join(tmp.dir, 'bad-flags');
    for (const flags of [['--workers', '0'], ['--live', '-1'], ['--retries', 'x']]) {
      const r = await runCli(['run', long, '--out', out, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flags[0]);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('status of a folder that is not an output folder: exit 2, one line', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const r = await runCli(['status', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^attn-phase: error: .*no plan\.json here/);
    expect(readdirSync(empty)).toEqual([]);
  });
});
