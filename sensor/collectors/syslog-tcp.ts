/**
 * Syslog over TCP (RFC 6587) with `node:net`: per connection an RFC 6587 framer (octet counting or
 * LF/CRLF/NUL, autodetected per frame, max frame size), an idle timeout, a cap on concurrent connections,
 * and half-open handling (a peer that ends its side gets its last frame delivered and the socket closed).
 * Memory per connection is bounded by the framer (one partial frame). Counters:
 * `syslog_tcp_connections_total`, `syslog_tcp_closed_total{reason}`, `syslog_errors_total{code}` for
 * framing drops. Not handled: TLS (RFC 5425).
 */
import { createServer, type Socket } from 'node:net'
import type { Counters } from '../../analytics/counters.js'
import { DEFAULT_MAX_FRAME_BYTES, SyslogFramer } from '../../decoders/syslog/framing.js'
import type { SyslogIngest } from '../syslog-ingest.js'
import type { SyslogListener } from './syslog-udp.js'

export interface SyslogTcpOptions {
  readonly host: string
  readonly port: number
  readonly ingest: SyslogIngest
  /** Counters for connection and framing events (default: the ingest's counters). */
  readonly counters?: Counters
  /** Largest frame, bytes (default 65536). */
  readonly maxFrameBytes?: number
  /** Close a connection idle this long, seconds (default 300; 0 disables). */
  readonly idleTimeoutS?: number
  /** Most concurrent connections; more are refused (default 1024). */
  readonly maxConnections?: number
}

/** Starts a TCP syslog listener; resolves once listening. */
export function startSyslogTcp(opts: SyslogTcpOptions): Promise<SyslogListener> {
  const sockets = new Set<Socket>()
  const c = opts.counters ?? opts.ingest.counters
  const idleMs = (opts.idleTimeoutS ?? 300) * 1000
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (sock) => {
    sockets.add(sock)
    c?.inc('syslog_tcp_connections_total')
    const peer = sock.remoteAddress
    // Receive time of the chunk being framed (one clock read per chunk, not per message).
    let chunkTs = Date.now() / 1000
    const framer = new SyslogFramer(
      (buf, off, end) => opts.ingest.handleMessage(buf, off, end, peer, chunkTs),
      (reason) => c?.inc('syslog_errors_total', reason),
      { maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES },
    )
    if (idleMs > 0) sock.setTimeout(idleMs)
    sock.on('data', (chunk: Buffer) => {
      chunkTs = Date.now() / 1000
      framer.push(chunk)
    })
    sock.on('end', () => {
      chunkTs = Date.now() / 1000
      // The peer half-closed: deliver what is complete and close our side too.
      framer.end()
      c?.inc('syslog_tcp_closed_total', 'peer_end')
      sock.end()
    })
    sock.on('timeout', () => {
      chunkTs = Date.now() / 1000
      c?.inc('syslog_tcp_closed_total', 'idle_timeout')
      framer.end()
      sock.destroy()
    })
    sock.on('error', (err: NodeJS.ErrnoException) => {
      c?.inc('syslog_tcp_closed_total', err.code ?? 'error')
    })
    sock.on('close', () => sockets.delete(sock))
  })
  server.maxConnections = opts.maxConnections ?? 1024
  server.on('drop', () => c?.inc('syslog_tcp_closed_total', 'max_connections'))
  return new Promise((resolve, reject) => {
    let listening = false
    server.on('error', (err) => {
      if (!listening) reject(err)
      else c?.inc('syslog_errors_total', 'syslog.server_error')
    })
    server.listen(opts.port, opts.host, () => {
      listening = true
      const a = server.address()
      const address =
        a !== null && typeof a === 'object'
          ? { address: a.address, port: a.port, family: a.family }
          : { address: opts.host, port: opts.port, family: 'IPv4' }
      resolve({
        address,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy()
            server.close(() => res())
          }),
      })
    })
  })
}
