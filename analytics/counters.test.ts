import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counters } from './counters.js'

test('plain and labelled counters add up separately', () => {
  const c = new Counters()
  c.inc('packets_total')
  c.inc('packets_total', undefined, 4)
  c.inc('decode_errors_total', 'ipv4.hlen_too_small')
  c.inc('decode_errors_total', 'ipv4.hlen_too_small', 2)
  c.inc('decode_errors_total', 'tcp.header_truncated')
  assert.equal(c.get('packets_total'), 5)
  assert.equal(c.get('decode_errors_total', 'ipv4.hlen_too_small'), 3)
  assert.deepEqual(c.family('decode_errors_total'), { 'ipv4.hlen_too_small': 3, 'tcp.header_truncated': 1 })
  assert.deepEqual(c.snapshot(), {
    'decode_errors_total{ipv4.hlen_too_small}': 3,
    'decode_errors_total{tcp.header_truncated}': 1,
    packets_total: 5,
  })
})

test('many distinct labels still count correctly beyond the key cache', () => {
  const c = new Counters()
  for (let i = 0; i < 5000; i++) c.inc('x_total', `l${i}`)
  for (let i = 0; i < 5000; i++) c.inc('x_total', `l${i}`)
  assert.equal(Object.keys(c.family('x_total')).length, 5000)
  assert.equal(c.get('x_total', 'l4999'), 2)
})
