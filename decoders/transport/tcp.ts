/**
 * TCP header (RFC 9293 §3.1). Options are skipped, not interpreted. `wireLen` is the segment length on the
 * wire from the IP header, so the payload length is right even when the capture was cut by the snaplen.
 * When the header itself is cut short, ports, flags and sequence numbers (the first 20 bytes) are still
 * reported with the error. Not handled: checksum verification, reassembly (analytics/ does that).
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { newTransportFields, type TransportFields, type TransportResult } from './transport-fields.js'

export const TCP_MIN_LEN = 20

export interface TcpHeader {
  /** Source port. */
  readonly srcPort: number
  /** Destination port. */
  readonly dstPort: number
  /** Sequence number (uint32). */
  readonly seq: number
  /** Acknowledgement number (uint32). */
  readonly ack: number
  /** Header length in bytes (data offset * 4). */
  readonly hlen: number
  /** Flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
  readonly flags: number
  /** Receive window (unscaled). */
  readonly window: number
  /** Checksum as sent (not verified). */
  readonly checksum: number
  /** Urgent pointer. */
  readonly urgent: number
}

/** Parses a TCP header at buf[off, end); `wireLen` = segment length on the wire (IP payload length). */
export function parseTcp(
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
): TransportResult {
  if (end - off < TCP_MIN_LEN) return 'tcp.too_short'
  out.srcPort = buf.readUInt16BE(off)
  out.dstPort = buf.readUInt16BE(off + 2)
  out.seq = buf.readUInt32BE(off + 4)
  out.ack = buf.readUInt32BE(off + 8)
  out.tcpFlags = buf[off + 13] as number
  out.tcpWindow = ((buf[off + 14] as number) << 8) | (buf[off + 15] as number)
  const hlen = ((buf[off + 12] as number) >> 4) << 2
  out.payloadLen = wireLen > hlen ? wireLen - hlen : 0
  out.payloadEnd = end
  if (hlen < TCP_MIN_LEN) {
    out.payloadOff = end
    return 'tcp.hlen_too_small'
  }
  if (hlen > wireLen) {
    out.payloadOff = end
    return 'tcp.hlen_gt_segment'
  }
  if (hlen > end - off) {
    out.payloadOff = end
    return 'tcp.header_truncated'
  }
  out.payloadOff = off + hlen
  return undefined
}

export function decodeTcp(buf: Buffer, off: number, end: number, wireLen = end - off): Decoded<Layer<TcpHeader>> {
  const f = newTransportFields()
  const code = parseTcp(buf, off, end, wireLen, f)
  if (code !== undefined) return failHeader(code, 'tcp.too_short', off, end, TCP_MIN_LEN)
  const header: TcpHeader = {
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    seq: f.seq,
    ack: f.ack,
    hlen: f.payloadOff - off,
    flags: f.tcpFlags,
    window: f.tcpWindow,
    checksum: buf.readUInt16BE(off + 16),
    urgent: buf.readUInt16BE(off + 18),
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, undefined)
}
