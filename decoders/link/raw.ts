/**
 * Raw IP link types (tcpdump.org/linktypes.html): LINKTYPE_RAW 101 and the DLT_RAW values 12 and 14 that
 * older files carry, where the IP version nibble tells IPv4 from IPv6; LINKTYPE_IPV4 228 and LINKTYPE_IPV6
 * 229, which fix the version. There is no header: the network layer starts at the first byte.
 */
import { type Decoded, decodeError } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../tables/ethertypes.js'
import { LINKTYPE_IPV4, LINKTYPE_IPV6 } from '../tables/link-types.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'

export const RAW_MIN_LEN = 1

export interface RawHeader {
  /** IP version taken from the first nibble or fixed by the link type. */
  readonly ipVersion: 4 | 6
}

export function parseRaw(linkType: number, buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  out.payloadOff = off
  out.payloadEnd = end
  if (linkType === LINKTYPE_IPV4) out.etherType = ETHERTYPE_IPV4
  else if (linkType === LINKTYPE_IPV6) out.etherType = ETHERTYPE_IPV6
  else {
    if (end - off < RAW_MIN_LEN) return 'raw.too_short'
    const v = (buf[off] as number) >> 4
    if (v === 4) out.etherType = ETHERTYPE_IPV4
    else if (v === 6) out.etherType = ETHERTYPE_IPV6
    else return 'raw.unknown_version'
  }
  return undefined
}

/** Decodes a raw-IP frame of the given link type (101, 12, 14, 228 or 229). */
export function decodeRaw(linkType: number, buf: Buffer, off: number, end: number): Decoded<Layer<RawHeader>> {
  const f = newLinkFields()
  const code = parseRaw(linkType, buf, off, end, f)
  if (code !== undefined) return { ok: false, error: decodeError(code, off, RAW_MIN_LEN, Math.max(0, end - off)) }
  return decodedLayer({ ipVersion: f.etherType === ETHERTYPE_IPV4 ? 4 : 6 }, off, end, {
    kind: 'ethertype',
    value: f.etherType,
  })
}
