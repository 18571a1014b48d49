/** escapeForTerminal: every control character, ANSI escape and bidi override becomes visible text. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { escapeForTerminal } from './escape.js'

test('ANSI/OSC sequences, C0/C1 controls, DEL and bidi overrides are escaped', () => {
  assert.equal(escapeForTerminal('a\x1b[31mred\x1b[0m'), 'a\\e[31mred\\e[0m')
  assert.equal(escapeForTerminal('\x1b]0;title\x07'), '\\e]0;title\\x07')
  assert.equal(escapeForTerminal('x\ry\nz\t'), 'x\\ry\\nz\\t')
  assert.equal(escapeForTerminal('\x7f\x9b'), '\\x7f\\x9b')
  assert.equal(escapeForTerminal('abc\u202edcba'), 'abc\\u{202e}dcba')
  assert.equal(escapeForTerminal('C:\\Windows'), 'C:\\\\Windows')
  assert.equal(escapeForTerminal('café ünïcode ok'), 'café ünïcode ok')
})

test('property: output has no control characters', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 0x2fff }), { maxLength: 100 }).map((a) => String.fromCodePoint(...a)),
      (s) => {
        assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(escapeForTerminal(s)))
      },
    ),
    { numRuns: 1000 },
  )
})
