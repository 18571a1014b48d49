import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { ipfixMessage, netflowSet as set } from '../test/helpers/netflow-datagrams.js'
import { collectingNetflowIngest } from '../test/helpers/netflow-ingest.js'
import { TEMPLATE_FILE, TemplateStore } from './state/template-store.js'

function v5(seq: number, count: number, samplingField = 0): Buffer {
  const b = Buffer.alloc(24 + count * 48)
  b.writeUInt16BE(5, 0)
  b.writeUInt16BE(count, 2)
  b.writeUInt32BE(10_000, 4)
  b.writeUInt32BE(1_700_000_000, 8)
  b.writeUInt32BE(seq, 16)
  b.writeUInt16BE(samplingField, 22)
  for (let i = 0; i < count; i++) {
    const p = 24 + i * 48
    b.writeUInt32BE(0x0a000001 + i, p)
    b.writeUInt32BE(0xc6336401, p + 4)
    b.writeUInt32BE(2, p + 16) // packets
    b.writeUInt32BE(100, p + 20) // octets
    b.writeUInt32BE(9_000, p + 24)
    b.writeUInt32BE(9_500, p + 28)
    b.writeUInt16BE(40000 + i, p + 32)
    b.writeUInt16BE(80, p + 34)
    b[p + 38] = 6
  }
  return b
}

function v9(seq: number, sourceId: number, sets: Buffer[]): Buffer {
  const h = Buffer.alloc(20)
  h.writeUInt16BE(9, 0)
  h.writeUInt32BE(10_000, 4)
  h.writeUInt32BE(1_700_000_000, 8)
  h.writeUInt32BE(seq, 12)
  h.writeUInt32BE(sourceId, 16)
  return Buffer.concat([h, ...sets])
}

/** Template 256: src IPv4, octetDeltaCount (4), packetDeltaCount (4). */
const TPL = Buffer.from('0100' + '0003' + '00080004' + '00010004' + '00020004', 'hex')
function rec(ip: number, bytes: number, pkts: number): Buffer {
  const b = Buffer.alloc(12)
  b.writeUInt32BE(ip, 0)
  b.writeUInt32BE(bytes, 4)
  b.writeUInt32BE(pkts, 8)
  return b
}

test('ingest: v5 sequence counts flows; a gap is counted with the missing flows', () => {
  const { ingest, counters, out } = collectingNetflowIngest()
  ingest.handleDatagram(v5(100, 3), 0, 24 + 3 * 48, '192.0.2.1', 2055, 1)
  ingest.handleDatagram(v5(103, 2), 0, 24 + 2 * 48, '192.0.2.1', 2055, 2)
  ingest.handleDatagram(v5(110, 1), 0, 24 + 48, '192.0.2.1', 2055, 3)
  assert.equal(out.length, 6)
  assert.equal(counters.get('netflow_sequence_gaps_total'), 1)
  assert.equal(counters.get('netflow_sequence_missing_total'), 5)
  const [s] = ingest.exporterStats()
  assert.equal(s?.sequenceGaps, 1)
  assert.equal(s?.records, 6)
  assert.equal(out[0]?.source, 'netflow:192.0.2.1')
  assert.equal(out[0]?.exporter, '192.0.2.1')
})

test('ingest: v9 sequence counts export packets, per source ID', () => {
  const { ingest, counters } = collectingNetflowIngest()
  for (const [seq, src] of [
    [1, 1],
    [1, 2],
    [2, 1],
    [4, 1],
    [2, 2],
  ] as const) {
    const b = v9(seq, src, [set(0, TPL)])
    ingest.handleDatagram(b, 0, b.length, '192.0.2.1', 2055, 1)
  }
  assert.equal(counters.get('netflow_sequence_gaps_total'), 1)
  assert.equal(counters.get('netflow_sequence_missing_total'), 1)
  const rows = ingest.exporterStats()
  assert.equal(rows.length, 2)
  assert.ok(rows.every((r) => r.templates === 1))
})

test('ingest: IPFIX sequence counts data records', () => {
  const { ingest, counters, out } = collectingNetflowIngest()
  const m1 = ipfixMessage(1, 0, set(2, TPL), set(256, Buffer.concat([rec(1, 10, 1), rec(2, 10, 1)])))
  const m2 = ipfixMessage(1, 2, set(256, rec(3, 10, 1)))
  const m3 = ipfixMessage(1, 5, set(256, rec(4, 10, 1)))
  for (const m of [m1, m2, m3]) ingest.handleDatagram(m, 0, m.length, '192.0.2.9', 4739, 1)
  assert.equal(out.length, 4)
  assert.equal(counters.get('netflow_sequence_gaps_total'), 1)
  assert.equal(counters.get('netflow_sequence_missing_total'), 2)
})

test('ingest: sampling override applies only to exporters that announce none, and scales counters', () => {
  const { ingest, out } = collectingNetflowIngest({ samplingOverrides: { '192.0.2.1': 100, '192.0.2.2': 100 } })
  ingest.handleDatagram(v5(1, 1), 0, 72, '192.0.2.1', 2055, 1)
  // Exporter 2 announces 1:10 in its v5 header (mode 01, interval 10): its own rate wins.
  ingest.handleDatagram(v5(1, 1, 0x4000 | 10), 0, 72, '192.0.2.2', 2055, 1)
  ingest.handleDatagram(v5(1, 1), 0, 72, '192.0.2.3', 2055, 1)
  assert.deepEqual(
    out.map((r) => [r.exporter, r.sampling, r.bytes, r.packets]),
    [
      ['192.0.2.1', 100, 10_000, 200],
      ['192.0.2.2', 10, 1_000, 20],
      ['192.0.2.3', 1, 100, 2],
    ],
  )
})

test('ingest: a 10-byte datagram is counted and the next valid ones still decode', () => {
  const { ingest, counters, out } = collectingNetflowIngest()
  const junk = Buffer.alloc(10, 0)
  junk.writeUInt16BE(9, 0)
  ingest.handleDatagram(junk, 0, 10, '192.0.2.1', 2055, 1)
  for (let i = 0; i < 5; i++) ingest.handleDatagram(v5(i, 1), 0, 72, '192.0.2.1', 2055, 1)
  assert.equal(out.length, 5)
  assert.equal(counters.get('netflow_errors_total', 'netflow.truncated_header'), 1)
  assert.equal(counters.get('netflow_datagrams_total'), 6)
  assert.match(ingest.stats().join('\n'), /netflow\.truncated_header 1/)
})

test('ingest: unknown-template data dropped at finish() is counted per exporter', () => {
  const { ingest, counters } = collectingNetflowIngest()
  const m = ipfixMessage(1, 0, set(300, rec(1, 1, 1)))
  ingest.handleDatagram(m, 0, m.length, '192.0.2.1', 4739, 1)
  assert.equal(counters.get('netflow_errors_total', 'netflow.template_unknown'), 0)
  ingest.finish()
  assert.equal(counters.get('netflow_errors_total', 'netflow.template_unknown'), 1)
  assert.equal(ingest.exporterStats()[0]?.errors['netflow.template_unknown'], 1)
})

test('template store: templates survive a restart through an atomically written file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nf-state-'))
  try {
    const store1 = new TemplateStore({ dir })
    const a = collectingNetflowIngest({ templateStore: store1 })
    const t = v9(1, 7, [set(0, TPL)])
    a.ingest.handleDatagram(t, 0, t.length, '192.0.2.1', 2055, 1_700_000_000)
    store1.stop()
    assert.deepEqual(readdirSync(dir), [TEMPLATE_FILE])

    const store2 = new TemplateStore({ dir })
    assert.equal(store2.load(), 1)
    const b = collectingNetflowIngest({ templateStore: store2 })
    const d = v9(2, 7, [set(256, rec(0x0a000005, 500, 5))])
    b.ingest.handleDatagram(d, 0, d.length, '192.0.2.1', 2055, 1_700_000_010)
    assert.equal(b.out.length, 1)
    assert.deepEqual([b.out[0]?.src_addr, b.out[0]?.bytes, b.out[0]?.packets], ['10.0.0.5', 500, 5])

    // A damaged or hostile file is ignored, never thrown.
    writeFileSync(path.join(dir, TEMPLATE_FILE), '{"version":1,"exporters":{"x":{"templates":[{"v":9,"id":1}]}}}')
    assert.equal(new TemplateStore({ dir }).load(), 0)
    writeFileSync(path.join(dir, TEMPLATE_FILE), 'not json')
    assert.equal(new TemplateStore({ dir }).load(), 0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  assert.equal(existsSync(dir), false)
})

test('template store: a flood of exporters is bounded by the shared field and held-bytes budget', () => {
  const store = new TemplateStore({ maxExporters: 50, maxTemplateFields: 30, maxPendingBytes: 100 })
  const { ingest, counters } = collectingNetflowIngest({ templateStore: store })
  // 3 fields per template: 10 exporters fill the budget, the rest are refused.
  for (let i = 0; i < 20; i++) {
    const t = v9(1, 1, [set(0, TPL)])
    ingest.handleDatagram(t, 0, t.length, `192.0.2.${i}`, 2055, 1)
  }
  assert.equal(store.budget.fields, 30)
  assert.equal(counters.get('netflow_errors_total', 'netflow.template_cap'), 10)
  // Held data: 12-byte set bodies, 100 bytes across all exporters → 8 held, 2 dropped.
  for (let i = 0; i < 10; i++) {
    const d = v9(2, 9, [set(300, rec(1, 1, 1))])
    ingest.handleDatagram(d, 0, d.length, `198.51.100.${i}`, 2055, 1)
  }
  assert.equal(store.budget.pendingBytes, 8 * 12)
  assert.equal(counters.get('netflow_errors_total', 'netflow.template_unknown'), 2)
  // Forgetting exporters (LRU beyond maxExporters) gives their share back.
  for (let i = 0; i < 50; i++) store.forExporter(`203.0.113.${i}`)
  assert.equal(store.budget.fields, 0)
  assert.equal(store.budget.pendingBytes, 0)
})
