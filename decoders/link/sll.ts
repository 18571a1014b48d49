/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113, tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html): a
 * 16-byte pseudo header written by `tcpdump -i any` before libpcap 1.10. The protocol field is an EtherType
 * for the usual hatypes; VLAN tags may follow it. Not handled: Netlink (hatype 824) and 802.2/802.3 payloads.
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'
import { parseLinkShims } from './vlan.js'

export const SLL_MIN_LEN = 16
const ARPHRD_NETLINK = 824

export interface SllHeader {
  /** Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  readonly packetType: number
  /** ARPHRD_* link-layer address type. */
  readonly hatype: number
  /** Link-layer address length. */
  readonly addrLen: number
  /** Protocol (EtherType) in the header. */
  readonly protocol: number
  /** EtherType of the network layer after any tags. */
  readonly etherType: number
  /** Outer VLAN id, or -1. */
  readonly vlan: number
}

export function parseSll(buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  if (end - off < SLL_MIN_LEN) return 'sll.too_short'
  if (buf.readUInt16BE(off + 2) === ARPHRD_NETLINK) return 'sll.netlink'
  out.payloadEnd = end
  return parseLinkShims(buf, off + SLL_MIN_LEN, end, buf.readUInt16BE(off + 14), out)
}

export function decodeSll(buf: Buffer, off: number, end: number): Decoded<Layer<SllHeader>> {
  const f = newLinkFields()
  const code = parseSll(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'sll.too_short', off, end, SLL_MIN_LEN)
  const header: SllHeader = {
    packetType: buf.readUInt16BE(off),
    hatype: buf.readUInt16BE(off + 2),
    addrLen: buf.readUInt16BE(off + 4),
    protocol: buf.readUInt16BE(off + 14),
    etherType: f.etherType,
    vlan: f.vlan,
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, { kind: 'ethertype', value: f.etherType })
}
