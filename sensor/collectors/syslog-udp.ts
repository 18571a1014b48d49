/**
 * Syslog over UDP (RFC 5426): one datagram is one message. A `node:dgram` socket (udp4 or udp6 by the
 * bind address) receives datagrams; the 'message' callback only stamps the wall-clock receive time and
 * puts the datagram in a bounded ring (messages and bytes capped), and the ring is parsed from `setImmediate`
 * in small batches while datagrams keep arriving and in large ones when the socket is quiet, so that during a burst the event loop goes back to the socket between batches and
 * moves datagrams out of the kernel buffer (capped by net.core.rmem_max) into ours before the kernel drops
 * them. A full ring drops the datagram and counts it (`syslog_errors_total{syslog.udp_queue_full}`);
 * drops in the kernel are not visible to the process (see RcvbufErrors in /proc/net/snmp). Socket errors
 * are counted and do not crash the process. Closing parses what is queued. Not handled: TLS/DTLS (RFC 6012).
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { SyslogIngest } from '../syslog-ingest.js'
import { startUdpReaderThread } from './syslog-udp-thread.js'

export interface SyslogUdpOptions {
  readonly host: string
  readonly port: number
  readonly ingest: SyslogIngest
  /** SO_RCVBUF to request, bytes (default 32 MiB; the kernel caps it at net.core.rmem_max, then doubles it). */
  readonly recvBufferSize?: number
  /** Most datagrams waiting to be parsed; more are dropped and counted (default 262144). */
  readonly maxQueuedMessages?: number
  /** Most bytes of datagrams waiting to be parsed (default 64 MiB). */
  readonly maxQueuedBytes?: number
  /**
   * Datagrams parsed per event-loop turn after a turn in which libuv read its maximum (32 datagrams, so
   * more are waiting in the kernel), before the socket is read again (default 2). After a turn that
   * emptied the socket, up to `idleBatchSize` (default 256) are parsed.
   */
  readonly batchSize?: number
  readonly idleBatchSize?: number
  /**
   * Read the socket in a worker thread (syslog-udp-thread.ts) and parse here, so a burst is taken out of
   * the kernel buffer while the main thread parses (default true). When false, the socket is read on this
   * thread, between parse batches.
   */
  readonly readerThread?: boolean
  /** Called with socket errors after they are counted (`syslog_errors_total{syslog.socket_error}`). */
  readonly onError?: (err: Error) => void
}

export interface SyslogListener {
  readonly address: { address: string; port: number; family: string }
  /** UDP: the receive buffer the kernel granted (bytes, as getsockopt SO_RCVBUF reports it). */
  readonly recvBufferBytes?: number
  close(): Promise<void>
}

/** Fixed-capacity FIFO of received datagrams (parallel arrays, no per-message wrapper object). */
class DatagramRing {
  private readonly bufs: (Buffer | undefined)[]
  private readonly peers: string[]
  private readonly times: Float64Array
  private head = 0
  /** Datagrams held. */
  length = 0
  /** Bytes held. */
  bytes = 0

  constructor(readonly capacity: number) {
    this.bufs = new Array<Buffer | undefined>(capacity).fill(undefined)
    this.peers = new Array<string>(capacity).fill('')
    this.times = new Float64Array(capacity)
  }

  push(buf: Buffer, peer: string, ts: number): void {
    let i = this.head + this.length
    if (i >= this.capacity) i -= this.capacity
    this.bufs[i] = buf
    this.peers[i] = peer
    this.times[i] = ts
    this.length++
    this.bytes += buf.length
  }

  /** Removes up to `max` datagrams from the front and hands each to `fn`. */
  drain(max: number, fn: (buf: Buffer, peer: string, ts: number) => void): void {
    let n = Math.min(max, this.length)
    while (n-- > 0) {
      const i = this.head
      const buf = this.bufs[i]
      this.bufs[i] = undefined
      this.head = i + 1 === this.capacity ? 0 : i + 1
      this.length--
      if (buf === undefined) continue
      this.bytes -= buf.length
      fn(buf, this.peers[i] ?? '', this.times[i] ?? 0)
    }
  }
}

/** Datagrams libuv reads from a socket per event-loop turn (uv__udp_recvmsg). */
const LIBUV_READS_PER_TURN = 32

/** Binds a UDP syslog listener; resolves once bound, rejects on bind failure (EADDRINUSE...). */
export function startSyslogUdp(opts: SyslogUdpOptions): Promise<SyslogListener> {
  if (opts.readerThread !== false) {
    return startUdpReaderThread({
      host: opts.host,
      port: opts.port,
      ingest: opts.ingest,
      recvBufferSize: opts.recvBufferSize ?? 32 * 1024 * 1024,
      maxQueuedMessages: Math.max(1, opts.maxQueuedMessages ?? 262144),
      maxQueuedBytes: opts.maxQueuedBytes ?? 64 * 1024 * 1024,
      ...(opts.onError !== undefined ? { onError: opts.onError } : {}),
    })
  }
  const sock: Socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' })
  const ingest = opts.ingest
  const ring = new DatagramRing(Math.max(1, opts.maxQueuedMessages ?? 262144))
  const maxBytes = opts.maxQueuedBytes ?? 64 * 1024 * 1024
  const batch = Math.max(1, opts.batchSize ?? 2)
  const idleBatch = Math.max(batch, opts.idleBatchSize ?? 256)
  let scheduled = false
  /** Datagrams received since the last drain turn. */
  let arrived = 0
  const handle = (buf: Buffer, peer: string, ts: number) => ingest.handleMessage(buf, 0, buf.length, peer, ts)
  const drain = () => {
    scheduled = false
    // libuv reads at most 32 datagrams per turn: a full read means more are waiting in the kernel.
    ring.drain(arrived >= LIBUV_READS_PER_TURN ? batch : idleBatch, handle)
    arrived = 0
    if (ring.length > 0) {
      scheduled = true
      setImmediate(drain)
    }
  }
  return new Promise((resolve, reject) => {
    let bound = false
    sock.on('error', (err) => {
      if (!bound) {
        reject(err)
        sock.close()
        return
      }
      ingest.counters.inc('syslog_errors_total', 'syslog.socket_error')
      opts.onError?.(err)
    })
    sock.on('message', (msg, rinfo) => {
      if (ring.length >= ring.capacity || ring.bytes + msg.length > maxBytes) {
        ingest.counters.inc('syslog_errors_total', 'syslog.udp_queue_full')
        return
      }
      ring.push(msg, rinfo.address, Date.now() / 1000)
      arrived++
      if (!scheduled) {
        scheduled = true
        setImmediate(drain)
      }
    })
    sock.bind(opts.port, opts.host, () => {
      bound = true
      let granted: number | undefined
      try {
        sock.setRecvBufferSize(opts.recvBufferSize ?? 32 * 1024 * 1024)
      } catch {
        // The kernel limit (net.core.rmem_max) applies; the default buffer is still usable.
      }
      try {
        granted = sock.getRecvBufferSize()
      } catch {
        granted = undefined
      }
      const a = sock.address()
      resolve({
        address: { address: a.address, port: a.port, family: a.family },
        ...(granted !== undefined ? { recvBufferBytes: granted } : {}),
        close: () =>
          new Promise<void>((res) =>
            sock.close(() => {
              // Parse what was received before the close.
              ring.drain(ring.length, handle)
              res()
            }),
          ),
      })
    })
  })
}
