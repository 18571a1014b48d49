/**
 * RFC 6587 framing: octet-counted frames (with LF inside), LF/CRLF/NUL framing, per-frame autodetection,
 * oversize frames of both kinds, a sender that never sends LF (bounded buffer), truncation at end, and a
 * property: any split of a byte stream into chunks yields the same frames as feeding it whole.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SyslogFramer } from './framing.js'

function run(chunks: Buffer[], max?: number) {
  const frames: string[] = []
  const drops: string[] = []
  const f = new SyslogFramer(
    (b, o, e) => frames.push(b.toString('latin1', o, e)),
    (r) => drops.push(r),
    max !== undefined ? { maxFrameBytes: max } : {},
  )
  let peak = 0
  for (const c of chunks) {
    f.push(c)
    peak = Math.max(peak, f.bufferedBytes)
  }
  f.end()
  return { frames, drops, peak }
}

const octet = (m: string) => `${Buffer.byteLength(m)} ${m}`

test('octet counting: frames may contain LF, MSG-LEN counts every byte', () => {
  const m1 = '<13>1 - h a - - - line one\nline two'
  const m2 = "<13>Oct 11 22:14:15 mymachine su: 'su root' failed "
  assert.equal(Buffer.byteLength(m2), 51)
  const r = run([Buffer.from(octet(m1) + octet(m2))])
  assert.deepEqual(r.frames, [m1, m2])
  assert.deepEqual(r.drops, [])
})

test('non-transparent LF, CRLF and NUL framing, mixed with octet frames per frame', () => {
  const r = run([Buffer.from(`<13>a\n<13>b\r\n<13>c\0${octet('<13>d')}<13>e\n2023-07-06T08:11:40+02:00 h x\n`)])
  assert.deepEqual(r.frames, ['<13>a', '<13>b', '<13>c', '<13>d', '<13>e', '2023-07-06T08:11:40+02:00 h x'])
})

test('oversize octet-counted frame is skipped by its length and counted', () => {
  const big = `<13>${'x'.repeat(200)}`
  const r = run([Buffer.from(`${octet(big)}${octet('<13>ok')}`)], 100)
  assert.deepEqual(r.frames, ['<13>ok'])
  assert.deepEqual(r.drops, ['syslog.frame_too_long'])
})

test('a sender that never sends LF is cut at the max and counted; buffer stays bounded', () => {
  const chunks = Array.from({ length: 200 }, () => Buffer.alloc(1000, 0x41))
  const r = run([Buffer.from('<13>'), ...chunks, Buffer.from('\n<13>after\n')], 4096)
  assert.deepEqual(r.frames, ['<13>after'])
  assert.deepEqual(r.drops, ['syslog.frame_too_long'])
  assert.ok(r.peak <= 4096 + 1000, `peak buffer ${r.peak}`)
})

test('incomplete octet frame at end of stream is counted as truncated', () => {
  const r = run([Buffer.from('100 <13>short')])
  assert.deepEqual(r.frames, [])
  assert.deepEqual(r.drops, ['syslog.frame_truncated'])
  const r2 = run([Buffer.from('<13>no newline at end')])
  assert.deepEqual(r2.frames, ['<13>no newline at end'])
})

test('property: chunking does not change the frames', () => {
  const msg = fc.string({ minLength: 1, maxLength: 60 }).map((s) => `<13>${s.replace(/[\n\0\r]/g, ' ')}`)
  fc.assert(
    fc.property(
      fc.array(fc.tuple(msg, fc.boolean()), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }),
      (msgs, cuts) => {
        const stream = Buffer.from(msgs.map(([m, oc]) => (oc ? octet(m) : `${m}\n`)).join(''))
        const whole = run([stream]).frames
        const parts: Buffer[] = []
        let pos = 0
        for (const c of cuts) {
          if (pos >= stream.length) break
          parts.push(stream.subarray(pos, pos + c))
          pos += c
        }
        if (pos < stream.length) parts.push(stream.subarray(pos))
        assert.deepEqual(run(parts).frames, whole)
        assert.deepEqual(
          whole,
          msgs.map(([m]) => m),
        )
      },
    ),
    { numRuns: 300 },
  )
})

test('fuzz: random streams never throw and never buffer past the max', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 10 }), (chunks) => {
      const r = run(
        chunks.map((c) => Buffer.from(c)),
        256,
      )
      assert.ok(r.peak <= 256 + 400 + 16)
      for (const d of r.drops) assert.ok(d === 'syslog.frame_too_long' || d === 'syslog.frame_truncated')
    }),
    { numRuns: 1000 },
  )
})
