/**
 * Plot settings: the one table of every setting a sweep file's `plot:`
 * section, the `plot` command's flags and the library may give, each with the
 * one parser that checks and converts its value. The sweep file schema
 * ({@link plotSectionSchema}), {@link resolvePlotSettings} (the figures) and
 * the command line ({@link settingFromFlag}) all go through it, so a value is
 * accepted or refused the same way wherever it comes from; only the prefix of
 * the one-line error differs (`<file>: plot.width: …`, `plot.width: …`,
 * `--width: …`).
 *
 * Layers, later ones winning: defaults (natural size, 300 dpi, DejaVu Sans
 * 8 pt, svg+png+pdf, Okabe–Ito), the sweep file's `plot:` section, the
 * caller's overrides (the `plot` command's flags); `titles`, `labels` and
 * `domains` merge key by key.
 */
import { z } from 'zod';
import { PARAM_NAMES } from '../core/params.js';
import {
  DEFAULT_DPI, DEFAULT_FONT, DEFAULT_FONT_SIZE, FIGURE_FORMATS, FIGURE_NAMES, LABEL_TARGETS, METRIC_NAMES, parseDomain, parseDpi, parseFontFile,
  parseFontSize, parseFormats, parseLength, parsePalette, parseScheme, type FigureFormat, type PaletteName,
} from './style.js';

/** Resolved plot settings (see module docstring). */
export interface PlotSettings {
  /** the grid axes on the x and y axis of the maps (default: the first two axes in file order) */
  x?: string;
  y?: string;
  /** training steps of the regime-horizons small multiples (default: ⅒, ¼, ½ and all of the run) */
  horizons?: number[];
  /** multiples c of each cell's τ at which maps and boundary fits are read (src/outcome/theory-time.ts) */
  theoryTimes?: number[];
  /** figure width / height in px (96 per inch); undefined = natural size */
  width?: number;
  height?: number;
  /** PNG resolution in dots per inch */
  dpi: number;
  /** font family (must be installed) and base size in pt */
  font: string;
  fontSize: number;
  formats: FigureFormat[];
  palette: PaletteName;
  /** base figure title; false = no figure titles; undefined = the sweep name */
  title?: string | false;
  /** per figure (base name) title, false = none */
  titles: Record<string, string | false>;
  /** axis / metric / regime label overrides */
  labels: Record<string, string>;
  /** explanatory subtitles under panel titles */
  notes: boolean;
  /** a font file (.ttf/.otf) whose family is used instead of `font`; embedded in PDF, used for PNG */
  fontFile?: string;
  /** Vega colour scheme of the continuous maps; default the palette's */
  scheme?: string;
  /** colour domain [min, max] per metric of the continuous maps; default the data range */
  domains: Record<string, [number, number]>;
}

/**
 * Plot settings as written in a sweep file's `plot:` section or given to the
 * library: lengths as "8.5cm" / "3.3in" / "640px" (or px numbers), font size
 * in pt, formats as "svg,pdf" or a list; every value is checked by its parser.
 */
export type PlotSettingsInput = { [K in keyof PlotSettings]?: unknown };

/** An invalid plot setting; the message starts with the setting's name (`plot.width: …`). */
export class PlotSettingsError extends Error {
  override name = 'PlotSettingsError';
}

/**
 * A value a setting's parser refused: one line; for a map setting the key it
 * concerns (`domains.testErr`) and, for an unknown key, the message naming it
 * (what a flag's error says: the flag has no path to put the key in).
 */
class SettingValueError extends Error {
  constructor(message: string, readonly key?: string, readonly named?: string) {
    super(message);
  }
}

/** Runs a style parser (src/plot/style.ts) on a string or number. */
const scalar = <T>(parse: (v: string | number) => T) => (v: unknown): T => {
  if (typeof v !== 'string' && typeof v !== 'number') throw new SettingValueError(`expected a string or number, got ${JSON.stringify(v)}`);
  return parse(v);
};

/** A map setting: keys among `known()`, each value checked by `value`. */
const keyed = <T>(what: string, known: () => readonly string[], value: (v: unknown, key: string) => T, expected: string) => (v: unknown): Record<string, T> => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new SettingValueError(`expected ${expected}`);
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!known().includes(k)) {
      const list = `(known: ${known().join(', ')})`;
      throw new SettingValueError(`unknown ${what} ${list}`, k, `unknown ${what} ${JSON.stringify(k)} ${list}`);
    }
    try {
      out[k] = value(x, k);
    } catch (e) {
      throw new SettingValueError((e as Error).message, k);
    }
  }
  return out;
};

const text = (what: string) => (v: unknown): string => {
  if (typeof v !== 'string' || !v.trim()) throw new SettingValueError(`expected ${what}`);
  return v.trim();
};

/** A list of numbers each checked by `ok` (steps, multiples of τ). */
const numbers = (ok: (x: number) => boolean, what: string) => (v: unknown): number[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && ok(x))) throw new SettingValueError(`expected a list of ${what}, got ${JSON.stringify(v)}`);
  return [...v] as number[];
};

/**
 * Every plot setting: its parser (value → resolved value; throws a one-line
 * message) and its `plot` command flag, if it has one. The one place a
 * setting is defined.
 */
export const PLOT_SETTINGS = {
  x: { parse: text('a grid axis name') },
  y: { parse: text('a grid axis name') },
  horizons: { parse: numbers((x) => Number.isInteger(x) && x >= 0, 'training steps (integers ≥ 0)') },
  theoryTimes: { parse: numbers((x) => Number.isFinite(x) && x > 0, 'positive multiples of τ') },
  width: { parse: scalar(parseLength), flag: 'width' },
  height: { parse: scalar(parseLength), flag: 'height' },
  dpi: { parse: scalar(parseDpi), flag: 'dpi' },
  font: { parse: text('a font family name'), flag: 'font' },
  fontSize: { parse: scalar(parseFontSize), flag: 'font-size' },
  formats: {
    parse: (v: unknown) => {
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new SettingValueError(`expected a list of ${FIGURE_FORMATS.join(', ')}`);
      return parseFormats(v as string | string[]);
    },
    flag: 'format',
  },
  palette: { parse: scalar((v) => parsePalette(String(v)).name), flag: 'palette' },
  title: {
    parse: (v: unknown): string | false => {
      if (typeof v !== 'string' && v !== false) throw new SettingValueError('expected a text or false');
      return v;
    },
    flag: 'title',
  },
  titles: { parse: keyed('figure', () => FIGURE_NAMES, (x) => { if (typeof x !== 'string' && x !== false) throw new SettingValueError('expected a text or false'); return x as string | false; }, 'a map of figure: text'), flag: 'figure-title' },
  labels: { parse: keyed('axis, metric or regime', () => [...PARAM_NAMES, ...LABEL_TARGETS], (x) => { if (typeof x !== 'string') throw new SettingValueError('expected a text'); return x; }, 'a map of name: text'), flag: 'label' },
  notes: {
    parse: (v: unknown): boolean => {
      if (typeof v !== 'boolean') throw new SettingValueError('expected true or false');
      return v;
    },
    flag: 'notes',
  },
  fontFile: { parse: parseFontFile, flag: 'font-file' },
  scheme: { parse: parseScheme, flag: 'scheme' },
  domains: { parse: keyed('metric', () => METRIC_NAMES, (x, k) => parseDomain(x, `${k}'s domain`), 'a map of metric: [min, max]'), flag: 'domain' },
} as const satisfies Record<keyof PlotSettings, { parse: (v: unknown) => unknown; flag?: string }>;

/** Name of a plot setting. */
export type PlotSettingName = keyof typeof PLOT_SETTINGS;
/** Every plot setting's name. */
export const PLOT_SETTING_NAMES = Object.keys(PLOT_SETTINGS) as PlotSettingName[];

/**
 * Check one setting's value with its parser.
 * @returns the resolved value
 * @throws an Error `<key>[.<map key>]: <problem>` (one line; callers prefix it)
 */
function parseSetting<K extends PlotSettingName>(key: K, value: unknown): ReturnType<(typeof PLOT_SETTINGS)[K]['parse']> {
  try {
    return PLOT_SETTINGS[key].parse(value) as ReturnType<(typeof PLOT_SETTINGS)[K]['parse']>;
  } catch (e) {
    const sub = e instanceof SettingValueError && e.key !== undefined ? `.${e.key}` : '';
    throw new PlotSettingsError(`plot.${key}${sub}: ${(e as Error).message}`);
  }
}

/**
 * The sweep file's `plot:` section as a zod schema (src/sweep/spec.ts puts it
 * in the file's schema): unknown keys are refused, every value goes through
 * its parser; the issue's path names the key (and the map key inside it).
 * Values are kept as written (the sweep as run is saved with them).
 */
export const plotSectionSchema = z
  .object(Object.fromEntries(PLOT_SETTING_NAMES.map((key) => [key, z.unknown().superRefine((v, ctx) => {
    if (v === undefined) return;
    try {
      PLOT_SETTINGS[key].parse(v);
    } catch (e) {
      const sub = e instanceof SettingValueError && e.key !== undefined ? [e.key] : [];
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: sub, message: (e as Error).message });
    }
  })])) as unknown as Record<PlotSettingName, z.ZodType<unknown>>)
  .strict();

/**
 * Merges plot settings: defaults, then each layer in turn (later wins;
 * `titles`, `labels` and `domains` merge key by key; undefined values are
 * skipped, unknown keys ignored — the sweep schema and the flags refuse them).
 * @throws PlotSettingsError "plot.<key>: <problem>" for an invalid value
 */
export function resolvePlotSettings(...layers: (PlotSettingsInput | Readonly<Record<string, unknown>> | undefined | null)[]): PlotSettings {
  const s: PlotSettings = {
    dpi: DEFAULT_DPI, font: DEFAULT_FONT, fontSize: DEFAULT_FONT_SIZE, formats: [...FIGURE_FORMATS], palette: 'okabe-ito',
    titles: {}, labels: {}, notes: true, domains: {},
  };
  const merged = s as unknown as Record<string, unknown>;
  for (const l of layers) {
    if (!l) continue;
    for (const key of PLOT_SETTING_NAMES) {
      const v = (l as Record<string, unknown>)[key];
      if (v === undefined) continue;
      const value = parseSetting(key, v);
      merged[key] = key === 'titles' || key === 'labels' || key === 'domains' ? { ...(merged[key] as object), ...(value as object) } : value;
    }
  }
  return s;
}

/**
 * The plot setting behind a `plot` command flag and its value as a layer
 * entry, checked by the setting's parser.
 * @param flag   the flag without dashes, e.g. "font-size"
 * @param value  the flag's value: a string, or for a map setting the map built from name=text pairs
 * @throws Error `--<flag>: <problem>` (one line)
 */
export function settingFromFlag(flag: string, value: unknown): [PlotSettingName, unknown] {
  const key = PLOT_SETTING_NAMES.find((k) => (PLOT_SETTINGS[k] as { flag?: string }).flag === flag);
  if (!key) throw new Error(`--${flag}: not a plot setting`);
  try {
    return [key, PLOT_SETTINGS[key].parse(value)];
  } catch (e) {
    throw new PlotSettingsError(`--${flag}: ${(e instanceof SettingValueError && e.named) || (e as Error).message}`);
  }
}
