/**
 * The packet stage: one captured frame in, events out. It runs the lax packet walker, the flow table
 * and the app layer (reassembly, protocol identification, analyzers, file pipeline), and emits flow
 * records and app events. UDP datagrams to the configured flow-export ports are also handed to the
 * NetFlow/IPFIX decoder, so exports captured in a pcap are analysed like live ones.
 * Pure: no I/O, no clock; the caller feeds frames and reads events.
 */
import { walkPacket } from '../decoders/dispatch.js'
import { newPacketView, type PacketView, TCP_FIN, TCP_RST, TCP_SYN } from '../decoders/packet-view.js'
import { AppLayer } from './app-layer/manager.js'
import type { AnalyzerSpec } from './app-layer/types.js'
import type { Counters } from './counters.js'
import type { FlowEndReason, SensorEvent } from './events.js'
import type { Flow } from './flow.js'
import { flowToRecord } from './flow-record.js'
import { FlowTable } from './flow-table.js'

export interface PacketStageOptions {
  /** Collector id put on every event (`pcap:<file>`). */
  readonly source: string
  readonly emit: (ev: SensorEvent) => void
  readonly counters: Counters
  readonly analyzers: readonly AnalyzerSpec[]
  readonly maxFlows: number
  readonly tcpIdleS: number
  readonly udpIdleS: number
  readonly icmpIdleS: number
  readonly activeTimeoutS: number
  readonly maxBufferBytes: number
  /** UDP destination ports whose payload is a flow export (NetFlow/IPFIX). */
  readonly netflowPorts: ReadonlySet<number>
  /** Receives flow-export datagrams found in the capture. */
  readonly onFlowExport?: (buf: Buffer, off: number, end: number, exporter: PacketView, ts: number) => void
  /** False: flows only, no reassembly, protocol identification or analyzers (`analyze --flows-only`). Default true. */
  readonly appLayer?: boolean
}

const NO_PAYLOAD_FLAGS = TCP_SYN | TCP_FIN | TCP_RST

export class PacketStage {
  private readonly pv = newPacketView()
  private readonly table: FlowTable
  private readonly app: AppLayer | undefined
  /** Capture time of the first and last packet seen. */
  firstTs = Number.POSITIVE_INFINITY
  lastTs = Number.NEGATIVE_INFINITY
  packets = 0
  wireBytes = 0

  constructor(private readonly o: PacketStageOptions) {
    const app =
      o.appLayer === false
        ? undefined
        : new AppLayer({
            analyzers: o.analyzers,
            emit: o.emit,
            counters: o.counters,
            maxBufferBytes: o.maxBufferBytes,
            source: o.source,
            // Only protocol-port-mismatch reads app-proto events; flows whose protocol matches the port need none.
            onlyMismatchAppProto: true,
          })
    this.app = app
    this.table = new FlowTable({
      maxFlows: o.maxFlows,
      tcpIdleS: o.tcpIdleS,
      udpIdleS: o.udpIdleS,
      icmpIdleS: o.icmpIdleS,
      activeTimeoutS: o.activeTimeoutS,
      counters: o.counters,
      ...(app ? { onStart: (flow: Flow) => app.onFlowStart(flow, flow.firstTs) } : {}),
      onEnd: (flow: Flow, reason: FlowEndReason) => {
        app?.onFlowEnd(flow, flow.lastTs)
        o.emit(flowToRecord(flow, reason, o.source, 'pcap'))
      },
    })
  }

  /** Live flows in the table. */
  get flows(): number {
    return this.table.size
  }

  onPacket(buf: Buffer, off: number, end: number, ts: number, wireLen: number, linkType: number): void {
    const pv = this.pv
    walkPacket(linkType, buf, off, end, pv)
    pv.ts = ts
    pv.wireLen = wireLen
    pv.capLen = end - off
    this.packets++
    this.wireBytes += wireLen
    if (ts < this.firstTs) this.firstTs = ts
    if (ts > this.lastTs) this.lastTs = ts
    if (pv.stop !== undefined) this.o.counters.inc('decode_errors_total', pv.stop)
    if (
      pv.ipProto === 17 &&
      this.o.onFlowExport !== undefined &&
      this.o.netflowPorts.has(pv.dstPort) &&
      pv.payloadEnd > pv.payloadOff &&
      !pv.isFragment
    ) {
      this.o.onFlowExport(buf, pv.payloadOff, pv.payloadEnd, pv, ts)
    }
    // The Flow object is looked up only for packets the app layer takes (with --flows-only, for none: no
    // object is made for a flow until it ends); a bare ACK costs no lookup beyond the flow's row.
    const row = this.table.updateRow(pv)
    if (row < 0 || this.app === undefined) return
    if (pv.payloadEnd > pv.payloadOff || (pv.tcpFlags & NO_PAYLOAD_FLAGS) !== 0) {
      this.app.onPacket(this.table.flowAt(row), this.table.lastFromOrig, pv, buf)
    }
  }

  /** Ends every flow still in the table (end of input, or shutdown): nothing is lost. */
  flush(reason: FlowEndReason = 'eof'): void {
    this.table.flush(reason)
  }
}
