/**
 * Forwards alerts to a SIEM as syslog: RFC 5424 with the alert as structured data plus JSON, or ArcSight CEF
 * inside a syslog message, over UDP (one datagram per alert) or TCP (RFC 6587 octet counting).
 * URL: `udp://host:port`, `tcp://host:port`, optional `?format=rfc5424|cef`. TCP reconnects with backoff and
 * keeps a bounded backlog while disconnected; what does not fit is dropped and counted, never buffered
 * without bound.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIPv6, type Socket } from 'node:net'
import { hostname } from 'node:os'
import type { Counters } from '../../analytics/counters.js'
import type { AlertEvent, Severity } from '../../analytics/events.js'
import { UsageError } from '../errors.js'

export type ForwardFormat = 'rfc5424' | 'cef'

export interface ForwardTarget {
  readonly transport: 'udp' | 'tcp'
  readonly host: string
  readonly port: number
  readonly format: ForwardFormat
}

const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 }
const CEF_SEVERITY: Readonly<Record<Severity, number>> = { critical: 10, high: 8, medium: 5, low: 3, info: 1 }
/** local0 */
const FACILITY = 16
const MAX_BACKLOG = 10_000
/** Bytes queued in a connected TCP socket (a slow SIEM) above which alerts are dropped and counted. */
const MAX_SOCKET_QUEUE_BYTES = 16 * 1024 * 1024
const SD_ID = 'ingress@32473'

export function parseForwardUrl(url: string): ForwardTarget {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new UsageError(`--forward ${url}: not a URL (expected udp://host:port or tcp://host:port).`)
  }
  const transport = u.protocol.replace(':', '')
  if (transport !== 'udp' && transport !== 'tcp') {
    throw new UsageError(`--forward ${url}: the scheme must be udp or tcp.`)
  }
  const port = Number(u.port || 514)
  const format = (u.searchParams.get('format') ?? 'rfc5424') as ForwardFormat
  if (format !== 'rfc5424' && format !== 'cef') {
    throw new UsageError(`--forward ${url}: format must be rfc5424 or cef.`)
  }
  const host = u.hostname.replace(/^\[|\]$/g, '')
  if (!host) throw new UsageError(`--forward ${url}: no host.`)
  return { transport, host, port, format }
}

function sdEscape(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`)
}

function cefHeaderEscape(v: string): string {
  return v.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')
}

function cefValueEscape(v: string): string {
  return v
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, '\\n')
    .replace(/\r/g, '\\r')
}

/** One alert as an RFC 5424 message (no framing). */
export function alertToRfc5424(a: AlertEvent, host = hostname()): string {
  const pri = FACILITY * 8 + SYSLOG_SEVERITY[a.severity]
  const ts = new Date(a.ts * 1000).toISOString()
  const params: [string, string | number | undefined][] = [
    ['detection', a.detection],
    ['technique', a.technique],
    ['severity', a.severity],
    ['score', a.score],
    ['src', a.orig_h],
    ['spt', a.orig_p],
    ['dst', a.resp_h],
    ['dpt', a.resp_p],
    ['uid', a.uid],
    ['host', a.host],
  ]
  const sd = params
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${sdEscape(String(v))}"`)
    .join(' ')
  const { kind: _k, ...body } = a
  const msg = JSON.stringify({ ...body, ts })
  return `<${pri}>1 ${ts} ${host} ingress-sensor - ${a.detection} [${SD_ID} ${sd}] ${msg}`
}

/** One alert as a CEF record inside an RFC 5424 message. */
export function alertToCef(a: AlertEvent, host = hostname()): string {
  const pri = FACILITY * 8 + SYSLOG_SEVERITY[a.severity]
  const ts = new Date(a.ts * 1000).toISOString()
  const ext: [string, string | number | undefined][] = [
    ['rt', Math.round(a.ts * 1000)],
    ['src', a.orig_h],
    ['spt', a.orig_p],
    ['dst', a.resp_h],
    ['dpt', a.resp_p],
    ['proto', a.proto],
    ['dhost', a.host],
    ['suser', a.user],
    ['fname', a.file?.name],
    ['fsize', a.file?.bytes],
    ['fileHash', a.file?.sha256],
    ['cs1Label', 'technique'],
    ['cs1', a.technique],
    ['cs2Label', 'reasons'],
    ['cs2', a.reasons.join('; ')],
    ['cn1Label', 'score'],
    ['cn1', a.score],
    ['externalId', a.uid],
    ['msg', a.message],
  ]
  const extText = ext
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${cefValueEscape(String(v))}`)
    .join(' ')
  const header = [
    'CEF:0',
    'ingress-sensor',
    'ingress-sensor',
    '0.1.0',
    cefHeaderEscape(a.detection),
    cefHeaderEscape(a.message),
    String(CEF_SEVERITY[a.severity]),
  ].join('|')
  return `<${pri}>1 ${ts} ${host} ingress-sensor - ${a.detection} - ${header}|${extText}`
}

export class SiemForwarder {
  private udp: UdpSocket | undefined
  private tcp: Socket | undefined
  private connected = false
  private backlog: Buffer[] = []
  private retryMs = 500
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    readonly target: ForwardTarget,
    private readonly counters: Counters,
  ) {
    if (target.transport === 'udp') {
      this.udp = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4')
      this.udp.on('error', () => this.counters.inc('forward_errors_total', 'udp'))
      this.udp.unref()
    } else {
      this.connect()
    }
  }

  private connect(): void {
    if (this.closed) return
    const sock = connect({ host: this.target.host, port: this.target.port })
    this.tcp = sock
    sock.unref()
    sock.on('connect', () => {
      this.connected = true
      this.retryMs = 500
      const pending = this.backlog
      this.backlog = []
      for (const b of pending) sock.write(b)
    })
    sock.on('error', () => this.counters.inc('forward_errors_total', 'tcp'))
    sock.on('close', () => {
      this.connected = false
      if (this.closed) return
      this.timer = setTimeout(() => this.connect(), this.retryMs)
      this.timer.unref()
      this.retryMs = Math.min(this.retryMs * 2, 30_000)
    })
  }

  send(a: AlertEvent): void {
    const text = this.target.format === 'cef' ? alertToCef(a) : alertToRfc5424(a)
    const msg = Buffer.from(text)
    if (this.udp) {
      this.udp.send(msg, this.target.port, this.target.host)
      this.counters.inc('forward_sent_total', 'udp')
      return
    }
    const framed = Buffer.concat([Buffer.from(`${msg.length} `), msg])
    if (this.connected && this.tcp) {
      if (this.tcp.writableLength > MAX_SOCKET_QUEUE_BYTES) {
        this.counters.inc('forward_dropped_total', 'tcp_slow_receiver')
        return
      }
      this.tcp.write(framed)
      this.counters.inc('forward_sent_total', 'tcp')
    } else if (this.backlog.length < MAX_BACKLOG) {
      this.backlog.push(framed)
    } else {
      this.counters.inc('forward_dropped_total', 'tcp_backlog_full')
    }
  }

  /** Sends what is pending (up to `waitMs`) and closes. */
  async close(waitMs = 2000): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    if (this.udp) {
      const u = this.udp
      await new Promise<void>((r) => u.close(() => r()))
      return
    }
    const t = this.tcp
    if (!t) return
    if (this.backlog.length) this.counters.inc('forward_dropped_total', 'tcp_unsent_at_close', this.backlog.length)
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => {
        t.destroy()
        resolve()
      }, waitMs)
      t.end(() => {
        clearTimeout(done)
        resolve()
      })
    })
  }
}
