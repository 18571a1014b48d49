/**
 * The one key → decoder table (Zeek forwarding keys, STYLE 2.2) and the lax packet walker. A layer names
 * its successor with a NextKey (link type, EtherType, IP protocol); this file alone maps keys to decoders.
 * Each row holds the layer's `parse` function (fills a caller-owned scratch, allocates nothing; used by the
 * walker) and its `decode` function (returns a Decoded<Layer>; used by tests and other callers). Both come
 * from the layer's own module, so the validation logic lives in one place.
 *
 * walkPacket decodes link → network → transport as far as it can into a reusable PacketView and records
 * in `stop` the DecodeError code where it stopped; the layers below stay filled (etherparse's
 * LaxSlicedPacket). Not handled here: tunnels (GRE, IP-in-IP, VXLAN), reassembly.
 */
import type { Decoded, DecodeErrorCode } from './errors.js'
import { fail } from './errors.js'
import { decodeEthernet, parseEthernet } from './link/ethernet.js'
import { type LinkFields, type LinkResult, newLinkFields } from './link/link-fields.js'
import { decodeNflog, parseNflog } from './link/nflog.js'
import { decodeNull, parseNull } from './link/null.js'
import { decodeRaw, parseRaw } from './link/raw.js'
import { decodeSll, parseSll } from './link/sll.js'
import { decodeSll2, parseSll2 } from './link/sll2.js'
import { nonIpEtherTypeCode } from './link/vlan.js'
import type { IpFields, IpResult } from './network/ip-fields.js'
import { decodeIpv4, parseIpv4 } from './network/ipv4.js'
import { decodeIpv6, parseIpv6 } from './network/ipv6.js'
import type { Layer, NextKey } from './next-key.js'
import type { PacketView } from './packet-view.js'
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './tables/ethertypes.js'
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_NONE, IPPROTO_TCP, IPPROTO_UDP } from './tables/ip-protocols.js'
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NFLOG,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
} from './tables/link-types.js'
import { decodeIcmp, decodeIcmpv6, parseIcmp, parseIcmpv6 } from './transport/icmp.js'
import { decodeTcp, parseTcp } from './transport/tcp.js'
import type { TransportFields, TransportResult } from './transport/transport-fields.js'
import { decodeUdp, parseUdp } from './transport/udp.js'

export type LinkParser = (linkType: number, buf: Buffer, off: number, end: number, out: LinkFields) => LinkResult
export type IpParser = (buf: Buffer, off: number, end: number, out: IpFields) => IpResult
export type TransportParser = (
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  out: TransportFields,
) => TransportResult

export interface DispatchEntry<P> {
  /** Layer name (`ethernet`, `ipv4`, `tcp`...). */
  readonly layer: string
  /** Allocation-free parser into a scratch (the walker's path). */
  readonly parse: P
  /** Allocating decoder returning the layer (tests, other callers). */
  readonly decode: (buf: Buffer, off: number, end: number) => Decoded<Layer<unknown>>
}

const raw = (lt: number): DispatchEntry<LinkParser> => ({
  layer: 'raw',
  parse: parseRaw,
  decode: (b, o, e) => decodeRaw(lt, b, o, e),
})

/** Link type → link decoder. */
export const LINK_DECODERS: ReadonlyMap<number, DispatchEntry<LinkParser>> = new Map([
  [
    LINKTYPE_ETHERNET,
    { layer: 'ethernet', parse: (_, b, o, e, f) => parseEthernet(b, o, e, f), decode: decodeEthernet },
  ],
  [LINKTYPE_LINUX_SLL, { layer: 'sll', parse: (_, b, o, e, f) => parseSll(b, o, e, f), decode: decodeSll }],
  [LINKTYPE_LINUX_SLL2, { layer: 'sll2', parse: (_, b, o, e, f) => parseSll2(b, o, e, f), decode: decodeSll2 }],
  [LINKTYPE_NULL, { layer: 'null', parse: (_, b, o, e, f) => parseNull(b, o, e, f), decode: decodeNull }],
  [LINKTYPE_LOOP, { layer: 'null', parse: (_, b, o, e, f) => parseNull(b, o, e, f), decode: decodeNull }],
  [LINKTYPE_NFLOG, { layer: 'nflog', parse: (_, b, o, e, f) => parseNflog(b, o, e, f), decode: decodeNflog }],
  [LINKTYPE_RAW, raw(LINKTYPE_RAW)],
  [LINKTYPE_RAW_12, raw(LINKTYPE_RAW_12)],
  [LINKTYPE_RAW_14, raw(LINKTYPE_RAW_14)],
  [LINKTYPE_IPV4, raw(LINKTYPE_IPV4)],
  [LINKTYPE_IPV6, raw(LINKTYPE_IPV6)],
] satisfies [number, DispatchEntry<LinkParser>][])

/** EtherType → network decoder. */
export const ETHERTYPE_DECODERS: ReadonlyMap<number, DispatchEntry<IpParser>> = new Map([
  [ETHERTYPE_IPV4, { layer: 'ipv4', parse: (b, o, e, f) => parseIpv4(b, o, e, f), decode: decodeIpv4 }],
  [ETHERTYPE_IPV6, { layer: 'ipv6', parse: (b, o, e, f) => parseIpv6(b, o, e, f), decode: decodeIpv6 }],
] satisfies [number, DispatchEntry<IpParser>][])

/** IP protocol → transport decoder. */
export const IPPROTO_DECODERS: ReadonlyMap<number, DispatchEntry<TransportParser>> = new Map([
  [IPPROTO_TCP, { layer: 'tcp', parse: parseTcp, decode: (b, o, e) => decodeTcp(b, o, e) }],
  [IPPROTO_UDP, { layer: 'udp', parse: parseUdp, decode: (b, o, e) => decodeUdp(b, o, e) }],
  [IPPROTO_ICMP, { layer: 'icmp', parse: parseIcmp, decode: (b, o, e) => decodeIcmp(b, o, e) }],
  [IPPROTO_ICMPV6, { layer: 'icmpv6', parse: parseIcmpv6, decode: (b, o, e) => decodeIcmpv6(b, o, e) }],
] satisfies [number, DispatchEntry<TransportParser>][])

/** Looks a key up and decodes the layer it names; an unknown key gives the walker's stop code. */
export function decodeNext(key: NextKey, buf: Buffer, off: number, end: number): Decoded<Layer<unknown>> {
  const table =
    key.kind === 'linktype' ? LINK_DECODERS : key.kind === 'ethertype' ? ETHERTYPE_DECODERS : IPPROTO_DECODERS
  const entry = (table as ReadonlyMap<number, DispatchEntry<unknown>>).get(key.value)
  if (entry !== undefined) return entry.decode(buf, off, end)
  return fail(unknownKeyCode(key), off)
}

function unknownKeyCode(key: NextKey): DecodeErrorCode {
  if (key.kind === 'linktype') return 'link.unknown_linktype'
  if (key.kind === 'ethertype') return nonIpEtherTypeCode(key.value)
  return key.value === IPPROTO_NONE ? 'ip.no_next_header' : 'ip.unknown_protocol'
}

// Dense lookups for the hot path, built from the tables above (not second tables).
const NETWORK_BY_ETHERTYPE: (IpParser | undefined)[] = Array.from(
  { length: 65536 },
  (_, t) => ETHERTYPE_DECODERS.get(t)?.parse,
)
const TRANSPORT_BY_PROTO: (TransportParser | undefined)[] = Array.from(
  { length: 256 },
  (_, p) => IPPROTO_DECODERS.get(p)?.parse,
)

/** The walker's link scratch: walkPacket is synchronous and copies what it needs into the PacketView. */
const LINK = newLinkFields()

/** Resets every field the walker fills; ts and wireLen belong to the caller (they come from the capture record). */
function resetView(pv: PacketView, linkType: number, capLen: number): void {
  pv.linkType = linkType
  pv.capLen = capLen
  pv.vlan = -1
  pv.vlanInner = -1
  pv.ipVersion = 0
  const src = pv.src
  const dst = pv.dst
  src[0] = src[1] = src[2] = src[3] = 0
  dst[0] = dst[1] = dst[2] = dst[3] = 0
  pv.ipProto = -1
  pv.ipLen = 0
  pv.ttl = 0
  pv.isFragment = false
  pv.fragOffset = 0
  pv.srcPort = -1
  pv.dstPort = -1
  pv.tcpFlags = 0
  pv.seq = 0
  pv.ack = 0
  pv.tcpWindow = -1
  pv.payloadOff = 0
  pv.payloadEnd = 0
  pv.payloadLen = 0
  pv.stop = undefined
}

let lastLinkType = -1
let lastLink: LinkParser | undefined

/**
 * Decodes the frame buf[off, end) of the given link type into `pv` (reset first). Never throws and never
 * reads outside [off, end). `pv.stop` is set to the code of the layer where decoding stopped.
 */
export function walkPacket(linkType: number, buf: Buffer, off: number, end: number, pv: PacketView): void {
  resetView(pv, linkType, end - off)
  if (linkType !== lastLinkType) {
    lastLinkType = linkType
    lastLink = LINK_DECODERS.get(linkType)?.parse
  }
  const link = lastLink
  if (link === undefined) {
    pv.stop = 'link.unknown_linktype'
    return
  }
  const l = LINK
  l.vlan = -1
  l.vlanInner = -1
  let code: DecodeErrorCode | undefined = link(linkType, buf, off, end, l)
  pv.vlan = l.vlan
  pv.vlanInner = l.vlanInner
  if (code !== undefined) {
    pv.stop = code
    return
  }
  const et = l.etherType
  const network = NETWORK_BY_ETHERTYPE[et]
  code = network === undefined ? nonIpEtherTypeCode(et) : network(buf, l.payloadOff, l.payloadEnd, pv)
  if (code !== undefined) {
    pv.stop = code
    return
  }
  // A non-first fragment carries no transport header.
  if (pv.fragOffset !== 0) return
  const proto = pv.ipProto
  const transport = TRANSPORT_BY_PROTO[proto]
  if (transport === undefined) {
    pv.stop = proto === IPPROTO_NONE ? 'ip.no_next_header' : 'ip.unknown_protocol'
    return
  }
  code = transport(buf, pv.payloadOff, pv.payloadEnd, pv.payloadLen, pv)
  if (code !== undefined) pv.stop = code
}
