import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { hex } from '../../test/helpers/netflow-datagrams.js'
import { decodeV5 } from './v5.js'

// Header: sysUptime 100000 ms, export time 1700000000.5 s, sequence 41, engine 1/2, sampling mode 1 interval 64.
const HEADER = `
  0005              # version 5
  0002              # count 2
  000186a0          # sysUptime 100000 ms
  6553f100          # unix_secs 1700000000
  1dcd6500          # unix_nsecs 500000000
  00000029          # flow_sequence 41
  01                # engine_type 1
  02                # engine_id 2
  4040              # sampling: mode 01, interval 0x0040 = 64
`
const REC1 = `
  c0000201          # srcaddr 192.0.2.1
  c6336405          # dstaddr 198.51.100.5
  00000000          # nexthop
  0003              # input 3
  0004              # output 4
  0000000a          # dPkts 10
  00000fa0          # dOctets 4000
  00015f90          # first 90000 ms (10 s before export)
  000182b8          # last 99000 ms (1 s before export)
  c350              # srcport 50000
  0050              # dstport 80
  00                # pad1
  1b                # tcp_flags SYN|FIN|PSH|ACK
  06                # prot TCP
  00                # tos
  0000 0000         # src_as, dst_as
  18 18             # src_mask, dst_mask
  0000              # pad2
`
const REC2 = `
  c6336405          # srcaddr 198.51.100.5
  c0000201          # dstaddr 192.0.2.1
  00000000          # nexthop
  0004 0003         # input, output
  00000008          # dPkts 8
  00002710          # dOctets 10000
  00015f90          # first
  000182b8          # last
  0050 c350         # srcport 80, dstport 50000
  00 1b 06 00       # pad1, flags, prot, tos
  0000 0000 18 18 0000
`

test('v5: header fields, records, sampling and sysUptime-relative times', () => {
  const buf = hex(HEADER + REC1 + REC2)
  assert.equal(buf.length, 24 + 2 * 48)
  const r = decodeV5(buf, 0, buf.length)
  assert.ok(r.ok)
  const m = r.value
  assert.equal(m.sequence, 41)
  assert.equal(m.domain, 0x0102)
  assert.equal(m.records.length, 2)
  assert.deepEqual(m.problems, [])
  const a = m.records[0]
  assert.ok(a)
  assert.equal(a.srcAddr, '192.0.2.1')
  assert.equal(a.dstAddr, '198.51.100.5')
  assert.equal(a.srcPort, 50000)
  assert.equal(a.dstPort, 80)
  assert.equal(a.protocol, 6)
  assert.equal(a.packets, 10)
  assert.equal(a.bytes, 4000)
  assert.equal(a.tcpFlags, 0x1b)
  assert.equal(a.inIf, 3)
  assert.equal(a.outIf, 4)
  assert.equal(a.sampling, 64)
  // Export at 1700000000.5 s, uptime 100 s: first = 90 s uptime → 10 s earlier.
  assert.equal(a.startMs, 1700000000500 - 10000)
  assert.equal(a.endMs, 1700000000500 - 1000)
  assert.equal(m.records[1]?.bytes, 10000)
})

test('v5: trailing bytes after `count` records are ignored (count is trusted)', () => {
  const buf = Buffer.concat([hex(HEADER + REC1 + REC2), Buffer.alloc(13, 0xee)])
  const r = decodeV5(buf, 0, buf.length)
  assert.ok(r.ok)
  assert.equal(r.value.records.length, 2)
  assert.deepEqual(r.value.problems, [])
})

test('v5: count larger than the datagram is clamped and reported', () => {
  const buf = hex(HEADER.replace('0002              # count 2', '0005') + REC1 + REC2)
  const r = decodeV5(buf, 0, buf.length)
  assert.ok(r.ok)
  assert.equal(r.value.records.length, 2)
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['netflow.v5_count_exceeds_datagram'],
  )
})

test('v5: a 21-byte datagram is a truncated header, not a throw', () => {
  const buf = hex(HEADER).subarray(0, 21)
  const r = decodeV5(buf, 0, buf.length)
  assert.equal(r.ok, false)
  if (!r.ok) assert.equal(r.error.code, 'netflow.truncated_header')
})

test('v5: sysUptime wrap-around keeps times in the past', () => {
  // first = 0xfffff000 (before the wrap), sysUptime = 0x1000: the flow started 8192 ms earlier.
  const buf = hex(
    HEADER.replace('000186a0', '00001000') + REC1.replace('00015f90', 'fffff000').replace('000182b8', '00001000'),
  )
  const r = decodeV5(buf, 0, 24 + 48)
  assert.ok(r.ok)
  const a = r.value.records[0]
  assert.equal(a?.startMs, 1700000000500 - 8192)
  assert.equal(a?.endMs, 1700000000500)
})

test('v5: every truncation prefix decodes or fails with a code, and records are whole', () => {
  const buf = hex(HEADER + REC1 + REC2)
  for (let n = 0; n <= buf.length; n++) {
    const r = decodeV5(buf, 0, n)
    if (r.ok) assert.equal(r.value.records.length, Math.min(2, Math.floor((n - 24) / 48)))
    else assert.match(r.error.code, /^netflow\./)
  }
})

test('v5: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const buf = Buffer.from(bytes)
      if (buf.length >= 2) buf.writeUInt16BE(5, 0)
      const r = decodeV5(buf, 0, buf.length)
      if (r.ok) assert.ok(r.value.records.length <= Math.floor(buf.length / 48))
      else assert.match(r.error.code, /^netflow\./)
    }),
    { numRuns: 2000 },
  )
})
