/**
 * The per-thread array pool (src/model/pool.ts): what it keeps and hands
 * out, and the invariance that matters — a trial's numbers do not depend on
 * what earlier users left in the pooled arrays (every element the engines
 * read is written first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { POOL_MAX_BYTES, POOL_MIN_LENGTH, clearPool, giveArrays, pooledBytes, takeArray } from '../../src/model/pool.js';
import { DrawCache } from '../../src/model/shared.js';
import { runTrial } from '../../src/model/trial.js';
import { DEFAULT_CONFIG, type TrialConfig } from '../../src/core/config.js';

afterEach(() => clearPool());

describe('takeArray / giveArrays', () => {
  const L = POOL_MIN_LENGTH;

  it('hands back a given array of exactly the requested length, last given first', () => {
    const a = new Float64Array(L), b = new Float64Array(L), c = new Float64Array(L + 1);
    giveArrays(a, b, c);
    expect(pooledBytes()).toBe(8 * (3 * L + 1));
    expect(takeArray(L)).toBe(b);
    expect(takeArray(L)).toBe(a);
    const fresh = takeArray(L);
    expect(fresh).not.toBe(a);
    expect(fresh.every((x) => x === 0)).toBe(true); // nothing pooled: a new, zero-filled array
    expect(takeArray(L + 1)).toBe(c);
    expect(pooledBytes()).toBe(0);
  });

  it('past the byte cap the arrays given longest ago are dropped, whatever their length', () => {
    const big = POOL_MAX_BYTES / 8 / 4 - 16; // four of these (and up to 4 elements more each) fit in the pool, five do not
    const same = (a: Float64Array, b: Float64Array) => expect(a === b).toBe(true); // (no element-wise diff of 16 MB arrays)
    const other = (a: Float64Array, b: Float64Array) => expect(a === b).toBe(false);
    const olds = [new Float64Array(big), new Float64Array(big + 1)];
    giveArrays(...olds);
    const news = [new Float64Array(big + 2), new Float64Array(big + 3), new Float64Array(big + 4)];
    giveArrays(...news); // 5 arrays > 4: the oldest (length big) goes
    other(takeArray(big), olds[0]);
    same(takeArray(big + 1), olds[1]);
    for (const a of news) same(takeArray(a.length), a);
    expect(pooledBytes()).toBe(0);
    // a taken array is not evicted later (it is no longer the pool's)
    const keep = new Float64Array(big);
    giveArrays(keep);
    same(takeArray(big), keep);
    giveArrays(...[1, 2, 3, 4, 5].map((k) => new Float64Array(big + 10 + k)));
    expect(pooledBytes()).toBeLessThanOrEqual(POOL_MAX_BYTES);
    clearPool();
    // an array taken and given back counts as given last: B, given after A's first giving, goes first
    const A = new Float64Array(big), B = new Float64Array(big + 1);
    giveArrays(A);
    same(takeArray(big), A);
    giveArrays(B, A, new Float64Array(big + 2), new Float64Array(big + 3), new Float64Array(big + 4)); // 5 > 4: the oldest goes
    other(takeArray(big + 1), B);
    same(takeArray(big), A);
  });

  it('ignores short arrays, views into a larger buffer, repeats and arrays past the byte cap', () => {
    const short = new Float64Array(L - 1);
    const big = new Float64Array(2 * L);
    const view = big.subarray(0, L);
    const a = new Float64Array(L);
    giveArrays(short, view, a, a, undefined);
    expect(pooledBytes()).toBe(8 * L); // a, once
    expect(takeArray(L)).toBe(a);
    expect(takeArray(L)).not.toBe(a);
    expect(takeArray(L - 1)).not.toBe(short);
    // the cap: one array of more than POOL_MAX_BYTES is never kept
    const huge = new Float64Array(POOL_MAX_BYTES / 8 + 1);
    giveArrays(huge);
    expect(pooledBytes()).toBe(0);
  });
});

describe('trials and the pool', () => {
  const cfg: TrialConfig = { ...DEFAULT_CONFIG, engine: 'reduced', d: 1000, n: 12, T: 6, steps: 60, evalEvery: 20, evalLog: 0, testN: 200 };
  const N = cfg.n * cfg.T;
  const strip = (o: ReturnType<typeof runTrial>) => ({ ...o, timings: undefined });

  it('a reduced trial gives the same numbers whatever the pooled arrays hold (NaN-filled decoys of every size it takes)', () => {
    const first = strip(runTrial(cfg, 4));
    expect(pooledBytes()).toBeGreaterThan(0); // its arrays came back to the pool
    clearPool();
    // NaN decoys of the lengths the reduced engine takes: N·d (E, then Eᵀ, whose array X reuses), d·(N+3) (Z, R), d·(N+1) (Q)
    const lengths = [N * cfg.d, N * cfg.d, cfg.d * (N + 3), cfg.d * (N + 3), cfg.d * (N + 1)];
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(POOL_MIN_LENGTH);
    const decoys = lengths.map((len) => new Float64Array(len).fill(NaN));
    giveArrays(...decoys);
    const again = strip(runTrial(cfg, 4));
    expect(again).toEqual(first);
    // every decoy was taken and overwritten by the trial
    for (const d of decoys) expect(d.some((x) => !Number.isNaN(x))).toBe(true);
  });

  it('a cache passed in keeps its draws until the next group; release() hands them back', () => {
    const cache = new DrawCache();
    const a = strip(runTrial(cfg, 5, cache));
    const b = strip(runTrial({ ...cfg, sigma: cfg.sigma * 1.1 }, 5, cache)); // same group: draws reused
    const held = pooledBytes();
    cache.release();
    expect(pooledBytes()).toBeGreaterThan(held);
    expect(strip(runTrial(cfg, 5))).toEqual(a);
    expect(b.checkpoints[0].trainLoss).not.toBe(a.checkpoints[0].trainLoss);
  });
});
