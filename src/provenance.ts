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
import { existsSync, readFileSync, realpathSync } from 'node:fs';
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

/** Run git in `cwd`; its trimmed stdout, or null if git is missing or fails. */
function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/**
 * The git commit and dirtiness of `root` when `root` is itself the top of a
 * git checkout (an installed copy inside someone else's repository, e.g.
 * node_modules/attn-phase, is not: its commit would be theirs).
 * @returns nulls when git is absent, `root` is not a checkout's top, or git fails
 */
export function gitRevision(root: string): { commit: string | null; dirty: boolean | null } {
  const none = { commit: null, dirty: null };
  const top = git(root, ['rev-parse', '--show-toplevel']);
  if (top === null || top === '') return none;
  let same: boolean;
  try {
    same = realpathSync(top) === realpathSync(root);
  } catch {
    same = false;
  }
  if (!same) return none;
  const commit = git(root, ['rev-parse', 'HEAD']);
  if (commit === null || !/^[0-9a-f]{40}$/.test(commit)) return none;
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
