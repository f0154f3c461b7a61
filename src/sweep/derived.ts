/**
 * Derived parameters: any numeric parameter of a sweep may be an expression
 * (a string) of other parameters and of the derived quantities of SPEC §7,
 * and `steps` may be given in theory time.
 *
 * ```yaml
 * base:
 *   alpha: "0.02 / muNorm^2"   # keeps α‖μ‖² fixed, so τ is the same number of steps in every cell
 *   steps: { tau: 1000 }       # ceil(1000·τ) steps per trial …
 *   maxSteps: 200000           # … at most this many (reported when it binds)
 * ```
 *
 * Names an expression may use: the numeric parameters (d, T, n, eta, rho,
 * muNorm, snr, sigma, alpha, evalEvery, evalLog, testN, nuScale,
 * generalizationTolerance, maxSteps) and the derived quantities `snr`
 * (‖μ‖/(σ√d)), `muNorm` (snr·σ·√d), `tau`, `tauBenign` and `nSnr2` (SPEC §7,
 * see src/outcome/theory.ts), plus the constants `pi` and `e` and the
 * functions of mathjs' number build (sqrt, log, log10, exp, min, max, ceil,
 * round, …). Expressions are parsed by mathjs (no `eval`), resolved in
 * dependency order; a cycle (`alpha: "1/tau"`) is an error naming the chain.
 * An expression for an integer parameter (d, T, n, steps, …) is rounded to
 * the nearest integer. Every resolved value is validated like a literal one.
 * Errors are one line naming the field (`base.alpha: …`, exit 2).
 *
 * mathjs is loaded only when a sweep uses an expression (it takes a moment
 * to load).
 */
import { createRequire } from 'node:module';
import { theoryOf } from '../outcome/theory.js';
import { type TrialConfig, muNormFromSnr, snrOf } from '../core/config.js';
import { SweepSpecError } from '../core/errors.js';
import { PARAM_MAX } from '../core/params.js';

/** Derived quantities an expression may name besides the parameters (SPEC §7). */
export const DERIVED_NAMES = ['snr', 'muNorm', 'tau', 'tauBenign', 'nSnr2'] as const;

/** Cap of `steps: { tau: k }` when the sweep sets no `maxSteps`. */
export const DEFAULT_MAX_STEPS = 1_000_000;

/** Parameters that only steer resolution and are not part of a trial's config. */
export const RESOLUTION_ONLY = ['maxSteps'] as const;

/** What resolution tells besides the config. */
export interface ResolveNotes {
  /** `steps: { tau: k }` asked for more than maxSteps: the run was cut to maxSteps */
  stepsCapped?: { requested: number; maxSteps: number; tau: number };
}

/** A parsed expression: the names it uses and its evaluation. */
interface Compiled {
  text: string;
  symbols: string[];
  evaluate(scope: Record<string, number>): unknown;
}

interface MathNode {
  type: string;
  isSymbolNode?: boolean;
  name?: string;
  fn?: unknown;
  isFunctionNode?: boolean;
  traverse(cb: (node: MathNode, path: string, parent: MathNode | null) => void): void;
  compile(): { evaluate(scope?: Record<string, number>): unknown };
}

let mathParse: ((text: string) => MathNode) | null = null;
function parser(): (text: string) => MathNode {
  if (!mathParse) {
    const require = createRequire(import.meta.url);
    mathParse = (require('mathjs/number') as { parse: (t: string) => MathNode }).parse;
  }
  return mathParse;
}

const compiled = new Map<string, Compiled>();

/** Constants of mathjs an expression may use without defining them. */
const CONSTANTS = new Set(['pi', 'e', 'PI', 'E']);

/**
 * Parse an expression once (cached by text).
 * @param where  field named in errors, e.g. "base.alpha"
 * @throws SweepSpecError on a syntax error or an assignment
 */
export function compileExpression(text: string, where: string): Compiled {
  const hit = compiled.get(text);
  if (hit) return hit;
  let node: MathNode;
  try {
    node = parser()(text);
  } catch (e) {
    throw new SweepSpecError(`${where}: invalid expression ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
  const symbols = new Set<string>();
  let bad: string | null = null;
  node.traverse((n, _path, parent) => {
    if (/Assignment/.test(n.type) || n.type === 'BlockNode' || n.type === 'ArrayNode' || n.type === 'ObjectNode' || n.type === 'AccessorNode') bad ??= n.type;
    if (n.isSymbolNode && !(parent?.isFunctionNode && parent.fn === n) && !CONSTANTS.has(n.name!)) symbols.add(n.name!);
  });
  if (bad) throw new SweepSpecError(`${where}: invalid expression ${JSON.stringify(text)}: only arithmetic of parameters is allowed (found ${bad})`);
  const code = node.compile();
  const c: Compiled = { text, symbols: [...symbols], evaluate: (scope) => code.evaluate({ ...scope }) };
  compiled.set(text, c);
  return c;
}

/**
 * Check an expression's syntax and names (at validation, before planning).
 * @throws SweepSpecError `<where>: …` on a syntax error or an unknown name
 */
export function checkExpression(text: string, where: string, known: readonly string[]): void {
  const c = compileExpression(text, where);
  const bad = c.symbols.find((s) => !known.includes(s));
  if (bad) throw new SweepSpecError(`${where}: unknown name "${bad}" in expression ${JSON.stringify(text)} (known: ${[...new Set(known)].join(', ')})`);
}

/** Whether a parameter value is an expression (a string given for a numeric parameter). */
export function isExpression(v: unknown): v is string {
  return typeof v === 'string';
}

/** `steps: { tau: k }`: a horizon in theory time. */
export function isTauHorizon(v: unknown): v is { tau: number } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { tau?: unknown }).tau === 'number';
}

/**
 * Resolve a merged parameter map (defaults ⊕ base ⊕ cell values) into a
 * trial config: evaluate expressions in dependency order, muNorm from snr
 * (SPEC §1), `steps: { tau: k }` → ceil(k·τ) capped at maxSteps; drop snr
 * and maxSteps.
 *
 * @param merged     parameters; numeric ones may be expressions (strings)
 * @param numeric    names of the numeric parameters
 * @param integer    names of the integer parameters (expression results are rounded)
 * @param validate   checks one resolved value (throws SweepSpecError naming `where`)
 * @param whereOf    field named in errors for a parameter, e.g. "base.alpha" or "grid.alpha"
 * @param notes      filled with what the caller should report (a binding maxSteps)
 * @throws SweepSpecError (one line naming the field) on unknown names, cycles,
 *   non-finite or invalid results
 */
export function resolveDerived(
  merged: Record<string, unknown>,
  numeric: ReadonlySet<string>,
  integer: ReadonlySet<string>,
  validate: (name: string, value: unknown, where: string) => void,
  whereOf: (name: string) => string,
  notes: ResolveNotes = {},
): TrialConfig {
  const values = new Map<string, number>();
  const visiting: string[] = [];
  const hasSnr = merged.snr !== undefined;
  const known = new Set<string>([...numeric, ...DERIVED_NAMES]);

  const value = (name: string, from: string): number => {
    const v = values.get(name);
    if (v !== undefined) return v;
    if (visiting.includes(name)) {
      const chain = [...visiting.slice(visiting.indexOf(name)), name].join(' → ');
      throw new SweepSpecError(`${whereOf(visiting[visiting.indexOf(name)])}: circular definition ${chain}`);
    }
    if (!known.has(name)) throw new SweepSpecError(`${from}: unknown name "${name}" in expression (known: ${[...known].join(', ')})`);
    visiting.push(name);
    const x = compute(name);
    visiting.pop();
    values.set(name, x);
    return x;
  };

  const theory = (where: string) => {
    const cfg = {
      d: value('d', where), T: value('T', where), n: value('n', where), muNorm: value('muNorm', where), sigma: value('sigma', where),
      alpha: value('alpha', where), nuScale: value('nuScale', where), generalizationTolerance: value('generalizationTolerance', where),
      init: merged.init as TrialConfig['init'],
    };
    return theoryOf(cfg);
  };

  const compute = (name: string): number => {
    const where = whereOf(name);
    if (name === 'muNorm' && hasSnr) {
      const snr = value('snr', where), sigma = value('sigma', where), d = value('d', where);
      const mu = muNormFromSnr(snr, sigma, d);
      // the muNorm bound holds for a derived muNorm too (it keeps ‖μ‖², ‖μ‖³ of the theory finite)
      if (!(mu <= PARAM_MAX.muNorm)) {
        const at = whereOf('snr');
        throw new SweepSpecError(`${at}: gives muNorm = snr·sigma·√d = ${mu.toPrecision(3)} (snr = ${snr}, sigma = ${sigma}, d = ${d}), above the muNorm limit ${PARAM_MAX.muNorm.toLocaleString('en')} — lower snr (at most ${(PARAM_MAX.muNorm / (sigma * Math.sqrt(d))).toPrecision(3)} here)`);
      }
      return mu;
    }
    if (name === 'snr' && !hasSnr) return snrOf({ muNorm: value('muNorm', where), sigma: value('sigma', where), d: value('d', where) });
    if (name === 'tau' || name === 'tauBenign' || name === 'nSnr2') {
      // only what each quantity needs, so that e.g. alpha may depend on nSnr2
      if (name === 'nSnr2') {
        const s = value('snr', where);
        return value('n', where) * s * s;
      }
      return theory(where)[name];
    }
    const raw = merged[name];
    if (name === 'steps' && isTauHorizon(raw)) {
      const tau = value('tau', where);
      const requested = Math.ceil(raw.tau * tau * (1 - 1e-12));
      const cap = value('maxSteps', where);
      const steps = Math.max(1, Math.min(requested, cap));
      if (requested > cap) notes.stepsCapped = { requested, maxSteps: cap, tau };
      validate(name, steps, where);
      return steps;
    }
    if (isExpression(raw)) {
      const c = compileExpression(raw, where);
      const scope: Record<string, number> = {};
      for (const s of c.symbols) scope[s] = value(s, where);
      let x = c.evaluate(scope);
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new SweepSpecError(`${where}: expression ${JSON.stringify(raw)} gives ${typeof x === 'number' ? String(x) : JSON.stringify(x)}, not a finite number (with ${c.symbols.map((s) => `${s} = ${scope[s]}`).join(', ') || 'no names'})`);
      }
      if (integer.has(name)) x = Math.round(x);
      try {
        validate(name, x, where);
      } catch (e) {
        throw new SweepSpecError(`${(e as Error).message} — from ${JSON.stringify(raw)}`);
      }
      return x as number;
    }
    if (name === 'maxSteps' && raw === undefined) return DEFAULT_MAX_STEPS;
    if (typeof raw !== 'number') throw new SweepSpecError(`${where}: expected a number or an expression, got ${JSON.stringify(raw)}`);
    return raw;
  };

  const out: Record<string, unknown> = { ...merged };
  for (const name of Object.keys(merged)) {
    if (!numeric.has(name) || merged[name] === undefined) continue;
    out[name] = value(name, whereOf(name));
  }
  if (merged.steps !== undefined) out.steps = value('steps', whereOf('steps'));
  out.muNorm = value('muNorm', whereOf('muNorm'));
  delete out.snr;
  for (const k of RESOLUTION_ONLY) delete out[k];
  return out as unknown as TrialConfig;
}

/** α·‖μ‖² from which a run freezes in one step (SPEC §7 measured ≈ 400; warned from a quarter of it). */
export const FREEZE_ALPHA_MU2 = 100;
/**
 * α·d/n from which every noisy label is memorised within a few steps (SPEC §7:
 * memorisation takes ≈ 100–650·n/(α·d) steps), too fast for gradient descent to
 * resolve the dynamics.
 */
export const FREEZE_ALPHA_D_OVER_N = 100;

/**
 * The step-size guard (issue #10 item 8): one warning per sweep — not per
 * trial — for the cells whose α·‖μ‖² or α·d/n lies where SPEC §7 found
 * runs freeze (a discretisation artefact, not a regime), naming the cells
 * and the expression that fixes it.
 *
 * @param cells  label (e.g. "snr=4, n=5") and resolved config of each cell
 * @returns zero, one or two warning lines
 */
export function stepSizeWarnings(cells: readonly { label: string; config: Pick<TrialConfig, 'alpha' | 'muNorm' | 'd' | 'n'> }[]): string[] {
  const out: string[] = [];
  const list = (xs: { label: string }[]) => `${xs.slice(0, 4).map((x) => x.label).join('; ')}${xs.length > 4 ? `; … (${xs.length - 4} more)` : ''}`;
  const mu = cells.map((c) => ({ ...c, v: c.config.alpha * c.config.muNorm ** 2 })).filter((c) => c.v >= FREEZE_ALPHA_MU2);
  if (mu.length) {
    out.push(`warning: step size: ${mu.length} of ${cells.length} cell(s) have α·‖μ‖² ≥ ${FREEZE_ALPHA_MU2} (up to ${mu.reduce((m, c) => Math.max(m, c.v), 0).toPrecision(3)}), where runs freeze in one step (softmax saturates; a discretisation artefact, not a regime): ${list(mu)}. Fix: alpha: "0.03 / muNorm^2" keeps α‖μ‖² = 0.03 (τ = 100 steps) in every cell`);
  }
  const dn = cells.map((c) => ({ ...c, v: (c.config.alpha * c.config.d) / c.config.n })).filter((c) => c.v >= FREEZE_ALPHA_D_OVER_N);
  if (dn.length) {
    out.push(`warning: step size: ${dn.length} of ${cells.length} cell(s) have α·d/n ≥ ${FREEZE_ALPHA_D_OVER_N} (up to ${dn.reduce((m, c) => Math.max(m, c.v), 0).toPrecision(3)}): noisy labels are memorised within a few steps, faster than gradient descent resolves: ${list(dn)}. Fix: alpha: "10 * n / d" keeps α·d/n = 10`);
  }
  return out;
}

/** The one-line report of cells whose `steps: { tau: k }` was cut to maxSteps. */
export function stepsCappedWarning(capped: readonly { label: string; stepsCapped: NonNullable<ResolveNotes['stepsCapped']> }[], total: number): string[] {
  if (!capped.length) return [];
  const worst = capped.reduce((a, b) => (b.stepsCapped.requested > a.stepsCapped.requested ? b : a));
  return [`warning: steps: maxSteps = ${worst.stepsCapped.maxSteps} binds in ${capped.length} of ${total} cell(s) (up to ${worst.stepsCapped.requested} steps asked, at ${worst.label}, τ = ${worst.stepsCapped.tau.toPrecision(3)}): their runs stop before the asked theory time; raise maxSteps or lower steps.tau`];
}
