import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { TcpReassembler } from './tcp-reassembly.js'

const SYN = 0x02
const FIN = 0x01
const RST = 0x04
const ACK = 0x10

function harness(cap = 65536) {
  const out: Buffer[] = []
  const gaps: number[] = []
  const r = new TcpReassembler(
    cap,
    (b, o, e) => out.push(Buffer.from(b.subarray(o, e))),
    (n) => gaps.push(n),
  )
  return { r, out, gaps, text: () => Buffer.concat(out).toString('latin1') }
}

const seg = (r: TcpReassembler, seq: number, s: string, flags = ACK) => {
  const b = Buffer.from(s, 'latin1')
  r.segment(seq >>> 0, flags, b, 0, b.length)
}

test('ISN from the SYN; in order, retransmission and overlap dropped (first copy wins)', () => {
  const h = harness()
  h.r.segment(1000, SYN, Buffer.alloc(0), 0, 0)
  seg(h.r, 1001, 'hello ')
  seg(h.r, 1001, 'HELLO ') // full retransmission with different bytes: ignored
  seg(h.r, 1004, 'LO world') // overlap: only 'world' is new... first copy of 'lo ' kept
  assert.equal(h.text(), 'hello world')
  assert.deepEqual(h.gaps, [])
})

test('out-of-order segments are held and delivered when the hole fills; held bytes win over later copies', () => {
  const h = harness()
  seg(h.r, 0, 'aaaa', SYN)
  seg(h.r, 9, 'cccc')
  seg(h.r, 7, 'XXbbb') // 7..8 are new; 9..11 overlap the held 'cccc', whose bytes win
  seg(h.r, 1, 'aaaaaa')
  assert.equal(h.text(), 'aaaaaaXXcccc')
  assert.equal(h.r.heldBytes, 0)
})

test('mid-stream start takes the first segment as ISN; sequence wraparound', () => {
  const h = harness()
  const start = 0xfffffffa
  seg(h.r, start, 'abcd')
  seg(h.r, start + 8, 'ijkl') // wraps past 2^32: held
  seg(h.r, start + 4, 'efgh')
  assert.equal(h.text(), 'abcdefghijkl')
})

test('over the cap the hole is declared a gap and held data is delivered', () => {
  const h = harness(8)
  seg(h.r, 100, 'abcd', SYN)
  seg(h.r, 111, 'wxyz') // hole 105..110 (6 bytes), held 4
  seg(h.r, 115, '1234') // held would be 8: fits
  seg(h.r, 119, '5678') // would be 12 > 8: skip to first held
  assert.equal(h.text(), 'abcdwxyz12345678')
  assert.deepEqual(h.gaps, [6])
  assert.equal(h.r.gapBytes, 6)
})

test('FIN ends the stream once all data before it arrived; RST flushes holes; end() flushes', () => {
  const h = harness()
  seg(h.r, 0, '', SYN)
  seg(h.r, 5, 'fgh', FIN | ACK) // FIN arrives before the data it follows
  assert.equal(h.r.ended, false)
  seg(h.r, 1, 'abcd')
  assert.equal(h.text(), 'abcdfgh')
  assert.equal(h.r.ended, true)
  seg(h.r, 8, 'late') // after the end: ignored
  assert.equal(h.text(), 'abcdfgh')

  const g = harness()
  seg(g.r, 0, '', SYN)
  seg(g.r, 10, 'tail')
  g.r.segment(20, RST, Buffer.alloc(0), 0, 0)
  assert.deepEqual(g.gaps, [9])
  assert.equal(g.text(), 'tail')
})

test('snaplen truncation: the missing tail of an in-order segment is a gap', () => {
  const h = harness()
  seg(h.r, 0, '', SYN)
  const b = Buffer.from('abc')
  h.r.segment(1, ACK, b, 0, 3, 10)
  seg(h.r, 11, 'xyz')
  assert.equal(h.text(), 'abcxyz')
  assert.deepEqual(h.gaps, [7])
})

test('property: any segmentation, order and duplication reassembles to the original (cap large)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 400 }),
      fc.array(fc.nat(400), { maxLength: 30 }),
      fc.array(fc.nat(1000), { maxLength: 60 }),
      fc.nat(0xffffffff),
      (data, cuts, order, isn) => {
        const src = Buffer.from(data)
        const points = [...new Set([0, src.length, ...cuts.map((c) => c % (src.length + 1))])].sort((a, b) => a - b)
        const segs: [number, number][] = []
        for (let i = 0; i + 1 < points.length; i++) segs.push([points[i] as number, points[i + 1] as number])
        // A shuffled schedule with duplicates; then every segment once more so nothing is missing.
        const sched = order.map((o) => segs[o % segs.length] as [number, number]).concat(segs)
        const h = harness(1 << 20)
        h.r.segment(isn, SYN, Buffer.alloc(0), 0, 0)
        for (const [s, e] of sched) h.r.segment((isn + 1 + s) >>> 0, ACK, src, s, e)
        h.r.flush()
        assert.deepEqual(Buffer.concat(h.out), src)
        assert.deepEqual(h.gaps, [])
      },
    ),
    { numRuns: 300 },
  )
})

test('property: held bytes never exceed the cap; every delivered byte sits at its stream offset', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(3000), fc.nat(200)), { maxLength: 80 }),
      fc.integer({ min: 16, max: 2048 }),
      (segs, cap) => {
        const src = Buffer.alloc(3300)
        for (let i = 0; i < src.length; i++) src[i] = (i * 7 + (i >> 8)) & 0xff
        const log: (Buffer | number)[] = []
        const r = new TcpReassembler(
          cap,
          (b, o, e) => log.push(Buffer.from(b.subarray(o, e))),
          (n) => log.push(n),
        )
        r.segment(0, SYN, Buffer.alloc(0), 0, 0)
        for (const [s, l] of segs) {
          r.segment(1 + s, ACK, src, s, Math.min(src.length, s + l))
          assert.ok(r.heldBytes <= cap)
        }
        r.flush()
        let pos = 0
        for (const x of log) {
          if (typeof x === 'number') {
            assert.ok(x > 0)
            pos += x
            continue
          }
          assert.deepEqual(x, src.subarray(pos, pos + x.length))
          pos += x.length
        }
        assert.equal(pos, r.delivered + r.gapBytes)
      },
    ),
    { numRuns: 300 },
  )
})
