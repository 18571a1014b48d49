/**
 * Syslog ingest: one received message (datagram or TCP frame or archive line) → a SyslogEvent, plus a
 * FlowRecord when a network device describes a connection (ASA, IOS ACL, SRX, PAN-OS, Fortinet) or a
 * HostEvent when the message is a forwarded Windows event or an auditd EXECVE record. Counts messages,
 * parse problems (by code, `syslog_errors_total{code}`), flows (by vendor) and host events (by id).
 * The reporter of a flow is the syslog HOSTNAME, else the sender's address.
 */
import type { Counters } from '../analytics/counters.js'
import type { FlowRecord, HostEvent, SensorEvent, SyslogEvent } from '../analytics/events.js'
import { parseAuditdExecve } from '../decoders/syslog/host/auditd.js'
import type { HostFields } from '../decoders/syslog/host/types.js'
import { parseProbedWindowsEvent, probeWindowsEvent } from '../decoders/syslog/host/windows.js'
import { parseSyslog } from '../decoders/syslog/parse.js'
import { AsaState, type DeviceFlow, interpretNetworkLine } from '../decoders/syslog/vendors/index.js'

export interface SyslogIngestOptions {
  /** Where events go (the pipeline's analytics engine). */
  readonly emit: (ev: SensorEvent) => void
  readonly counters: Counters
  /** Collector id prefix for `source` (`syslog`, `syslog-udp:0.0.0.0:514`). */
  readonly source: string
  /** Reference time (s) for the year of RFC 3164 timestamps (archives); default: the receive time. */
  readonly referenceTs?: number
  /** Offset from UTC (minutes) of timestamps without a zone; default 0 (UTC). */
  readonly tzOffsetMinutes?: number
  /** Largest message accepted, bytes (default 65536). */
  readonly maxMessageBytes?: number
  /** Emit a SyslogEvent for every message (default true). */
  readonly emitSyslogEvents?: boolean
  /** Largest number of ASA Built messages remembered awaiting their Teardown (default 65536). */
  readonly maxAsaConnections?: number
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Deterministic Zeek-style uid (`C` + base62) from the identifying text of a logged connection. */
export function logFlowUid(key: string): string {
  const h = new UidHash()
  h.add(key)
  return h.uid()
}

/** The two 32-bit FNV-style hashes behind logFlowUid, fed piecewise (no key string built per flow). */
class UidHash {
  h1 = 0x811c9dc5
  h2 = 0x01000193

  add(s: string): this {
    let h1 = this.h1
    let h2 = this.h2
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0
    }
    this.h1 = h1
    this.h2 = h2
    return this
  }

  /** Adds `|` then `s`. */
  sep(s: string): this {
    this.h1 = Math.imul(this.h1 ^ 124, 0x01000193) >>> 0
    this.h2 = Math.imul(this.h2 ^ 124, 0x5bd1e995) >>> 0
    return this.add(s)
  }

  uid(): string {
    return `C${base62x6(this.h1)}${base62x6(this.h2)}`
  }
}

/** Six base62 digits of a uint32, least significant first. */
function base62x6(h: number): string {
  let out = ''
  let v = h
  for (let k = 0; k < 6; k++) {
    const q = Math.floor(v / 62)
    out += B62[v - q * 62]
    v = q
  }
  return out
}

export class SyslogIngest {
  private readonly asa: AsaState
  private readonly uidHash = new UidHash()
  private readonly parseOpts: { maxMessageBytes?: number; tzOffsetMinutes?: number; referenceTs?: number }

  constructor(private readonly opts: SyslogIngestOptions) {
    this.asa = new AsaState(opts.maxAsaConnections ?? 65536)
    const po: { maxMessageBytes?: number; tzOffsetMinutes?: number; referenceTs?: number } = {}
    if (opts.maxMessageBytes !== undefined) po.maxMessageBytes = opts.maxMessageBytes
    if (opts.tzOffsetMinutes !== undefined) po.tzOffsetMinutes = opts.tzOffsetMinutes
    if (opts.referenceTs !== undefined) po.referenceTs = opts.referenceTs
    this.parseOpts = po
  }

  /** The counters this ingest writes to (collectors count framing and connection events there too). */
  get counters(): Counters {
    return this.opts.counters
  }

  /** Handles one message in `bytes[off, end)` from `peer` (address text, or undefined for files). */
  handleMessage(bytes: Buffer, off: number, end: number, peer: string | undefined, receivedTs: number): void {
    const c = this.opts.counters
    c.inc('syslog_messages_total')
    const r = parseSyslog(bytes, receivedTs, this.parseOpts, off, end)
    if (!r.ok) {
      c.inc('syslog_errors_total', r.error.code)
      return
    }
    const p = r.value
    for (const w of p.warnings) c.inc('syslog_errors_total', w)
    const source = this.opts.source
    if (this.opts.emitSyslogEvents !== false) {
      const ev: { -readonly [K in keyof SyslogEvent]: SyslogEvent[K] } = {
        kind: 'syslog',
        ts: p.ts,
        source,
        format: p.format,
        message: p.message,
      }
      if (p.facility !== undefined) ev.facility = p.facility
      if (p.severity !== undefined) ev.severity = p.severity
      if (p.hostname !== undefined) ev.hostname = p.hostname
      if (p.app_name !== undefined) ev.app_name = p.app_name
      if (p.proc_id !== undefined) ev.proc_id = p.proc_id
      if (p.msg_id !== undefined) ev.msg_id = p.msg_id
      if (p.structured_data !== undefined) ev.structured_data = p.structured_data
      if (peer !== undefined) ev.peer = peer
      this.opts.emit(ev)
    }
    const reporter = p.hostname ?? peer ?? 'unknown'
    const flow = interpretNetworkLine(p, reporter, this.asa)
    if (flow !== undefined) {
      c.inc('syslog_flows_total', flow.vendor)
      this.opts.emit(this.toFlow(flow, reporter, source))
      return
    }
    let host: HostFields | undefined
    if (probeWindowsEvent(p.message)) host = parseProbedWindowsEvent(p.message, p.hostname, p.app_name)
    else if (p.message.includes('type=EXECVE')) host = parseAuditdExecve(p.message, p.hostname)
    if (host !== undefined) {
      c.inc('syslog_host_events_total', host.event_id)
      this.opts.emit(this.toHost(host, p.ts, source, p.message, peer))
    }
  }

  private toFlow(f: DeviceFlow, reporter: string, source: string): FlowRecord {
    // Same as logFlowUid(`${reporter}|${vendor}|${session_id}|${ts}|${orig_h}|${orig_p}|${resp_h}|${resp_p}|${proto}`).
    this.uidHash.h1 = 0x811c9dc5
    this.uidHash.h2 = 0x01000193
    const uid = this.uidHash
      .add(reporter)
      .sep(f.vendor)
      .sep(f.session_id ?? '')
      .sep(String(f.ts))
      .sep(f.orig_h)
      .sep(String(f.orig_p))
      .sep(f.resp_h)
      .sep(String(f.resp_p))
      .sep(f.proto)
      .uid()
    const rec: { -readonly [K in keyof FlowRecord]: FlowRecord[K] } = {
      kind: 'flow',
      ts: f.ts,
      source,
      uid,
      orig_h: f.orig_h,
      orig_p: f.orig_p,
      resp_h: f.resp_h,
      resp_p: f.resp_p,
      proto: f.proto,
      source_kind: 'syslog',
      service: '',
      duration: f.duration,
      orig_bytes: f.orig_bytes,
      resp_bytes: f.resp_bytes,
      orig_ip_bytes: f.orig_bytes,
      resp_ip_bytes: f.resp_bytes,
      orig_pkts: f.orig_pkts,
      resp_pkts: f.resp_pkts,
      history: '',
      conn_state: f.conn_state,
      end_reason: f.end_reason,
      reporter,
    }
    if (f.bytes_undirected) rec.bytes_undirected = true
    if (f.fw_action !== undefined) rec.fw_action = f.fw_action
    if (f.fw_app !== undefined) rec.fw_app = f.fw_app
    return rec
  }

  private toHost(h: HostFields, ts: number, source: string, raw: string, peer: string | undefined): HostEvent {
    const { ts: recordTs, ...rest } = h
    const ev: { -readonly [K in keyof HostEvent]: HostEvent[K] } = {
      kind: 'host',
      ts: recordTs ?? ts,
      source,
      ...rest,
      raw,
    }
    if (ev.host === '' && peer !== undefined) ev.host = peer
    return ev
  }
}
