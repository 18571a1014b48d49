import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DnsEvent, HostEvent, SyslogEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import { HostIdentity, MAX_NAMES_PER_IP, normalizeHostName } from './host-identity.js'

test('normalizeHostName: case, trailing dot and domain suffix removed; addresses kept', () => {
  assert.equal(normalizeHostName('04246w-win10.threebeesco.com'), '04246w-win10')
  assert.equal(normalizeHostName('WS01.CORP.example.'), 'ws01')
  assert.equal(normalizeHostName('WS01'), 'ws01')
  assert.equal(normalizeHostName('10.66.0.2'), '10.66.0.2')
  assert.equal(normalizeHostName('fe80::1'), 'fe80::1')
  assert.equal(normalizeHostName('-'), '')
})

test('learns from DNS answers (internal addresses only), host events and syslog', () => {
  const id = new HostIdentity({ internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) })
  const dns = {
    kind: 'dns',
    ts: 10,
    source: 's',
    uid: 'C1',
    orig_h: '10.66.0.9',
    orig_p: 5353,
    resp_h: '10.66.0.53',
    resp_p: 53,
    proto: 'udp',
    query: 'WS01.corp.example',
    qtype: 1,
    answers: ['10.66.0.2', '198.51.100.7'],
  } satisfies DnsEvent
  id.observe(dns)
  assert.deepEqual(id.ipsOf('ws01', 11), ['10.66.0.2'])
  assert.deepEqual(id.namesOf('10.66.0.2', 11), ['ws01'])
  assert.deepEqual(id.namesOf('198.51.100.7', 11), [])
  id.observe({
    kind: 'host',
    ts: 12,
    source: 's',
    host: 'FS01.corp.example',
    host_ip: '10.66.1.9',
    event_id: 'sysmon:1',
    action: 'process',
    raw: '',
  } satisfies HostEvent)
  assert.deepEqual(id.namesOf('10.66.1.9', 12), ['fs01'])
  id.observe({
    kind: 'syslog',
    ts: 13,
    source: 's',
    format: 'rfc5424',
    hostname: 'router1',
    peer: '10.66.0.1',
    message: '',
  } satisfies SyslogEvent)
  assert.deepEqual(id.ipsOf('ROUTER1.lan', 13), ['10.66.0.1'])
  assert.deepEqual(id.aliases(['WS01'], [], 14).sort(), ['ip:10.66.0.2', 'name:ws01'])
  assert.deepEqual(id.aliases([], ['10.66.1.9'], 14).sort(), ['ip:10.66.1.9', 'name:fs01'])
})

test('mappings expire on event time', () => {
  const id = new HostIdentity({ ttlS: 100 })
  id.learn('ws01', '10.0.0.1', 0)
  assert.deepEqual(id.ipsOf('ws01', 100), ['10.0.0.1'])
  assert.deepEqual(id.ipsOf('ws01', 101), [])
})

test('an address with too many names (a relay) is ambiguous and not used', () => {
  const id = new HostIdentity()
  for (let i = 0; i <= MAX_NAMES_PER_IP; i++) id.learn(`host${i}`, '10.0.0.250', i)
  assert.deepEqual(id.namesOf('10.0.0.250', 10), [])
  assert.deepEqual(id.ipsOf('host0', 10), [])
})

test('bounded: the oldest names are dropped past maxEntries', () => {
  const id = new HostIdentity({ maxEntries: 100 })
  for (let i = 0; i < 10_000; i++) id.learn(`h${i}`, `10.1.${i >> 8}.${i & 255}`, i)
  assert.ok(id.size <= 100)
  assert.deepEqual(id.ipsOf('h9999', 10_000), ['10.1.39.15'])
})
