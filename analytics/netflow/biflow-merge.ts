/**
 * Turns unidirectional NetflowRecords into bidirectional FlowRecords (source_kind 'netflow') so the flow
 * table's consumers (scoring, baselines, port-based detections) work unchanged on exports. The two records
 * of one connection from one exporter (A→B and B→A, ports swapped, times within `windowS` of each other)
 * become one flow; the originator is the side whose first packet is earlier, else the side on the higher
 * port (nfdump -b/-B, "the lower/well-known port is the server"). A lone record keeps its direction unless
 * its source is on a well-known port below the destination's (nfdump -B) and it is not a bare SYN.
 * RFC 5103 biflow records (reverse counters present) become a flow directly. Pending records wait in a
 * bounded map; time advances with record end times (never the clock), and whatever leaves the map unmatched
 * (window passed, cap reached, flush) is still emitted as a one-sided flow: nothing is lost.
 * Payload bytes are estimated as IP bytes minus minimal IP + transport headers per packet (exports carry
 * IP bytes only); `*_ip_bytes` carry the exported figures.
 */
import type { Counters } from '../counters.js'
import type { FlowRecord, NetflowRecord, Proto, SensorEvent } from '../events.js'

export interface BiflowMergerOptions {
  /** Receives the FlowRecords. */
  readonly emit: (ev: SensorEvent) => void
  readonly counters: Counters
  /** How far apart (flow time, seconds) the two directions of one connection may be. Default 60. */
  readonly windowS?: number
  /** Records waiting for their other direction; the oldest is emitted unmerged beyond it. Default 100000. */
  readonly maxPending?: number
}

const FIN = 0x01
const SYN = 0x02
const RST = 0x04
const ACK = 0x10

interface Pending {
  readonly rec: NetflowRecord
  /** True when rec.src is the lower endpoint of the key. */
  readonly srcLow: boolean
}

export class BiflowMerger {
  private readonly o: BiflowMergerOptions
  private readonly windowS: number
  private readonly maxPending: number
  private readonly pending = new Map<string, Pending>()
  private watermark = Number.NEGATIVE_INFINITY
  private seq = 0

  constructor(o: BiflowMergerOptions) {
    this.o = o
    this.windowS = o.windowS ?? 60
    this.maxPending = o.maxPending ?? 100_000
  }

  add(rec: NetflowRecord): void {
    if (rec.reverse_bytes !== undefined || rec.reverse_packets !== undefined) {
      this.o.counters.inc('netflow_biflows_total', 'rfc5103')
      this.o.emit(this.build(rec, undefined, true))
      return
    }
    if (rec.end > this.watermark) {
      this.watermark = rec.end
      this.expire()
    }
    const srcLow = endpointLess(rec.src_addr, rec.src_port, rec.dst_addr, rec.dst_port)
    const key = srcLow
      ? `${rec.exporter}|${rec.protocol}|${rec.src_addr}|${rec.src_port}|${rec.dst_addr}|${rec.dst_port}`
      : `${rec.exporter}|${rec.protocol}|${rec.dst_addr}|${rec.dst_port}|${rec.src_addr}|${rec.src_port}`
    const p = this.pending.get(key)
    if (p !== undefined) {
      this.pending.delete(key)
      const opposite = p.srcLow !== srcLow || (rec.src_addr === rec.dst_addr && rec.src_port === rec.dst_port)
      const near = rec.start <= p.rec.end + this.windowS && p.rec.start <= rec.end + this.windowS
      if (opposite && near) {
        this.o.counters.inc('netflow_biflows_total', 'merged')
        this.o.emit(this.merge(p.rec, rec))
        return
      }
      this.emitSingle(p.rec)
    }
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.entries().next()
      if (oldest.done !== true) {
        this.pending.delete(oldest.value[0])
        this.o.counters.inc('netflow_biflow_evicted_total')
        this.emitSingle(oldest.value[1].rec)
      }
    }
    this.pending.set(key, { rec, srcLow })
  }

  /** Emits every pending record (end of input). */
  flush(): void {
    for (const p of this.pending.values()) this.emitSingle(p.rec)
    this.pending.clear()
  }

  /** Records wait in arrival order; those whose end is a window behind the newest end leave unmerged. */
  private expire(): void {
    const limit = this.watermark - this.windowS
    for (const [k, p] of this.pending) {
      if (p.rec.end >= limit) break
      this.pending.delete(k)
      this.emitSingle(p.rec)
    }
  }

  private emitSingle(rec: NetflowRecord): void {
    this.o.counters.inc('netflow_biflows_total', 'unmerged')
    // nfdump -B: a source on a well-known port below the destination's is the server, unless it sent a bare SYN.
    const bareSyn = rec.protocol === 6 && (rec.tcp_flags & SYN) !== 0 && (rec.tcp_flags & ACK) === 0
    const srcIsServer = !bareSyn && isPortProto(rec.protocol) && rec.src_port < rec.dst_port && rec.src_port < 1024
    this.o.emit(srcIsServer ? this.build(undefined, rec, false) : this.build(rec, undefined, false))
  }

  private merge(a: NetflowRecord, b: NetflowRecord): FlowRecord {
    let origIsA: boolean
    if (a.start !== b.start) origIsA = a.start < b.start
    else if (isPortProto(a.protocol) && a.src_port !== a.dst_port) origIsA = a.src_port > a.dst_port
    else origIsA = true
    return origIsA ? this.build(a, b, false) : this.build(b, a, false)
  }

  /**
   * One FlowRecord from the originator's record and/or the responder's record; with `rfc5103` the
   * originator's record carries the reverse counters itself.
   */
  private build(orig: NetflowRecord | undefined, resp: NetflowRecord | undefined, rfc5103: boolean): FlowRecord {
    const base = (orig ?? resp) as NetflowRecord
    const v6 = base.src_addr.includes(':')
    let origH: string
    let origP: number
    let respH: string
    let respP: number
    if (orig !== undefined) {
      origH = orig.src_addr
      origP = orig.src_port
      respH = orig.dst_addr
      respP = orig.dst_port
    } else {
      origH = base.dst_addr
      origP = base.dst_port
      respH = base.src_addr
      respP = base.src_port
    }
    const origPkts = orig?.packets ?? 0
    const origIp = orig?.bytes ?? 0
    const respPkts = rfc5103 ? (base.reverse_packets ?? 0) : (resp?.packets ?? 0)
    const respIp = rfc5103 ? (base.reverse_bytes ?? 0) : (resp?.bytes ?? 0)
    const start = Math.min(orig?.start ?? Number.POSITIVE_INFINITY, resp?.start ?? Number.POSITIVE_INFINITY)
    const end = Math.max(orig?.end ?? Number.NEGATIVE_INFINITY, resp?.end ?? Number.NEGATIVE_INFINITY)
    const hdr = headerBytes(base.protocol, v6)
    const sampling = Math.max(orig?.sampling ?? 1, resp?.sampling ?? 1)
    const rec: { -readonly [K in keyof FlowRecord]: FlowRecord[K] } = {
      kind: 'flow',
      ts: start,
      source: base.source,
      uid: this.uid(base),
      orig_h: origH,
      orig_p: origP,
      resp_h: respH,
      resp_p: respP,
      proto: protoName(base.protocol),
      source_kind: 'netflow',
      service: '',
      duration: Math.max(0, end - start),
      orig_bytes: Math.max(0, origIp - origPkts * hdr),
      resp_bytes: Math.max(0, respIp - respPkts * hdr),
      orig_ip_bytes: origIp,
      resp_ip_bytes: respIp,
      orig_pkts: origPkts,
      resp_pkts: respPkts,
      history: '',
      conn_state: connState(
        base.protocol,
        orig?.tcp_flags ?? 0,
        rfc5103 ? undefined : (resp?.tcp_flags ?? 0),
        respPkts,
      ),
      end_reason: 'export',
      reporter: base.exporter,
    }
    if (sampling > 1) {
      rec.estimated = true
      rec.sampling = sampling
    }
    return rec
  }

  private uid(r: NetflowRecord): string {
    this.seq++
    return `C${base62(fnv1a(`${r.exporter}|${r.src_addr}|${r.dst_addr}|${r.start}`))}${base62(this.seq)}`
  }
}

/**
 * Zeek conn_state from cumulative TCP flags: S0 (SYN, no answer), REJ (answered by RST), SF (FIN both ways),
 * S1 (established, open), S2/S3 (FIN from one side), RSTO/RSTR, SH (SYN+FIN, no answer), RSTOS0; OTH for
 * mid-stream TCP and other protocols. `respFlags` undefined means the exporter sent one biflow record whose
 * reverse flags are unknown: only the originator side is judged then.
 */
export function connState(protocol: number, o: number, respFlags: number | undefined, respPkts: number): string {
  if (protocol !== 6 || (o & SYN) === 0) return 'OTH'
  if (respFlags === undefined) {
    if (respPkts === 0) return (o & RST) !== 0 ? 'RSTOS0' : (o & FIN) !== 0 ? 'SH' : 'S0'
    if ((o & RST) !== 0) return 'RSTO'
    return (o & FIN) !== 0 ? 'S2' : 'S1'
  }
  const r = respFlags
  if (respPkts === 0 || r === 0) return (o & RST) !== 0 ? 'RSTOS0' : (o & FIN) !== 0 ? 'SH' : 'S0'
  if ((r & SYN) === 0) return (r & RST) !== 0 ? 'REJ' : 'OTH'
  if ((o & RST) !== 0) return 'RSTO'
  if ((r & RST) !== 0) return 'RSTR'
  if ((o & FIN) !== 0 && (r & FIN) !== 0) return 'SF'
  if ((o & FIN) !== 0) return 'S2'
  if ((r & FIN) !== 0) return 'S3'
  return 'S1'
}

function isPortProto(p: number): boolean {
  return p === 6 || p === 17 || p === 132
}

function protoName(p: number): Proto {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 || p === 58 ? 'icmp' : 'other'
}

/** Minimal IP + transport header bytes per packet, for the payload estimate. */
function headerBytes(p: number, v6: boolean): number {
  const ip = v6 ? 40 : 20
  return ip + (p === 6 ? 20 : p === 17 || p === 1 || p === 58 ? 8 : 0)
}

function endpointLess(a: string, ap: number, b: string, bp: number): boolean {
  return a < b || (a === b && ap <= bp)
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
function base62(n: number): string {
  let s = ''
  do {
    s = B62.charAt(n % 62) + s
    n = Math.floor(n / 62)
  } while (n > 0)
  return s
}
