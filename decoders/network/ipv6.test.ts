import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { addressText } from './ip-text.js'
import { decodeIpv6, IPV6_MAX_EXT_HEADERS } from './ipv6.js'

// IPv6 with hop-by-hop (8), fragment (8, offset 0, M set) and destination options (8) before TCP.
const WITH_EXT = hex(`
  60000000                          // version 6, class 0, flow 0
  0030                              // payload length 48
  00                                // next: hop-by-hop
  40                                // hop limit 64
  fd660000000000000000000000000002  // fd66::2
  fd660000000000000000000000000080  // fd66::80
  2c00 050200000000                 // HBH: next fragment, len 0, router alert option
  3c00 0001 12345678                // fragment: next dst-opts, offset 0, M=1, id
  0600 0104 00000000                // dst-opts: next TCP, len 0, PadN
  a7241f90 00000001 00000000 5002ffff 00000000 // TCP header (20)
  aabbccdd                          // 4 payload bytes
`)

test('IPv6 with extension headers: addresses, protocol after the chain, fragment fields, lengths', () => {
  const r = decodeIpv6(WITH_EXT, 0, WITH_EXT.length)
  assert.ok(r.ok)
  const h = r.value.header
  assert.equal(addressText(h.src, 6), 'fd66::2')
  assert.equal(addressText(h.dst, 6), 'fd66::80')
  assert.deepEqual(h.extHeaders, [0, 44, 60])
  assert.equal(h.protocol, 6)
  assert.equal(h.isFragment, true)
  assert.equal(h.fragOffset, 0)
  assert.equal(r.value.payloadOff, 40 + 24)
  assert.equal(r.value.payloadEnd, 88)
  assert.deepEqual(r.value.nextKey, { kind: 'ipproto', value: 6 })
})

test('IPv6: a non-first fragment stops the walk at the fragment header', () => {
  const b = Buffer.from(WITH_EXT)
  b.writeUInt16BE(185 << 3, 40 + 8 + 2)
  const r = decodeIpv6(b, 0, b.length)
  assert.ok(r.ok)
  assert.equal(r.value.header.fragOffset, 1480)
  assert.equal(r.value.header.protocol, 60)
  assert.equal(r.value.nextKey, undefined)
})

test('IPv6 errors: short, wrong version, truncated extension header, too many extension headers', () => {
  const code = (b: Buffer, end = b.length) => {
    const r = decodeIpv6(b, 0, end)
    return r.ok ? 'ok' : r.error.code
  }
  assert.equal(code(WITH_EXT, 39), 'ipv6.too_short')
  const v4 = Buffer.from(WITH_EXT)
  v4[0] = 0x45
  assert.equal(code(v4), 'ipv6.bad_version')
  assert.equal(code(WITH_EXT, 45), 'ipv6.ext_header_truncated')
  // A chain of destination-options headers longer than the cap.
  const n = IPV6_MAX_EXT_HEADERS + 2
  const chain = Buffer.alloc(40 + 8 * n)
  chain[0] = 0x60
  chain.writeUInt16BE(8 * n, 4)
  chain[6] = 60
  for (let i = 0; i < n; i++) chain[40 + 8 * i] = 60
  assert.equal(code(chain), 'ipv6.too_many_ext_headers')
})

test('IPv6 AH length is in 4-byte units', () => {
  const b = Buffer.alloc(40 + 16 + 8)
  b[0] = 0x60
  b.writeUInt16BE(24, 4)
  b[6] = 51
  b[40] = 17 // AH next header UDP
  b[41] = 2 // (2 + 2) * 4 = 16 bytes
  const r = decodeIpv6(b, 0, b.length)
  assert.ok(r.ok && r.value.header.protocol === 17 && r.value.payloadOff === 56)
})

test('IPv6 decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder(decodeIpv6, WITH_EXT)
})
