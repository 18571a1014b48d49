/**
 * The decoder-level connection record a network-device log line becomes: analytics' FlowRecord fields
 * without kind/source/uid (decoders/ does not import analytics/). The ingest turns it into a FlowRecord
 * with `source_kind: 'syslog'` and the reporting device as `reporter`.
 */

export type DeviceProto = 'tcp' | 'udp' | 'icmp' | 'other'

export interface DeviceFlow {
  /** Connection start, seconds (message time minus duration when the device gives one). */
  readonly ts: number
  readonly orig_h: string
  readonly orig_p: number
  readonly resp_h: string
  readonly resp_p: number
  readonly proto: DeviceProto
  readonly duration: number
  readonly orig_bytes: number
  readonly resp_bytes: number
  readonly orig_pkts: number
  readonly resp_pkts: number
  readonly conn_state: string
  readonly end_reason: 'fin' | 'rst' | 'idle' | 'export'
  /** True when the device logs one byte count for both directions (ASA): the total is in orig_bytes. */
  readonly bytes_undirected?: boolean
  /** Firewall verdict. */
  readonly fw_action?: 'allow' | 'deny'
  /** Application the device identified (PAN-OS app, SRX application, Fortinet app/service). */
  readonly fw_app?: string
  /** User the device attributed the session to. */
  readonly user?: string
  /** Device's own connection/session id, for the flow uid. */
  readonly session_id?: string
  /** Which vendor parser produced it: `asa`, `ios-acl`, `junos-srx`, `panos`, `fortinet`. */
  readonly vendor: string
}

/** Protocol name or number → DeviceProto. */
export function protoOf(p: string): DeviceProto {
  const s = p.toLowerCase()
  if (s === 'tcp' || s === '6') return 'tcp'
  if (s === 'udp' || s === '17') return 'udp'
  if (s === 'icmp' || s === '1' || s === 'icmp6' || s === 'ipv6-icmp' || s === '58') return 'icmp'
  return 'other'
}

/** Parses a port number, 0 when absent or out of range. */
export function portOf(p: string | undefined): number {
  const n = Number(p)
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : 0
}

/** Parses a non-negative count, 0 when absent or not a number. */
export function countOf(p: string | undefined): number {
  const n = Number(p)
  return Number.isFinite(n) && n >= 0 ? n : 0
}
