/**
 * A FlowRecord as a flow export (NetFlow v9/IPFIX from exporter 192.0.2.1) hands it to the detections: no
 * service, no TCP history, ended by the export, uid derived from the originator port. The detection tests
 * that check the by-port fallback for exports build their flows with it.
 */
import type { FlowRecord } from '../../analytics/events.js'

/** The fields a test chooses; the rest are those of an export. */
export type ExportFlowFields = Pick<
  FlowRecord,
  | 'orig_h'
  | 'orig_p'
  | 'resp_h'
  | 'resp_p'
  | 'proto'
  | 'orig_bytes'
  | 'resp_bytes'
  | 'orig_ip_bytes'
  | 'resp_ip_bytes'
  | 'orig_pkts'
  | 'resp_pkts'
  | 'conn_state'
>

export function exportedFlow(f: ExportFlowFields): FlowRecord {
  return {
    kind: 'flow',
    ts: 1700000000,
    source: 'netflow:192.0.2.1',
    source_kind: 'netflow',
    uid: `C${f.orig_p}`,
    orig_h: f.orig_h,
    orig_p: f.orig_p,
    resp_h: f.resp_h,
    resp_p: f.resp_p,
    proto: f.proto,
    service: '',
    duration: 1,
    orig_bytes: f.orig_bytes,
    resp_bytes: f.resp_bytes,
    orig_ip_bytes: f.orig_ip_bytes,
    resp_ip_bytes: f.resp_ip_bytes,
    orig_pkts: f.orig_pkts,
    resp_pkts: f.resp_pkts,
    history: '',
    conn_state: f.conn_state,
    end_reason: 'export',
  }
}
