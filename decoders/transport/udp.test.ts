import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeUdp } from './udp.js'

const DATAGRAM = hex(`
  b59b        // source port 46491
  9c40        // destination port 40000
  000e        // length 14
  1234        // checksum
  68656c6c6f0a // "hello\\n"
`)

test('UDP: ports, length field, payload', () => {
  const r = decodeUdp(DATAGRAM, 0, DATAGRAM.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value.header, { srcPort: 46491, dstPort: 40000, length: 14, checksum: 0x1234 })
  assert.equal(r.value.payloadOff, 8)
  assert.equal(r.value.payloadEnd, 14)
  const short = decodeUdp(DATAGRAM, 0, 7)
  assert.ok(!short.ok && short.error.code === 'udp.too_short' && short.error.need === 8)
})

test('UDP decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder((b, o, e) => decodeUdp(b, o, e), DATAGRAM)
})
