/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443 §2.1) common header: type, code, checksum, then 4 bytes whose meaning
 * depends on the type. As in Zeek's conn.log, the type is reported as the source port and the code as the
 * destination port. The payload starts after the 8-byte header. Not handled: the quoted packet inside
 * error messages, checksums.
 */
import { type Decoded, fail } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { newTransportFields, type TransportFields, type TransportResult } from './transport-fields.js'

/** Type and code; the full header is 8 bytes (ICMP_HEADER_LEN). */
export const ICMP_MIN_LEN = 4
export const ICMP_HEADER_LEN = 8

export interface IcmpHeader {
  /** ICMP type. */
  readonly type: number
  /** ICMP code. */
  readonly code: number
  /** Checksum as sent, when captured (-1 otherwise). */
  readonly checksum: number
}

function parse(
  v6: boolean,
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
): TransportResult {
  if (end - off < ICMP_MIN_LEN) return v6 ? 'icmpv6.too_short' : 'icmp.too_short'
  out.srcPort = buf[off] as number
  out.dstPort = buf[off + 1] as number
  const p = off + ICMP_HEADER_LEN
  out.payloadOff = Math.min(p, end)
  out.payloadEnd = end
  out.payloadLen = wireLen > ICMP_HEADER_LEN ? wireLen - ICMP_HEADER_LEN : 0
  return undefined
}

export function parseIcmp(
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
): TransportResult {
  return parse(false, buf, off, end, wireLen, out)
}

export function parseIcmpv6(
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
): TransportResult {
  return parse(true, buf, off, end, wireLen, out)
}

function decode(v6: boolean, buf: Buffer, off: number, end: number, wireLen: number): Decoded<Layer<IcmpHeader>> {
  const f = newTransportFields()
  const code = parse(v6, buf, off, end, wireLen, f)
  if (code !== undefined) return fail(code, off, ICMP_MIN_LEN, Math.max(0, end - off))
  const header: IcmpHeader = {
    type: f.srcPort,
    code: f.dstPort,
    checksum: end - off >= 4 ? buf.readUInt16BE(off + 2) : -1,
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, undefined)
}

export function decodeIcmp(buf: Buffer, off: number, end: number, wireLen = end - off): Decoded<Layer<IcmpHeader>> {
  return decode(false, buf, off, end, wireLen)
}

export function decodeIcmpv6(buf: Buffer, off: number, end: number, wireLen = end - off): Decoded<Layer<IcmpHeader>> {
  return decode(true, buf, off, end, wireLen)
}
