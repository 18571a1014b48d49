import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { hex, ipfixMessage as message, netflowSet as set } from '../../test/helpers/netflow-datagrams.js'
import { decodeIpfix } from './ipfix.js'
import { ExporterState } from './templates.js'

const T0 = 1_700_000_000_000

const TEMPLATE = hex(`
  0100 000e            # template 256, 14 fields
  0008 0004            # sourceIPv4Address
  000c 0004            # destinationIPv4Address
  0007 0002            # sourceTransportPort
  000b 0002            # destinationTransportPort
  0004 0001            # protocolIdentifier
  0001 0008            # octetDeltaCount
  0002 0008            # packetDeltaCount
  0006 0002            # tcpControlBits (RFC 7125: 2 bytes)
  0098 0008            # flowStartMilliseconds
  0099 0008            # flowEndMilliseconds
  83e8 0004 0000270f   # enterprise bit, element 1000, length 4, PEN 9999 (unknown)
  83e9 ffff 0000270f   # enterprise element 1001, variable length, PEN 9999
  8001 0008 00007279   # reverseOctetDeltaCount (PEN 29305)
  8002 0008 00007279   # reversePacketDeltaCount (PEN 29305)
`)

function record(varlen: Buffer): Buffer {
  return Buffer.concat([
    hex(`
      c0000202             # 192.0.2.2
      cb007105             # 203.0.113.5
      e000                 # 57344
      01bb                 # 443
      06                   # TCP
      0000000000001388     # 5000 octets
      0000000000000007     # 7 packets
      001b                 # FIN SYN PSH ACK
      0000018bcfe56800     # 1700000000000 ms
      0000018bcfe57b88     # 1700000005000 ms
      deadbeef             # enterprise value, skipped
    `),
    varlen,
    hex(`
      00000000000f4240     # reverse octets 1000000
      00000000000002bc     # reverse packets 700
    `),
  ])
}

test('ipfix: enterprise fields skipped by length, varlen (1- and 3-byte forms), RFC 5103 reverse counters', () => {
  const st = new ExporterState()
  const short = hex('03 616263  # varlen 3 "abc"')
  const long = Buffer.concat([hex('ff 012c  # varlen escape, 300 bytes'), Buffer.alloc(300, 0x41)])
  const buf = message(42, 1, set(2, TEMPLATE), set(256, Buffer.concat([record(short), record(long)])))
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(r.value.problems, [])
  assert.equal(r.value.records.length, 2)
  assert.equal(r.value.dataRecords, 2)
  for (const f of r.value.records) {
    assert.equal(f.srcAddr, '192.0.2.2')
    assert.equal(f.dstAddr, '203.0.113.5')
    assert.equal(f.srcPort, 57344)
    assert.equal(f.dstPort, 443)
    assert.equal(f.bytes, 5000)
    assert.equal(f.packets, 7)
    assert.equal(f.tcpFlags, 0x1b)
    assert.equal(f.startMs, 1_700_000_000_000)
    assert.equal(f.endMs, 1_700_000_005_000)
    assert.equal(f.reverseBytes, 1_000_000)
    assert.equal(f.reversePackets, 700)
  }
  const t = st.templates.values().next().value
  assert.equal(t?.fields[10]?.pen, 9999)
  assert.equal(t?.fields[10]?.id, 1000)
})

test('ipfix: withdrawal of one template and of all templates (id 2)', () => {
  const st = new ExporterState()
  const two = Buffer.concat([TEMPLATE, hex('0101 0001 0008 0004  # template 257: src')])
  let buf = message(1, 1, set(2, two))
  decodeIpfix(buf, 0, buf.length, st, T0)
  assert.equal(st.templates.size, 2)
  buf = message(1, 1, set(2, hex('0100 0000  # withdraw 256')))
  let r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.templatesWithdrawn, 1)
  assert.equal(st.templates.size, 1)
  decodeIpfix(message(1, 1, set(2, TEMPLATE)), 0, 1000, st, T0)
  buf = message(1, 1, set(2, hex('0002 0000  # withdraw all templates')))
  r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.templatesWithdrawn, 2)
  assert.equal(st.templates.size, 0)
})

test('ipfix: times from seconds, NTP microseconds and sysUpTime + systemInitTimeMilliseconds', () => {
  const st = new ExporterState()
  const tpl = hex(`
    0100 0003  # 256: src + flowStartSeconds + flowEndSeconds
    0008 0004
    0096 0004
    0097 0004
    0101 0003  # 257: src + flowStartMicroseconds + flowEndMicroseconds
    0008 0004
    009a 0008
    009b 0008
    0102 0003  # 258: src + flowStartSysUpTime + flowEndSysUpTime
    0008 0004
    0016 0004
    0015 0004
  `)
  // Options template 259: scope observationDomainId, field systemInitTimeMilliseconds.
  const opt = hex('0103 0002 0001 0095 0004 00a0 0008')
  const optData = hex('00000001 0000018bcfe56800  # domain 1, init at 1700000000000 ms')
  // NTP: 1700000000 + 2208988800 = 3908988800 = 0xe8fe6f80; fraction 0x80000000 = 0.5 s.
  const buf = message(
    1,
    1,
    set(256, hex('0a000001 6553f100 6553f105  # 1700000000 .. 1700000005 s')),
    set(257, hex('0a000002 e8fe6f80 80000000 e8fe6f81 00000000')),
    set(258, hex('0a000003 000003e8 000007d0  # uptime 1000 .. 2000 ms')),
    set(2, tpl),
    set(3, opt),
    set(259, optData),
  )
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(r.value.problems, [])
  const by = new Map(r.value.records.map((f) => [f.srcAddr, f]))
  assert.deepEqual([by.get('10.0.0.1')?.startMs, by.get('10.0.0.1')?.endMs], [1_700_000_000_000, 1_700_000_005_000])
  assert.deepEqual([by.get('10.0.0.2')?.startMs, by.get('10.0.0.2')?.endMs], [1_700_000_000_500, 1_700_000_001_000])
  assert.deepEqual([by.get('10.0.0.3')?.startMs, by.get('10.0.0.3')?.endMs], [1_700_000_001_000, 1_700_000_002_000])
})

test('ipfix: sysUpTime without systemInitTime takes the flow end as the export time', () => {
  const st = new ExporterState()
  const buf = message(
    1,
    1,
    set(2, hex('0100 0003 0008 0004 0016 0004 0015 0004')),
    set(256, hex('0a000003 000003e8 000007d0')),
  )
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.records[0]?.endMs, 1_700_000_000_000)
  assert.equal(r.value.records[0]?.startMs, 1_700_000_000_000 - 1000)
})

test('ipfix: sampling per selector id from options data (305/306), only for records that reference it', () => {
  const st = new ExporterState()
  const opt = hex(`
    0101 0003 0001  # options template 257, 3 fields, scope 1
    012e 0002       # selectorId (302), 2
    0131 0004       # samplingPacketInterval (305), 4
    0132 0004       # samplingPacketSpace (306), 4
  `)
  const optData = hex('0007 00000001 00000063  # selector 7: 1 packet in 100')
  const tpl = hex('0100 0002 0008 0004 012e 0002  # 256: src, selectorId')
  const data = hex('0a000001 0007 0a000002 0009  # one record of selector 7, one of selector 9')
  const buf = message(5, 1, set(256, data), set(3, opt), set(2, tpl), set(257, optData))
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(
    r.value.records.map((f) => f.sampling),
    [100, 1],
  )
  assert.equal(r.value.optionsRecords, 1)
  assert.equal(r.value.dataRecords, 3)
})

test('ipfix: message length beyond the datagram decodes what is there and reports it', () => {
  const st = new ExporterState()
  const buf = message(1, 1, set(2, TEMPLATE))
  buf.writeUInt16BE(buf.length + 100, 2)
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.templatesLearned, 1)
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['netflow.length_mismatch'],
  )
})

test('ipfix: options template with scope count 0 is refused', () => {
  const st = new ExporterState()
  const buf = message(1, 1, set(3, hex('0101 0001 0000 0095 0004')))
  const r = decodeIpfix(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(st.templates.size, 0)
  assert.equal(r.value.problems[0]?.code, 'netflow.template_zero_length')
})

test('ipfix: every truncation prefix decodes or fails with a code', () => {
  const full = message(9, 1, set(2, TEMPLATE), set(256, record(hex('00'))))
  for (let n = 0; n <= full.length; n++) {
    const st = new ExporterState()
    const r = decodeIpfix(full, 0, n, st, T0)
    if (!r.ok) {
      assert.match(r.error.code, /^netflow\./)
      continue
    }
    assert.equal(r.value.records.length, n === full.length ? 1 : 0, `prefix ${n}`)
    if (n < full.length) assert.ok(r.value.problems.length > 0)
  }
})

test('ipfix: random and bit-flipped messages never throw', () => {
  const full = message(9, 1, set(2, TEMPLATE), set(256, record(hex('02 4142'))))
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(full.length * 8 - 1), { maxLength: 8 }),
      (rnd, flips) => {
        const st = new ExporterState()
        const a = Buffer.concat([full.subarray(0, 16), Buffer.from(rnd)])
        a.writeUInt16BE(a.length, 2)
        const ra = decodeIpfix(a, 0, a.length, st, T0)
        assert.ok(ra.ok)
        const b = Buffer.from(full)
        for (const bit of flips) b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        const rb = decodeIpfix(b, 0, b.length, st, T0)
        if (!rb.ok) assert.match(rb.error.code, /^netflow\./)
        else for (const p of rb.value.problems) assert.match(p.code, /^netflow\./)
      },
    ),
    { numRuns: 3000 },
  )
})
