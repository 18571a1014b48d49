/**
 * Juniper SRX `RT_FLOW_SESSION_CLOSE` (Junos "System Log Explorer", RT_FLOW): standard text form
 * `session closed REASON: SRC/SPORT->DST/DPORT SERVICE NAT-SRC/P->NAT-DST/P [nat rule fields] PROTO POLICY
 * FROM-ZONE TO-ZONE SESSION-ID PKTS(BYTES) PKTS(BYTES) ELAPSED APPLICATION NESTED-APP …` (client → server
 * first, so bytes are directional), and the structured form (RFC 5424 SD `junos@2636.*` with
 * `source-address`, `bytes-from-client`, `elapsed-time`, `application` …). Not handled: RT_FLOW_SESSION_CREATE
 * / DENY (no byte counts) beyond a deny record for SESSION_DENY.
 */
import { countOf, type DeviceFlow, portOf, protoOf } from './types.js'

const CLOSE =
  /session closed ([^:]+): ([0-9A-Fa-f.:]+)\/(\d+)->([0-9A-Fa-f.:]+)\/(\d+) (\S+) .*? (\d+) (\S+) (\S+) (\S+) (\d+) (\d+)\((\d+)\) (\d+)\((\d+)\) (\d+)(?: (\S+))?(?: (\S+))?/

function endReason(reason: string): { end_reason: DeviceFlow['end_reason']; conn_state: string } {
  const r = reason.toLowerCase()
  if (r.includes('fin')) return { end_reason: 'fin', conn_state: 'SF' }
  if (r.includes('rst')) return { end_reason: 'rst', conn_state: 'RSTO' }
  if (r.includes('timeout') || r.includes('age')) return { end_reason: 'idle', conn_state: 'OTH' }
  return { end_reason: 'export', conn_state: 'OTH' }
}

function app(a: string | undefined, nested: string | undefined): string | undefined {
  const ok = (x: string | undefined) => x !== undefined && x !== '' && x !== 'UNKNOWN' && x !== 'N/A' && x !== 'None'
  if (ok(nested)) return `${a}/${nested}`
  return ok(a) ? a : undefined
}

/** Interprets the text form. */
export function interpretSrxText(message: string, ts: number): DeviceFlow | undefined {
  const m = CLOSE.exec(message)
  if (m === null) return undefined
  const elapsed = countOf(m[16])
  const fw_app = app(m[17], m[18])
  return {
    ts: ts - elapsed,
    orig_h: m[2] ?? '',
    orig_p: portOf(m[3]),
    resp_h: m[4] ?? '',
    resp_p: portOf(m[5]),
    proto: protoOf(m[7] ?? ''),
    duration: elapsed,
    orig_pkts: countOf(m[12]),
    orig_bytes: countOf(m[13]),
    resp_pkts: countOf(m[14]),
    resp_bytes: countOf(m[15]),
    ...endReason(m[1] ?? ''),
    fw_action: 'allow',
    session_id: m[11] ?? '',
    vendor: 'junos-srx',
    ...(fw_app !== undefined ? { fw_app } : {}),
  }
}

/** Interprets the structured-data form (params of the `junos@2636…` SD element). */
export function interpretSrxStructured(p: Readonly<Record<string, string>>, ts: number): DeviceFlow | undefined {
  const src = p['source-address']
  const dst = p['destination-address']
  if (src === undefined || dst === undefined) return undefined
  const elapsed = countOf(p['elapsed-time'])
  const fw_app = app(p.application, p['nested-application'])
  const user = p.username
  return {
    ts: ts - elapsed,
    orig_h: src,
    orig_p: portOf(p['source-port']),
    resp_h: dst,
    resp_p: portOf(p['destination-port']),
    proto: protoOf(p['protocol-id'] ?? ''),
    duration: elapsed,
    orig_pkts: countOf(p['packets-from-client']),
    orig_bytes: countOf(p['bytes-from-client']),
    resp_pkts: countOf(p['packets-from-server']),
    resp_bytes: countOf(p['bytes-from-server']),
    ...endReason(p.reason ?? ''),
    fw_action: 'allow',
    session_id: p['session-id-32'] ?? p['session-id'] ?? '',
    vendor: 'junos-srx',
    ...(fw_app !== undefined ? { fw_app } : {}),
    ...(user !== undefined && user !== 'N/A' ? { user } : {}),
  }
}
