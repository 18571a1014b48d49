/**
 * A UDP reader thread for the syslog collector, as rsyslog's imudp has one: a `worker_threads` Worker owns
 * the `node:dgram` socket and does nothing but read datagrams, stamp their receive time and copy them into
 * batches (bytes, lengths, times, peers) that it transfers to the main thread, where the SyslogIngest parses
 * them. The kernel buffer (capped by net.core.rmem_max) is thus emptied at the reader's pace, not the
 * parser's, and a burst waits in our memory instead of being dropped by the kernel. What waits is bounded
 * (messages and bytes, shared counters the reader checks before queueing); beyond that the reader drops
 * and counts (`syslog_errors_total{syslog.udp_queue_full}`). The worker's code is plain JavaScript given
 * as a string (no file to resolve, the same under tsx and compiled). Not handled: DTLS.
 */
import { isIPv6 } from 'node:net'
import { Worker } from 'node:worker_threads'
import type { SyslogIngest } from '../syslog-ingest.js'

export interface UdpThreadOptions {
  readonly host: string
  readonly port: number
  readonly ingest: SyslogIngest
  readonly recvBufferSize: number
  readonly maxQueuedMessages: number
  readonly maxQueuedBytes: number
  readonly onError?: (err: Error) => void
}

export interface UdpThreadListener {
  readonly address: { address: string; port: number; family: string }
  readonly recvBufferBytes?: number
  close(): Promise<void>
}

/** Shared Int32 slots: messages queued, bytes queued, datagrams dropped (queue full). */
const Q_MSGS = 0
const Q_BYTES = 1
const DROPPED = 2

const READER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createSocket } = require('node:dgram')
const { host, port, type, recvBufferSize, maxMsgs, maxBytes, shared } = workerData
const q = new Int32Array(shared)
const CAP_MSGS = 4096
const CAP_BYTES = 1 << 20
let data = new Uint8Array(CAP_BYTES + 65536)
let lens = new Uint32Array(CAP_MSGS)
let times = new Float64Array(CAP_MSGS)
let peerIdx = new Uint16Array(CAP_MSGS)
let peers = []
let peerMap = new Map()
let n = 0
let used = 0
let scheduled = false
const flush = () => {
  scheduled = false
  if (n === 0) return
  const batch = { data: data.slice(0, used), lens: lens.slice(0, n), times: times.slice(0, n), peerIdx: peerIdx.slice(0, n), peers }
  Atomics.add(q, ${Q_MSGS}, n)
  Atomics.add(q, ${Q_BYTES}, used)
  parentPort.postMessage(batch, [batch.data.buffer, batch.lens.buffer, batch.times.buffer, batch.peerIdx.buffer])
  n = 0
  used = 0
  peers = []
  peerMap = new Map()
}
const sock = createSocket({ type })
let bound = false
sock.on('error', (err) => {
  if (!bound) {
    parentPort.postMessage({ kind: 'bind-error', message: err.message, code: err.code })
    sock.close()
    return
  }
  parentPort.postMessage({ kind: 'error', message: err.message, code: err.code })
})
sock.on('message', (msg, rinfo) => {
  if (Atomics.load(q, ${Q_MSGS}) + n >= maxMsgs || Atomics.load(q, ${Q_BYTES}) + used + msg.length > maxBytes) {
    Atomics.add(q, ${DROPPED}, 1)
    return
  }
  if (n === CAP_MSGS || used + msg.length > CAP_BYTES || peers.length === 65535) flush()
  let pi = peerMap.get(rinfo.address)
  if (pi === undefined) {
    pi = peers.length
    peers.push(rinfo.address)
    peerMap.set(rinfo.address, pi)
  }
  data.set(msg, used)
  lens[n] = msg.length
  times[n] = Date.now() / 1000
  peerIdx[n] = pi
  used += msg.length
  n++
  if (!scheduled) {
    scheduled = true
    setImmediate(flush)
  }
})
sock.bind(port, host, () => {
  bound = true
  try { sock.setRecvBufferSize(recvBufferSize) } catch {}
  let rcv
  try { rcv = sock.getRecvBufferSize() } catch {}
  const a = sock.address()
  parentPort.postMessage({ kind: 'listening', address: a.address, port: a.port, family: a.family, rcv })
})
parentPort.on('message', (m) => {
  if (m === 'close') {
    sock.close(() => {
      flush()
      parentPort.postMessage({ kind: 'closed' })
      parentPort.close()
    })
  }
})
`

interface Batch {
  readonly data: Uint8Array
  readonly lens: Uint32Array
  readonly times: Float64Array
  readonly peerIdx: Uint16Array
  readonly peers: readonly string[]
}

type Control =
  | { kind: 'listening'; address: string; port: number; family: string; rcv?: number }
  | { kind: 'bind-error' | 'error'; message: string; code?: string }
  | { kind: 'closed' }

/** Starts the reader thread; resolves once its socket is bound, rejects on bind failure. */
export function startUdpReaderThread(opts: UdpThreadOptions): Promise<UdpThreadListener> {
  const shared = new SharedArrayBuffer(3 * 4)
  const q = new Int32Array(shared)
  const c = opts.ingest.counters
  const type = isIPv6(opts.host) ? 'udp6' : 'udp4'
  const worker = new Worker(READER, {
    eval: true,
    workerData: {
      host: opts.host,
      port: opts.port,
      type,
      recvBufferSize: opts.recvBufferSize,
      maxMsgs: opts.maxQueuedMessages,
      maxBytes: opts.maxQueuedBytes,
      shared,
    },
    // The reader needs no loader hooks (tsx) and little heap.
    execArgv: [],
  })
  let droppedSeen = 0
  const syncDrops = () => {
    const d = Atomics.load(q, DROPPED)
    if (d !== droppedSeen) {
      c.inc('syslog_errors_total', 'syslog.udp_queue_full', d - droppedSeen)
      droppedSeen = d
    }
  }
  const ingest = opts.ingest
  const onBatch = (b: Batch) => {
    const buf = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)
    let off = 0
    const n = b.lens.length
    for (let i = 0; i < n; i++) {
      const len = b.lens[i] ?? 0
      ingest.handleMessage(buf, off, off + len, b.peers[b.peerIdx[i] ?? 0] ?? '', b.times[i] ?? 0)
      off += len
    }
    Atomics.sub(q, Q_MSGS, n)
    Atomics.sub(q, Q_BYTES, b.data.byteLength)
    syncDrops()
  }
  return new Promise((resolve, reject) => {
    let listening = false
    let onClosed: (() => void) | undefined
    let exited = false
    worker.on('message', (m: Batch | Control) => {
      if ('data' in m) {
        onBatch(m)
        return
      }
      switch (m.kind) {
        case 'listening':
          listening = true
          resolve({
            address: { address: m.address, port: m.port, family: m.family },
            ...(m.rcv !== undefined ? { recvBufferBytes: m.rcv } : {}),
            close: () =>
              new Promise<void>((res) => {
                if (exited) {
                  res()
                  return
                }
                onClosed = res
                worker.postMessage('close')
              }),
          })
          return
        case 'bind-error': {
          const e = Object.assign(new Error(m.message), { code: m.code })
          void worker.terminate()
          reject(e)
          return
        }
        case 'error': {
          c.inc('syslog_errors_total', 'syslog.socket_error')
          opts.onError?.(Object.assign(new Error(m.message), { code: m.code }))
          return
        }
        case 'closed':
          // All batches before this message were handled; 'exit' resolves close().
          void worker.terminate()
          return
      }
    })
    worker.on('error', (err) => {
      if (!listening) reject(err)
      else {
        c.inc('syslog_errors_total', 'syslog.socket_error')
        opts.onError?.(err)
      }
    })
    worker.on('exit', (code) => {
      exited = true
      syncDrops()
      if (onClosed !== undefined) {
        onClosed()
        return
      }
      // The reader ended without being asked to (crashed, out of memory): reception has stopped.
      if (listening) {
        c.inc('syslog_errors_total', 'syslog.reader_exit')
        opts.onError?.(new Error(`syslog UDP reader thread exited (code ${code})`))
      } else reject(new Error(`syslog UDP reader thread exited before binding (code ${code})`))
    })
  })
}
