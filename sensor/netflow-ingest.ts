/**
 * Turns flow-export datagrams (NetFlow v5/v9, IPFIX) into NetflowRecord events, for the UDP collector and for
 * exports found inside captures alike. It owns the per-exporter state (templates through a TemplateStore),
 * applies sampling (announced by the exporter, else a per-exporter override for exporters that announce
 * none, e.g. softflowd; bytes and packets scaled up), counts sequence-number gaps per exporter/domain
 * (v5 counts flows, v9 export packets, IPFIX data records: RFC 3954 §5.1, RFC 7011 §3.1) and keeps
 * exporter health for the summary. Problems are counted as `netflow_errors_total{code}`, never thrown.
 */
import type { Counters } from '../analytics/counters.js'
import type { NetflowRecord, SensorEvent } from '../analytics/events.js'
import type { FlowFields, NetflowMessage } from '../decoders/netflow/header.js'
import { decodeNetflow } from '../decoders/netflow/netflow.js'
import { dropAllPending, expirePending } from '../decoders/netflow/templates.js'
import { TemplateStore } from './state/template-store.js'

export interface NetflowIngestOptions {
  /** Receives every NetflowRecord. */
  readonly emit: (ev: SensorEvent) => void
  readonly counters: Counters
  /** Sampling interval per exporter address for exporters that announce none (pmacct `sampling_map`). */
  readonly samplingOverrides?: Record<string, number>
  /** Template state (persisted with `--state`); a private in-memory store when absent. */
  readonly templateStore?: TemplateStore
  /** Collector id prefix; events carry `<source>:<exporter>`. */
  readonly source: string
  /** Exporter/domain rows kept for stats (default 4096); further ones are counted under one row `other`. */
  readonly maxDomains?: number
}

/** Health of one exporter / observation domain. */
export interface NetflowDomainStats {
  readonly exporter: string
  /** 5, 9 or 10; 0 for datagrams whose header did not decode. */
  readonly version: 0 | 5 | 9 | 10
  readonly domain: number
  datagrams: number
  records: number
  /** Sequence discontinuities seen (each gap counted once). */
  sequenceGaps: number
  /** Units the gaps skipped (flows for v5, packets for v9, data records for IPFIX). */
  sequenceMissing: number
  /** Sequence numbers that went backwards (restart or reordering). */
  sequenceResets: number
  /** Templates currently known for this domain. */
  templates: number
  /** Problems by DecodeError code. */
  readonly errors: Record<string, number>
  /** Next expected sequence number, -1 when unknown. */
  nextSeq: number
}

const TWO_32 = 4294967296

export class NetflowIngest {
  private readonly o: NetflowIngestOptions
  private readonly store: TemplateStore
  private readonly domains = new Map<string, NetflowDomainStats>()
  private readonly sources = new Map<string, string>()
  private readonly maxDomains: number
  private lastDomain: NetflowDomainStats | undefined

  constructor(o: NetflowIngestOptions) {
    this.o = o
    this.store = o.templateStore ?? new TemplateStore()
    this.maxDomains = o.maxDomains ?? 4096
  }

  /**
   * Decodes one datagram from `exporter` (address text) received at `receivedTs` (seconds since the epoch:
   * the wall clock for live UDP, the capture time for exports inside a pcap) and emits its records.
   */
  handleDatagram(
    buf: Buffer,
    off: number,
    end: number,
    exporter: string,
    exporterPort: number,
    receivedTs: number,
  ): void {
    void exporterPort // Templates are scoped by address: exporters change source port on restart.
    const c = this.o.counters
    c.inc('netflow_datagrams_total')
    const st = this.store.forExporter(exporter)
    const nowMs = receivedTs * 1000
    const r = decodeNetflow(buf, off, end, st, nowMs)
    if (!r.ok) {
      c.inc('netflow_errors_total', r.error.code)
      const d = this.domainStats(exporter, 0, 0)
      d.datagrams++
      d.errors[r.error.code] = (d.errors[r.error.code] ?? 0) + 1
      return
    }
    const m = r.value
    const d = this.domainStats(exporter, m.version, m.domain)
    d.datagrams++
    for (const p of m.problems) {
      c.inc('netflow_errors_total', p.code)
      d.errors[p.code] = (d.errors[p.code] ?? 0) + 1
    }
    if (m.setsDropped > 0) {
      c.inc('netflow_errors_total', 'netflow.template_unknown', m.setsDropped)
      d.errors['netflow.template_unknown'] = (d.errors['netflow.template_unknown'] ?? 0) + m.setsDropped
    }
    if (m.setsHeld > 0) c.inc('netflow_sets_held_total', undefined, m.setsHeld)
    if (m.templatesLearned > 0) c.inc('netflow_templates_learned_total', undefined, m.templatesLearned)
    if (m.templatesWithdrawn > 0) c.inc('netflow_templates_withdrawn_total', undefined, m.templatesWithdrawn)
    if (m.optionsRecords > 0) c.inc('netflow_options_records_total', undefined, m.optionsRecords)
    this.trackSequence(d, m)
    if (m.records.length === 0) return
    c.inc('netflow_records_total', undefined, m.records.length)
    d.records += m.records.length
    const source = this.sourceFor(exporter)
    const override = this.o.samplingOverrides?.[exporter]
    for (const f of m.records) this.o.emit(toEvent(f, m, exporter, source, override))
  }

  /** Counts a collector-level problem (socket error) as `input_errors_total{code}`. */
  countInputError(code: string): void {
    this.o.counters.inc('input_errors_total', code)
  }

  /** End of input: held data sets will never find their template; count them as dropped. */
  finish(): void {
    for (const [addr, st] of this.store.entries()) {
      const n = dropAllPending(st)
      if (n > 0) this.dropped(addr, n)
    }
  }

  /** Expires held data sets older than their time limit (call from a timer on live input). */
  sweep(nowTs: number): void {
    for (const [addr, st] of this.store.entries()) {
      const n = expirePending(st, nowTs * 1000)
      if (n > 0) this.dropped(addr, n)
    }
  }

  /** Per exporter/domain health, with the templates currently known. */
  exporterStats(): NetflowDomainStats[] {
    const out = [...this.domains.values()]
    for (const d of out) d.templates = 0
    for (const [addr, st] of this.store.entries())
      for (const t of st.templates.values()) {
        const d = this.domains.get(`${addr}|${t.version}|${t.domain}`)
        if (d !== undefined) d.templates++
      }
    return out
  }

  /** Summary lines, one per exporter/domain. */
  stats(): string[] {
    return this.exporterStats().map((d) => {
      const errs = Object.entries(d.errors)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
      const v = d.version === 10 ? 'IPFIX' : d.version === 0 ? 'unknown version' : `NetFlow v${d.version}`
      return (
        `exporter ${d.exporter} ${v} domain ${d.domain}: ${d.datagrams} datagrams, ${d.records} records, ` +
        `${d.sequenceGaps} sequence gaps (${d.sequenceMissing} missing), ${d.templates} templates` +
        (errs ? `; problems: ${errs}` : '')
      )
    })
  }

  private dropped(addr: string, n: number): void {
    this.o.counters.inc('netflow_errors_total', 'netflow.template_unknown', n)
    // Held sets carry no domain in the stats key here; they are charged to the exporter's first row.
    for (const d of this.domains.values()) {
      if (d.exporter === addr) {
        d.errors['netflow.template_unknown'] = (d.errors['netflow.template_unknown'] ?? 0) + n
        return
      }
    }
  }

  private sourceFor(exporter: string): string {
    let s = this.sources.get(exporter)
    if (s === undefined) {
      s = `${this.o.source}:${exporter}`
      if (this.sources.size < this.maxDomains) this.sources.set(exporter, s)
    }
    return s
  }

  private domainStats(exporter: string, version: 0 | 5 | 9 | 10, domain: number): NetflowDomainStats {
    const last = this.lastDomain
    if (last !== undefined && last.exporter === exporter && last.version === version && last.domain === domain)
      return last
    let key = `${exporter}|${version}|${domain}`
    let d = this.domains.get(key)
    if (d === undefined) {
      if (this.domains.size >= this.maxDomains) {
        key = 'other|0|0'
        d = this.domains.get(key)
        exporter = 'other'
        version = 0
        domain = 0
      }
      if (d === undefined) {
        d = {
          exporter,
          version,
          domain,
          datagrams: 0,
          records: 0,
          sequenceGaps: 0,
          sequenceMissing: 0,
          sequenceResets: 0,
          templates: 0,
          errors: {},
          nextSeq: -1,
        }
        this.domains.set(key, d)
      }
    }
    if (d.exporter !== 'other') this.lastDomain = d
    return d
  }

  private trackSequence(d: NetflowDomainStats, m: NetflowMessage): void {
    if (d.exporter === 'other') return
    if (d.nextSeq >= 0 && m.sequence !== d.nextSeq) {
      const ahead = (m.sequence - d.nextSeq + TWO_32) % TWO_32
      if (ahead < 2147483648) {
        d.sequenceGaps++
        d.sequenceMissing += ahead
        this.o.counters.inc('netflow_sequence_gaps_total')
        this.o.counters.inc('netflow_sequence_missing_total', undefined, ahead)
      } else {
        d.sequenceResets++
        this.o.counters.inc('netflow_sequence_resets_total')
      }
    }
    // What the next header should carry. IPFIX counts data records, which are unknown for held sets.
    let step: number
    if (m.version === 5) step = m.count
    else if (m.version === 9) step = 1
    else step = m.incomplete ? -1 : m.dataRecords
    d.nextSeq = step < 0 ? -1 : (m.sequence + step) % TWO_32
  }
}

function toEvent(
  f: FlowFields,
  m: NetflowMessage,
  exporter: string,
  source: string,
  override: number | undefined,
): NetflowRecord {
  const rate = f.sampling > 1 ? f.sampling : override !== undefined && override > 1 ? override : 1
  const start = f.startMs / 1000
  const end = f.endMs / 1000
  const ev: {
    -readonly [K in keyof NetflowRecord]: NetflowRecord[K]
  } = {
    kind: 'netflow',
    ts: end,
    source,
    exporter,
    version: m.version,
    observation_domain: m.domain,
    src_addr: f.srcAddr,
    dst_addr: f.dstAddr,
    src_port: f.srcPort,
    dst_port: f.dstPort,
    protocol: f.protocol,
    bytes: f.bytes * rate,
    packets: f.packets * rate,
    tcp_flags: f.tcpFlags,
    start,
    end,
    sampling: rate,
  }
  if (f.reverseBytes !== undefined) ev.reverse_bytes = f.reverseBytes * rate
  if (f.reversePackets !== undefined) ev.reverse_packets = f.reversePackets * rate
  if (f.inIf >= 0) ev.in_if = f.inIf
  if (f.outIf >= 0) ev.out_if = f.outIf
  return ev
}
