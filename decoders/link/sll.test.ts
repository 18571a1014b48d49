import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeSll } from './sll.js'
import { decodeSll2 } from './sll2.js'

const SLL = hex(`
  0004              // packet type: sent by us
  0001              // ARPHRD_ETHER
  0006              // address length 6
  0200000000010000  // address, padded to 8
  0800              // protocol IPv4
  45000014000000004006000001020304 05060708 // IPv4 header
`)

const SLL2 = hex(`
  86dd              // protocol IPv6
  0000              // reserved
  00000002          // interface index 2
  0001              // ARPHRD_ETHER
  00                // packet type: to us
  06                // address length
  0200000000010000  // address
  60000000 0000 3b 40 ${'00'.repeat(32)} // IPv6 header, no next header
`)

test('SLL v1 and v2: pseudo-header fields and the IP payload', () => {
  const a = decodeSll(SLL, 0, SLL.length)
  assert.ok(a.ok)
  assert.deepEqual([a.value.header.packetType, a.value.header.hatype, a.value.header.protocol], [4, 1, 0x0800])
  assert.equal(a.value.payloadOff, 16)
  const b = decodeSll2(SLL2, 0, SLL2.length)
  assert.ok(b.ok)
  assert.deepEqual([b.value.header.protocol, b.value.header.ifIndex, b.value.header.packetType], [0x86dd, 2, 0])
  assert.equal(b.value.payloadOff, 20)
  assert.deepEqual(b.value.nextKey, { kind: 'ethertype', value: 0x86dd })
  const netlink = Buffer.from(SLL)
  netlink.writeUInt16BE(824, 2)
  const n = decodeSll(netlink, 0, netlink.length)
  assert.ok(!n.ok && n.error.code === 'sll.netlink')
})

test('SLL decoders are total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder(decodeSll, SLL)
  assertTotalDecoder(decodeSll2, SLL2)
})
