import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertTotalDecoder, hex } from '../../test/helpers/decoder-conformance.js'
import { decodeNull } from './null.js'
import { decodeRaw } from './raw.js'

test('BSD null/loopback: the family in either byte order; every OS value of AF_INET6', () => {
  for (const [h, et] of [
    ['02000000', 0x0800], // AF_INET, little-endian host
    ['00000002', 0x0800], // AF_INET, big-endian host / LINKTYPE_LOOP
    ['18000000', 0x86dd], // 24 NetBSD/OpenBSD
    ['0000001c', 0x86dd], // 28 FreeBSD
    ['1e000000', 0x86dd], // 30 Darwin
  ] as const) {
    const b = hex(`${h} 45000014`)
    const r = decodeNull(b, 0, b.length)
    assert.ok(r.ok, h)
    assert.equal(r.value.nextKey?.value, et, h)
    assert.equal(r.value.payloadOff, 4)
  }
  const bad = decodeNull(hex('07000000'), 0, 4)
  assert.ok(!bad.ok && bad.error.code === 'null.unknown_family')
})

test('raw IP: version nibble for 101/12/14, fixed for 228/229', () => {
  const v4 = hex('45000014')
  const v6 = hex('60000000')
  for (const lt of [101, 12, 14]) {
    const a = decodeRaw(lt, v4, 0, 4)
    const b = decodeRaw(lt, v6, 0, 4)
    assert.ok(a.ok && a.value.nextKey?.value === 0x0800)
    assert.ok(b.ok && b.value.nextKey?.value === 0x86dd)
  }
  const fixed = decodeRaw(229, v4, 0, 4)
  assert.ok(fixed.ok && fixed.value.nextKey?.value === 0x86dd)
  const bad = decodeRaw(101, hex('20'), 0, 1)
  assert.ok(!bad.ok && bad.error.code === 'raw.unknown_version')
})

test('null and raw decoders are total', () => {
  assertTotalDecoder(decodeNull, hex('1e000000 60000000'))
  assertTotalDecoder((b, o, e) => decodeRaw(101, b, o, e), hex('45000014'), 100)
})
