/**
 * Test evaluation (SPEC §5). A test token is z = m + σ_ε ξ with m its signal
 * part (on e₁, e₂) and ξ ~ N(0, I_d); the model sees only zᵀu (u = Wᵀp) and
 * zᵀν. Test labels are the true labels (η = 0) from the `test-labels` stream;
 * noise from the `test-noise` stream, independent of training data and W₀.
 */
import { signalCoefficients, trueLabels } from './data.js';
import { attend, softplus } from './forward.js';
import { VecArena } from './linalg.js';
import { stream, type Rng } from './rng.js';
import { kernelBackend } from './kernels/index.js';

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
  /** expected number of basis directions (checkpoints + 1); storage grows past it if needed */
  maxDirections?: number;
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
 * Coordinates already drawn, one entry per thread: the `test-noise` stream's
 * first `rows` blocks of testN·T normals for seed `seed` (block j is what
 * direction j of a projected test set gets, whatever u is) and the stream
 * just after them. A projected test set of the same seed and testN·T copies
 * these blocks instead of drawing them again — the trials of one seed in a
 * sweep share them — and continues the stream from `rng`; the numbers are
 * those of a fresh draw. Kept only up to DRAWN_MAX_BYTES.
 */
interface DrawnCoordinates {
  seed: number;
  NT: number;
  rows: number;
  /** rows·NT normals (capacity may be larger) */
  data: Float64Array;
  /** the stream after `rows` blocks (taken over by the set that takes the cache) */
  rng: Rng;
}
let drawn: DrawnCoordinates | undefined;
/** Largest coordinate cache kept per thread (64 MiB: 1000 test sequences of 8 tokens, ≈ 1000 directions). */
const DRAWN_MAX_BYTES = 64 * 2 ** 20;

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
 * Projected test set (SPEC §5): an incremental Gram–Schmidt basis q₀ = ν/‖ν‖,
 * q₁, … of span(ν, u₁, u₂, …); each test token holds one N(0,1) coordinate
 * per basis direction (ξᵀq_j), drawn from the `test-noise` stream when the
 * direction first appears. Because the q_j are orthonormal these coordinates
 * are i.i.d. N(0,1), so the test set is distributed exactly as explicit
 * d-dimensional draws, and the same ξ is reused at every checkpoint.
 * Cost per evaluation: O(k·d) for the basis plus O(testN·T·k), k = basis size.
 */
export class ProjectedTestSet extends BaseTestSet {
  private K = 0;
  private readonly rng: Rng;
  /** blocks of coordinates available from the thread's cache (see DrawnCoordinates) */
  private readonly cached: DrawnCoordinates | undefined;
  private readonly nuNorm: number;
  /** orthonormal basis as rows of a capacity×d matrix, the residual (d) and coefficients (capacity) */
  private basisMat!: Float64Array;
  private resid!: Float64Array;
  private r!: Float64Array;
  private rTmp!: Float64Array;
  /** coordinates as a capacity×(testN·T) row-major matrix in a vector arena (SIMD kernels) */
  private arena!: VecArena;
  private coordMat!: Float64Array;
  private rs!: Float64Array;
  private sAcc!: Float64Array;
  private capacity = 0;

  constructor(spec: TestSetSpec) {
    super(spec);
    const NTc = spec.testN * spec.T;
    // take the cache while this set lives (no other set overwrites it meanwhile); dispose gives it back
    this.cached = drawn && drawn.seed === spec.seed && drawn.NT === NTc ? drawn : undefined;
    if (this.cached) drawn = undefined;
    this.rng = this.cached ? this.cached.rng : stream(spec.seed, 'test-noise'); // the cache's own stream: this set owns it now
    let nn = 0;
    for (let k = 0; k < spec.d; k++) nn += spec.nu[k] * spec.nu[k];
    this.nuNorm = Math.sqrt(nn);
    this.grow(Math.max(2, spec.maxDirections ?? 16));
    this.addDirection(spec.nu, this.nuNorm); // q₀ = ν/‖ν‖
    // zᵀν = mᵀν + σ‖ν‖·g₀ does not change with u: computed once
    const NT = spec.testN * spec.T;
    const [nu0, nu1] = [spec.nu[0], spec.d > 1 ? spec.nu[1] : 0];
    const sn = spec.sigma * this.nuNorm;
    for (let j = 0; j < NT; j++) this.v[j] = this.Sc[2 * j] * nu0 + this.Sc[2 * j + 1] * nu1 + sn * this.coordMat[j];
  }

  dispose(): void {
    if (this.capacity === 0) return;
    this.keepCoordinates();
    if (this.arena.memoryBytes <= RETAIN_BYTES) spareArena = this.arena;
    this.capacity = 0;
  }

  /**
   * Give the thread's coordinate cache back, extended with the blocks this
   * set drew (see DrawnCoordinates). Its storage is reused — this set's
   * cache, else the idle cache of another seed, overwritten — so a sweep
   * does not allocate (and page-fault) megabytes per trial.
   */
  private keepCoordinates(): void {
    const NT = this.spec.testN * this.spec.T;
    const own = this.cached;
    const have = own?.rows ?? 0;
    if (this.K <= have || this.K * NT * 8 > DRAWN_MAX_BYTES) {
      if (own) drawn = own;
      return;
    }
    let data = own?.data ?? drawn?.data;
    if (!data || data.length < this.K * NT) {
      const grown = new Float64Array(Math.min(Math.floor(DRAWN_MAX_BYTES / 8 / NT), 2 * Math.max(this.K, have)) * NT); // pages are touched only when written
      if (own) grown.set(own.data.subarray(0, have * NT));
      data = grown;
    }
    data.set(this.coordMat.subarray(have * NT, this.K * NT), have * NT);
    drawn = { seed: this.spec.seed, NT, rows: this.K, data, rng: this.rng }; // this set draws no more
  }

  /** Number of basis directions so far (1 + number of new directions of u). */
  get dimension(): number {
    return this.K;
  }

  /** The N(0,1) coordinates of every test token along basis direction j (testN·T). */
  coordinates(j: number): Float64Array {
    const NT = this.spec.testN * this.spec.T;
    return this.coordMat.subarray(j * NT, (j + 1) * NT);
  }

  /** (Re)allocate coordinate storage for `cap` directions, keeping what is there. */
  private grow(cap: number): void {
    const NT = this.spec.testN * this.spec.T;
    const d = this.spec.d;
    const oldC = this.capacity ? this.coordMat.slice(0, this.K * NT) : null;
    const oldB = this.capacity ? this.basisMat.slice(0, this.K * d) : null;
    if (this.capacity === 0) this.arena = takeArena();
    [this.coordMat, this.rs, this.sAcc, this.basisMat, this.resid, this.r, this.rTmp] = this.arena.alloc([cap * NT, cap, NT, cap * d, d, cap, cap]);
    if (oldC) this.coordMat.set(oldC);
    if (oldB) this.basisMat.set(oldB);
    this.capacity = cap;
  }

  /** Append the unit vector v/norm (v: d) as direction K (room for it made by the caller) and get its coordinates. */
  private addDirection(v: Float64Array, norm: number): void {
    const { d } = this.spec;
    const NT = this.spec.testN * this.spec.T;
    const j = this.K;
    const B = this.basisMat;
    for (let k = 0; k < d; k++) B[j * d + k] = v[k] / norm;
    this.K++;
    // block j of the test-noise stream: from the thread's cache if it has it, else drawn now
    if (this.cached && j < this.cached.rows) this.coordMat.set(this.cached.data.subarray(j * NT, (j + 1) * NT), j * NT);
    else this.rng.fillNormal(this.coordMat, j * NT, (j + 1) * NT);
  }

  protected project(u: Float64Array): void {
    const { d, sigma } = this.spec;
    // coefficients of u on the basis by classical Gram–Schmidt (r = Bu, res = u − Bᵀr),
    // repeated once when cancellation was large ("twice is enough", Giraud et
    // al. 2005): skipped when the residual kept more than half of u's norm
    const K0 = this.K;
    if (K0 + 1 > this.capacity) this.grow(2 * this.capacity);
    const res = this.resid;
    const r = this.r;
    const rt = this.rTmp;
    const B = this.basisMat;
    res.set(u);
    const uu = this.arena.dot(res, res, d);
    r.fill(0);
    let rr = uu;
    for (let pass = 0; pass < 2; pass++) {
      const before = rr;
      this.arena.matVec(B, K0, d, res, rt);
      for (let j = 0; j < K0; j++) {
        r[j] += rt[j];
        rt[j] = -rt[j];
      }
      this.arena.matTVecAcc(B, K0, d, rt, res);
      rr = this.arena.dot(res, res, d);
      if (rr > 0.25 * before) break;
    }
    const rn = Math.sqrt(rr);
    let K = K0;
    if (rn > 1e-10 * Math.sqrt(uu) && rn > 0) {
      this.addDirection(res, rn);
      this.r[K0] = rn;
      K = K0 + 1;
    }
    const NT = this.spec.testN * this.spec.T;
    const s = this.s;
    const Sc = this.Sc;
    const u0 = u[0];
    const u1 = d > 1 ? u[1] : 0;
    const acc = this.sAcc;
    const rs = this.rs;
    for (let j = 0; j < NT; j++) acc[j] = Sc[2 * j] * u0 + Sc[2 * j + 1] * u1;
    for (let b = 0; b < K; b++) rs[b] = sigma * r[b];
    // s += Σ_b (σ r_b)·g_b, terms added in increasing b (SIMD kernel)
    this.arena.matTVecAcc(this.coordMat, K, NT, rs, acc);
    s.set(acc);
  }
}

/**
 * Explicit test set: testN·T d-dimensional tokens z = m + σξ drawn from the
 * `test-noise` stream and kept in memory (testN·T·d doubles); O(testN·T·d)
 * per evaluation. Reference for the projected set.
 */
export class ExplicitTestSet extends BaseTestSet {
  private readonly Z: Float64Array;

  constructor(spec: TestSetSpec) {
    super(spec);
    const { testN, T, d, sigma } = spec;
    const NT = testN * T;
    const Z = stream(spec.seed, 'test-noise').fillNormal(new Float64Array(NT * d));
    for (let j = 0; j < NT * d; j++) Z[j] *= sigma;
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

/** Make the test set of the given mode. */
export function makeTestSet(mode: 'projected' | 'explicit', spec: TestSetSpec): TestSet {
  return mode === 'explicit' ? new ExplicitTestSet(spec) : new ProjectedTestSet(spec);
}
