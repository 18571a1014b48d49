/**
 * IPv4 header (RFC 791 §3.1). Options are skipped, not interpreted. Fragments are flagged (isFragment,
 * fragOffset); the first fragment still exposes its transport header, later ones do not (the walker leaves
 * their ports undecoded). A total length of 0 (TCP segmentation offload on the capturing host) is replaced by
 * the captured length, as Zeek does. Not handled: reassembly, checksum verification.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { type IpFields, type IpResult, newIpFields } from './ip-fields.js'

export const IPV4_MIN_LEN = 20

export interface Ipv4Header {
  /** Header length in bytes (IHL * 4). */
  readonly hlen: number
  /** DSCP/ECN byte. */
  readonly tos: number
  /** Total length from the header (or the captured length when the header says 0). */
  readonly totalLen: number
  /** Identification. */
  readonly id: number
  /** Don't Fragment flag. */
  readonly df: boolean
  /** More Fragments flag. */
  readonly mf: boolean
  /** Fragment offset in bytes. */
  readonly fragOffset: number
  /** Time to live. */
  readonly ttl: number
  /** Protocol number. */
  readonly protocol: number
  /** Header checksum as sent (not verified). */
  readonly checksum: number
  /** Source address as uint32. */
  readonly src: number
  /** Destination address as uint32. */
  readonly dst: number
  /** Bytes of options (hlen - 20). */
  readonly optionsLen: number
}

/** Parses into a caller-owned scratch (PacketView on the walker's hot path). */
export function parseIpv4(buf: Buffer, off: number, end: number, out: IpFields): IpResult {
  const avail = end - off
  if (avail < IPV4_MIN_LEN) return 'ipv4.too_short'
  const vihl = buf[off] as number
  if (vihl >> 4 !== 4) return 'ipv4.bad_version'
  const hlen = (vihl & 15) << 2
  if (hlen < IPV4_MIN_LEN) return 'ipv4.hlen_too_small'
  let totalLen = buf.readUInt16BE(off + 2)
  if (totalLen === 0) totalLen = avail
  const ff = buf.readUInt16BE(off + 6)
  const fragOffset = (ff & 0x1fff) << 3
  out.ipVersion = 4
  out.src[0] = buf.readUInt32BE(off + 12)
  out.dst[0] = buf.readUInt32BE(off + 16)
  out.src[1] = out.src[2] = out.src[3] = 0
  out.dst[1] = out.dst[2] = out.dst[3] = 0
  out.ttl = buf[off + 8] as number
  out.ipProto = buf[off + 9] as number
  out.ipLen = totalLen
  out.isFragment = (ff & 0x2000) !== 0 || fragOffset !== 0
  out.fragOffset = fragOffset
  out.payloadLen = totalLen > hlen ? totalLen - hlen : 0
  const ipEnd = off + totalLen
  out.payloadEnd = Math.min(ipEnd, end)
  if (hlen > avail) {
    out.payloadOff = out.payloadEnd = end
    return 'ipv4.header_truncated'
  }
  out.payloadOff = off + hlen
  if (totalLen < hlen) {
    out.payloadEnd = out.payloadOff
    return 'ipv4.total_len_lt_hlen'
  }
  return undefined
}

export function decodeIpv4(buf: Buffer, off: number, end: number): Decoded<Layer<Ipv4Header>> {
  const f = newIpFields()
  const code = parseIpv4(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'ipv4.too_short', off, end, IPV4_MIN_LEN)
  const ff = buf.readUInt16BE(off + 6)
  const hlen = f.payloadOff - off
  const header: Ipv4Header = {
    hlen,
    tos: buf[off + 1] as number,
    totalLen: f.ipLen,
    id: buf.readUInt16BE(off + 4),
    df: (ff & 0x4000) !== 0,
    mf: (ff & 0x2000) !== 0,
    fragOffset: f.fragOffset,
    ttl: f.ttl,
    protocol: f.ipProto,
    checksum: buf.readUInt16BE(off + 10),
    src: f.src[0] as number,
    dst: f.dst[0] as number,
    optionsLen: hlen - IPV4_MIN_LEN,
  }
  // A later fragment carries no transport header.
  const nextKey = f.fragOffset === 0 ? ({ kind: 'ipproto', value: f.ipProto } as const) : undefined
  return decodedLayer(header, f.payloadOff, f.payloadEnd, nextKey)
}
