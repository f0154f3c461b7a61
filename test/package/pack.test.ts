/**
 * Installable: `npm pack` of a clean copy of the repository (its prepack
 * builds the WebAssembly kernels and the TypeScript) gives a tarball that
 * installs into an empty project, where `npx attn-phase run` runs a two-trial
 * sweep and `import { runSweep, openSweep } from 'attn-phase'` works, types
 * included. Needs the npm registry for the package's dependencies. One test:
 * it takes a minute or two.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../sweep/helpers.js';

/** Run a command to its end (asynchronously: the test worker must stay responsive); throws with its output unless it exits 0. */
function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolveRun({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

describe('npm package', () => {
  const { dir, cleanup } = tempDir('attn-phase-pack-');
  afterAll(cleanup);

  it('packs (building the wasm), installs into an empty project, runs `npx attn-phase run` and the API', async () => {
    // a clean copy: the repository's files only (no dist/), sharing node_modules for the build tools
    const src = join(dir, 'src');
    const files = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)).stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)));
    for (const f of files) {
      mkdirSync(join(src, dirname(f)), { recursive: true });
      cpSync(join(ROOT, f), join(src, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
    expect(existsSync(join(src, 'dist'))).toBe(false);

    const packOut = (await run('npm', ['pack', '--json', '--pack-destination', dir], src)).stdout;
    const packed = JSON.parse(packOut.slice(packOut.search(/^\[\s*\{/m))) as { filename: string; files: { path: string }[] }[];
    const inTarball = packed[0].files.map((f) => f.path);
    for (const f of ['dist/wasm/dense.wasm', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/sweep/worker.js', 'README.md', 'docs/model.md']) expect(inTarball).toContain(f);
    expect(inTarball.filter((f) => /^(src|test|node_modules)\//.test(f))).toEqual([]);

    const proj = join(dir, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'try-attn-phase', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', join(dir, packed[0].filename)], proj);

    writeFileSync(join(proj, 'two.yaml'), 'name: two\nbase: { d: 10, n: 4, T: 3, steps: 50, evalEvery: 10, testN: 50 }\ngrid: { snr: [0.5, 2] }\nseeds: 1\nplot: { x: snr }\n');
    const cli = await run('npx', ['attn-phase', 'run', 'two.yaml', '--workers', '1', '--no-progress'], proj);
    expect(cli.stderr).toMatch(/2 trials run, 0 resumed/);
    const journal = readFileSync(join(proj, 'output', 'two', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { regime: string; axes: { snr: number } });
    expect(journal).toHaveLength(2);
    expect(readFileSync(join(proj, 'output', 'two', 'phase-diagram.png')).subarray(1, 4).toString()).toBe('PNG');

    writeFileSync(join(proj, 'use.mjs'), [
      "import { runSweep, openSweep } from 'attn-phase';",
      "const f = openSweep('output/two');",
      "console.log(JSON.stringify({ runSweep: typeof runSweep, regimes: Object.fromEntries(f.cells.map((c) => [c.axes.snr, c.regime])) }));",
    ].join('\n'));
    const used = JSON.parse((await run(process.execPath, ['use.mjs'], proj)).stdout) as { runSweep: string; regimes: Record<string, string> };
    expect(used.runSweep).toBe('function');
    expect(used.regimes).toEqual(Object.fromEntries(journal.map((j) => [j.axes.snr, j.regime])));

    // the types resolve through the exports map
    writeFileSync(join(proj, 'use.ts'), "import { openSweep, type CellSummary } from 'attn-phase';\nconst cells: CellSummary[] = openSweep('output/two').cells;\nexport const n: number = cells.length;\n");
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], proj);
  }, 900_000);
});
