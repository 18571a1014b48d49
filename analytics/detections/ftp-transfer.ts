/**
 * ftp-transfer: each file moved over FTP (RETR downloads, STOR/APPE/STOU uploads) with its name, direction, bytes,
 * type and SHA-256 from the data connection's FileEvent, which the app layer links to its command through the
 * expected-connection table (passive and active mode). Executable content scores high; transfers with the
 * internet and uploads to external servers score higher. A transfer whose data connection was not captured is
 * still reported from the control channel (command, name, announced size) once its final reply is seen and no
 * file arrived within `join_window_s`. From flow exports and logs: a TCP/21 control flow followed by a data flow
 * between the same hosts (by port alone). Listings (LIST/NLST/MLSD) are not reported.
 */
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, FileEvent, FlowRecord, FtpEvent, SensorEvent } from '../events.js'
import { alertFileOf } from './alert-file.js'
import { boundaryRows, boundedSet, type Row, TRANSFER_BASE, transferTotal, typeRows } from './transfer-score.js'

export interface FtpTransferParams {
  /** Seconds during which the same transfer (hosts, name, direction) is one alert. */
  readonly suppress_for_s: number
  /** Seconds to wait for a data connection's FileEvent before reporting a transfer from the control channel alone. */
  readonly join_window_s: number
  /** Pending commands, seen files and control flows kept (oldest evicted). */
  readonly max_pending: number
}

const TRANSFER = new Set(['RETR', 'STOR', 'APPE', 'STOU'])
const EXEC_NAME = /\.(exe|dll|scr|sys|msi|ps1|bat|cmd|vbs|js|hta|jar|apk|elf|sh|bin|so|dmg)$/i

const def = defineDetection<FtpTransferParams>({
  id: 'ftp-transfer',
  title: 'FTP file transfer',
  description:
    'A file downloaded (RETR) or uploaded (STOR/APPE/STOU) over FTP, followed from the control channel to its data ' +
    'connection, with the file type from magic and its hash; or FTP control + data flows in flow exports or logs.',
  severity: 'low',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: ['attack.t1105', 'attack.t1570'],
  references: [
    'https://datatracker.ietf.org/doc/html/rfc959',
    'https://lolbas-project.github.io/lolbas/Binaries/Ftp/',
    'https://attack.mitre.org/techniques/T1105/',
  ],
  falsePositives: ['Software mirrors and internal FTP servers used for backups or firmware.'],
  inputs: ['ftp', 'file', 'flow'],
  params: { suppress_for_s: 3600, join_window_s: 60, max_pending: 1024 },
  create(p, ctx) {
    const pending = new Map<string, FtpEvent>()
    const seenFiles = new Map<string, number>()
    const controls = new Map<string, FlowRecord>()
    const flush = (ts: number, all: boolean): AlertEvent[] | undefined => {
      const out: AlertEvent[] = []
      for (const [k, ev] of pending) {
        if (!all && ts - ev.ts < p.join_window_s) continue
        pending.delete(k)
        out.push(fromControl(ev, p, ctx))
      }
      return out.length > 0 ? out : undefined
    }
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        if (ev.kind === 'file') {
          if (ev.file_proto !== 'ftp') return undefined
          const cmd = String(ev.context?.command ?? '')
          if (cmd !== '' && cmd !== 'unknown' && !TRANSFER.has(cmd)) return undefined
          const key = `${String(ev.context?.control_uid ?? '')}|${ev.name ?? ''}`
          pending.delete(key)
          boundedSet(seenFiles, key, ev.ts, p.max_pending)
          return [fromFile(ev, p, ctx)]
        }
        if (ev.kind === 'ftp') {
          // Only transfers the server accepted (2xx final reply); failed ones moved no file.
          if (!TRANSFER.has(ev.command) || ev.reply_code === undefined || ev.reply_code >= 300) return undefined
          const key = `${ev.uid}|${ev.arg ?? ''}`
          if (seenFiles.has(key)) return undefined
          boundedSet(pending, key, ev, p.max_pending)
          return flush(ev.ts, false)
        }
        if (ev.kind === 'flow' && ev.proto === 'tcp' && ev.source_kind !== 'pcap') return fromFlow(ev)
        return undefined
      },
      onTick(ts: number) {
        return flush(ts, false)
      },
      onEnd(ts: number) {
        return flush(ts, true)
      },
    }

    function fromFlow(ev: FlowRecord): AlertEvent[] | undefined {
      const pair = ev.orig_h < ev.resp_h ? `${ev.orig_h}|${ev.resp_h}` : `${ev.resp_h}|${ev.orig_h}`
      if (ev.resp_p === 21) {
        boundedSet(controls, pair, ev, p.max_pending)
        return undefined
      }
      const ctl = controls.get(pair)
      if (ctl === undefined || Math.abs(ev.ts - ctl.ts) > 3600) return undefined
      const active = ev.orig_p === 20 || ev.resp_p === 20
      if (!active && (ev.orig_p < 1024 || ev.resp_p < 1024)) return undefined
      return [flowAlert(ctl, ev, p, ctx)]
    }
  },
})

function total(rows: readonly Row[], base: number): number {
  return rows.reduce((s, r) => s + r.points, base)
}

/** The client of the transfer: the control connection's originator, or the data flow's end that is not the server. */
function clientServer(f: FileEvent): { client: string; server: string } {
  // Download: the client receives. sender_is_orig tells which end of the data flow sent the bytes.
  const sender = f.sender_is_orig ? f.orig_h : f.resp_h
  const receiver = f.sender_is_orig ? f.resp_h : f.orig_h
  return f.direction === 'download' ? { client: receiver, server: sender } : { client: sender, server: receiver }
}

function fromFile(f: FileEvent, p: FtpTransferParams, ctx: DetectionContext): AlertEvent {
  const upload = f.direction === 'upload'
  const cmd = String(f.context?.command ?? 'unknown')
  const user = f.context?.user
  const { client, server } = clientServer(f)
  const rows: Row[] = [...boundaryRows(ctx, client, server, upload), ...typeRows(f)]
  const score = transferTotal(ctx, client, server, TRANSFER_BASE, rows)
  const reasons = [
    `FTP ${cmd} ${upload ? 'upload' : 'download'} of "${f.name ?? '?'}": ${f.bytes} bytes of ${f.type}${f.complete ? '' : ' (incomplete)'}`,
    ...rows.map((r) => r.reason),
  ]
  const file = alertFileOf(f)
  return makeAlert(def, ctx, {
    ts: f.ts,
    source: f.source,
    message: `FTP ${upload ? 'upload' : 'download'} of ${f.name ?? 'a file'} between ${client} and ${server} (${f.bytes} bytes, ${f.type}).`,
    score,
    reasons,
    evidence: [
      {
        ts: f.ts,
        source: 'file',
        what: `Data connection ${f.orig_h}:${f.orig_p} → ${f.resp_h}:${f.resp_p} carried ${f.bytes} bytes (${f.type}) for ${cmd}.`,
        command: cmd,
        head_hex: f.head_hex,
        control_uid: String(f.context?.control_uid ?? ''),
        ...(f.total_bytes !== undefined ? { announced_bytes: f.total_bytes } : {}),
      },
    ],
    conn: f,
    service: 'ftp-data',
    file,
    ...(typeof user === 'string' ? { user } : {}),
    identifier: `ftp:${client}:${server}:${f.direction}:${f.name ?? f.sha256 ?? f.uid}`,
    suppress_for: p.suppress_for_s,
    details: { command: cmd },
  })
}

function fromControl(ev: FtpEvent, p: FtpTransferParams, ctx: DetectionContext): AlertEvent {
  const upload = ev.command !== 'RETR'
  const rows: Row[] = [...boundaryRows(ctx, ev.orig_h, ev.resp_h, upload)]
  if (ev.arg !== undefined && EXEC_NAME.test(ev.arg))
    rows.push({ points: 10, reason: `file name has an executable extension (+10)` })
  const reasons = [
    `FTP ${ev.command} "${ev.arg ?? ''}" → ${ev.reply_code ?? '?'}; data connection not seen, content unknown`,
    ...rows.map((r) => r.reason),
  ]
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message: `FTP ${upload ? 'upload' : 'download'} of ${ev.arg ?? 'a file'} on ${ev.orig_h} → ${ev.resp_h}:${ev.resp_p} (control channel only).`,
    score: total(rows, 20),
    reasons,
    evidence: [
      {
        ts: ev.ts,
        source: 'ftp',
        what: `Command ${ev.command} ${ev.arg ?? ''}, reply ${ev.reply_code ?? ''} ${ev.reply_msg ?? ''}.`,
        command: ev.command,
        ...(ev.file_size !== undefined ? { announced_bytes: ev.file_size } : {}),
      },
    ],
    conn: ev,
    service: 'ftp',
    file: {
      direction: upload ? 'upload' : 'download',
      bytes: 0,
      type: 'unknown',
      complete: false,
      ...(ev.arg !== undefined ? { name: ev.arg } : {}),
    },
    ...(ev.user !== undefined ? { user: ev.user } : {}),
    identifier: `ftp:${ev.orig_h}:${ev.resp_h}:${upload ? 'upload' : 'download'}:${ev.arg ?? ''}`,
    suppress_for: p.suppress_for_s,
    details: { command: ev.command, ...(ev.file_size !== undefined ? { announced_bytes: ev.file_size } : {}) },
  })
}

function flowAlert(ctl: FlowRecord, data: FlowRecord, p: FtpTransferParams, ctx: DetectionContext): AlertEvent {
  const rows = boundaryRows(ctx, ctl.orig_h, ctl.resp_h, false)
  return makeAlert(def, ctx, {
    ts: data.ts,
    source: data.source,
    message: `FTP control (TCP/21) and data flow between ${ctl.orig_h} and ${ctl.resp_h} in ${data.source_kind} records.`,
    score: total(rows, 25),
    reasons: [
      `TCP/21 control flow and a data flow between the same hosts in ${data.source_kind} records (by port alone)`,
      `data flow ${data.orig_bytes + data.resp_bytes} bytes`,
      ...rows.map((r) => r.reason),
    ],
    evidence: [
      {
        ts: ctl.ts,
        source: ctl.source_kind,
        what: `Control flow ${ctl.orig_h}:${ctl.orig_p} → ${ctl.resp_h}:21.`,
      },
      {
        ts: data.ts,
        source: data.source_kind,
        what: `Data flow ${data.orig_h}:${data.orig_p} → ${data.resp_h}:${data.resp_p}, ${data.orig_bytes}/${data.resp_bytes} bytes.`,
        orig_bytes: data.orig_bytes,
        resp_bytes: data.resp_bytes,
      },
    ],
    conn: data,
    service: 'ftp-data',
    identifier: `ftp:${ctl.orig_h}:${ctl.resp_h}:flow:${data.orig_p}:${data.resp_p}`,
    suppress_for: p.suppress_for_s,
  })
}

export default def
