/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276, tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html): the
 * 20-byte pseudo header of `tcpdump -i any` since libpcap 1.10, with the protocol first and the interface
 * index. VLAN tags may follow. Not handled: Netlink (hatype 824) and 802.2/802.3 payloads.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'
import { parseLinkShims } from './vlan.js'

export const SLL2_MIN_LEN = 20
const ARPHRD_NETLINK = 824

export interface Sll2Header {
  /** Protocol (EtherType) in the header. */
  readonly protocol: number
  /** Interface index on the capturing host. */
  readonly ifIndex: number
  /** ARPHRD_* link-layer address type. */
  readonly hatype: number
  /** Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  readonly packetType: number
  /** Link-layer address length. */
  readonly addrLen: number
  /** EtherType of the network layer after any tags. */
  readonly etherType: number
  /** Outer VLAN id, or -1. */
  readonly vlan: number
}

export function parseSll2(buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  if (end - off < SLL2_MIN_LEN) return 'sll2.too_short'
  if (buf.readUInt16BE(off + 8) === ARPHRD_NETLINK) return 'sll2.netlink'
  out.payloadEnd = end
  return parseLinkShims(buf, off + SLL2_MIN_LEN, end, buf.readUInt16BE(off), out)
}

export function decodeSll2(buf: Buffer, off: number, end: number): Decoded<Layer<Sll2Header>> {
  const f = newLinkFields()
  const code = parseSll2(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'sll2.too_short', off, end, SLL2_MIN_LEN)
  const header: Sll2Header = {
    protocol: buf.readUInt16BE(off),
    ifIndex: buf.readUInt32BE(off + 4),
    hatype: buf.readUInt16BE(off + 8),
    packetType: buf[off + 10] as number,
    addrLen: buf[off + 11] as number,
    etherType: f.etherType,
    vlan: f.vlan,
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, { kind: 'ethertype', value: f.etherType })
}
