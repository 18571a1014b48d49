import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeIpv4 } from './ipv4.js'

// An IPv4 header with 4 bytes of options (IHL 6) and a UDP payload of 12 bytes.
const WITH_OPTIONS = hex(`
  46          // version 4, IHL 6 (24 bytes)
  00          // DSCP/ECN
  0024        // total length 36
  abcd        // identification
  4000        // DF, fragment offset 0
  40          // TTL 64
  11          // protocol UDP
  0000        // checksum (not verified)
  0a000002    // 10.0.0.2
  c6336450    // 198.51.100.80
  94040000    // router alert option
  1f9009c4000c0000 // UDP header (8)
  68656c6c    // payload "hell"
`)

test('IPv4 header with options: fields, payload offsets and next key', () => {
  const r = decodeIpv4(WITH_OPTIONS, 0, WITH_OPTIONS.length)
  assert.ok(r.ok)
  const h = r.value.header
  assert.deepEqual(
    [h.hlen, h.totalLen, h.id, h.df, h.mf, h.fragOffset, h.ttl, h.protocol, h.optionsLen],
    [24, 36, 0xabcd, true, false, 0, 64, 17, 4],
  )
  assert.equal(h.src, 0x0a000002)
  assert.equal(h.dst, 0xc6336450)
  assert.equal(r.value.payloadOff, 24)
  assert.equal(r.value.payloadEnd, 36)
  assert.deepEqual(r.value.nextKey, { kind: 'ipproto', value: 17 })
})

test('IPv4: Ethernet padding after the total length is not payload; a snaplen cut bounds the payload', () => {
  const padded = Buffer.concat([WITH_OPTIONS, Buffer.alloc(10)])
  const r = decodeIpv4(padded, 0, padded.length)
  assert.ok(r.ok && r.value.payloadEnd === 36)
  const cut = decodeIpv4(WITH_OPTIONS, 0, 30)
  assert.ok(cut.ok && cut.value.payloadEnd === 30 && cut.value.header.totalLen === 36)
})

test('IPv4 fragments: first fragment keeps its transport key, later ones have none', () => {
  const first = Buffer.from(WITH_OPTIONS)
  first.writeUInt16BE(0x2000, 6) // MF, offset 0
  const r1 = decodeIpv4(first, 0, first.length)
  assert.ok(r1.ok && r1.value.header.mf && r1.value.nextKey?.value === 17)
  const later = Buffer.from(WITH_OPTIONS)
  later.writeUInt16BE(185, 6) // offset 185 * 8 = 1480
  const r2 = decodeIpv4(later, 0, later.length)
  assert.ok(r2.ok && r2.value.header.fragOffset === 1480 && r2.value.nextKey === undefined)
})

test('IPv4 errors: short, wrong version, IHL below 5, header past the capture, total length below header', () => {
  const code = (b: Buffer, end = b.length) => {
    const r = decodeIpv4(b, 0, end)
    return r.ok ? 'ok' : r.error.code
  }
  assert.equal(code(WITH_OPTIONS, 19), 'ipv4.too_short')
  const v6 = Buffer.from(WITH_OPTIONS)
  v6[0] = 0x66
  assert.equal(code(v6), 'ipv4.bad_version')
  const ihl4 = Buffer.from(WITH_OPTIONS)
  ihl4[0] = 0x44
  assert.equal(code(ihl4), 'ipv4.hlen_too_small')
  assert.equal(code(WITH_OPTIONS, 22), 'ipv4.header_truncated')
  const tl = Buffer.from(WITH_OPTIONS)
  tl.writeUInt16BE(20, 2)
  assert.equal(code(tl), 'ipv4.total_len_lt_hlen')
  // Total length 0 (TCP segmentation offload): the captured length is used, as Zeek does.
  const tso = Buffer.from(WITH_OPTIONS)
  tso.writeUInt16BE(0, 2)
  const r = decodeIpv4(tso, 0, tso.length)
  assert.ok(r.ok && r.value.header.totalLen === tso.length)
})

test('IPv4 decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder(decodeIpv4, WITH_OPTIONS)
})
