import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { addressText } from './ip-text.js'

function words(hex32: string): Uint32Array {
  const b = Buffer.from(hex32, 'hex')
  return Uint32Array.from([0, 4, 8, 12].map((o) => b.readUInt32BE(o)))
}

test('RFC 5952 canonical text', () => {
  const cases: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'], // §4.2.1 longest run
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 is not compressed
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // §4.2.3 first of equal runs
    ['20010db800000000000100000000000a', '2001:db8::1:0:0:a'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'], // §5 IPv4-mapped
    ['20010DB8000000000000000000ABCDEF'.toLowerCase(), '2001:db8::ab:cdef'], // §4.3 lowercase
  ]
  for (const [h, want] of cases) assert.equal(addressText(words(h), 6), want, h)
  assert.equal(addressText(Uint32Array.of(0xc0a80001, 0, 0, 0), 4), '192.168.0.1')
})

test('agrees with the WHATWG URL serializer (RFC 5952 compression) on random non-mapped addresses', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(0, 0, 0, 1, 0xabc, 0xffff, 0x20), { minLength: 8, maxLength: 8 }),
      (groups) => {
        const w = Uint32Array.from(
          [0, 2, 4, 6].map((i) => (((groups[i] as number) << 16) | (groups[i + 1] as number)) >>> 0),
        )
        if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return
        const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1)
        assert.equal(addressText(w, 6), url)
      },
    ),
    { numRuns: 500 },
  )
})
