/**
 * The flow table's key: a bidirectional 5-tuple (+ outer VLAN) reduced to one number, with no string
 * and no allocation per packet. Both directions of a conversation are put in one canonical order
 * (the endpoint with the smaller address, then port, comes first: "lo", the other "hi") and hashed
 * with 32-bit murmur3 into a 31-bit integer (a V8 small integer) that lru-cache uses as its Map key.
 * The hash only finds the slot: the table keeps the full tuple in the flow and compares it on every
 * lookup, so a collision costs a comparison, never a wrong attribution.
 * ICMP "ports" follow Zeek: the source port is the ICMP type and the destination port is the type of
 * the counterpart message (echo request ↔ reply...) or, for one-way messages, the code; so a ping and
 * its reply share one flow (Zeek ICMP4_counterpart / ICMP6_counterpart).
 * Not handled: inner (QinQ) VLAN and tunnel encapsulation are not part of the key.
 */

/** Canonical tuple of one packet, filled in place by `canonicalTuple` (one scratch object per table). */
export interface TupleScratch {
  /** Lower endpoint: address words (IPv4 in a0 only) and port. */
  a0: number
  a1: number
  a2: number
  a3: number
  aPort: number
  /** Higher endpoint. */
  b0: number
  b1: number
  b2: number
  b3: number
  bPort: number
  /** True when the packet's source is the lower endpoint. */
  srcIsLo: boolean
}

export function newTupleScratch(): TupleScratch {
  return { a0: 0, a1: 0, a2: 0, a3: 0, aPort: 0, b0: 0, b1: 0, b2: 0, b3: 0, bPort: 0, srcIsLo: true }
}

/** Orders (src, sPort) and (dst, dPort) and writes them into `t`. Words are compared as uint32. */
export function canonicalTuple(
  t: TupleScratch,
  version: 4 | 6,
  src: Uint32Array,
  sPort: number,
  dst: Uint32Array,
  dPort: number,
): void {
  let srcLo: boolean
  if (version === 4) {
    const s = src[0] ?? 0
    const d = dst[0] ?? 0
    srcLo = s < d || (s === d && sPort <= dPort)
  } else {
    srcLo = compareV6(src, dst, sPort, dPort) <= 0
  }
  const lo = srcLo ? src : dst
  const hi = srcLo ? dst : src
  t.srcIsLo = srcLo
  t.a0 = lo[0] ?? 0
  t.b0 = hi[0] ?? 0
  if (version === 6) {
    t.a1 = lo[1] ?? 0
    t.a2 = lo[2] ?? 0
    t.a3 = lo[3] ?? 0
    t.b1 = hi[1] ?? 0
    t.b2 = hi[2] ?? 0
    t.b3 = hi[3] ?? 0
  } else {
    t.a1 = 0
    t.a2 = 0
    t.a3 = 0
    t.b1 = 0
    t.b2 = 0
    t.b3 = 0
  }
  t.aPort = srcLo ? sPort : dPort
  t.bPort = srcLo ? dPort : sPort
}

function compareV6(x: Uint32Array, y: Uint32Array, xPort: number, yPort: number): number {
  for (let i = 0; i < 4; i++) {
    const a = x[i] ?? 0
    const b = y[i] ?? 0
    if (a !== b) return a < b ? -1 : 1
  }
  return xPort - yPort
}

function mix(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  let x = h ^ k
  x = (x << 13) | (x >>> 19)
  return (Math.imul(x, 5) + 0xe6546b64) | 0
}

function fmix(h: number): number {
  let x = h ^ (h >>> 16)
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  return x ^ (x >>> 16)
}

/**
 * Hash of the canonical tuple plus version, protocol and VLAN, as a 31-bit signed integer: V8 keeps
 * it as a small integer (Smi), so the Map lookup neither boxes the key nor hashes a double (a 53-bit
 * double key measured ~25 % slower, mostly in GC). With 2^31 values and 1 M live flows about one
 * lookup in 2,000 meets a colliding entry, which the table resolves by comparing full tuples.
 */
export function tupleHash(t: TupleScratch, version: number, ipProto: number, vlan: number): number {
  const meta = (version << 28) ^ (ipProto << 16) ^ ((vlan + 1) & 0xffff)
  const ports = ((t.aPort & 0xffff) << 16) | (t.bPort & 0xffff)
  let h = mix(0x3c6ef372, meta)
  h = mix(h, t.a0)
  h = mix(h, t.b0)
  if (version === 6) h = mix(mix(mix(mix(mix(mix(h, t.a1), t.a2), t.a3), t.b1), t.b2), t.b3)
  return fmix(mix(h, ports)) >> 1
}

/** ICMPv4 request/reply pairs (RFC 792, RFC 950): type → counterpart type. */
const ICMP4_PAIRS: readonly [number, number][] = [
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
  [10, 9],
]
/** ICMPv6 pairs (RFC 4443 echo, RFC 4861 ND, RFC 2710 MLD, RFC 4620 node info, RFC 3122 IND, RFC 6275 HA). */
const ICMP6_PAIRS: readonly [number, number][] = [
  [128, 129],
  [133, 134],
  [135, 136],
  [130, 131],
  [139, 140],
  [141, 142],
  [144, 145],
]

function pairTable(pairs: readonly [number, number][]): Int16Array {
  const t = new Int16Array(256).fill(-1)
  for (const [a, b] of pairs) {
    t[a] = b
    t[b] = a
  }
  return t
}
const ICMP4_COUNTERPART = pairTable(ICMP4_PAIRS)
const ICMP6_COUNTERPART = pairTable(ICMP6_PAIRS)

/**
 * The "destination port" Zeek gives an ICMP message: the counterpart type for request/reply
 * messages, else the code.
 */
export function icmpCounterpart(ipProto: number, type: number, code: number): number {
  const t = ipProto === 58 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART
  const c = t[type & 0xff] ?? -1
  return c >= 0 ? c : code
}
