/**
 * Syslog over UDP (RFC 5426): one datagram is one message. A `node:dgram` socket (udp4 or udp6 by the
 * bind address) feeds each datagram to the SyslogIngest with the wall-clock receive time. Socket errors
 * are counted and do not crash the process. Not handled: TLS/DTLS (RFC 6012).
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { SyslogIngest } from '../syslog-ingest.js'

export interface SyslogUdpOptions {
  readonly host: string
  readonly port: number
  readonly ingest: SyslogIngest
  /** SO_RCVBUF to request, bytes (default 8 MiB; the kernel may cap it). */
  readonly recvBufferSize?: number
  /** Called with socket errors after they are counted (`syslog_errors_total{syslog.socket_error}`). */
  readonly onError?: (err: Error) => void
}

export interface SyslogListener {
  readonly address: { address: string; port: number; family: string }
  close(): Promise<void>
}

/** Binds a UDP syslog listener; resolves once bound, rejects on bind failure (EADDRINUSE...). */
export function startSyslogUdp(opts: SyslogUdpOptions): Promise<SyslogListener> {
  const sock: Socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' })
  return new Promise((resolve, reject) => {
    let bound = false
    sock.on('error', (err) => {
      if (!bound) {
        reject(err)
        sock.close()
        return
      }
      opts.ingest.counters.inc('syslog_errors_total', 'syslog.socket_error')
      opts.onError?.(err)
    })
    sock.on('message', (msg, rinfo) => {
      opts.ingest.handleMessage(msg, 0, msg.length, rinfo.address, Date.now() / 1000)
    })
    sock.bind(opts.port, opts.host, () => {
      bound = true
      try {
        sock.setRecvBufferSize(opts.recvBufferSize ?? 8 * 1024 * 1024)
      } catch {
        // The kernel limit (net.core.rmem_max) applies; the default buffer is still usable.
      }
      const a = sock.address()
      resolve({
        address: { address: a.address, port: a.port, family: a.family },
        close: () => new Promise<void>((res) => sock.close(() => res())),
      })
    })
  })
}
