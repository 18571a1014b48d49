/**
 * UDP syslog collector on loopback, both ways of reading (reader thread, and same thread with the bounded
 * ring): every datagram sent becomes one parsed message with the sender's address as peer and the header
 * hostname kept; close() delivers what was queued; a full ring drops and counts instead of growing
 * (received + dropped = sent).
 */
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { test } from 'node:test'
import { Counters } from '../../analytics/counters.js'
import type { SensorEvent, SyslogEvent } from '../../analytics/events.js'
import { SyslogIngest } from '../syslog-ingest.js'
import { startSyslogUdp } from './syslog-udp.js'

const N = 300

function line(i: number): string {
  return `<13>Mar  4 10:00:46 host${i % 7} sshd[${1000 + i}]: Accepted publickey for deploy from 10.2.0.${i % 250} port ${50000 + i} ssh2`
}

async function sendAll(port: number, n: number): Promise<void> {
  const s = createSocket('udp4')
  for (let i = 0; i < n; i++) {
    await new Promise<void>((res, rej) => s.send(Buffer.from(line(i)), port, '127.0.0.1', (e) => (e ? rej(e) : res())))
  }
  await new Promise<void>((res) => s.close(() => res()))
}

async function waitFor(cond: () => boolean, capMs = 5000): Promise<void> {
  const end = Date.now() + capMs
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
}

for (const readerThread of [true, false]) {
  test(`UDP (${readerThread ? 'reader thread' : 'same thread'}): every datagram parsed once, peer and hostname kept`, async () => {
    const counters = new Counters()
    const events: SensorEvent[] = []
    const ingest = new SyslogIngest({ emit: (e) => events.push(e), counters, source: 'syslog-udp' })
    const l = await startSyslogUdp({ host: '127.0.0.1', port: 0, ingest, readerThread })
    try {
      assert.ok((l.recvBufferBytes ?? 0) > 0, 'the granted receive buffer is reported')
      await sendAll(l.address.port, N)
      await waitFor(() => counters.get('syslog_messages_total') >= N)
    } finally {
      await l.close()
    }
    assert.equal(counters.get('syslog_messages_total'), N)
    const sys = events.filter((e): e is SyslogEvent => e.kind === 'syslog')
    assert.equal(sys.length, N)
    const pids = new Set(sys.map((e) => e.proc_id))
    assert.equal(pids.size, N, 'each datagram exactly once')
    for (const e of sys) {
      assert.equal(e.peer, '127.0.0.1')
      assert.match(e.hostname ?? '', /^host[0-6]$/)
      assert.equal(e.app_name, 'sshd')
    }
  })
}

test('UDP same thread: a full ring drops and counts, received + dropped = sent, close delivers the rest', async () => {
  const counters = new Counters()
  const ingest = new SyslogIngest({ emit: () => {}, counters, source: 'syslog-udp' })
  const l = await startSyslogUdp({ host: '127.0.0.1', port: 0, ingest, readerThread: false, maxQueuedMessages: 2 })
  const total = () =>
    counters.get('syslog_messages_total') + counters.get('syslog_errors_total', 'syslog.udp_queue_full')
  try {
    await sendAll(l.address.port, 100)
    await waitFor(() => total() >= 100)
  } finally {
    await l.close()
  }
  assert.equal(total(), 100)
})

test('UDP bind failure rejects (reader thread and same thread)', async () => {
  const counters = new Counters()
  const ingest = new SyslogIngest({ emit: () => {}, counters, source: 'syslog-udp' })
  const first = await startSyslogUdp({ host: '127.0.0.1', port: 0, ingest })
  try {
    for (const readerThread of [true, false]) {
      await assert.rejects(
        startSyslogUdp({ host: '127.0.0.1', port: first.address.port, ingest, readerThread }),
        /EADDRINUSE/,
      )
    }
  } finally {
    await first.close()
  }
})
