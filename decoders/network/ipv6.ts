/**
 * IPv6 header (RFC 8200 §3) and its extension headers (§4): hop-by-hop (0), routing (43), fragment (44,
 * §4.5), destination options (60), AH (51, RFC 4302 §2: length in 4-byte units), mobility (135), HIP (139)
 * and shim6 (140), at most IPV6_MAX_EXT_HEADERS of them. After a non-first fragment header the rest is
 * fragment data, so walking stops there. A payload length of 0 (jumbogram or offload) is replaced by the
 * captured length. Not handled: reassembly, ESP (50) contents, the jumbo payload option's value.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { type IpFields, type IpResult, newIpFields } from './ip-fields.js'

export const IPV6_MIN_LEN = 40
/** Hard cap on extension headers walked. */
export const IPV6_MAX_EXT_HEADERS = 8

export interface Ipv6Header {
  /** Traffic class. */
  readonly trafficClass: number
  /** Flow label. */
  readonly flowLabel: number
  /** Payload length from the header (after the 40-byte header, extension headers included). */
  readonly payloadLength: number
  /** Next header in the fixed header. */
  readonly nextHeader: number
  /** Hop limit. */
  readonly hopLimit: number
  /** Source address, four big-endian words. */
  readonly src: Uint32Array
  /** Destination address, four big-endian words. */
  readonly dst: Uint32Array
  /** Extension header types walked, in order. */
  readonly extHeaders: readonly number[]
  /** Transport protocol after the extension headers. */
  readonly protocol: number
  /** True when a fragment header was present. */
  readonly isFragment: boolean
  /** Fragment offset in bytes. */
  readonly fragOffset: number
}

function isExtHeader(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 44 || nh === 60 || nh === 51 || nh === 135 || nh === 139 || nh === 140
}

/**
 * Parses into a caller-owned scratch. When `exts` is given, the extension header types walked are pushed
 * to it (decodeIpv6 only; the walker passes undefined).
 */
export function parseIpv6(buf: Buffer, off: number, end: number, out: IpFields, exts?: number[]): IpResult {
  const avail = end - off
  if (avail < IPV6_MIN_LEN) return 'ipv6.too_short'
  if ((buf[off] as number) >> 4 !== 6) return 'ipv6.bad_version'
  const plen = buf.readUInt16BE(off + 4)
  let next = buf[off + 6] as number
  out.ipVersion = 6
  for (let i = 0; i < 4; i++) {
    out.src[i] = buf.readUInt32BE(off + 8 + 4 * i)
    out.dst[i] = buf.readUInt32BE(off + 24 + 4 * i)
  }
  out.ttl = buf[off + 7] as number
  const ipLen = plen === 0 ? avail : IPV6_MIN_LEN + plen
  out.ipLen = ipLen
  out.isFragment = false
  out.fragOffset = 0
  const ipEnd = Math.min(off + ipLen, end)
  out.payloadEnd = ipEnd
  let o = off + IPV6_MIN_LEN
  let code: IpResult
  for (let n = 0; isExtHeader(next); n++) {
    if (n >= IPV6_MAX_EXT_HEADERS) {
      code = 'ipv6.too_many_ext_headers'
      break
    }
    if (ipEnd - o < 8) {
      code = 'ipv6.ext_header_truncated'
      break
    }
    exts?.push(next)
    const nh = buf[o] as number
    let hlen: number
    if (next === 44) {
      const fo = buf.readUInt16BE(o + 2)
      out.isFragment = true
      out.fragOffset = fo & 0xfff8
      hlen = 8
    } else if (next === 51) {
      hlen = ((buf[o + 1] as number) + 2) << 2
    } else {
      hlen = ((buf[o + 1] as number) + 1) << 3
    }
    if (ipEnd - o < hlen) {
      code = 'ipv6.ext_header_truncated'
      break
    }
    o += hlen
    next = nh
    // After a non-first fragment header the bytes are fragment data, not headers.
    if (out.fragOffset !== 0) break
  }
  out.ipProto = next
  const used = o - off
  out.payloadLen = ipLen > used ? ipLen - used : 0
  out.payloadOff = Math.min(o, ipEnd)
  return code
}

export function decodeIpv6(buf: Buffer, off: number, end: number): Decoded<Layer<Ipv6Header>> {
  const f = newIpFields()
  const exts: number[] = []
  const code = parseIpv6(buf, off, end, f, exts)
  if (code !== undefined) return failHeader(code, 'ipv6.too_short', off, end, IPV6_MIN_LEN)
  const w0 = buf.readUInt32BE(off)
  const header: Ipv6Header = {
    trafficClass: (w0 >>> 20) & 0xff,
    flowLabel: w0 & 0xfffff,
    payloadLength: buf.readUInt16BE(off + 4),
    nextHeader: buf[off + 6] as number,
    hopLimit: f.ttl,
    src: f.src,
    dst: f.dst,
    extHeaders: exts,
    protocol: f.ipProto,
    isFragment: f.isFragment,
    fragOffset: f.fragOffset,
  }
  const nextKey = f.fragOffset === 0 ? ({ kind: 'ipproto', value: f.ipProto } as const) : undefined
  return decodedLayer(header, f.payloadOff, f.payloadEnd, nextKey)
}
