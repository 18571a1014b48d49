/**
 * Property tests for the FTP, TFTP, finger and identification-only analyzers: random bytes in random chunks, in
 * both directions, with gaps and an end, never throw, and what they keep stays within the buffer budget
 * (STYLE 2.8 habit 5; the "bad input never crashes, never stalls").
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { FINGER_SPEC } from '../analytics/app-layer/finger.js'
import { FTP_DATA_SPEC, FTP_SPEC } from '../analytics/app-layer/ftp.js'
import { PROBE_SPECS } from '../analytics/app-layer/probes.js'
import { TFTP_DATA_SPEC, TFTP_SPEC, type TftpParent } from '../analytics/app-layer/tftp.js'
import type { AnalyzerSpec, DatagramAnalyzer, StreamAnalyzer } from '../analytics/app-layer/types.js'
import { fakeAppContext } from './helpers/fake-app-context.js'

const chunks = fc.array(
  fc.record({
    dir: fc.constantFrom<0 | 1>(0, 1),
    gap: fc.boolean(),
    data: fc.oneof(
      fc.uint8Array({ maxLength: 700 }),
      fc
        .array(
          fc.constantFrom(
            'USER a\r\n',
            '227 (1,2,3,4,5,6)\r\n',
            'RETR x\r\n',
            '150 (9 bytes)\r\n',
            '226 ok\r\n',
            '220-x\r\n',
            'PASV\r\n',
            'EPRT |1|1.2.3.4|5|\r\n',
            '200 ok\r\n',
            '\r\n',
            'SSH-2.0-x\r\n',
          ),
        )
        .map((a) => new TextEncoder().encode(a.join(''))),
    ),
  }),
  { maxLength: 30 },
)

const TFTP_PARENT: TftpParent = {
  request: { opcode: 1, filename: 'f', mode: 'octet', options: {} },
  conn: { uid: 'Creq', orig_h: '10.0.0.1', orig_p: 1000, resp_h: '10.0.0.2', resp_p: 69, proto: 'udp' },
  ts: 0,
  reported: false,
  attached: false,
}

function drive(spec: AnalyzerSpec, parent: unknown, input: { dir: 0 | 1; gap: boolean; data: Uint8Array }[]): void {
  const ctx = fakeAppContext(undefined, 2048)
  const a = spec.create(ctx, parent)
  let ts = 1
  for (const c of input) {
    const buf = Buffer.from(c.data)
    ts += 0.01
    if ('onData' in a) {
      const s = a as StreamAnalyzer
      if (c.gap) s.onGap?.(c.dir, 100, ts)
      s.onData(c.dir, buf, 0, buf.length, ts)
    } else (a as DatagramAnalyzer).onDatagram(c.dir, buf, 0, buf.length, ts)
  }
  a.onEnd?.(ts + 1)
  assert.ok(ctx.events.length <= input.length * 64 + 64)
  assert.ok(ctx.expected.length <= input.length * 64)
}

test('FTP, FTP-data, TFTP, TFTP-data, finger and probe analyzers survive random input', () => {
  const specs: [AnalyzerSpec, unknown][] = [
    [FTP_SPEC, undefined],
    [FTP_DATA_SPEC, { passive: true }],
    [FTP_DATA_SPEC, undefined],
    [TFTP_SPEC, undefined],
    [TFTP_DATA_SPEC, undefined],
    [FINGER_SPEC, undefined],
    ...PROBE_SPECS.map((s): [AnalyzerSpec, unknown] => [s, undefined]),
  ]
  fc.assert(
    fc.property(chunks, (input) => {
      for (const [s, p] of specs) drive(s, p, input)
      drive(TFTP_DATA_SPEC, { ...TFTP_PARENT }, input)
    }),
    { numRuns: 300 },
  )
})
