/**
 * BSD loopback encapsulation (LINKTYPE_NULL 0 and LINKTYPE_LOOP 108, tcpdump.org/linktypes.html): a 4-byte
 * address family. NULL stores it in the capturing host's byte order and LOOP in network order, but files
 * of both kinds exist in either order, so the order is inferred (a family fits in the low 16 bits). IPv6
 * has a different AF_INET6 on each OS (10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin); all map to IPv6.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../tables/ethertypes.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'

export const NULL_MIN_LEN = 4

export interface NullHeader {
  /** The address family after byte-order inference (2 = IPv4; 10, 24, 28, 30 = IPv6). */
  readonly family: number
}

/** Reads the family in whichever byte order gives a value below 2^16. */
export function nullFamily(buf: Buffer, off: number): number {
  const v = buf.readUInt32LE(off)
  return v > 0xffff ? buf.readUInt32BE(off) : v
}

export function parseNull(buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  if (end - off < NULL_MIN_LEN) return 'null.too_short'
  const fam = nullFamily(buf, off)
  if (fam === 2) out.etherType = ETHERTYPE_IPV4
  else if (fam === 10 || fam === 24 || fam === 28 || fam === 30) out.etherType = ETHERTYPE_IPV6
  else return 'null.unknown_family'
  out.payloadOff = off + NULL_MIN_LEN
  out.payloadEnd = end
  return undefined
}

export function decodeNull(buf: Buffer, off: number, end: number): Decoded<Layer<NullHeader>> {
  const f = newLinkFields()
  const code = parseNull(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'null.too_short', off, end, NULL_MIN_LEN)
  return decodedLayer({ family: nullFamily(buf, off) }, f.payloadOff, f.payloadEnd, {
    kind: 'ethertype',
    value: f.etherType,
  })
}
