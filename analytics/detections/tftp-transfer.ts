/**
 * tftp-transfer: every TFTP read or write (RFC 1350) with its file name, mode, options, blocks and bytes, joined
 * with the FileEvent of its data phase (type from magic, SHA-256 when complete). Executable content scores high;
 * any TFTP to or from the internet and uploads (WRQ) to external hosts score higher; transfers that ended in an
 * ERROR are reported at low. From flow exports and logs (no payload): UDP/69 flows by port, with the data flow that
 * follows between the same hosts when it was seen. Suricata logs TFTP without files and Zeek has no TFTP analyzer
 * (anchors.md §1); ET 2008116/2008120 match requests only.
 * Not handled: joining a FileEvent that arrives after its TftpEvent (the app layer emits the file first).
 */
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, AlertFile, FileEvent, FlowRecord, SensorEvent, TftpEvent } from '../events.js'
import { boundaryRows, boundedSet, type Row, TRANSFER_BASE, transferTotal, typeRows } from './transfer-score.js'

/** Highest score of a TFTP transfer that ended in an error or carried no data. */
const NOTHING_MOVED_MAX = 28

export interface TftpTransferParams {
  /** Seconds during which the same transfer (client, server, file, op) is one alert. */
  readonly suppress_for_s: number
  /** FileEvents and flow records kept for joining (oldest evicted). */
  readonly max_pending: number
  /** Seconds after a UDP/69 flow during which a flow between the same hosts is taken as its data phase. */
  readonly data_window_s: number
}

const def = defineDetection<TftpTransferParams>({
  id: 'tftp-transfer',
  title: 'TFTP file transfer',
  description:
    "A TFTP read or write request followed to its data phase on the server's new port, with the file's type and " +
    'hash; or a UDP/69 flow in flow exports or logs.',
  severity: 'low',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: ['attack.t1105', 'attack.t1570'],
  references: ['https://datatracker.ietf.org/doc/html/rfc1350', 'https://attack.mitre.org/techniques/T1105/'],
  falsePositives: ['Network devices and PXE clients fetching boot images and configurations from internal servers.'],
  inputs: ['tftp', 'file', 'flow'],
  params: { suppress_for_s: 3600, max_pending: 1024, data_window_s: 60 },
  create(p, ctx) {
    const files = new Map<string, FileEvent>()
    const requests = new Map<string, FlowRecord>()
    const dataFlows = new Map<string, FlowRecord>()
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        if (ev.kind === 'file') {
          const req = ev.context?.request_uid
          if (ev.file_proto === 'tftp' && typeof req === 'string') boundedSet(files, req, ev, p.max_pending)
          return undefined
        }
        if (ev.kind === 'tftp') {
          const f = files.get(ev.uid)
          files.delete(ev.uid)
          return [fromTransfer(ev, f, p, ctx)]
        }
        if (ev.kind === 'flow' && ev.proto === 'udp' && ev.source_kind !== 'pcap') return fromFlow(ev)
        return undefined
      },
    }

    function fromFlow(ev: FlowRecord): AlertEvent[] | undefined {
      const pair = pairKey(ev.orig_h, ev.resp_h)
      if (ev.resp_p === 69) {
        boundedSet(requests, pair, ev, p.max_pending)
        const data = dataFlows.get(pair)
        const use = data !== undefined && Math.abs(data.ts - ev.ts) <= p.data_window_s ? data : undefined
        return [flowAlert(ev, use, p, ctx)]
      }
      if (ev.orig_p > 1023 && ev.resp_p > 1023) {
        const req = requests.get(pair)
        if (req !== undefined && Math.abs(ev.ts - req.ts) <= p.data_window_s) {
          // The request flow already alerted; the data flow adds its volume to a second, joined alert.
          requests.delete(pair)
          return [flowAlert(req, ev, p, ctx)]
        }
        boundedSet(dataFlows, pair, ev, p.max_pending)
      }
      return undefined
    }
  },
})

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

function sum(rows: readonly Row[], base: number): number {
  return rows.reduce((s, r) => s + r.points, base)
}

function fromTransfer(
  ev: TftpEvent,
  f: FileEvent | undefined,
  p: TftpTransferParams,
  ctx: DetectionContext,
): AlertEvent {
  const upload = ev.op === 'write'
  const opts =
    ev.options !== undefined
      ? Object.entries(ev.options)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : ''
  const reasons: string[] = [
    `TFTP ${upload ? 'WRQ (upload)' : 'RRQ (download)'} of "${ev.filename}" mode ${ev.mode}${opts !== '' ? ` options ${opts}` : ''}: ${ev.blocks} blocks, ${ev.bytes} bytes${ev.complete ? '' : ', incomplete'}`,
  ]
  const rows: Row[] = [...boundaryRows(ctx, ev.orig_h, ev.resp_h, upload)]
  if (f !== undefined) rows.push(...typeRows(f))
  let score = transferTotal(ctx, ev.orig_h, ev.resp_h, TRANSFER_BASE, rows)
  // A failed or empty transfer moved nothing: low at most, even with the scorer's context (28 × 1.35 < 40).
  if (ev.error_code !== undefined) {
    reasons.push(`ended with TFTP ERROR ${ev.error_code} "${ev.error_msg ?? ''}" (score at most ${NOTHING_MOVED_MAX})`)
    score = Math.min(score, NOTHING_MOVED_MAX)
  } else if (ev.blocks === 0) {
    reasons.push(`no data phase seen (score at most ${NOTHING_MOVED_MAX})`)
    score = Math.min(score, NOTHING_MOVED_MAX)
  }
  reasons.push(...rows.map((r) => r.reason))
  const file: AlertFile | undefined =
    f !== undefined
      ? {
          name: ev.filename,
          direction: upload ? 'upload' : 'download',
          bytes: f.bytes,
          type: f.type,
          ...(f.type_detail !== undefined ? { type_detail: f.type_detail } : {}),
          ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
          complete: f.complete,
        }
      : ev.bytes > 0 || ev.blocks > 0
        ? {
            name: ev.filename,
            direction: upload ? 'upload' : 'download',
            bytes: ev.bytes,
            type: 'unknown',
            complete: ev.complete,
          }
        : undefined
  const evidence = [
    {
      ts: ev.ts,
      source: 'tftp',
      what: `TFTP ${ev.op} "${ev.filename}" (${ev.mode}) ${ev.orig_h} ↔ ${ev.resp_h}, ${ev.blocks} blocks, ${ev.bytes} bytes.`,
      filename: ev.filename,
      mode: ev.mode,
      blocks: ev.blocks,
      bytes: ev.bytes,
      complete: ev.complete,
      ...(ev.data_port !== undefined ? { data_port: ev.data_port } : {}),
      ...(ev.error_code !== undefined ? { error_code: ev.error_code } : {}),
    },
  ]
  if (f !== undefined) {
    evidence.push({
      ts: f.ts,
      source: 'file',
      what: `Data phase on ${f.orig_h}:${f.orig_p} ↔ ${f.resp_h}:${f.resp_p} carried ${f.bytes} bytes of ${f.type}.`,
      filename: ev.filename,
      mode: ev.mode,
      blocks: ev.blocks,
      bytes: f.bytes,
      complete: f.complete,
      head_hex: f.head_hex,
    } as (typeof evidence)[number])
  }
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message: `TFTP ${upload ? 'upload' : 'download'} of ${ev.filename} between ${ev.orig_h} and ${ev.resp_h} (${ev.bytes} bytes${f !== undefined ? `, ${f.type}` : ''}).`,
    score,
    reasons,
    evidence,
    conn: ev,
    service: 'tftp',
    ...(file !== undefined ? { file } : {}),
    identifier: `tftp:${ev.orig_h}:${ev.resp_h}:${ev.op}:${ev.filename}`,
    suppress_for: p.suppress_for_s,
    details: { op: ev.op, mode: ev.mode, blocks: ev.blocks, ...(opts !== '' ? { options: opts } : {}) },
  })
}

function flowAlert(
  req: FlowRecord,
  data: FlowRecord | undefined,
  p: TftpTransferParams,
  ctx: DetectionContext,
): AlertEvent {
  const rows = boundaryRows(ctx, req.orig_h, req.resp_h, false)
  const reasons = [`UDP/69 flow in ${req.source_kind} records: TFTP by port alone (no payload seen)`]
  if (data !== undefined) reasons.push(`data flow between the same hosts: ${data.orig_bytes + data.resp_bytes} bytes`)
  reasons.push(...rows.map((r) => r.reason))
  const evidence = [
    {
      ts: req.ts,
      source: req.source_kind,
      what: `Flow ${req.orig_h}:${req.orig_p} → ${req.resp_h}:69, ${req.orig_bytes} bytes.`,
      orig_bytes: req.orig_bytes,
    },
  ]
  if (data !== undefined)
    evidence.push({
      ts: data.ts,
      source: data.source_kind,
      what: `Flow ${data.orig_h}:${data.orig_p} → ${data.resp_h}:${data.resp_p}, ${data.orig_bytes}/${data.resp_bytes} bytes.`,
      orig_bytes: data.orig_bytes,
    })
  return makeAlert(def, ctx, {
    ts: data?.ts ?? req.ts,
    source: req.source,
    message: `TFTP (UDP/69) between ${req.orig_h} and ${req.resp_h} in ${req.source_kind} records.`,
    score: sum(rows, 25),
    reasons,
    evidence,
    conn: req,
    service: 'tftp',
    identifier: `tftp:${req.orig_h}:${req.resp_h}:flow${data !== undefined ? ':data' : ''}`,
    suppress_for: p.suppress_for_s,
  })
}

export default def
