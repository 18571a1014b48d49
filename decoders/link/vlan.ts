/**
 * The shims between a MAC header and IP: 802.1Q tags (IEEE 802.1Q §9.6), 802.1ad service tags (0x88a8 and
 * the pre-standard 0x9100/0x9200), PPPoE session frames (RFC 2516 §4) carrying PPP IPv4/IPv6 (RFC 1661,
 * protocol 0x0021/0x0057), and MPLS label stacks (RFC 3032 §2.1) whose payload is guessed from the IP
 * version nibble, as Zeek does. Not handled: PPP protocol-field compression, MPLS pseudowires (control word).
 */
import type { DecodeErrorCode } from '../errors.js'
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_MPLS,
  ETHERTYPE_MPLS_MCAST,
  ETHERTYPE_PPPOE_SESSION,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD1,
  ETHERTYPE_QINQ_OLD2,
  ETHERTYPE_VLAN,
} from '../tables/ethertypes.js'
import type { LinkFields, LinkResult } from './link-fields.js'

/** Bytes of one VLAN tag (TCI + inner EtherType). */
export const VLAN_TAG_LEN = 4
/** Hard cap on stacked tags + encapsulations in one frame. */
export const MAX_LINK_SHIMS = 8
export const PPPOE_HEADER_LEN = 8
const PPP_IPV4 = 0x0021
const PPP_IPV6 = 0x0057

function isTag(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD1 || t === ETHERTYPE_QINQ_OLD2
}

/**
 * Walks tags/PPPoE/MPLS starting at `off` with EtherType `t`; fills out.etherType/payloadOff/payloadEnd and
 * VLAN ids. `out.payloadEnd` must be preset to the frame end.
 */
export function parseLinkShims(buf: Buffer, off: number, end: number, t: number, out: LinkFields): LinkResult {
  let o = off
  let e = end
  for (let n = 0; ; n++) {
    if (isTag(t)) {
      if (n >= MAX_LINK_SHIMS) return 'vlan.too_many_tags'
      if (e - o < VLAN_TAG_LEN) return 'vlan.too_short'
      const vid = buf.readUInt16BE(o) & 0x0fff
      if (out.vlan === -1) out.vlan = vid
      else if (out.vlanInner === -1) out.vlanInner = vid
      t = buf.readUInt16BE(o + 2)
      o += VLAN_TAG_LEN
    } else if (t === ETHERTYPE_PPPOE_SESSION) {
      if (n >= MAX_LINK_SHIMS) return 'vlan.too_many_tags'
      if (e - o < PPPOE_HEADER_LEN) return 'pppoe.too_short'
      if (buf[o] !== 0x11) return 'pppoe.bad_version'
      if (buf[o + 1] !== 0) return 'pppoe.not_session_data'
      // The PPPoE length counts the PPP protocol field and payload.
      const len = buf.readUInt16BE(o + 4)
      if (len < 2) return 'pppoe.bad_length'
      const proto = buf.readUInt16BE(o + 6)
      e = Math.min(e, o + 6 + len)
      o += PPPOE_HEADER_LEN
      if (proto === PPP_IPV4) t = ETHERTYPE_IPV4
      else if (proto === PPP_IPV6) t = ETHERTYPE_IPV6
      else return 'pppoe.non_ip'
    } else if (t === ETHERTYPE_MPLS || t === ETHERTYPE_MPLS_MCAST) {
      let bottom = false
      for (let k = 0; !bottom; k++) {
        if (k >= MAX_LINK_SHIMS) return 'mpls.too_many_labels'
        if (e - o < 4) return 'mpls.too_short'
        bottom = ((buf[o + 2] as number) & 1) === 1
        o += 4
      }
      if (o >= e) return 'mpls.too_short'
      const v = (buf[o] as number) >> 4
      if (v === 4) t = ETHERTYPE_IPV4
      else if (v === 6) t = ETHERTYPE_IPV6
      else return 'mpls.unknown_payload'
    } else {
      break
    }
  }
  out.etherType = t
  out.payloadOff = o
  out.payloadEnd = e
  return undefined
}

/** Error code for an EtherType that does not carry IP (the walker's stop reason). */
export function nonIpEtherTypeCode(t: number): DecodeErrorCode {
  if (t <= 0x05dc) return 'ethernet.llc_frame'
  return KNOWN_NON_IP.has(t) ? 'ethernet.non_ip' : 'ethernet.unknown_ethertype'
}

/** EtherTypes that are well known and simply not IP (ARP, RARP, LLDP, EAPOL, PPPoE discovery). */
const KNOWN_NON_IP: ReadonlySet<number> = new Set([0x0806, 0x8035, 0x88cc, 0x888e, 0x8863, 0x88e5, 0x8809])
