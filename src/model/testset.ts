/**
 * Test evaluation (SPEC §5). A test token is z = m + σ_ε ξ with m its signal
 * part (on e₁, e₂) and ξ ~ N(0, I_d); the model sees only zᵀu (u = Wᵀp) and
 * zᵀν. Test labels are the true labels (η = 0) from the `test-labels` stream;
 * noise from the `test-noise` stream, independent of training data and W₀.
 */
import { signalCoefficients, trueLabels } from './data.js';
import { attend, softplus } from './forward.js';
import { axpy, dot } from './linalg.js';
import { stream, type Rng } from './rng.js';

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
 * Projected test set (SPEC §5): an incremental Gram–Schmidt basis q₀ = ν/‖ν‖,
 * q₁, … of span(ν, u₁, u₂, …); each test token holds one N(0,1) coordinate
 * per basis direction (ξᵀq_j), drawn from the `test-noise` stream when the
 * direction first appears. Because the q_j are orthonormal these coordinates
 * are i.i.d. N(0,1), so the test set is distributed exactly as explicit
 * d-dimensional draws, and the same ξ is reused at every checkpoint.
 * Cost per evaluation: O(k·d) for the basis plus O(testN·T·k), k = basis size.
 */
export class ProjectedTestSet extends BaseTestSet {
  private readonly basis: Float64Array[] = [];
  private readonly coords: Float64Array[] = [];
  private readonly rng: Rng;
  private r = new Float64Array(8);
  private readonly resid: Float64Array;
  private readonly nuNorm: number;

  constructor(spec: TestSetSpec) {
    super(spec);
    this.rng = stream(spec.seed, 'test-noise');
    this.resid = new Float64Array(spec.d);
    let nn = 0;
    for (let k = 0; k < spec.d; k++) nn += spec.nu[k] * spec.nu[k];
    this.nuNorm = Math.sqrt(nn);
    const q0 = new Float64Array(spec.d);
    for (let k = 0; k < spec.d; k++) q0[k] = spec.nu[k] / this.nuNorm;
    this.addDirection(q0);
  }

  /** Number of basis directions so far (1 + number of new directions of u). */
  get dimension(): number {
    return this.basis.length;
  }

  /** The N(0,1) coordinates of every test token along basis direction j (testN·T). */
  coordinates(j: number): Float64Array {
    return this.coords[j];
  }

  private addDirection(q: Float64Array): void {
    this.basis.push(q);
    this.coords.push(this.rng.fillNormal(new Float64Array(this.spec.testN * this.spec.T)));
  }

  protected project(u: Float64Array): void {
    const { d, sigma, nu } = this.spec;
    // coefficients of u on the basis, classical Gram–Schmidt applied twice
    const res = this.resid;
    res.set(u);
    const uu = dot(u, 0, u, 0, d);
    const K0 = this.basis.length;
    if (this.r.length < K0 + 1) {
      const r2 = new Float64Array(2 * (K0 + 1));
      this.r = r2;
    }
    const r = this.r;
    r.fill(0, 0, K0 + 1);
    // classical Gram–Schmidt, repeated once when cancellation was large
    // ("twice is enough": Giraud et al. 2005); the second pass is skipped when
    // the residual kept more than half of u's norm
    let rr = uu;
    for (let pass = 0; pass < 2; pass++) {
      const before = rr;
      for (let j = 0; j < K0; j++) {
        const q = this.basis[j];
        const c = dot(q, 0, res, 0, d);
        r[j] += c;
        axpy(-c, q, 0, res, 0, d);
      }
      rr = dot(res, 0, res, 0, d);
      if (rr > 0.25 * before) break;
    }
    const rn = Math.sqrt(rr);
    let K = K0;
    if (rn > 1e-10 * Math.sqrt(uu) && rn > 0) {
      const q = new Float64Array(d);
      for (let k = 0; k < d; k++) q[k] = res[k] / rn;
      this.addDirection(q);
      r[K0] = rn;
      K = K0 + 1;
    }
    const NT = this.spec.testN * this.spec.T;
    const s = this.s;
    const v = this.v;
    const Sc = this.Sc;
    const u0 = u[0];
    const u1 = d > 1 ? u[1] : 0;
    const nu0 = nu[0];
    const nu1 = d > 1 ? nu[1] : 0;
    const g0 = this.coords[0];
    const sn = sigma * this.nuNorm;
    for (let j = 0; j < NT; j++) {
      s[j] = Sc[2 * j] * u0 + Sc[2 * j + 1] * u1;
      v[j] = Sc[2 * j] * nu0 + Sc[2 * j + 1] * nu1 + sn * g0[j];
    }
    for (let b = 0; b < K; b++) {
      const rb = sigma * r[b];
      if (rb === 0) continue;
      axpy(rb, this.coords[b], 0, s, 0, NT);
    }
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
