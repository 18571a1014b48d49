import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ieName, REVERSE_PEN } from './ie-names.js'
import { Slot, slotFor } from './templates.js'

test('ie-names: IANA names, RFC 5103 reverse names, round-trippable fallbacks', () => {
  assert.equal(ieName(1), 'octetDeltaCount')
  assert.equal(ieName(152), 'flowStartMilliseconds')
  assert.equal(ieName(1, REVERSE_PEN), 'reverseOctetDeltaCount')
  assert.equal(ieName(999), 'ie-999')
  assert.equal(ieName(137, 2636), '2636:137')
})

test('ie-names: every element the decoder reads has a name, and reverse counters map to reverse slots', () => {
  for (let id = 1; id < 400; id++) if (slotFor(id, 0) !== Slot.SKIP) assert.doesNotMatch(ieName(id), /^ie-/, `ie ${id}`)
  assert.equal(slotFor(1, REVERSE_PEN), Slot.REV_BYTES)
  assert.equal(slotFor(86, REVERSE_PEN), Slot.REV_PKTS)
  assert.equal(slotFor(1, 9999), Slot.SKIP)
})
