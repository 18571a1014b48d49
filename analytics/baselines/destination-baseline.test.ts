import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AddressSet } from '../net/address-set.js'
import { makeFlow, WEDNESDAY_10_UTC } from '../scoring/test-flow.js'
import { DestinationBaseline, isFailedConnection } from './destination-baseline.js'

const internal = new AddressSet(['10.0.0.0/8'])
const DAY = 86_400
const T = WEDNESDAY_10_UTC

test('a flow records host and site first/last seen, flows, bytes and prevalence', () => {
  const b = new DestinationBaseline(internal)
  assert.equal(b.observeFlow(makeFlow({ ts: T, duration: 5 })), true)
  b.observeFlow(makeFlow({ ts: T + 100, duration: 1 }))
  b.observeFlow(makeFlow({ ts: T + 200, orig_h: '10.0.0.7' }))
  const l = b.lookup('10.66.0.2', '198.51.100.80')
  assert.equal(l.hostFirstSeen, T)
  assert.equal(l.siteFirstSeen, T)
  assert.equal(l.prevalence, 2)
  assert.equal(l.siteHosts, 2)
  const d = b.destination('198.51.100.80')
  assert.equal(d?.flows, 3)
  assert.equal(d?.lastSeen, T + 200 + 2)
  const p = [...b.entries('10.66.0.2')]
  assert.equal(p.length, 1)
  assert.equal(p[0]?.flows, 2)
  assert.equal(p[0]?.lastSeen, T + 101)
  const one = makeFlow()
  assert.equal(p[0]?.bytes, 2 * (one.orig_ip_bytes + one.resp_ip_bytes), 'bytes are IP lengths')
  assert.equal(b.lookup('10.0.0.99', '198.51.100.80').hostFirstSeen, undefined, 'another host never saw it')
})

test('the external side is the destination whichever side initiated', () => {
  const b = new DestinationBaseline(internal)
  b.observeFlow(makeFlow({ orig_h: '198.51.100.80', orig_p: 20, resp_h: '10.66.0.2', resp_p: 40001 }))
  assert.ok(b.lookup('10.66.0.2', '198.51.100.80').hostFirstSeen !== undefined)
  assert.equal(b.observeFlow(makeFlow({ resp_h: '10.1.1.1' })), false, 'internal to internal is not a destination')
  assert.equal(b.observeFlow(makeFlow({ orig_h: '203.0.113.1' })), false, 'external to external neither')
  assert.equal(b.observeFlow(makeFlow({ resp_h: '239.255.255.250', resp_p: 1900, proto: 'udp' })), false, 'multicast')
  assert.equal(b.observeFlow(makeFlow({ resp_h: '255.255.255.255', resp_p: 67, proto: 'udp' })), false, 'broadcast')
  assert.equal(b.stats.destinations, 1)
  assert.ok(b.host('10.1.1.1'), 'but the internal host is observed')
})

test('failed connections and flows without payload are not exchanges', () => {
  const s0 = makeFlow({ conn_state: 'S0', history: 'S', orig_bytes: 0, resp_bytes: 0, resp_pkts: 0 })
  const rej = makeFlow({ conn_state: 'REJ', history: 'Sr', orig_bytes: 0, resp_bytes: 0 })
  const empty = makeFlow({ conn_state: 'SF', orig_bytes: 0, resp_bytes: 0 })
  for (const r of [s0, rej, empty]) assert.equal(isFailedConnection(r), true, r.conn_state)
  assert.equal(
    isFailedConnection(makeFlow({ source_kind: 'netflow', orig_bytes: 0, resp_bytes: 0, conn_state: '' })),
    false,
  )
  const b = new DestinationBaseline(internal)
  for (const r of [s0, rej, empty]) assert.equal(b.observeFlow(r), false)
  assert.equal(b.stats.entries, 0)
})

test('names from DNS before the flow wait, then attach; SNI and Host attach directly', () => {
  const b = new DestinationBaseline(internal)
  b.observeName('198.51.100.80', 'Files.Example.NET.', T - 5)
  assert.deepEqual(b.lookup('10.66.0.2', '198.51.100.80').names, ['files.example.net'])
  b.observeFlow(makeFlow({ server_name: 'cdn.example.net' }))
  assert.deepEqual(b.destination('198.51.100.80')?.names, ['cdn.example.net', 'files.example.net'])
  b.observeName('198.51.100.80', '198.51.100.80:8000', T)
  b.observeName('198.51.100.80', '[2001:db8::1]', T)
  assert.deepEqual(
    b.destination('198.51.100.80')?.names,
    ['cdn.example.net', 'files.example.net'],
    'addresses are not names',
  )
  for (let i = 0; i < 10; i++) b.observeName('198.51.100.80', `n${i}.example.net`, T)
  assert.equal(b.destination('198.51.100.80')?.names.length, 4, 'names per destination are capped')
})

test('learning period per host', () => {
  const b = new DestinationBaseline(internal, { learningDays: 3 })
  assert.equal(b.isLearning('10.66.0.2', T), true, 'never observed')
  b.observeFlow(makeFlow({ ts: T }))
  assert.equal(b.isLearning('10.66.0.2', T + 2 * DAY), true)
  assert.equal(b.isLearning('10.66.0.2', T + 3 * DAY), false)
  assert.equal(new DestinationBaseline(internal).isLearning('10.0.0.1', T), false, '0 days disables it')
})

test('entries older than expire_after_days (capture time) are dropped, and their removal is tracked', () => {
  const b = new DestinationBaseline(internal, { expireAfterDays: 30 })
  b.observe('10.0.0.1', '203.0.113.1', T, T, 10)
  b.observe('10.0.0.2', '203.0.113.2', T + 20 * DAY, T + 20 * DAY, 10)
  b.takeChanges()
  // Advancing capture time by more than an hour runs expiry.
  b.observe('10.0.0.2', '203.0.113.2', T + 35 * DAY, T + 35 * DAY, 10)
  assert.equal(b.lookup('10.0.0.1', '203.0.113.1').hostFirstSeen, undefined)
  assert.equal(b.destination('203.0.113.1'), undefined)
  assert.equal(b.host('10.0.0.1'), undefined)
  assert.ok(b.lookup('10.0.0.2', '203.0.113.2').hostFirstSeen !== undefined)
  const ch = b.takeChanges()
  assert.deepEqual(ch.removedPairs, [{ host: '10.0.0.1', dest: '203.0.113.1' }])
  assert.deepEqual(ch.removedDests, ['203.0.113.1'])
  assert.deepEqual(ch.removedHosts, ['10.0.0.1'])
  assert.equal(b.stats.expired, 3)
})

test('entries loaded from storage that went stale are expired at the first observation', () => {
  const b = new DestinationBaseline(internal, { expireAfterDays: 30 })
  b.restoreDestValues('203.0.113.1', T - 40 * DAY, T - 40 * DAY, 1, 1, [])
  b.restorePairValues('10.0.0.1', '203.0.113.1', T - 40 * DAY, T - 40 * DAY, 1, 1)
  b.restoreDestValues('203.0.113.2', T - 10 * DAY, T - 10 * DAY, 1, 1, [])
  b.observe('10.0.0.2', '203.0.113.3', T, T, 1)
  assert.equal(b.destination('203.0.113.1'), undefined)
  assert.equal(b.stats.entries, 1)
  assert.ok(b.destination('203.0.113.2'))
  assert.deepEqual(b.takeChanges().removedPairs, [{ host: '10.0.0.1', dest: '203.0.113.1' }])
})

test('size caps evict the least recently seen entries and keep prevalence consistent', () => {
  const b = new DestinationBaseline(internal, { maxEntries: 100, maxDestinations: 1000, expireAfterDays: 0 })
  for (let i = 0; i < 150; i++) b.observe('10.0.0.1', `203.0.113.${i}`, T + i, T + i, 1)
  assert.ok(b.stats.entries <= 100, `entries ${b.stats.entries}`)
  assert.ok(b.stats.evicted > 0)
  assert.equal(b.lookup('10.0.0.1', '203.0.113.0').hostFirstSeen, undefined, 'the oldest went first')
  assert.equal(b.lookup('10.0.0.1', '203.0.113.149').hostFirstSeen, T + 149, 'the newest stayed')
  let prevalence = 0
  for (const d of b.destinations()) prevalence += d.hosts
  assert.equal(prevalence, b.stats.entries)
})

test('dirty tracking returns each changed entry once, then nothing', () => {
  const b = new DestinationBaseline(internal)
  assert.equal(b.dirty, false)
  b.observeFlow(makeFlow())
  b.observeFlow(makeFlow())
  assert.equal(b.dirty, true)
  const ch = b.takeChanges()
  assert.equal(ch.hosts.length, 1)
  assert.equal(ch.dests.length, 1)
  assert.equal(ch.pairs.length, 1)
  assert.equal(b.dirty, false)
  assert.equal(b.takeChanges().pairs.length, 0)
  // Restoring from storage does not mark anything dirty.
  const c = new DestinationBaseline(internal)
  c.restoreDest({ ip: '203.0.113.1', firstSeen: 1, lastSeen: 2, flows: 1, bytes: 1, names: [] })
  c.restorePair({ host: '10.0.0.1', dest: '203.0.113.1', firstSeen: 1, lastSeen: 2, flows: 1, bytes: 1 })
  assert.equal(c.dirty, false)
  assert.equal(c.lookup('10.0.0.1', '203.0.113.1').prevalence, 1)
})

test('a mixed flow sequence gives the same content with or without change tracking, and the same saved set', () => {
  const on = new DestinationBaseline(internal, { maxEntries: 40, maxDestinations: 30, maxHosts: 20 })
  const off = new DestinationBaseline(internal, {
    maxEntries: 40,
    maxDestinations: 30,
    maxHosts: 20,
    trackChanges: false,
  })
  for (let i = 0; i < 400; i++) {
    const f = makeFlow({
      ts: T + i * 600,
      orig_h: `10.0.0.${i % 23}`,
      resp_h: i % 9 === 0 ? '239.255.255.250' : `203.0.113.${(i * 7) % 37}`,
      resp_bytes: i % 5 === 0 ? 0 : 1000 + i,
      orig_bytes: i % 5 === 0 ? 0 : 100,
      conn_state: i % 5 === 0 ? 'S0' : 'SF',
      ...(i % 3 === 0 ? { server_name: `Host${i % 4}.Example.COM.` } : {}),
    })
    assert.equal(on.observeFlow(f), off.observeFlow(f))
  }
  const dump = (b: DestinationBaseline) => ({
    stats: b.stats,
    hosts: [...b.hosts()].map((h) => [h.host, h.firstSeen, h.lastSeen]),
    dests: [...b.destinations()].map((d) => [d.ip, d.firstSeen, d.lastSeen, d.flows, d.bytes, d.hosts, d.names]),
    pairs: [...b.entries()].map((p) => [p.host, p.dest, p.firstSeen, p.lastSeen, p.flows, p.bytes]),
  })
  assert.deepEqual(dump(off), dump(on))
  assert.ok(on.stats.evicted > 0, 'the caps were reached')
  assert.equal(off.dirty, false, 'nothing tracked')
  assert.deepEqual(off.takeChanges().pairs, [])
  // The tracked changes, applied to an empty copy, rebuild the baseline (what the store does).
  const ch = on.takeChanges()
  const keys = (xs: readonly { host: string; dest: string }[]) => xs.map((p) => `${p.host}|${p.dest}`).sort()
  assert.deepEqual(keys(ch.pairs), keys([...on.entries()]))
  assert.deepEqual(ch.dests.map((d) => d.ip).sort(), [...on.destinations()].map((d) => d.ip).sort())
  assert.deepEqual(ch.hosts.map((h) => h.host).sort(), [...on.hosts()].map((h) => h.host).sort())
  for (const p of ch.removedPairs) assert.equal(on.lookup(p.host, p.dest).hostFirstSeen, undefined)
  assert.equal(on.dirty, false)
})

test('an entry removed and created again is saved once, as the new entry', () => {
  const b = new DestinationBaseline(internal, { expireAfterDays: 1 })
  b.observe('10.0.0.1', '203.0.113.1', T, T, 10)
  b.observe('10.0.0.2', '203.0.113.2', T + 2 * DAY, T + 2 * DAY, 10)
  b.observe('10.0.0.1', '203.0.113.1', T + 2 * DAY + 10, T + 2 * DAY + 10, 20)
  const ch = b.takeChanges()
  const mine = ch.pairs.filter((p) => p.host === '10.0.0.1')
  assert.equal(mine.length, 1)
  assert.equal(mine[0]?.firstSeen, T + 2 * DAY + 10)
  assert.equal(mine[0]?.bytes, 20)
  assert.deepEqual(ch.removedPairs, [], 'no delete of the row the new entry replaces')
})
