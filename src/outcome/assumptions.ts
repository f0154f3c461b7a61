/**
 * Where the theorem speaks: its parameter assumptions as data (SPEC §9,
 * docs/assumptions.md). Each condition is written in the trial's parameters
 * with the paper's wording, where it is taken from, and a *margin* — the
 * ratio of its two sides, > 1 when it holds — so a cell is never just "in"
 * or "out": the report says by how much.
 *
 * Asymptotic conditions (Ω, o, ω, Θ) have no constants in the paper; each
 * gets an explicit constant here, with a documented default, changeable from
 * the sweep file:
 *
 * ```yaml
 * assumptions: { snrDimension: 1, nuScale: 10, benign: 1, notOverfitting: 1 }
 * ```
 *
 * Source. The theorem is that of Sakamoto & Sato, *Benign Overfitting in
 * Token Selection of Attention Mechanism*, ICML 2025 (arXiv:2409.17625v3):
 * with ‖ν‖ = Θ(1/‖μ‖), SNR² = ω(1/n) gives not overfitting, SNR² = o(1/n)
 * benign overfitting after a time growing like exp(1/(n·SNR²)), under
 * parameter assumptions of which the paper's summary quotes
 * SNR² = Ω(d^(−1/4)). The numbered statements of the v3 appendix could not be
 * read from this workplace (only its abstract, summaries, and the v1 text,
 * whose theorems differ); the conditions below are those these sources state,
 * and {@link UNEVALUATED} lists what a trial's parameters cannot decide.
 */
import { z } from 'zod';
import type { TrialConfig } from '../core/config.js';
import type { CellAssumptions, Regime, TheoremCase } from '../core/records.js';
import { majorityRegime } from './metrics.js';
import { theoryOf } from './theory.js';

/** The constants of the asymptotic conditions, with their defaults (see {@link ASSUMPTION_CONSTANTS}). */
export interface AssumptionConstants {
  /** c in SNR² ≥ c·d^(−1/4) (SNR² = Ω(d^(−1/4))); default 1, the constant of SPEC §9's table */
  snrDimension: number;
  /** c in 1/c ≤ ‖ν‖·‖μ‖ ≤ c (‖ν‖ = Θ(1/‖μ‖)); default 10 */
  nuScale: number;
  /** c in n·SNR² ≤ c (the benign case, SNR² = o(1/n)); default 1 */
  benign: number;
  /** c in n·SNR² ≥ c (the not-overfitting case, SNR² = ω(1/n)); default 1 (so every cell is in one case) */
  notOverfitting: number;
  /** the run reaches the benign statement when steps ≥ c·τ_b; default 1 */
  horizonBenign: number;
  /** the run reaches the not-overfitting statement when steps ≥ c·τ; default 10 */
  horizonNotOverfitting: number;
}

/** Each constant: its default and why that default (docs/assumptions.md). */
export const ASSUMPTION_CONSTANTS: Readonly<Record<keyof AssumptionConstants, { default: number; why: string }>> = {
  snrDimension: { default: 1, why: 'the constant of SPEC §9\'s table (n ≪ d^(1/4) at n·SNR² = 1); Ω hides it' },
  nuScale: { default: 10, why: 'Θ(1) read as within a factor 10 of 1; the paper\'s and our default head has ‖ν‖·‖μ‖ = 1' },
  benign: { default: 1, why: 'o(1/n) read as n·SNR² ≤ 1: the theory\'s boundary is n·SNR² = Θ(1)' },
  notOverfitting: { default: 1, why: 'ω(1/n) read as n·SNR² ≥ 1; equal to `benign`, so every cell falls in one case (raise it to leave a gap)' },
  horizonBenign: { default: 1, why: 'the benign statement is about t ≳ τ_b' },
  horizonNotOverfitting: { default: 10, why: 'the not-overfitting statement is about t ≳ τ; 10τ is where SPEC §7 finds the picture settled' },
};

/** Defaults of {@link AssumptionConstants}. */
export const DEFAULT_ASSUMPTIONS: AssumptionConstants = Object.fromEntries(
  Object.entries(ASSUMPTION_CONSTANTS).map(([k, v]) => [k, v.default]),
) as unknown as AssumptionConstants;

/** The sweep file's `assumptions:` section: any of the constants, each a positive finite number. */
export const assumptionsSchema = z
  .object(Object.fromEntries(Object.keys(ASSUMPTION_CONSTANTS).map((k) => [k, z.number().gt(0).finite().optional()])) as Record<keyof AssumptionConstants, z.ZodOptional<z.ZodNumber>>)
  .strict();

/** What a condition needs of a trial's configuration. */
export type AssumptionInput = Pick<TrialConfig, 'd' | 'T' | 'n' | 'muNorm' | 'sigma' | 'alpha' | 'nuScale' | 'init' | 'generalizationTolerance' | 'steps'>;

/** One condition of the theorem, as data. */
export interface Condition {
  /** stable id (column `margin_<id>` of cells.csv) */
  id: 'snr-dimension' | 'nu-scale' | 'benign-case' | 'not-overfitting-case';
  /** the condition as the source states it */
  statement: string;
  /** the condition as checked here, in the trial's parameters */
  checked: string;
  /** where the statement is taken from (paper version and numbering, or what could be read) */
  source: string;
  /** `assumption`: an assumption of both cases; otherwise the case it selects */
  role: 'assumption' | TheoremCase;
  /** the ratio of the two sides: > 1 when the condition holds */
  margin(cfg: AssumptionInput, c: AssumptionConstants): number;
}

const SUMMARY_V3 = 'ICML 2025 version (arXiv:2409.17625v3), as stated in its abstract and summary; its numbered appendix statement could not be read here';

/** The conditions that a trial's parameters decide (SPEC §9). */
export const CONDITIONS: readonly Condition[] = [
  {
    id: 'snr-dimension',
    statement: 'SNR² = Ω(d^(−1/4))',
    checked: 'SNR²·d^(1/4) ≥ snrDimension',
    source: `${SUMMARY_V3} (the parameter assumption the summary quotes)`,
    role: 'assumption',
    margin: (cfg, c) => (snr2(cfg) * cfg.d ** 0.25) / c.snrDimension,
  },
  {
    id: 'nu-scale',
    statement: '‖ν‖ = Θ(1/‖μ‖)',
    checked: '1/nuScale ≤ ‖ν‖·‖μ‖ = |nuScale of the head| ≤ nuScale',
    source: `${SUMMARY_V3}; the authors' code scales the head "as in the paper"`,
    role: 'assumption',
    margin: (cfg, c) => c.nuScale / Math.max(Math.abs(cfg.nuScale), 1 / Math.abs(cfg.nuScale)),
  },
  {
    id: 'benign-case',
    statement: 'SNR² = o(1/n): benign overfitting after a time τ_b ∝ exp(1/(n·SNR²))',
    checked: 'n·SNR² ≤ benign',
    source: SUMMARY_V3,
    role: 'benign',
    margin: (cfg, c) => c.benign / (cfg.n * snr2(cfg)),
  },
  {
    id: 'not-overfitting-case',
    statement: 'SNR² = ω(1/n): not overfitting (noisy labels ignored)',
    checked: 'n·SNR² ≥ notOverfitting',
    source: SUMMARY_V3,
    role: 'not-overfitting',
    margin: (cfg, c) => (cfg.n * snr2(cfg)) / c.notOverfitting,
  },
];

/** Conditions of the theorem that a trial's parameters cannot decide: listed, never checked. */
export const UNEVALUATED: readonly { statement: string; why: string }[] = [
  { statement: 'the constants hidden in Ω, o, ω, Θ', why: 'the paper does not give them; the constants above are our choice (docs/assumptions.md), change them with `assumptions:`' },
  { statement: 'the further parameter assumptions of the ICML 2025 version\'s appendix', why: 'its text could not be read from this workplace; a reader with the paper should add them here' },
  { statement: 'statements that hold with high probability over the draw of the training set', why: 'a property of the draw, not of the parameters: each seed is one draw' },
];

function snr2(cfg: Pick<TrialConfig, 'muNorm' | 'sigma' | 'd'>): number {
  const s = cfg.muNorm / (cfg.sigma * Math.sqrt(cfg.d));
  return s * s;
}

/**
 * Assess one configuration (SPEC §9): the margins of {@link CONDITIONS}, the
 * case, and inside or outside.
 *
 * @param constants  the sweep's `assumptions:` over {@link DEFAULT_ASSUMPTIONS}
 */
export function assessAssumptions(cfg: AssumptionInput, constants: Partial<AssumptionConstants> = {}): CellAssumptions {
  const c = { ...DEFAULT_ASSUMPTIONS, ...constants };
  const margins = Object.fromEntries(CONDITIONS.map((k) => [k.id, k.margin(cfg, c)])) as CellAssumptions['margins'];
  const holds = (id: Condition['id']) => margins[id] >= 1;
  const theCase: TheoremCase = holds('benign-case') ? 'benign' : holds('not-overfitting-case') ? 'not-overfitting' : 'neither';
  const outside = CONDITIONS.filter((k) => k.role === 'assumption' && !holds(k.id)).map((k) => k.id as string);
  if (theCase === 'neither') outside.push('between-cases');
  const inside = outside.length === 0;
  let predictionStep: number | null = null;
  let predicted: Regime | null = null;
  if (inside) {
    const th = theoryOf(cfg);
    predicted = theCase === 'benign' ? 'benign-overfitting' : 'not-overfitting';
    predictionStep = theCase === 'benign' ? c.horizonBenign * th.tauBenign : c.horizonNotOverfitting * th.tau;
  }
  return {
    margins, case: theCase, inside, outside,
    label: inside ? 'inside' : `outside: ${outside.join(', ')}`,
    predicted, predictionStep,
    horizonMargin: predictionStep === null ? null : cfg.steps / predictionStep,
  };
}

/** A verdict of the theorem against an outcome (see {@link verdicts}). */
export type Verdict = 'agrees' | 'disagrees' | 'not-reached' | 'silent';

/**
 * The theorem against a cell's outcome, read twice: at the time of the
 * prediction (the first checkpoint at or after CellAssumptions.predictionStep:
 * c·τ_b for the benign case, c·τ for not overfitting — what the theorem is a
 * statement about) and at the end of the run. Each is `agrees` / `disagrees`
 * (the majority regime of the seeds that reached that time is / is not the
 * predicted one), `not-reached` (no seed ran that long), or `silent` (outside
 * the assumptions: the theorem says nothing here).
 *
 * @param trials  the cell's trials: their checkpoints (step and regime), in order
 * @returns the two verdicts, or null for a cell without trials
 */
export function verdicts(a: CellAssumptions, trials: readonly { checkpoints?: readonly { step: number; regime: Regime }[]; regime: Regime }[]): { atPrediction: Verdict; atEnd: Verdict } | null {
  if (!trials.length) return null;
  if (!a.inside || a.predictionStep === null) return { atPrediction: 'silent', atEnd: 'silent' };
  const at = a.predictionStep;
  const reached = trials
    .map((t) => t.checkpoints?.find((c) => c.step >= at)?.regime)
    .filter((r): r is Regime => r !== undefined);
  const judge = (regimes: Regime[]): Verdict => {
    if (!regimes.length) return 'not-reached';
    return majorityRegime(regimes).regime === a.predicted ? 'agrees' : 'disagrees';
  };
  const ended = trials.filter((t) => (t.checkpoints?.[t.checkpoints.length - 1]?.step ?? -1) >= at).map((t) => t.regime);
  return { atPrediction: judge(reached), atEnd: judge(ended) };
}

/** The least d at which a cell of training size n and control parameter n·SNR² satisfies SNR² ≥ c·d^(−1/4): (c·n/(n·SNR²))⁴. */
export function minDimension(n: number, nSnr2: number, snrDimension = DEFAULT_ASSUMPTIONS.snrDimension): number {
  return ((snrDimension * n) / nSnr2) ** 4;
}
