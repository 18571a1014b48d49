import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { newPacketView, type PacketView } from '../decoders/packet-view.js'
import { Counters } from './counters.js'
import type { FlowEndReason, FlowRecord } from './events.js'
import type { Flow } from './flow.js'
import { flowToRecord } from './flow-record.js'
import { FlowTable, type FlowTableOptions } from './flow-table.js'

const FIN = 0x01
const SYN = 0x02
const RST = 0x04
const PSH = 0x08
const ACK = 0x10

const ip4 = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0)

interface Pkt {
  ts: number
  src: string
  dst: string
  sp?: number
  dp?: number
  proto?: number
  flags?: number
  len?: number
  seq?: number
  /** TCP window field (default 64240). */
  win?: number
  vlan?: number
  /** Captured payload bytes when snaplen cut the packet (default: all of len). */
  caplen?: number
  frag?: { offset: number; more: boolean }
  noIp?: boolean
}

const pv = newPacketView()

/** Fills the shared PacketView the way the walker does for an IPv4 (or IPv6, when src has ':') packet. */
function fill(p: Pkt): PacketView {
  const v6 = p.src.includes(':')
  pv.ts = p.ts
  pv.vlan = p.vlan ?? -1
  pv.ipVersion = p.noIp ? 0 : v6 ? 6 : 4
  pv.src.fill(0)
  pv.dst.fill(0)
  if (v6) {
    pv.src.set(v6Words(p.src))
    pv.dst.set(v6Words(p.dst))
  } else {
    pv.src[0] = ip4(p.src)
    pv.dst[0] = ip4(p.dst)
  }
  const proto = p.proto ?? 6
  pv.ipProto = proto
  const len = p.len ?? 0
  const thl = proto === 6 ? 20 : 8
  const later = p.frag !== undefined && p.frag.offset > 0
  pv.ipLen = (v6 ? 40 : 20) + (later ? len : thl + len)
  pv.isFragment = p.frag !== undefined
  pv.fragOffset = p.frag?.offset ?? 0
  pv.srcPort = later ? -1 : (p.sp ?? 0)
  pv.dstPort = later ? -1 : (p.dp ?? 0)
  pv.tcpFlags = proto === 6 ? (p.flags ?? ACK) : 0
  pv.tcpWindow = proto === 6 ? (p.win ?? 64240) : -1
  pv.seq = p.seq ?? 0
  pv.payloadOff = 100
  pv.payloadEnd = 100 + (p.caplen ?? len)
  pv.payloadLen = len
  return pv
}

function v6Words(s: string): number[] {
  const [head = '', tail = ''] = s.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === '' ? [] : tail.split(':')
  const groups = s.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  const g = groups.map((x) => Number.parseInt(x, 16))
  return [0, 1, 2, 3].map((i) => (((g[2 * i] ?? 0) << 16) | (g[2 * i + 1] ?? 0)) >>> 0)
}

interface Ended {
  flow: Flow
  reason: FlowEndReason
  rec: FlowRecord
}

function table(opts: Partial<FlowTableOptions> = {}): { t: FlowTable; ended: Ended[]; counters: Counters } {
  const ended: Ended[] = []
  const counters = new Counters()
  const t = new FlowTable({
    maxFlows: 1000,
    counters,
    ...opts,
    onEnd: (flow, reason) => ended.push({ flow, reason, rec: flowToRecord(flow, reason, 'pcap:test', 'pcap') }),
  })
  return { t, ended, counters }
}

const C = '10.0.0.1'
const S = '192.0.2.80'

/** Client C:40000 ↔ server S:80; `c` = client→server packet, `s` = server→client. */
const c = (ts: number, flags: number, len = 0, seq = 1000): Pkt => ({
  ts,
  src: C,
  dst: S,
  sp: 40000,
  dp: 80,
  flags,
  len,
  seq,
})
const s = (ts: number, flags: number, len = 0, seq = 5000): Pkt => ({
  ts,
  src: S,
  dst: C,
  sp: 80,
  dp: 40000,
  flags,
  len,
  seq,
})

function feed(t: FlowTable, pkts: Pkt[]): void {
  for (const p of pkts) t.update(fill(p))
}

function only(ended: Ended[]): FlowRecord {
  assert.equal(ended.length, 1, `expected one flow, got ${ended.map((e) => e.rec.history).join(' ')}`)
  const e = ended[0]
  assert.ok(e)
  return e.rec
}

test('handshake, data, FIN both ways: SF, history ShADadFf, counts from IP lengths, ended by fin', () => {
  const { t, ended } = table()
  feed(t, [
    c(1, SYN, 0, 1000),
    s(1.01, SYN | ACK, 0, 5000),
    c(1.02, ACK, 0, 1001),
    c(1.03, PSH | ACK, 100, 1001),
    s(1.04, ACK, 0, 5001),
    s(1.05, PSH | ACK, 1000, 5001),
    c(1.06, FIN | ACK, 0, 1101),
    s(1.07, FIN | ACK, 0, 6001),
    c(1.08, ACK, 0, 1102),
  ])
  assert.equal(ended.length, 0, 'still lingering')
  t.expire(1.08 + 10)
  const r = only(ended)
  assert.equal(r.conn_state, 'SF')
  assert.equal(r.history, 'ShADadFf')
  assert.equal(r.end_reason, 'fin')
  assert.equal(r.orig_h, C)
  assert.equal(r.orig_p, 40000)
  assert.equal(r.resp_h, S)
  assert.equal(r.resp_p, 80)
  assert.equal(r.proto, 'tcp')
  assert.equal(r.orig_pkts, 5)
  assert.equal(r.resp_pkts, 4)
  assert.equal(r.orig_bytes, 100)
  assert.equal(r.resp_bytes, 1000)
  assert.equal(r.orig_ip_bytes, 5 * 40 + 100)
  assert.equal(r.resp_ip_bytes, 4 * 40 + 1000)
  assert.equal(r.ts, 1)
  assert.equal(r.duration, 0.08)
  assert.match(r.uid, /^C[0-9A-Za-z]{17}$/)
  assert.equal(r.vlan, undefined)
  assert.equal(r.missed_bytes, undefined)
})

test('SYN only: S0, history S; SYN retransmitted with the same seq adds no letter', () => {
  const { t, ended } = table()
  feed(t, [c(1, SYN), c(2, SYN), c(4, SYN)])
  t.flush()
  const r = only(ended)
  assert.equal(r.conn_state, 'S0')
  assert.equal(r.history, 'S')
  assert.equal(r.end_reason, 'eof')
  assert.equal(r.orig_pkts, 3)
  assert.equal(r.resp_pkts, 0)
})

test('SYN answered by RST-ACK: REJ, history Sr, ended by rst', () => {
  const { t, ended } = table()
  feed(t, [c(1, SYN), s(1.001, RST | ACK, 0, 0)])
  t.expire(20)
  const r = only(ended)
  assert.equal(r.conn_state, 'REJ')
  assert.equal(r.history, 'Sr')
  assert.equal(r.end_reason, 'rst')
})

const established = (): Pkt[] => [c(1, SYN), s(1.01, SYN | ACK), c(1.02, ACK, 0, 1001), c(1.03, PSH | ACK, 10, 1001)]

test('RST from the originator after establishment: RSTO; from the responder: RSTR', () => {
  const a = table()
  feed(a.t, [...established(), c(2, RST | ACK, 0, 1011)])
  a.t.flush()
  assert.equal(only(a.ended).conn_state, 'RSTO')
  assert.equal(only(a.ended).history, 'ShADR')
  assert.equal(only(a.ended).end_reason, 'rst')

  const b = table()
  feed(b.t, [...established(), s(2, RST, 0, 5001)])
  b.t.flush()
  assert.equal(only(b.ended).conn_state, 'RSTR')
  assert.equal(only(b.ended).history, 'ShADr')
})

test('SYN then RST from the originator with no answer: RSTOS0', () => {
  const { t, ended } = table()
  feed(t, [c(1, SYN), c(1.5, RST, 0, 1001)])
  t.flush()
  assert.equal(only(ended).conn_state, 'RSTOS0')
  assert.equal(only(ended).history, 'SR')
})

test('established, one FIN only: S2 (originator) / S3 (responder); SYN then FIN: SH', () => {
  const a = table()
  feed(a.t, [...established(), c(2, FIN | ACK, 0, 1011)])
  a.t.flush()
  assert.equal(only(a.ended).conn_state, 'S2')
  const b = table()
  feed(b.t, [...established(), s(2, FIN | ACK, 0, 5001)])
  b.t.flush()
  assert.equal(only(b.ended).conn_state, 'S3')
  const sh = table()
  feed(sh.t, [c(1, SYN), c(1.1, FIN, 0, 1001)])
  sh.t.expire(30)
  assert.equal(only(sh.ended).conn_state, 'SH')
  assert.equal(only(sh.ended).end_reason, 'fin')
})

test('established and still open: S1', () => {
  const { t, ended } = table()
  feed(t, [...established(), s(1.1, PSH | ACK, 20, 5001)])
  t.flush()
  assert.equal(only(ended).conn_state, 'S1')
  assert.equal(only(ended).history, 'ShADd')
})

test('mid-stream pickup: the first sender is the originator, OTH, history Da', () => {
  const { t, ended } = table()
  feed(t, [s(1, PSH | ACK, 500, 9000), c(1.01, ACK, 0, 3000), s(1.02, PSH | ACK, 500, 9500)])
  t.flush()
  const r = only(ended)
  assert.equal(r.conn_state, 'OTH')
  assert.equal(r.history, 'Da')
  assert.equal(r.orig_h, S)
  assert.equal(r.orig_p, 80)
  assert.equal(r.orig_pkts, 2)
  assert.equal(r.resp_pkts, 1)
})

test('SYN-ACK seen first: its receiver is the originator and history starts with ^', () => {
  const { t, ended } = table()
  t.update(fill(s(1, SYN | ACK)))
  assert.equal(t.lastFromOrig, false)
  t.update(fill(c(1.01, ACK, 0, 1001)))
  assert.equal(t.lastFromOrig, true)
  feed(t, [c(1.02, PSH | ACK, 10, 1001)])
  t.flush()
  const r = only(ended)
  assert.equal(r.history, '^hAD')
  assert.equal(r.orig_h, C)
  assert.equal(r.resp_p, 80)
  assert.equal(r.conn_state, 'S1')
})

test('retransmitted data adds T at the 1st and 10th retransmission (log scale)', () => {
  const { t, ended } = table()
  feed(t, established())
  for (let i = 0; i < 10; i++) feed(t, [c(2 + i, PSH | ACK, 10, 1001)])
  t.flush()
  assert.equal(only(ended).history, 'ShADTT')
})

test('UDP both ways: SF, history Dd; one way: S0, history D', () => {
  const { t, ended } = table()
  const q = { src: C, dst: '192.0.2.53', sp: 5353, dp: 53, proto: 17 }
  const a = { src: '192.0.2.53', dst: C, sp: 53, dp: 5353, proto: 17 }
  feed(t, [
    { ...q, ts: 1, len: 30 },
    { ...a, ts: 1.1, len: 120 },
    { src: C, dst: '192.0.2.9', sp: 1000, dp: 514, proto: 17, ts: 2, len: 50 },
  ])
  t.flush()
  assert.equal(ended.length, 2)
  const dns = ended.find((e) => e.rec.resp_p === 53)?.rec
  const sys = ended.find((e) => e.rec.resp_p === 514)?.rec
  assert.equal(dns?.conn_state, 'SF')
  assert.equal(dns?.history, 'Dd')
  assert.equal(dns?.proto, 'udp')
  assert.equal(dns?.orig_bytes, 30)
  assert.equal(dns?.resp_bytes, 120)
  assert.equal(dns?.orig_ip_bytes, 58)
  assert.equal(sys?.conn_state, 'S0')
  assert.equal(sys?.history, 'D')
})

test('ICMP echo request and reply share one flow: orig_p = type 8, resp_p = 0, OTH', () => {
  const { t, ended } = table()
  feed(t, [
    { ts: 1, src: C, dst: S, proto: 1, sp: 8, dp: 0, len: 56 },
    { ts: 1.01, src: S, dst: C, proto: 1, sp: 0, dp: 0, len: 56 },
    { ts: 2, src: C, dst: S, proto: 1, sp: 8, dp: 0, len: 56 },
    { ts: 2.01, src: S, dst: C, proto: 1, sp: 0, dp: 0, len: 56 },
    // Destination unreachable, port unreachable (type 3 code 3): its own one-way flow.
    { ts: 3, src: S, dst: C, proto: 1, sp: 3, dp: 3, len: 36 },
  ])
  t.flush()
  assert.equal(ended.length, 2)
  const echo = ended.find((e) => e.rec.orig_p === 8)?.rec
  assert.equal(echo?.proto, 'icmp')
  assert.equal(echo?.resp_p, 0)
  assert.equal(echo?.orig_pkts, 2)
  assert.equal(echo?.resp_pkts, 2)
  assert.equal(echo?.conn_state, 'OTH')
  const unreach = ended.find((e) => e.rec.orig_p === 3)?.rec
  assert.equal(unreach?.resp_p, 3)
  assert.equal(unreach?.orig_h, S)
})

test('IPv6 flows get RFC 5952 address text; VLAN is part of the key and of the record', () => {
  const { t, ended } = table()
  feed(t, [
    { ts: 1, src: '2001:db8::1', dst: '2001:db8::2', sp: 1234, dp: 443, flags: SYN },
    { ts: 1.1, src: '2001:db8::2', dst: '2001:db8::1', sp: 443, dp: 1234, flags: SYN | ACK },
    { ...c(1, SYN), vlan: 10 },
    { ...c(1, SYN), vlan: 20 },
  ])
  t.flush()
  assert.equal(ended.length, 3)
  const v6 = ended.find((e) => e.rec.resp_p === 443)?.rec
  assert.equal(v6?.orig_h, '2001:db8::1')
  assert.equal(v6?.resp_h, '2001:db8::2')
  assert.equal(v6?.history, 'Sh')
  assert.deepEqual(
    ended
      .map((e) => e.rec.vlan)
      .filter((x) => x !== undefined)
      .sort(),
    [10, 20],
  )
})

test('snaplen truncation counts missed bytes', () => {
  const { t, ended } = table()
  feed(t, [...established(), { ...s(1.1, ACK, 1400, 5001), caplen: 54 }])
  t.flush()
  assert.equal(only(ended).missed_bytes, 1400 - 54)
  assert.equal(only(ended).resp_bytes, 1400)
})

test('packets without IP return undefined and are counted', () => {
  const { t, counters } = table()
  assert.equal(t.update(fill({ ...c(1, SYN), noIp: true })), undefined)
  assert.equal(counters.get('packets_without_ip_total'), 1)
  assert.equal(t.size, 0)
})

test('IPv4 fragments: one packet per datagram, every fragment byte counted (as after reassembly)', () => {
  const { t, ended, counters } = table()
  const u = { src: C, dst: S, sp: 5000, dp: 6000, proto: 17 }
  // A 3000-byte UDP payload in three fragments: 1480 (incl. 8-byte header) + 1480 + 48.
  assert.ok(t.update(fill({ ...u, ts: 1, len: 1472, frag: { offset: 0, more: true } })))
  assert.equal(t.update(fill({ ...u, ts: 1, len: 1480, frag: { offset: 1480, more: true } })), undefined)
  assert.equal(t.update(fill({ ...u, ts: 1, len: 48, frag: { offset: 2960, more: false } })), undefined)
  // A later fragment whose first fragment was never seen.
  t.update(fill({ ...u, src: '10.9.9.9', ts: 1, len: 100, frag: { offset: 1480, more: false } }))
  t.flush()
  const r = only(ended)
  assert.equal(r.orig_pkts, 1)
  assert.equal(r.orig_bytes, 3000)
  assert.equal(r.orig_ip_bytes, 20 + 8 + 3000)
  assert.equal(counters.get('flow_fragments_attributed_total'), 2)
  assert.equal(counters.get('flow_fragments_unattributed_total'), 1)
})

test('idle timeouts run on capture time: UDP after 60 s, TCP after 300 s, by sweep and on arrival', () => {
  const { t, ended } = table()
  const u = (ts: number): Pkt => ({ ts, src: C, dst: S, sp: 5000, dp: 53, proto: 17, len: 10 })
  feed(t, [u(0), ...established().map((p) => ({ ...p, ts: p.ts - 1 }))])
  feed(t, [u(59)]) // within the UDP timeout: same flow
  feed(t, [c(100, ACK, 0, 1011)]) // 100 s later: UDP (idle 41 s) stays, TCP continues
  assert.equal(ended.length, 0)
  feed(t, [c(130, ACK, 0, 1011)]) // sweep at 130: UDP idle 71 s > 60
  assert.equal(ended.length, 1)
  assert.equal(ended[0]?.rec.proto, 'udp')
  assert.equal(ended[0]?.reason, 'idle')
  assert.equal(ended[0]?.rec.orig_pkts, 2)
  // TCP idle 301 s, the next packet arrives before any sweep could run: ended on arrival, new flow.
  const t2 = table({ sweepIntervalS: 1e9 })
  feed(t2.t, [...established(), c(1.03 + 301, ACK, 0, 1011)])
  assert.equal(t2.ended.length, 1)
  assert.equal(t2.ended[0]?.reason, 'idle')
  assert.equal(t2.ended[0]?.rec.orig_pkts, 3)
  t2.t.flush()
  assert.equal(t2.ended[1]?.rec.conn_state, 'OTH')
  assert.equal(t2.ended[1]?.rec.orig_h, C, 'a new mid-stream flow')
})

test('active timeout splits a long flow into records with the same originator and new uids', () => {
  const { t, ended } = table({ activeTimeoutS: 10 })
  const total = 25
  for (let i = 0; i < total; i++) feed(t, [{ ts: i, src: S, dst: C, sp: 53, dp: 5000, proto: 17, len: 1 }])
  t.flush()
  assert.deepEqual(
    ended.map((e) => e.reason),
    ['active', 'active', 'eof'],
  )
  assert.equal(new Set(ended.map((e) => e.rec.uid)).size, 3)
  assert.ok(ended.every((e) => e.rec.orig_h === S))
  assert.equal(
    ended.reduce((a, e) => a + e.rec.orig_pkts, 0),
    total,
  )
})

test('closed TCP flow: a late ACK within the linger stays in it; later traffic or a new SYN opens a new flow', () => {
  const close = [...established(), c(2, FIN | ACK, 0, 1011), s(2.01, FIN | ACK, 0, 5001)]
  const a = table()
  feed(a.t, [...close, c(4, ACK, 0, 1012)])
  assert.equal(a.ended.length, 0)
  a.t.expire(4 + 5.5)
  assert.equal(a.ended.length, 1)
  assert.equal(a.ended[0]?.rec.orig_pkts, 5, 'SYN, ACK, data, FIN and the late ACK')
  assert.equal(a.ended[0]?.reason, 'fin')

  const b = table({ sweepIntervalS: 1e9 })
  feed(b.t, [...close, c(2.5, SYN, 0, 777)])
  assert.equal(b.ended.length, 1, 'port reuse ends the old flow at once')
  b.t.flush()
  assert.equal(b.ended[1]?.rec.history, 'S')
  assert.equal(b.ended[1]?.rec.conn_state, 'S0')
})

test('eviction at maxFlows: every flow is emitted exactly once and no packet is lost', () => {
  const { t, ended, counters } = table({ maxFlows: 10 })
  let fed = 0
  for (let i = 0; i < 500; i++) {
    const port = 1000 + ((i * 7919) % 60)
    feed(t, [{ ts: 1 + i * 0.001, src: C, dst: S, sp: port, dp: 53, proto: 17, len: 5 }])
    fed++
  }
  assert.ok(t.size <= 10)
  const evicted = ended.length
  assert.ok(evicted > 0)
  assert.ok(ended.every((e) => e.reason === 'evict'))
  t.flush()
  assert.equal(t.size, 0)
  assert.equal(
    ended.reduce((a, e) => a + e.rec.orig_pkts + e.rec.resp_pkts, 0),
    fed,
  )
  assert.equal(new Set(ended.map((e) => e.flow)).size, ended.length)
  assert.equal(counters.get('flows_ended_total', 'evict'), evicted)
  assert.equal(counters.get('flows_created_total'), ended.length)
})

test('hash collisions (constant hash): flows chain in one entry and stay apart', () => {
  const { t, ended } = table({ keyHash: () => 42, maxFlows: 3 })
  for (let i = 0; i < 5; i++) {
    feed(t, [
      { ts: 1 + i, src: C, dst: S, sp: 100 + i, dp: 53, proto: 17, len: 1 },
      { ts: 1 + i, src: S, dst: C, sp: 53, dp: 100 + i, proto: 17, len: 2 },
    ])
  }
  feed(t, [{ ts: 10, src: C, dst: S, sp: 100, dp: 53, proto: 17, len: 1 }])
  assert.ok(t.collisions > 0)
  assert.equal(t.size, 5, 'one cache entry holds all five flows')
  t.expire(10 + 61)
  assert.equal(ended.length, 5)
  t.flush()
  assert.equal(ended.length, 5)
  const first = ended.find((e) => e.rec.orig_p === 100)?.rec
  assert.equal(first?.orig_pkts, 2)
  assert.equal(first?.resp_pkts, 1)
  assert.equal(first?.resp_bytes, 2)
  assert.ok(ended.every((e) => e.rec.conn_state === 'SF'))
})

test('flush ends every flow once with the given reason; closed TCP flows keep fin/rst', () => {
  const { t, ended } = table()
  feed(t, [...established(), c(2, FIN | ACK, 0, 1011), s(2.01, FIN | ACK, 0, 5001)])
  feed(t, [{ ts: 3, src: C, dst: S, sp: 5000, dp: 53, proto: 17, len: 10 }])
  assert.equal(t.size, 2)
  t.flush('export')
  t.flush('export')
  assert.equal(ended.length, 2)
  assert.deepEqual(ended.map((e) => e.reason).sort(), ['export', 'fin'])
  assert.equal(t.size, 0)
})

test('onStart is called once per new flow, after its first packet is accounted', () => {
  const seen: number[] = []
  const t = new FlowTable({ maxFlows: 10, onEnd: () => {}, onStart: (f) => seen.push(f.origPkts) })
  feed(t, [c(1, SYN), s(1.1, SYN | ACK), c(1.2, ACK)])
  assert.deepEqual(seen, [1])
})

test('uids are deterministic for the same input and seed', () => {
  const run = (seed: number): string[] => {
    const { t, ended } = table({ uidSeed: seed })
    feed(t, [c(1, SYN), { ...c(1, SYN), sp: 1 }, { ...c(1, SYN), sp: 2 }])
    t.flush()
    return ended.map((e) => e.rec.uid)
  }
  assert.deepEqual(run(0), run(0))
  assert.notDeepEqual(run(0), run(1))
  assert.equal(new Set(run(0)).size, 3)
})

test('property: per-flow totals equal what was fed, each direction; no flow ends twice', () => {
  const tuples = [
    { src: C, dst: S, sp: 1000, dp: 80, proto: 6 },
    { src: C, dst: S, sp: 1001, dp: 80, proto: 6 },
    { src: C, dst: S, sp: 5000, dp: 53, proto: 17 },
    { src: '2001:db8::1', dst: '2001:db8::2', sp: 7, dp: 8, proto: 17 },
    { src: C, dst: S, sp: 8, dp: 0, proto: 1 },
  ]
  const pktArb = fc.record({
    tuple: fc.integer({ min: 0, max: tuples.length - 1 }),
    reverse: fc.boolean(),
    dt: fc.oneof(
      fc.constant(0),
      fc.double({ min: 0, max: 5, noNaN: true }),
      fc.double({ min: 0, max: 400, noNaN: true }),
    ),
    flags: fc.constantFrom(SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST, RST | ACK, FIN | RST, SYN | FIN),
    len: fc.integer({ min: 0, max: 1500 }),
    seq: fc.integer({ min: 0, max: 5000 }),
  })
  fc.assert(
    fc.property(
      fc.array(pktArb, { maxLength: 200 }),
      fc.integer({ min: 1, max: 4 }),
      fc.boolean(),
      (pkts, maxFlows, collide) => {
        // With `collide`, every tuple hashes alike, so all flows share one cache entry (collision chains).
        const { t, ended } = table({ maxFlows, activeTimeoutS: 600, ...(collide ? { keyHash: () => 7 } : {}) })
        const fed = new Map<string, { pkts: number; bytes: number }>()
        let ts = 1000
        for (const p of pkts) {
          ts += p.dt
          const tu = tuples[p.tuple]
          assert.ok(tu)
          const dir = p.reverse
            ? { src: tu.dst, dst: tu.src, sp: tu.proto === 1 ? 0 : tu.dp, dp: tu.proto === 1 ? 0 : tu.sp }
            : { src: tu.src, dst: tu.dst, sp: tu.sp, dp: tu.dp }
          t.update(fill({ ...dir, proto: tu.proto, ts, flags: p.flags, len: p.len, seq: p.seq }))
          const k = `${p.tuple}/${p.reverse}`
          const e = fed.get(k) ?? { pkts: 0, bytes: 0 }
          e.pkts++
          e.bytes += p.len
          fed.set(k, e)
        }
        t.flush()
        assert.equal(new Set(ended.map((e) => e.flow)).size, ended.length, 'a flow ended twice')
        assert.equal(new Set(ended.map((e) => e.rec.uid)).size, ended.length, 'uid reused')
        const got = new Map<string, { pkts: number; bytes: number }>()
        for (const { rec } of ended) {
          const i = tuples.findIndex(
            (tu) =>
              (tu.src === rec.orig_h || tu.dst === rec.orig_h) &&
              (tu.proto === 1 ? 'icmp' : tu.proto === 6 ? 'tcp' : 'udp') === rec.proto &&
              (rec.orig_p === tu.sp || rec.resp_p === tu.sp || tu.proto === 1),
          )
          assert.ok(i >= 0)
          const tu = tuples[i]
          assert.ok(tu)
          const origIsSrc = rec.orig_h === tu.src && (tu.proto === 1 ? rec.orig_p === 8 : rec.orig_p === tu.sp)
          for (const [rev, pk, by] of [
            [!origIsSrc, rec.orig_pkts, rec.orig_bytes],
            [origIsSrc, rec.resp_pkts, rec.resp_bytes],
          ] as const) {
            const k = `${i}/${rev}`
            const e = got.get(k) ?? { pkts: 0, bytes: 0 }
            e.pkts += pk
            e.bytes += by
            got.set(k, e)
          }
        }
        for (const [k, v] of fed) assert.deepEqual(got.get(k), v, `totals of ${k}`)
        assert.equal(t.size, 0)
      },
    ),
    { numRuns: 300 },
  )
})

test('history longer than the packed registers, and a replaced history, read back in order', () => {
  const { t, ended } = table()
  feed(t, established())
  // 20 SYNs with new sequence numbers: each one is a new S (Zeek repeats S when the seq changes).
  for (let i = 0; i < 20; i++) feed(t, [c(2 + i * 0.01, SYN, 0, 10_000 + i)])
  const f = t.update(fill(c(3, ACK, 0, 1011)))
  assert.ok(f)
  assert.equal(f.history, `ShAD${'S'.repeat(20)}`)
  f.history = 'X'
  feed(t, [s(3.1, PSH | ACK, 5, 5001)])
  t.flush()
  assert.equal(only(ended).history, 'Xd')
})

test('an expired UDP flow behind a longer-lived TCP flow ends at its own timeout; one evicted late is reported idle', () => {
  const u = (ts: number, sp: number): Pkt => ({ ts, src: C, dst: S, sp, dp: 53, proto: 17, len: 1 })
  // Sweeps on: the UDP flow (60 s) ends at the sweep after its timeout although the TCP flow (300 s), older
  // and less recently used, is still live.
  const a = table({ maxFlows: 3 })
  feed(a.t, [c(0, SYN), u(1, 1), u(100, 2)])
  assert.deepEqual(
    a.ended.map((e) => [e.rec.proto, e.rec.orig_p, e.reason]),
    [['udp', 1, 'idle']],
  )
  // Sweeps off: nothing is swept, so eviction at the cap meets flows whose timeout has passed.
  const { t, ended } = table({ maxFlows: 3, sweepIntervalS: 1e9 })
  feed(t, [c(0, SYN), u(1, 1), u(100, 2)])
  assert.equal(ended.length, 0)
  feed(t, [u(100, 3)]) // a 4th flow: evicts the least recently used (the TCP flow, idle 100 s of its 300)
  feed(t, [u(100, 4)]) // a 5th: evicts the UDP flow, which had timed out already
  assert.deepEqual(
    ended.map((e) => [e.rec.proto, e.reason]),
    [
      ['tcp', 'evict'],
      ['udp', 'idle'],
    ],
  )
})

test('zero windows: W/w on a log10 scale, not on a RST nor after the peer closed (Zeek UpdateWindow)', () => {
  const { t, ended } = table()
  feed(t, established())
  feed(t, [c(1.1, PSH | ACK, 100, 1001)])
  // The server advertises a zero window 12 times: w at the 1st and the 10th.
  for (let i = 0; i < 12; i++) feed(t, [{ ...s(1.2 + i * 0.01, ACK, 0, 5001), win: 0 }])
  feed(t, [{ ...s(1.4, FIN | ACK, 0, 5001), win: 0 }]) // the 13th: no letter
  feed(t, [{ ...c(1.5, ACK, 0, 1101), win: 0 }]) // after the server's FIN: not counted
  feed(t, [{ ...c(1.6, RST | ACK, 0, 1101), win: 0 }]) // a RST: not counted
  t.flush()
  const rec = only(ended)
  assert.equal(rec.history, 'ShADawwfR')
})

test('idle timeouts on the timer wheel: longer than the wheel, kept alive by traffic, after a jump in time', () => {
  const u = (ts: number, sp: number): Pkt => ({ ts, src: C, dst: S, sp, dp: 53, proto: 17, len: 1 })
  // TCP idle timeout 2,000 s, longer than the wheel's 1,024 one-second slots: parked and checked again.
  // A UDP flow sending every 30 s (timeout 60) keeps sweeps running and must stay one flow throughout.
  const { t, ended } = table({ tcpIdleS: 2000 })
  feed(t, [c(0.5, SYN)])
  for (let ts = 1; ts <= 1990; ts += 30) feed(t, [u(ts, 7)])
  feed(t, [u(2000.4, 7)])
  assert.equal(ended.length, 0, 'nothing idle yet at 2000.4 s (the TCP flow is 1999.9 s idle)')
  feed(t, [u(2001.5, 7)]) // the next sweep (one per second of capture time)
  assert.deepEqual(
    ended.map((e) => [e.rec.proto, e.reason]),
    [['tcp', 'idle']],
  )
  // Capture time jumps by more than the wheel: the UDP flow is ended at the first sweep after the jump.
  feed(t, [u(9000, 8)])
  assert.deepEqual(
    ended.map((e) => [e.rec.proto, e.rec.orig_p, e.reason, e.rec.orig_pkts]),
    [
      ['tcp', 40000, 'idle', 1],
      ['udp', 7, 'idle', 69],
    ],
  )
  t.flush()
  assert.deepEqual(
    ended.slice(2).map((e) => [e.rec.orig_p, e.reason]),
    [[8, 'eof']],
  )
})

test('a table larger than its first allocation grows without losing the LRU order or the cap', () => {
  // maxFlows above the initial cache size: the cache is rebuilt (16 Ki, 64 Ki, then 70,000) while flows are live.
  const maxFlows = 70_000
  const { t, ended } = table({ maxFlows })
  const udp = (i: number, ts: number): Pkt => ({
    ts,
    src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    dst: S,
    sp: 5000,
    dp: 53,
    proto: 17,
    len: 10,
  })
  for (let i = 0; i < maxFlows; i++) feed(t, [udp(i, 1 + i * 1e-5)])
  assert.equal(t.size, maxFlows)
  assert.equal(ended.length, 0)
  // Flow 0 is touched again (now most recent); the next two new flows evict flows 1 and 2, the least recent.
  feed(t, [udp(0, 2), udp(maxFlows, 2.1), udp(maxFlows + 1, 2.2)])
  assert.equal(t.size, maxFlows)
  assert.deepEqual(
    ended.map((e) => [e.rec.orig_h, e.reason]),
    [
      ['10.0.0.1', 'evict'],
      ['10.0.0.2', 'evict'],
    ],
  )
})

test('connections one at a time: the table empties between them and every flow still ends once', () => {
  // Each connection closes and lingers out before the next starts, so the table goes 1 → 0 flows each time.
  const { t, ended } = table({ maxFlows: 1_000_000 })
  const n = 2000
  for (let i = 0; i < n; i++) {
    const ts = 10 + i * 10
    const sp = 1024 + i
    const cs = (dt: number, flags: number, len = 0): Pkt => ({ ts: ts + dt, src: C, dst: S, sp, dp: 80, flags, len })
    const sc = (dt: number, flags: number): Pkt => ({ ts: ts + dt, src: S, dst: C, sp: 80, dp: sp, flags, seq: 5000 })
    feed(t, [cs(0, SYN), sc(0.001, SYN | ACK), cs(0.002, ACK), cs(0.003, FIN | ACK), sc(0.004, FIN | ACK)])
  }
  t.flush()
  assert.equal(ended.length, n)
  assert.ok(ended.every((e) => e.rec.conn_state === 'SF' && e.reason === 'fin'))
  assert.equal(new Set(ended.map((e) => e.rec.orig_p)).size, n)
})

test('a Flow kept after its flow ended keeps its values while its row goes to a new flow', () => {
  const { t, ended, counters } = table()
  const u = (ts: number, sp: number, len: number, frag?: Pkt['frag']): Pkt => ({
    ts,
    src: C,
    dst: S,
    sp,
    dp: 53,
    proto: 17,
    len,
    ...(frag ? { frag } : {}),
  })
  // Flow A: a first fragment and a reply.
  const a = t.update(fill(u(1, 1111, 1472, { offset: 0, more: true })))
  assert.ok(a)
  feed(t, [{ ts: 2, src: S, dst: C, sp: 53, dp: 1111, proto: 17, len: 40 }])
  // A is idle past the UDP timeout; the packet of flow B ends it, and B takes the freed row.
  const b = t.update(fill(u(100, 2222, 7)))
  assert.ok(b)
  assert.equal(ended.length, 1)
  assert.equal(ended[0]?.flow, a)
  // A later fragment of A's datagram: its owner's row is B's now, so it is not attributed to B.
  t.update(fill(u(100.5, -1, 500, { offset: 1480, more: false })))
  assert.equal(counters.get('flow_fragments_unattributed_total'), 1)
  feed(t, [u(101, 2222, 9)])
  assert.deepEqual(
    [a.orig_p, a.origPkts, a.respPkts, a.origBytes, a.respBytes, a.lastTs, a.history],
    [1111, 1, 1, 1472, 40, 2, 'Dd'],
  )
  assert.deepEqual([b.orig_p, b.origPkts, b.origBytes, b.lastTs, b.history], [2222, 2, 16, 101, 'D'])
  t.flush()
  assert.deepEqual(
    ended.map((e) => [e.rec.orig_p, e.rec.orig_pkts, e.rec.orig_bytes, e.reason]),
    [
      [1111, 1, 1472, 'idle'],
      [2222, 2, 16, 'eof'],
    ],
  )
})
