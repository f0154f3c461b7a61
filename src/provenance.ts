/**
 * Provenance of results: which attn-phase, which source revision, which Node
 * and which machine produced them. Stored in `run.json`, in every journal
 * record and in `trial.json` of `attn-phase train`, so a result can be traced
 * back to the code that made it.
 *
 * Uses only Node built-ins (it runs from a checkout, from `dist/`, and from an
 * installed package alike).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provenance } from './core/records.js';

/** Package name looked for when walking up from this module. */
const PACKAGE_NAME = 'attn-phase';

/**
 * Root folder of the attn-phase package this module belongs to: the first
 * ancestor of the module's folder holding a package.json named attn-phase.
 * @param from  folder to start from (default: this module's folder)
 * @returns the root and its package.json version, or null if none is found
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): { root: string; version: string } | null {
  let dir = resolve(from);
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
      } catch {
        /* unreadable package.json: keep walking up */
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * Run git in `cwd`; its trimmed stdout, or null if git is missing or fails.
 * `cwd` is trusted for this call (`-c safe.directory=<cwd>`): git ≥ 2.35.2
 * refuses a checkout owned by another user ("dubious ownership") — a shared
 * install run by its users — and attn-phase runs that checkout's code anyway.
 * Its fsmonitor hook is switched off and optional locks are not taken (git
 * status writes nothing into someone else's checkout).
 */
function git(cwd: string, args: string[]): string | null {
  try {
    const trusted = realpathSync(cwd);
    return execFileSync('git', ['-c', `safe.directory=${trusted}`, '-c', 'core.fsmonitor=false', ...args], {
      cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
    }).trim();
  } catch {
    return null;
  }
}

/** A commit id: 40 hex digits (SHA-1), or 64 (SHA-256 repositories). */
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** First line of a file, trimmed; null if it cannot be read. */
function firstLine(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').split('\n', 1)[0].trim();
  } catch {
    return null;
  }
}

/**
 * The commit HEAD of the checkout whose top is `root` points at, read from
 * its files without running git (so neither an absent git nor one refusing
 * another user's checkout loses it): `root/.git` is the git directory, or a
 * file `gitdir: <path>` (a linked worktree or submodule) naming it; its HEAD
 * holds a commit id (detached) or `ref: <name>`, looked up as a loose ref
 * file, then in `packed-refs` — in the common directory (`commondir`) for a
 * linked worktree. Symbolic refs are followed up to 5 deep.
 *
 * @returns the commit id (40 or 64 hex digits), or null if `root` has no
 *          `.git` or any piece is missing or in another format (e.g. the reftable backend)
 */
export function headCommitFromFiles(root: string): string | null {
  const dotGit = join(root, '.git');
  let gitDir = dotGit;
  try {
    if (!statSync(dotGit).isDirectory()) {
      const line = firstLine(dotGit);
      const m = line === null ? null : /^gitdir:\s*(.+)$/.exec(line);
      if (!m) return null;
      gitDir = resolve(root, m[1]);
    }
  } catch {
    return null;
  }
  const common = firstLine(join(gitDir, 'commondir'));
  const commonDir = common ? resolve(gitDir, common) : gitDir;
  let head = firstLine(join(gitDir, 'HEAD'));
  for (let depth = 0; head !== null && depth < 5; depth++) {
    if (COMMIT_ID.test(head)) return head;
    const m = /^ref:\s*(refs\/\S+)$/.exec(head);
    if (!m || m[1].split('/').includes('..')) return null;
    const name = m[1];
    // per-worktree refs (HEAD's own, refs/bisect, refs/worktree) live in the worktree's git directory, the rest in the common one
    head = firstLine(join(gitDir, name)) ?? firstLine(join(commonDir, name)) ?? packedRef(commonDir, name);
  }
  return null;
}

/** The commit id of ref `name` in `dir`/packed-refs ("<id> <name>" lines), or null. */
function packedRef(dir: string, name: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, 'packed-refs'), 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0 && line.slice(sp + 1).trim() === name) return line.slice(0, sp);
  }
  return null;
}

/**
 * The git commit and dirtiness of `root` when `root` is itself the top of a
 * git checkout — it holds `.git` (an installed copy inside someone else's
 * repository, e.g. node_modules/attn-phase, does not: its commit would be
 * theirs). The commit is read from the checkout's files
 * ({@link headCommitFromFiles}), else asked of git; dirtiness needs git
 * (`git status`), trusting the checkout even if another user owns it.
 * @returns commit null when `root` is not a checkout's top or HEAD cannot be
 *          read; dirty null when git is absent or fails
 */
export function gitRevision(root: string): { commit: string | null; dirty: boolean | null } {
  const none = { commit: null, dirty: null };
  if (!existsSync(join(root, '.git'))) return none;
  let commit = headCommitFromFiles(root);
  if (commit === null) {
    const asked = git(root, ['rev-parse', 'HEAD']);
    commit = asked !== null && COMMIT_ID.test(asked) ? asked : null;
  }
  if (commit === null) return none;
  const status = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === null ? null : status !== '' };
}

let cached: Provenance | null = null;

/**
 * Provenance of this process (computed once, then cached: the git calls run
 * once per process). Never throws: what cannot be found is null (commit,
 * dirty) or "unknown" (version).
 */
export function provenance(): Provenance {
  if (cached) return cached;
  const pkg = packageRoot();
  const rev = pkg ? gitRevision(pkg.root) : { commit: null, dirty: null };
  cached = { version: pkg?.version ?? 'unknown', commit: rev.commit, dirty: rev.dirty, node: process.version, host: hostname() };
  return cached;
}
