/**
 * Data generation (SPEC §1) from named random streams (SPEC §6).
 *
 * Tokens are stored as one N×d row-major matrix, N = n·T, sample i's token t
 * at row i·T + t. Token order within a sequence: relevant, confusing, weak,
 * then T−3 irrelevant tokens. The class signals are μ₊ = ‖μ‖e₁ and
 * μ₋ = ‖μ‖e₂, i.e. coordinates 0 and 1, so the signal part of X lives in two
 * columns: `Sc` (N×2) holds them.
 */
import { stream } from './rng.js';
import { type TrialConfig, sigmaP, sigmaW } from '../core/config.js';

/** Labels of a training set. */
export interface Labels {
  /** true labels Y* (±1), length n */
  yTrue: Float64Array;
  /** observed labels (±1), length n */
  y: Float64Array;
  /** 1 where the label was flipped (noisy set 𝒩) */
  noisy: Uint8Array;
}

/**
 * True labels: `balanced` = first ⌊n/2⌋ are +1, the rest −1 (public code);
 * `iid` = uniform ±1 thresholding uniforms of the `labels` stream.
 */
export function trueLabels(n: number, mode: 'balanced' | 'iid', seed: number, streamName: 'labels' | 'test-labels' = 'labels'): Float64Array {
  const y = new Float64Array(n);
  if (mode === 'balanced') {
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) y[i] = i < half ? 1 : -1;
  } else {
    const r = stream(seed, streamName);
    for (let i = 0; i < n; i++) y[i] = r.uniform() < 0.5 ? 1 : -1;
  }
  return y;
}

/**
 * Draw true and observed labels (SPEC §1).
 *
 * `exact` noise flips round(η·n) samples split as evenly as possible between
 * the classes (alternating, starting with the larger class; a class never gets
 * more flips than members); within a class the flipped samples are the first
 * of a random order from the `label-noise` stream, so raising η only adds
 * flips. `bernoulli` flips sample i iff U_i < η with U from the same stream.
 */
export function drawLabels(cfg: Pick<TrialConfig, 'n' | 'eta' | 'labels' | 'noise'>, seed: number): Labels {
  const { n, eta } = cfg;
  const yTrue = trueLabels(n, cfg.labels, seed);
  const noisy = new Uint8Array(n);
  const rn = stream(seed, 'label-noise');
  if (cfg.noise === 'bernoulli') {
    for (let i = 0; i < n; i++) if (rn.uniform() < eta) noisy[i] = 1;
  } else {
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < n; i++) (yTrue[i] > 0 ? pos : neg).push(i);
    // random order within each class, drawn from shapes only (n and the class sizes)
    const permP = rn.permutation(pos.length);
    const permN = rn.permutation(neg.length);
    const k = Math.min(Math.round(eta * n), n);
    let kp = 0;
    let kn = 0;
    let turnPos = pos.length >= neg.length;
    for (let f = 0; f < k; f++) {
      const canP = kp < pos.length;
      const canN = kn < neg.length;
      if ((turnPos && canP) || !canN) kp++;
      else kn++;
      turnPos = !turnPos;
    }
    for (let j = 0; j < kp; j++) noisy[pos[permP[j]]] = 1;
    for (let j = 0; j < kn; j++) noisy[neg[permN[j]]] = 1;
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = noisy[i] ? -yTrue[i] : yTrue[i];
  return { yTrue, y, noisy };
}

/**
 * Signal coefficients of every token on (e₁, e₂): Sc is N×2 row-major.
 * relevant: μ_{Y*}; confusing: ρ·μ_{−Y*}; weak: ρ·μ_{Y*}; irrelevant: 0.
 */
export function signalCoefficients(yTrue: Float64Array, T: number, muNorm: number, rho: number): Float64Array {
  const n = yTrue.length;
  const Sc = new Float64Array(n * T * 2);
  for (let i = 0; i < n; i++) {
    const own = yTrue[i] > 0 ? 0 : 1; // coordinate of μ_{Y*}
    const other = 1 - own;
    const base = i * T * 2;
    Sc[base + own] = muNorm; // relevant token (t = 0)
    Sc[base + 2 + other] = rho * muNorm; // confusing token (t = 1)
    Sc[base + 4 + own] = rho * muNorm; // weakly relevant (t = 2)
  }
  return Sc;
}

/**
 * Standard-normal token noise E (N×d) from the `token-noise` stream; depends on (seed, n, T, d) only.
 *
 * @param out where to write (its first N·d elements); a new array if omitted
 */
export function drawTokenNoise(seed: number, n: number, T: number, d: number, out?: Float64Array): Float64Array {
  const len = n * T * d;
  return stream(seed, 'token-noise').fillNormal(out ?? new Float64Array(len), 0, len);
}

/**
 * X = σ·E + S (N×d), S placed in columns 0 and 1 from Sc.
 *
 * @param out where to write (its first N·d elements, all overwritten); a new array if omitted
 */
export function assembleTokens(E: Float64Array, Sc: Float64Array, sigma: number, N: number, d: number, out?: Float64Array): Float64Array {
  const X = out ?? new Float64Array(N * d);
  for (let j = 0; j < N * d; j++) X[j] = sigma * E[j];
  for (let j = 0; j < N; j++) {
    X[j * d] += Sc[2 * j];
    if (d > 1) X[j * d + 1] += Sc[2 * j + 1];
  }
  return X;
}

/**
 * Source of W₀ rows (d×d, row-major), generated in blocks so W₀ never needs
 * to be stored whole. Row i is always the i-th run of d draws of the `W0`
 * stream: uniform on [−1/√d, 1/√d] or σ_w·N(0,1).
 */
export class W0Rows {
  private readonly rng;
  private readonly gaussian: boolean;
  private readonly scale: number;
  next = 0;

  constructor(readonly d: number, cfg: Pick<TrialConfig, 'init' | 'd'>, seed: number) {
    this.rng = stream(seed, 'W0');
    this.gaussian = cfg.init.W === 'gaussian';
    this.scale = this.gaussian ? sigmaW(cfg) : 1 / Math.sqrt(d);
  }

  /** Write the next `rows` rows into out[0 .. rows·d). Returns the number written. */
  fill(out: Float64Array, rows: number): number {
    const k = Math.min(rows, this.d - this.next);
    const len = k * this.d;
    if (this.gaussian) {
      this.rng.fillNormal(out, 0, len);
      for (let j = 0; j < len; j++) out[j] *= this.scale;
    } else {
      this.rng.fillUniform(out, -this.scale, this.scale, 0, len);
    }
    this.next += k;
    return k;
  }
}

/** Whole W₀ (d×d). */
export function drawW0(cfg: Pick<TrialConfig, 'init' | 'd'>, seed: number): Float64Array {
  const W = new Float64Array(cfg.d * cfg.d);
  new W0Rows(cfg.d, cfg, seed).fill(W, cfg.d);
  return W;
}

/** p₀: zero, or σ_p·N(0, I) from the `p0` stream. */
export function drawP0(cfg: Pick<TrialConfig, 'init' | 'd'>, seed: number): Float64Array {
  const p = new Float64Array(cfg.d);
  if (cfg.init.p === 'gaussian') {
    stream(seed, 'p0').fillNormal(p);
    const s = sigmaP(cfg);
    for (let i = 0; i < p.length; i++) p[i] *= s;
  }
  return p;
}

/** Head ν = c·(μ₊ − μ₋)/‖μ₊ − μ₋‖/‖μ‖ = c/(√2‖μ‖)·(e₁ − e₂) (SPEC §2). Returns ν's two non-zero coordinates. */
export function headCoefficients(muNorm: number, nuScale: number): [number, number] {
  const v = nuScale / (Math.SQRT2 * muNorm);
  return [v, -v];
}

/** ν as a d-vector. */
export function headVector(d: number, muNorm: number, nuScale: number): Float64Array {
  const nu = new Float64Array(d);
  const [a, b] = headCoefficients(muNorm, nuScale);
  nu[0] = a;
  if (d > 1) nu[1] = b;
  return nu;
}

/** A complete training problem with explicit tokens (what the fixtures hold). */
export interface Problem {
  d: number;
  n: number;
  T: number;
  /** N×d tokens */
  X: Float64Array;
  /** observed labels ±1 */
  y: Float64Array;
  yTrue: Float64Array;
  noisy: Uint8Array;
  /** d×d */
  W0: Float64Array;
  p0: Float64Array;
  nu: Float64Array;
}
