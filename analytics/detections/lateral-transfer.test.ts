import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { SMB_ANALYZER } from '../app-layer/smb.js'
import type { DetectionContext } from '../detection.js'
import type { AlertEvent, FileEvent, HostEvent, SensorEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import { DETECTIONS } from './index.js'
import lateral from './lateral-transfer.js'

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus')
const skip = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }

/** FileEvents of a corpus capture through the whole app layer (reassembly, SMB analyzer, file pipeline). */
function smbCorpusFileEvents(file: string): FileEvent[] {
  return runAppLayer(file, { analyzers: [SMB_ANALYZER] }).of('file')
}

function run(events: SensorEvent[]): AlertEvent[] {
  const d = lateral.create(lateral.params, ctx)
  const out: AlertEvent[] = []
  for (const ev of events) out.push(...(d.onEvent(ev) ?? []))
  return out
}

function fileEvent(over: Partial<FileEvent> & Pick<FileEvent, 'ts' | 'orig_h' | 'resp_h'>): FileEvent {
  return {
    kind: 'file',
    source: 'pcap:test',
    uid: `C${over.ts}`,
    orig_p: 40000,
    resp_p: 80,
    proto: 'tcp',
    file_proto: 'http',
    direction: 'download',
    sender_is_orig: false,
    bytes: 73802,
    missing_bytes: 0,
    type: 'pe',
    type_detail: 'pe32',
    complete: true,
    head_hex: '4d5a90000300000004000000ffff0000',
    name: 'tool.exe',
    sha256: 'a'.repeat(64),
    ...over,
  }
}

test('SMB2 corpus: PSEXESVC.exe written to ADMIN$ between internal hosts is T1570 with the admin-share factor', {
  skip,
}, () => {
  const files = smbCorpusFileEvents(path.join(CORPUS, 'pcap/smb/suricata_smb2_psexec_service_drop.pcap'))
  const alerts = run(files)
  const a = alerts.find((x) => x.file?.name === '\\\\dc1\\ADMIN$\\PSEXESVC.exe')
  assert.ok(a, JSON.stringify(alerts.map((x) => x.message)))
  assert.equal(a.technique, 'T1570')
  assert.equal(a.tactic, 'lateral-movement')
  // MANIFEST: 192.168.10.31 → 192.168.10.10:445, 145,568 bytes, PE.
  assert.equal(a.orig_h, '192.168.10.31')
  assert.equal(a.resp_h, '192.168.10.10')
  assert.equal(a.file?.bytes, 145568)
  assert.equal(a.file?.type, 'pe')
  assert.equal(a.file?.direction, 'upload')
  assert.equal(a.details?.receiver, '192.168.10.10')
  assert.ok(a.score_factors?.some((f) => f.factor === 'admin_share'))
  // Named pipes and the 4-byte stdout reads are not executables: only the one file alerts.
  assert.equal(alerts.length, 1)
})

test('SMB2 corpus: mimikatz.exe read from \\\\admin-pc\\c$ alerts with the receiver being the client', { skip }, () => {
  const files = smbCorpusFileEvents(path.join(CORPUS, 'pcap/smb/suricata_smb2_copy_mimikatz_exe.pcap'))
  const alerts = run(files)
  const full = alerts.find((x) => x.file?.bytes === 804352)
  assert.ok(full)
  assert.equal(full.file?.type_detail, 'pe32+')
  assert.equal(full.file?.direction, 'download')
  assert.equal(full.details?.sender, '192.168.10.30')
  assert.equal(full.details?.receiver, '192.168.10.31')
  assert.ok(full.score_factors?.some((f) => f.factor === 'admin_share' && f.value === '\\\\admin-pc\\c$'))
})

test('SMB1 corpus: the eicar text upload is not an executable and does not alert', { skip }, () => {
  const files = smbCorpusFileEvents(path.join(CORPUS, 'pcap/smb/suricata_smb1_put_eicar_sll.pcap'))
  assert.equal(files.length, 1)
  assert.equal(files[0]?.bytes, 68)
  assert.deepEqual(run(files), [])
})

test('internal HTTP and FTP transfers of tools alert; external downloads and documents do not', () => {
  const internalHttp = fileEvent({ ts: 100, orig_h: '10.66.0.2', resp_h: '10.66.1.9' })
  const internalFtp = fileEvent({
    ts: 101,
    orig_h: '10.66.0.2',
    resp_h: '10.66.1.9',
    file_proto: 'ftp',
    name: 'run.ps1',
    type: 'script',
    type_detail: 'powershell',
    sha256: 'b'.repeat(64),
  })
  const external = fileEvent({ ts: 102, orig_h: '10.66.0.2', resp_h: '198.51.100.80' })
  const doc = fileEvent({
    ts: 103,
    orig_h: '10.66.0.2',
    resp_h: '10.66.1.9',
    name: 'report.pdf',
    type: 'pdf',
    sha256: 'c'.repeat(64),
  })
  const alerts = run([internalHttp, internalFtp, external, doc])
  assert.deepEqual(
    alerts.map((a) => [a.file?.name, a.technique, a.service]),
    [
      ['tool.exe', 'T1570', 'http'],
      ['run.ps1', 'T1570', 'ftp'],
    ],
  )
  // An executable scores above a script; neither has an admin-share factor.
  const [exe, script] = alerts
  assert.ok(exe && script && exe.score > script.score)
  assert.ok(!exe.score_factors?.some((f) => f.factor === 'admin_share'))
})

test('a page script over intranet HTTP is web content; a WSH JScript dropper named .js is a tool', () => {
  const page = (ts: number, type: FileEvent['type'], detail?: string) =>
    fileEvent({
      ts,
      orig_h: '10.66.0.2',
      resp_h: '10.66.1.9',
      name: '/static/app.js',
      type,
      ...(detail ? { type_detail: detail } : {}),
      sha256: String(ts).repeat(64).slice(0, 64),
    })
  const alerts = run([page(200, 'text'), page(201, 'script', 'javascript'), page(202, 'script', 'jscript')])
  assert.deepEqual(
    alerts.map((a) => [a.ts, a.file?.type_detail]),
    [[202, 'jscript']],
  )
  // Over SMB the same plain-text .js still counts: copies to shares are not page loads.
  const smb = fileEvent({
    ts: 203,
    orig_h: '10.66.0.2',
    resp_h: '10.66.1.9',
    file_proto: 'smb',
    name: 'app.js',
    type: 'text',
  })
  assert.equal(run([smb]).length, 1)
})

test('raised when the same hash or name came in from outside earlier, not when it came later or too long ago', () => {
  const inbound = fileEvent({ ts: 1000, orig_h: '10.66.0.2', resp_h: '198.51.100.80' })
  const spread = fileEvent({
    ts: 2000,
    orig_h: '10.66.0.2',
    resp_h: '10.66.1.9',
    direction: 'upload',
    sender_is_orig: true,
  })
  const plain = run([spread])[0]
  const raised = run([inbound, spread])[0]
  assert.ok(plain && raised)
  assert.ok(raised.score > plain.score)
  const f = raised.score_factors?.find((x) => x.factor === 'hash_seen_inbound')
  assert.equal(f?.value, '198.51.100.80')
  assert.ok(raised.evidence.some((e) => e.source === 'memory'))
  // By name only (different content), through a T1105 alert's file.
  const t1105: AlertEvent = {
    kind: 'alert',
    ts: 1500,
    source: 'pcap:test',
    detection: 'executable-download',
    technique: 'T1105',
    tactic: 'command-and-control',
    severity: 'high',
    score: 70,
    reasons: [],
    message: 'x',
    evidence: [],
    identifier: 'x',
    orig_h: '10.66.0.2',
    resp_h: '198.51.100.80',
    file: { name: '/dl/TOOL.EXE', direction: 'download', bytes: 10, type: 'pe' },
  }
  const byName = run([t1105, { ...spread, sha256: 'd'.repeat(64) }])[0]
  assert.ok(byName?.score_factors?.some((x) => x.factor === 'name_seen_inbound'))
  // Later inbound does not raise an earlier spread; a memory older than outside_memory_s does not count.
  assert.equal(run([spread, { ...inbound, ts: 3000 }])[0]?.score, plain.score)
  const old = { ...inbound, ts: 2000 - lateral.params.outside_memory_s - 1 }
  assert.equal(run([old, spread])[0]?.score, plain.score)
})

test('corpus Sysmon 11: PSEXESVC.exe created by System is host-side lateral evidence', { skip }, () => {
  const lines = readFileSync(
    path.join(CORPUS, 'syslog/windows/evtxattack_sysmon11_psexesvc_remote_copy.rfc5424.log'),
    'utf8',
  )
    .split('\n')
    .filter((l) => l !== '')
  // HostEvents built from the two corpus lines the way the syslog side reads them (fields from <Data Name=...>).
  const data = (raw: string, n: string) => new RegExp(`Name="${n}">([^<]*)<`).exec(raw)?.[1]
  const host = (raw: string): HostEvent => {
    const id = /<EventID[^>]*>(\d+)</.exec(raw)?.[1] ?? ''
    const ts = Date.parse(`${/SystemTime="([^"]+)"/.exec(raw)?.[1]?.replace(' ', 'T')}Z`) / 1000
    const ev: Record<string, unknown> = {
      kind: 'host',
      ts,
      source: 'syslog:test',
      host: /<Computer>([^<]*)</.exec(raw)?.[1] ?? '',
      event_id: `sysmon:${id}`,
      action: id === '11' ? 'file-create' : 'process',
      raw,
    }
    for (const [k, n] of [
      ['image', 'Image'],
      ['target_filename', 'TargetFilename'],
      ['command_line', 'CommandLine'],
    ] as const) {
      const v = data(raw, n)
      if (v !== undefined) ev[k] = v
    }
    return ev as unknown as HostEvent
  }
  const events = lines.map(host)
  assert.equal(events.length, 2)
  const alerts = run(events)
  assert.equal(alerts.length, 1)
  const a = alerts[0]
  assert.ok(a)
  assert.equal(a.technique, 'T1570')
  assert.equal(a.host, '04246w-win10.threebeesco.com')
  assert.equal(a.details?.path, 'C:\\Windows\\PSEXESVC.exe')
  // A file created by an ordinary process is not remote-copy evidence.
  const local = { ...events[0], image: 'C:\\Windows\\explorer.exe' } as HostEvent
  assert.deepEqual(run([local]), [])
})

test('Security 5145 on ADMIN$ with an executable is host-side lateral evidence; IPC$ pipes are not', () => {
  const raw = (share: string, target: string) =>
    `<Event><System><EventID>5145</EventID><Computer>DC1.corp.example</Computer></System><EventData><Data Name="SubjectUserName">admin</Data><Data Name="IpAddress">10.66.0.2</Data><Data Name="ShareName">${share}</Data><Data Name="RelativeTargetName">${target}</Data></EventData></Event>`
  const ev = (share: string, target: string): HostEvent => ({
    kind: 'host',
    ts: 50,
    source: 'syslog:test',
    host: 'DC1.corp.example',
    event_id: 'security:5145',
    action: 'other',
    raw: raw(share, target),
  })
  const alerts = run([ev('\\\\*\\ADMIN$', 'PSEXESVC.exe'), ev('\\\\*\\IPC$', 'svcctl'), ev('\\\\*\\C$', 'notes.txt')])
  assert.equal(alerts.length, 1)
  assert.match(alerts[0]?.message ?? '', /PSEXESVC\.exe/)
  assert.match(alerts[0]?.evidence[0]?.what ?? '', /from 10\.66\.0\.2/)
})

test('a partial SMB read of an executable (under half the file) is not a transfer', () => {
  const read = fileEvent({
    ts: 5,
    orig_h: '192.168.10.31',
    resp_h: '192.168.10.30',
    resp_p: 445,
    file_proto: 'smb',
    name: '\\\\admin-pc\\c$\\temp\\mimikatz.exe',
    bytes: 4096,
    total_bytes: 804352,
    complete: false,
  })
  assert.deepEqual(run([read]), [])
  assert.equal(run([{ ...read, bytes: 804352, complete: true }]).length, 1)
})

test('metadata is complete, registered, deterministic and does not mutate its input', () => {
  assert.equal(lateral.id, 'lateral-transfer')
  assert.equal(lateral.technique, 'T1570')
  assert.ok(lateral.tags.includes('attack.t1570'))
  assert.ok(lateral.references.some((r) => r.endsWith('DET0183')))
  assert.ok(lateral.falsePositives.length > 0)
  assert.ok(DETECTIONS.some((d) => d.id === 'lateral-transfer'))
  const events: SensorEvent[] = [
    fileEvent({ ts: 1, orig_h: '10.66.0.2', resp_h: '198.51.100.80' }),
    fileEvent({ ts: 2, orig_h: '10.66.0.2', resp_h: '10.66.1.9', sender_is_orig: true, direction: 'upload' }),
  ]
  const before = JSON.stringify(events)
  const a = run(events)
  const b = run(events)
  assert.equal(JSON.stringify(events), before)
  assert.deepEqual(a, b)
  assert.equal(a.length, 1)
})

test('allowed_senders (a deployment server) do not alert', () => {
  const push = fileEvent({ ts: 1, orig_h: '10.66.0.2', resp_h: '10.66.1.9' })
  assert.equal(run([push]).length, 1)
  const d = lateral.create({ ...lateral.params, allowed_senders: ['10.66.1.0/24'] }, ctx)
  assert.equal(d.onEvent(push), undefined)
})
