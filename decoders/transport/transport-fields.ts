/**
 * TransportFields: the caller-owned scratch the TCP/UDP/ICMP parsers fill. PacketView has these fields, so
 * the packet walker passes its PacketView straight in; the decodeX wrappers allocate a fresh one.
 */
import type { DecodeErrorCode } from '../errors.js'

export interface TransportFields {
  /** Source port, or ICMP type. */
  srcPort: number
  /** Destination port, or ICMP code. */
  dstPort: number
  /** TCP flags byte (0 otherwise). */
  tcpFlags: number
  /** TCP sequence number (0 otherwise). */
  seq: number
  /** TCP acknowledgement number (0 otherwise). */
  ack: number
  /** TCP window field as sent (unscaled), or -1 when there is no TCP header. */
  tcpWindow: number
  /** Offset where the transport payload starts. */
  payloadOff: number
  /** Offset where the captured payload ends. */
  payloadEnd: number
  /** Payload length on the wire (from the IP lengths). */
  payloadLen: number
}

export function newTransportFields(): TransportFields {
  return {
    srcPort: -1,
    dstPort: -1,
    tcpFlags: 0,
    seq: 0,
    ack: 0,
    tcpWindow: -1,
    payloadOff: 0,
    payloadEnd: 0,
    payloadLen: 0,
  }
}

/** undefined on success, else the error code (fields decoded before it stay set). */
export type TransportResult = DecodeErrorCode | undefined
