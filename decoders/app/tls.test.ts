import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeTlsHello, probeTls, tlsVersionName } from './tls.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const KNOWN = new Set(['tls.truncated', 'tls.not_hello', 'tls.bad_length'])

/** tshark fields of the first packet matching `filter`. */
function tshark(file: string, filter: string, fields: string[]): string[] {
  const out = execFileSync(
    'tshark',
    ['-r', path.join(REPO, file), '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8' },
  )
  return (out.split('\n')[0] ?? '').split('\t')
}

for (const file of ['pcaps/tls/curl-sni.pcap', 'pcaps/tls/s-client-tls12.pcap']) {
  test(`ClientHello and ServerHello of ${file} agree with tshark`, () => {
    const [hex, sni, alpn] = tshark(file, 'tls.handshake.type==1', [
      'tcp.payload',
      'tls.handshake.extensions_server_name',
      'tls.handshake.extensions_alpn_str',
    ])
    const rec = Buffer.from(hex ?? '', 'hex')
    assert.equal(probeTls(0, rec, 0, rec.length), 'yes')
    assert.equal(probeTls(1, rec, 0, rec.length), 'no')
    const r = decodeTlsHello(rec, 5, rec.length)
    assert.ok(r.ok)
    assert.equal(r.value.type, 1)
    assert.equal(r.value.sni, sni)
    if (alpn !== undefined && alpn !== '') assert.deepEqual(r.value.alpn, alpn.split(','))
    const [shex, sv, legacy] = tshark(file, 'tls.handshake.type==2', [
      'tcp.payload',
      'tls.handshake.extensions.supported_version',
      'tls.handshake.version',
    ])
    const srec = Buffer.from(shex ?? '', 'hex')
    assert.equal(probeTls(1, srec, 0, srec.length), 'yes')
    const s = decodeTlsHello(srec, 5, srec.length)
    assert.ok(s.ok)
    const chosen = s.value.supportedVersions?.[0] ?? s.value.legacyVersion
    assert.equal(chosen, Number(sv !== undefined && sv !== '' ? sv : legacy))
    // Every prefix is truncated or ok; never a throw.
    for (let n = 5; n < rec.length; n++) {
      const p = decodeTlsHello(rec, 5, n)
      assert.ok(!p.ok && p.error.code === 'tls.truncated')
    }
  })
}

test('version names follow Zeek', () => {
  assert.equal(tlsVersionName(0x0303), 'TLSv12')
  assert.equal(tlsVersionName(0x0304), 'TLSv13')
  assert.equal(tlsVersionName(0x7f1c), 'unknown-0x7f1c')
})

test('probe rejects other protocols and asks for more on short input', () => {
  assert.equal(probeTls(0, Buffer.from('GET / HTTP/1.1'), 0, 14), 'no')
  assert.equal(probeTls(0, Buffer.from('160301', 'hex'), 0, 3), 'need-more')
  assert.equal(probeTls(0, Buffer.from('170303001001', 'hex'), 0, 6), 'no')
})

test('random bytes and bit flips: ok or a known DecodeError', () => {
  const [hex] = tshark('pcaps/tls/curl-sni.pcap', 'tls.handshake.type==1', ['tcp.payload'])
  const rec = Buffer.from(hex ?? '', 'hex')
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (a) => {
      const b = Buffer.from(a)
      const r = decodeTlsHello(b, 0, b.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
      probeTls(0, b, 0, b.length)
    }),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(fc.nat(rec.length - 6), fc.integer({ min: 0, max: 255 }), (i, v) => {
      const c = Buffer.from(rec)
      c[5 + i] = v
      const r = decodeTlsHello(c, 5, c.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
    }),
    { numRuns: 500 },
  )
})
