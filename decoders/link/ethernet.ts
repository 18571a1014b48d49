/**
 * Ethernet II frames (IEEE 802.3 §3.1 with EtherType) and the tags and encapsulations after the MAC header
 * (see vlan.ts: 802.1Q, 802.1ad QinQ, PPPoE session, MPLS). Frames whose type field is a length (802.3 +
 * LLC/SNAP) are reported, not decoded. The frame check sequence is assumed absent (libpcap strips it).
 */
import { type Decoded, failHeader } from '../errors.js'
import { decodedLayer, type Layer } from '../next-key.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link-fields.js'
import { parseLinkShims } from './vlan.js'

export const ETHERNET_MIN_LEN = 14

export interface EthernetHeader {
  /** Destination MAC as a 48-bit number. */
  readonly dst: number
  /** Source MAC as a 48-bit number. */
  readonly src: number
  /** The EtherType in the MAC header (before any tags). */
  readonly outerEtherType: number
  /** EtherType of the network layer, after tags/PPPoE/MPLS. */
  readonly etherType: number
  /** Outer VLAN id, or -1. */
  readonly vlan: number
  /** Inner VLAN id (QinQ), or -1. */
  readonly vlanInner: number
}

/** Parses into a caller-owned scratch (the walker's hot path). */
export function parseEthernet(buf: Buffer, off: number, end: number, out: LinkFields): LinkResult {
  out.vlan = -1
  out.vlanInner = -1
  if (end - off < ETHERNET_MIN_LEN) return 'ethernet.too_short'
  out.payloadEnd = end
  return parseLinkShims(buf, off + ETHERNET_MIN_LEN, end, buf.readUInt16BE(off + 12), out)
}

export function decodeEthernet(buf: Buffer, off: number, end: number): Decoded<Layer<EthernetHeader>> {
  const f = newLinkFields()
  const code = parseEthernet(buf, off, end, f)
  if (code !== undefined) return failHeader(code, 'ethernet.too_short', off, end, ETHERNET_MIN_LEN)
  const header: EthernetHeader = {
    dst: buf.readUIntBE(off, 6),
    src: buf.readUIntBE(off + 6, 6),
    outerEtherType: buf.readUInt16BE(off + 12),
    etherType: f.etherType,
    vlan: f.vlan,
    vlanInner: f.vlanInner,
  }
  return decodedLayer(header, f.payloadOff, f.payloadEnd, { kind: 'ethertype', value: f.etherType })
}
