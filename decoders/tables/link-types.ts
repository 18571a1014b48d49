/**
 * LINKTYPE_* numbers as written in pcap and pcapng files (tcpdump.org/linktypes.html), with names.
 * Only the types the walker decodes plus common ones for messages; unknown numbers render as `unknown-<n>`.
 */

export const LINKTYPE_NULL = 0
export const LINKTYPE_ETHERNET = 1
/** DLT_RAW as written by most BSDs and Linux before LINKTYPE_RAW existed. */
export const LINKTYPE_RAW_12 = 12
/** DLT_RAW as written by OpenBSD. */
export const LINKTYPE_RAW_14 = 14
export const LINKTYPE_RAW = 101
export const LINKTYPE_LOOP = 108
export const LINKTYPE_LINUX_SLL = 113
export const LINKTYPE_IPV4 = 228
export const LINKTYPE_IPV6 = 229
export const LINKTYPE_NFLOG = 239
export const LINKTYPE_LINUX_SLL2 = 276

const NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'null'],
  [LINKTYPE_ETHERNET, 'ethernet'],
  [LINKTYPE_RAW_12, 'raw'],
  [LINKTYPE_RAW_14, 'raw'],
  [LINKTYPE_RAW, 'raw'],
  [LINKTYPE_LOOP, 'loop'],
  [LINKTYPE_LINUX_SLL, 'linux-sll'],
  [LINKTYPE_IPV4, 'ipv4'],
  [LINKTYPE_IPV6, 'ipv6'],
  [LINKTYPE_NFLOG, 'nflog'],
  [LINKTYPE_LINUX_SLL2, 'linux-sll2'],
  [105, 'ieee802-11'],
  [127, 'ieee802-11-radiotap'],
])

/** Name of a link type, or `unknown-<n>`. */
export function linkTypeName(n: number): string {
  return NAMES.get(n) ?? `unknown-${n}`
}
