import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counters } from '../counters.js'
import type { FlowRecord, NetflowRecord } from '../events.js'
import { BiflowMerger, connState } from './biflow-merge.js'

function nf(
  p: Partial<NetflowRecord> & Pick<NetflowRecord, 'src_addr' | 'dst_addr' | 'src_port' | 'dst_port'>,
): NetflowRecord {
  const start = p.start ?? 1000
  const end = p.end ?? start + 1
  return {
    kind: 'netflow',
    ts: end,
    source: 'netflow:192.0.2.254',
    exporter: '192.0.2.254',
    version: 9,
    observation_domain: 0,
    protocol: 6,
    bytes: 1000,
    packets: 10,
    tcp_flags: 0x1b,
    sampling: 1,
    ...p,
    start,
    end,
  }
}

function setup(windowS = 60, maxPending = 1000) {
  const flows: FlowRecord[] = []
  const counters = new Counters()
  const m = new BiflowMerger({
    emit: (ev) => {
      if (ev.kind === 'flow') flows.push(ev)
    },
    counters,
    windowS,
    maxPending,
  })
  return { flows, counters, m }
}

const C = '10.0.0.5'
const S = '198.51.100.80'

test('biflow: A→B and B→A merge; originator = earlier first packet; SF from FIN both ways', () => {
  const { flows, m } = setup()
  // The server's record arrives first but starts later.
  m.add(
    nf({
      src_addr: S,
      dst_addr: C,
      src_port: 80,
      dst_port: 50000,
      start: 1000.2,
      end: 1005,
      bytes: 50_000,
      packets: 40,
    }),
  )
  m.add(
    nf({ src_addr: C, dst_addr: S, src_port: 50000, dst_port: 80, start: 1000, end: 1005, bytes: 800, packets: 12 }),
  )
  assert.equal(flows.length, 1)
  const f = flows[0]
  assert.ok(f)
  assert.deepEqual([f.orig_h, f.orig_p, f.resp_h, f.resp_p, f.proto], [C, 50000, S, 80, 'tcp'])
  assert.deepEqual([f.orig_ip_bytes, f.resp_ip_bytes, f.orig_pkts, f.resp_pkts], [800, 50_000, 12, 40])
  // Payload estimate: IP bytes minus 40 bytes of IPv4 + TCP header per packet.
  assert.deepEqual([f.orig_bytes, f.resp_bytes], [800 - 12 * 40, 50_000 - 40 * 40])
  assert.equal(f.conn_state, 'SF')
  assert.equal(f.source_kind, 'netflow')
  assert.equal(f.reporter, '192.0.2.254')
  assert.equal(f.history, '')
  assert.equal(f.ts, 1000)
  assert.equal(f.duration, 5)
  assert.equal(f.estimated, undefined)
})

test('biflow: equal start times fall back to ports (the lower port is the server)', () => {
  const { flows, m } = setup()
  m.add(nf({ src_addr: S, dst_addr: C, src_port: 21, dst_port: 40000 }))
  m.add(nf({ src_addr: C, dst_addr: S, src_port: 40000, dst_port: 21 }))
  m.flush()
  assert.equal(flows.length, 1)
  assert.deepEqual([flows[0]?.orig_h, flows[0]?.resp_p], [C, 21])
})

test('biflow: lone records: bare SYN is S0 from its source; a server-side record is flipped (nfdump -B)', () => {
  const { flows, m } = setup()
  m.add(nf({ src_addr: C, dst_addr: S, src_port: 50001, dst_port: 445, tcp_flags: 0x02, packets: 3, bytes: 180 }))
  m.add(nf({ src_addr: S, dst_addr: C, src_port: 79, dst_port: 50002, tcp_flags: 0x18 }))
  m.flush()
  assert.equal(flows.length, 2)
  const syn = flows.find((f) => f.resp_p === 445)
  assert.deepEqual([syn?.orig_h, syn?.conn_state, syn?.resp_pkts], [C, 'S0', 0])
  const finger = flows.find((f) => f.resp_p === 79)
  assert.deepEqual([finger?.orig_h, finger?.orig_p, finger?.orig_pkts, finger?.resp_ip_bytes], [C, 50002, 0, 1000])
})

test('biflow: records further apart than the window are not merged, and nothing is lost', () => {
  const { flows, m, counters } = setup(60)
  m.add(nf({ src_addr: C, dst_addr: S, src_port: 5000, dst_port: 53, protocol: 17, start: 1000, end: 1001 }))
  m.add(nf({ src_addr: S, dst_addr: C, src_port: 53, dst_port: 5000, protocol: 17, start: 2000, end: 2001 }))
  m.flush()
  assert.equal(flows.length, 2)
  assert.equal(counters.get('netflow_biflows_total', 'unmerged'), 2)
  assert.ok(flows.every((f) => f.conn_state === 'OTH' && f.proto === 'udp'))
})

test('biflow: time advances with record end times and expires waiting records unmerged', () => {
  const { flows, m } = setup(60)
  m.add(nf({ src_addr: C, dst_addr: S, src_port: 1111, dst_port: 22, start: 100, end: 110 }))
  assert.equal(flows.length, 0)
  m.add(nf({ src_addr: '10.0.0.6', dst_addr: S, src_port: 2222, dst_port: 22, start: 500, end: 510 }))
  assert.equal(flows.length, 1)
  assert.equal(flows[0]?.orig_p, 1111)
})

test('biflow: the pending map is capped; eviction emits the record', () => {
  const { flows, m, counters } = setup(60, 3)
  for (let i = 0; i < 5; i++) m.add(nf({ src_addr: C, dst_addr: S, src_port: 6000 + i, dst_port: 443 }))
  assert.equal(flows.length, 2)
  assert.equal(counters.get('netflow_biflow_evicted_total'), 2)
  m.flush()
  assert.equal(flows.length, 5)
})

test('biflow: RFC 5103 biflow records become one flow directly; sampled ones are estimated', () => {
  const { flows, m } = setup()
  m.add(
    nf({
      src_addr: C,
      dst_addr: S,
      src_port: 50000,
      dst_port: 443,
      reverse_bytes: 9000,
      reverse_packets: 9,
      sampling: 100,
      bytes: 100_000,
      packets: 1000,
      tcp_flags: 0x02,
    }),
  )
  assert.equal(flows.length, 1)
  const f = flows[0]
  assert.deepEqual([f?.orig_ip_bytes, f?.resp_ip_bytes, f?.resp_pkts], [100_000, 9000, 9])
  assert.equal(f?.estimated, true)
  assert.equal(f?.sampling, 100)
  assert.equal(f?.conn_state, 'S1')
})

test('biflow: IPv6 payload estimate uses a 40-byte IP header; uids are unique', () => {
  const { flows, m } = setup()
  m.add(nf({ src_addr: '2001:db8::1', dst_addr: '2001:db8::2', src_port: 40000, dst_port: 80, packets: 2, bytes: 200 }))
  m.add(nf({ src_addr: '2001:db8::1', dst_addr: '2001:db8::2', src_port: 40001, dst_port: 80, packets: 2, bytes: 200 }))
  m.flush()
  assert.equal(flows[0]?.orig_bytes, 200 - 2 * 60)
  assert.notEqual(flows[0]?.uid, flows[1]?.uid)
  assert.match(flows[0]?.uid ?? '', /^C[0-9A-Za-z]+$/)
})

test('connState: Zeek states from cumulative TCP flags', () => {
  const S_ = 0x02
  const A = 0x10
  const F = 0x01
  const R = 0x04
  assert.equal(connState(6, S_, 0, 0), 'S0')
  assert.equal(connState(6, S_, R | A, 1), 'REJ')
  assert.equal(connState(6, S_ | A, S_ | A, 2), 'S1')
  assert.equal(connState(6, S_ | A | F, S_ | A | F, 2), 'SF')
  assert.equal(connState(6, S_ | A | F, S_ | A, 2), 'S2')
  assert.equal(connState(6, S_ | A, S_ | A | F, 2), 'S3')
  assert.equal(connState(6, S_ | A | R, S_ | A, 2), 'RSTO')
  assert.equal(connState(6, S_ | A, S_ | A | R, 2), 'RSTR')
  assert.equal(connState(6, A, A, 2), 'OTH')
  assert.equal(connState(17, 0, 0, 1), 'OTH')
})
