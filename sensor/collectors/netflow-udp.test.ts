import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { test } from 'node:test'
import { Counters } from '../../analytics/counters.js'
import { collectingNetflowIngest } from '../../test/helpers/netflow-ingest.js'
import { NetflowIngest } from '../netflow-ingest.js'
import { CollectorBindError, startNetflowUdp } from './netflow-udp.js'

function v5(seq: number): Buffer {
  const b = Buffer.alloc(24 + 48)
  b.writeUInt16BE(5, 0)
  b.writeUInt16BE(1, 2)
  b.writeUInt32BE(1_700_000_000, 8)
  b.writeUInt32BE(seq, 16)
  b.writeUInt32BE(0x7f000001, 24)
  b.writeUInt32BE(0x7f000002, 28)
  b.writeUInt32BE(1, 24 + 16)
  b.writeUInt32BE(60, 24 + 20)
  b[24 + 38] = 17
  return b
}

async function send(host: string, port: number, type: 'udp4' | 'udp6', bufs: Buffer[]): Promise<void> {
  const s = dgram.createSocket(type)
  for (const b of bufs) await new Promise<void>((res, rej) => s.send(b, port, host, (e) => (e ? rej(e) : res())))
  s.close()
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('Timed out waiting for datagrams.')
    await new Promise((r) => setTimeout(r, 5))
  }
}

test('netflow-udp: receives datagrams on loopback (IPv4 and IPv6) and a short one does not stall it', async () => {
  const { out, counters, ingest } = collectingNetflowIngest()
  const c4 = await startNetflowUdp({ host: '127.0.0.1', port: 0, ingest })
  const c6 = await startNetflowUdp({ host: '::1', port: 0, ingest })
  try {
    assert.ok(c4.address.port > 0)
    await send('127.0.0.1', c4.address.port, 'udp4', [Buffer.alloc(10), v5(0), v5(1), v5(2), v5(3), v5(4)])
    await send('::1', c6.address.port, 'udp6', [v5(0)])
    await until(() => out.length === 6)
    assert.equal(counters.get('netflow_errors_total', 'netflow.version_unsupported'), 1)
    assert.deepEqual([...new Set(out.map((r) => r.exporter))].sort(), ['127.0.0.1', '::1'])
    assert.ok(Math.abs((out[0]?.end ?? 0) - 1_700_000_000) < 5)
  } finally {
    await c4.close()
    await c6.close()
    await c4.close()
  }
})

test('netflow-udp: a port in use rejects with CollectorBindError instead of crashing', async () => {
  const ingest = new NetflowIngest({ emit: () => {}, counters: new Counters(), source: 'netflow' })
  const first = await startNetflowUdp({ host: '127.0.0.1', port: 0, ingest })
  try {
    await assert.rejects(startNetflowUdp({ host: '127.0.0.1', port: first.address.port, ingest }), (e: unknown) => {
      assert.ok(e instanceof CollectorBindError)
      assert.equal((e.cause as NodeJS.ErrnoException).code, 'EADDRINUSE')
      return true
    })
  } finally {
    await first.close()
  }
})
