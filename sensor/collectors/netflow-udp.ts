/**
 * The NetFlow v5/v9 and IPFIX UDP collector (RFC 7011 §10.3 for IPFIX over UDP): one node:dgram socket,
 * udp4 or udp6 by the host text, a large receive buffer, every datagram stamped with the wall clock and
 * handed to a NetflowIngest. Bind failures (EADDRINUSE, EACCES) reject the start promise with a
 * CollectorBindError instead of crashing; later socket errors are counted. Not handled: IPFIX over TCP/SCTP.
 */
import dgram from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { NetflowIngest } from '../netflow-ingest.js'

export interface NetflowUdpOptions {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`...). */
  readonly host: string
  /** UDP port (0 = any free port, for tests). */
  readonly port: number
  readonly ingest: NetflowIngest
  /** SO_RCVBUF to ask for (default 32 MiB; the kernel may cap it at net.core.rmem_max). */
  readonly recvBufferBytes?: number
}

export interface NetflowUdpCollector {
  close(): Promise<void>
  readonly address: { address: string; port: number }
}

/** Thrown (as a rejected promise) when the socket cannot be bound. */
export class CollectorBindError extends Error {
  readonly code = 'collector.bind_failed'
  constructor(message: string, options: { cause: unknown }) {
    super(message, options)
    this.name = 'CollectorBindError'
  }
}

export async function startNetflowUdp(opts: NetflowUdpOptions): Promise<NetflowUdpCollector> {
  const host = opts.host.replace(/^\[|\]$/g, '')
  const sock = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false })
  const ingest = opts.ingest
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      sock.close()
      reject(new CollectorBindError(`Cannot listen for flow exports on ${opts.host}:${opts.port}.`, { cause: err }))
    }
    sock.once('error', onError)
    sock.bind(opts.port, host, () => {
      sock.off('error', onError)
      resolve()
    })
  })
  try {
    sock.setRecvBufferSize(opts.recvBufferBytes ?? 32 * 1024 * 1024)
  } catch {
    // The kernel refused the size; the default buffer still works, with more loss under bursts.
  }
  sock.on('error', (err: NodeJS.ErrnoException) => ingest.countInputError(`netflow_udp.${err.code ?? 'error'}`))
  sock.on('message', (msg, rinfo) => {
    // A dual-stack udp6 socket reports IPv4 peers as ::ffff:a.b.c.d; key exporters by the IPv4 text.
    const addr =
      rinfo.address.startsWith('::ffff:') && rinfo.address.includes('.') ? rinfo.address.slice(7) : rinfo.address
    ingest.handleDatagram(msg, 0, msg.length, addr, rinfo.port, Date.now() / 1000)
  })
  const a = sock.address()
  let closed = false
  return {
    address: { address: a.address, port: a.port },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve()
        closed = true
        sock.close(() => resolve())
      }),
  }
}
