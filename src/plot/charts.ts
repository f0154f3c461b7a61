/**
 * Vega-Lite specs on quantitative axes: the regime map with the fitted phase
 * boundary and the theory line (issue #4), and token-selection trajectories
 * (the paper's Figure 3 picture). Plain JSON builders, rendered by render.ts.
 */
import type { BoundaryFit } from '../outcome/boundary.js';
import type { Checkpoint, CellSummary } from '../outcome/types.js';
import { REGIMES } from '../outcome/types.js';
import { AXIS_LABELS, FONT, REGIME_COLORS, type VlSpec, figureConfig } from './specs.js';

function wrap(spec: VlSpec, title?: string, subtitle?: string[]): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(title ? { title: { text: title, fontSize: 15, ...(subtitle?.length ? { subtitle } : {}) } } : {}),
    ...spec,
    background: 'white',
    padding: 16,
    config: figureConfig(),
  };
}

/**
 * Regime map on log–log axes (SNR on x, n on y) with the located boundary
 * points, the fitted line log n = a − b·log SNR and the theory line of slope
 * −2 through the points' centroid (SPEC §3).
 *
 * @param cells  cells with numeric axes snr and n (others ignored)
 * @param fit    output of estimateBoundary
 */
export function boundarySpec(cells: readonly CellSummary[], fit: BoundaryFit, opts: { title?: string } = {}): VlSpec {
  const pts = cells
    .filter((c) => typeof c.axes.snr === 'number' && typeof c.axes.n === 'number' && c.count > 0 && c.regime)
    .map((c) => ({ snr: c.axes.snr as number, n: c.axes.n as number, regime: c.regime, agreement: c.agreement }));
  const snrs = pts.map((p) => p.snr);
  const lo = snrs.length ? Math.min(...snrs) : 0.01;
  const hi = snrs.length ? Math.max(...snrs) : 1;
  const ns = pts.map((p) => p.n);
  const nLo = ns.length ? Math.min(...ns) : 1;
  const nHi = ns.length ? Math.max(...ns) : 100;
  const lines: { snr: number; n: number; line: string }[] = [];
  const addLine = (name: string, a: number, b: number) => {
    // sample the line inside the plotted n range only
    for (let i = 0; i <= 40; i++) {
      const s = Math.exp(Math.log(lo) + (i / 40) * (Math.log(hi) - Math.log(lo)));
      const n = Math.exp(a - b * Math.log(s));
      if (n >= nLo / 1.5 && n <= nHi * 1.5) lines.push({ snr: s, n, line: name });
    }
  };
  const fitName = fit.slope !== null
    ? `fit: slope −${fit.slope.toFixed(2)} [${fit.slopeCi![0].toFixed(2)}, ${fit.slopeCi![1].toFixed(2)}]`
    : 'fit: too few boundary points';
  const theoryName = 'theory: n·SNR² = const (slope −2)';
  if (fit.slope !== null && fit.intercept !== null) addLine(fitName, fit.intercept, fit.slope);
  if (fit.theoryIntercept !== null) addLine(theoryName, fit.theoryIntercept, 2);
  const x = { field: 'snr', type: 'quantitative', scale: { type: 'log', domain: [lo / 1.3, hi * 1.3], nice: false }, axis: { title: AXIS_LABELS.snr, format: '~g', grid: false } };
  const y = { field: 'n', type: 'quantitative', scale: { type: 'log', domain: [nLo / 1.3, nHi * 1.3], nice: false }, axis: { title: AXIS_LABELS.n, format: '~g', grid: false } };
  const subtitle = [
    'squares: majority regime per cell; black dots: where the mean fraction of noisy labels memorised crosses 1/2',
    fit.slope !== null
      ? `fitted slope b = ${fit.slope.toFixed(2)} ± ${((fit.slopeCi![1] - fit.slopeCi![0]) / 2).toFixed(2)} (${Math.round(fit.level * 100)}% CI), theory b = 2`
      : 'not enough boundary points for a fit',
  ];
  return wrap(
    {
      width: 380,
      height: 300,
      layer: [
        {
          data: { values: pts },
          mark: { type: 'square', size: 260, opacity: 0.9 },
          encoding: {
            x, y,
            color: { field: 'regime', type: 'nominal', scale: { domain: [...REGIMES], range: REGIMES.map((r) => REGIME_COLORS[r]) }, legend: { title: 'regime' } },
          },
        },
        {
          data: { values: fit.points },
          mark: { type: 'point', filled: true, color: 'black', size: 30 },
          encoding: { x, y },
        },
        {
          data: { values: lines },
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x, y,
            order: { field: 'snr', type: 'quantitative' },
            strokeDash: { field: 'line', type: 'nominal', scale: { domain: [fitName, theoryName], range: [[1, 0], [6, 4]] }, legend: { title: 'boundary', orient: 'bottom', direction: 'vertical', labelLimit: 400, symbolStrokeWidth: 2 } },
            color: { value: '#222222' },
          },
        },
      ],
      resolve: { scale: { color: 'independent' } },
    },
    opts.title ?? 'Phase boundary', subtitle,
  );
}

/** One row per checkpoint, token kind and sample set: the data of trajectorySpec. */
export interface TrajectoryRow {
  step: number;
  set: 'clean' | 'noisy';
  kind: 'relevant' | 'confusing' | 'weak' | 'irrelevant';
  weight: number;
}

/** Long-format attention rows of a trial's checkpoints (mean softmax weight per token of each kind). */
export function trajectoryRows(checkpoints: readonly Checkpoint[]): TrajectoryRow[] {
  const rows: TrajectoryRow[] = [];
  for (const c of checkpoints) {
    for (const [set, w] of [['clean', c.attnClean], ['noisy', c.attnNoisy]] as const) {
      if (!w) continue;
      for (const kind of ['relevant', 'confusing', 'weak', 'irrelevant'] as const) {
        const v = w[kind];
        if (typeof v === 'number' && Number.isFinite(v)) rows.push({ step: c.step, set, kind, weight: v });
      }
    }
  }
  return rows;
}

/**
 * Token selection over training (the paper's Figure 3): mean softmax weight
 * on each token kind for clean and for noisy samples (one panel each), and
 * train accuracy, clean fit, noisy fit and test accuracy over steps.
 */
export function trajectorySpec(checkpoints: readonly Checkpoint[], opts: { title?: string; subtitle?: string[] } = {}): VlSpec {
  const rows = trajectoryRows(checkpoints);
  const acc: { step: number; metric: string; value: number }[] = [];
  for (const c of checkpoints) {
    const add = (metric: string, v: number | null) => {
      if (typeof v === 'number' && Number.isFinite(v)) acc.push({ step: c.step, metric, value: v });
    };
    add('train accuracy', c.trainAcc);
    add('clean fit', c.cleanFit);
    add('noisy fit (memorised)', c.noisyFit);
    add('test accuracy', c.testAcc);
  }
  const kinds = ['relevant', 'confusing', 'weak', 'irrelevant'];
  const kindColors = ['#0072B2', '#D55E00', '#009E73', '#999999'];
  const stepAxis = { field: 'step', type: 'quantitative', axis: { title: 'training step', grid: false } };
  const attnPanel = (set: 'clean' | 'noisy') => ({
    width: 260,
    height: 200,
    title: { text: `${set} samples`, subtitle: [`mean softmax weight per token, ${set === 'clean' ? 'clean set' : 'noisy (flipped-label) set'}`] },
    data: { values: rows.filter((r) => r.set === set) },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: stepAxis,
      y: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'attention weight', grid: true, gridColor: '#eeeeee' } },
      color: { field: 'kind', type: 'nominal', scale: { domain: kinds, range: kindColors }, legend: { title: 'token kind', symbolType: 'stroke', symbolStrokeWidth: 2.5 } },
    },
  });
  const accPanel = {
    width: 260,
    height: 200,
    title: { text: 'fit and generalisation', subtitle: ['fractions of samples'] },
    data: { values: acc },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: stepAxis,
      y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'fraction', grid: true, gridColor: '#eeeeee' } },
      color: {
        field: 'metric', type: 'nominal',
        scale: { domain: ['train accuracy', 'clean fit', 'noisy fit (memorised)', 'test accuracy'], range: ['#000000', '#0072B2', '#D55E00', '#009E73'] },
        legend: { title: 'metric', symbolType: 'stroke', symbolStrokeWidth: 2.5, labelLimit: 300 },
      },
      strokeDash: { field: 'metric', type: 'nominal', scale: { domain: ['train accuracy', 'clean fit', 'noisy fit (memorised)', 'test accuracy'], range: [[1, 0], [4, 2], [1, 0], [6, 3]] }, legend: null },
    },
  };
  return wrap(
    { hconcat: [attnPanel('clean'), attnPanel('noisy'), accPanel], spacing: 24, resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } } },
    opts.title ?? 'Token selection during training', opts.subtitle,
  );
}

export { FONT };
