/**
 * IpFields: the caller-owned scratch the IPv4 and IPv6 parsers fill. PacketView has these fields, so the
 * packet walker passes its PacketView straight in; decodeIpv4/decodeIpv6 allocate a fresh one. One parser
 * per layer serves both, which keeps the validation logic in one place.
 */
import type { DecodeErrorCode } from '../errors.js'

export interface IpFields {
  /** 4 or 6 once the fixed header decoded, else 0. */
  ipVersion: 0 | 4 | 6
  /** Source address: IPv4 in [0] (others 0); IPv6 as four big-endian words. */
  src: Uint32Array
  /** Destination address, same layout. */
  dst: Uint32Array
  /** Transport protocol after extension headers. */
  ipProto: number
  /** IP packet length from the header (IPv4 total length; IPv6 40 + payload length). */
  ipLen: number
  /** TTL / hop limit. */
  ttl: number
  /** True for any fragment. */
  isFragment: boolean
  /** Fragment offset in bytes. */
  fragOffset: number
  /** Offset where the transport header starts. */
  payloadOff: number
  /** Offset where captured IP payload ends (bounded by the IP length and the capture). */
  payloadEnd: number
  /** IP payload length on the wire (from the IP length fields). */
  payloadLen: number
}

export function newIpFields(): IpFields {
  return {
    ipVersion: 0,
    src: new Uint32Array(4),
    dst: new Uint32Array(4),
    ipProto: -1,
    ipLen: 0,
    ttl: 0,
    isFragment: false,
    fragOffset: 0,
    payloadOff: 0,
    payloadEnd: 0,
    payloadLen: 0,
  }
}

/** What an IP parser returns: undefined on success, else the error code (fields decoded so far stay set). */
export type IpResult = DecodeErrorCode | undefined
