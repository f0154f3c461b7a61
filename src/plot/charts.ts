/**
 * Vega-Lite specs on quantitative axes: the regime map with the fitted phase
 * boundary and the theory line (issue #4), and token-selection trajectories
 * (the paper's Figure 3 picture). Plain JSON builders, rendered by render.ts;
 * options (style, panel size, layout variant, title wrapping) as in options.ts.
 */
import type { BoundaryFit } from '../outcome/boundary.js';
import { tickLabels } from './format.js';
import { cellLabelling, type AxisLayout } from './grid.js';
import { topLevel } from './frame.js';
import type { LayoutVariant, PanelSize, VlSpec } from './options.js';
import { regimeLegend, regimeScale } from './legend.js';
import { linePanel } from './panels.js';
import { axisLabel } from './vocabulary.js';
import { defaultStyle, typeScale, wrapText, type FigureStyle } from './style.js';
import { type Checkpoint, type CellSummary, REGIMES } from '../core/records.js';
import { TOKEN_KINDS, type TokenKind } from '../core/tokens.js';

/** Options of the chart builders. */
export interface ChartOptions {
  /** figure title; default per chart; '' for none */
  title?: string;
  /** grey lines under the title (wrapped to `wrapWidth` when given) */
  subtitle?: string[];
  style?: FigureStyle;
  /** plotting area of one panel in px */
  size?: PanelSize;
  layout?: LayoutVariant;
  /** wrap title and subtitle lines to this width in px */
  wrapWidth?: number;
}

/** Title + subtitle block of a chart (subtitle only when the style shows notes). */
function chartTitle(title: string | undefined, subtitle: string[] | undefined, style: FigureStyle, wrapWidth?: number): VlSpec {
  const ts = typeScale(style.fontSize);
  const sub = style.notes ? (subtitle ?? []).flatMap((s) => (wrapWidth ? wrapText(style, s, ts.note, wrapWidth) : [s])) : [];
  if (!title && !sub.length) return {};
  const lines = title ? (wrapWidth ? wrapText(style, title, ts.figureTitle, wrapWidth, true) : [title]) : [''];
  return { title: { text: lines.length === 1 ? lines[0] : lines, fontSize: ts.figureTitle, ...(sub.length ? { subtitle: sub } : {}) } };
}


/**
 * Regime map on log–log axes (SNR on x, n on y) with the located boundary
 * points, the fitted line log n = a − b·log SNR and the theory line of slope
 * −2 through the points' centroid (SPEC §3). Ticks at readable values
 * (1-2-5 steps; see logTicks). Natural plot size 380 × 300 px; the regime
 * legend goes right (or below with `layout.legend = 'bottom'`), the line
 * legend below.
 *
 * @param cells  cells with numeric axes snr and n (others ignored)
 * @param fit    output of estimateBoundary
 */
export function boundarySpec(cells: readonly CellSummary[], fit: BoundaryFit, opts: ChartOptions = {}): VlSpec {
  const style = opts.style ?? defaultStyle();
  const width = opts.size?.width ?? (opts.size?.height ? opts.size.height * 1.27 : 380);
  const height = opts.size?.height ?? width * 0.79;
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
      const s = Math.exp(Math.log(lo / 1.3) + (i / 40) * (Math.log(hi * 1.3) - Math.log(lo / 1.3)));
      const n = Math.exp(a - b * Math.log(s));
      if (n >= nLo / 4 && n <= nHi * 4) lines.push({ snr: s, n, line: name });
    }
  };
  // the fit is log n = a − b·log SNR: the line's slope is −b, its interval [−b_hi, −b_lo]
  const signed = (v: number) => (v < 0 ? `−${(-v).toFixed(2)}` : v.toFixed(2));
  const fitName = fit.slope !== null
    ? `fit: slope ${signed(-fit.slope)} [${signed(-fit.slopeCi![1])}, ${signed(-fit.slopeCi![0])}]`
    : 'fit: too few boundary points';
  const theoryName = 'theory: n·SNR² = const (slope −2)';
  if (fit.slope !== null && fit.intercept !== null) addLine(fitName, fit.intercept, fit.slope);
  if (fit.theoryIntercept !== null) addLine(theoryName, fit.theoryIntercept, 2);
  const drawnLines = [fitName, theoryName].filter((l) => lines.some((p) => p.line === l));
  const xDom = [lo / 1.3, hi * 1.3];
  const yDom = [nLo / 1.3, nHi * 1.3];
  // ticks at the cells' own values, labelled as in the grid figures
  const valueAxis = (vals: number[], dom: number[], px: number, ch: 'x' | 'y') => {
    const v = [...new Set(vals)].sort((a, b) => a - b);
    const span = Math.log(dom[1]! / dom[0]!);
    const minShare = v.length > 1 ? Math.min(...v.slice(1).map((b, i) => Math.log(b / v[i]!))) / span : 1;
    const a: AxisLayout = { name: ch, title: '', kind: 'log', domain: [], values: v, edges: [], ticks: v, count: v.length, minShare, labels: tickLabels(v) };
    return { values: v, ...cellLabelling(a, ch, px, style) };
  };
  const x = { field: 'snr', type: 'quantitative', scale: { type: 'log', domain: xDom, nice: false }, axis: { title: axisLabel('snr', style), grid: false, labelFlush: false, ...valueAxis(snrs, xDom, width, 'x') } };
  const y = { field: 'n', type: 'quantitative', scale: { type: 'log', domain: yDom, nice: false }, axis: { title: axisLabel('n', style), grid: false, ...valueAxis(ns, yDom, height, 'y') } };
  const subtitle = [
    'squares: most frequent regime of the seeds per cell; black dots: where the mean fraction of noisy labels memorised crosses 1/2',
    fit.slope !== null
      ? `fitted slope ${signed(-fit.slope)} ± ${((fit.slopeCi![1] - fit.slopeCi![0]) / 2).toFixed(2)} (${Math.round(fit.level * 100)}% CI); theory −2`
      : 'not enough boundary points for a fit',
  ];
  const bottom = opts.layout?.legend === 'bottom';
  const marker = Math.max(30, Math.min(260, (Math.min(width / Math.max(1, new Set(snrs).size), height / Math.max(1, new Set(ns).size)) * 0.55) ** 2));
  return topLevel(
    {
      ...chartTitle(opts.title ?? 'Phase boundary', subtitle, style, opts.wrapWidth),
      width,
      height,
      layer: [
        {
          data: { values: pts },
          mark: { type: 'square', size: marker, opacity: 0.9 },
          encoding: {
            x, y,
            color: {
              field: 'regime', type: 'nominal',
              scale: regimeScale(REGIMES.filter((r) => pts.some((p) => p.regime === r)), style),
              legend: { ...regimeLegend(style), ...(bottom ? { orient: 'bottom', direction: 'horizontal', columns: 2 } : {}) },
            },
          },
        },
        {
          data: { values: fit.points },
          mark: { type: 'point', filled: true, color: 'black', size: Math.max(12, marker / 9) },
          encoding: { x, y },
        },
        {
          data: { values: lines },
          // clipped to the plotting area: the lines end at its edges
          mark: { type: 'line', strokeWidth: 1.5, clip: true },
          encoding: {
            x, y,
            order: { field: 'snr', type: 'quantitative' },
            strokeDash: {
              field: 'line', type: 'nominal', scale: { domain: drawnLines, range: drawnLines.map((l) => (l === fitName ? [1, 0] : [6, 3])) },
              legend: drawnLines.length ? {
                title: 'boundary', orient: 'bottom', direction: 'vertical', labelLimit: 600,
                // a line symbol long enough to show two dashes
                symbolType: 'stroke', symbolSize: 20 * 20, symbolStrokeWidth: 1.5, symbolStrokeColor: '#222222',
              } : null,
            },
            color: { value: '#222222' },
          },
        },
      ],
      resolve: { scale: { color: 'independent' } },
    },
    { style, title: undefined },
  );
}

/** One row per checkpoint, token kind and sample set: the data of trajectorySpec. */
export interface TrajectoryRow {
  step: number;
  set: 'clean' | 'noisy';
  kind: TokenKind;
  weight: number;
}

/** Long-format attention rows of a trial's checkpoints (mean softmax weight per token of each kind). */
export function trajectoryRows(checkpoints: readonly Checkpoint[]): TrajectoryRow[] {
  const rows: TrajectoryRow[] = [];
  for (const c of checkpoints) {
    for (const [set, w] of [['clean', c.attnClean], ['noisy', c.attnNoisy]] as const) {
      if (!w) continue;
      for (const kind of TOKEN_KINDS) {
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
 * train accuracy, clean fit, noisy fit and test accuracy over steps. Panels
 * side by side (natural 260 × 200 px each), stacked (`layout.stack`), or
 * clean | noisy above the fit panel (`layout.stack` with `columns: 2`);
 * line colours from the style's palette, fit metrics also told apart by dash.
 */
export function trajectorySpec(checkpoints: readonly Checkpoint[], opts: ChartOptions = {}): VlSpec {
  const style = opts.style ?? defaultStyle();
  const ts = typeScale(style.fontSize);
  const width = opts.size?.width ?? (opts.size?.height ? opts.size.height * 1.3 : 260);
  const height = opts.size?.height ?? width / 1.3;
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
  const pal = style.palette.lines;
  const kinds = [...TOKEN_KINDS];
  const kindColors = [pal[0], pal[1], pal[2], pal[3]];
  const metrics = ['train accuracy', 'clean fit', 'noisy fit (memorised)', 'test accuracy'];
  const bottom = opts.layout?.legend === 'bottom';
  const legendPos = bottom ? { orient: 'bottom', direction: 'horizontal', columns: 2 } : {};
  const twoPlusOne = !!opts.layout?.stack && opts.layout.columns === 2;
  const yTicks = Math.max(2, Math.min(5, Math.floor(height / (2.5 * ts.label))));
  const notes = (s: string) => (style.notes ? { subtitle: wrapText(style, s, ts.note, Math.max(width, 80)) } : {});
  const stepX = { field: 'step', title: axisLabel('step', style), tickCount: Math.max(2, Math.floor(width / (4 * ts.label))) };
  const attnPanel = (set: 'clean' | 'noisy') => linePanel({
    width, height, data: rows.filter((r) => r.set === set) as unknown as Record<string, unknown>[],
    title: { text: `${set} samples`, ...notes(set === 'clean' ? 'training samples with their true label' : 'training samples with a flipped label') },
    x: stepX,
    y: { field: 'weight', title: 'attention weight', domain: [0, 1], tickCount: yTicks },
    series: { field: 'kind', title: 'token kind', domain: kinds, colors: kindColors as string[] },
    legend: legendPos,
  });
  const accPanel = linePanel({
    width, height, data: acc,
    title: { text: 'fit and generalisation', ...notes('fractions of samples') },
    x: stepX,
    y: { field: 'value', title: 'fraction', domain: [0, 1], tickCount: yTicks },
    series: { field: 'metric', title: 'metric', domain: metrics, colors: [pal[4] ?? '#000000', pal[0]!, pal[1]!, pal[2]!], dashes: [[1, 0], [4, 2], [1, 0], [6, 3]] },
    legend: twoPlusOne ? {} : legendPos,
  });
  const dir = opts.layout?.stack ? 'vconcat' : 'hconcat';
  // stack with 2 columns: clean | noisy side by side, the fit panel below
  const inner = twoPlusOne ? 'hconcat' : dir;
  // clean and noisy panels share one token-kind colour scale (one legend)
  const attention = { [inner]: [attnPanel('clean'), attnPanel('noisy')], spacing: ts.spacing, resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } } };
  return topLevel(
    {
      ...chartTitle(opts.title ?? 'Token selection during training', opts.subtitle, style, opts.wrapWidth),
      [dir]: [attention, accPanel],
      spacing: ts.spacing,
      // strokeDash resolved like colour, so the metric legend stays one legend with dashed symbols
      resolve: { scale: { color: 'independent', strokeDash: 'independent' }, legend: { color: 'independent', strokeDash: 'independent' } },
    },
    { style, title: undefined },
  );
}

