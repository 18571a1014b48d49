import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { TlsAnalyzer } from './tls.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(REPO, '../shared/corpus')

/** SNIs of the ClientHellos tshark sees, one per line (empty when none). */
function tsharkSni(file: string): string[] {
  return execFileSync(
    'tshark',
    ['-r', file, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name'],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
}

for (const [cap, version] of [
  ['curl-sni.pcap', 'TLSv13'],
  ['s-client-tls12.pcap', 'TLSv12'],
] as const) {
  test(`pcaps/tls/${cap}: TlsEvent SNI equals tshark's, version ${version}, confirmed, server name on the flow`, () => {
    const file = path.join(REPO, 'pcaps/tls', cap)
    const r = runAppLayer(file, { chunk: 700 })
    const t = r.of('tls')
    assert.deepEqual(
      t.map((e) => e.sni),
      tsharkSni(file),
    )
    assert.equal(t[0]?.version, version)
    const ap = r.of('app-proto')[0]
    assert.equal(ap?.app_proto, 'tls')
    assert.equal(ap?.confirmed, true)
    assert.equal(ap?.port_proto, 'tls')
  })
}

test('a ClientHello split into 1-byte pieces still yields the SNI; garbage records are a weird', () => {
  const file = path.join(REPO, 'pcaps/tls/curl-sni.pcap')
  const hex = execFileSync('tshark', ['-r', file, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tcp.payload'], {
    encoding: 'utf8',
  }).trim()
  const ch = Buffer.from(hex, 'hex')
  const ctx = fakeAppContext()
  const a = new TlsAnalyzer(ctx)
  for (let i = 0; i < ch.length; i++) a.onData(0, ch, i, i + 1, 1)
  assert.equal(ctx.serverName, 'www.example.test')
  a.onData(1, Buffer.from('HTTP/1.1 400 Bad Request\r\n'), 0, 26, 2)
  a.onEnd(3)
  assert.deepEqual(ctx.weirds, ['tls.bad_record'])
  assert.deepEqual(ctx.confirmed, [])
  const ev = ctx.events[0]
  assert.ok(ev?.kind === 'tls')
  assert.equal(ev.sni, 'www.example.test')
})

test('corpus: benign HTTPS to www.ntop.org', { skip: existsSync(CORPUS) ? false : 'corpus not present' }, () => {
  const r = runAppLayer(path.join(CORPUS, 'pcap/benign/ndpi_https_curl_ntop_org.pcap'))
  assert.deepEqual(
    r.of('tls').map((e) => [e.sni, e.version]),
    [['www.ntop.org', 'TLSv12']],
  )
})
