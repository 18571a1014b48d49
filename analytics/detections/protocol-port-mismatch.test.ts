import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import type { DetectionContext } from '../detection.js'
import type { AppProtoEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import { DETECTIONS } from './index.js'
import def from './protocol-port-mismatch.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const run = (f: string) => runAppLayer(f, { detections: [def] }).alerts
const rank = ['info', 'low', 'medium', 'high', 'critical']

const CASES: [string, string, string, number, string][] = [
  ['ssh-on-443', 'ssh', 'high', 443, 'tls'],
  ['http-on-53-tcp', 'http', 'medium', 53, 'dns'],
  ['http-on-22', 'http', 'medium', 22, 'ssh'],
  ['smtp-on-8080', 'smtp', 'medium', 8080, 'http'],
]

for (const [name, app, severity, port, registered] of CASES) {
  test(`${name}: ${app} on ${port} (registered ${registered}) is ${severity}, both directions reported`, () => {
    const a = run(path.join(ROOT, 'pcaps/portmismatch', `${name}.pcap`))
    assert.equal(a.length, 1)
    assert.equal(a[0]?.severity, severity)
    assert.equal(a[0]?.resp_p, port)
    assert.equal(a[0]?.service, app)
    assert.equal(a[0]?.details?.app_proto_ts, app)
    assert.equal(a[0]?.details?.app_proto_tc, app)
    assert.equal(a[0]?.details?.port_proto, registered)
    assert.equal(a[0]?.details?.confirmed, true)
    assert.match(String(a[0]?.evidence[0]?.first_ts_hex), /^[0-9a-f]+$/)
  })
}

test('a non-DNS payload on UDP/53 is reported below medium', () => {
  const a = run(path.join(ROOT, 'pcaps/portmismatch/udp-53-not-dns.pcap'))
  assert.equal(a.length, 1)
  assert.equal(a[0]?.severity, 'low')
  assert.equal(a[0]?.details?.app_proto, '')
  assert.equal(a[0]?.evidence[0]?.first_ts_hex, Buffer.from('hello from the tunnel client, th').toString('hex'))
})

test('SMTP on its registered port 25 is not a mismatch', () => {
  assert.deepEqual(run(path.join(ROOT, 'pcaps/portmismatch/smtp-on-25.pcap')), [])
})

test('benign web (DNS, HTTP on 80, TLS on 443): no mismatch, and no detection at medium or above', () => {
  const file = path.join(ROOT, 'pcaps/portmismatch/benign-web.pcap')
  assert.deepEqual(run(file), [])
  const all = runAppLayer(file, { detections: DETECTIONS }).alerts
  assert.deepEqual(
    all.filter((x) => rank.indexOf(x.severity) >= 2).map((x) => x.detection),
    [],
  )
})

test('gates: one-sided small flows do not alert; unconfirmed identifications stay below medium', () => {
  const inst = def.create(def.params, ctx)
  const ev = (o: Partial<AppProtoEvent>): AppProtoEvent => ({
    kind: 'app-proto',
    ts: 1,
    source: 'pcap',
    uid: 'C1',
    orig_h: '10.0.0.1',
    orig_p: 40000,
    resp_h: '203.0.113.1',
    resp_p: 443,
    proto: 'tcp',
    app_proto_ts: 'ssh',
    app_proto_tc: 'ssh',
    app_proto: 'ssh',
    confirmed: true,
    port_proto: 'tls',
    orig_bytes: 40,
    resp_bytes: 0,
    first_ts_hex: '',
    first_tc_hex: '',
    ...o,
  })
  assert.equal(inst.onEvent(ev({})), undefined)
  assert.equal(inst.onEvent(ev({ orig_bytes: 5000 }))?.length, 1)
  const un = inst.onEvent(ev({ resp_bytes: 10, confirmed: false, app_proto_tc: '' })) ?? []
  assert.ok((un[0]?.score ?? 100) < 40)
  assert.equal(
    inst.onEvent(ev({ resp_bytes: 10, app_proto: 'tls', app_proto_ts: 'tls', app_proto_tc: 'tls' })),
    undefined,
  )
  assert.equal(inst.onEvent(ev({ resp_bytes: 10, app_proto: 'ftp-data', port_proto: '', resp_p: 40001 })), undefined)
})

test('corpus: port-mismatch captures against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const pm = (f: string) => run(path.join(CORPUS, 'pcap/portmismatch', f))
  const one = (f: string) => {
    const a = pm(f)
    assert.equal(a.length > 0, true, f)
    return a[0]
  }
  assert.equal(one('zeek_ssh_on_port_80.pcap')?.service, 'ssh')
  assert.equal(one('zeek_http_on_port_22.pcap')?.service, 'http')
  assert.equal(one('zeek_http_on_port_5432.pcap')?.details?.port_proto, 'postgresql')
  const sslh = pm('zeek_sslh_ssh_and_tls_on_443.pcap')
  assert.deepEqual(
    sslh.map((x) => x.service),
    ['ssh'],
  )
  assert.ok(rank.indexOf(sslh[0]?.severity ?? 'info') >= 2)
  const nuget = pm('suricata_plain_http_on_443_nuget.pcap')
  assert.ok(nuget.length >= 1 && nuget.every((x) => x.service === 'http' && x.resp_p === 443))
  // A confirmed protocol on a port with no registered protocol (MANIFEST: "python http.server style staging
  // server") is medium (docs/alerts.md); the DNS on 8053 likewise.
  assert.equal(one('ndpi_http_on_port_31337.pcap')?.severity, 'medium')
  assert.equal(one('tcpdump_dns_udp_port_8053.pcap')?.severity, 'medium')
  assert.equal(one('tcpdump_dns_udp_port_8053.pcap')?.service, 'dns')
  const tls80 = one('zeek_tls_clienthello_to_port_80.pcap')
  assert.equal(tls80?.service, 'tls')
  assert.ok(rank.indexOf(tls80?.severity ?? 'critical') < 2)
  const pe53 = pm('ndpi_pe_stage_over_tcp_4444_and_53.pcapng')
  assert.ok(pe53.some((x) => x.resp_p === 53 || x.orig_p === 53))
})
