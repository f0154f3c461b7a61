/**
 * Provenance: the compiled module (dist/provenance.js, Node built-ins only) is
 * copied with a package.json into temporary folders laid out as a checkout,
 * a dirty checkout, a plain copy, a copy installed in someone else's
 * repository and a run without git on PATH; the expected values are obtained
 * independently (git rev-parse HEAD in that folder, process.version,
 * os.hostname(), the package.json written). HEAD read from the files is
 * checked against git for loose, packed and detached refs and a linked
 * worktree. As root, a checkout owned by another user (git's "dubious
 * ownership") is tried for real: root in nobody's checkout, and
 * `attn-phase train` run as nobody (setpriv) from this root-owned checkout.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitRevision, headCommitFromFiles } from '../src/provenance.js';
import { ROOT, startCli, tempDir, writeSweep } from './sweep/helpers.js';

const DIST = resolve('dist/provenance.js');
const VERSION = '9.8.7-test';

/** A package folder: package.json (name attn-phase) and dist/provenance.js. */
function makePackage(root: string): void {
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'attn-phase', version: VERSION, type: 'module' }));
  copyFileSync(DIST, join(root, 'dist', 'provenance.js'));
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A package folder (makePackage) made a git checkout with one commit. */
function makeCheckout(root: string): void {
  makePackage(root);
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'init');
}

/** provenance() as computed by a fresh Node process importing `root`/dist/provenance.js. */
function provenanceOf(root: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import { provenance } from ${JSON.stringify(join(root, 'dist', 'provenance.js'))}; process.stdout.write(JSON.stringify(provenance()));`], { encoding: 'utf8', env });
  return JSON.parse(out) as Record<string, unknown>;
}

describe('provenance', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attn-prov-'));

  it('in a git checkout: its HEAD commit, clean, then dirty after editing a tracked file', () => {
    const repo = join(tmp, 'checkout');
    makeCheckout(repo);
    // a clone, as a user gets it
    const clone = join(tmp, 'clone');
    git(tmp, 'clone', '-q', repo, clone);
    const head = git(clone, 'rev-parse', 'HEAD');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    const p = provenanceOf(clone);
    expect(p).toEqual({ version: VERSION, commit: head, dirty: false, node: process.version, host: hostname() });
    writeFileSync(join(clone, 'package.json'), `${readFileSync(join(clone, 'package.json'), 'utf8')}\n`);
    expect(provenanceOf(clone)).toMatchObject({ commit: head, dirty: true });
    // untracked files do not make it dirty
    git(clone, 'checkout', '--', 'package.json');
    writeFileSync(join(clone, 'scratch.txt'), 'x');
    expect(provenanceOf(clone)).toMatchObject({ commit: head, dirty: false });
  });

  it('not a checkout: version, Node and host, commit null', () => {
    const plain = join(tmp, 'plain');
    makePackage(plain);
    expect(provenanceOf(plain)).toEqual({ version: VERSION, commit: null, dirty: null, node: process.version, host: hostname() });
  });

  it('installed inside another repository (node_modules): not that repository’s commit', () => {
    const proj = join(tmp, 'project');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'someone-else', version: '1.0.0' }));
    git(proj, 'init', '-q');
    git(proj, 'add', '.');
    git(proj, 'commit', '-q', '-m', 'theirs');
    const installed = join(proj, 'node_modules', 'attn-phase');
    makePackage(installed);
    expect(provenanceOf(installed)).toEqual({ version: VERSION, commit: null, dirty: null, node: process.version, host: hostname() });
  });

  it('git absent (not on PATH): no failure, the commit read from the checkout\'s files, dirtiness unknown', () => {
    const repo = join(tmp, 'checkout');
    const head = git(repo, 'rev-parse', 'HEAD');
    const emptyBin = join(tmp, 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    const p = provenanceOf(repo, { ...process.env, PATH: emptyBin });
    expect(p).toEqual({ version: VERSION, commit: head, dirty: null, node: process.version, host: hostname() });
  });

  it('this repository’s own module finds this package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const p = provenanceOf(resolve('.'));
    expect(p.version).toBe(pkg.version);
    expect(p.node).toBe(process.version);
  });
});

describe('headCommitFromFiles: HEAD read from the checkout\'s files equals git rev-parse HEAD', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attn-prov-files-'));
  const repo = join(tmp, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'a.txt'), 'a');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'one');
  writeFileSync(join(repo, 'a.txt'), 'b');
  git(repo, 'commit', '-q', '-am', 'two');

  it('a branch as a loose ref, then packed (git pack-refs --all), then a detached HEAD', () => {
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(headCommitFromFiles(repo)).toBe(head);
    git(repo, 'pack-refs', '--all');
    expect(existsSync(join(repo, '.git', 'refs', 'heads', 'main'))).toBe(false);
    expect(headCommitFromFiles(repo)).toBe(head);
    git(repo, 'checkout', '-q', 'HEAD~1');
    const first = git(repo, 'rev-parse', 'HEAD');
    expect(first).not.toBe(head);
    expect(headCommitFromFiles(repo)).toBe(first);
    git(repo, 'checkout', '-q', 'main');
  });

  it('a linked worktree (.git is a file "gitdir: …", its branch in the common directory)', () => {
    const wt = join(tmp, 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', wt, 'HEAD~1');
    writeFileSync(join(wt, 'a.txt'), 'c');
    git(wt, 'commit', '-q', '-am', 'side');
    expect(readFileSync(join(wt, '.git'), 'utf8')).toMatch(/^gitdir: /);
    expect(headCommitFromFiles(wt)).toBe(git(wt, 'rev-parse', 'HEAD'));
    expect(headCommitFromFiles(wt)).not.toBe(headCommitFromFiles(repo));
  });

  it('not a checkout, or a HEAD that names nothing: null', () => {
    const plain = join(tmp, 'plain');
    mkdirSync(plain);
    expect(headCommitFromFiles(plain)).toBeNull();
    const fresh = join(tmp, 'fresh');
    mkdirSync(fresh);
    git(fresh, 'init', '-q'); // no commit yet: HEAD → a branch that does not exist
    expect(headCommitFromFiles(fresh)).toBeNull();
    expect(gitRevision(fresh)).toEqual({ commit: null, dirty: null });
  });
});

/** Whether this process may change file owners and run as another user (root with setpriv): else the next tests are skipped. */
const canSwitchUser = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const NOBODY = 65534;

describe.skipIf(!canSwitchUser)('a checkout owned by another user (a shared install): git refuses it, the commit is recorded anyway', () => {
  // a folder every user may enter (mkdtemp makes it 0700)
  const tmp = mkdtempSync(join(tmpdir(), 'attn-prov-owner-'));
  chmodSync(tmp, 0o755);
  const asNobody = (cmd: string, args: string[], cwd: string) =>
    execFileSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', cmd, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: tmp } }).trim();

  it('run by root in a checkout owned by nobody: commit and dirtiness', () => {
    const repo = join(tmp, 'owned-by-nobody');
    makeCheckout(repo);
    const head = git(repo, 'rev-parse', 'HEAD');
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, repo]);
    // the situation of the issue: plain git refuses this checkout
    expect(() => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, stdio: 'pipe' })).toThrow(/dubious ownership/);
    expect(provenanceOf(repo)).toEqual({ version: VERSION, commit: head, dirty: false, node: process.version, host: hostname() });
    writeFileSync(join(repo, 'package.json'), `${readFileSync(join(repo, 'package.json'), 'utf8')}\n`);
    expect(provenanceOf(repo)).toMatchObject({ commit: head, dirty: true });
    // nothing was written into the other user's checkout (no index refresh left files of root's)
    const rootOwned = execFileSync('find', [repo, '-not', '-user', String(NOBODY)], { encoding: 'utf8' }).trim();
    expect(rootOwned).toBe('');
  });

  it('`attn-phase train` run by nobody from this checkout (owned by root): trial.json has its commit and dirtiness', () => {
    let top: string;
    try {
      top = realpathSync(git(ROOT, 'rev-parse', '--show-toplevel'));
    } catch {
      return; // not run from a git checkout: nothing to record
    }
    if (top !== realpathSync(ROOT)) return;
    // the situation of the issue: git run by nobody refuses this checkout
    expect(() => asNobody('git', ['rev-parse', 'HEAD'], ROOT)).toThrow();
    const out = join(tmp, 'train-out');
    mkdirSync(out);
    execFileSync('chown', [`${NOBODY}:${NOBODY}`, out]);
    asNobody(process.execPath, [join(ROOT, 'dist', 'cli', 'bin.js'), 'train', '--d', '8', '--n', '4', '--T', '3', '--steps', '20', '--test-n', '20', '-o', out], tmp);
    const info = JSON.parse(readFileSync(join(out, 'trial.json'), 'utf8')) as { provenance: { commit: unknown; dirty: unknown } };
    expect(info.provenance.commit).toBe(git(ROOT, 'rev-parse', 'HEAD'));
    expect(info.provenance.dirty).toBe(git(ROOT, 'status', '--porcelain', '--untracked-files=no') !== '');
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
});

describe('run.json and journal records carry the provenance', () => {
  it('a real run (CLI process): run.json and every record, values derived independently', async () => {
    const { dir, cleanup } = tempDir('attn-prov-run-');
    try {
      const file = writeSweep(dir, 'prov', 200);
      const cli = startCli(['run', file, '-o', join(dir, 'out'), '-w', '1', '--no-progress'], ROOT);
      const { code } = await cli.exited;
      expect(code, cli.stderr()).toBe(0);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      let commit: string | null = null;
      let dirty: boolean | null = null;
      try {
        const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        if (realpathSync(top) === realpathSync(ROOT)) {
          commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
          dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
        }
      } catch {
        /* no git: commit stays null */
      }
      const expected = { version: pkg.version, commit, dirty, node: process.version, host: hostname() };
      const info = JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8')) as { provenance: unknown };
      expect(info.provenance).toEqual(expected);
      const lines = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { provenance: unknown });
      expect(lines.length).toBe(24);
      for (const l of lines) expect(l.provenance).toEqual(expected);
    } finally {
      cleanup();
    }
  });
});
