/**
 * Command-line overrides of a sweep file, Hydra-style:
 *
 * ```sh
 * attn-phase run sweeps/snr-n.yaml d=500 seeds=3 grid.n=[10,20] plot.width=8.5cm name=quick
 * ```
 *
 * * `key=value` sets `key` in the sweep document; the value is parsed as YAML
 *   (`3` a number, `[10, 20]` a list, `{logspace: [0.1, 1], num: 4}` a range,
 *   `8.5cm` a string, `'3'` a string).
 * * A bare parameter name means `base.<name>` and fixes that parameter: if the
 *   grid sweeps it, the axis is dropped. `grid.<name>=…` sweeps it: a fixed
 *   value in `base` is dropped.
 * * A dotted path reaches anything in the file: `plot.width`,
 *   `base.init.W`, `grid.snr.num`; objects on the way are created.
 * * `~key` removes a key (`~grid.eta`, `~plot.title`).
 *
 * The result is validated exactly like a file (src/sweep/spec.ts), so errors
 * are the same one-line messages naming the key; a first segment that is
 * neither a top-level key nor a parameter is refused here with the nearest
 * valid name suggested.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { SWEEP_KEYS, didYouMean, readSweepDocument, validateSweep } from './spec.js';
import { DEFAULT_CONFIG } from '../core/config.js';
import { PARAM_NAMES, PARAM_SCHEMAS } from '../core/params.js';
import { SweepSpecError } from '../core/errors.js';
import type { Sweep } from '../core/view.js';

/** Source name of errors in the override syntax itself. */
const CLI = 'command line';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Apply overrides to a parsed sweep document (not modified; a deep copy is
 * returned).
 *
 * @param doc        the sweep document as plain data (parsed YAML)
 * @param overrides  `key=value` or `~key` strings, applied in order
 * @returns the new document (validate it with `validateSweep`)
 * @throws SweepSpecError (one line, source "command line") for a malformed
 *   override, an unknown first segment (with the nearest valid name), a value
 *   that is not YAML, or a path through a non-object
 */
export function applyOverrides(doc: unknown, overrides: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = isPlainObject(doc) ? structuredClone(doc) : {};
  for (const o of overrides) {
    const remove = o.startsWith('~');
    const eq = o.indexOf('=');
    if (!remove && eq < 0) throw new SweepSpecError(`${CLI}: ${o}: expected key=value (or ~key to remove a key)`);
    const key = remove ? o.slice(1) : o.slice(0, eq);
    if (!/^[A-Za-z_]\w*(\.\w+)*$/.test(key)) throw new SweepSpecError(`${CLI}: ${o}: expected key=value with a dotted key such as base.d or plot.width`);
    let path = key.split('.');
    if (!SWEEP_KEYS.includes(path[0])) {
      if (!(PARAM_NAMES as readonly string[]).includes(path[0])) {
        const valid = [...SWEEP_KEYS, ...PARAM_NAMES];
        throw new SweepSpecError(`${CLI}: ${path[0]}: unknown key${didYouMean(path[0], valid) || ` (keys: ${SWEEP_KEYS.join(', ')}, or a parameter: ${PARAM_NAMES.join(', ')})`}`);
      }
      path = ['base', ...path];
    }
    let value: unknown;
    if (!remove) {
      const text = o.slice(eq + 1);
      try {
        value = parseYaml(text);
      } catch (e) {
        throw new SweepSpecError(`${CLI}: ${key}: value is not YAML: ${String((e as Error).message).split('\n')[0]}`);
      }
    }
    // a parameter is fixed (base) or swept (grid), not both: the override decides
    if ((path[0] === 'base' || path[0] === 'grid') && path.length === 2) {
      const other = out[path[0] === 'base' ? 'grid' : 'base'];
      if (isPlainObject(other)) delete other[path[1]];
    }
    let node: Record<string, unknown> | null = out;
    for (let i = 0; i < path.length - 1 && node; i++) {
      const next: unknown = node[path[i]];
      if (next === undefined || next === null) {
        if (remove) {
          node = null; // nothing to remove
          break;
        }
        node[path[i]] = {};
      } else if (!isPlainObject(next)) {
        throw new SweepSpecError(`${CLI}: ${key}: ${path.slice(0, i + 1).join('.')} is not a mapping (it is ${JSON.stringify(next)})`);
      }
      node = node[path[i]] as Record<string, unknown>;
    }
    if (!node) continue;
    const last = path[path.length - 1];
    if (remove) delete node[last];
    else node[last] = value;
  }
  return out;
}

/**
 * The `--engine E` flag of `run` and `slurm submit` as the override
 * `engine=E` (so, like any bare parameter, it fixes base.engine and drops a
 * grid axis `engine`, is written into `sweep.yaml` and the Slurm manifest's
 * sweep, and goes with the other overrides into the merge job's command).
 *
 * @returns [] without the flag
 * @throws SweepSpecError naming `--engine` for a value that is not an engine
 */
export function engineFlagOverrides(engine: string | undefined): string[] {
  if (engine === undefined) return [];
  const engines: readonly string[] = PARAM_SCHEMAS.engine.options;
  if (!engines.includes(engine)) throw new SweepSpecError(`--engine: expected ${engines.join(' | ')}, got ${JSON.stringify(engine)}`);
  return [`engine=${engine}`];
}

/**
 * Read a sweep file, apply overrides and validate the result like a file.
 *
 * @returns the validated sweep and the resolved document (what `sweep.yaml` holds)
 * @throws SweepSpecError
 */
export function loadSweepWithOverrides(file: string, overrides: readonly string[]): { sweep: Sweep; doc: Record<string, unknown> } {
  const doc = applyOverrides(readSweepDocument(file), overrides);
  return { sweep: validateSweep(doc, file), doc };
}

/**
 * The document with every parameter given explicitly: the defaults of the
 * parameters neither fixed nor swept are written into `base` (muNorm only
 * when snr is not used), so a later change of a default does not change what
 * the file means.
 */
export function explicitSweepDocument(doc: Record<string, unknown>): Record<string, unknown> {
  const base = isPlainObject(doc.base) ? { ...doc.base } : {};
  const grid = isPlainObject(doc.grid) ? doc.grid : {};
  const given = (p: string) => p in base || p in grid;
  const filled: Record<string, unknown> = {};
  for (const [p, v] of Object.entries(DEFAULT_CONFIG)) {
    if (given(p) || (p === 'muNorm' && given('snr'))) continue;
    filled[p] = structuredClone(v);
  }
  return { ...doc, base: { ...base, ...filled } };
}

/**
 * The resolved sweep as YAML: the document with overrides applied, headed by
 * a comment saying where it came from. Running it gives the same trials.
 *
 * @param doc        resolved document (from loadSweepWithOverrides)
 * @param origin     file the sweep was read from
 * @param overrides  the overrides applied
 */
export function resolvedSweepYaml(doc: Record<string, unknown>, origin: string, overrides: readonly string[]): string {
  const head = `# The sweep as it ran: ${origin}${overrides.length ? ` with ${overrides.join(' ')}` : ''}\n# attn-phase run <this file> repeats it.\n`;
  return head + stringifyYaml(doc, { lineWidth: 0 });
}
