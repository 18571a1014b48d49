/**
 * Every syslog file of ../shared/corpus/syslog against its MANIFEST.tsv ground truth: text archives read
 * through readSyslogFile + SyslogIngest, the two UDP pcaps' datagrams extracted by tshark (facility and
 * severity compared with tshark's syslog dissector), the TCP pcap's client payloads extracted by tshark
 * and framed by our RFC 6587 framer, and the Windows event files run through portproxy-change and
 * download-tool with the alerts the manifest names.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { DetectionContext } from '../analytics/detection.js'
import downloadTool from '../analytics/detections/download-tool.js'
import portproxyChange from '../analytics/detections/portproxy-change.js'
import type { AlertEvent, HostEvent, SensorEvent, SyslogEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import { SyslogFramer } from '../decoders/syslog/framing.js'
import { looksLikeSyslog, readSyslogFile } from '../sensor/collectors/syslog-file.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')
const SY = path.join(CORPUS, 'syslog')
const skip = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }

function ingest() {
  const events: SensorEvent[] = []
  const counters = new Counters()
  const ing = new SyslogIngest({ emit: (e) => events.push(e), counters, source: 'syslog' })
  return { events, counters, ing }
}

async function readArchive(rel: string) {
  const file = path.join(SY, rel)
  const x = ingest()
  const r = await readSyslogFile(file, x.ing)
  const lines = readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => l.trim() !== '').length
  return { ...x, r, lines, file }
}

function detect(events: readonly SensorEvent[]): AlertEvent[] {
  const dets = [portproxyChange.create(portproxyChange.params, ctx), downloadTool.create(downloadTool.params, ctx)]
  const out: AlertEvent[] = []
  for (const ev of events) for (const d of dets) out.push(...(d.onEvent(ev) ?? []))
  return out
}

/** Alerts at or above medium, one per identifier (what the sink's suppression keeps). */
function distinct(alerts: readonly AlertEvent[], minScore = 40): AlertEvent[] {
  const seen = new Map<string, AlertEvent>()
  for (const a of alerts) if (a.score >= minScore && !seen.has(a.identifier)) seen.set(a.identifier, a)
  return [...seen.values()]
}

const hosts = (events: readonly SensorEvent[]) => events.filter((e): e is HostEvent => e.kind === 'host')
const syslogs = (events: readonly SensorEvent[]) => events.filter((e): e is SyslogEvent => e.kind === 'syslog')

test('every text archive is recognised as syslog and every line parsed', { skip }, async () => {
  const files = ['cisco_ios', 'cisco_nxos', 'juniper', 'paloalto', 'windows'].flatMap((d) =>
    readdirSync(path.join(SY, d))
      .filter((f) => f.endsWith('.log'))
      .map((f) => `${d}/${f}`),
  )
  assert.equal(files.length, 12)
  for (const rel of files) {
    const a = await readArchive(rel)
    assert.ok(looksLikeSyslog(readFileSync(a.file).subarray(0, 4096)), rel)
    assert.equal(a.r.lines, a.lines, rel)
    assert.equal(syslogs(a.events).length, a.lines, rel)
    const errs = a.counters.family('syslog_errors_total')
    for (const k of Object.keys(errs)) assert.equal(k, 'syslog.pri_missing', `${rel}: ${k}`)
  }
  // A capture is not syslog text.
  assert.equal(looksLikeSyslog(readFileSync(path.join(SY, 'pcap/zeek_syslog_over_tcp.pcap')).subarray(0, 4096)), false)
})

test('Cisco IOS / NX-OS / Junos / PAN-OS archives: headers as the manifest describes', { skip }, async () => {
  const ios = syslogs((await readArchive('cisco_ios/napalm_logs_ios_messages.log')).events)
  assert.equal(ios.length, 10)
  for (const e of ios) {
    assert.equal(e.format, 'cisco')
    assert.match(e.msg_id ?? '', /^[A-Z0-9_]+-\d-[A-Z0-9_]+$/)
  }
  assert.ok(ios.some((e) => e.msg_id === 'SYS-5-CONFIG_I' && /tftp:\/\/10\.83\.21\.224/.test(e.message)))
  const nx = syslogs((await readArchive('cisco_nxos/napalm_logs_nxos_messages.log')).events)
  assert.equal(nx.length, 7)
  for (const e of nx) {
    assert.ok(e.hostname !== undefined && e.msg_id !== undefined, e.message)
    assert.equal(e.facility, 23)
  }
  const jn = syslogs((await readArchive('juniper/napalm_logs_junos_messages.log')).events)
  assert.equal(jn.length, 65)
  assert.ok(jn.every((e) => e.hostname !== undefined))
  const rfc3339 = jn.filter((e) => e.ts === Date.UTC(2020, 2, 31, 8, 41, 59) / 1000)
  assert.ok(rfc3339.length >= 4)
  const pa = await readArchive('paloalto/crowdsec_panos_threat_rfc5424ish.log')
  const ps = syslogs(pa.events)
  assert.deepEqual(
    ps.map((e) => [e.hostname, e.ts]),
    [
      ['paloalto.test.host', Date.UTC(2023, 6, 6, 6, 11, 40) / 1000],
      ['paloalto.test.host', Date.UTC(2023, 6, 5, 12, 14, 33) / 1000],
    ],
  )
  assert.equal(pa.events.filter((e) => e.kind === 'flow').length, 0)
  assert.equal(detect(pa.events).length, 0)
})

test('netsh 4688 file: 2 portproxy adds (one abbreviated) ≥ medium, the reset below medium', { skip }, async () => {
  const a = await readArchive('windows/mdec_security4688_netsh_portproxy.rfc5424.log')
  const alerts = detect(a.events).filter((x) => x.detection === 'portproxy-change')
  const adds = distinct(alerts)
  assert.equal(adds.length, 2)
  assert.deepEqual(adds.map((x) => x.details?.abbreviated).sort(), [false, true])
  assert.deepEqual(adds.map((x) => x.details?.listen_port).sort(), ['48333', '8001'])
  assert.ok(adds.every((x) => x.host === 'fs01.offsec.lan' && x.user === 'OFFSEC\\admmig'))
  const reset = alerts.filter((x) => x.details?.verb === 'reset')
  assert.equal(reset.length, 1)
  assert.ok((reset[0]?.score ?? 100) < 40)
})

test('Sysmon netsh RDP file: command line and registry write, abbreviated, RDP forward', { skip }, async () => {
  const a = await readArchive('windows/evtxattack_sysmon_netsh_portproxy_rdp.rfc5424.log')
  const alerts = detect(a.events).filter((x) => x.detection === 'portproxy-change')
  assert.deepEqual(alerts.map((x) => x.details?.via).sort(), ['command-line', 'registry'])
  for (const x of alerts) {
    assert.equal(x.details?.listen_address, '1.2.3.4')
    assert.equal(x.details?.listen_port, '8001')
    assert.equal(x.details?.connect_address, '1.2.3.5')
    assert.equal(x.details?.connect_port, '3389')
    assert.ok(x.score >= 65)
  }
  assert.equal(distinct(alerts).length, 1)
})

test('certutil, bitsadmin and PowerShell WebClient files: download-tool with the named URLs', { skip }, async () => {
  const cases: [string, string][] = [
    [
      'windows/mdec_security4688_certutil_urlcache.rfc5424.log',
      'https://github.com/mdecrevoisier/EVTX-to-MITRE-Attack/blob/master/EVTX_full_APT_attack_steps/ID4688',
    ],
    [
      'windows/mdec_security4688_bitsadmin_transfer.rfc5424.log',
      'https://www.ma-neobanque.com/wp-content/uploads/2020/11/carte-max-premium.jpg',
    ],
    [
      'windows/mdec_powershell4104_webclient_downloadstring.rfc5424.log',
      'https://miro.medium.com/max/1400/1*FnPDYeZVrGTbuE7Lj7JhgQ.png',
    ],
  ]
  for (const [rel, url] of cases) {
    const a = await readArchive(rel)
    const d = distinct(detect(a.events).filter((x) => x.detection === 'download-tool'))
    assert.equal(d.length, 1, rel)
    assert.ok(String(d[0]?.details?.url).startsWith(url), `${rel}: ${d[0]?.details?.url}`)
    assert.equal(d[0]?.technique, 'T1105')
  }
})

test('EDR testing script: the four CradleTest downloads, the portproxy add, the Sysmon 11 evidence', {
  skip,
}, async () => {
  const a = await readArchive('windows/evtxattack_sysmon_edr_testing_script.rfc5424.log')
  assert.equal(hosts(a.events).length, 122)
  const alerts = detect(a.events)
  const dl = distinct(alerts.filter((x) => x.detection === 'download-tool'))
  const cradle = 'https://raw.githubusercontent.com/op7ic/EDR-Testing-Script/master/Payloads/CradleTest.txt'
  const methods = new Set(dl.filter((x) => x.details?.url === cradle).map((x) => x.details?.method))
  for (const m of ['bitsadmin /transfer', 'Start-BitsTransfer', 'Net.WebClient.DownloadFile', 'certutil -urlcache']) {
    assert.ok(methods.has(m), `missing ${m}; have ${[...methods].join(', ')}`)
  }
  assert.ok(dl.some((x) => x.details?.tool === 'mshta'))
  assert.ok(dl.some((x) => x.details?.tool === 'regsvr32'))
  const pp = distinct(alerts.filter((x) => x.detection === 'portproxy-change' && x.details?.verb === 'add'))
  assert.equal(pp.length, 1)
  assert.equal(pp[0]?.details?.connect_address, '192.168.1.1')
  assert.equal(pp[0]?.details?.listen_port, '8080')
  assert.ok(
    hosts(a.events).some(
      (h) => h.event_id === 'sysmon:11' && h.target_filename === 'C:\\Windows\\System32\\Default_File_Path.ps1',
    ),
  )
  // certutil -decode (T1140) precedes the downloads in this file: not a download-tool alert.
  assert.ok(!dl.some((x) => String(x.details?.method).includes('decode')))
})

test('finger.exe and PsExec files: host evidence for the finger and correlation detections', { skip }, async () => {
  const f = hosts((await readArchive('windows/sigma_sysmon1_finger_exe.rfc5424.log')).events)
  assert.equal(f.length, 1)
  assert.equal(f[0]?.event_id, 'sysmon:1')
  assert.equal(f[0]?.image, 'C:\\Windows\\System32\\finger.exe')
  assert.equal(f[0]?.command_line, 'finger')
  assert.equal(f[0]?.host, 'ar-win-dc.attackrange.local')
  assert.equal(f[0]?.user, 'ATTACKRANGE\\Administrator')
  const p = hosts((await readArchive('windows/evtxattack_sysmon11_psexesvc_remote_copy.rfc5424.log')).events)
  assert.deepEqual(
    p.map((h) => [h.event_id, h.action, h.target_filename ?? h.image]),
    [
      ['sysmon:11', 'file-create', 'C:\\Windows\\PSEXESVC.exe'],
      ['sysmon:1', 'process', 'C:\\Windows\\PSEXESVC.exe'],
    ],
  )
})

test('UDP pcaps: every datagram parsed; facility and severity agree with tshark', { skip }, () => {
  for (const f of ['ndpi_syslog_udp_mixed_vendors.pcap', 'tcpdump_syslog_udp_rfc3164_and_rfc5424.pcap']) {
    const file = path.join(SY, 'pcap', f)
    const rows = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-Y',
        'syslog',
        '-T',
        'fields',
        '-E',
        'separator=/t',
        '-e',
        'udp.payload',
        '-e',
        'syslog.facility',
        '-e',
        'syslog.level',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
    assert.ok(rows.length >= 4, f)
    const x = ingest()
    for (const [hex = ''] of rows) {
      const b = Buffer.from(hex, 'hex')
      x.ing.handleMessage(b, 0, b.length, '192.0.2.1', 1700000000)
    }
    const ev = syslogs(x.events)
    assert.equal(ev.length, rows.length, f)
    rows.forEach(([, fac, lvl], i) => {
      if (fac === undefined || fac === '') return
      assert.equal(ev[i]?.facility, Number(fac), `${f} #${i}`)
      assert.equal(ev[i]?.severity, Number(lvl), `${f} #${i}`)
    })
    if (f.startsWith('tcpdump')) {
      // The manifest names the messages; the header words before them are sender-specific (tag or host).
      for (const [i, e] of ev.entries()) assert.ok(e.message.endsWith(`test message ${21 + i}`), e.message)
      assert.equal(ev[2]?.hostname, 'localhost')
      assert.ok(Math.abs((ev[2]?.ts ?? 0) - (Date.UTC(2013, 8, 12, 15, 16, 34) / 1000 + 0.457849)) < 1e-6)
    }
  }
})

test('TCP pcap: octet-counted and LF frames in one stream give the 4 messages', { skip }, () => {
  const file = path.join(SY, 'pcap', 'zeek_syslog_over_tcp.pcap')
  // tshark extracts the client's TCP payloads in capture order (the capture has no retransmissions).
  const chunks = execFileSync(
    'tshark',
    ['-r', file, '-Y', 'tcp.dstport==514 && tcp.len>0', '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.payload'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'))
  assert.equal(chunks.length, 4)
  const x = ingest()
  const drops: string[] = []
  const framer = new SyslogFramer(
    (b, o, e) => x.ing.handleMessage(b, o, e, chunks[0]?.[0], 1700000000),
    (r) => drops.push(r),
  )
  for (const [, hex = ''] of chunks) framer.push(Buffer.from(hex, 'hex'))
  framer.end()
  const ev = syslogs(x.events)
  assert.deepEqual(drops, [])
  assert.deepEqual(
    ev.map((e) => (e.facility ?? 0) * 8 + (e.severity ?? 0)),
    [13, 14, 15, 16],
  )
  assert.ok(ev.every((e) => e.hostname === 'mymachine' && e.app_name === 'su'))
})
