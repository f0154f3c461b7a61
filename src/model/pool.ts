/**
 * Per-thread recycling of large `Float64Array`s.
 *
 * A fresh multi-megabyte array costs one page fault per 4 KiB page the first
 * time it is written; on virtual machines a fault is expensive (measured here:
 * ≈ 15 µs per page, ≈ 10 ms for a fresh 2.6 MB array against 0.2 ms to
 * rewrite an old one). A reduced-engine trial at d = 2000 used to allocate
 * ≈ 12 MB of such short-lived arrays (tokens, their transpose, Z, R, Q), ≈ 3000
 * faults or ≈ 40 ms of a 300 ms trial. Arrays handed back with
 * {@link giveArrays} are kept in exact-length buckets and handed out again by
 * {@link takeArray}, so a worker running trials of one shape faults once.
 *
 * Contents of a taken array are unspecified (whatever its last user wrote):
 * callers must write every element they read. Only whole arrays (own buffer,
 * offset 0) of at least {@link POOL_MIN_LENGTH} elements are kept, at most
 * {@link POOL_MAX_BYTES} in all: past that the arrays given longest ago are
 * dropped (a sweep over d leaves lengths that will not come again); an array
 * given twice is kept once. Module state is per thread (each worker thread
 * has its own pool).
 */

/** Arrays shorter than this (elements; 512 KiB) are not pooled: they are cheap to allocate. */
export const POOL_MIN_LENGTH = 1 << 16;
/** Most bytes the pool keeps (64 MiB: every large array of a d = 5000 reduced trial); the oldest go first. */
export const POOL_MAX_BYTES = 64 * 2 ** 20;

const buckets = new Map<number, Float64Array[]>();
let pooled = new WeakSet<Float64Array>();
/** the pooled arrays in the order they were given (oldest first) */
let given: Float64Array[] = [];
let heldBytes = 0;

/**
 * An array of exactly `length` elements: a recycled one if the pool has one,
 * else a new (zero-filled) one. Its contents are unspecified.
 *
 * @param length elements (non-negative integer)
 * @throws RangeError on a bad length (as `new Float64Array`)
 */
export function takeArray(length: number): Float64Array {
  const list = length >= POOL_MIN_LENGTH ? buckets.get(length) : undefined;
  const a = list?.pop();
  if (!a) return new Float64Array(length);
  pooled.delete(a);
  given.splice(given.lastIndexOf(a), 1);
  heldBytes -= a.byteLength;
  return a;
}

/**
 * Hand arrays back for reuse. The caller must not touch them afterwards.
 * Views into a larger buffer, short arrays, repeats and arrays past the
 * pool's byte cap are ignored (left to the garbage collector).
 */
export function giveArrays(...arrays: readonly (Float64Array | undefined)[]): void {
  for (const a of arrays) {
    if (!a || a.length < POOL_MIN_LENGTH || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) continue;
    if (pooled.has(a) || a.byteLength > POOL_MAX_BYTES) continue;
    let list = buckets.get(a.length);
    if (!list) buckets.set(a.length, (list = []));
    list.push(a);
    pooled.add(a);
    given.push(a);
    heldBytes += a.byteLength;
    while (heldBytes > POOL_MAX_BYTES) evictOldest();
  }
}

/** Drop the pooled array given longest ago. */
function evictOldest(): void {
  const a = given.shift();
  if (!a) return;
  pooled.delete(a);
  heldBytes -= a.byteLength;
  const list = buckets.get(a.length)!;
  list.splice(list.indexOf(a), 1);
  if (list.length === 0) buckets.delete(a.length);
}

/** Bytes the pool holds now. */
export function pooledBytes(): number {
  return heldBytes;
}

/** Drop everything the pool holds (the arrays go to the garbage collector). */
export function clearPool(): void {
  buckets.clear();
  pooled = new WeakSet();
  given = [];
  heldBytes = 0;
}
