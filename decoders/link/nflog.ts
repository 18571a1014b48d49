/**
 * Linux NFLOG (LINKTYPE_NFLOG 239, tcpdump.org/linktypes/LINKTYPE_NFLOG.html): a 4-byte header (address
 * family, version 0, resource id) and then netlink-style TLVs, each a 16-bit length (including the 4-byte
 * TLV header) and a 16-bit type in the capturing host's byte order, padded to 4 bytes. The packet is the
 * NFULA_PAYLOAD TLV (type 9). The byte order is inferred per TLV (the length must fit what remains). Other
 * TLVs (prefix, uid, timestamps, hardware header) are skipped.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../tables/ethertypes.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'

export const NFLOG_MIN_LEN = 4
/** Hard cap on TLVs walked per frame. */
export const NFLOG_MAX_TLVS = 64
const NFULA_PAYLOAD = 9

export interface NflogHeader {
  /** Address family: 2 IPv4, 10 IPv6. */
  readonly family: number
  /** NFLOG version (0). */
  readonly version: number
  /** Netfilter log group (resource id, network byte order). */
  readonly resourceId: number
}

export function parseNflog(buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  if (end - off < NFLOG_MIN_LEN) return 'nflog.too_short'
  const fam = buf[off] as number
  if (buf[off + 1] !== 0) return 'nflog.bad_version'
  if (fam === 2) out.etherType = ETHERTYPE_IPV4
  else if (fam === 10) out.etherType = ETHERTYPE_IPV6
  else return 'nflog.unknown_family'
  let o = off + NFLOG_MIN_LEN
  for (let n = 0; n < NFLOG_MAX_TLVS && end - o >= 4; n++) {
    const rem = end - o
    // Netlink attribute types carry two flag bits at the top. A payload TLV may be cut by the snaplen.
    let len = buf.readUInt16LE(o)
    let type = buf.readUInt16LE(o + 2) & 0x3fff
    if (len < 4 || (len > rem && type !== NFULA_PAYLOAD)) {
      len = buf.readUInt16BE(o)
      type = buf.readUInt16BE(o + 2) & 0x3fff
      if (len < 4 || (len > rem && type !== NFULA_PAYLOAD)) return 'nflog.bad_tlv_length'
    }
    if (type === NFULA_PAYLOAD) {
      out.payloadOff = o + 4
      out.payloadEnd = Math.min(o + len, end)
      return undefined
    }
    o += (len + 3) & ~3
  }
  return 'nflog.no_payload'
}

export function decodeNflog(buf: Buffer, off: number, end: number): Decoded<Layer<NflogHeader>> {
  const f = newLinkFields()
  const code = parseNflog(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'nflog.too_short', off, end, NFLOG_MIN_LEN)
  return decodedLayer(
    { family: buf[off] as number, version: buf[off + 1] as number, resourceId: buf.readUInt16BE(off + 2) },
    f.payloadOff,
    f.payloadEnd,
    { kind: 'ethertype', value: f.etherType },
  )
}
