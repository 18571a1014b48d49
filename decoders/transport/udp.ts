/**
 * UDP header (RFC 768). The payload length comes from the IP header (`wireLen` - 8), as flows count it;
 * the UDP length field is reported but not trusted. Not handled: checksum verification, UDP-Lite.
 */
import { type Decoded, fail } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { newTransportFields, type TransportFields, type TransportResult } from './transport-fields.js'

export const UDP_MIN_LEN = 8

export interface UdpHeader {
  /** Source port. */
  readonly srcPort: number
  /** Destination port. */
  readonly dstPort: number
  /** Length field (header + data) as sent. */
  readonly length: number
  /** Checksum as sent (not verified; 0 = none over IPv4). */
  readonly checksum: number
}

export function parseUdp(
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
): TransportResult {
  if (end - off < UDP_MIN_LEN) return 'udp.too_short'
  out.srcPort = buf.readUInt16BE(off)
  out.dstPort = buf.readUInt16BE(off + 2)
  out.payloadOff = off + UDP_MIN_LEN
  out.payloadEnd = end
  out.payloadLen = wireLen > UDP_MIN_LEN ? wireLen - UDP_MIN_LEN : 0
  return undefined
}

export function decodeUdp(buf: Buffer, off: number, end: number, wireLen = end - off): Decoded<Layer<UdpHeader>> {
  const f = newTransportFields()
  const code = parseUdp(buf, off, end, wireLen, f)
  if (code !== undefined) return fail(code, off, UDP_MIN_LEN, Math.max(0, end - off))
  const header: UdpHeader = {
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    length: buf.readUInt16BE(off + 4),
    checksum: buf.readUInt16BE(off + 6),
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, undefined)
}
