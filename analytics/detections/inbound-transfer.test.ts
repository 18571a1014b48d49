import assert from 'node:assert/strict'
import { test } from 'node:test'
import inboundTransfer from './inbound-transfer.js'
import { DETECTIONS } from './index.js'

test('inbound-transfer metadata is complete and registered', () => {
  assert.equal(inboundTransfer.id, 'inbound-transfer')
  assert.equal(inboundTransfer.technique, 'T1105')
  assert.ok(inboundTransfer.tags.includes('attack.t1105'))
  assert.ok(inboundTransfer.references.some((r) => r.endsWith('DET0060')))
  assert.ok(inboundTransfer.references.some((r) => r.endsWith('DET0718')))
  assert.ok(inboundTransfer.falsePositives.length > 0)
  assert.equal(typeof inboundTransfer.params.suppress_for_s, 'number')
  assert.ok(DETECTIONS.includes(inboundTransfer))
  // The Scorer raises the alerts; the registered instance consumes nothing.
  assert.deepEqual(inboundTransfer.inputs, [])
})
