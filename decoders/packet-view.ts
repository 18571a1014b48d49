/**
 * PacketView: what the lax packet walker (decoders/dispatch.ts) fills for one captured frame.
 * It is a reusable, mutable scratch object owned by the caller: one per pipeline, overwritten for every
 * packet, so the hot path allocates nothing. It is never emitted as an event; whatever outlives the
 * packet (flow records, app events) copies what it needs out of it. Addresses are numbers
 * (IPv4 in src[0]/dst[0]; IPv6 as four big-endian uint32 words), formatted as text only when an event is built.
 */
import type { DecodeErrorCode } from './errors.js'

export interface PacketView {
  /** Capture timestamp, seconds since the epoch (float, microsecond precision or better). */
  ts: number
  /** Link type of the interface the frame came from (LINKTYPE_* number). */
  linkType: number
  /** Bytes on the wire (original length from the capture record). */
  wireLen: number
  /** Bytes captured (may be less than wireLen when snaplen truncated the frame). */
  capLen: number
  /** Outermost 802.1Q VLAN id, or -1 when untagged. */
  vlan: number
  /** Inner VLAN id for QinQ (802.1ad), or -1. */
  vlanInner: number
  /** 4 or 6 when an IP header decoded, else 0. */
  ipVersion: 0 | 4 | 6
  /** Source address: IPv4 in [0]; IPv6 in [0..3] as big-endian 32-bit words. */
  src: Uint32Array
  /** Destination address, same layout as src. */
  dst: Uint32Array
  /** IP protocol number of the transport (after IPv6 extension headers), or -1. */
  ipProto: number
  /** IP packet length from the header (total length; IPv6: 40 + payload length): the byte count flows use. */
  ipLen: number
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number
  /** True for any fragment (MF set or offset > 0). */
  isFragment: boolean
  /** Fragment offset in bytes (0 for the first fragment, whose ports are still decoded). */
  fragOffset: number
  /** Source port (TCP/UDP), or ICMP type; -1 when not decoded. */
  srcPort: number
  /** Destination port (TCP/UDP), or ICMP code; -1 when not decoded. */
  dstPort: number
  /** TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128), 0 otherwise. */
  tcpFlags: number
  /** TCP sequence number (uint32), 0 otherwise. */
  seq: number
  /** TCP acknowledgement number (uint32), 0 otherwise. */
  ack: number
  /** TCP window field as sent (unscaled), -1 when there is no TCP header. */
  tcpWindow: number
  /** Offset in the frame buffer where the transport payload starts. */
  payloadOff: number
  /** Offset where the captured transport payload ends (<= buffer end). */
  payloadEnd: number
  /** Transport payload length on the wire, from the IP length (may exceed payloadEnd - payloadOff when truncated). */
  payloadLen: number
  /** Set when decoding stopped early: the DecodeError code of the layer that failed. Lower layers stay valid. */
  stop: DecodeErrorCode | undefined
}

export function newPacketView(): PacketView {
  return {
    ts: 0,
    linkType: 0,
    wireLen: 0,
    capLen: 0,
    vlan: -1,
    vlanInner: -1,
    ipVersion: 0,
    src: new Uint32Array(4),
    dst: new Uint32Array(4),
    ipProto: -1,
    ipLen: 0,
    ttl: 0,
    isFragment: false,
    fragOffset: 0,
    srcPort: -1,
    dstPort: -1,
    tcpFlags: 0,
    tcpWindow: -1,
    seq: 0,
    ack: 0,
    payloadOff: 0,
    payloadEnd: 0,
    payloadLen: 0,
    stop: undefined,
  }
}

export const TCP_FIN = 0x01
export const TCP_SYN = 0x02
export const TCP_RST = 0x04
export const TCP_PSH = 0x08
export const TCP_ACK = 0x10
