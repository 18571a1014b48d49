import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Proto } from './events.js'
import type { Flow } from './flow.js'
import {
  connState,
  flowToRecord,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_PARTIAL,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
} from './flow-record.js'

function flow(proto: Proto, extra: Partial<Flow> & { origState?: number; respState?: number } = {}): Flow {
  return {
    uid: 'CabcdefghijklmnopQ',
    proto,
    ipProto: proto === 'tcp' ? 6 : proto === 'udp' ? 17 : 1,
    orig_h: '10.0.0.1',
    orig_p: 40000,
    resp_h: '192.0.2.80',
    resp_p: 80,
    vlan: -1,
    firstTs: 100,
    lastTs: 100.25,
    origPkts: 1,
    respPkts: 1,
    origIpBytes: 60,
    respIpBytes: 60,
    origBytes: 0,
    respBytes: 0,
    missedBytes: 0,
    history: '',
    service: [],
    serverName: undefined,
    appProtoTs: undefined,
    appProtoTc: undefined,
    app: undefined,
    ...extra,
  }
}

const tcp = (os: number, rs: number, history = '', bytes = 0): Flow =>
  flow('tcp', { origState: os, respState: rs, history, origBytes: bytes })

test('conn_state follows the decision table of Zeek conn/main.zeek', () => {
  const cases: [Flow, string][] = [
    [tcp(TCP_SYN_SENT, TCP_INACTIVE, 'S'), 'S0'],
    [tcp(TCP_ESTABLISHED, TCP_ESTABLISHED, 'ShAD'), 'S1'],
    [tcp(TCP_CLOSED, TCP_CLOSED, 'ShADadFf'), 'SF'],
    [tcp(TCP_SYN_SENT, TCP_RESET, 'Sr'), 'REJ'],
    [tcp(TCP_SYN_ACK_SENT, TCP_RESET, 'Hr'), 'REJ'],
    [tcp(TCP_RESET, TCP_RESET, 'SrR'), 'REJ'],
    [tcp(TCP_RESET, TCP_RESET, 'ShADdRr', 10), 'RSTR'],
    [tcp(TCP_CLOSED, TCP_ESTABLISHED, 'ShADF'), 'S2'],
    [tcp(TCP_ESTABLISHED, TCP_CLOSED, 'ShADf'), 'S3'],
    [tcp(TCP_RESET, TCP_ESTABLISHED, 'ShADR'), 'RSTO'],
    [tcp(TCP_ESTABLISHED, TCP_RESET, 'ShADr'), 'RSTR'],
    [tcp(TCP_RESET, TCP_INACTIVE, 'SR'), 'RSTOS0'],
    [tcp(TCP_RESET, TCP_INACTIVE, '^SR'), 'RSTOS0'],
    [tcp(TCP_RESET, TCP_INACTIVE, 'DR'), 'OTH'],
    [tcp(TCP_INACTIVE, TCP_RESET, 'hr'), 'RSTRH'],
    [tcp(TCP_PARTIAL, TCP_RESET, 'Dr'), 'RSTRH'],
    [tcp(TCP_CLOSED, TCP_INACTIVE, 'SF'), 'SH'],
    [tcp(TCP_INACTIVE, TCP_CLOSED, 'hf'), 'SHR'],
    [tcp(TCP_PARTIAL, TCP_PARTIAL, 'Dd'), 'OTH'],
  ]
  for (const [f, want] of cases) assert.equal(connState(f), want, `history ${f.history}`)
})

test('UDP: SF both ways, S0 originator only, SHR responder only; ICMP and a TCP flow without states: OTH', () => {
  assert.equal(connState(flow('udp')), 'SF')
  assert.equal(connState(flow('udp', { respPkts: 0 })), 'S0')
  assert.equal(connState(flow('udp', { origPkts: 0 })), 'SHR')
  assert.equal(connState(flow('icmp')), 'OTH')
  assert.equal(connState(flow('tcp')), 'OTH')
})

test('flowToRecord: conn.log names, service joined, optional fields only when set', () => {
  const plain = flowToRecord(flow('udp'), 'idle', 'pcap:x.pcap', 'pcap')
  assert.deepEqual(plain, {
    kind: 'flow',
    ts: 100,
    source: 'pcap:x.pcap',
    source_kind: 'pcap',
    uid: 'CabcdefghijklmnopQ',
    orig_h: '10.0.0.1',
    orig_p: 40000,
    resp_h: '192.0.2.80',
    resp_p: 80,
    proto: 'udp',
    service: '',
    duration: 0.25,
    orig_bytes: 0,
    resp_bytes: 0,
    orig_ip_bytes: 60,
    resp_ip_bytes: 60,
    orig_pkts: 1,
    resp_pkts: 1,
    history: '',
    conn_state: 'SF',
    end_reason: 'idle',
  })
  const rich = flowToRecord(
    flow('tcp', {
      vlan: 42,
      missedBytes: 1346,
      service: ['http', 'tls'],
      serverName: 'example.org',
      appProtoTs: 'http',
      appProtoTc: 'http',
      origState: TCP_CLOSED,
      respState: TCP_CLOSED,
    } as Partial<Flow>),
    'fin',
    'pcap:x.pcap',
    'pcap',
  )
  assert.equal(rich.vlan, 42)
  assert.equal(rich.missed_bytes, 1346)
  assert.equal(rich.service, 'http,tls')
  assert.equal(rich.server_name, 'example.org')
  assert.equal(rich.app_proto_ts, 'http')
  assert.equal(rich.app_proto_tc, 'http')
  assert.equal(rich.conn_state, 'SF')
  assert.equal(JSON.parse(JSON.stringify(rich)).vlan, 42, 'plain serializable data')
})

test('duration is rounded to microseconds', () => {
  const r = flowToRecord(flow('udp', { firstTs: 1700000000.1, lastTs: 1700000000.3 }), 'eof', 's', 'pcap')
  assert.equal(r.duration, 0.2)
})
