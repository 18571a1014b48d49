/**
 * NetFlow v5 (Cisco "NetFlow Export Datagram Format", v5): a 24-byte header and `count` fixed 48-byte records.
 * The header `count` is trusted (bytes after the last record are ignored), but clamped by the bytes present;
 * a short datagram yields the whole records it has plus a `netflow.v5_count_exceeds_datagram` problem.
 * `sampling_interval` is a 2-bit mode and a 14-bit interval (as nfdump reads it); first/last are sysUptime
 * milliseconds, converted to epoch with unix_secs/unix_nsecs. Not handled: v1/v7/v8.
 */
import { type Decoded, type DecodeError, decodeError, fail } from '../errors.js'
import { ipv4Text } from './addr.js'
import { type FlowFields, type NetflowMessage, V5_HEADER_LEN, V5_RECORD_LEN } from './header.js'

/** Decodes a v5 datagram between `off` and `end`. */
export function decodeV5(buf: Buffer, off: number, end: number): Decoded<NetflowMessage> {
  if (end - off < V5_HEADER_LEN) return fail('netflow.truncated_header', off, V5_HEADER_LEN, Math.max(0, end - off))
  if (buf.readUInt16BE(off) !== 5) return fail('netflow.version_unsupported', off)
  const count = buf.readUInt16BE(off + 2)
  const sysUptime = buf.readUInt32BE(off + 4)
  const unixSecs = buf.readUInt32BE(off + 8)
  const unixNsecs = buf.readUInt32BE(off + 12)
  const sequence = buf.readUInt32BE(off + 16)
  const engineType = buf[off + 20] as number
  const engineId = buf[off + 21] as number
  const samplingField = buf.readUInt16BE(off + 22)
  // Top 2 bits: sampling mode; low 14 bits: interval (0 or 1 = unsampled).
  const interval = samplingField & 0x3fff
  const sampling = Math.max(interval, 1)
  const problems: DecodeError[] = []
  const present = Math.floor((end - off - V5_HEADER_LEN) / V5_RECORD_LEN)
  // The loop bound is the byte count present (at most 1364 records in a 64 KiB datagram).
  let n = count
  if (n > present) {
    problems.push(
      decodeError('netflow.v5_count_exceeds_datagram', off + 2, n * V5_RECORD_LEN, end - off - V5_HEADER_LEN),
    )
    n = present
  }
  const exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1e6)
  const records: FlowFields[] = new Array(n)
  let p = off + V5_HEADER_LEN
  for (let i = 0; i < n; i++, p += V5_RECORD_LEN) {
    const first = buf.readUInt32BE(p + 24)
    const last = buf.readUInt32BE(p + 28)
    records[i] = {
      srcAddr: ipv4Text(buf, p),
      dstAddr: ipv4Text(buf, p + 4),
      srcPort: buf.readUInt16BE(p + 32),
      dstPort: buf.readUInt16BE(p + 34),
      protocol: buf[p + 38] as number,
      bytes: buf.readUInt32BE(p + 20),
      packets: buf.readUInt32BE(p + 16),
      reverseBytes: undefined,
      reversePackets: undefined,
      tcpFlags: buf[p + 37] as number,
      startMs: exportMs - uptimeBefore(sysUptime, first),
      endMs: exportMs - uptimeBefore(sysUptime, last),
      inIf: buf.readUInt16BE(p + 12),
      outIf: buf.readUInt16BE(p + 14),
      sampling,
    }
  }
  return {
    ok: true,
    value: {
      version: 5,
      count,
      sequence,
      domain: (engineType << 8) | engineId,
      exportSecs: unixSecs + unixNsecs / 1e9,
      records,
      dataRecords: n,
      optionsRecords: 0,
      templatesLearned: 0,
      templatesWithdrawn: 0,
      setsHeld: 0,
      setsDropped: 0,
      incomplete: false,
      problems,
    },
    next: end,
  }
}

/** Milliseconds between an uptime stamp and the header sysUptime, tolerant of the 32-bit wrap. */
function uptimeBefore(sysUptime: number, t: number): number {
  let d = sysUptime - t
  if (d > 2147483648) d -= 4294967296
  else if (d < -2147483648) d += 4294967296
  return d
}
