/**
 * Named, seeded random streams (SPEC §6, common random numbers).
 *
 * Every purpose (token noise, labels, label noise, W₀, p₀, test set, and the
 * Bartlett factors of the wishart engine) has its
 * own stream derived from `(seed, name)`, so what one stream draws never shifts
 * another, and draws depend only on the seed and on the shapes requested.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 32-bit arithmetic, seeded
 * through splitmix32 from a FNV-1a hash of the stream name mixed with the seed.
 * Doubles use 53 random bits; normals use the Box–Muller transform.
 */

/** Names of the random streams a trial uses. */
export type StreamName =
  | 'token-noise'
  | 'labels'
  | 'label-noise'
  | 'W0'
  | 'p0'
  | 'test-labels'
  | 'test-noise'
  | 'bartlett-tokens'
  | 'bartlett-W0'
  | 'bartlett-W0-rest';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A xoshiro128** stream. Not cryptographic. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /**
   * @param seed  non-negative integer < 2^53 (the trial seed)
   * @param name  stream name; different names give independent streams
   */
  constructor(seed: number, name: string) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const st = { x: (fnv1a(name) ^ Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x632be5ab, 0x85ebca77)) | 0 };
    // burn a couple of values so related seeds decorrelate
    splitmix32(st);
    this.a = splitmix32(st) | 0;
    this.b = splitmix32(st) | 0;
    this.c = splitmix32(st) | 0;
    this.d = splitmix32(st) | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal N(0, 1) (Box–Muller; pairs are cached). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u2;
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /**
   * Fill `out[from..to)` with standard normals: the same numbers, in the same
   * order, as calling {@link Rng.normal} to − from times (the pair cache
   * included). The uniforms come in chunks from {@link Rng.fillUniform}
   * (0 + 1·u = u exactly), which keeps the generator in locals (≈ 2× faster).
   */
  fillNormal(out: Float64Array, from = 0, to = out.length): Float64Array {
    let i = from;
    if (i < to && !Number.isNaN(this.spare)) {
      out[i++] = this.spare;
      this.spare = NaN;
    }
    const twoPi = 2 * Math.PI;
    while (i < to) {
      const pairs = Math.min(UNIFORM_CHUNK / 2, Math.ceil((to - i) / 2));
      this.fillUniform(uniformChunk, 0, 1, 0, 2 * pairs);
      for (let k = 0; k < 2 * pairs; k += 2) {
        const r = Math.sqrt(-2 * Math.log(1 - uniformChunk[k])); // 1 − u ∈ (0, 1]
        const th = twoPi * uniformChunk[k + 1];
        out[i++] = r * Math.cos(th);
        if (i === to) {
          this.spare = r * Math.sin(th);
          break;
        }
        out[i++] = r * Math.sin(th);
      }
    }
    return out;
  }

  /**
   * Fill `out[from..to)` with uniforms on [lo, hi): `lo + (hi − lo)·uniform()`,
   * the same numbers as calling {@link Rng.uniform} in order, with the
   * generator state kept in locals (≈ 3× faster).
   */
  fillUniform(out: Float64Array, lo: number, hi: number, from = 0, to = out.length): Float64Array {
    const w = hi - lo;
    let a = this.a, b = this.b, c = this.c, d = this.d;
    for (let i = from; i < to; i++) {
      const r0 = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      let t = b << 9; c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
      const r1 = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      t = b << 9; c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
      out[i] = lo + w * (((r0 >>> 5) * 67108864 + (r1 >>> 6)) / 9007199254740992);
    }
    this.a = a; this.b = b; this.c = c; this.d = d;
    return out;
  }

  /** A uniformly random permutation of 0..k-1 (Fisher–Yates). */
  permutation(k: number): Int32Array {
    const p = new Int32Array(k);
    for (let i = 0; i < k; i++) p[i] = i;
    for (let i = k - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

/** Uniforms per chunk of {@link Rng.fillNormal} (two per pair of normals); one buffer per thread. */
const UNIFORM_CHUNK = 1024;
const uniformChunk = new Float64Array(UNIFORM_CHUNK);

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The stream `name` of trial `seed`. */
export function stream(seed: number, name: StreamName): Rng {
  return new Rng(seed, name);
}
