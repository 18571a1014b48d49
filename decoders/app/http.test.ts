import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeChunkSize, decodeHttpHead, headerValue, probeHttpRequest, probeHttpResponse } from './http.js'

const b = (s: string) => Buffer.from(s, 'latin1')
const KNOWN = new Set([
  'http.truncated',
  'http.header_too_long',
  'http.line_too_long',
  'http.too_many_headers',
  'http.bad_start_line',
  'http.bad_header',
  'http.chunk_size_invalid',
  'http.chunk_size_too_large',
])

const REQ =
  'GET /t32.exe HTTP/1.1\r\n' + // request line
  'Host: 198.51.100.80\r\n' +
  'User-Agent: Microsoft-CryptoAPI/10.0\r\n' +
  'X-Folded: a\r\n' +
  '  b\r\n' + // obs-fold continuation
  'Accept: */*\r\n' +
  '\r\n'

test('probes: request methods, status lines, need-more on prefixes', () => {
  assert.equal(probeHttpRequest(b('GET / HTTP/1.1\r\n'), 0, 16), 'yes')
  assert.equal(probeHttpRequest(b('BITS_POST /x HTTP/1.1'), 0, 21), 'yes')
  assert.equal(probeHttpRequest(b('GE'), 0, 2), 'need-more')
  assert.equal(probeHttpRequest(b('GET'), 0, 3), 'need-more')
  assert.equal(probeHttpRequest(b('GET '), 0, 4), 'need-more')
  assert.equal(probeHttpRequest(b('SSH-2.0-OpenSSH'), 0, 15), 'no')
  assert.equal(probeHttpRequest(b('GETX / HTTP/1.1'), 0, 15), 'no')
  assert.equal(probeHttpResponse(b('HTTP/1.1 200 OK\r\n'), 0, 17), 'yes')
  assert.equal(probeHttpResponse(b('HTTP/1.'), 0, 7), 'need-more')
  assert.equal(probeHttpResponse(b('HTTP/1.1 2xx'), 0, 12), 'no')
  assert.equal(probeHttpResponse(b('<!DOCTYPE HTML>'), 0, 15), 'no')
})

test('request head: line, headers lower-cased, obs-fold joined, next = first body byte', () => {
  const buf = b(`${REQ}BODY`)
  const r = decodeHttpHead(buf, 0, buf.length)
  assert.ok(r.ok)
  assert.equal(r.value.isRequest, true)
  assert.equal(r.value.method, 'GET')
  assert.equal(r.value.uri, '/t32.exe')
  assert.equal(r.value.version, 'HTTP/1.1')
  assert.equal(headerValue(r.value, 'user-agent'), 'Microsoft-CryptoAPI/10.0')
  assert.equal(headerValue(r.value, 'x-folded'), 'a b')
  assert.equal(buf.toString('latin1', r.next), 'BODY')
})

test('response head, bare-LF line ends, reason phrase optional', () => {
  const r = decodeHttpHead(b('HTTP/1.0 200 OK\nContent-Type: image/png\n\nMZ'), 0, 45)
  assert.ok(r.ok)
  assert.equal(r.value.status, 200)
  assert.equal(r.value.reason, 'OK')
  assert.equal(headerValue(r.value, 'content-type'), 'image/png')
  const r2 = decodeHttpHead(b('HTTP/1.1 204\r\n\r\n'), 0, 16)
  assert.ok(r2.ok)
  assert.equal(r2.value.status, 204)
})

test('caps and bad heads give typed errors', () => {
  const caps = { maxHeadBytes: 64, maxHeaders: 2, maxLineBytes: 40 }
  const long = b(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}`)
  const e1 = decodeHttpHead(long, 0, long.length, caps)
  assert.ok(!e1.ok && e1.error.code === 'http.header_too_long')
  const e2 = decodeHttpHead(b('GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n'), 0, 38, caps)
  assert.ok(!e2.ok && e2.error.code === 'http.too_many_headers')
  const e3 = decodeHttpHead(b(`GET /${'a'.repeat(50)} HTTP/1.1\r\n\r\n`), 0, 68, { ...caps, maxHeadBytes: 200 })
  assert.ok(!e3.ok && e3.error.code === 'http.line_too_long')
  const e4 = decodeHttpHead(b('GET / HTTP/1.1\r\nno colon here\r\n\r\n'), 0, 33)
  assert.ok(!e4.ok && e4.error.code === 'http.bad_header')
  const e5 = decodeHttpHead(b('HTTP/1.1 2000 OK\r\n\r\n'), 0, 20)
  assert.ok(!e5.ok && e5.error.code === 'http.bad_start_line')
})

test('chunk-size lines: hex, extensions, invalid, too large, truncated', () => {
  const ok = decodeChunkSize(b('fa0;name=v\r\nDATA'), 0, 16)
  assert.ok(ok.ok)
  assert.equal(ok.value, 0xfa0)
  assert.equal(ok.next, 12)
  const z = decodeChunkSize(b('0\r\n\r\n'), 0, 5)
  assert.ok(z.ok && z.value === 0)
  const bad = decodeChunkSize(b('zz\r\n'), 0, 4)
  assert.ok(!bad.ok && bad.error.code === 'http.chunk_size_invalid')
  const neg = decodeChunkSize(b('-1\r\n'), 0, 4)
  assert.ok(!neg.ok && neg.error.code === 'http.chunk_size_invalid')
  const big = decodeChunkSize(b('ffffffffffffffffff\r\n'), 0, 20)
  assert.ok(!big.ok && big.error.code === 'http.chunk_size_too_large')
  const tr = decodeChunkSize(b('1a'), 0, 2)
  assert.ok(!tr.ok && tr.error.code === 'http.truncated')
})

test('every prefix of a head is truncated or ok; random bytes give known codes, never a throw', () => {
  const full = b(REQ)
  for (let n = 0; n < full.length; n++) {
    const r = decodeHttpHead(full, 0, n)
    assert.ok(!r.ok && r.error.code === 'http.truncated', `prefix ${n}`)
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
      const buf = Buffer.from(a)
      const r = decodeHttpHead(buf, 0, buf.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code), r.error.code)
      const c = decodeChunkSize(buf, 0, buf.length)
      if (!c.ok) assert.ok(KNOWN.has(c.error.code), c.error.code)
      probeHttpRequest(buf, 0, buf.length)
      probeHttpResponse(buf, 0, buf.length)
    }),
    { numRuns: 500 },
  )
  // Bit flips of a valid head.
  fc.assert(
    fc.property(fc.nat(full.length - 1), fc.integer({ min: 0, max: 255 }), (i, v) => {
      const c = Buffer.from(full)
      c[i] = v
      const r = decodeHttpHead(c, 0, c.length)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
    }),
    { numRuns: 300 },
  )
})
