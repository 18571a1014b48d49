/**
 * Shared decoder properties (STYLE 2.8 habit 5/6): on every prefix of a fixture and on random bytes, a
 * decodeX(buf, off, end) returns ok or a DecodeError with a `layer.problem` code, never throws, never
 * points outside [off, end], and never depends on bytes outside [off, end] (checked with guard bytes).
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Decoded } from '../../decoders/errors.js'

type Decoder = (buf: Buffer, off: number, end: number) => Decoded<unknown>

const CODE = /^[a-z0-9]+\.[a-z0-9_]+$/

function runGuarded(decode: Decoder, bytes: Uint8Array): string {
  const out: string[] = []
  for (const guard of [0x00, 0xff]) {
    const buf = Buffer.alloc(bytes.length + 48, guard)
    buf.set(bytes, 24)
    const r = decode(buf, 24, 24 + bytes.length)
    if (r.ok) {
      assert.ok(r.next >= 24 && r.next <= 24 + bytes.length, `next ${r.next} outside the input`)
      const v = r.value as { payloadOff?: number; payloadEnd?: number }
      if (v.payloadOff !== undefined && v.payloadEnd !== undefined) {
        assert.ok(24 <= v.payloadOff && v.payloadOff <= v.payloadEnd && v.payloadEnd <= 24 + bytes.length)
      }
    } else {
      assert.match(r.error.code, CODE)
    }
    out.push(JSON.stringify(r, (_k, x) => (x instanceof Uint32Array ? [...x] : x)))
  }
  assert.equal(out[0], out[1], 'the decoder read outside [off, end)')
  return out[0] as string
}

/** Every prefix of `fixture` and `runs` random inputs (plus bit flips of the fixture) decode totally. */
export function assertTotalDecoder(decode: Decoder, fixture: Buffer, runs = 400): void {
  for (let n = 0; n <= fixture.length; n++) runGuarded(decode, fixture.subarray(0, n))
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: fixture.length + 16 }), (b) => {
      runGuarded(decode, b)
    }),
    { numRuns: runs },
  )
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (flips) => {
      const b = Buffer.from(fixture)
      for (const x of flips) b[x % b.length] = (b[x % b.length] as number) ^ (1 << (x % 8))
      runGuarded(decode, b)
    }),
    { numRuns: runs },
  )
}

/** Builds a Buffer from hex written one field per line (`// comments` and whitespace ignored). */
export function hex(text: string): Buffer {
  return Buffer.from(
    text
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, ''))
      .join('')
      .replace(/\s+/g, ''),
    'hex',
  )
}
