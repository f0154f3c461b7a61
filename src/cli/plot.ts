/**
 * `attn-phase plot <output-dir>`: re-render every figure of a finished (or
 * partial) sweep from its journal, without training — at a given size, dpi,
 * font, palette, formats, with titles and labels overridden — and rewrite
 * cells.csv / trials.csv. A `train` output folder (trial.json) gets its
 * trajectory figure re-rendered the same way.
 *
 * Settings: flags over the sweep file's `plot:` section (kept in plan.json)
 * over the defaults. Every flag is checked, and the folder read, before
 * anything is written; a bad value exits 2 with one line naming the flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../io.js';
import { summariseCells } from '../outcome/aggregate.js';
import { checkpointValues, CHECKPOINT_COLUMNS, toCsv } from '../outcome/csv.js';
import { FontNotFoundError } from '../plot/fonts.js';
import { figureWriteOptions, renderSweepFigures, styleOf, trajectoryFigure } from '../plot/figures.js';
import { writeFigure } from '../plot/render.js';
import { regimeWord, sub } from '../plot/vocabulary.js';
import { FIGURE_NAMES, PALETTE_NAMES } from '../plot/style.js';
import { OutputFolder } from '../sweep/folder.js';
import { checkOutDir, fail } from './errors.js';
import type { Checkpoint, EventTimes, Regime, TrialRecord } from '../core/records.js';
import { PlotSettingsError, resolvePlotSettings, settingFromFlag, type PlotSettingsInput } from '../plot/settings.js';
import { UsageError } from '../core/errors.js';
import { LAYOUT, figureFileName, folderPath } from '../core/layout.js';

interface PlotFlags {
  width?: string;
  height?: string;
  dpi?: string;
  font?: string;
  fontSize?: string;
  format?: string;
  palette?: string;
  title?: string | false;
  figureTitle: string[];
  label: string[];
  notes?: boolean;
  out?: string;
  fontFile?: string;
  scheme?: string;
  domain?: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `name=text` pairs of a repeatable flag as a map (the setting's parser checks the names). */
function pairs(name: string, items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name}: expected name=text, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return out;
}

/**
 * The flags as plot settings (the layer over the sweep file's), each value
 * checked by its setting's parser (src/plot/settings.ts).
 * @throws UsageError naming the flag on a bad value
 */
export function flagsToSettings(f: PlotFlags): PlotSettingsInput {
  const raw: [string, unknown][] = [
    ['width', f.width], ['height', f.height], ['dpi', f.dpi], ['font-size', f.fontSize], ['format', f.format], ['palette', f.palette], ['font', f.font],
    ['title', f.title], ['notes', f.notes], ['font-file', f.fontFile], ['scheme', f.scheme],
    ['figure-title', f.figureTitle.length ? pairs('figure-title', f.figureTitle) : undefined],
    ['label', f.label.length ? pairs('label', f.label) : undefined],
    ['domain', f.domain?.length ? pairs('domain', f.domain) : undefined],
  ];
  const s: Record<string, unknown> = {};
  for (const [flag, value] of raw) {
    if (value === undefined) continue;
    try {
      const [key, parsed] = settingFromFlag(flag, value);
      s[key] = parsed;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return s as PlotSettingsInput;
}

/** Reads a JSON file of the folder, or throws a UsageError saying what is wrong with it. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: unreadable (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

/**
 * Settings of the sweep file layer and the flags, with the font checked.
 * @throws UsageError naming plan.json's `plot.<key>` or the flag
 */
function settingsOf(fileLayer: Readonly<Record<string, unknown>> | undefined, source: string, cli: PlotSettingsInput) {
  try {
    resolvePlotSettings(fileLayer);
  } catch (e) {
    if (e instanceof PlotSettingsError) throw new UsageError(`${source}: ${e.message}`);
    throw e;
  }
  const settings = resolvePlotSettings(fileLayer, cli);
  try {
    styleOf(settings);
  } catch (e) {
    if (e instanceof FontNotFoundError) {
      const which = cli.fontFile !== undefined ? '--font-file' : cli.font !== undefined ? '--font' : `${source}: plot.${settings.fontFile !== undefined ? 'fontFile' : 'font'}`;
      throw new UsageError(`${which}: ${e.message}`);
    }
    throw e;
  }
  return settings;
}

/** A `train` folder's trial.json (what the plot command needs of it). */
interface TrialFile {
  seed: number;
  snr: number;
  config: { d: number; n: number; eta: number };
  checkpoints: Checkpoint[];
  regime: Regime;
  events: EventTimes;
  engine: string;
}

/** Register `attn-phase plot <output-dir>` on the program. Exit codes: 0 ok, 1 render error, 2 bad input. */
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('re-render the figures (SVG, PNG, PDF) and cells.csv / trials.csv of an output folder from its journal, without training')
    .argument('<output-dir>', 'a sweep output folder (plan.json + results.jsonl), or a train output folder (trial.json)')
    .option('--width <length>', 'total figure width, e.g. 8.5cm (one LaTeX column), 17cm, 3.3in, 640px (default: 8.5cm for one panel, 17cm for several)')
    .option('--height <length>', 'total figure height (default: follows from the width and layout)')
    .option('--dpi <n>', 'PNG resolution in dots per inch (default 300)')
    .option('--font <family>', 'font family, installed on this machine (default "DejaVu Sans")')
    .option('--font-file <path>', 'a .ttf or .otf font file (e.g. the paper\'s LaTeX font): set every text in it, embedded in the PDF and used for the PNG')
    .option('--scheme <name>', 'Vega colour scheme of the continuous maps, e.g. viridis, magma, cividis, blues (default: the palette\'s)')
    .option('--domain <metric=min,max>', 'colour domain of a metric map, e.g. testError=0,0.5 (default: the data range); repeatable', collect, [])
    .option('--font-size <pt>', 'base font size in pt: tick labels and axis titles (default 8)')
    .option('--format <list>', 'comma-separated output formats: svg,png,pdf (default all three)')
    .option('--palette <name>', `colours: ${PALETTE_NAMES.join(' | ')} (default okabe-ito; all colour-blind safe)`)
    .option('--title <text>', 'base figure title (figures add e.g. " — final losses")')
    .option('--no-title', 'no figure titles (when the caption is set in LaTeX)')
    .option('--figure-title <name=text>', `title of one figure (${FIGURE_NAMES.join(', ')}); repeatable`, collect, [])
    .option('--label <name=text>', 'label of an axis, metric or regime, e.g. snr="signal-to-noise ratio"; repeatable', collect, [])
    .option('--notes', 'explanatory subtitles under panel titles (default)')
    .option('--no-notes', 'no explanatory subtitles')
    .option('-o, --out <dir>', 'write here instead of <output-dir>')
    .action(async (dir: string, flags: PlotFlags) => {
      try {
        const cli = flagsToSettings(flags);
        const outDir = flags.out ?? dir;
        if (flags.out !== undefined) checkOutDir(outDir, [LAYOUT.plan, LAYOUT.journal, LAYOUT.trial, figureFileName('phase-diagram', 'spec'), figureFileName('trajectory', 'spec')]);
        const warnings: string[] = [];
        let files: string[];
        const folder = OutputFolder.open(dir);
        const stored = folder.readPlan();
        if (stored) {
          const plan = stored;
          settingsOf(plan.sweep.plot, folder.planFile, cli);
          const journal = folder.replay();
          for (const w of journal.warnings) warnings.push(w);
          const records: TrialRecord[] = folder.records(plan, journal);
          if (!records.length) throw new UsageError(`${folder.journalFile}: no finished trial of this sweep to plot`);
          const cells = summariseCells(plan.cells, records, plan.sweep.assumptions);
          files = await renderSweepFigures(outDir, plan, cells, records, { plot: cli, warnings });
          process.stderr.write(`${plan.sweep.name}: ${records.length}/${plan.trials.length} trials, ${cells.length} cells → ${outDir}\n`);
        } else if (existsSync(folder.path(LAYOUT.trial))) {
          const t = readJson(folderPath(dir, LAYOUT.trial)) as TrialFile;
          if (!Array.isArray(t?.checkpoints) || !t.config) throw new UsageError(`${folderPath(dir, LAYOUT.trial)}: not a trial (no config, checkpoints)`);
          const settings = settingsOf(undefined, folderPath(dir, LAYOUT.trial), cli);
          const text = {
            title: `Token selection: SNR = ${Number(t.snr).toPrecision(3)}, n = ${t.config.n}, d = ${t.config.d}, η = ${t.config.eta}`,
            subtitle: [`final regime: ${regimeWord(t.regime, styleOf(settings))}; t${sub('fit')} = ${t.events?.tFit ?? 'not reached'}, t${sub('gen')} = ${t.events?.tGeneralize ?? 'not reached'}; seed ${t.seed}`],
          };
          const f = await writeFigure(outDir, 'trajectory', trajectoryFigure(t.checkpoints, settings, text), figureWriteOptions(settings, true, warnings));
          const csv = folderPath(outDir, LAYOUT.trajectory);
          writeFileAtomic(csv, toCsv(CHECKPOINT_COLUMNS, t.checkpoints.map(checkpointValues)));
          files = [f.spec, f.svg, f.png, f.pdf, csv].filter((x): x is string => x !== undefined);
        } else {
          throw new UsageError(`${dir}: not an attn-phase output folder (no plan.json or trial.json)`);
        }
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        for (const f of files) process.stdout.write(`${f}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
