/**
 * The shape of the source tree (ARCHITECTURE: "everything imports
 * downward"): src/core — the vocabulary — imports nothing of ours, each layer
 * imports only from layers below it, and the import graph of src/ has no
 * cycle. Imports are read with TypeScript's own pre-processor (static,
 * type-only, re-exports and dynamic `import()` alike), so a new arrow that
 * runs back up fails here, whoever adds it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Layers from the bottom up; a module may import from its own layer and the ones below. */
const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['io.ts', 'provenance.ts'],
  ['outcome'],
  ['model'],
  ['plot'],
  ['sweep'],
  ['slurm'],
  ['cli', 'bench', 'index.ts'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'wasm' ? [] : files(p); // AssemblyScript sources are compiled apart
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ files a file imports (relative imports only; `.js` specifiers name the `.ts` source). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

/** Layer index of a src/ file (its first path segment: a folder or a top-level file). */
function layerOf(file: string): number {
  const top = relative(SRC, file).split('/')[0]!;
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`${relative(SRC, file)}: not in any layer of this test; add its folder to LAYERS`);
  return i;
}

type Graph = ReadonlyMap<string, readonly string[]>;

/** Imports that go to a higher layer, as "from → to". */
function upward(g: Graph): string[] {
  return [...g].flatMap(([f, deps]) => deps.filter((d) => layerOf(d) > layerOf(f)).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
}

/** The cycles of a graph: its strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(g: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(relative(SRC, w));
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const graph: Graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));

describe('import graph of src/', () => {
  it('src/core imports nothing of ours but src/core', () => {
    const core = [...graph].filter(([f]) => relative(SRC, f).startsWith('core/'));
    expect(core.length).toBeGreaterThanOrEqual(6);
    const outward = core.flatMap(([f, deps]) => deps.filter((d) => !relative(SRC, d).startsWith('core/')).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
    expect(outward).toEqual([]);
  });

  it('every import goes to the same layer or one below', () => {
    expect(upward(graph)).toEqual([]);
  });

  it('every import names a file that exists', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
    expect(missing).toEqual([]);
  });

  it('has no cycle (type-only imports included)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the checks see a cycle and an upward import where there is one (a made-up graph core/a → plot/b → core/a)', () => {
    const a = join(SRC, 'core', 'a.ts');
    const b = join(SRC, 'plot', 'b.ts');
    const c = join(SRC, 'plot', 'c.ts');
    const g: Graph = new Map([[a, [b]], [b, [a, c]], [c, []]]);
    expect(upward(g)).toEqual(['core/a.ts → plot/b.ts']);
    expect(cycles(g)).toEqual([['core/a.ts', 'plot/b.ts']]);
  });
});
