/**
 * Test evaluation (SPEC §5). A test token is z = m + σ_ε ξ with m its signal
 * part (on e₁, e₂) and ξ ~ N(0, I_d); the model sees only zᵀu (u = Wᵀp) and
 * zᵀν. Test labels are the true labels (η = 0) from the `test-labels` stream;
 * noise from the `test-noise` stream, independent of training data and W₀.
 *
 * Both test sets draw ξ the same way: coordinate k of every token is block k
 * of testN·T normals of the `test-noise` stream (token j's coordinate is
 * element j of the block). The explicit set keeps all d coordinates; the
 * projected set keeps only the coordinates along a fixed orthonormal basis of
 * a subspace known before training that contains every u of the trial
 * ({@link TestSubspace}), so its realisation does not depend on which
 * checkpoints are taken nor on the engine's rounding.
 */
import { signalCoefficients, trueLabels } from './data.js';
import { blockTimes, gramColumns } from './dense.js';
import { attend, softplus } from './forward.js';
import { kernelBackend } from './kernels/index.js';
import { VecArena } from './linalg.js';
import { stream } from './rng.js';

/**
 * A subspace of R^d fixed before training that contains u = W_τᵀp_τ at every
 * step τ and the head ν (SPEC §4–5), with what is needed to give the
 * coordinates of a vector of it in a fixed orthonormal basis.
 *
 * Spanning set (m columns): V = [e₁, e₂, Eᵀ, W₀ᵀW₀Eᵀ, W₀ᵀW₀e₁, W₀ᵀW₀e₂, W₀ᵀp₀]
 * (the last only when p₀ ≠ 0), with E the N×d standard-normal token noise.
 * Since X = σE + S with S on e₁, e₂, every u = W₀ᵀp − αXᵀCᵀBᵀp with
 * p ∈ span(p₀, W₀Xᵀ) lies in span(V), and so does ν (on e₁, e₂). V depends
 * only on (seed, d, n, T, init) — the shared draws of a group (SPEC §6) — not
 * on σ, ‖μ‖, ρ or the trajectory. The orthonormal basis is F = V R⁻¹ with
 * VᵀV = RᵀR (Cholesky, R = Lᵀ), i.e. Gram–Schmidt of V's columns in order;
 * F's first two columns are e₁, e₂. Coordinates: Fᵀu = L⁻¹Vᵀu.
 */
export interface TestSubspace {
  /** dimension of the space (d) */
  d: number;
  /** training tokens N = n·T */
  N: number;
  /** E: N×d row-major, the token noise (its rows are the columns Eᵀ of V) */
  E: Float64Array;
  /** R = W₀ᵀ[W₀Eᵀ, W₀e₁, W₀e₂, p₀]: d×(N+3) row-major; V uses its first `rCols` columns */
  R: Float64Array;
  /** N + 2 (p₀ = 0) or N + 3 */
  rCols: number;
  /** number of basis directions m = 2 + N + rCols = {@link testSubspaceDimension} */
  m: number;
  /** 1/‖V_k‖ for each column k (m): the Cholesky factor is of the column-scaled Gram, for accuracy */
  scale: Float64Array;
  /** L (m×m row-major, lower triangular): D⁻¹ᐟ²VᵀVD⁻¹ᐟ² = LLᵀ, D = diag(VᵀV) */
  L: Float64Array;
}

/**
 * Dimension of the fixed subspace of {@link TestSubspace}: 2N + 4, plus 1
 * when p₀ ≠ 0 (SPEC §4: u ∈ span(W₀ᵀp₀, W₀ᵀW₀Xᵀ, Xᵀ), here with E and
 * e₁, e₂ in place of Xᵀ so that it does not depend on σ, ‖μ‖, ρ).
 *
 * @param N  training tokens n·T
 */
export function testSubspaceDimension(N: number, p0Zero: boolean): number {
  return 2 * N + 4 + (p0Zero ? 0 : 1);
}

/**
 * Coordinates the projected test set keeps per test token in a space of
 * dimension d: the fixed subspace's dimension, or d when that subspace is
 * (at least) the whole space — then the basis is e₁, …, e_d. The wishart
 * engine's 2(N+2)-dimensional space (SPEC §8) is always the latter.
 */
export function testCoordinateCount(d: number, N: number, p0Zero: boolean): number {
  return Math.min(d, testSubspaceDimension(N, p0Zero));
}

/** Smallest accepted pivot of the column-scaled Gram (κ(V) ≲ 10⁴): below it, the basis would lose orthonormality. */
const MIN_PIVOT = 1e-8;

/**
 * Build the {@link TestSubspace} of a trial from its group's shared draws
 * (SPEC §6: E, EEᵀ and R = W₀ᵀZ of `shared.ts`). Cost: d·N·(N+3) + d(N+3)²/2
 * multiply-adds for the Gram blocks (dense kernels) and m³/6 for the Cholesky
 * factor, m = 2N + 4 (+1), once per group. Needs d > m (else the subspace is
 * the whole space: use no subspace).
 *
 * @param sh      E (N×d), EEᵀ (N×N), R (d×(N+3)) of one seed and shape
 * @param p0Zero  whether p₀ = 0 (init.p = zero): then W₀ᵀp₀ = 0 is left out
 * @returns the subspace, or undefined if its spanning set is numerically
 *          dependent (a pivot below 1e-8 — not seen in practice; the caller then uses the whole space)
 * @throws RangeError if d ≤ m
 */
export function testSubspaceOf(
  sh: { d: number; n: number; T: number; E: Float64Array; EEt: Float64Array; R: Float64Array }, p0Zero: boolean,
): TestSubspace | undefined {
  const { d, E, EEt, R } = sh;
  const N = sh.n * sh.T;
  const m = testSubspaceDimension(N, p0Zero);
  if (d <= m) throw new RangeError(`testSubspaceOf: d = ${d} must exceed the subspace dimension ${m} (else use the whole space)`);
  const rc = N + 3;
  const rCols = p0Zero ? N + 2 : N + 3;
  const ER = new Float64Array(N * rc);
  blockTimes(E, N, d, R, rc, ER);
  const RtR = new Float64Array(rc * rc);
  gramColumns(R, d, rc, RtR);
  // Gram VᵀV, blocks in the column order [e₁, e₂ | Eᵀ | R]
  const G = new Float64Array(m * m);
  const put = (i: number, j: number, x: number) => {
    G[i * m + j] = x;
    G[j * m + i] = x;
  };
  put(0, 0, 1);
  put(1, 1, 1);
  const b = 2 + N;
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < N; j++) put(i, 2 + j, E[j * d + i]);
    for (let c = 0; c < rCols; c++) put(i, b + c, R[i * rc + c]);
  }
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) put(2 + i, 2 + j, EEt[i * N + j]);
    for (let c = 0; c < rCols; c++) put(2 + i, b + c, ER[i * rc + c]);
  }
  for (let a = 0; a < rCols; a++) for (let c = a; c < rCols; c++) put(b + a, b + c, RtR[a * rc + c]);
  const scale = new Float64Array(m);
  for (let k = 0; k < m; k++) scale[k] = 1 / Math.sqrt(G[k * m + k]);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) G[i * m + j] *= scale[i] * scale[j];
  const L = choleskyLower(G, m);
  if (!L) return undefined;
  return { d, N, E, R, rCols, m, scale, L };
}

/**
 * Cholesky factor (in place, lower triangle; the upper is zeroed) of a
 * symmetric m×m matrix with unit diagonal; undefined if a pivot is below
 * MIN_PIVOT or not finite. Row-oriented (Cholesky–Banachiewicz).
 */
function choleskyLower(A: Float64Array, m: number): Float64Array | undefined {
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    for (let j = 0; j <= i; j++) {
      const rj = j * m;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= A[ri + k] * A[rj + k];
      if (j < i) A[ri + j] = s / A[rj + j];
      else {
        if (!(s >= MIN_PIVOT) || !Number.isFinite(s)) return undefined;
        A[ri + i] = Math.sqrt(s);
      }
    }
    for (let j = i + 1; j < m; j++) A[ri + j] = 0;
  }
  return A;
}

/** Parameters of a test set. */
export interface TestSetSpec {
  testN: number;
  T: number;
  d: number;
  muNorm: number;
  rho: number;
  sigma: number;
  labels: 'balanced' | 'iid';
  /** ν (d), fixed head */
  nu: Float64Array;
  seed: number;
  /**
   * projected set only: the fixed subspace holding every u evaluated and ν
   * (the head lies on e₁, e₂, which it spans), of this d; absent: the whole
   * space (basis e₁, …, e_d — any u). A vector outside it is seen through its
   * orthogonal projection.
   */
  subspace?: TestSubspace;
}

/** Test accuracy and mean logistic loss w.r.t. true labels. */
export interface TestResult {
  acc: number;
  loss: number;
}

/** Anything that evaluates the model given u = Wᵀp. */
export interface TestSet {
  /** @param u  Wᵀp, length d (not retained) */
  evaluate(u: Float64Array): TestResult;
  /** Hand working memory back for the next test set of this thread; the set is unusable afterwards. */
  dispose?(): void;
}

/** Arenas above this size are not kept for reuse. */
const RETAIN_BYTES = 256 * 2 ** 20;
/** One spare arena per thread: the previous (disposed) test set's, reused by the next. */
let spareArena: VecArena | undefined;

function takeArena(): VecArena {
  const a = spareArena && spareArena.backend === kernelBackend() ? spareArena : new VecArena();
  spareArena = undefined;
  return a;
}

/**
 * The coordinates of every test token on m basis directions — `g`, m×(testN·T)
 * row-major, row k the k-th block of testN·T normals of the seed's
 * `test-noise` stream — with the two work vectors the product with them
 * needs, in one arena (kernels take operands of one arena). A thread keeps
 * the last one a disposed test set gave back: the next set of the same
 * (seed, testN·T, m) — the trials of one seed and shape in a sweep — uses it
 * as it is (the numbers of a fresh draw: they are one), another set reuses
 * its memory.
 */
interface Coordinates {
  seed: number;
  NT: number;
  m: number;
  arena: VecArena;
  g: Float64Array;
  /** σ·(coordinates of u) (m) */
  r: Float64Array;
  /** accumulator (testN·T) */
  acc: Float64Array;
}
let idleCoordinates: Coordinates | undefined;

function takeCoordinates(seed: number, NT: number, m: number): Coordinates {
  const c = idleCoordinates;
  idleCoordinates = undefined;
  const backend = kernelBackend();
  if (c && c.arena.backend === backend && c.seed === seed && c.NT === NT && c.m === m) return c;
  const arena = c && c.arena.backend === backend ? c.arena : new VecArena();
  const [g, r, acc] = arena.alloc([m * NT, m, NT]);
  stream(seed, 'test-noise').fillNormal(g, 0, m * NT);
  return { seed, NT, m, arena, g, r, acc };
}

abstract class BaseTestSet implements TestSet {
  protected readonly y: Float64Array;
  /** signal coefficients on (e₁, e₂) per test token, (testN·T)×2 */
  protected readonly Sc: Float64Array;
  protected readonly s: Float64Array;
  protected readonly v: Float64Array;
  private readonly a: Float64Array;
  private readonly f: Float64Array;

  constructor(protected readonly spec: TestSetSpec) {
    const NT = spec.testN * spec.T;
    this.y = trueLabels(spec.testN, spec.labels, spec.seed, 'test-labels');
    this.Sc = signalCoefficients(this.y, spec.T, spec.muNorm, spec.rho);
    this.s = new Float64Array(NT);
    this.v = new Float64Array(NT);
    this.a = new Float64Array(NT);
    this.f = new Float64Array(spec.testN);
  }

  /** Fill this.s (zᵀu) and this.v (zᵀν) for every test token. */
  protected abstract project(u: Float64Array): void;

  evaluate(u: Float64Array): TestResult {
    this.project(u);
    const { testN, T } = this.spec;
    attend(this.s, this.v, testN, T, this.a, this.f);
    let correct = 0;
    let loss = 0;
    for (let i = 0; i < testN; i++) {
      const m = this.y[i] * this.f[i];
      if (m > 0) correct++;
      loss += softplus(-m);
    }
    return { acc: correct / testN, loss: loss / testN };
  }
}

/**
 * Projected test set (SPEC §5): each test token keeps its m coordinates
 * g = Fᵀξ on a fixed orthonormal basis F of a subspace that holds every u of
 * the trial and ν — the {@link TestSubspace} given in the spec, or the whole
 * space (F = I, m = d). Then zᵀu = mᵀu + σ gᵀ(Fᵀu) exactly, g ~ N(0, I_m)
 * independent of everything else, so the set is distributed exactly as
 * explicit d-dimensional draws, reuses the same ξ at every checkpoint, and
 * its realisation is a continuous function of u: nothing depends on which
 * checkpoints are evaluated, or in which order. With F = I the numbers are
 * those of {@link ExplicitTestSet} (same stream, same layout) up to rounding.
 *
 * Cost per evaluation: d·(2N+3) for Fᵀu = L⁻¹D⁻¹ᐟ²Vᵀu (with a subspace) plus
 * testN·T·m for the logits. Memory: testN·T·m coordinates (shared by the
 * test sets of one seed in a thread, see Coordinates), plus copies of E and
 * R (d·(2N+3)) with a subspace.
 */
export class ProjectedTestSet extends BaseTestSet {
  private coords: Coordinates | undefined;
  private readonly sub: TestSubspace | undefined;
  /** with a subspace: its arena holding copies of E, R and the work vectors */
  private arena: VecArena | undefined;
  private E!: Float64Array;
  private R!: Float64Array;
  private uA!: Float64Array;
  private yA!: Float64Array;
  /** coordinates of the vector last projected (m) */
  private readonly c: Float64Array;

  /** @throws RangeError if the subspace is of another dimension than spec.d */
  constructor(spec: TestSetSpec) {
    super(spec);
    const { d, testN, T, sigma, nu } = spec;
    const sub = spec.subspace;
    if (sub && sub.d !== d) throw new RangeError(`ProjectedTestSet: subspace of dimension ${sub.d}, test set of d = ${d}`);
    this.sub = sub;
    const m = sub ? sub.m : d;
    const NT = testN * T;
    this.c = new Float64Array(m);
    if (sub) {
      this.arena = takeArena();
      const N = sub.N;
      // y = Vᵀu has 2 + N + (N+3) entries: R's p₀ column is always computed, used when rCols = N+3
      [this.E, this.R, this.uA, this.yA] = this.arena.alloc([N * d, d * (N + 3), d, 2 * N + 5]);
      this.E.set(sub.E.subarray(0, N * d));
      this.R.set(sub.R.subarray(0, d * (N + 3)));
    }
    this.coords = takeCoordinates(spec.seed, NT, m);
    // zᵀν = mᵀν + σ gᵀ(Fᵀν), computed once (ν lies on e₁, e₂)
    this.coordinatesOf(nu);
    const acc = this.product(sigma);
    const nu0 = nu[0];
    const nu1 = d > 1 ? nu[1] : 0;
    for (let j = 0; j < NT; j++) this.v[j] = this.Sc[2 * j] * nu0 + this.Sc[2 * j + 1] * nu1 + acc[j];
  }

  dispose(): void {
    const c = this.coords;
    if (!c) return;
    this.coords = undefined;
    if (c.arena.memoryBytes <= RETAIN_BYTES) idleCoordinates = c;
    if (this.arena && this.arena.memoryBytes <= RETAIN_BYTES) spareArena = this.arena;
    this.arena = undefined;
  }

  /** Number of coordinates per test token (m). */
  get dimension(): number {
    return this.c.length;
  }

  /** The N(0,1) coordinates of every test token along basis direction k (testN·T; valid until dispose). */
  coordinates(k: number): Float64Array {
    const NT = this.spec.testN * this.spec.T;
    return this.live().g.subarray(k * NT, (k + 1) * NT);
  }

  private live(): Coordinates {
    if (!this.coords) throw new Error('ProjectedTestSet: used after dispose()');
    return this.coords;
  }

  /**
   * Fᵀx, the coordinates of x (d) on the basis (m; valid until the next call):
   * x itself without a subspace; with one, L⁻¹D⁻¹ᐟ²Vᵀx with
   * Vᵀx = [x₁, x₂, Ex, Rᵀx] (forward substitution, m²/2). For x outside the
   * subspace this is the coordinates of its orthogonal projection.
   */
  protected coordinatesOf(x: Float64Array): Float64Array {
    const c = this.c;
    const sub = this.sub;
    if (!sub) {
      c.set(x.subarray(0, c.length));
      return c;
    }
    const { d, N, m, L, scale } = sub;
    const ar = this.arena as VecArena;
    const y = this.yA;
    this.uA.set(x.subarray(0, d));
    ar.matVec(this.E, N, d, this.uA, y.subarray(2, 2 + N));
    ar.matTVec(this.R, d, N + 3, this.uA, y.subarray(2 + N));
    y[0] = x[0];
    y[1] = x[1];
    for (let i = 0; i < m; i++) {
      let t = y[i] * scale[i];
      const o = i * m;
      for (let k = 0; k < i; k++) t -= L[o + k] * c[k];
      c[i] = t / L[o + i];
    }
    return c;
  }

  /** acc = σ·gᵀc for every token (the noise part of zᵀx), in the coordinate arena; returns acc. */
  private product(sigma: number): Float64Array {
    const co = this.live();
    const m = this.c.length;
    for (let k = 0; k < m; k++) co.r[k] = sigma * this.c[k];
    co.acc.fill(0);
    co.arena.matTVecAcc(co.g, m, co.NT, co.r, co.acc);
    return co.acc;
  }

  protected project(u: Float64Array): void {
    const { d, sigma } = this.spec;
    this.coordinatesOf(u);
    const acc = this.product(sigma);
    const s = this.s;
    const Sc = this.Sc;
    const u0 = u[0];
    const u1 = d > 1 ? u[1] : 0;
    for (let j = 0; j < s.length; j++) s[j] = Sc[2 * j] * u0 + Sc[2 * j + 1] * u1 + acc[j];
  }
}

/** Blocks of the test-noise stream drawn at once by the explicit set (one cache line of Z per token). */
const EXPLICIT_BLOCKS = 8;

/**
 * Explicit test set: testN·T d-dimensional tokens z = m + σξ kept in memory
 * (testN·T·d doubles), ξ's coordinate k being block k of the `test-noise`
 * stream (as the projected set draws them); O(testN·T·d) per evaluation.
 * Reference for the projected set.
 */
export class ExplicitTestSet extends BaseTestSet {
  private readonly Z: Float64Array;

  constructor(spec: TestSetSpec) {
    super(spec);
    const { testN, T, d, sigma } = spec;
    const NT = testN * T;
    const Z = new Float64Array(NT * d);
    const rng = stream(spec.seed, 'test-noise');
    const buf = new Float64Array(EXPLICIT_BLOCKS * NT);
    for (let k0 = 0; k0 < d; k0 += EXPLICIT_BLOCKS) {
      const nb = Math.min(EXPLICIT_BLOCKS, d - k0);
      rng.fillNormal(buf, 0, nb * NT);
      for (let j = 0; j < NT; j++) for (let b = 0; b < nb; b++) Z[j * d + k0 + b] = sigma * buf[b * NT + j];
    }
    for (let j = 0; j < NT; j++) {
      Z[j * d] += this.Sc[2 * j];
      if (d > 1) Z[j * d + 1] += this.Sc[2 * j + 1];
    }
    this.Z = Z;
    const { nu } = spec;
    for (let j = 0; j < NT; j++) {
      let acc = 0;
      for (let k = 0; k < d; k++) acc += Z[j * d + k] * nu[k];
      this.v[j] = acc;
    }
  }

  protected project(u: Float64Array): void {
    const { d } = this.spec;
    const Z = this.Z;
    for (let j = 0; j < this.s.length; j++) {
      let acc = 0;
      const o = j * d;
      for (let k = 0; k < d; k++) acc += Z[o + k] * u[k];
      this.s[j] = acc;
    }
  }
}

/** Make the test set of the given mode (the subspace of the spec is used by the projected set only). */
export function makeTestSet(mode: 'projected' | 'explicit', spec: TestSetSpec): TestSet {
  return mode === 'explicit' ? new ExplicitTestSet(spec) : new ProjectedTestSet(spec);
}
