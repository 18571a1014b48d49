/**
 * Decodes one data record of a v9 (RFC 3954 §5.4) or IPFIX (RFC 7011 §3.4.3) data set with its compiled
 * template: flow records become FlowFields; options data records update the exporter state (sampling
 * interval per domain or per sampler id, systemInitTimeMilliseconds). Variable-length fields use the
 * RFC 7011 §7 encoding (1-byte length, 255 → 2-byte length) in both versions. Fields this collector does not
 * use, enterprise-specific ones included, are skipped by length and never drop the record.
 * Not handled: counters above 2^53 (they lose precision as JavaScript numbers; no real exporter reaches them).
 */
import { ipv4Text, ipv6Text } from './addr.js'
import type { FlowFields } from './header.js'
import { type ExporterState, Slot, type Template, VARLEN as VARLEN_MARKER } from './templates.js'

// Slot numbers as module constants: the hot switch compares against locals, not property reads.
const {
  BYTES_DELTA,
  BYTES_TOTAL,
  DST_PORT,
  DST_V4,
  DST_V6,
  END_MS,
  END_NS,
  END_S,
  END_US,
  FIRST_UPTIME,
  ICMP_TYPE_CODE,
  INIT_BYTES,
  INIT_PKTS,
  IN_IF,
  LAST_UPTIME,
  OBS_TIME_MS,
  OUT_IF,
  PKTS_DELTA,
  PKTS_TOTAL,
  PKT_INTERVAL,
  PKT_SPACE,
  PROTOCOL,
  REV_BYTES,
  REV_PKTS,
  SAMPLER_ID,
  SAMPLER_RANDOM_INTERVAL,
  SAMPLING_INTERVAL,
  SKIP,
  SRC_PORT,
  SRC_V4,
  SRC_V6,
  START_MS,
  START_NS,
  START_S,
  START_US,
  SYSINIT_MS,
  TCP_FLAGS,
} = Slot
const VARLEN = VARLEN_MARKER

/** Header facts a data record's times are relative to. */
export interface RecordContext {
  readonly version: 9 | 10
  readonly domain: number
  /** Export time from the message header, seconds since the epoch. */
  readonly exportSecs: number
  /** v9 header sysUptime in ms (0 for IPFIX). */
  readonly sysUptimeMs: number
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (RFC 7011 §6.1.9). */
const NTP_OFFSET_S = 2208988800
const TWO_32 = 4294967296

/** Reads an unsigned big-endian integer of 1..8 bytes (exact up to 2^53). */
function readUint(buf: Buffer, p: number, len: number): number {
  switch (len) {
    case 1:
      return buf[p] as number
    case 2:
      return (((buf[p] as number) << 8) | (buf[p + 1] as number)) >>> 0
    case 4:
      return buf.readUInt32BE(p)
  }
  if (len <= 6) return buf.readUIntBE(p, len)
  // 7- and 8-byte counters: high part times 2^32 plus the low 32 bits.
  const hiLen = len - 4
  return buf.readUIntBE(p, hiLen) * TWO_32 + buf.readUInt32BE(p + hiLen)
}

/** RFC 7011 §6.1.9-10 NTP timestamp (seconds since 1900 + 2^-32 fractions) to epoch ms. */
function ntpToMs(buf: Buffer, p: number): number {
  return (buf.readUInt32BE(p) - NTP_OFFSET_S) * 1000 + (buf.readUInt32BE(p + 4) / TWO_32) * 1000
}

/** Signed distance `a - b` of two 32-bit uptime counters, tolerant of wrap-around. */
function uptimeDiff(a: number, b: number): number {
  let d = a - b
  if (d > 2147483648) d -= TWO_32
  else if (d < -2147483648) d += TWO_32
  return d
}

/**
 * A 32-bit uptime wraps every 49.7 days, and exporters replaying old packets (softflowd -r) send uptimes
 * "before" their init time as wrapped values: take the 2^32 ms alias nearest to the export time.
 */
function nearExport(t: number, exportMs: number): number {
  return t + Math.round((exportMs - t) / TWO_32) * TWO_32
}

/**
 * Decodes the record at `p`. Returns the offset after it, or -1 when a variable-length field runs past `end`.
 * Flow records are pushed onto `out`; options data records update `st` and push nothing.
 */
export function decodeDataRecord(
  buf: Buffer,
  p: number,
  end: number,
  t: Template,
  ctx: RecordContext,
  st: ExporterState,
  out: FlowFields[],
): number {
  let srcAddr = ''
  let dstAddr = ''
  let srcPort = 0
  let dstPort = -1
  let protocol = 0
  let bytesDelta = -1
  let pktsDelta = -1
  let bytesTotal = -1
  let pktsTotal = -1
  let initBytes = -1
  let initPkts = -1
  let revBytes = -1
  let revPkts = -1
  let tcpFlags = 0
  let inIf = -1
  let outIf = -1
  let firstUp = -1
  let lastUp = -1
  let startMs = Number.NaN
  let endMs = Number.NaN
  let sysInit = -1
  let interval = -1
  let samplerId = -1
  let pktInterval = -1
  let pktSpace = -1
  let icmpTypeCode = -1
  let obsMs = Number.NaN
  const slots = t.slots
  const lengths = t.lengths
  const n = slots.length
  for (let i = 0; i < n; i++) {
    let len = lengths[i] as number
    if (len === VARLEN) {
      if (p >= end) return -1
      len = buf[p] as number
      p += 1
      if (len === 255) {
        if (p + 2 > end) return -1
        len = buf.readUInt16BE(p)
        p += 2
      }
    }
    if (p + len > end) return -1
    const slot = slots[i] as number
    if (slot !== SKIP) {
      switch (slot) {
        case SRC_V4:
          if (len === 4) srcAddr = ipv4Text(buf, p)
          break
        case DST_V4:
          if (len === 4) dstAddr = ipv4Text(buf, p)
          break
        case SRC_V6:
          if (len === 16) srcAddr = ipv6Text(buf, p)
          break
        case DST_V6:
          if (len === 16) dstAddr = ipv6Text(buf, p)
          break
        case START_US:
        case START_NS:
          if (len === 8) startMs = ntpToMs(buf, p)
          break
        case END_US:
        case END_NS:
          if (len === 8) endMs = ntpToMs(buf, p)
          break
        default:
          if (len > 0 && len <= 8) {
            const v = readUint(buf, p, len)
            switch (slot) {
              case SRC_PORT:
                srcPort = v
                break
              case DST_PORT:
                dstPort = v
                break
              case PROTOCOL:
                protocol = v
                break
              case BYTES_DELTA:
                bytesDelta = v
                break
              case PKTS_DELTA:
                pktsDelta = v
                break
              case BYTES_TOTAL:
                bytesTotal = v
                break
              case PKTS_TOTAL:
                pktsTotal = v
                break
              case INIT_BYTES:
                initBytes = v
                break
              case INIT_PKTS:
                initPkts = v
                break
              case REV_BYTES:
                revBytes = v
                break
              case REV_PKTS:
                revPkts = v
                break
              case TCP_FLAGS:
                tcpFlags = v & 0xff
                break
              case IN_IF:
                inIf = v
                break
              case OUT_IF:
                outIf = v
                break
              case FIRST_UPTIME:
                firstUp = v
                break
              case LAST_UPTIME:
                lastUp = v
                break
              case START_S:
                startMs = v * 1000
                break
              case END_S:
                endMs = v * 1000
                break
              case START_MS:
                startMs = v
                break
              case END_MS:
                endMs = v
                break
              case SYSINIT_MS:
                sysInit = v
                break
              case SAMPLING_INTERVAL:
              case SAMPLER_RANDOM_INTERVAL:
                interval = v
                break
              case SAMPLER_ID:
                samplerId = v
                break
              case PKT_INTERVAL:
                pktInterval = v
                break
              case PKT_SPACE:
                pktSpace = v
                break
              case ICMP_TYPE_CODE:
                icmpTypeCode = v
                break
              case OBS_TIME_MS:
                obsMs = v
                break
            }
          }
      }
    }
    p += len
  }

  // Sampling announced by this record: interval (34/50), or packet interval + space (305/306, RFC 5477).
  let rate = interval > 0 ? interval : -1
  if (rate < 0 && pktInterval > 0) rate = (pktInterval + Math.max(0, pktSpace)) / pktInterval

  if (t.options) {
    if (sysInit >= 0) st.systemInitMs.set(ctx.domain, sysInit)
    if (rate > 0) {
      if (samplerId >= 0) st.samplerSampling.set(`${ctx.version}:${ctx.domain}:${samplerId}`, rate)
      else st.domainSampling.set(`${ctx.version}:${ctx.domain}`, rate)
    }
    return p
  }

  if (rate <= 0) {
    const r =
      samplerId >= 0
        ? st.samplerSampling.get(`${ctx.version}:${ctx.domain}:${samplerId}`)
        : st.domainSampling.get(`${ctx.version}:${ctx.domain}`)
    rate = r ?? 1
  }

  const exportMs = ctx.exportSecs * 1000
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
    if (firstUp >= 0 || lastUp >= 0) {
      let base: number
      if (ctx.version === 9) base = exportMs - ctx.sysUptimeMs
      else {
        const init = sysInit >= 0 ? sysInit : st.systemInitMs.get(ctx.domain)
        // Without systemInitTimeMilliseconds, take the flow end as the export time (best effort).
        base = init !== undefined ? init : exportMs - (lastUp >= 0 ? lastUp : firstUp)
      }
      if (ctx.version === 9) {
        if (Number.isNaN(startMs) && firstUp >= 0) startMs = exportMs - uptimeDiff(ctx.sysUptimeMs, firstUp)
        if (Number.isNaN(endMs) && lastUp >= 0) endMs = exportMs - uptimeDiff(ctx.sysUptimeMs, lastUp)
      } else {
        if (Number.isNaN(startMs) && firstUp >= 0) startMs = nearExport(base + firstUp, exportMs)
        if (Number.isNaN(endMs) && lastUp >= 0) endMs = nearExport(base + lastUp, exportMs)
      }
    }
    if (Number.isNaN(startMs)) startMs = Number.isNaN(endMs) ? (Number.isNaN(obsMs) ? exportMs : obsMs) : endMs
    if (Number.isNaN(endMs)) endMs = Number.isNaN(obsMs) ? startMs : Math.max(obsMs, startMs)
  }

  if (dstPort < 0) dstPort = icmpTypeCode >= 0 && (protocol === 1 || protocol === 58) ? icmpTypeCode : 0
  else if (dstPort === 0 && icmpTypeCode > 0 && (protocol === 1 || protocol === 58)) dstPort = icmpTypeCode

  out.push({
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    protocol,
    bytes: bytesDelta >= 0 ? bytesDelta : bytesTotal >= 0 ? bytesTotal : Math.max(initBytes, 0),
    packets: pktsDelta >= 0 ? pktsDelta : pktsTotal >= 0 ? pktsTotal : Math.max(initPkts, 0),
    reverseBytes: revBytes >= 0 ? revBytes : undefined,
    reversePackets: revPkts >= 0 ? revPkts : undefined,
    tcpFlags,
    startMs,
    endMs,
    inIf,
    outIf,
    sampling: rate,
  })
  return p
}
