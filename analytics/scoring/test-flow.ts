/**
 * FlowRecord builder for the scoring and baseline tests: a completed TCP download by default (internal
 * 10.66.0.2 fetching 5 MB from external 198.51.100.80:8000, Wednesday 2026-11-18 10:00 UTC), with the IP
 * byte counts a real capture of it has (40 bytes of IP+TCP header per packet, 1448-byte segments).
 */
import type { FlowRecord } from '../events.js'

/** 2026-11-18 10:00:00 UTC, a Wednesday. */
export const WEDNESDAY_10_UTC = Date.UTC(2026, 10, 18, 10, 0, 0) / 1000

let seq = 0

export function makeFlow(over: Partial<FlowRecord> = {}): FlowRecord {
  const respBytes = over.resp_bytes ?? 5_000_000
  const origBytes = over.orig_bytes ?? 120
  const respPkts = over.resp_pkts ?? Math.ceil(respBytes / 1448) + 2
  const origPkts = over.orig_pkts ?? Math.ceil(respPkts / 2) + 3
  return {
    kind: 'flow',
    ts: WEDNESDAY_10_UTC,
    source: 'pcap:test',
    source_kind: 'pcap',
    uid: `Ctest${seq++}`,
    orig_h: '10.66.0.2',
    orig_p: 40000 + (seq % 20000),
    resp_h: '198.51.100.80',
    resp_p: 8000,
    proto: 'tcp',
    service: '',
    duration: 2,
    orig_bytes: origBytes,
    resp_bytes: respBytes,
    orig_ip_bytes: origBytes + origPkts * 52,
    resp_ip_bytes: respBytes + respPkts * 52,
    orig_pkts: origPkts,
    resp_pkts: respPkts,
    history: 'ShADadFf',
    conn_state: 'SF',
    end_reason: 'fin',
    ...over,
  }
}
