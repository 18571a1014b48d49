import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counters } from '../counters.js'
import { ExpectedTable } from './expected.js'
import type { ExpectedConnection } from './types.js'

const x = (p: Partial<ExpectedConnection>): ExpectedConnection => ({
  resp_h: '192.0.2.1',
  proto: 'tcp',
  analyzer: 'ftp-data',
  expiresTs: 100,
  ...p,
})

test('FTP passive: matches by resp_h/resp_p (and orig_h), once', () => {
  const t = new ExpectedTable()
  t.add(x({ orig_h: '10.0.0.1', resp_p: 50000 }), 1)
  assert.equal(t.take('tcp', '10.0.0.9', 40000, '192.0.2.1', 50000, 2), undefined)
  assert.equal(t.take('tcp', '10.0.0.1', 40000, '192.0.2.1', 50001, 2), undefined)
  const m = t.take('tcp', '10.0.0.1', 40000, '192.0.2.1', 50000, 2)
  assert.equal(m?.reversed, false)
  assert.equal(t.take('tcp', '10.0.0.1', 40000, '192.0.2.1', 50000, 2), undefined)
})

test('TFTP: the server originates from its new TID to the client port (reverse orientation)', () => {
  const t = new ExpectedTable()
  t.add(x({ proto: 'udp', orig_h: '10.0.0.1', orig_p: 5000, resp_h: '192.0.2.1', analyzer: 'tftp-data' }), 1)
  const m = t.take('udp', '192.0.2.1', 3445, '10.0.0.1', 5000, 2)
  assert.equal(m?.reversed, true)
  assert.equal(m?.x.analyzer, 'tftp-data')
})

test('bounded: expiry on capture time and eviction of the oldest beyond the cap, both counted', () => {
  const c = new Counters()
  const t = new ExpectedTable(3, c)
  for (let i = 0; i < 5; i++) t.add(x({ resp_p: 1000 + i, expiresTs: 10 + i }), 1)
  assert.equal(t.count, 3)
  assert.equal(c.get('app_expected_dropped_total', 'evicted'), 2)
  assert.equal(t.take('tcp', '10.0.0.1', 1, '192.0.2.1', 1000, 2), undefined)
  t.expire(14)
  assert.equal(t.count, 1)
  assert.equal(c.get('app_expected_dropped_total', 'expired'), 2)
  assert.equal(t.take('tcp', '10.0.0.1', 1, '192.0.2.1', 1004, 20), undefined)
})
