import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

test('SSH on 443 is identified and confirmed from both banners (pcaps/portmismatch/ssh-on-443.pcap)', () => {
  const a = runAppLayer(path.join(ROOT, 'pcaps/portmismatch/ssh-on-443.pcap')).of('app-proto')
  assert.equal(a.length, 1)
  assert.equal(a[0]?.app_proto_ts, 'ssh')
  assert.equal(a[0]?.app_proto_tc, 'ssh')
  assert.equal(a[0]?.confirmed, true)
  assert.equal(a[0]?.port_proto, 'tls')
})

test('SMTP from curl to python smtpd is identified and confirmed on 25 and on 8080 (tshark: 220 then EHLO)', () => {
  for (const port of [25, 8080]) {
    const a = runAppLayer(path.join(ROOT, `pcaps/portmismatch/smtp-on-${port}.pcap`)).of('app-proto')
    assert.deepEqual(
      a.map((e) => [e.resp_p, e.app_proto_ts, e.app_proto_tc, e.confirmed]),
      [[port, 'smtp', 'smtp', true]],
    )
  }
})

test('corpus: SSH on 80 and sslh SSH+TLS on 443', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const s80 = runAppLayer(path.join(CORPUS, 'pcap/portmismatch/zeek_ssh_on_port_80.pcap')).of('app-proto')
  assert.deepEqual(
    s80.map((e) => [e.resp_p, e.app_proto, e.confirmed]),
    [[80, 'ssh', true]],
  )
  const sslh = runAppLayer(path.join(CORPUS, 'pcap/portmismatch/zeek_sslh_ssh_and_tls_on_443.pcap')).of('app-proto')
  assert.deepEqual(sslh.map((e) => e.app_proto).sort(), ['ssh', 'tls'])
})
