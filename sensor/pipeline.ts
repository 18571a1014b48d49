/**
 * Wires collectors to the analytics stage and the sinks (STYLE 2.1: the only place that knows both).
 * Inputs (capture files/stdin, syslog archives, live collectors) turn bytes into events; the packet stage
 * and the ingest classes (NetFlow, syslog) feed one AnalyticsEngine, whose flow records and alerts go to
 * JSON-lines sinks and the terminal summary.
 */

import { writeFileSync } from 'node:fs'
import { ANALYZERS } from '../analytics/app-layer/registry.js'
import { Counters } from '../analytics/counters.js'
import { DETECTIONS } from '../analytics/detections/index.js'
import { AnalyticsEngine, type FlowMerger, type ScoringHooks } from '../analytics/engine.js'
import type { AlertEvent, FlowRecord, SensorEvent } from '../analytics/events.js'
import { AddressSet } from '../analytics/net/address-set.js'
import { BiflowMerger } from '../analytics/netflow/biflow-merge.js'
import { PacketStage } from '../analytics/packet-stage.js'
import { addressText } from '../decoders/network/ip-text.js'
import { CaptureReader, sniffCaptureFormat } from '../decoders/pcap/capture-reader.js'
import { PcapFormatError } from '../decoders/pcap/pcap-format-error.js'
import { looksLikeSyslog } from './collectors/syslog-file.js'
import { InputError, UsageError } from './errors.js'
import { EventQueue } from './event-queue.js'
import { openInput } from './input.js'
import { NetflowIngest } from './netflow-ingest.js'
import { Progress } from './progress.js'
import { AlertSummary } from './sinks/alert-summary.js'
import { JsonlSink, type RotationOptions } from './sinks/jsonl-file.js'
import type { TemplateStore } from './state/template-store.js'
import { SyslogIngest } from './syslog-ingest.js'
import { isoTime } from './text.js'

export interface PipelineSettings {
  /** Internal networks (CIDRs). */
  readonly internal: readonly string[]
  /** Flow records JSON-lines path, or undefined for none. */
  readonly flowsPath?: string | undefined
  /** Alerts JSON-lines path; `-` for stdout; undefined for none. */
  readonly alertsPath?: string | undefined
  readonly maxFlows: number
  readonly tcpIdleS: number
  readonly udpIdleS: number
  readonly icmpIdleS: number
  readonly activeTimeoutS: number
  readonly maxBufferBytes: number
  readonly netflowPorts: readonly number[]
  readonly samplingOverrides?: Readonly<Record<string, number>>
  readonly biflowWindowS?: number
  readonly detectionConfig?: Readonly<Record<string, { enabled?: boolean; params?: Record<string, unknown> }>>
  readonly learnOnly?: boolean
  /** Default alert suppression interval (same identifier), seconds. */
  readonly suppressForS?: number
  /** Show a progress line on a terminal. */
  readonly progress?: boolean
  /** Live mode: events from the NetFlow/syslog collectors pass through a bounded queue of this many events. */
  readonly queueCapacity?: number
  /** Rotation of the JSON-lines outputs. */
  readonly rotation?: RotationOptions
  /** Start the output files empty (analyze: one run, one file, as Zeek writes its logs); listen appends. */
  readonly truncateOutputs?: boolean
  /** Flow records only (`analyze --flows-only`): no app layer, no detections, no scoring. */
  readonly flowsOnly?: boolean
}

/** An alert as written to JSON lines: ISO time first, no internal `kind`. */
export function renderAlert(a: AlertEvent): Record<string, unknown> {
  const { kind: _kind, ts, ...rest } = a
  return { ts: isoTime(ts), ...rest }
}

/** A flow record as written to JSON lines (Zeek conn.log names). */
export function renderFlow(f: FlowRecord): Record<string, unknown> {
  const { kind: _kind, ...rest } = f
  return rest
}

export class Pipeline {
  readonly counters = new Counters()
  readonly internal: AddressSet
  readonly summary: AlertSummary
  readonly engine: AnalyticsEngine
  readonly packets: PacketStage
  readonly netflow: NetflowIngest
  readonly syslog: SyslogIngest
  private readonly flowsSink: JsonlSink | undefined
  private readonly alertsSink: JsonlSink | undefined
  /** The bounded queue in front of the engine for live collectors (listen), if any. */
  readonly queue: EventQueue | undefined
  flowsWritten = 0
  /** Flow records only (PipelineSettings.flowsOnly). */
  readonly flowsOnly: boolean
  alertsWritten = 0
  bytesRead = 0
  private finished = false

  constructor(
    private readonly s: PipelineSettings,
    deps: {
      readonly scoring?: ScoringHooks
      readonly templateStore?: TemplateStore
      readonly extraOutputs?: { alert?: (a: AlertEvent) => void; event?: (ev: SensorEvent) => void }
    } = {},
  ) {
    const { scoring, extraOutputs } = deps
    this.flowsOnly = s.flowsOnly === true
    this.internal = new AddressSet(s.internal)
    this.summary = new AlertSummary(this.internal)
    const open = (path: string | undefined): JsonlSink | undefined => {
      if (!path) return undefined
      if (s.truncateOutputs && path !== '-') {
        try {
          writeFileSync(path, '')
        } catch (e) {
          throw new UsageError(`Cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? e}).`, { cause: e })
        }
      }
      return new JsonlSink(path, s.rotation)
    }
    this.flowsSink = open(s.flowsPath)
    this.alertsSink = open(s.alertsPath)
    const engineOpts: ConstructorParameters<typeof AnalyticsEngine>[0] = {
      detections: s.flowsOnly ? [] : DETECTIONS,
      ctx: { internal: this.internal },
      counters: this.counters,
      learnOnly: s.learnOnly === true,
      ...(s.suppressForS !== undefined ? { defaultSuppressS: s.suppressForS } : {}),
      makeMerger: (emit): FlowMerger =>
        new BiflowMerger({ emit, counters: this.counters, windowS: s.biflowWindowS ?? 60 }),
      out: {
        flow: (f) => {
          this.flowsWritten++
          this.flowsSink?.write(renderFlow(f))
        },
        alert: (a) => {
          this.alertsWritten++
          this.summary.add(a)
          this.alertsSink?.write(renderAlert(a))
          extraOutputs?.alert?.(a)
        },
        ...(extraOutputs?.event ? { event: extraOutputs.event } : {}),
      },
      ...(s.detectionConfig ? { detectionConfig: s.detectionConfig } : {}),
      ...(scoring && !s.flowsOnly ? { scoring } : {}),
    }
    this.engine = new AnalyticsEngine(engineOpts)
    const emit = (ev: SensorEvent) => this.engine.ingest(ev)
    this.queue =
      s.queueCapacity !== undefined ? new EventQueue('collectors', s.queueCapacity, emit, this.counters) : undefined
    const queued = this.queue
    const collectorEmit = queued ? (ev: SensorEvent) => queued.push(ev) : emit
    this.netflow = new NetflowIngest({
      emit: collectorEmit,
      counters: this.counters,
      source: 'netflow',
      ...(deps.templateStore ? { templateStore: deps.templateStore } : {}),
      ...(s.samplingOverrides ? { samplingOverrides: { ...s.samplingOverrides } } : {}),
    })
    this.syslog = new SyslogIngest({ emit: collectorEmit, counters: this.counters, source: 'syslog' })
    this.packets = new PacketStage({
      source: 'pcap',
      emit,
      counters: this.counters,
      analyzers: ANALYZERS,
      maxFlows: s.maxFlows,
      tcpIdleS: s.tcpIdleS,
      udpIdleS: s.udpIdleS,
      icmpIdleS: s.icmpIdleS,
      activeTimeoutS: s.activeTimeoutS,
      maxBufferBytes: s.maxBufferBytes,
      netflowPorts: new Set(s.netflowPorts),
      appLayer: s.flowsOnly !== true,
      onFlowExport: (buf, off, end, pv, ts) =>
        this.netflow.handleDatagram(buf, off, end, addressText(pv.src, pv.ipVersion === 6 ? 6 : 4), pv.srcPort, ts),
    })
  }

  /**
   * Reads one input to its end (or until `signal` aborts), recognising its format by content. `readChunkBytes`
   * is the read size (tests make it small, so records and messages straddle chunks).
   */
  async analyzeInput(path: string, signal?: AbortSignal, readChunkBytes?: number): Promise<void> {
    const input = await openInput(path, undefined, readChunkBytes)
    const progress = new Progress(input.name, input.size, this.s.progress !== false && process.stderr.isTTY === true)
    try {
      const format = sniffCaptureFormat(input.head)
      if (format !== undefined) {
        await this.readCapture(input.name, input.chunks({ reuse: true }), progress, signal)
      } else if (looksLikeSyslog(input.head)) {
        await this.readSyslogText(input.chunks(), signal)
      } else if (input.head.length === 0) {
        throw new InputError('input.empty', `${input.name}: empty input, nothing to analyse.`)
      } else {
        throw new InputError(
          'input.unknown_format',
          `${input.name}: not a pcap/pcapng capture or a syslog text file (first bytes ${input.head
            .subarray(0, 8)
            .toString('hex')}).`,
        )
      }
    } finally {
      progress.done()
      input.close()
    }
  }

  private async readCapture(
    name: string,
    chunks: AsyncIterable<Buffer>,
    progress: Progress,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const stage = this.packets
    const reader = new CaptureReader({
      name,
      onPacket: (buf, off, end, ts, wireLen, linkType) => stage.onPacket(buf, off, end, ts, wireLen, linkType),
    })
    let read = 0
    try {
      for await (const chunk of chunks) {
        reader.push(chunk)
        read += chunk.length
        this.bytesRead += chunk.length
        progress.update(read, stage.packets)
        if (signal?.aborted) return
      }
      reader.end()
    } catch (e) {
      if (e instanceof PcapFormatError) {
        this.counters.inc('input_errors_total', e.code)
        throw new InputError(e.code, `${name}: ${e.detail}.`, { cause: e })
      }
      throw e
    }
  }

  /** A syslog archive: one message per line (LF or CRLF), each line capped. */
  private async readSyslogText(chunks: AsyncIterable<Buffer>, signal: AbortSignal | undefined): Promise<void> {
    const maxLine = 64 * 1024
    let tail: Buffer | undefined
    let skipping = false
    const now = Date.now() / 1000
    for await (const chunk of chunks) {
      this.bytesRead += chunk.length
      const buf = tail ? Buffer.concat([tail, chunk]) : chunk
      tail = undefined
      let start = 0
      for (let i = buf.indexOf(10, start); i !== -1; i = buf.indexOf(10, start)) {
        if (!skipping) {
          const end = i > start && buf[i - 1] === 13 ? i - 1 : i
          if (end > start) this.syslog.handleMessage(buf, start, end, undefined, now)
        }
        skipping = false
        start = i + 1
      }
      if (start < buf.length) {
        if (buf.length - start > maxLine) {
          if (!skipping) this.counters.inc('syslog_errors_total', 'syslog.line_too_long')
          skipping = true
        } else if (!skipping) {
          tail = Buffer.from(buf.subarray(start))
        }
      }
      if (signal?.aborted) return
    }
    if (tail && tail.length > 0) this.syslog.handleMessage(tail, 0, tail.length, undefined, now)
  }

  /** Ends every flow still open, lets detections finish, and flushes the sinks. Safe to call twice. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    this.queue?.drainAll()
    this.packets.flush('eof')
    this.netflow.finish()
    this.engine.end()
    this.flowsSink?.close()
    this.alertsSink?.close()
  }

  /** Flushes sink buffers without ending anything (periodic, or before a stats line). */
  flushSinks(): void {
    this.flowsSink?.flush()
    this.alertsSink?.flush()
  }

  reopenSinks(): void {
    this.flowsSink?.reopen()
    this.alertsSink?.reopen()
  }
}
