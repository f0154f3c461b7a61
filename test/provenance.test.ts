/**
 * Provenance: the compiled module (dist/provenance.js, Node built-ins only) is
 * copied with a package.json into temporary folders laid out as a checkout,
 * a dirty checkout, a plain copy, a copy installed in someone else's
 * repository and a run without git on PATH; the expected values are obtained
 * independently (git rev-parse HEAD in that folder, process.version,
 * os.hostname(), the package.json written).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
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

/** provenance() as computed by a fresh Node process importing `root`/dist/provenance.js. */
function provenanceOf(root: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import { provenance } from ${JSON.stringify(join(root, 'dist', 'provenance.js'))}; process.stdout.write(JSON.stringify(provenance()));`], { encoding: 'utf8', env });
  return JSON.parse(out) as Record<string, unknown>;
}

describe('provenance', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attn-prov-'));

  it('in a git checkout: its HEAD commit, clean, then dirty after editing a tracked file', () => {
    const repo = join(tmp, 'checkout');
    makePackage(repo);
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'init');
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

  it('git absent (not on PATH): no failure, commit null', () => {
    const repo = join(tmp, 'checkout');
    const emptyBin = join(tmp, 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    const p = provenanceOf(repo, { ...process.env, PATH: emptyBin });
    expect(p).toEqual({ version: VERSION, commit: null, dirty: null, node: process.version, host: hostname() });
  });

  it('this repository’s own module finds this package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const p = provenanceOf(resolve('.'));
    expect(p.version).toBe(pkg.version);
    expect(p.node).toBe(process.version);
  });
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
