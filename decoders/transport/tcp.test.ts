import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeTcp } from './tcp.js'

const SYN_WITH_OPTIONS = hex(`
  a724        // source port 42788
  1f90        // destination port 8080
  6dec1f50    // sequence number
  00000000    // acknowledgement number
  a0          // data offset 10 (40 bytes)
  02          // flags: SYN
  faf0        // window 64240
  34f6        // checksum
  0000        // urgent pointer
  020405b4 0402080a 3fa34c1d 00000000 01030307 // MSS, SACK-permitted, timestamps, NOP, window scale
`)

test('TCP SYN with options: ports, sequence, flags, header length', () => {
  const r = decodeTcp(SYN_WITH_OPTIONS, 0, SYN_WITH_OPTIONS.length)
  assert.ok(r.ok)
  const h = r.value.header
  assert.deepEqual(
    [h.srcPort, h.dstPort, h.seq, h.ack, h.hlen, h.flags, h.window, h.urgent],
    [42788, 8080, 0x6dec1f50, 0, 40, 0x02, 64240, 0],
  )
  assert.equal(r.value.payloadOff, 40)
  assert.equal(r.value.payloadEnd, 40)
})

test('TCP errors: short, data offset below 5, header past the segment, header past the capture', () => {
  const code = (b: Buffer, end = b.length, wire?: number) => {
    const r = decodeTcp(b, 0, end, wire)
    return r.ok ? 'ok' : r.error.code
  }
  assert.equal(code(SYN_WITH_OPTIONS, 19), 'tcp.too_short')
  const d4 = Buffer.from(SYN_WITH_OPTIONS)
  d4[12] = 0x40
  assert.equal(code(d4), 'tcp.hlen_too_small')
  assert.equal(code(SYN_WITH_OPTIONS, 40, 32), 'tcp.hlen_gt_segment')
  assert.equal(code(SYN_WITH_OPTIONS, 30, 40), 'tcp.header_truncated')
})

test('TCP decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder((b, o, e) => decodeTcp(b, o, e), SYN_WITH_OPTIONS)
})
