/**
 * Address text for events and sinks: dotted quad for IPv4, RFC 5952 §4 canonical text for IPv6 (lowercase
 * hex, no leading zeros, the longest run of two or more zero groups compressed to `::`, the first one on a
 * tie) with IPv4-mapped addresses (::ffff:0:0/96) written as ::ffff:a.b.c.d (§5). Not for the hot path.
 */

function quad(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
}

/**
 * Text of recently formatted IPv4 addresses. Flow records name the same hosts again and again, and formatting
 * (four number-to-text conversions and a template) cost ~0.7 µs per address, a quarter of building a record.
 * Emptied when full, so it stays bounded whatever the traffic.
 */
const QUAD_MEMO = new Map<number, string>()
const QUAD_MEMO_MAX = 1 << 16

function quadMemo(v: number): string {
  // Keyed by the signed value: a small integer, where an address above 2^31 would be a boxed number key.
  const k = v | 0
  let t = QUAD_MEMO.get(k)
  if (t === undefined) {
    t = quad(v)
    if (QUAD_MEMO.size >= QUAD_MEMO_MAX) QUAD_MEMO.clear()
    QUAD_MEMO.set(k, t)
  }
  return t
}

/** Formats an address held as PacketView words: IPv4 in words[0]; IPv6 as four big-endian uint32 words. */
export function addressText(words: Uint32Array, version: 4 | 6): string {
  const w0 = words[0] ?? 0
  if (version === 4) return quadMemo(w0)
  const w1 = words[1] ?? 0
  const w2 = words[2] ?? 0
  const w3 = words[3] ?? 0
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${quad(w3)}`
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff]
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':')
  if (bestLen < 2) return hex(g)
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`
}
