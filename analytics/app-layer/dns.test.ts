import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { DnsAnalyzer } from './dns.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(REPO, '../shared/corpus')

/** (query, A answers) of every response tshark decodes, in capture order. */
function tsharkAnswers(file: string): string[][] {
  return execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'dns.flags.response==1',
      '-T',
      'fields',
      '-E',
      'aggregator=,',
      '-e',
      'dns.qry.name',
      '-e',
      'dns.a',
      '-e',
      'dns.aaaa',
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .map((l) => {
      const [q, a, aaaa] = l.split('\t')
      return [q ?? '', [a, aaaa].filter((x) => x !== undefined && x !== '').join(',')]
    })
}

for (const cap of ['udp-a-cname.pcap', 'tcp-a-cname.pcap']) {
  test(`pcaps/dns/${cap}: DnsEvents match tshark's responses; confirmed on the matching id`, () => {
    const file = path.join(REPO, 'pcaps/dns', cap)
    const r = runAppLayer(file)
    const got = r
      .of('dns')
      .map((e) => [e.query, e.answers.join(',')])
      .sort()
    assert.deepEqual(got, tsharkAnswers(file).sort())
    const www = r.of('dns').find((e) => e.cnames !== undefined)
    assert.ok(www?.cnames?.[0]?.startsWith('cdn.'))
    for (const a of r.of('app-proto')) assert.equal(a.confirmed, true)
    const nx = r.of('dns').filter((e) => e.query === 'missing.nx.test')
    for (const e of nx) assert.equal(e.rcode, 3)
  })
}

test('unanswered queries are emitted at the end; garbage datagrams are weirds', () => {
  const ctx = fakeAppContext({ ...fakeAppContext().conn, proto: 'udp', resp_p: 53 })
  const a = new DnsAnalyzer(ctx)
  const q = Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000010001', 'hex')
  a.onDatagram(0, q, 0, q.length, 1)
  a.onDatagram(1, Buffer.from('ffff'), 0, 2, 2)
  a.onEnd(3)
  assert.deepEqual(ctx.weirds, ['dns.truncated'])
  assert.equal(ctx.events.length, 1)
  const e = ctx.events[0]
  assert.ok(e?.kind === 'dns')
  assert.equal(e.query, 'example.com')
  assert.equal(e.rcode, undefined)
  assert.deepEqual(ctx.confirmed, [])
})

test('TCP framing survives any split; random bytes never throw', () => {
  const q = Buffer.from('abcd01000001000000000000076578616d706c6503636f6d0000010001', 'hex')
  const r = Buffer.from(
    'abcd81800001000100000000076578616d706c6503636f6d0000010001c00c000100010000012c0004c0000201',
    'hex',
  )
  const frame = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m])
  const both = Buffer.concat([frame(r), frame(r)])
  fc.assert(
    fc.property(fc.nat(both.length), (cut) => {
      const ctx = fakeAppContext()
      const a = new DnsAnalyzer(ctx)
      a.onData(0, frame(q), 0, q.length + 2, 1)
      a.onData(1, both, 0, cut, 2)
      a.onData(1, both, cut, both.length, 2)
      assert.deepEqual(ctx.confirmed, ['dns'])
      const evs = ctx.events.filter((e) => e.kind === 'dns')
      assert.equal(evs.length, 2)
      assert.deepEqual(evs[0]?.kind === 'dns' ? evs[0].answers : [], ['192.0.2.1'])
    }),
  )
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
      const ctx = fakeAppContext(undefined, 1024)
      const a = new DnsAnalyzer(ctx)
      for (const c of chunks) a.onData(1, Buffer.from(c), 0, c.length, 1)
      a.onEnd(2)
    }),
    { numRuns: 300 },
  )
})

test('corpus: DNS inside QinQ + PPPoE and on UDP/8053', {
  skip: existsSync(CORPUS) ? false : 'corpus not present',
}, () => {
  const r1 = runAppLayer(path.join(CORPUS, 'pcap/benign/ndpi_dns_vlan_pppoe.pcapng'))
  assert.ok(r1.of('dns').some((e) => e.query === 'e7.whatsapp.net' && e.answers.length === 8))
  const r2 = runAppLayer(path.join(CORPUS, 'pcap/portmismatch/tcpdump_dns_udp_port_8053.pcap'))
  assert.deepEqual(
    r2.of('dns').map((e) => [e.query, e.answers]),
    [['www.tcpdump.org', ['192.139.46.66']]],
  )
  assert.equal(r2.of('app-proto')[0]?.app_proto, 'dns')
})
