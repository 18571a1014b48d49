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

/** Base62 digit characters as codes. */
const DIGITS = Uint8Array.from(BASE62, (c) => c.charCodeAt(0))
/** The 18 character codes of a one-character prefix and 17 digits (built in place, then one flat string). */
const CODES = Buffer.alloc(18)

/** Writes the `digits` least significant base62 digits of `x` into CODES, most significant first, at `at`. */
function putBase62(x: number, digits: number, at: number): void {
  let v = x
  for (let i = digits - 1; i >= 0; i--) {
    CODES[at + i] = DIGITS[v % 62] ?? 48
    v = Math.floor(v / 62)
  }
}

/** CODES[from..18) as a flat string. */
function codesText(from: number): string {
  return CODES.toString('latin1', from, 18)
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
    // 62^6 > 2^32, so 6 digits hold a lane; the first lane gives its 5 low digits (17 in all). The text is
    // made as one flat string from character codes (prepending digit by digit made ~20 strings per uid).
    putBase62(a, 5, 1)
    putBase62(b, 6, 6)
    putBase62(c, 6, 12)
    if (prefix.length !== 1) return prefix + codesText(1)
    CODES[0] = prefix.charCodeAt(0)
    return codesText(0)
  }
}
