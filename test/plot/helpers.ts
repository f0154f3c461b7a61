/**
 * Helpers of the plot tests: a real tiny sweep output folder (trials run in
 * process, journal and plan written as `attn-phase run` writes them), raster
 * statistics, and an RFC 4180 CSV reader.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { runTrial } from '../../src/model/trial.js';
import { summariseCells } from '../../src/outcome/aggregate.js';
import { planSweep, type Plan } from '../../src/sweep/plan.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { snrOf } from '../../src/core/config.js';
import type { CellSummary, TrialRecord } from '../../src/core/records.js';

/** The tiny sweep: 4 log-spaced SNR × 3 training sizes × 2 seeds (24 trials of d 16, T 4, 60 steps; ~1 s). */
export const TINY_SWEEP = {
  name: 'tiny',
  base: { d: 16, T: 4, steps: 60, evalEvery: 10, testN: 100 },
  grid: { snr: { logspace: [0.05, 2], num: 4 }, n: [4, 8, 16] },
  seeds: 2,
};

/** A sweep folder with everything the plot command reads. */
export interface SweepFolder {
  dir: string;
  plan: Plan;
  records: TrialRecord[];
  cells: CellSummary[];
}

/**
 * Runs every trial of `doc` (a sweep document) in process and writes
 * `<dir>/plan.json` and `<dir>/results.jsonl` as the run command does.
 */
export function makeSweepFolder(dir: string, doc: Record<string, unknown> = TINY_SWEEP): SweepFolder {
  const plan = planSweep(validateSweep(doc, 'test'));
  const axesOf = new Map(plan.cells.map((c) => [c.key, c.axes]));
  const records: TrialRecord[] = plan.trials.map((t, i) => ({
    kind: 'trial',
    id: t.id,
    sweep: plan.sweep.name,
    cellKey: t.cellKey,
    axes: axesOf.get(t.cellKey)!,
    seed: t.seed,
    config: t.config,
    snr: snrOf(t.config),
    finishedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    attempt: 1,
    ...runTrial(t.config, t.seed),
  }));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 1));
  writeFileSync(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return { dir, plan, records, cells: summariseCells(plan.cells, records) };
}

/** Width, height, density (dpi) of a PNG. */
export async function pngInfo(png: Buffer): Promise<{ width: number; height: number; density: number | undefined; format: string | undefined }> {
  const m = await sharp(png).metadata();
  return { width: m.width!, height: m.height!, density: m.density, format: m.format };
}

/** Fraction of pixels that are not (near) white. */
export async function inkFraction(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let ink = 0;
  for (let p = 0; p < data.length; p += info.channels) if (data[p]! < 245 || data[p + 1]! < 245 || data[p + 2]! < 245) ink++;
  return ink / (info.width * info.height);
}

/** Pixels whose colour differs by more than 24 in some channel between two same-sized PNGs. */
export async function differingPixels(a: Buffer, b: Buffer): Promise<number> {
  const ra = await sharp(a).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rb = await sharp(b).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (ra.info.width !== rb.info.width || ra.info.height !== rb.info.height) throw new Error('differingPixels: sizes differ');
  let n = 0;
  for (let p = 0; p < ra.data.length; p += 3) {
    if (Math.abs(ra.data[p]! - rb.data[p]!) > 24 || Math.abs(ra.data[p + 1]! - rb.data[p + 1]!) > 24 || Math.abs(ra.data[p + 2]! - rb.data[p + 2]!) > 24) n++;
  }
  return n;
}

/** Texts of the SVG's <text> elements (entities decoded). */
export function svgTexts(svg: string): string[] {
  const dec = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out: string[] = [];
  for (const m of svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)) {
    // typeset subscripts (<tspan baseline-shift="sub">) are part of their line
    const inner = m[1]!.replace(/<tspan baseline-shift="sub"[^>]*>([\s\S]*?)<\/tspan>/g, '$1');
    const spans = [...inner.matchAll(/<tspan\b[^>]*>([\s\S]*?)<\/tspan>/g)].map((t) => dec(t[1]!));
    out.push(...(spans.length ? spans : [dec(inner)]));
  }
  return out;
}

/**
 * A strict RFC 4180 reader: returns the rows as arrays of fields; throws on
 * a stray quote or an unterminated quoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\n') throw new Error(`CSV: text after a closing quote at ${i}`);
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      if (field !== '') throw new Error(`CSV: quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\r') {
      throw new Error(`CSV: carriage return at ${i} (expected \\n line ends)`);
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || row.length) throw new Error('CSV: last line not terminated by a newline');
  return rows;
}
