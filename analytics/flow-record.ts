/**
 * Turns an ended Flow into its FlowRecord event (Zeek conn.log field names) and holds the one place
 * where Zeek's `conn_state` is computed. The TCP endpoint states and the decision table follow Zeek's
 * TCP analyzer (TCP_Endpoint states INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED,
 * RESET) and the `conn_state` function of scripts/base/protocols/conn/main.zeek; the flow table
 * (analytics/flow-table.ts) drives the endpoint states packet by packet.
 * Not handled: Zeek's `local_orig`/`local_resp`, `tunnel_parents` and `ip_proto` columns (enrichment adds
 * what it needs later).
 */
import type { FlowEndReason, FlowRecord, SourceKind } from './events.js'
import type { Flow } from './flow.js'

/** Zeek TCP endpoint states (TCP_Endpoint.h), in Zeek's numbering. */
export const TCP_INACTIVE = 0
export const TCP_SYN_SENT = 1
export const TCP_SYN_ACK_SENT = 2
export const TCP_PARTIAL = 3
export const TCP_ESTABLISHED = 4
export const TCP_CLOSED = 5
export const TCP_RESET = 6

/** Endpoint states a flow may carry besides the Flow contract (the flow table's flows do). */
export interface EndpointStates {
  /** Zeek TCP endpoint state of the originator / responder (TCP_* above); unused for other protocols. */
  readonly origState: number
  readonly respState: number
}

function hasEndpointStates(flow: Flow): flow is Flow & EndpointStates {
  const f = flow as Partial<EndpointStates>
  return typeof f.origState === 'number' && typeof f.respState === 'number'
}

/** History matching Zeek's RSTOS0 test: SYN then RST from the originator, nothing else of note. */
const RSTOS0_HISTORY = /^\^?S[^HAFGIQ]*R/

/**
 * Zeek conn_state. TCP uses the endpoint states (flows without them are judged from packet counts as OTH);
 * UDP is SF when both sides sent, S0 when only the originator did, SHR when only the responder did;
 * ICMP and other protocols are OTH.
 */
export function connState(flow: Flow): string {
  if (flow.proto === 'udp') {
    if (flow.origPkts > 0) return flow.respPkts > 0 ? 'SF' : 'S0'
    return flow.respPkts > 0 ? 'SHR' : 'OTH'
  }
  if (flow.proto !== 'tcp' || !hasEndpointStates(flow)) return 'OTH'
  const os = flow.origState
  const rs = flow.respState
  const oInactive = os === TCP_INACTIVE || os === TCP_PARTIAL
  const rInactive = rs === TCP_INACTIVE || rs === TCP_PARTIAL
  if (rs === TCP_RESET) {
    if (
      os === TCP_SYN_SENT ||
      os === TCP_SYN_ACK_SENT ||
      (os === TCP_RESET && flow.origBytes === 0 && flow.respBytes === 0)
    )
      return 'REJ'
    return oInactive ? 'RSTRH' : 'RSTR'
  }
  if (os === TCP_RESET) {
    if (rInactive) return RSTOS0_HISTORY.test(flow.history) ? 'RSTOS0' : 'OTH'
    return 'RSTO'
  }
  if (rs === TCP_CLOSED && os === TCP_CLOSED) return 'SF'
  if (os === TCP_CLOSED) return rInactive ? 'SH' : 'S2'
  if (rs === TCP_CLOSED) return oInactive ? 'SHR' : 'S3'
  if (os === TCP_SYN_SENT && rs === TCP_INACTIVE) return 'S0'
  if (os === TCP_ESTABLISHED && rs === TCP_ESTABLISHED) return 'S1'
  return 'OTH'
}

/** Rounds a duration to microseconds so float noise from ts subtraction does not reach the output. */
function micro(x: number): number {
  return Math.round(x * 1e6) / 1e6
}

/** The FlowRecord of an ended flow. `source` is the collector id, `sourceKind` its kind. */
export function flowToRecord(flow: Flow, reason: FlowEndReason, source: string, sourceKind: SourceKind): FlowRecord {
  const rec: {
    -readonly [K in keyof FlowRecord]: FlowRecord[K]
  } = {
    kind: 'flow',
    ts: flow.firstTs,
    source,
    source_kind: sourceKind,
    uid: flow.uid,
    orig_h: flow.orig_h,
    orig_p: flow.orig_p,
    resp_h: flow.resp_h,
    resp_p: flow.resp_p,
    proto: flow.proto,
    service: flow.service.join(','),
    duration: micro(flow.lastTs - flow.firstTs),
    orig_bytes: flow.origBytes,
    resp_bytes: flow.respBytes,
    orig_ip_bytes: flow.origIpBytes,
    resp_ip_bytes: flow.respIpBytes,
    orig_pkts: flow.origPkts,
    resp_pkts: flow.respPkts,
    history: flow.history,
    conn_state: connState(flow),
    end_reason: reason,
  }
  if (flow.vlan >= 0) rec.vlan = flow.vlan
  if (flow.missedBytes > 0) rec.missed_bytes = flow.missedBytes
  if (flow.serverName !== undefined) rec.server_name = flow.serverName
  if (flow.appProtoTs !== undefined) rec.app_proto_ts = flow.appProtoTs
  if (flow.appProtoTc !== undefined) rec.app_proto_tc = flow.appProtoTc
  return rec
}
