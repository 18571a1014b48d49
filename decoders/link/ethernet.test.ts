import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeEthernet } from './ethernet.js'

const IPV4_MIN = '45000014000000004011000001020304 05060708'

const QINQ_PPPOE = hex(`
  ffffffffffff  // destination MAC
  020000000001  // source MAC
  88a8          // 802.1ad service tag
  0064          // S-VLAN 100
  8100          // 802.1Q customer tag
  602a          // PCP 3, VLAN 42
  8864          // PPPoE session
  11            // version 1, type 1
  00            // code 0: session data
  1234          // session id
  0016          // length 22 = PPP protocol (2) + IPv4 (20)
  0021          // PPP: IPv4
  ${IPV4_MIN}   // IPv4 header
  0000          // trailer
`)

test('Ethernet: QinQ + PPPoE session → IPv4 with VLAN ids and the PPPoE length bounding the payload', () => {
  const r = decodeEthernet(QINQ_PPPOE, 0, QINQ_PPPOE.length)
  assert.ok(r.ok)
  assert.equal(r.value.header.outerEtherType, 0x88a8)
  assert.equal(r.value.header.vlan, 100)
  assert.equal(r.value.header.vlanInner, 42)
  assert.equal(r.value.header.src, 0x020000000001)
  assert.deepEqual(r.value.nextKey, { kind: 'ethertype', value: 0x0800 })
  assert.equal(r.value.payloadOff, 14 + 8 + 8)
  assert.equal(r.value.payloadEnd, r.value.payloadOff + 20)
})

test('Ethernet: plain, MPLS, and the non-IP / error cases', () => {
  const plain = hex(`ffffffffffff 020000000001 86dd 60000000`)
  const p = decodeEthernet(plain, 0, plain.length)
  assert.ok(p.ok && p.value.nextKey?.value === 0x86dd && p.value.header.vlan === -1 && p.value.payloadOff === 14)
  const mpls = hex(`ffffffffffff 020000000001 8847 00010040 00020140 ${IPV4_MIN}`)
  const m = decodeEthernet(mpls, 0, mpls.length)
  assert.ok(m.ok && m.value.nextKey?.value === 0x0800 && m.value.payloadOff === 22)
  const code = (h: string) => {
    const b = hex(h)
    const r = decodeEthernet(b, 0, b.length)
    return r.ok ? `ok:${r.value.nextKey?.value.toString(16)}` : r.error.code
  }
  assert.equal(code('ffffffffffff 0200000000'), 'ethernet.too_short')
  assert.equal(code('ffffffffffff 020000000001 8100 00'), 'vlan.too_short')
  assert.equal(code(`ffffffffffff 020000000001 ${'8100 0001 '.repeat(9)} 0800`), 'vlan.too_many_tags')
  assert.equal(code('ffffffffffff 020000000001 8864 1100 0001 0010 c021'), 'pppoe.non_ip')
  assert.equal(code('ffffffffffff 020000000001 8864 2100 0001 0010 0021'), 'pppoe.bad_version')
  // The walker names what is not IP; the Ethernet layer itself still decodes ARP.
  assert.equal(code('ffffffffffff 020000000001 0806 0001'), 'ok:806')
})

test('Ethernet decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder(decodeEthernet, QINQ_PPPOE)
})
