import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { matchFileSharingDomain } from '../../decoders/tables/file-sharing-domains.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import def from './cloud-file-service.js'

const DIR = path.resolve(import.meta.dirname, '../../pcaps/detections/cloud-file-service')

test('positive.pcap: one info alert per service, names as tshark decodes them', () => {
  const file = path.join(DIR, 'positive.pcap')
  const r = runAppLayer(file, { detections: [def] })
  const names = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'tls.handshake.type==1 or http.request or dns.flags.response==0',
      '-T',
      'fields',
      '-e',
      'tls.handshake.extensions_server_name',
      '-e',
      'http.host',
      '-e',
      'dns.qry.name',
    ],
    { encoding: 'utf8' },
  )
    .split(/\s+/)
    .filter((x) => x !== '')
  const alerted = r.alerts.map((a) => String(a.details?.name))
  assert.deepEqual([...new Set(alerted)].sort(), [...new Set(names)].sort())
  assert.deepEqual(r.alerts.map((a) => [a.details?.domain, a.details?.via]).sort(), [
    ['dl.dropboxusercontent.com', 'TLS SNI'],
    ['githubusercontent.com', 'HTTP Host'],
    ['pastebin.com', 'DNS query'],
  ])
  for (const a of r.alerts) {
    assert.equal(a.severity, 'info')
    assert.equal(a.detection, 'cloud-file-service')
    assert.equal(a.orig_h, '10.66.0.2')
  }
})

test('negative.pcap: nothing', () => {
  assert.deepEqual(runAppLayer(path.join(DIR, 'negative.pcap'), { detections: [def] }).alerts, [])
})

test('deduplicated per (orig_h, domain); bounded', () => {
  const inst = def.create({ ...def.params, max_pairs: 2 }, { internal: { has: () => false } as never })
  const ev = (orig_h: string, sni: string) => ({
    kind: 'tls' as const,
    ts: 1,
    source: 's',
    uid: 'C',
    orig_h,
    orig_p: 1,
    resp_h: '192.0.2.1',
    resp_p: 443,
    proto: 'tcp' as const,
    sni,
  })
  assert.equal(inst.onEvent(ev('10.0.0.1', 'www.dropbox.com'))?.length, 1)
  assert.equal(inst.onEvent(ev('10.0.0.1', 'dropbox.com')), undefined)
  assert.equal(inst.onEvent(ev('10.0.0.2', 'dropbox.com'))?.length, 1)
  assert.equal(inst.onEvent(ev('10.0.0.3', 'pastebin.com'))?.length, 1)
  // The first pair was forgotten (cap 2): it may alert again.
  assert.equal(inst.onEvent(ev('10.0.0.1', 'dropbox.com'))?.length, 1)
})

test('suffix matching is on label boundaries', () => {
  assert.equal(matchFileSharingDomain('raw.githubusercontent.com')?.domain, 'githubusercontent.com')
  assert.equal(matchFileSharingDomain('contoso-my.sharepoint.com.')?.service, 'SharePoint')
  assert.equal(matchFileSharingDomain('evildropbox.com'), undefined)
  assert.equal(matchFileSharingDomain('cdn.discordapp.com')?.kind, 'chat-cdn')
  assert.equal(matchFileSharingDomain('example.com'), undefined)
  assert.equal(matchFileSharingDomain(''), undefined)
})
