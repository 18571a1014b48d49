import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeIcmp, decodeIcmpv6 } from './icmp.js'

const PORT_UNREACHABLE = hex(`
  03          // type 3 destination unreachable
  03          // code 3 port unreachable
  abcd        // checksum
  00000000    // unused
  4500001c    // start of the quoted IPv4 header
`)

test('ICMP: type and code (Zeek reports them as ports), payload after 8 bytes', () => {
  const r = decodeIcmp(PORT_UNREACHABLE, 0, PORT_UNREACHABLE.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value.header, { type: 3, code: 3, checksum: 0xabcd })
  assert.equal(r.value.payloadOff, 8)
  const v6 = decodeIcmpv6(hex('8000 1234 12340001'), 0, 8)
  assert.ok(v6.ok && v6.value.header.type === 128 && v6.value.header.code === 0)
  const short = decodeIcmpv6(PORT_UNREACHABLE, 0, 3)
  assert.ok(!short.ok && short.error.code === 'icmpv6.too_short')
})

test('ICMP decoders are total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder((b, o, e) => decodeIcmp(b, o, e), PORT_UNREACHABLE)
  assertTotalDecoder((b, o, e) => decodeIcmpv6(b, o, e), PORT_UNREACHABLE, 100)
})
