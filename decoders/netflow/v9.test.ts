import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { hex, netflowSet as set } from '../../test/helpers/netflow-datagrams.js'
import { DEFAULT_TEMPLATE_LIMITS, ExporterState } from './templates.js'
import { decodeV9 } from './v9.js'

const T0 = 1_700_000_000_000

function header(sourceId: number, seq = 1, uptimeMs = 60_000, secs = 1_700_000_000): Buffer {
  const b = Buffer.alloc(20)
  b.writeUInt16BE(9, 0)
  b.writeUInt16BE(1, 2)
  b.writeUInt32BE(uptimeMs, 4)
  b.writeUInt32BE(secs, 8)
  b.writeUInt32BE(seq, 12)
  b.writeUInt32BE(sourceId, 16)
  return b
}

// Template 256: src/dst IPv4, ports, protocol, 7-byte octets, 4-byte packets, flags, first/last uptime.
const TEMPLATE_256 = hex(`
  0100 000a      # template id 256, 10 fields
  0008 0004      # IPV4_SRC_ADDR, 4
  000c 0004      # IPV4_DST_ADDR, 4
  0007 0002      # L4_SRC_PORT, 2
  000b 0002      # L4_DST_PORT, 2
  0004 0001      # PROTOCOL, 1
  0001 0007      # IN_BYTES, 7 bytes (node-netflowv9 dropped these)
  0002 0004      # IN_PKTS, 4
  0006 0001      # TCP_FLAGS, 1
  0016 0004      # FIRST_SWITCHED, 4
  0015 0004      # LAST_SWITCHED, 4
`)
const RECORD_256 = hex(`
  0a000001       # 10.0.0.1
  c6336407       # 198.51.100.7
  d431           # 54321
  0015           # 21
  06             # TCP
  00000100000005 # 2^32 + 5 octets
  00000003       # 3 packets
  02             # SYN
  0000c350       # first 50000 ms
  0000ea60       # last 60000 ms
`)

test('v9: data before its template in the same datagram decodes (two passes), 7-byte counters kept', () => {
  const st = new ExporterState()
  const buf = Buffer.concat([header(7), set(256, RECORD_256), set(0, TEMPLATE_256)])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(r.value.problems, [])
  assert.equal(r.value.records.length, 1)
  const f = r.value.records[0]
  assert.ok(f)
  assert.equal(f.srcAddr, '10.0.0.1')
  assert.equal(f.dstAddr, '198.51.100.7')
  assert.equal(f.srcPort, 54321)
  assert.equal(f.dstPort, 21)
  assert.equal(f.bytes, 2 ** 32 + 5)
  assert.equal(f.packets, 3)
  assert.equal(f.tcpFlags, 2)
  assert.equal(f.startMs, 1_700_000_000_000 - 10_000)
  assert.equal(f.endMs, 1_700_000_000_000)
  assert.equal(r.value.domain, 7)
})

test('v9: a zero-length flowset ends the walk with a code instead of looping', () => {
  const st = new ExporterState()
  const zero = hex('0100 0000 # set 256, length 0')
  const buf = Buffer.concat([header(1), zero, set(0, TEMPLATE_256)])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['netflow.set_too_short'],
  )
})

test('v9: templates with no fields or zero record length are refused, not looped on', () => {
  const st = new ExporterState()
  const noFields = hex('0101 0000  # template 257, 0 fields')
  const zeroLen = hex('0102 0001 0008 0000  # template 258, one field of length 0')
  const buf = Buffer.concat([header(1), set(0, Buffer.concat([noFields])), set(0, zeroLen), set(258, hex('00000000'))])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  const codes = r.value.problems.map((p) => p.code)
  assert.ok(codes.includes('netflow.template_zero_length'))
  assert.equal(st.templates.size, 0)
  assert.equal(r.value.records.length, 0)
})

test('v9: two options templates in one flowset are both learned; options data sets the sampling rate', () => {
  const st = new ExporterState()
  const opts = hex(`
    0101 0004 0008   # options template 257: scope 4 bytes, options 8 bytes
    0001 0004        # scope System, 4
    0030 0001        # FLOW_SAMPLER_ID, 1
    0022 0004        # SAMPLING_INTERVAL, 4
    0102 0004 0004   # options template 258: scope 4 bytes, options 4 bytes
    0002 0002        # scope Interface, 2
    0023 0001        # SAMPLING_ALGORITHM, 1
    0000             # padding
  `)
  const optData = hex(`
    00000000  # system scope value
    05        # sampler id 5
    000003e8  # interval 1000
    000000    # padding
  `)
  const tpl = hex(`
    0100 0002  # template 256
    0008 0004  # src
    0030 0001  # FLOW_SAMPLER_ID
  `)
  const data = hex('0a000009 05  # 10.0.0.9, sampler 5')
  const buf = Buffer.concat([header(3), set(256, data), set(1, opts), set(0, tpl), set(257, optData)])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(r.value.problems, [])
  assert.equal(r.value.templatesLearned, 3)
  assert.equal(r.value.optionsRecords, 1)
  assert.equal(r.value.records[0]?.sampling, 1000)
})

test('v9: two source IDs reusing template 256 keep their own layouts', () => {
  const st = new ExporterState()
  const a = hex('0100 0002 0008 0004 000c 0004  # 256: src, dst')
  const b = hex('0100 0002 000c 0004 0008 0004  # 256: dst, src')
  const ta = Buffer.concat([header(1), set(0, a)])
  decodeV9(ta, 0, ta.length, st, T0)
  const tb = Buffer.concat([header(2), set(0, b)])
  decodeV9(tb, 0, tb.length, st, T0)
  const rec = hex('0a000001 0a000002')
  const d1 = Buffer.concat([header(1, 2), set(256, rec)])
  const r1 = decodeV9(d1, 0, d1.length, st, T0)
  assert.ok(r1.ok)
  assert.equal(r1.value.records[0]?.srcAddr, '10.0.0.1')
  assert.equal(r1.value.records[0]?.dstAddr, '10.0.0.2')
  const d2 = Buffer.concat([header(2, 2), set(256, rec)])
  const r2 = decodeV9(d2, 0, d2.length, st, T0)
  assert.ok(r2.ok)
  assert.equal(r2.value.records[0]?.srcAddr, '10.0.0.2')
  assert.equal(r2.value.records[0]?.dstAddr, '10.0.0.1')
})

test('v9: IPv6 addresses come out as RFC 5952 text', () => {
  const st = new ExporterState()
  const tpl = hex('0100 0002 001b 0010 001c 0010  # 256: IPV6_SRC_ADDR, IPV6_DST_ADDR')
  const rec = hex(`
    20010db8000000000000000000000001  # 2001:db8::1
    fe800000000000000000000000abcdef  # fe80::ab:cdef
  `)
  const buf = Buffer.concat([header(1), set(0, tpl), set(256, rec)])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.records[0]?.srcAddr, '2001:db8::1')
  assert.equal(r.value.records[0]?.dstAddr, 'fe80::ab:cdef')
})

test('v9: a 65535-length field is read as variable length (H3C)', () => {
  const st = new ExporterState()
  const tpl = hex(`
    0100 0003  # template 256, 3 fields
    0008 0004  # src
    0052 ffff  # interfaceName, variable length
    0007 0002  # src port
  `)
  const rec = hex(`
    0a000001   # 10.0.0.1
    03 657468  # length 3, "eth"
    0089       # port 137
    ff 0004 41424344 # length escape 255 then 2-byte length 4
  `)
  // Second record uses the 3-byte length form; give it its own src + port.
  const rec2 = Buffer.concat([hex('0a000002'), hex('ff000441424344'), hex('0035')])
  const buf = Buffer.concat([header(1), set(0, tpl), set(256, Buffer.concat([rec.subarray(0, 10), rec2]))])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(r.value.problems, [])
  assert.deepEqual(
    r.value.records.map((x) => [x.srcAddr, x.srcPort]),
    [
      ['10.0.0.1', 137],
      ['10.0.0.2', 53],
    ],
  )
})

test('v9: data held until its template arrives in a later datagram; unknown ones dropped by cap', () => {
  const limits = { ...DEFAULT_TEMPLATE_LIMITS, pendingMaxSets: 2 }
  const st = new ExporterState(limits)
  const d = Buffer.concat([header(1, 1), set(256, RECORD_256)])
  const r1 = decodeV9(d, 0, d.length, st, T0)
  assert.ok(r1.ok)
  assert.equal(r1.value.setsHeld, 1)
  assert.equal(r1.value.records.length, 0)
  assert.equal(r1.value.incomplete, true)
  // Two sets for template 999 that never arrives: the cap of 2 evicts the oldest held set (256's).
  const u = Buffer.concat([header(1, 2), set(999, hex('00')), set(999, hex('00'))])
  const r2 = decodeV9(u, 0, u.length, st, T0 + 1)
  assert.ok(r2.ok)
  assert.equal(r2.value.setsDropped, 1)
  const t = Buffer.concat([header(1, 3), set(0, TEMPLATE_256)])
  const r3 = decodeV9(t, 0, t.length, st, T0 + 2)
  assert.ok(r3.ok)
  assert.equal(r3.value.records.length, 0)

  const st2 = new ExporterState()
  decodeV9(d, 0, d.length, st2, T0)
  const r4 = decodeV9(t, 0, t.length, st2, T0 + 5000)
  assert.ok(r4.ok)
  assert.equal(r4.value.records.length, 1)
  // Times come from the held datagram's header, not from the one that brought the template.
  assert.equal(r4.value.records[0]?.endMs, 1_700_000_000_000)
  assert.equal(st2.pending.length, 0)
})

test('v9: held data expires after its time limit', () => {
  const st = new ExporterState()
  const d = Buffer.concat([header(1, 1), set(256, RECORD_256)])
  decodeV9(d, 0, d.length, st, T0)
  const u = Buffer.concat([header(1, 2), set(300, hex('00'))])
  const r = decodeV9(u, 0, u.length, st, T0 + DEFAULT_TEMPLATE_LIMITS.pendingMaxAgeMs + 1)
  assert.ok(r.ok)
  assert.equal(r.value.setsDropped, 1)
})

test('v9: templates expire without refresh, and a refresh replaces the layout', () => {
  const st = new ExporterState()
  const t = Buffer.concat([header(1), set(0, TEMPLATE_256)])
  decodeV9(t, 0, t.length, st, T0)
  const d = Buffer.concat([header(1, 2), set(256, RECORD_256)])
  const ttl = DEFAULT_TEMPLATE_LIMITS.templateTtlMs
  const late = decodeV9(d, 0, d.length, st, T0 + ttl + 1)
  assert.ok(late.ok)
  assert.equal(late.value.records.length, 0)
  assert.equal(late.value.setsHeld, 1)
  const refreshed = Buffer.concat([header(1, 3), set(0, hex('0100 0001 0008 0004  # 256: src only'))])
  const r = decodeV9(refreshed, 0, refreshed.length, st, T0 + ttl + 2)
  assert.ok(r.ok)
  // The held 33-byte set is now read with the new 4-byte layout: 8 records and 1 byte of padding.
  assert.equal(r.value.records.length, Math.floor(RECORD_256.length / 4))
})

test('v9: a flood of templates is capped per exporter', () => {
  const st = new ExporterState({ ...DEFAULT_TEMPLATE_LIMITS, maxTemplates: 10 })
  const bodies: Buffer[] = []
  for (let i = 0; i < 50; i++) bodies.push(hex(`${(256 + i).toString(16).padStart(4, '0')} 0001 0008 0004`))
  const buf = Buffer.concat([header(1), set(0, Buffer.concat(bodies))])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(st.templates.size, 10)
  assert.equal(r.value.problems.filter((p) => p.code === 'netflow.template_cap').length, 40)
})

test('v9: records per datagram are capped', () => {
  const st = new ExporterState({ ...DEFAULT_TEMPLATE_LIMITS, maxRecords: 100 })
  const buf = Buffer.concat([header(1), set(0, hex('0100 0001 0004 0001')), set(256, Buffer.alloc(500, 6))])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.equal(r.value.records.length, 100)
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['netflow.record_cap'],
  )
})

test('v9: every truncation prefix decodes or fails with a code', () => {
  const full = Buffer.concat([header(7), set(0, TEMPLATE_256), set(256, Buffer.concat([RECORD_256, RECORD_256]))])
  for (let n = 0; n <= full.length; n++) {
    const st = new ExporterState()
    const r = decodeV9(full, 0, n, st, T0)
    if (!r.ok) {
      assert.equal(r.error.code, 'netflow.truncated_header')
      continue
    }
    const expected = n === full.length ? 2 : 0
    assert.equal(r.value.records.length, expected, `prefix ${n}`)
  }
})

test('v9: random and bit-flipped datagrams never throw', () => {
  const full = Buffer.concat([header(7), set(0, TEMPLATE_256), set(256, RECORD_256)])
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(full.length * 8 - 1), { maxLength: 8 }),
      (rnd, flips) => {
        const st = new ExporterState()
        const a = Buffer.concat([header(1), Buffer.from(rnd)])
        const ra = decodeV9(a, 0, a.length, st, T0)
        assert.ok(ra.ok)
        const b = Buffer.from(full)
        for (const bit of flips) b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        const rb = decodeV9(b, 0, b.length, st, T0)
        if (!rb.ok) assert.match(rb.error.code, /^netflow\./)
        else for (const p of rb.value.problems) assert.match(p.code, /^netflow\./)
      },
    ),
    { numRuns: 3000 },
  )
})

test('v9: a template with more fields than the cap is refused and its data is held, not misread', () => {
  const st = new ExporterState({ ...DEFAULT_TEMPLATE_LIMITS, maxFields: 4 })
  const body = Buffer.alloc(4 + 5 * 4)
  body.writeUInt16BE(256, 0)
  body.writeUInt16BE(5, 2)
  for (let i = 0; i < 5; i++) {
    body.writeUInt16BE(8, 4 + 4 * i)
    body.writeUInt16BE(4, 6 + 4 * i)
  }
  const buf = Buffer.concat([header(1), set(0, body), set(256, Buffer.alloc(20))])
  const r = decodeV9(buf, 0, buf.length, st, T0)
  assert.ok(r.ok)
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['netflow.template_too_many_fields'],
  )
  assert.equal(r.value.records.length, 0)
  assert.equal(r.value.setsHeld, 1)
})
