/**
 * Address text for flow exports: IPv4 dotted quad and IPv6 in RFC 5952 canonical form (lowercase hex,
 * leading zeros dropped, the longest run of two or more zero groups compressed to `::`, leftmost on a tie).
 * IPv4-mapped IPv6 addresses are printed as plain IPv6 (`::ffff:a00:1`), which RFC 5952 §5 allows.
 */

/** Reads 4 bytes at `off` as dotted-quad text. The caller has checked the bounds. */
export function ipv4Text(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`
}

/** Reads 16 bytes at `off` as RFC 5952 text. The caller has checked the bounds. */
export function ipv6Text(buf: Buffer, off: number): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < 8; i++) g[i] = buf.readUInt16BE(off + 2 * i)
  let bestStart = -1
  let bestLen = 1
  let runStart = -1
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && g[i] === 0) {
      if (runStart < 0) runStart = i
    } else if (runStart >= 0) {
      const len = i - runStart
      if (len > bestLen) {
        bestLen = len
        bestStart = runStart
      }
      runStart = -1
    }
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':')
  const head = g.slice(0, bestStart).map((x) => x.toString(16))
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16))
  return `${head.join(':')}::${tail.join(':')}`
}
