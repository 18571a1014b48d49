/** kv-scan: the character tests and the quoted-value scan agree with the JavaScript regular expressions they replace. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { isJsSpace, isLineTerminator, quotedValueEnd } from './kv-scan.js'

test('isJsSpace is \\s and isLineTerminator is what . refuses, for every UTF-16 code unit', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c)
    assert.equal(isJsSpace(c), /\s/.test(ch), `\\s at ${c}`)
    assert.equal(isLineTerminator(c), !/./.test(ch), `. at ${c}`)
  }
  assert.equal(isJsSpace(Number.NaN), false)
})

test('quotedValueEnd finds the close the regex "((?:[^"\\\\]|\\\\.)*)" finds', () => {
  const QUOTED = /^(?:[^"\\]|\\.)*"/
  const text = fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\r', '\u2028', 'é'), maxLength: 24 })
  fc.assert(
    fc.property(text, (s) => {
      const m = QUOTED.exec(s)
      assert.equal(quotedValueEnd(`=${s}`, 1), m === null ? -1 : m[0].length)
    }),
    { numRuns: 2000 },
  )
  assert.equal(quotedValueEnd('a\\"b"', 0), 4)
  assert.equal(quotedValueEnd('a\\\nb"', 0), -1)
  assert.equal(quotedValueEnd('ab\\', 0), -1)
})
