/**
 * LinkFields: the caller-owned scratch that every link-layer parser fills (where the network layer
 * starts and which EtherType it has, plus VLAN ids). The packet walker keeps one and reuses it for every
 * frame; the exported decodeX wrappers allocate a fresh one. Keeping one parser per layer for both keeps
 * the validation logic in one place.
 */
import type { DecodeErrorCode } from '../errors.js'

export interface LinkFields {
  /** EtherType of the payload (IPv4 0x0800, IPv6 0x86dd, ...), after any tags and encapsulations. */
  etherType: number
  /** Offset where the network layer starts. */
  payloadOff: number
  /** Offset where the captured network-layer bytes end. */
  payloadEnd: number
  /** Outer 802.1Q/802.1ad VLAN id, or -1. */
  vlan: number
  /** Inner VLAN id (QinQ), or -1. */
  vlanInner: number
}

export function newLinkFields(): LinkFields {
  return { etherType: 0, payloadOff: 0, payloadEnd: 0, vlan: -1, vlanInner: -1 }
}

/** What a link parser returns: undefined on success, else the error code (the fields before it stay set). */
export type LinkResult = DecodeErrorCode | undefined
