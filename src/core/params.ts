/**
 * The parameter list: every parameter a sweep file, an override or the
 * library may set (SPEC §1–3 names), with its validator and limits. The one
 * list of parameters — the trial configuration type (./config.ts), the sweep
 * file schema (src/sweep/spec.ts) and expressions (src/sweep/derived.ts) all
 * derive from it.
 */
import { z } from 'zod';

/** Sanity limits of a sweep file (far above any real sweep; they stop typos like num: 1e8). */
export const MAX_RANGE_POINTS = 10_000;
/** See {@link MAX_RANGE_POINTS}. */
export const MAX_SEEDS = 100_000;
/** See {@link MAX_RANGE_POINTS}. */
export const MAX_TRIALS = 1_000_000;

/**
 * Upper bounds of the numeric parameters: far above any real sweep (memory
 * and time are checked per trial at planning, src/sweep/plan.ts), they stop
 * typos like `steps: 1e308` before anything runs, and keep derived values
 * (muNorm = snr·sigma·√d, squared norms) finite.
 *
 * `d` goes to 10¹² for the wishart engine, whose cost and memory do not
 * depend on d (SPEC §8, §9); what an engine that holds d-sized arrays can run
 * is its memory estimate's business (src/model/engines.ts, checked at
 * planning). A muNorm derived from snr is held to the muNorm bound too
 * (src/sweep/derived.ts); the bounds agree at σ = 1: snr ≤ 10⁶ at d = 10¹²
 * gives muNorm = snr·σ·√d ≤ 10¹².
 */
export const PARAM_MAX = {
  d: 1_000_000_000_000, T: 10_000, n: 1_000_000, steps: 1_000_000_000, evalEvery: 1_000_000_000, testN: 10_000_000,
  muNorm: 1e12, snr: 1e6, sigma: 1e6, alpha: 1e200, sigmaW: 1e6, sigmaP: 1e6,
} as const;

/**
 * The training engines (SPEC §4, §8), in the order help texts list them. What
 * each does, costs and needs is its descriptor in src/model/engines.ts.
 */
export const ENGINE_NAMES = ['explicit', 'reduced', 'wishart'] as const;
/** Name of a training engine. */
export type EngineName = (typeof ENGINE_NAMES)[number];

const upTo = (max: number) => ({ message: `must be at most ${max.toLocaleString('en')}` });
const int = (min: number, max: number) => z.number().int().min(min).max(max, upTo(max));
const positive = z.number().gt(0).finite();
const positiveUpTo = (max: number) => positive.max(max, upTo(max));

/**
 * Validators of every sweep parameter (SPEC §2 names): the one list of
 * parameters. The trial configuration type (TrialConfig, ./config.ts) is
 * derived from it; defaults live in DEFAULT_CONFIG there.
 */
export const PARAM_SCHEMAS = {
  d: int(2, PARAM_MAX.d),
  T: int(3, PARAM_MAX.T),
  n: int(2, PARAM_MAX.n),
  eta: z.number().min(0).lt(0.5),
  rho: z.number().gt(0).lt(1),
  muNorm: positiveUpTo(PARAM_MAX.muNorm),
  snr: positiveUpTo(PARAM_MAX.snr),
  sigma: positiveUpTo(PARAM_MAX.sigma),
  alpha: positiveUpTo(PARAM_MAX.alpha),
  // a count, or a horizon in theory time { tau: k } → ceil(k·τ) (src/sweep/derived.ts)
  steps: z.union([int(1, PARAM_MAX.steps), z.object({ tau: positive }).strict()], { errorMap: () => ({ message: `expected an integer from 1 to ${PARAM_MAX.steps} or { tau: k } (k > 0)` }) }),
  maxSteps: int(1, PARAM_MAX.steps),
  evalEvery: int(1, PARAM_MAX.evalEvery),
  evalLog: int(0, 1000),
  testN: int(2, PARAM_MAX.testN),
  labels: z.enum(['balanced', 'iid']),
  noise: z.enum(['exact', 'bernoulli']),
  init: z
    .object({
      W: z.enum(['uniform', 'gaussian']).optional(),
      sigmaW: positiveUpTo(PARAM_MAX.sigmaW).optional(),
      p: z.enum(['zero', 'gaussian']).optional(),
      sigmaP: positiveUpTo(PARAM_MAX.sigmaP).optional(),
    })
    .strict(),
  nuScale: z.number().finite().refine((x) => x !== 0, 'must be non-zero'),
  generalizationTolerance: z.number().gt(0).max(1),
  engine: z.enum(['auto', ...ENGINE_NAMES]),
  test: z.enum(['projected', 'explicit']),
} as const;

/** Name of a parameter. */
export type ParamName = keyof typeof PARAM_SCHEMAS;
/** Every parameter name, in the order of {@link PARAM_SCHEMAS}. */
export const PARAM_NAMES = Object.keys(PARAM_SCHEMAS) as ParamName[];

/** The number validator of a parameter (through refinements), or null for a non-numeric one. */
function numberSchema(name: ParamName): z.ZodNumber | null {
  let s: z.ZodTypeAny = PARAM_SCHEMAS[name];
  while (s instanceof z.ZodEffects) s = s.innerType();
  // steps: a count or { tau: k } — the count decides
  if (s instanceof z.ZodUnion) s = (s.options as z.ZodTypeAny[]).find((o) => o instanceof z.ZodNumber) ?? s;
  return s instanceof z.ZodNumber ? s : null;
}

/** Parameters whose values are integers (grids over them stay integers). */
export const INTEGER_PARAMS: ReadonlySet<string> = new Set(PARAM_NAMES.filter((p) => numberSchema(p)?.isInt));
/** Parameters whose values are numbers (a grid may give them as a range; they may also be expressions: src/sweep/derived.ts). */
export const NUMERIC_PARAMS: ReadonlySet<string> = new Set(PARAM_NAMES.filter((p) => numberSchema(p) !== null));

/** Value of a parameter as a sweep gives it: number, string (an expression, or an enum value) or the init object. */
export type ParamValue = number | string | Record<string, unknown>;
