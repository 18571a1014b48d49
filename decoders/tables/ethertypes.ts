/**
 * EtherType values (IEEE 802 numbers, IANA ieee-802-numbers registry) that the link decoders meet.
 * Unknown values render as `unknown-0x<hex>`.
 */

export const ETHERTYPE_IPV4 = 0x0800
export const ETHERTYPE_ARP = 0x0806
export const ETHERTYPE_VLAN = 0x8100
export const ETHERTYPE_RARP = 0x8035
export const ETHERTYPE_IPV6 = 0x86dd
export const ETHERTYPE_MPLS = 0x8847
export const ETHERTYPE_MPLS_MCAST = 0x8848
export const ETHERTYPE_PPPOE_DISCOVERY = 0x8863
export const ETHERTYPE_PPPOE_SESSION = 0x8864
export const ETHERTYPE_8021X = 0x888e
/** 802.1ad service tag (QinQ outer tag). */
export const ETHERTYPE_QINQ = 0x88a8
export const ETHERTYPE_LLDP = 0x88cc
/** Pre-standard QinQ outer tags still seen on some switches. */
export const ETHERTYPE_QINQ_OLD1 = 0x9100
export const ETHERTYPE_QINQ_OLD2 = 0x9200

/** Values up to this are 802.3 length fields (an LLC header follows), not EtherTypes. */
export const ETHERTYPE_MAX_LENGTH = 0x05dc

const NAMES: ReadonlyMap<number, string> = new Map([
  [ETHERTYPE_IPV4, 'ipv4'],
  [ETHERTYPE_ARP, 'arp'],
  [ETHERTYPE_VLAN, 'vlan'],
  [ETHERTYPE_RARP, 'rarp'],
  [ETHERTYPE_IPV6, 'ipv6'],
  [ETHERTYPE_MPLS, 'mpls'],
  [ETHERTYPE_MPLS_MCAST, 'mpls-multicast'],
  [ETHERTYPE_PPPOE_DISCOVERY, 'pppoe-discovery'],
  [ETHERTYPE_PPPOE_SESSION, 'pppoe-session'],
  [ETHERTYPE_8021X, 'eapol'],
  [ETHERTYPE_QINQ, 'qinq'],
  [ETHERTYPE_LLDP, 'lldp'],
  [ETHERTYPE_QINQ_OLD1, 'qinq'],
  [ETHERTYPE_QINQ_OLD2, 'qinq'],
])

/** Name of an EtherType, or `unknown-0x<hex>`. */
export function etherTypeName(t: number): string {
  return NAMES.get(t) ?? `unknown-0x${t.toString(16).padStart(4, '0')}`
}
