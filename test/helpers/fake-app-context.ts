/**
 * A hand-built AppContext for analyzer unit tests: records what the analyzer emitted, confirmed,
 * expected and wrote into files, so a test can feed bytes and assert on the outcome without the manager.
 */
import { createHash } from 'node:crypto'
import type { AppContext, ExpectedConnection, FileOpen, FileWriter } from '../../analytics/app-layer/types.js'
import type { ConnId, SensorEvent } from '../../analytics/events.js'

export interface RecordedFile {
  readonly spec: FileOpen
  readonly openedTs: number
  chunks: Buffer[]
  gaps: number
  closed?: { ts: number; complete: boolean }
  /** All bytes written, concatenated. */
  bytes(): Buffer
  sha256(): string
}

export interface FakeAppContext extends AppContext {
  readonly events: SensorEvent[]
  readonly confirmed: string[]
  readonly expected: ExpectedConnection[]
  readonly files: RecordedFile[]
  readonly weirds: string[]
  serverName?: string
}

export const TEST_CONN: ConnId = {
  uid: 'Ctest0000000001',
  orig_h: '10.66.0.2',
  orig_p: 40000,
  resp_h: '198.51.100.80',
  resp_p: 80,
  proto: 'tcp',
}

export function fakeAppContext(conn: ConnId = TEST_CONN, maxBuffer = 65536): FakeAppContext {
  const ctx: FakeAppContext = {
    conn,
    maxBuffer,
    events: [],
    confirmed: [],
    expected: [],
    files: [],
    weirds: [],
    emit(ev) {
      ctx.events.push(ev)
    },
    confirm(service) {
      ctx.confirmed.push(service)
    },
    setServerName(name) {
      ctx.serverName = name
    },
    expect(x) {
      ctx.expected.push(x)
    },
    weird(code, detail) {
      ctx.weirds.push(detail === undefined ? code : `${code}: ${detail}`)
    },
    openFile(spec, ts): FileWriter {
      const rec: RecordedFile = {
        spec,
        openedTs: ts,
        chunks: [],
        gaps: 0,
        bytes: () => Buffer.concat(rec.chunks),
        sha256: () => createHash('sha256').update(rec.bytes()).digest('hex'),
      }
      ctx.files.push(rec)
      return {
        write(buf, off, end) {
          rec.chunks.push(Buffer.from(buf.subarray(off, end)))
        },
        gap(bytes) {
          rec.gaps += bytes
        },
        close(closeTs, complete) {
          rec.closed = { ts: closeTs, complete }
        },
      }
    },
  }
  return ctx
}
