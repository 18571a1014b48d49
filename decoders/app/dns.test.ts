import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeDnsMessage, decodeDnsName, probeDns, probeDnsTcp } from './dns.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const KNOWN = new Set([
  'dns.truncated',
  'dns.bad_pointer',
  'dns.pointer_too_deep',
  'dns.bad_label_type',
  'dns.name_too_long',
  'dns.too_many_questions',
  'dns.rdata_too_long',
])

interface Row {
  payload: Buffer
  id: number
  qname: string
  a: string[]
  aaaa: string[]
  cname: string[]
  rcode: string
  response: boolean
}

function rows(file: string, payloadField: string): Row[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      path.join(REPO, file),
      '-Y',
      'dns',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...[
        payloadField,
        'dns.id',
        'dns.qry.name',
        'dns.a',
        'dns.aaaa',
        'dns.cname',
        'dns.flags.rcode',
        'dns.flags.response',
      ].flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  )
  const split = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(','))
  return out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .map(([p, id, q, a, aaaa, cname, rcode, resp]) => ({
      payload: Buffer.from(p ?? '', 'hex'),
      id: Number(id),
      qname: q ?? '',
      a: split(a),
      aaaa: split(aaaa),
      cname: split(cname),
      rcode: rcode ?? '',
      response: resp === '1' || resp === 'True',
    }))
}

test('UDP messages agree with tshark: id, question, A/AAAA/CNAME answers (with compression), rcode', () => {
  const rs = rows('pcaps/dns/udp-a-cname.pcap', 'udp.payload')
  assert.ok(rs.length >= 6)
  for (const r of rs) {
    assert.equal(probeDns(r.payload, 0, r.payload.length), 'yes')
    const m = decodeDnsMessage(r.payload, 0, r.payload.length)
    assert.ok(m.ok)
    assert.equal(m.value.id, r.id)
    assert.equal(m.value.qr, r.response)
    assert.equal(m.value.questions[0]?.name, r.qname)
    assert.equal(m.value.rcode, Number(r.rcode))
    const got = (t: number) => m.value.answers.filter((x) => x.type === t).map((x) => x.data)
    assert.deepEqual(got(1), r.a)
    assert.deepEqual(got(28), r.aaaa)
    assert.deepEqual(got(5), r.cname)
  }
})

test('TCP messages behind the 2-byte length prefix', () => {
  const rs = rows('pcaps/dns/tcp-a-cname.pcap', 'tcp.payload')
  for (const r of rs) {
    assert.equal(probeDnsTcp(r.payload, 0, r.payload.length), 'yes')
    const m = decodeDnsMessage(r.payload, 2, r.payload.length)
    assert.ok(m.ok)
    assert.equal(m.value.questions[0]?.name, r.qname)
    assert.deepEqual(
      m.value.answers.filter((x) => x.type === 1).map((x) => x.data),
      r.a,
    )
  }
})

test('compression pointers: forward, self and loops are refused', () => {
  const hdr = Buffer.from('000100000001000000000000', 'hex')
  // A name at 12 that points at itself.
  const self = Buffer.concat([hdr, Buffer.from('c00c00010001', 'hex')])
  const r1 = decodeDnsName(self, 0, 12, self.length)
  assert.ok(!r1.ok && r1.error.code === 'dns.bad_pointer')
  // Forward pointer (to 20, after the name).
  const fwd = Buffer.concat([hdr, Buffer.from('c014000100010361626300', 'hex')])
  const r2 = decodeDnsName(fwd, 0, 12, fwd.length)
  assert.ok(!r2.ok && r2.error.code === 'dns.bad_pointer')
  // Valid backward pointer: "abc" at 12, then "x" + pointer to 12 at 17.
  const back = Buffer.concat([hdr, Buffer.from('0361626300', 'hex'), Buffer.from('0178c00c', 'hex')])
  const r3 = decodeDnsName(back, 0, 17, back.length)
  assert.ok(r3.ok)
  assert.equal(r3.value, 'x.abc')
  assert.equal(r3.next, 21)
  // Reserved label type 0x40.
  const bad = Buffer.concat([hdr, Buffer.from('4100', 'hex')])
  const r4 = decodeDnsName(bad, 0, 12, bad.length)
  assert.ok(!r4.ok && r4.error.code === 'dns.bad_label_type')
})

test('probe refuses non-DNS payloads', () => {
  assert.equal(probeDns(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 0, 27), 'no')
  assert.equal(probeDnsTcp(Buffer.from('0002b043', 'hex'), 0, 4), 'no')
})

test('every prefix and random bytes: ok or a known DecodeError', () => {
  const rs = rows('pcaps/dns/udp-a-cname.pcap', 'udp.payload')
  const resp = rs.find((r) => r.a.length > 0)?.payload ?? Buffer.alloc(0)
  for (let n = 0; n < resp.length; n++) {
    const r = decodeDnsMessage(resp, 0, n)
    assert.ok(!r.ok || r.next <= n)
    if (!r.ok) assert.ok(KNOWN.has(r.error.code), r.error.code)
  }
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 12, maxLength: 300 }), (a) => {
      const b = Buffer.from(a)
      const r = decodeDnsMessage(b, 0, b.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code), r.error.code)
      probeDns(b, 0, b.length)
      probeDnsTcp(b, 0, b.length)
    }),
    { numRuns: 1000 },
  )
  fc.assert(
    fc.property(fc.nat(resp.length - 1), fc.integer({ min: 0, max: 255 }), (i, v) => {
      const c = Buffer.from(resp)
      c[i] = v
      const r = decodeDnsMessage(c, 0, c.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code), r.error.code)
    }),
    { numRuns: 500 },
  )
})
