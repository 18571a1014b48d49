/**
 * The shape of a detection (STYLE 2.5): mostly metadata and params, plus a small `create` that returns
 * an instance holding its own bounded state. Detections never touch I/O or the wall clock; time comes from
 * event `ts`. Each detection lives in analytics/detections/<id>.ts with its test beside it, and is listed
 * in analytics/detections/index.ts.
 */
import type {
  AlertEvent,
  AlertFile,
  ConnId,
  EventKind,
  Evidence,
  ScoreFactor,
  SensorEvent,
  Severity,
} from './events.js'
import type { AddressSet } from './net/address-set.js'

export interface DetectionContext {
  /** Internal networks (config `internal`); decides T1105 vs T1570 and download vs upload. */
  readonly internal: AddressSet
}

export interface DetectionInstance {
  /** Called for every event whose kind is in `inputs`. */
  onEvent(ev: SensorEvent): AlertEvent[] | undefined
  /** Called as network time advances (at most about once per second of capture time). */
  onTick?(ts: number): AlertEvent[] | undefined
  /** Called once at end of input, to flush anything pending. */
  onEnd?(ts: number): AlertEvent[] | undefined
}

export interface DetectionDefinition<P extends object = object> {
  /** Stable kebab-case id, equal to the file name; never reused. */
  readonly id: string
  readonly title: string
  readonly description: string
  /** Default severity when the detection does not compute one. */
  readonly severity: Severity
  /** ATT&CK technique when the transfer crosses the boundary (internal ↔ external). */
  readonly technique: string
  readonly tactic: string
  /** ATT&CK and other tags, Sigma style (`attack.t1105`). */
  readonly tags: readonly string[]
  readonly references: readonly string[]
  readonly falsePositives: readonly string[]
  /** Event kinds this detection subscribes to. */
  readonly inputs: readonly EventKind[]
  /** Tunable parameters with their documented defaults. */
  readonly params: P
  create(params: P, ctx: DetectionContext): DetectionInstance
}

export function defineDetection<P extends object>(d: DetectionDefinition<P>): DetectionDefinition<P> {
  return d
}

/** Score → severity bands, shared by every detection and the scorer. */
export function severityForScore(score: number): Severity {
  if (score >= 85) return 'critical'
  if (score >= 65) return 'high'
  if (score >= 40) return 'medium'
  if (score >= 20) return 'low'
  return 'info'
}

/** T1570 when both ends are internal, otherwise the detection's own technique. */
export function techniqueFor(
  def: Pick<DetectionDefinition, 'technique' | 'tactic'>,
  ctx: DetectionContext,
  orig_h: string | undefined,
  resp_h: string | undefined,
): { technique: string; tactic: string } {
  if (orig_h !== undefined && resp_h !== undefined && ctx.internal.has(orig_h) && ctx.internal.has(resp_h)) {
    return { technique: 'T1570', tactic: 'lateral-movement' }
  }
  return { technique: def.technique, tactic: def.tactic }
}

export interface AlertInput {
  readonly ts: number
  readonly source: string
  readonly message: string
  /** Base score 0..100 before the scorer adds its factors. */
  readonly score: number
  readonly reasons: readonly string[]
  readonly evidence: readonly Evidence[]
  readonly identifier: string
  readonly conn?: ConnId
  readonly service?: string
  readonly severity?: Severity
  readonly technique?: string
  readonly tactic?: string
  readonly file?: AlertFile
  readonly host?: string
  readonly user?: string
  readonly score_factors?: readonly ScoreFactor[]
  readonly details?: Readonly<Record<string, string | number | boolean>>
  readonly suppress_for?: number
}

/** Builds an AlertEvent from a detection definition and what it found; fills technique and severity. */
export function makeAlert(def: DetectionDefinition, ctx: DetectionContext, a: AlertInput): AlertEvent {
  const score = Math.max(0, Math.min(100, Math.round(a.score)))
  const tech =
    a.technique !== undefined
      ? { technique: a.technique, tactic: a.tactic ?? def.tactic }
      : techniqueFor(def, ctx, a.conn?.orig_h, a.conn?.resp_h)
  const alert: Record<string, unknown> = {
    kind: 'alert',
    ts: a.ts,
    source: a.source,
    detection: def.id,
    technique: tech.technique,
    tactic: tech.tactic,
    severity: a.severity ?? severityForScore(score),
    score,
    reasons: a.reasons,
    message: a.message,
    evidence: a.evidence,
    identifier: a.identifier,
  }
  if (a.conn) {
    alert.uid = a.conn.uid
    alert.orig_h = a.conn.orig_h
    alert.orig_p = a.conn.orig_p
    alert.resp_h = a.conn.resp_h
    alert.resp_p = a.conn.resp_p
    alert.proto = a.conn.proto
  }
  for (const k of ['service', 'file', 'host', 'user', 'score_factors', 'details', 'suppress_for'] as const) {
    if (a[k] !== undefined) alert[k] = a[k]
  }
  return alert as unknown as AlertEvent
}
