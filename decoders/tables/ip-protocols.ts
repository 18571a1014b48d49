/**
 * IP protocol numbers (IANA protocol-numbers registry) the walker meets, with Zeek-style names for the
 * transport field of flow records. Unknown numbers render as `unknown-<n>`.
 */

export const IPPROTO_HOPOPTS = 0
export const IPPROTO_ICMP = 1
export const IPPROTO_IPIP = 4
export const IPPROTO_TCP = 6
export const IPPROTO_UDP = 17
export const IPPROTO_IPV6 = 41
export const IPPROTO_ROUTING = 43
export const IPPROTO_FRAGMENT = 44
export const IPPROTO_GRE = 47
export const IPPROTO_ESP = 50
export const IPPROTO_AH = 51
export const IPPROTO_ICMPV6 = 58
export const IPPROTO_NONE = 59
export const IPPROTO_DSTOPTS = 60
export const IPPROTO_SCTP = 132
export const IPPROTO_MOBILITY = 135

const NAMES: ReadonlyMap<number, string> = new Map([
  [IPPROTO_HOPOPTS, 'hopopt'],
  [IPPROTO_ICMP, 'icmp'],
  [IPPROTO_IPIP, 'ipip'],
  [IPPROTO_TCP, 'tcp'],
  [IPPROTO_UDP, 'udp'],
  [IPPROTO_IPV6, 'ipv6'],
  [IPPROTO_ROUTING, 'ipv6-route'],
  [IPPROTO_FRAGMENT, 'ipv6-frag'],
  [IPPROTO_GRE, 'gre'],
  [IPPROTO_ESP, 'esp'],
  [IPPROTO_AH, 'ah'],
  [IPPROTO_ICMPV6, 'icmp'],
  [IPPROTO_NONE, 'ipv6-nonxt'],
  [IPPROTO_DSTOPTS, 'ipv6-opts'],
  [IPPROTO_SCTP, 'sctp'],
  [IPPROTO_MOBILITY, 'mobility-header'],
])

/** Name of an IP protocol (ICMPv6 is `icmp`, as in Zeek's conn.log), or `unknown-<n>`. */
export function ipProtocolName(p: number): string {
  return NAMES.get(p) ?? `unknown-${p}`
}
