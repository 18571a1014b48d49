/**
 * Zeek-like connection uids: `C` followed by 17 base62 characters (Zeek's are `C` + base62 of 96 random
 * bits). Ours are deterministic: the n-th uid of a generator is a mix (murmur3 finalizer over three
 * lanes) of a seed and n, so the same input in the same order gives the same uids and golden outputs
 * stay stable, while uids still look random and do not collide within a run: the last lane is a
 * bijection of n (the murmur3 finalizer of n + constant, written in full as 6 digits), so two of the
 * first 2^32 uids of a generator never coincide.
 * Not handled: uniqueness across runs with the same seed (give each run its own seed if that matters).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function fmix32(h: number): number {
  let x = h ^ (h >>> 16)
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Every two-digit base62 string, by value (0..3843): a lane is written two digits per lookup. */
const PAIRS: readonly string[] = Array.from(
  { length: 62 * 62 },
  (_, i) => `${BASE62[Math.floor(i / 62)]}${BASE62[i % 62]}`,
)
/** 62^4: a lane below 2^32 splits into a quotient below 291 and four digits, all small-integer arithmetic. */
const P4 = 62 ** 4

/**
 * The `digits` (5 or 6) least significant base62 digits of `x` (< 2^32), most significant first. Two-digit table
 * lookups instead of a division per digit: uids are made for every flow record, and this halved their cost.
 */
function base62Lane(x: number, digits: 5 | 6): string {
  const hi = Math.floor(x / P4)
  const lo = x - hi * P4
  const low2 = lo % 3844
  const tail = `${PAIRS[(lo - low2) / 3844]}${PAIRS[low2]}`
  return digits === 6 ? `${PAIRS[hi]}${tail}` : `${BASE62[hi % 62]}${tail}`
}

export class UidGenerator {
  private n = 0
  private readonly seed: number

  /** @param seed any integer; the default 0 gives the same sequence every run. */
  constructor(seed = 0) {
    this.seed = seed >>> 0
  }

  /** The next uid (`C` + 17 base62 chars). */
  next(prefix = 'C'): string {
    return this.format(this.take(), prefix)
  }

  /** Reserves the next sequence number; `format` turns it into the uid text later (lazily). */
  take(): number {
    return this.n++
  }

  /** The uid of sequence number `n` (the same text `next` gave or would give for it). */
  format(n: number, prefix = 'C'): string {
    const lo = n >>> 0
    const hi = Math.floor(n / 4294967296) >>> 0
    const a = fmix32((lo ^ this.seed) >>> 0)
    const b = fmix32((Math.imul(lo, 0x9e3779b1) ^ hi ^ 0x7f4a7c15 ^ this.seed) >>> 0)
    const c = fmix32((lo + 0x632be5ab + Math.imul(hi, 0x85ebca77) + Math.imul(this.seed, 3)) >>> 0)
    // 62^6 > 2^32, so 6 digits hold a lane; the first lane gives its 5 low digits (17 in all).
    return `${prefix}${base62Lane(a, 5)}${base62Lane(b, 6)}${base62Lane(c, 6)}`
  }
}
