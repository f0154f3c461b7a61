/**
 * The repository stands alone: no file reads, links or names anything outside
 * it. Scans every file of the repository (git's tracked and untracked-but-not-
 * ignored files; a directory walk skipping node_modules, dist and output when
 * there is no git) for
 *
 * * a path into a sibling folder of the checkout (the `shared` folder that held
 *   the development contract the repository's docs/ replace), or a name of
 *   that contract;
 * * an absolute path into the development machine's work tree;
 * * a relative Markdown link or a relative path string in source that
 *   resolves outside the repository root, or a Markdown link to a file that
 *   does not exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'output', '.git', 'build']);
const BINARY = /\.(png|pdf|wasm|jpe?g|gif|ttf|otf|woff2?|tgz|gz)$/i;

/** Every file of the repository, relative to `root`. */
function repoFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
    return out.split('\0').filter((f) => f && existsSync(join(root, f)));
  } catch {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) walk(rel);
        } else files.push(rel);
      }
    };
    walk('');
    return files;
  }
}

// built from parts so this file does not match its own patterns
const SIBLING = new RegExp(['\\.\\.', '/shared\\b'].join(''));
const CONTRACT = new RegExp(['SPEC', '\\.md'].join(''));
const MACHINE = new RegExp(['(^|[\\s\'"`(=:])', '/wor', 'k/'].join(''));

/** Whether `target` (relative to the folder of `file`, both under `root`) resolves outside `root`. */
function escapes(root: string, file: string, target: string): boolean {
  const abs = resolve(root, dirname(file), target);
  const rel = relative(root, abs);
  return rel === '..' || rel.startsWith(`..${sep}`);
}

/**
 * Problems of one file: `file: line N: what` for each outside reference.
 *
 * @param root  repository root
 * @param file  path relative to root
 * @param text  the file's contents
 */
export function outsideReferences(root: string, file: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = `${file}: line ${i + 1}`;
    if (SIBLING.test(line)) problems.push(`${at}: names a sibling folder of the checkout`);
    if (CONTRACT.test(line)) problems.push(`${at}: names the development contract (use docs/)`);
    if (MACHINE.test(line)) problems.push(`${at}: absolute path into the development machine`);
    if (file.endsWith('.md')) {
      for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1].split('#')[0];
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // anchor or URL
        if (target.startsWith('/')) problems.push(`${at}: absolute link ${target}`);
        else if (escapes(root, file, target)) problems.push(`${at}: link ${target} leaves the repository`);
        else if (!existsSync(resolve(root, dirname(file), target))) problems.push(`${at}: link ${target} points to nothing`);
      }
    } else if (/\.(ts|js|mjs|cjs|json|ya?ml|sh)$/.test(file) || !file.includes('.')) {
      for (const m of line.matchAll(/['"`]((?:\.\.\/)+[^'"`$]*)['"`]/g)) {
        if (escapes(root, file, m[1])) problems.push(`${at}: path ${m[1]} leaves the repository`);
      }
    }
  });
  return problems;
}

describe('the repository is self-contained', () => {
  it('no file reads, links or names anything outside the repository', () => {
    const files = repoFiles(ROOT).filter((f) => !BINARY.test(f) && f !== 'package-lock.json');
    expect(files).toContain('README.md');
    expect(files).toContain('docs/README.md');
    const problems: string[] = [];
    for (const f of files) {
      if (statSync(join(ROOT, f)).size > 5_000_000) continue;
      const text = readFileSync(join(ROOT, f), 'utf8');
      if (text.includes('\0')) continue;
      problems.push(...outsideReferences(ROOT, f, text));
    }
    expect(problems).toEqual([]);
  });

  it('the scanner finds each kind of outside reference (and passes honest ones)', () => {
    const sib = `..${'/'}${'sha' + 'red'}/fixtures/x.json`; // spelt in pieces so this file does not itself name the sibling folder
    const bad: [string, string][] = [
      ['README.md', `see [the contract](${sib})`],
      ['docs/a.md', '[up](../../other/file.md)'],
      ['docs/a.md', '[abs](/etc/passwd)'],
      ['docs/a.md', '[gone](no-such-page.md)'],
      ['test/x.test.ts', `readFileSync(join(here, '${sib}'))`],
      ['src/a/b.ts', `const f = '${'../'.repeat(4)}outside.txt';`],
      ['src/a/b.ts', ['const p = "', '/work', '/main/x";'].join('')],
      ['notes.md', ['read ', 'SPEC', '.md first'].join('')],
    ];
    for (const [file, text] of bad) expect(outsideReferences(ROOT, file, text), `${file}: ${text}`).not.toEqual([]);
    const good: [string, string][] = [
      ['README.md', '[docs](docs/README.md) [paper](https://arxiv.org/abs/2409.17625) [top](#quick-start)'],
      ['test/fixtures/README.md', '[model](../../docs/model.md)'],
      ['test/model/x.test.ts', "import { a } from '../../src/model/config.js';"],
      ['src/model/dense.ts', "new URL('../wasm/dense.wasm', import.meta.url)"],
    ];
    for (const [file, text] of good) expect(outsideReferences(ROOT, file, text), `${file}: ${text}`).toEqual([]);
  });
});
