import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EvidenceWindow } from './evidence-window.js'

test('caps per key and keys; expiry on event time; replace with `same`', () => {
  const w = new EvidenceWindow<{ ts: number; id: string }>({ windowS: 100, maxPerKey: 3, maxKeys: 2 })
  for (let i = 0; i < 5; i++) w.add('a', { ts: i, id: `a${i}` })
  assert.deepEqual(
    w.get('a').map((x) => x.id),
    ['a2', 'a3', 'a4'],
  )
  w.add('a', { ts: 9, id: 'a3' }, (x) => x.id === 'a3')
  assert.equal(w.get('a').length, 3)
  w.add('b', { ts: 5, id: 'b' })
  w.add('c', { ts: 5, id: 'c' })
  // 'a' was least recently added to when 'c' arrived.
  assert.equal(w.keys, 2)
  assert.deepEqual(w.get('a'), [])
  w.expire(104)
  assert.equal(w.get('b').length, 1)
  w.expire(106)
  assert.equal(w.size, 0)
  assert.equal(w.keys, 0)
})
