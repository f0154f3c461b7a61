// A small (snr, n) sweep and a custom figure, using only attn-phase's public API.
//
//   npm run build && node examples/sweep-and-plot.mjs [output-folder]
//
// From an installed package the import is the same: import { … } from 'attn-phase'.
import { buildFigures, estimateBoundary, loadSweep, openSweep, planSweep, renderFigure, runSweep, runTrial } from 'attn-phase';

const outDir = process.argv[2] ?? 'output/example';

// 1. A sweep given as data (a YAML file path works the same), with an override.
const sweep = loadSweep({
  name: 'example',
  base: { d: 60, T: 4, steps: 300, evalEvery: 50, testN: 200 },
  grid: { snr: [0.1, 0.4, 1.6], n: [6, 12] },
  seeds: 2,
  plot: { x: 'snr', y: 'n' },
}, ['seeds=1']);
const plan = planSweep(sweep);

// 2. Run it on two workers, with progress; `signal` would stop it gracefully.
const controller = new AbortController();
const summary = await runSweep(plan, {
  outDir,
  workers: 2,
  render: false,
  signal: controller.signal,
  onProgress: ({ done, total }) => process.stderr.write(`\r${done}/${total} trials`),
});
process.stderr.write('\n');

// 3. Open the folder: plan, finished trials and per-cell summaries.
const folder = openSweep(outDir);
const rows = folder.cells.map((c) => ({
  snr: c.axes.snr, n: c.axes.n, regime: c.regime,
  testError: c.metrics.testError.mean, noisyFit: c.metrics.noisyFit.mean,
}));

// 4. A custom figure: final test error against SNR, one line per n.
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  width: 300, height: 200,
  data: { values: rows },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'snr', type: 'quantitative', scale: { type: 'log' }, title: 'SNR' },
    y: { field: 'testError', type: 'quantitative', title: 'final test error' },
    color: { field: 'n', type: 'ordinal', title: 'n' },
  },
};
const files = await renderFigure(outDir, 'test-error-by-snr', spec, { formats: ['svg', 'png'] });

// 5. The built-in figures as objects (render any of them the same way), the
//    boundary fit, and one trial on its own.
const figures = await buildFigures(folder, { width: '8.5cm' });
await renderFigure(outDir, 'phase-diagram', figures.find((f) => f.name === 'phase-diagram').figure, { formats: ['svg'] });
const boundary = estimateBoundary(folder.cells);
const trial = runTrial({ snr: 0.4, n: 6, d: 60, T: 4, steps: 300, evalEvery: 50, testN: 200 }, 0);

console.log(JSON.stringify({
  ran: summary.ran, trials: folder.records.length, cells: rows,
  figures: [files.svg, files.png, ...figures.map((f) => f.name)],
  boundarySlope: boundary.slope,
  trial: { regime: trial.regime, testAcc: trial.final.testAcc, checkpoints: trial.checkpoints.length },
}, null, 1));
