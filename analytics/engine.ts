/**
 * The analytics stage: events in, alerts and flow records out. It merges unidirectional flow exports into
 * biflows, runs every enabled detection on the event kinds it subscribes to, scores flows and alerts
 * (baseline, allowlists, factors), applies alert suppression by identifier centrally (Zeek notice style),
 * and advances detection timers on network time. Pure: the caller feeds events and receives outputs through
 * callbacks, so the same engine runs behind a file reader, live collectors or, later, a message bus.
 */
import type { Counters } from './counters.js'
import type { DetectionContext, DetectionDefinition, DetectionInstance } from './detection.js'
import type { AlertEvent, EventKind, FlowRecord, NetflowRecord, SensorEvent } from './events.js'

/** Scoring and baseline hooks (analytics/scoring); absent means alerts pass through with their base score. */
export interface ScoringHooks {
  /** Scores an ended flow; returns an `inbound-transfer` alert when it passes the threshold. */
  scoreFlow(rec: FlowRecord): AlertEvent | undefined
  /** Adds baseline facts and factors to a detection's alert; undefined when an allowlist suppresses it. */
  enrichAlert(alert: AlertEvent): AlertEvent | undefined
  /** Learns from an event after it was scored (flows, DNS answers, TLS SNI, HTTP Host). */
  observe(ev: SensorEvent): void
}

/** Merges unidirectional flow-export records into FlowRecords (analytics/netflow). */
export interface FlowMerger {
  add(rec: NetflowRecord): void
  flush(): void
}

export interface EngineOutputs {
  flow(rec: FlowRecord): void
  alert(alert: AlertEvent): void
  /** Every event, for sinks that want them all (optional). */
  event?(ev: SensorEvent): void
}

export interface EngineOptions {
  readonly detections: readonly DetectionDefinition<object>[]
  /** Param overrides and enablement per detection id. */
  readonly detectionConfig?: Readonly<Record<string, { enabled?: boolean; params?: Record<string, unknown> }>>
  readonly ctx: DetectionContext
  readonly counters: Counters
  readonly out: EngineOutputs
  readonly scoring?: ScoringHooks
  /** Built with the engine's own `ingest` as its emit callback. */
  readonly makeMerger?: (emit: (ev: SensorEvent) => void) => FlowMerger
  /** When true, nothing alerts: events only feed the baseline (`baseline learn`). */
  readonly learnOnly?: boolean
  /** Default suppression interval for alerts that do not set one, seconds. */
  readonly defaultSuppressS?: number
  /** Cap on remembered alert identifiers. */
  readonly maxIdentifiers?: number
}

interface Running {
  readonly id: string
  readonly inst: DetectionInstance
}

export class AnalyticsEngine {
  private readonly byKind = new Map<EventKind, Running[]>()
  private readonly all: Running[] = []
  private readonly queue: SensorEvent[] = []
  private draining = false
  private lastTick = Number.NEGATIVE_INFINITY
  private readonly lastAlert = new Map<string, { ts: number; score: number }>()
  private readonly merger: FlowMerger | undefined
  /** Highest network time seen. */
  now = Number.NEGATIVE_INFINITY
  /** The first failure of each detection that threw (a bug), for the sensor to report. */
  readonly detectionErrors = new Map<string, string>()

  constructor(private readonly o: EngineOptions) {
    for (const def of o.detections) {
      const cfg = o.detectionConfig?.[def.id]
      if (cfg?.enabled === false) continue
      const params = { ...def.params, ...(cfg?.params ?? {}) }
      const running = { id: def.id, inst: def.create(params, o.ctx) }
      this.all.push(running)
      for (const k of def.inputs) {
        const list = this.byKind.get(k) ?? []
        list.push(running)
        this.byKind.set(k, list)
      }
    }
    this.merger = o.makeMerger?.((ev) => this.ingest(ev))
  }

  /** Feeds one event; everything it causes (alerts, merged flows) is processed before this returns. */
  ingest(ev: SensorEvent): void {
    this.queue.push(ev)
    if (this.draining) return
    this.draining = true
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const next = this.queue[i]
        if (next !== undefined) this.process(next)
      }
    } finally {
      this.queue.length = 0
      this.draining = false
    }
  }

  /** Advances detection timers to network time `ts` (also done automatically as events arrive). */
  tick(ts: number): void {
    if (ts > this.now) this.now = ts
    if (ts - this.lastTick < 1) return
    this.lastTick = ts
    for (const r of this.all) {
      if (r.inst.onTick) this.emitAlerts(r.inst.onTick(ts))
    }
  }

  /** End of input: flushes pending merges and lets detections report what is still open. */
  end(): void {
    this.merger?.flush()
    const ts = Number.isFinite(this.now) ? this.now : 0
    for (const r of this.all) {
      if (r.inst.onEnd) this.emitAlerts(r.inst.onEnd(ts))
    }
  }

  private emitAlerts(alerts: AlertEvent[] | undefined): void {
    if (alerts) for (const a of alerts) this.ingest(a)
  }

  private process(ev: SensorEvent): void {
    this.o.counters.inc('engine_events_total', ev.kind)
    if (ev.kind !== 'alert' && Number.isFinite(ev.ts)) this.tick(ev.ts)
    this.o.out.event?.(ev)
    switch (ev.kind) {
      case 'netflow':
        if (this.merger) this.merger.add(ev)
        break
      case 'flow': {
        this.o.out.flow(ev)
        if (!this.o.learnOnly) {
          const a = this.o.scoring?.scoreFlow(ev)
          if (a) this.publish(a)
        }
        this.o.scoring?.observe(ev)
        break
      }
      case 'alert':
        this.onAlert(ev)
        return
      case 'dns':
      case 'tls':
      case 'http':
      case 'file':
        this.o.scoring?.observe(ev)
        break
      case 'tftp':
      case 'ftp':
      case 'finger':
      case 'app-proto':
      case 'syslog':
      case 'host':
      case 'anomaly':
        break
      default:
        ev satisfies never
    }
    this.runDetections(ev)
  }

  private runDetections(ev: SensorEvent): void {
    const list = this.byKind.get(ev.kind)
    if (!list || this.o.learnOnly) return
    for (const r of list) {
      let out: AlertEvent[] | undefined
      try {
        out = r.inst.onEvent(ev)
      } catch (e) {
        // A bug in one detection must not stop the others; count it, keep going.
        this.o.counters.inc('detection_errors_total', r.id)
        if (!this.detectionErrors.has(r.id)) this.detectionErrors.set(r.id, String((e as Error)?.stack ?? e))
        continue
      }
      this.emitAlerts(out)
    }
  }

  /** An alert raised by a detection: score it, suppress duplicates, publish it. */
  private onAlert(raw: AlertEvent): void {
    if (this.o.learnOnly) return
    let alert: AlertEvent | undefined = raw
    // Every detection alert gets the same context (baseline, allowlists, off-hours, triage), also those that
    // set their own score_factors: the scorer skips factors they already scored. `inbound-transfer` alerts are
    // built by the scorer itself.
    if (this.o.scoring && raw.detection !== 'inbound-transfer') {
      alert = this.o.scoring.enrichAlert(raw)
      if (!alert) {
        this.o.counters.inc('alerts_suppressed_total', 'allowlist')
        return
      }
    }
    this.publish(alert)
  }

  private publish(alert: AlertEvent): void {
    const window = alert.suppress_for ?? this.o.defaultSuppressS ?? 3600
    const prev = this.lastAlert.get(alert.identifier)
    if (prev && alert.ts - prev.ts < window && alert.score <= prev.score) {
      this.o.counters.inc('alerts_suppressed_total', 'duplicate')
      return
    }
    this.lastAlert.delete(alert.identifier)
    this.lastAlert.set(alert.identifier, { ts: alert.ts, score: alert.score })
    const cap = this.o.maxIdentifiers ?? 100_000
    if (this.lastAlert.size > cap) {
      const oldest = this.lastAlert.keys().next().value
      if (oldest !== undefined) this.lastAlert.delete(oldest)
    }
    this.o.counters.inc('alerts_total', alert.detection)
    this.o.out.alert(alert)
    this.runDetections(alert)
  }
}
