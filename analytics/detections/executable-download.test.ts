import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import type { AlertEvent, FileEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './executable-download.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const HTTP = path.join(REPO, 'pcaps/http')
const CORPUS = path.resolve(REPO, '../shared/corpus')
const corpus = { skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present' }
const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const

const served = new Map(
  readFileSync(path.join(HTTP, 'served.sha256'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [sha, name] = l.split(/\s+/)
      return [name ?? '', sha ?? ''] as const
    }),
)

const alertsOf = (file: string): AlertEvent[] => runAppLayer(file, { detections: [def] }).alerts

function tsharkUris(file: string): string[] {
  return execFileSync('tshark', ['-r', file, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
}

const POSITIVE: Record<string, { served: string; type: string; detail: string; mime: string }> = {
  'wget-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'application/x-msdos-program' },
  'curl-elf.pcap': { served: 'true.elf', type: 'elf', detail: 'elf64-dyn', mime: 'application/octet-stream' },
  'curl-png-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'image/png' },
  'curl-chunked-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'application/octet-stream' },
  'curl-keepalive.pcap': { served: 'true.elf', type: 'elf', detail: 'elf64-dyn', mime: 'application/octet-stream' },
  'ua-certutil-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'application/x-msdos-program' },
  'ua-powershell-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'application/x-msdos-program' },
  'ua-bits-pe.pcap': { served: 't32.exe', type: 'pe', detail: 'pe32', mime: 'application/x-msdos-program' },
}

for (const [cap, want] of Object.entries(POSITIVE)) {
  test(`${cap}: one alert whose file and URI agree with the served file and tshark`, () => {
    const file = path.join(HTTP, cap)
    const alerts = alertsOf(file)
    assert.equal(alerts.length, 1)
    const a = alerts[0] as AlertEvent
    assert.equal(a.detection, 'executable-download')
    assert.equal(a.technique, 'T1105')
    assert.equal(a.service, 'http')
    assert.equal(a.orig_h, '10.66.0.2')
    assert.equal(a.resp_h, '198.51.100.80')
    assert.equal(a.resp_p, 80)
    assert.equal(a.file?.direction, 'download')
    assert.equal(a.file?.type, want.type)
    assert.equal(a.file?.type_detail, want.detail)
    assert.equal(a.file?.sha256, served.get(want.served))
    assert.equal(a.file?.mime, want.mime)
    assert.ok(rank[a.severity] >= rank.medium)
    if (cap === 'curl-png-pe.pcap' || cap === 'curl-keepalive.pcap') {
      const uris = tsharkUris(file)
      assert.equal(a.details?.uri, uris[uris.length - 1])
    }
    assert.ok(a.evidence.length > 0 && typeof a.evidence[0]?.ts === 'number')
  })
}

test('lying Content-Type and extension raise the score above a plain PE download', () => {
  const png = alertsOf(path.join(HTTP, 'curl-png-pe.pcap'))[0] as AlertEvent
  const plain = alertsOf(path.join(HTTP, 'wget-pe.pcap'))[0] as AlertEvent
  assert.ok(png.score > plain.score)
  assert.ok(rank[png.severity] >= rank.high)
  const factors = png.score_factors?.map((f) => f.factor) ?? []
  assert.ok(factors.includes('declared_type_contradicts_magic'))
  assert.ok(factors.includes('extension_contradicts_magic'))
  assert.ok(factors.includes('bare_ip_host'))
})

test('a plain HTML page gives no alert', () => {
  assert.deepEqual(alertsOf(path.join(HTTP, 'wget-html.pcap')), [])
})

const ctx = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
function fileEv(p: Partial<FileEvent>): FileEvent {
  return {
    kind: 'file',
    ts: 10,
    source: 't',
    uid: 'Cx',
    orig_h: '10.1.1.1',
    orig_p: 40000,
    resp_h: '10.2.2.2',
    resp_p: 80,
    proto: 'tcp',
    file_proto: 'http',
    direction: 'download',
    sender_is_orig: false,
    bytes: 1000,
    missing_bytes: 0,
    type: 'pe',
    type_detail: 'pe32',
    complete: true,
    head_hex: '4d5a',
    context: { host: 'intranet.example', uri: '/tools/x.exe', method: 'GET' },
    ...p,
  }
}

test('edge cases: T1570 internally, MZ without PE scores lower, scripts as text/plain, uploads and images ignored', () => {
  const inst = def.create(def.params, ctx)
  const lateral = inst.onEvent(fileEv({}))?.[0]
  assert.equal(lateral?.technique, 'T1570')
  const mz = inst.onEvent(fileEv({ type: 'unknown', type_detail: 'mz-dos', uid: 'Cy' }))?.[0]
  assert.ok(mz !== undefined && lateral !== undefined && mz.score < lateral.score)
  const ps = inst.onEvent(
    fileEv({ type: 'script', type_detail: 'powershell', mime: 'text/plain', name: 'a.ps1', uid: 'Cz' }),
  )?.[0]
  assert.ok(!(ps?.score_factors ?? []).some((f) => f.factor === 'declared_type_contradicts_magic'))
  assert.equal(inst.onEvent(fileEv({ direction: 'upload', uid: 'Cu' })), undefined)
  assert.equal(inst.onEvent(fileEv({ type: 'unknown', type_detail: 'png', uid: 'Cp' })), undefined)
  assert.equal(inst.onEvent(fileEv({ file_proto: 'ftp', uid: 'Cf' })), undefined)
  const wu = inst.onEvent(fileEv({ context: { host: 'au.download.windowsupdate.com', uri: '/a.exe' }, uid: 'Cw' }))?.[0]
  assert.equal(wu?.severity, 'info')
})

test('corpus: the PE disguised as PNG alerts high or above; the truncated one says so', corpus, () => {
  const a = alertsOf(path.join(CORPUS, 'pcap/http/ndpi_http_exe_disguised_as_png.pcap'))
  assert.equal(a.length, 1)
  assert.ok(rank[a[0]?.severity ?? 'info'] >= rank.high)
  assert.equal(a[0]?.file?.name, 'tablone.png')
  assert.equal(a[0]?.file?.mime, 'image/png')
  assert.equal(a[0]?.file?.sha256, undefined)
  assert.ok(a[0]?.reasons.some((r) => r.includes('incomplete')))
})

test('corpus: the stealer capture alerts on the six DLLs; Malware 2.exe and the aarch64 ELF alert', corpus, () => {
  const s = alertsOf(path.join(CORPUS, 'pcap/http/suricata_http_stealer_dlls_truncated_file.pcap'))
  assert.deepEqual(
    s.map((a) => a.file?.name),
    ['freebl3.dll', 'mozglue.dll', 'msvcp140.dll', 'nss3.dll', 'softokn3.dll', 'vcruntime140.dll'],
  )
  const m = alertsOf(path.join(CORPUS, 'pcap/http/suricata_http_exe_download_plus_proxy.pcap'))
  assert.deepEqual(
    m.map((a) => [a.file?.name, a.file?.bytes, a.technique]),
    [['Malware 2.exe', 78160, 'T1570']],
  )
  const e = alertsOf(path.join(CORPUS, 'pcap/http/suricata_sll2_http_elf_download.pcap'))
  assert.deepEqual(
    e.map((a) => [a.file?.type, a.file?.type_detail, a.file?.bytes]),
    [['elf', 'elf64-exec', 2598670]],
  )
})

test('corpus: benign and port-mismatch captures give nothing at medium or above', corpus, () => {
  for (const dir of ['benign', 'portmismatch']) {
    for (const f of readdirSync(path.join(CORPUS, 'pcap', dir))) {
      for (const a of alertsOf(path.join(CORPUS, 'pcap', dir, f))) {
        assert.ok(rank[a.severity] < rank.medium, `${dir}/${f}: ${a.message}`)
      }
    }
  }
})
