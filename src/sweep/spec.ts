/**
 * Sweep files: YAML with `name`, `base` parameters, `grid` axes, `seeds` and
 * optional `plot` options. Parsing and validation (zod); every error becomes
 * one line naming the offending field (`SweepSpecError`).
 *
 * ```yaml
 * name: snr-n
 * base: { d: 400, steps: 2000 }
 * grid:
 *   snr: { logspace: [0.01, 1], num: 8 }   # from, to (values, not exponents)
 *   n: [5, 10, 20, 40, 80, 160]
 * seeds: 2                                  # or an explicit list [0, 7, 9]
 * ```
 */
import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SweepSpecError } from '../core/errors.js';
import { INTEGER_PARAMS, MAX_RANGE_POINTS, MAX_SEEDS, MAX_TRIALS, NUMERIC_PARAMS, PARAM_NAMES, PARAM_SCHEMAS, type ParamName, type ParamValue } from '../core/params.js';
import type { Sweep } from '../core/view.js';
import { assumptionsSchema } from '../outcome/assumptions.js';
import { plotSectionSchema } from '../plot/settings.js';
import { DERIVED_NAMES, checkExpression } from './derived.js';

const rangeSpec = (kind: 'logspace' | 'linspace') =>
  z
    .object({
      [kind]: z.tuple([z.number().finite(), z.number().finite()]),
      num: z.number().int().min(1).max(MAX_RANGE_POINTS),
    })
    .strict();

const axisSchema = z.union(
  [z.array(z.unknown()).min(1, 'needs at least one value'), rangeSpec('logspace'), rangeSpec('linspace')],
  {
    errorMap: (issue, ctx) => (issue.code === 'invalid_union'
      ? { message: 'expected a list of values, or { logspace: [from, to], num: k } / { linspace: [from, to], num: k }' }
      : { message: ctx.defaultError }),
  },
);

const sweepSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a simple folder name (letters, digits, . _ -)'),
    description: z.string().optional(),
    base: z.record(z.unknown()).default({}),
    grid: z.record(axisSchema).default({}),
    seeds: z.union([z.number().int().min(1).max(MAX_SEEDS), z.array(z.number().int().min(0).safe()).min(1)]).default(1),
    // the plot: section, checked setting by setting (src/plot/settings.ts)
    plot: plotSectionSchema.default({}),
    // constants of the theorem's asymptotic conditions (src/outcome/assumptions.ts)
    assumptions: assumptionsSchema.default({}),
  })
  .strict();

/** Top-level keys of a sweep file (those of its schema). */
export const SWEEP_KEYS: readonly string[] = Object.keys(sweepSchema.shape);


/**
 * " — did you mean `x`?" for the valid name nearest to `name` (Levenshtein
 * distance at most a third of the longer name, at least 2), else "".
 */
export function didYouMean(name: string, valid: readonly string[]): string {
  if (valid.length === 0) return '';
  const best = closest(name, valid as string[]);
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return distance(name, best) <= limit || best.toLowerCase() === name.toLowerCase() ? ` — did you mean \`${best}\`?` : '';
}

/** Keys a schema accepts at `path` inside it (objects: their shape; base/grid records: the parameters), or null. */
export function keysAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): string[] | null {
  let s: z.ZodTypeAny = schema;
  const unwrap = () => {
    for (;;) {
      if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s._def.innerType;
      else if (s instanceof z.ZodEffects) s = s.innerType();
      else return;
    }
  };
  for (let i = 0; i <= path.length; i++) {
    unwrap();
    // base and grid are records of parameters
    if (s === sweepSchema && i < path.length && (path[i] === 'base' || path[i] === 'grid')) {
      if (i + 1 === path.length) return [...PARAM_NAMES];
      const p = path[i + 1] as ParamName;
      if (!(p in PARAM_SCHEMAS) || path[i] === 'grid') return null;
      s = PARAM_SCHEMAS[p];
      i++;
      continue;
    }
    if (i === path.length) break;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodTypeAny>)[path[i] as string] ?? z.never();
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueSchema;
    else return null;
  }
  unwrap();
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : null;
}

function pathOf(path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/**
 * Parse `value` with `schema`; on failure throw one line
 * `<source>: <field path>: <message>`, the path being `field` followed by the
 * path of the first issue inside the value (an unknown key is named in the path).
 */
function check(schema: z.ZodTypeAny, value: unknown, source: string, field: string): unknown {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = [...issue.path] as (string | number)[];
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const where = [...(field ? field.split('.') : []), ...path];
      path.push(issue.keys[0]);
      message = `unknown key${didYouMean(issue.keys[0], keysAt(sweepSchema, where) ?? [])}`;
    }
    const sub = pathOf(path);
    const full = field && sub ? (sub.startsWith('[') ? field + sub : `${field}.${sub}`) : field || sub;
    throw new SweepSpecError(`${source}: ${full ? `${full}: ` : ''}${message}${typeof value !== 'object' ? ` (got ${JSON.stringify(value)})` : ''}`);
  }
  return r.data;
}

/**
 * Check one parameter value: a numeric parameter given as a string is an
 * expression (src/sweep/derived.ts), kept as text after its syntax and
 * names are checked (its value is checked when the plan resolves it);
 * anything else goes through its schema.
 */
function checkParam(name: ParamName, v: unknown, source: string, field: string): ParamValue {
  if (typeof v === 'string' && NUMERIC_PARAMS.has(name)) {
    if (!v.trim()) throw new SweepSpecError(`${source}: ${field}: empty expression`);
    checkExpression(v, `${source}: ${field}`, [...NUMERIC_PARAMS, ...DERIVED_NAMES]);
    return v;
  }
  return check(PARAM_SCHEMAS[name], v, source, field) as ParamValue;
}

/** Expand `{logspace|linspace: [from, to], num}` (inclusive ends). Integer params are rounded and de-duplicated. */
export function expandRange(kind: 'logspace' | 'linspace', from: number, to: number, num: number, integer: boolean, where: string): number[] {
  if (kind === 'logspace' && (from <= 0 || to <= 0)) throw new SweepSpecError(`${where}.logspace: ends must be positive (got [${from}, ${to}])`);
  const out: number[] = [];
  for (let i = 0; i < num; i++) {
    const t = num === 1 ? 0 : i / (num - 1);
    let x = kind === 'logspace' ? Math.exp(Math.log(from) + t * (Math.log(to) - Math.log(from))) : from + t * (to - from);
    if (i === num - 1) x = to;
    if (i === 0) x = from;
    x = integer ? Math.round(x) : Number(x.toPrecision(12));
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

/**
 * Validate a parsed sweep document.
 *
 * @param doc     the YAML document as plain data
 * @param source  file name used as the prefix of error messages
 * @throws SweepSpecError (one line naming the field) on unknown keys,
 *   impossible values (T < 3, η ∉ [0, 0.5), n < 2, d < 2, …), or snr and muNorm together
 */
export function validateSweep(doc: unknown, source = 'sweep'): Sweep {
  const top = check(sweepSchema, doc, source, '') as z.infer<typeof sweepSchema>;
  const base: Partial<Record<ParamName, ParamValue>> = {};
  for (const [k, v] of Object.entries(top.base)) {
    if (!(k in PARAM_SCHEMAS)) throw new SweepSpecError(`${source}: base.${k}: unknown parameter${didYouMean(k, PARAM_NAMES) || ` (known: ${PARAM_NAMES.join(', ')})`}`);
    base[k as ParamName] = checkParam(k as ParamName, v, source, `base.${k}`);
  }
  const axes: Sweep['axes'] = [];
  for (const [k, spec] of Object.entries(top.grid)) {
    if (!(k in PARAM_SCHEMAS)) throw new SweepSpecError(`${source}: grid.${k}: unknown parameter${didYouMean(k, PARAM_NAMES) || ` (known: ${PARAM_NAMES.join(', ')})`}`);
    const name = k as ParamName;
    if (name in base) throw new SweepSpecError(`${source}: grid.${k}: also set in base; set it in one place`);
    let raw: unknown[];
    if (Array.isArray(spec)) raw = spec;
    else {
      if (!NUMERIC_PARAMS.has(name)) throw new SweepSpecError(`${source}: grid.${k}: ranges need a numeric parameter; list the values instead`);
      const kind = 'logspace' in spec ? 'logspace' : 'linspace';
      const [from, to] = (spec as Record<string, [number, number]>)[kind];
      raw = expandRange(kind, from, to, (spec as { num: number }).num, INTEGER_PARAMS.has(name), `${source}: grid.${k}`);
    }
    const values: ParamValue[] = [];
    const seen = new Set<string>();
    raw.forEach((v, i) => {
      const value = checkParam(name, v, source, `grid.${k}[${i}]`);
      const id = JSON.stringify(value);
      if (!seen.has(id)) values.push(value); // a repeated value would make two cells with one key
      seen.add(id);
    });
    axes.push({ name, values });
  }
  const hasSnr = 'snr' in base || axes.some((a) => a.name === 'snr');
  const hasMu = 'muNorm' in base || axes.some((a) => a.name === 'muNorm');
  if (hasSnr && hasMu) {
    const muAt = 'muNorm' in base ? 'base.muNorm' : 'grid.muNorm';
    throw new SweepSpecError(`${source}: ${muAt}: snr and muNorm are mutually exclusive (muNorm = snr·sigma·√d); give one`);
  }
  for (const key of ['x', 'y'] as const) {
    const v = top.plot[key];
    if (v !== undefined && !axes.some((a) => a.name === v)) {
      throw new SweepSpecError(`${source}: plot.${key}: "${v}" is not a grid axis (axes: ${axes.map((a) => a.name).join(', ') || 'none'})`);
    }
  }
  const seeds = typeof top.seeds === 'number' ? Array.from({ length: top.seeds }, (_, i) => i) : [...new Set(top.seeds)];
  const trials = axes.reduce((p, a) => p * a.values.length, 1) * seeds.length;
  if (trials > MAX_TRIALS) {
    throw new SweepSpecError(`${source}: grid: ${trials.toExponential(2)} trials (cells × seeds) is more than the limit of ${MAX_TRIALS.toLocaleString('en')}; split the sweep`);
  }
  return { name: top.name, description: top.description, base, axes, seeds, plot: top.plot, assumptions: top.assumptions };
}

/** Read and parse a sweep YAML file (not validated). @throws SweepSpecError naming the file */
export function readSweepDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SweepSpecError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new SweepSpecError(`${file}: invalid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  return doc;
}

/** Read and validate a sweep YAML file. @throws SweepSpecError */
export function loadSweep(file: string): Sweep {
  return validateSweep(readSweepDocument(file), file);
}
