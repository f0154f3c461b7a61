/**
 * `report.html` of a sweep folder: every figure (interactive Vega-Lite, with
 * tooltips giving a cell's per-seed values), the sweep as run, the boundary
 * numbers and a table of the cells — one self-contained page that opens
 * offline: vega, vega-lite and vega-embed are inlined from node_modules, the
 * figure specs (data embedded) are inlined as JSON. Written by
 * renderSweepFigures (so by `run` and `plot`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { CONDITIONS, UNEVALUATED } from '../outcome/assumptions.js';
import type { BoundaryFit } from '../outcome/boundary.js';
import type { SweepView } from '../core/view.js';
import { formatNumber } from './format.js';
import type { VlSpec } from './options.js';
import type { FigureStyle } from './style.js';
import { axisLabel, plainText, regimeWord, SUB_CLOSE, SUB_OPEN, SUB_SCALE } from './vocabulary.js';
import type { CellSummary } from '../core/records.js';

const require = createRequire(import.meta.url);

/** The minified browser builds of vega, vega-lite and vega-embed, read once. */
let libs: string[] | null = null;
function libraries(): string[] {
  // through each package's folder: their "exports" maps hide the build files from require.resolve
  const dir = (pkg: string) => {
    const main = require.resolve(pkg);
    const at = main.lastIndexOf(`${sep}node_modules${sep}${pkg}${sep}`);
    return at < 0 ? dirname(dirname(main)) : main.slice(0, at + `${sep}node_modules${sep}${pkg}`.length);
  };
  libs ??= [['vega', 'build/vega.min.js'], ['vega-lite', 'build/vega-lite.min.js'], ['vega-embed', 'build/vega-embed.min.js']]
    .map(([pkg, file]) => readFileSync(join(dir(pkg!), file!), 'utf8'));
  return libs;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Text safe inside a <script> element. */
const scriptSafe = (s: string) => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
/** Plain text of a label for HTML, subscripts as <sub>. */
const html = (s: string) => esc(s).split(SUB_OPEN).join('<sub>').split(SUB_CLOSE).join('</sub>');

/** What the report shows. */
export interface ReportInput {
  plan: SweepView;
  cells: readonly CellSummary[];
  /** the figures as written (name → spec with data) */
  figures: readonly { name: string; spec: VlSpec }[];
  boundary?: BoundaryFit | null;
  style: FigureStyle;
  /** trials finished / planned */
  trials: { done: number; planned: number };
}

/** The boundary numbers as table rows [label, value]. */
function boundaryRows(b: BoundaryFit): [string, string][] {
  const n = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : formatNumber(v, d));
  return [
    ['located transition', b.transition],
    ['boundary points', String(b.points.length)],
    ['fitted slope of log n vs log SNR', b.slope === null ? '–' : `−${n(b.slope)}`],
    [`${Math.round(b.level * 100)} % interval of the slope`, b.slopeCi ? `[−${n(b.slopeCi[1])}, −${n(b.slopeCi[0])}]` : '–'],
    ['theory slope', `−${b.theorySlope}`],
    ['theory inside the interval', b.theoryInsideCi === null ? '–' : b.theoryInsideCi ? 'yes' : 'no'],
    ['n·SNR² at the centroid', n(b.nSnr2AtCentroid)],
  ];
}

/**
 * The theorem's assumptions section (SPEC §9): how many cells are inside,
 * the verdicts there, the fits on the inside cells, the constants used and
 * every condition with its source.
 */
function assumptionsSection(cells: readonly CellSummary[], boundary: BoundaryFit | null | undefined): string {
  const assessed = cells.filter((c) => c.assumptions);
  if (!assessed.length) return '';
  const inside = assessed.filter((c) => c.assumptions!.inside);
  const verdicts = new Map<string, number>();
  for (const c of assessed) if (c.verdict) verdicts.set(c.verdict, (verdicts.get(c.verdict) ?? 0) + 1);
  const ends = new Map<string, number>();
  for (const c of assessed) if (c.verdictEnd) ends.set(c.verdictEnd, (ends.get(c.verdictEnd) ?? 0) + 1);
  const why = new Map<string, number>();
  for (const c of assessed) for (const o of c.assumptions!.outside) why.set(o, (why.get(o) ?? 0) + 1);
  const rows: [string, string][] = [
    ['cells inside the assumptions', `${inside.length} of ${assessed.length}`],
    ['verdicts at the prediction\'s time', [...verdicts].map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
    ['verdicts at the end of the runs', [...ends].map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
    ['why cells are outside', [...why].map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
  ];
  type Delay = { slope: number | null; ci: [number, number] | null; points: number };
  const b = (boundary as { assumptions?: { constants: Record<string, number>; inside: BoundaryFit & { delays?: Record<'memorise' | 'select', Delay> } } } | null | undefined)?.assumptions;
  if (b) {
    rows.push(['constants', Object.entries(b.constants).map(([k, v]) => `${k} = ${v}`).join(', ')]);
    const f = b.inside;
    rows.push(['slope on the inside cells', f.slope === null ? `– (${f.points.length} boundary points)` : `−${formatNumber(f.slope, 3)}${f.slopeCi ? ` [−${formatNumber(f.slopeCi[1], 3)}, −${formatNumber(f.slopeCi[0], 3)}]` : ''} from ${f.points.length} points`]);
    const delay = (d: Delay | undefined) => (!d || d.slope === null ? `– (${d?.points ?? 0} trials)` : `${formatNumber(d.slope, 3)}${d.ci ? ` [${formatNumber(d.ci[0], 3)}, ${formatNumber(d.ci[1], 3)}]` : ''} from ${d.points} trials (1 if it follows τ_b)`);
    rows.push(['memorisation time against exp(1/(n·SNR²)), inside, benign case', delay(f.delays?.memorise)]);
    rows.push(['token-selection time (tSelect) against exp(1/(n·SNR²)), inside, benign case', delay(f.delays?.select)]);
  }
  const conds = CONDITIONS.map((k) => `<tr><th>${esc(k.id)}</th><td>${esc(k.statement)}</td><td>${esc(k.checked)}</td><td>${esc(k.source)}</td></tr>`).join('');
  const unev = UNEVALUATED.map((u) => `<li>${esc(u.statement)}: ${esc(u.why)}</li>`).join('');
  return `<h2>The theorem's assumptions</h2>
<p>A cell is <em>inside</em> when every parameter assumption below holds there (margin &gt; 1) and it falls in one of the theorem's cases; outside, the theorem says nothing (maps hatch those cells ╲). Verdicts compare the majority final regime with the theorem's prediction where the run reached the prediction's time.</p>
<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<table><tr><th>condition</th><th>statement</th><th>checked as</th><th>source</th></tr>${conds}</table>
<p>Not decided by a trial's parameters:</p><ul>${unev}</ul>`;
}

/**
 * The report page as one HTML string (UTF-8, no external resource).
 * Figures are drawn by vega-embed (SVG renderer, tooltips on), each in a
 * <div class="figure" data-name="…">; typeset subscripts are turned into
 * lowered <tspan>s after drawing, as in the SVG files.
 */
export function reportHtml(r: ReportInput): string {
  const { plan, cells, style } = r;
  const axes = plan.axes;
  const metricCols: [string, string][] = [['testError', 'test error'], ['trainLoss', 'train loss'], ['testLoss', 'test loss'], ['noisyFit', 'noisy-set fit']];
  const mean = (c: CellSummary, m: string) => {
    const v = c.metrics?.[m];
    if (!v || !Number.isFinite(v.mean)) return '–';
    return c.count > 1 && Number.isFinite(v.sd) ? `${formatNumber(v.mean, 3)} ± ${formatNumber(v.sd, 2)}` : formatNumber(v.mean, 3);
  };
  const cellRows = cells.map((c) => `<tr>${axes.map((a) => `<td>${esc(String(c.axes[a] ?? ''))}</td>`).join('')}<td>${c.count}</td><td>${c.regime ? esc(plainText(regimeWord(c.regime, style))) : '–'}</td><td>${c.count ? `${Math.round(c.agreement * c.count)}/${c.count}` : '–'}</td>${metricCols.map(([m]) => `<td>${mean(c, m)}</td>`).join('')}<td>${esc(c.assumptions?.label ?? '–')}</td><td>${esc(c.verdict ?? '–')}</td></tr>`).join('\n');
  const figs = r.figures.map((f, i) => `<section><h2>${esc(f.name)}</h2><div class="figure" id="fig${i}" data-name="${esc(f.name)}"></div></section>`).join('\n');
  const specs = JSON.stringify(r.figures.map((f) => f.spec));
  const title = `${plan.sweep.name} — attn-phase report`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
body { font-family: "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th { background: #f4f4f4; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.figure { margin: 0.5em 0; }
</style>
${libraries().map((l) => `<script>${scriptSafe(l)}</script>`).join('\n')}
</head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(plan.sweep.description ?? '')}</p>
<p>${r.trials.done} of ${r.trials.planned} trials finished, ${cells.length} cells over ${axes.map((a) => html(axisLabel(a, style))).join(' × ') || 'no swept axis'}. Hover a cell for its per-seed values.</p>
<h2>Figures</h2>
${figs}
${r.boundary ? `<h2>Boundary</h2>\n<table>${boundaryRows(r.boundary).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>` : ''}
${assumptionsSection(cells, r.boundary)}
<h2>Cells</h2>
<table>
<tr>${axes.map((a) => `<th>${html(axisLabel(a, style))}</th>`).join('')}<th>seeds</th><th>regime</th><th>seeds in it</th>${metricCols.map(([, w]) => `<th>${esc(w)} (mean ± sd)</th>`).join('')}<th>assumptions</th><th>verdict</th></tr>
${cellRows}
</table>
<h2>The sweep as run</h2>
<pre>${esc(toYaml(plan.sweep))}</pre>
<script>
const SPECS = ${scriptSafe(specs)};
const SUB_OPEN = ${JSON.stringify(SUB_OPEN)}, SUB_CLOSE = ${JSON.stringify(SUB_CLOSE)}, SUB_SCALE = ${SUB_SCALE};
/* subscripts marked in the texts (see vocabulary.ts) become lowered, smaller tspans */
function typeset(root) {
  for (const t of root.querySelectorAll('text')) {
    if (!t.textContent.includes(SUB_OPEN)) continue;
    const size = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize) || 11;
    const parts = t.textContent.split(SUB_OPEN);
    t.textContent = parts[0];
    for (const p of parts.slice(1)) {
      const [sub, rest = ''] = p.split(SUB_CLOSE);
      const s = document.createElementNS('http://www.w3.org/2000/svg', 'tspan');
      s.setAttribute('baseline-shift', 'sub');
      s.setAttribute('font-size', (size * SUB_SCALE).toFixed(2) + 'px');
      s.textContent = sub;
      t.appendChild(s);
      if (rest) t.appendChild(document.createTextNode(rest));
    }
  }
}
window.figuresDrawn = Promise.all(SPECS.map((spec, i) => vegaEmbed('#fig' + i, spec, { renderer: 'svg', actions: false }).then((res) => {
  const el = document.getElementById('fig' + i);
  typeset(el);
  return el.querySelectorAll('svg').length;
})));
</script>
</body>
</html>
`;
}
