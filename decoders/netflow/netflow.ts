/**
 * Chooses the NetFlow v5, v9 or IPFIX decoder by the datagram's version field (the first two bytes).
 * Other versions (v1, v7, v8, sFlow) are reported as `netflow.version_unsupported`.
 */
import { type Decoded, fail } from '../errors.js'
import { type NetflowMessage, probeNetflowVersion } from './header.js'
import { decodeIpfix } from './ipfix.js'
import type { ExporterState } from './templates.js'
import { decodeV5 } from './v5.js'
import { decodeV9 } from './v9.js'

/** Decodes one export datagram with the exporter's template state; `nowMs` is the receive time. */
export function decodeNetflow(
  buf: Buffer,
  off: number,
  end: number,
  st: ExporterState,
  nowMs: number,
): Decoded<NetflowMessage> {
  switch (probeNetflowVersion(buf, off, end)) {
    case 5:
      return decodeV5(buf, off, end)
    case 9:
      return decodeV9(buf, off, end, st, nowMs)
    case 10:
      return decodeIpfix(buf, off, end, st, nowMs)
    default:
      return end - off < 2
        ? fail('netflow.truncated_header', off, 2, Math.max(0, end - off))
        : fail('netflow.version_unsupported', off)
  }
}
