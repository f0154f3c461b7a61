/**
 * #14, with real `attn-phase` processes: a folder left by a run killed while
 * starting, two runs started at once, an invalid journal line, a folder in
 * place of the journal, a folder that does not exist or cannot be created,
 * another sweep's folder, more workers than groups, signals before start-up
 * and while rendering, and — on a real tmpfs (mount needs root; skipped with
 * a message elsewhere) — disk full while journaling and while rendering, and
 * a read-only file system.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupTrials, planSweep } from '../../src/sweep/plan.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { completeLines, expectSameTrials, requireBuild, runCli, startCli, tempDir, trialsById, waitFor, writeSweep } from './helpers.js';

const TOTAL = 24;
let tmp: ReturnType<typeof tempDir>;
let quick: string; // 24 trials of a few ms
let long: string; // 24 trials of ≈ 0.1 s
let ref: string; // journal of an uninterrupted run of `quick`

const journal = (out: string) => join(out, 'results.jsonl');
/** Lines of stderr that are errors (the one-line handler), and whether a stack trace leaked. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('attn-phase: error:'));
const hasStack = (stderr: string) => /^\s+at /m.test(stderr);
/** Temporary files of atomic writes anywhere under a folder. */
const temporaries = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }) as string[] : []).filter((f) => /\.tmp(-|$)/.test(f));

beforeAll(async () => {
  requireBuild();
  tmp = tempDir();
  quick = writeSweep(tmp.dir, 'quick', 400);
  long = writeSweep(tmp.dir, 'long', 40_000);
  const r = await runCli(['run', quick, '--out', join(tmp.dir, 'ref'), '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  ref = journal(join(tmp.dir, 'ref'));
});
afterAll(() => tmp?.cleanup());

describe('start-up', () => {
  it('a lock left by a run killed while starting (run.lock only) does not make the folder unusable (#14 item 1)', async () => {
    const out = join(tmp.dir, 'killed-at-start');
    mkdirSync(join(out, 'run.lock'), { recursive: true }); // = mkdir -p o/run.lock
    const r = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expectSameTrials(ref, journal(out));
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('two runs started at once on a new folder: one runs, the other is refused as locked (exit 3, not 2)', async () => {
    const out = join(tmp.dir, 'twins');
    const [a, b] = await Promise.all([
      runCli(['run', long, '--out', out, '--workers', '1', '--no-progress']),
      runCli(['run', long, '--out', out, '--workers', '1', '--no-progress']),
    ]);
    expect([a.code, b.code].sort(), a.stderr + b.stderr).toEqual([0, 3]);
    const loser = a.code === 3 ? a : b;
    expect(errorLines(loser.stderr)).toHaveLength(1);
    expect(loser.stderr).toMatch(/another attn-phase run is writing here/);
    expect(trialsById(journal(out)).size).toBe(TOTAL);
  });

  it('a signal during start-up (handlers are the first thing installed) ends the run with 130 and writes nothing (#14 item 8)', async () => {
    const out = join(tmp.dir, 'early-signal');
    const c = startCli(['run', long, '--out', out]);
    // the entry names the process once its handlers are in place, before the commands' modules load
    const named = () => {
      try {
        return readFileSync(`/proc/${c.child.pid}/cmdline`, 'utf8').startsWith('attn-phase');
      } catch {
        return false;
      }
    };
    await waitFor(named, 'the process title', 30_000);
    c.child.kill('SIGINT');
    const r = await c.exited;
    expect(r.code, c.stderr()).toBe(130); // not killed by the signal, and not a run that ignored it
    expect(c.stderr()).toMatch(/^attn-phase: (interrupted|stopped)$/m);
    expect(existsSync(out)).toBe(false); // nothing written
  });
});

describe('the journal and the folder', () => {
  it('an incomplete journal line is set aside with a warning naming file:line; status does not count it; plot and run work; run reruns it (#14 item 5)', async () => {
    const out = join(tmp.dir, 'bad-line');
    mkdirSync(out);
    const r0 = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(r0.code, r0.stderr).toBe(0);
    const lines = readFileSync(journal(out), 'utf8').split('\n');
    const id = JSON.parse(lines[6]).id as string;
    lines[6] = JSON.stringify({ kind: 'trial', id });
    writeFileSync(journal(out), lines.join('\n'));
    const where = `${journal(out)}:7: invalid journal line set aside (sweep: Required); its trial runs again`;

    const st = JSON.parse((await runCli(['status', out, '--json'])).stdout);
    expect(st.counts.done).toBe(TOTAL - 1);
    expect(st.invalidLines).toBe(1);
    const p = await runCli(['plot', out, '--format', 'svg']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toContain(where);
    const r = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${where}`);
    expect(r.stderr).toContain(`1 trials run, ${TOTAL - 1} resumed`);
    expect(JSON.parse((await runCli(['status', out, '--json'])).stdout).counts.done).toBe(TOTAL);
  });

  it('a folder in place of results.jsonl: run, status and plot say which path and what to do, in one line (#14 item 6)', async () => {
    const out = join(tmp.dir, 'eisdir');
    mkdirSync(join(out, 'results.jsonl'), { recursive: true });
    writeFileSync(join(out, 'plan.json'), readFileSync(join(tmp.dir, 'ref', 'plan.json')));
    const msg = `${journal(out)}: cannot read the journal: is a folder (EISDIR); a folder is where a file should be: move that folder away, then rerun`;
    for (const args of [['run', quick, '--out', out, '--no-progress'], ['status', out], ['plot', out]]) {
      const r = await runCli(args);
      expect(r.code, args[0]).toBe(1);
      expect(errorLines(r.stderr), args[0]).toEqual([`attn-phase: error: ${msg}`]);
      expect(hasStack(r.stderr)).toBe(false);
    }
  });

  it('status of a folder that does not exist says so (#14 item 6)', async () => {
    const r = await runCli(['status', join(tmp.dir, 'nonexistent')]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`attn-phase: error: ${join(tmp.dir, 'nonexistent')}: does not exist (give the output folder of a sweep, e.g. output/<sweep name>)`]);
  });

  it('an --out that cannot be created names the path and says what to do, exit 2 (#14 item 6)', async () => {
    const r = await runCli(['run', quick, '--out', '/proc/attn-phase-test/out', '--no-progress']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      'attn-phase: error: /proc/attn-phase-test/out: cannot create the output folder: no such file or folder (ENOENT); it (or a folder on its path) does not exist and cannot be created there: check the path or choose another --out',
    ]);
  });

  it('--out pointing at another sweep\'s folder is refused (exit 2, nothing changed) unless --force (#14 item 9)', async () => {
    const out = join(tmp.dir, 'other-sweep');
    mkdirSync(out);
    const r0 = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(r0.code, r0.stderr).toBe(0);
    const before = [readFileSync(join(out, 'plan.json'), 'utf8'), readFileSync(journal(out), 'utf8')];
    const other = join(tmp.dir, 'other.yaml');
    writeFileSync(other, readFileSync(quick, 'utf8').replace('name: quick', 'name: other').replace('eta: [0.1, 0.3]', 'eta: [0.2]'));
    const r = await runCli(['run', other, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`attn-phase: error: --out: ${out} holds the sweep "quick" (plan.json), not "other"; choose another --out, or add --force to put both sweeps' trials in one journal`]);
    expect([readFileSync(join(out, 'plan.json'), 'utf8'), readFileSync(journal(out), 'utf8')]).toEqual(before);
    const f = await runCli(['run', other, '--out', out, '--force', '--no-progress']);
    expect(f.code, f.stderr).toBe(0);
    expect(trialsById(journal(out)).size).toBe(TOTAL + 12);
  });

  it('--workers 1000 says how many worker threads start: one per group of trials sharing draws (#14 item 10)', async () => {
    const out = join(tmp.dir, 'many-workers');
    const groups = groupTrials(planSweep(loadSweep(quick)).trials).length;
    expect(groups).toBeLessThan(1000);
    const r = await runCli(['run', quick, '--out', out, '--workers', '1000', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${TOTAL} trial(s) to run in ${groups} group(s) on ${groups} worker thread(s) (1000 asked;`);
    expect(r.stderr).not.toMatch(/1000 worker\(s\)/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ workers: 1000, threads: groups });
  });

  it('a second SIGINT while rendering stops at once and says every trial is in the journal; plot redraws (#14 item 8)', async () => {
    const out = join(tmp.dir, 'sigint-render');
    // progress lines on the pipe: "24/24 trials done" is printed when the last trial is journaled, before the final render
    const c = startCli(['run', quick, '--out', out]);
    await waitFor(() => c.stderr().includes(`${TOTAL}/${TOTAL} trials done`), 'every trial done');
    c.child.kill('SIGINT');
    await new Promise((res) => setTimeout(res, 30));
    c.child.kill('SIGINT');
    const r = await c.exited;
    expect(r.code, c.stderr()).toBe(130);
    expect(c.stderr()).toContain(`interrupted while rendering: all ${TOTAL} trials are in the journal; only the figures are incomplete — \`attn-phase plot ${out}\` redraws them`);
    expectSameTrials(ref, journal(out));
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    const p = await runCli(['plot', out, '--format', 'png']);
    expect(p.code, p.stderr).toBe(0);
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(true);
  });
});

/** Mount a tmpfs of `size` at `dir`; false where mounting is not permitted. */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const canMount = (() => {
  const probe = tempDir('attn-phase-mount-');
  const ok = mountTmpfs(join(probe.dir, 'm'), '64k');
  if (ok) execFileSync('umount', [join(probe.dir, 'm')]);
  probe.cleanup();
  if (!ok) console.warn('robustness.test.ts: cannot mount a tmpfs here (needs root): disk-full and read-only cases skipped');
  return ok;
})();

describe.skipIf(!canMount)('disk full and read-only, on a real tmpfs', () => {
  const mounts: string[] = [];
  const mount = (name: string, size: string) => {
    const dir = join(tmp.dir, name);
    expect(mountTmpfs(dir, size)).toBe(true);
    mounts.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const m of mounts) execFileSync('umount', ['-l', m]);
  });

  it('disk full while journaling: one line naming results.jsonl, exit 1, the journal whole; after freeing space the rerun completes it', async () => {
    const disk = mount('full-journal', '40k');
    const out = join(disk, 'o');
    const r = await runCli(['run', quick, '--out', out, '--workers', '2', '--no-progress']);
    expect(r.code, r.stderr).toBe(1);
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(errorLines(r.stderr)[0]).toMatch(new RegExp(`^attn-phase: error: ${journal(out)}: cannot append to the journal: no space left on device \\(ENOSPC\\); the disk is full: free space, then rerun the same command`));
    expect(hasStack(r.stderr)).toBe(false);
    const partial = trialsById(journal(out)); // whole lines only, each trial once
    expect(partial.size).toBeLessThan(TOTAL);
    execFileSync('mount', ['-o', 'remount,size=20m', disk]);
    const again = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expectSameTrials(ref, journal(out));
    expect(temporaries(out)).toEqual([]);
  });

  it('disk full while rendering: the error names the file, no temporary file stays, the rerun renders (#14 item 7)', async () => {
    // room for the journal and the small JSON files (sized from the reference run), not for the figures (hundreds of kB)
    const refDir = join(tmp.dir, 'ref');
    const small = ['results.jsonl', 'plan.json', 'run.json', 'sweep.yaml'].reduce((a, f) => a + (existsSync(join(refDir, f)) ? statSync(join(refDir, f)).size : 0), 0);
    const disk = mount('full-render', `${Math.ceil((small * 1.5 + 64 * 1024) / 4096) * 4}k`);
    const out = join(disk, 'o');
    const r = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: rendering the figures failed: \S+: cannot write: no space left on device \(ENOSPC\); the disk is full/);
    expectSameTrials(ref, journal(out)); // the journal is complete
    expect(temporaries(out)).toEqual([]);
    execFileSync('mount', ['-o', 'remount,size=20m', disk]);
    const again = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`0 trials run, ${TOTAL} resumed`);
    expect(existsSync(join(out, 'phase-diagram.png'))).toBe(true);
    expect(temporaries(out)).toEqual([]);
  });

  it('a read-only file system: a new --out and an existing folder are refused in one line naming the path, exit 2', async () => {
    const disk = mount('read-only', '20m');
    const out = join(disk, 'o');
    expect((await runCli(['run', quick, '--out', out, '--no-progress'])).code).toBe(0);
    const before = readFileSync(journal(out), 'utf8');
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const fresh = await runCli(['run', quick, '--out', join(disk, 'new'), '--no-progress']);
    expect(fresh.code).toBe(2);
    expect(errorLines(fresh.stderr)).toEqual([`attn-phase: error: ${join(disk, 'new')}: cannot create the output folder: read-only file system (EROFS); the file system is read-only: choose a writable folder with --out`]);
    const old = await runCli(['run', quick, '--out', out, '--no-progress']);
    expect(old.code).toBe(2);
    expect(errorLines(old.stderr)).toEqual([`attn-phase: error: ${join(out, 'run.lock')}: cannot create the lock: read-only file system (EROFS); the file system is read-only: choose a writable folder with --out`]);
    expect(readFileSync(journal(out), 'utf8')).toBe(before);
    const st = await runCli(['status', out]); // reading still works
    expect(st.code, st.stderr).toBe(0);
  });
});
