/**
 * EventQueue: a full queue drops the newest event and counts it (queue_dropped_total{stage}), never holds more
 * than its capacity, drains in batches on the event loop in arrival order, and drainAll empties it (shutdown).
 * A property test runs random push/tick sequences against a model.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Counters } from '../analytics/counters.js'
import type { SensorEvent } from '../analytics/events.js'
import { EventQueue } from './event-queue.js'

const ev = (i: number): SensorEvent =>
  ({ kind: 'syslog', ts: i, source: 'test', message: String(i) }) as unknown as SensorEvent
const tick = () => new Promise<void>((r) => setImmediate(r))

test('a full queue drops the newest events, counts them, and keeps its capacity', async () => {
  const seen: number[] = []
  const c = new Counters()
  const q = new EventQueue('collectors', 3, (e) => seen.push(e.ts), c)
  for (let i = 0; i < 5; i++) q.push(ev(i))
  assert.equal(q.depth, 3)
  assert.equal(q.highWater, 3)
  assert.equal(c.get('queue_dropped_total', 'collectors'), 2)
  assert.equal(c.get('queue_in_total', 'collectors'), 3)
  assert.deepEqual(seen, [], 'nothing is processed synchronously inside push')
  await tick()
  assert.deepEqual(seen, [0, 1, 2], 'the oldest events are kept, in order')
  assert.equal(q.depth, 0)
  assert.equal(c.get('queue_out_total', 'collectors'), 3)
  // Room again after draining.
  q.push(ev(9))
  await tick()
  assert.deepEqual(seen, [0, 1, 2, 9])
  assert.equal(c.get('queue_dropped_total', 'collectors'), 2)
})

test('drains one batch per event-loop turn; drainAll empties it at once', async () => {
  const seen: number[] = []
  const c = new Counters()
  const q = new EventQueue('s', 100, (e) => seen.push(e.ts), c, 2)
  for (let i = 0; i < 7; i++) q.push(ev(i))
  await tick()
  assert.deepEqual(seen, [0, 1])
  assert.equal(q.depth, 5)
  q.drainAll()
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6])
  assert.equal(q.depth, 0)
  await tick()
  await tick()
  assert.equal(seen.length, 7, 'a drain scheduled before drainAll finds nothing left')
})

test('property: depth never exceeds capacity; accepted + dropped = pushed; accepted events come out in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant(0)), { maxLength: 30 }),
      async (capacity, batch, ops) => {
        const seen: number[] = []
        const accepted: number[] = []
        const c = new Counters()
        const q = new EventQueue('p', capacity, (e) => seen.push(e.ts), c, batch)
        let n = 0
        for (const op of ops) {
          if (op === 0) {
            await tick()
            continue
          }
          for (let i = 0; i < op; i++) {
            const before = q.depth
            q.push(ev(n))
            if (q.depth > before) accepted.push(n)
            n++
            assert.ok(q.depth <= capacity)
          }
        }
        q.drainAll()
        assert.equal(c.get('queue_in_total', 'p') + c.get('queue_dropped_total', 'p'), n)
        assert.equal(c.get('queue_in_total', 'p'), accepted.length)
        assert.equal(c.get('queue_out_total', 'p'), accepted.length)
        assert.deepEqual(seen, accepted)
        assert.ok(q.highWater <= capacity)
      },
    ),
    { numRuns: 200 },
  )
})

test('an event whose processing throws is counted and the rest still flow', async () => {
  const seen: number[] = []
  const c = new Counters()
  const q = new EventQueue(
    's',
    10,
    (e) => {
      if (e.ts === 1) throw new TypeError('broken stage')
      seen.push(e.ts)
    },
    c,
  )
  for (let i = 0; i < 4; i++) q.push(ev(i))
  await tick()
  assert.deepEqual(seen, [0, 2, 3])
  assert.equal(c.get('queue_sink_errors_total', 's'), 1)
  assert.equal(c.get('queue_out_total', 's'), 4)
})
