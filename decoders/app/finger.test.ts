import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeFingerRequest, probeFinger } from './finger.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

test('requests per RFC 1288 / Zeek finger.spicy: user, /W, @host', () => {
  const cases: [string, { query: string; verbose: boolean; user: string; host?: string }][] = [
    ['julien\r\n', { query: 'julien', verbose: false, user: 'julien' }],
    ['/W nobody\r\n', { query: '/W nobody', verbose: true, user: 'nobody' }],
    ['admin@198.51.100.80\r\n', { query: 'admin@198.51.100.80', verbose: false, user: 'admin', host: '198.51.100.80' }],
    ['\r\n', { query: '', verbose: false, user: '' }],
  ]
  for (const [s, want] of cases) {
    const r = decodeFingerRequest(b(s), 0, s.length)
    assert.ok(r.ok, s)
    assert.deepEqual(r.value, want)
    assert.equal(r.next, s.length)
    assert.equal(probeFinger(0, b(s), 0, s.length), 'yes', s)
  }
})

test('probe rejects other protocols and waits for the line', () => {
  const p = (s: string) => probeFinger(0, b(s), 0, s.length)
  assert.equal(p('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'no')
  assert.equal(p('USER anonymous\r\n'), 'no')
  assert.equal(p('\x16\x03\x01\x02\x00'), 'no')
  assert.equal(p('julie'), 'need-more')
  assert.equal(p('PING\r\n'), 'no')
  assert.equal(p('Admin@host\r\n'), 'yes')
  assert.equal(probeFinger(1, b('x\r\n'), 0, 3), 'no')
  const long = 'a'.repeat(600)
  assert.equal(p(long), 'no')
  const r = decodeFingerRequest(b(long), 0, long.length)
  assert.ok(!r.ok && r.error.code === 'finger.too_long')
  const bin = b('ab\x01c\r\n')
  const e = decodeFingerRequest(bin, 0, bin.length)
  assert.ok(!e.ok && e.error.code === 'finger.bad_request')
})

test('every prefix and random bytes: ok or a finger.* error, never a throw', () => {
  const s = b('/W admin@host.example\r\n')
  for (let n = 0; n <= s.length; n++) {
    const r = decodeFingerRequest(s, 0, n)
    if (!r.ok) assert.match(r.error.code, /^finger\./)
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), (arr) => {
      const buf = Buffer.from(arr)
      const r = decodeFingerRequest(buf, 0, buf.length)
      if (r.ok) assert.ok(r.next <= buf.length)
      else assert.match(r.error.code, /^finger\./)
      probeFinger(0, buf, 0, buf.length)
    }),
    { numRuns: 2000 },
  )
})
