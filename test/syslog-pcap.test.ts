/**
 * pcaps/syslog/vendor-lines.pcap (recorded by pcaps/syslog/record.sh with util-linux logger): the UDP
 * datagrams and the TCP streams' payloads, extracted by tshark, through our framer and ingest and the
 * portproxy-change / download-tool detections. Expectations come from the lines record.sh sent.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { DetectionContext } from '../analytics/detection.js'
import downloadTool from '../analytics/detections/download-tool.js'
import portproxyChange from '../analytics/detections/portproxy-change.js'
import type { AlertEvent, FlowRecord, HostEvent, SensorEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import { SyslogFramer } from '../decoders/syslog/framing.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'

const PCAP = path.resolve(import.meta.dirname, '../pcaps/syslog/vendor-lines.pcap')

test('vendor-lines.pcap: 5 flows, 2 host events, a download and a port proxy alert', () => {
  const rows = execFileSync(
    'tshark',
    [
      '-r',
      PCAP,
      '-Y',
      'udp || tcp.len>0',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-e',
      'frame.time_epoch',
      '-e',
      'tcp.stream',
      '-e',
      'udp.payload',
      '-e',
      'tcp.payload',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
  const events: SensorEvent[] = []
  const counters = new Counters()
  const ingest = new SyslogIngest({ emit: (e) => events.push(e), counters, source: 'syslog-pcap' })
  const framers = new Map<string, SyslogFramer>()
  for (const [t = '0', stream = '', udp = '', tcp = ''] of rows) {
    const ts = Number(t)
    if (udp !== '') {
      const b = Buffer.from(udp, 'hex')
      ingest.handleMessage(b, 0, b.length, '127.0.0.1', ts)
    } else {
      let f = framers.get(stream)
      if (f === undefined) {
        f = new SyslogFramer(
          (b, o, e) => ingest.handleMessage(b, o, e, '127.0.0.1', ts),
          (r) => counters.inc('syslog_errors_total', r),
        )
        framers.set(stream, f)
      }
      f.push(Buffer.from(tcp, 'hex'))
    }
  }
  for (const f of framers.values()) f.end()
  assert.equal(counters.get('syslog_messages_total'), 9)
  assert.deepEqual(counters.family('syslog_errors_total'), {})
  const flows = events.filter((e): e is FlowRecord => e.kind === 'flow')
  // The reporter is the syslog HOSTNAME, which logger filled with the recording machine's name (`vm`).
  assert.deepEqual(
    flows.map((f) => [f.reporter, f.orig_h, f.resp_h, f.resp_p, f.proto, f.orig_bytes, f.resp_bytes]).sort(),
    [
      ['vm', '10.1.1.5', '198.51.100.80', 79, 'tcp', 9000, 0],
      ['vm', '10.1.1.6', '198.51.100.69', 69, 'udp', 0, 0],
      ['vm', '10.1.1.7', '198.51.100.80', 80, 'tcp', 1234, 5242880],
      ['vm', '10.1.1.8', '198.51.100.80', 80, 'tcp', 100000, 2000000],
      ['vm', '10.1.100.11', '198.51.100.81', 443, 'tcp', 1188, 1224],
    ],
  )
  const hosts = events.filter((e): e is HostEvent => e.kind === 'host')
  assert.deepEqual(
    hosts.map((h) => [h.event_id, h.host, h.user, h.image]),
    [
      ['sysmon:1', 'ws09.corp.example', 'CORP\\dave', 'C:\\Windows\\System32\\certutil.exe'],
      ['sysmon:1', 'ws10.corp.example', 'CORP\\erin', 'C:\\Windows\\System32\\netsh.exe'],
    ],
  )
  const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
  const dets = [portproxyChange.create(portproxyChange.params, ctx), downloadTool.create(downloadTool.params, ctx)]
  const alerts: AlertEvent[] = []
  for (const ev of events) for (const d of dets) alerts.push(...(d.onEvent(ev) ?? []))
  assert.deepEqual(
    alerts.map((a) => [
      a.detection,
      a.host,
      a.details?.url ?? `${a.details?.connect_address}:${a.details?.connect_port}`,
    ]),
    [
      ['download-tool', 'ws09.corp.example', 'http://198.51.100.7/p.exe'],
      ['portproxy-change', 'ws10.corp.example', '203.0.113.50:445'],
    ],
  )
  assert.equal(alerts[1]?.severity, 'critical')
})
