/**
 * Test helper: runs a whole capture through CaptureReader → walkPacket → FlowTable → AppLayer and, optionally,
 * detections, collecting every event and alert. It mirrors what the pipeline does, so app-layer and detection
 * tests can run on real captures without the sensor CLI.
 */
import { readFileSync } from 'node:fs'
import { AppLayer } from '../../analytics/app-layer/manager.js'
import { ANALYZERS } from '../../analytics/app-layer/registry.js'
import type { AnalyzerSpec } from '../../analytics/app-layer/types.js'
import { Counters } from '../../analytics/counters.js'
import type { DetectionDefinition, DetectionInstance } from '../../analytics/detection.js'
import type { AlertEvent, EventKind, EventOf, SensorEvent } from '../../analytics/events.js'
import { FlowTable } from '../../analytics/flow-table.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../../analytics/net/address-set.js'
import { walkPacket } from '../../decoders/dispatch.js'
import { newPacketView } from '../../decoders/packet-view.js'
import { CaptureReader } from '../../decoders/pcap/capture-reader.js'

export interface RunOptions {
  readonly analyzers?: readonly AnalyzerSpec[]
  readonly detections?: readonly DetectionDefinition<object>[]
  readonly maxBufferBytes?: number
  /** Bytes per push into the reader (exercises chunk boundaries). */
  readonly chunk?: number
}

export interface RunResult {
  readonly events: SensorEvent[]
  readonly alerts: AlertEvent[]
  readonly counters: Counters
  of<K extends EventKind>(kind: K): EventOf<K>[]
}

export function runAppLayer(file: string, o: RunOptions = {}): RunResult {
  const events: SensorEvent[] = []
  const alerts: AlertEvent[] = []
  const counters = new Counters()
  const internal = new AddressSet(DEFAULT_INTERNAL_CIDRS)
  const dets: { def: DetectionDefinition<object>; inst: DetectionInstance }[] = (o.detections ?? []).map((def) => ({
    def,
    inst: def.create(def.params, { internal }),
  }))
  let lastTs = 0
  const emit = (ev: SensorEvent): void => {
    events.push(ev)
    for (const d of dets) {
      if (!d.def.inputs.includes(ev.kind)) continue
      const out = d.inst.onEvent(ev)
      if (out !== undefined) alerts.push(...out)
    }
  }
  const app = new AppLayer({
    analyzers: o.analyzers ?? ANALYZERS,
    emit,
    counters,
    source: `pcap:${file}`,
    ...(o.maxBufferBytes !== undefined ? { maxBufferBytes: o.maxBufferBytes } : {}),
  })
  const table = new FlowTable({
    counters,
    onStart: (flow) => app.onFlowStart(flow, flow.firstTs),
    onEnd: (flow) => app.onFlowEnd(flow, flow.lastTs),
  })
  const pv = newPacketView()
  const reader = new CaptureReader({
    name: file,
    onPacket(buf, off, end, ts, wireLen, linkType) {
      walkPacket(linkType, buf, off, end, pv)
      pv.ts = ts
      pv.wireLen = wireLen
      pv.capLen = end - off
      lastTs = ts
      // As PacketStage: the Flow object only for the packets the app layer takes.
      const row = table.updateRow(pv)
      if (row < 0) return
      if (pv.payloadEnd > pv.payloadOff || (pv.tcpFlags & 0x07) !== 0)
        app.onPacket(table.flowAt(row), table.lastFromOrig, pv, buf)
    },
  })
  const data = readFileSync(file)
  const step = o.chunk ?? data.length
  try {
    for (let i = 0; i < data.length; i += step) reader.push(data.subarray(i, Math.min(data.length, i + step)))
    reader.end()
  } catch (e) {
    // A truncated capture (corpus) ends the reader with a typed error; what was read stays. Bugs are rethrown.
    const code = (e as { code?: unknown }).code
    if (typeof code !== 'string') throw e
    counters.inc('capture_errors_total', code)
  }
  table.flush()
  for (const d of dets) {
    const out = d.inst.onEnd?.(lastTs)
    if (out !== undefined) alerts.push(...out)
  }
  return {
    events,
    alerts,
    counters,
    of<K extends EventKind>(kind: K): EventOf<K>[] {
      return events.filter((e): e is EventOf<K> => e.kind === kind)
    },
  }
}
