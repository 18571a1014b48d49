import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AddressSet } from '../net/address-set.js'
import {
  compileFileRisk,
  fileTypeFactor,
  flowSides,
  inboundRatioFactor,
  inboundVolumeFactor,
  matchAllowedAgent,
  matchAllowedDestination,
  riskyProtocolFactor,
  sideBytes,
} from './factors.js'
import { makeFlow } from './test-flow.js'
import { triageFor } from './triage.js'
import { TRIAGE_GUIDE } from './triage-data.js'

const internal = new AddressSet(['10.0.0.0/8'])

test('flow sides: the internal host is whichever end is internal; inbound is what the external end sent', () => {
  const dl = flowSides(makeFlow(), internal)
  assert.equal(dl?.host, '10.66.0.2')
  assert.equal(dl?.inBytes, 5_000_000)
  // FTP active mode: the external server connects to the internal client and sends the file.
  const active = makeFlow({
    orig_h: '198.51.100.80',
    orig_p: 20,
    resp_h: '10.66.0.2',
    resp_p: 50000,
    orig_bytes: 3_000_000,
    resp_bytes: 0,
  })
  const s = flowSides(active, internal)
  assert.deepEqual(
    [s?.host, s?.dest, s?.destPort, s?.hostIsOrig, s?.inBytes, s?.outBytes],
    ['10.66.0.2', '198.51.100.80', 20, false, 3_000_000, 0],
  )
  assert.equal(flowSides(makeFlow({ resp_h: '10.9.9.9' }), internal), undefined)
})

test('flow sides: a total-only log (bytes_undirected) counts its whole total as inbound, whichever end is internal', () => {
  const tot = {
    bytes_undirected: true,
    orig_bytes: 7000,
    orig_ip_bytes: 7400,
    resp_bytes: 0,
    resp_ip_bytes: 0,
  } as const
  for (const [rec, hostIsOrig] of [
    [makeFlow(tot), true],
    [makeFlow({ ...tot, orig_h: '198.51.100.80', resp_h: '10.66.0.2' }), false],
  ] as const) {
    const s = flowSides(rec, internal)
    assert.deepEqual(
      [s?.hostIsOrig, s?.undirected, s?.inBytes, s?.outBytes],
      [hostIsOrig, true, sideBytes(rec, true) + sideBytes(rec, false), 0],
    )
    assert.ok((s?.inBytes ?? 0) >= 7000)
  }
})

test('byte counts: pcap payload is bounded by IP bytes; exports use IP bytes', () => {
  assert.equal(sideBytes(makeFlow({ resp_bytes: 1_607_364_734, resp_ip_bytes: 4000 }), false), 4000)
  assert.equal(sideBytes(makeFlow({ source_kind: 'netflow', resp_bytes: 900, resp_ip_bytes: 1000 }), false), 1000)
})

test('ratio and volume subscores follow their documented curves', () => {
  assert.equal(inboundRatioFactor(100, 100, false).subscore, 0)
  assert.equal(inboundRatioFactor(1000, 100, false).subscore, 0.5)
  assert.equal(inboundRatioFactor(1_000_000, 100, false).subscore, 1)
  assert.equal(inboundRatioFactor(5, 0, false).value, 5, 'outbound floored at one byte')
  assert.equal(inboundVolumeFactor(500_000, 1_000_000).subscore, 0.25)
  assert.equal(inboundVolumeFactor(1_000_000, 1_000_000).subscore, 0.5)
  assert.equal(inboundVolumeFactor(100_000_000, 1_000_000).subscore, 1)
})

test('file risk: types, details and name globs; the highest wins', () => {
  const t = compileFileRisk({ pe: 1, zip: 0.3, powershell: 0.9, '*.ps1': 1, 'setup?.msi': 0.5 })
  assert.equal(fileTypeFactor({ type: 'zip' }, t).subscore, 0.3)
  assert.equal(fileTypeFactor({ type: 'script', type_detail: 'powershell' }, t).subscore, 0.9)
  assert.equal(fileTypeFactor({ type: 'text', name: '/tmp/Run.PS1' }, t).subscore, 1)
  assert.equal(fileTypeFactor({ type: 'ole', name: 'setup1.msi' }, t).subscore, 0.5)
  assert.equal(fileTypeFactor({ type: 'ole', name: 'setup12.msi' }, t).subscore, 0, '? is one character')
  assert.equal(fileTypeFactor({ type: 'text', name: 'a.ps1.txt' }, t).subscore, 0, 'globs are anchored')
  assert.equal(fileTypeFactor(undefined, t).subscore, 0)
})

test('allowlists: CIDRs, domain suffixes on label boundaries, user-agent substrings', () => {
  const allow = { cidrs: new AddressSet(['203.0.113.0/24']), suffixes: ['example.com'] }
  assert.equal(matchAllowedDestination('203.0.113.7', [], allow), '203.0.113.7')
  assert.equal(matchAllowedDestination('198.51.100.1', ['Dl.Example.COM.'], allow), 'example.com')
  assert.equal(matchAllowedDestination('198.51.100.1', ['example.com'], allow), 'example.com')
  assert.equal(matchAllowedDestination('198.51.100.1', ['badexample.com', 'example.com.evil.net'], allow), undefined)
  assert.equal(matchAllowedAgent('Mozilla/5.0 VendorUpdater/1.2', ['vendorupdater/']), 'vendorupdater/')
  assert.equal(matchAllowedAgent(undefined, ['x']), undefined)
})

test('risky protocol: confirmed service first, then the well-known server port', () => {
  assert.equal(riskyProtocolFactor('tftp', 'udp', 50000).subscore, 1)
  assert.equal(riskyProtocolFactor('', 'udp', 69).subscore, 1)
  assert.equal(riskyProtocolFactor('http,-ssl', 'tcp', 443).subscore, 0.5)
  assert.equal(riskyProtocolFactor('ssl', 'tcp', 80).subscore, 0, 'TLS on port 80 is not plain HTTP')
  assert.equal(riskyProtocolFactor('', 'tcp', 8443).subscore, 0)
})

test('triage: detection and technique questions first, answers appended, escalation last', () => {
  const t = triageFor('inbound-transfer', 'T1105', { off_hours: 'yes, Sun 03:00.' })
  assert.equal(t[0], TRIAGE_GUIDE.byDetection['inbound-transfer']?.[0]?.ask)
  assert.ok(t.includes('Did the transfer happen outside working hours? Sensor: yes, Sun 03:00.'))
  assert.deepEqual(t.slice(-TRIAGE_GUIDE.escalate.length), [...TRIAGE_GUIDE.escalate])
  assert.equal(new Set(t).size, t.length, 'no question twice')
  const lateral = triageFor('unknown-detection', 'T1570', {})
  assert.ok(lateral.some((q) => q.includes('ADMIN$')))
})
