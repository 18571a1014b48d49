import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeNflog } from './nflog.js'

const NFLOG = hex(`
  02          // family AF_INET
  00          // version 0
  0000        // resource id (group 0)
  0800 0100   // TLV len 8, type 1 (NFULA_PACKET_HDR), host order (LE)
  0008 0000   // hw protocol 0x0800, hook, pad
  0900 0a00   // TLV len 9, type 10 (NFULA_PREFIX): "ipv4\\0" padded to 12
  6970763400 000000 // prefix + padding
  1800 0900   // TLV len 24, type 9 (NFULA_PAYLOAD)
  45000014000000004006000001020304 05060708 // IPv4 header (20)
`)

test('NFLOG: skips TLVs (with padding) to the payload', () => {
  const r = decodeNflog(NFLOG, 0, NFLOG.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value.header, { family: 2, version: 0, resourceId: 0 })
  assert.equal(r.value.payloadOff, 4 + 8 + 12 + 4)
  assert.equal(r.value.payloadEnd, NFLOG.length)
  assert.deepEqual(r.value.nextKey, { kind: 'ethertype', value: 0x0800 })
  // The same TLVs written by a big-endian host.
  const be = Buffer.from(NFLOG)
  for (const o of [4, 12, 24]) {
    be.writeUInt16BE(NFLOG.readUInt16LE(o), o)
    be.writeUInt16BE(NFLOG.readUInt16LE(o + 2), o + 2)
  }
  const rb = decodeNflog(be, 0, be.length)
  assert.ok(rb.ok && rb.value.payloadOff === r.value.payloadOff)
  const none = decodeNflog(NFLOG, 0, 24)
  assert.ok(!none.ok && none.error.code === 'nflog.no_payload')
  // A payload cut by the snaplen ends at the capture.
  const cut = decodeNflog(NFLOG, 0, 40)
  assert.ok(cut.ok && cut.value.payloadOff === 28 && cut.value.payloadEnd === 40)
  const bad = Buffer.from(NFLOG)
  bad.writeUInt16LE(0xffff, 12)
  const rb2 = decodeNflog(bad, 0, bad.length)
  assert.ok(!rb2.ok && rb2.error.code === 'nflog.bad_tlv_length')
})

test('NFLOG decoder is total: prefixes, random bytes, bit flips', () => {
  assertTotalDecoder(decodeNflog, NFLOG)
})
