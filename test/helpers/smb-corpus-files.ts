/**
 * Test helper: FileEvents of a capture's SMB streams, with tshark doing TCP reassembly (follow,tcp,raw), our
 * SMB analyzer parsing, and the real file pipeline (analytics/app-layer/files.ts) sniffing and hashing. Stands in
 * for the whole app-layer pipeline in detection tests.
 */

import { FileTransfer } from '../../analytics/app-layer/files.js'
import { SMB_ANALYZER } from '../../analytics/app-layer/smb.js'
import type { StreamAnalyzer } from '../../analytics/app-layer/types.js'
import type { ConnId, FileEvent } from '../../analytics/events.js'
import { fakeAppContext } from './fake-app-context.js'
import { followTcp, tcpStreamsOnPort } from './tshark-follow.js'

/** FileEvents of every TCP/445 stream; chunk i gets timestamp `t0 + i * 0.001`. */
export function smbCorpusFileEvents(file: string, t0 = 1_600_000_000): FileEvent[] {
  const out: FileEvent[] = []
  for (const idx of tcpStreamsOnPort(file, 445)) {
    const s = followTcp(file, idx, 445)
    const conn: ConnId = {
      uid: `Csmb${idx}`,
      orig_h: s.client.host,
      orig_p: s.client.port,
      resp_h: s.server.host,
      resp_p: s.server.port,
      proto: 'tcp',
    }
    const ctx = fakeAppContext(conn)
    const withPipeline = {
      ...ctx,
      openFile: (spec: Parameters<typeof ctx.openFile>[0]) =>
        new FileTransfer(spec, conn, `pcap:${file}`, (ev) => {
          out.push(ev)
        }),
    }
    const a = SMB_ANALYZER.create(withPipeline) as StreamAnalyzer
    let ts = t0
    for (const c of s.chunks) {
      a.onData(c.dir, c.data, 0, c.data.length, ts)
      ts += 0.001
    }
    a.onEnd?.(ts)
  }
  return out
}
