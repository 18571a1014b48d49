import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AddressSet, DEFAULT_INTERNAL_CIDRS, parseIpv4, parseIpv6 } from './address-set.js'

test('parseIpv4 accepts dotted quads only', () => {
  assert.equal(parseIpv4('10.66.0.2'), 0x0a420002)
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff)
  for (const bad of ['10.66.0', '10.66.0.256', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3'])
    assert.equal(parseIpv4(bad), undefined)
})

test('parseIpv6 expands :: and an embedded IPv4 tail (RFC 4291 §2.2)', () => {
  assert.deepEqual(parseIpv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1])
  assert.deepEqual(parseIpv6('2001:db8::8:800:200c:417a'), [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a])
  assert.deepEqual(parseIpv6('::ffff:192.0.2.1'), [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201])
  assert.deepEqual(parseIpv6('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1])
  for (const bad of ['1:2:3', '1::2::3', '12345::', 'g::1', '10.0.0.1']) assert.equal(parseIpv6(bad), undefined)
})

test('the default internal networks: RFC 1918, CGNAT, link-local, loopback, ULA', () => {
  const s = new AddressSet(DEFAULT_INTERNAL_CIDRS)
  for (const ip of [
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.9.9',
    '127.0.0.1',
  ]) {
    assert.equal(s.has(ip), true, ip)
  }
  for (const ip of ['172.32.0.1', '11.0.0.1', '100.128.0.1', '198.51.100.80', '8.8.8.8'])
    assert.equal(s.has(ip), false, ip)
  assert.equal(s.has('fd00::1'), true)
  assert.equal(s.has('fe80::1'), true)
  assert.equal(s.has('::1'), true)
  assert.equal(s.has('2001:db8::1'), false)
  // IPv4-mapped IPv6 is judged as the IPv4 address.
  assert.equal(s.has('::ffff:10.0.0.1'), true)
  assert.equal(s.has('::ffff:8.8.8.8'), false)
  assert.equal(s.has('not an address'), false)
})

test('prefix lengths are honoured at the bit level, and bad entries are refused', () => {
  const s = new AddressSet(['192.0.2.128/25', '2001:db8:8000::/33', '203.0.113.7'])
  assert.equal(s.has('192.0.2.127'), false)
  assert.equal(s.has('192.0.2.128'), true)
  assert.equal(s.has('2001:db8:7fff::1'), false)
  assert.equal(s.has('2001:db8:8000::1'), true)
  assert.equal(s.has('203.0.113.7'), true)
  assert.equal(s.has('203.0.113.8'), false)
  assert.throws(() => new AddressSet(['10.0.0.0/33']), /prefix length/)
  assert.throws(() => new AddressSet(['example.com']), /Not an IP address/)
})

test('remembered answers are forgotten when a range is added', () => {
  const s = new AddressSet([])
  assert.equal(s.has('198.51.100.80'), false)
  s.add('198.51.100.0/24')
  assert.equal(s.has('198.51.100.80'), true)
})

test('the memo stays bounded and answers stay right past its size', () => {
  const s = new AddressSet(['10.0.0.0/8'])
  for (let i = 0; i < 70_000; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    assert.equal(s.has(ip), true)
  }
  assert.equal(s.has('11.0.0.1'), false)
})
