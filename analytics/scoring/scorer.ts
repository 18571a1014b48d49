/**
 * The scorer: runs on every ended flow (raising `inbound-transfer` when an internal host pulls a large,
 * inbound-heavy transfer from an external destination, scored with the additive weights) and on every alert the
 * detections raise (adding the baseline facts and a bounded multiplicative context factor on the detection's base
 * score: never-seen / known-for-weeks, prevalence, off-hours, clamped to [0.8, 1.35], at most one severity band
 * up, never critical from context alone; then allowlists, severity from the final score, and triage; see
 * docs/alerts.md). Scores are explainable: every factor is kept in `score_factors` and `reasons` (RITA modifier
 * rows), and the rows sum to the score. It implements the engine's ScoringHooks: `scoreFlow(flow)` reads the baseline, then `observe(flow)`
 * updates it, so the first sight of a destination scores never-seen and later ones do not. Allowlists are applied here, at alert time, so a new entry also
 * covers destinations already in the baseline (rita-legacy#498).
 *
 * Not handled: correlation across flows (the same file on several hosts is a triage question, not a factor),
 * and names for a destination learned only after its flow ended.
 */
import { LRUCache } from 'lru-cache'
import { type DestinationBaseline, isFailedConnection, isNonUnicast } from '../baselines/destination-baseline.js'
import { Counters } from '../counters.js'
import { type DetectionContext, makeAlert, severityForScore } from '../detection.js'
import inboundTransfer from '../detections/inbound-transfer.js'
import type { AlertEvent, AlertFile, FlowRecord, ScoreFactor, SensorEvent } from '../events.js'
import { AddressSet, parseIpv4, parseIpv6 } from '../net/address-set.js'
import {
  compileFileRisk,
  type DestinationAllowlist,
  directionModifier,
  downloadAgentFactor,
  type FileFacts,
  type FileRiskTable,
  fileTypeFactor,
  formatBytes,
  inboundBytes,
  inboundRatio,
  inboundRatioFactor,
  inboundVolumeFactor,
  isAddressEntry,
  isoDate,
  type Modifier,
  matchAllowedAgent,
  matchAllowedDestination,
  neverSeenHostFactor,
  neverSeenSiteFactor,
  offHoursFactor,
  prevalenceModifier,
  riskyProtocolFactor,
  type ScorerConfig,
  type Subscore,
  sampledModifier,
  sidesOf,
} from './factors.js'
import { type TriageAnswers, triageFor } from './triage.js'
import { WorkingHours } from './working-hours.js'

/** Per-detection switches as the config gives them. */
export interface ScorerDetectionConfig {
  readonly enabled?: boolean
  readonly params?: Readonly<Record<string, unknown>>
}

export interface ScorerOptions {
  /** Learn mode (`baseline learn`): observe everything, alert on nothing. */
  readonly learnOnly?: boolean
  /** Where to count; a fresh Counters when absent. */
  readonly counters?: Counters
  /**
   * The internal-address set the baseline was built with (the same object, from `config.internal`): the scorer
   * then judges it in place of its own, and hands its answers for a flow to the baseline's `observeSides`, so
   * each address of a flow is judged once. Without it the scorer builds its own set from `config.internal`.
   */
  readonly internal?: AddressSet
}

/** Flow context gathered from app-layer events until the flow ends (bounded). */
interface FlowContext {
  ua?: string
  host?: string
  file?: FileFacts
  fileRisk?: number
}

/** Flows whose app-layer context is remembered until they end. */
const FLOW_CONTEXT_MAX = 65_536

const round1 = (x: number): number => Math.round(x * 10) / 10

/** Bounds of the context factor the scorer applies to a detection's base score (docs/alerts.md). */
export const CONTEXT_MIN = 0.8
export const CONTEXT_MAX = 1.35
/** Lowest score of the critical band. */
const CRITICAL_FLOOR = 85
/**
 * Lowest base score the context may lift into critical: the detection itself must have seen more than one strong
 * indicator (a LOLBin fetching an executable, a type that lies); one strong indicator plus context stays high.
 */
export const CRITICAL_BASE_MIN = 70
/** Lower bounds of the severity bands (analytics/detection.ts severityForScore). */
const BAND_FLOORS = [0, 20, 40, 65, 85] as const
/** The chain detection correlates already-enriched alerts. */
const CHAIN_ID = 'chain'

/** One multiplicative context factor for a detection alert. */
interface ContextMultiplier {
  readonly factor: string
  /** Multiplier on the score (1 = neutral). */
  readonly mult: number
  readonly value?: string | number | boolean | undefined
  readonly note: string
}

/** Index of the severity band a score falls in (0 info .. 4 critical). */
function bandOf(score: number): number {
  let b = 0
  for (let i = 0; i < BAND_FLOORS.length; i++) if (score >= (BAND_FLOORS[i] ?? 0)) b = i
  return b
}

/**
 * Applies context multipliers to a detection's base score: each factor's points are the change it makes in turn;
 * the overall factor is clamped to [CONTEXT_MIN, CONTEXT_MAX], and the result may rise at most one severity band
 * above the base score's band. Clamps appear as their own `context_bound` row.
 */
export function applyContext(
  base: number,
  mults: readonly ContextMultiplier[],
): { score: number; reasons: string[]; factors: ScoreFactor[] } {
  const reasons: string[] = []
  const factors: ScoreFactor[] = []
  let total = base
  let product = 1
  for (const m of mults) {
    product *= m.mult
    const points = round1(total * (m.mult - 1))
    total += points
    const v = m.value
    factors.push(v !== undefined ? { factor: m.factor, points, value: v } : { factor: m.factor, points })
    if (points !== 0) reasons.push(`${m.note}: ×${Math.round(m.mult * 100) / 100} (${points >= 0 ? '+' : ''}${points})`)
  }
  let bounded = base * Math.max(CONTEXT_MIN, Math.min(CONTEXT_MAX, product))
  let why = ''
  if (product > CONTEXT_MAX) why = `context factor capped at ×${CONTEXT_MAX}`
  else if (product < CONTEXT_MIN) why = `context factor floored at ×${CONTEXT_MIN}`
  const ceilingBand = Math.min(4, bandOf(base) + 1)
  const ceiling = ceilingBand < 4 ? (BAND_FLOORS[ceilingBand + 1] ?? 100) - 1 : 100
  if (bounded > ceiling && ceiling < 100) {
    bounded = ceiling
    why = `context raises at most one severity band (at most ${ceiling})`
  } else if (bounded >= CRITICAL_FLOOR && base < CRITICAL_BASE_MIN) {
    bounded = CRITICAL_FLOOR - 1
    why = `context alone does not make an alert critical (base ${base} < ${CRITICAL_BASE_MIN}): at most ${CRITICAL_FLOOR - 1}`
  }
  const final = Math.max(0, Math.min(100, Math.round(bounded)))
  const rest = round1(final - total)
  if (why === '' && Math.round(bounded) > 100) why = 'score capped at 100'
  if (why !== '' && rest !== 0) {
    factors.push({ factor: 'context_bound', points: rest, value: Math.round((final / Math.max(1, base)) * 100) / 100 })
    reasons.push(`${why}: ${rest}`)
  }
  return { score: final, reasons, factors }
}

/** A string field of alert details, if present. */
function detailString(a: AlertEvent, key: string): string | undefined {
  const v = a.details?.[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function isAddress(s: string): boolean {
  return parseIpv4(s) !== undefined || parseIpv6(s) !== undefined
}

export class Scorer {
  readonly counters: Counters
  private readonly internal: AddressSet
  private readonly ctx: DetectionContext
  private readonly hours: WorkingHours
  private readonly fileRisk: FileRiskTable
  private readonly allow: DestinationAllowlist
  private readonly flows = new LRUCache<string, FlowContext>({ max: FLOW_CONTEXT_MAX })
  private readonly learnOnly: boolean
  private readonly enabled: boolean
  private readonly suppressFor: number
  private readonly requireNeverSeen: boolean
  /** True when `internal` is the baseline's own set, so the answers for a flow can be handed to it. */
  private readonly sharedInternal: boolean
  /** The last flow `scoreFlow` judged and its answers, for the `observe` of the same flow that follows. */
  private judgedRec: FlowRecord | undefined
  private judgedOrigIn = false
  private judgedRespIn = false

  constructor(
    private readonly config: ScorerConfig & {
      readonly detections?: Readonly<Record<string, ScorerDetectionConfig>>
    },
    readonly baseline: DestinationBaseline,
    options: ScorerOptions = {},
  ) {
    this.counters = options.counters ?? new Counters()
    this.learnOnly = options.learnOnly ?? false
    this.internal = options.internal ?? new AddressSet(config.internal)
    this.sharedInternal = options.internal !== undefined && baseline.internalSet === options.internal
    this.ctx = { internal: this.internal }
    this.hours = new WorkingHours(config.working_hours)
    this.fileRisk = compileFileRisk(config.file_type_risk_patterns)
    const cidrs: string[] = []
    const suffixes: string[] = []
    for (const e of config.allowed_destinations) {
      if (isAddressEntry(e)) cidrs.push(e)
      else
        suffixes.push(
          e
            .toLowerCase()
            .replace(/^\*?\./, '')
            .replace(/\.$/, ''),
        )
    }
    this.allow = { cidrs: new AddressSet(cidrs), suffixes }
    const det = config.detections?.[inboundTransfer.id]
    this.enabled = det?.enabled ?? true
    const s = det?.params?.suppress_for_s
    this.suppressFor = typeof s === 'number' ? s : inboundTransfer.params.suppress_for_s
    const r = det?.params?.require_never_seen
    this.requireNeverSeen = typeof r === 'boolean' ? r : inboundTransfer.params.require_never_seen
  }

  /**
   * Learns from an event: an ended flow updates the baseline (call it after `scoreFlow` for the same flow;
   * `baseline learn` calls only this); DNS answers, TLS SNI and HTTP Host name destinations; HTTP user
   * agents and downloaded files are kept per flow until the flow ends and is scored.
   */
  observe(ev: SensorEvent): void {
    switch (ev.kind) {
      case 'flow': {
        let updated: boolean
        if (ev === this.judgedRec) {
          // scoreFlow already judged both addresses of this flow against the baseline's set.
          this.judgedRec = undefined
          updated = this.baseline.observeSides(ev, this.judgedOrigIn, this.judgedRespIn)
        } else updated = this.baseline.observeFlow(ev)
        if (updated) this.counters.inc('scorer_baseline_updates_total')
        break
      }
      case 'dns':
        for (const a of ev.answers) this.baseline.observeName(a, ev.query, ev.ts)
        break
      case 'tls':
        if (ev.sni) this.baseline.observeName(ev.resp_h, ev.sni, ev.ts)
        break
      case 'http': {
        const host = ev.host?.replace(/:\d+$/, '')
        if (host && !isAddress(host)) this.baseline.observeName(ev.resp_h, host, ev.ts)
        const c = this.flowCtx(ev.uid)
        if (ev.user_agent) c.ua = ev.user_agent
        if (host) c.host = host
        break
      }
      case 'file': {
        if (ev.direction !== 'download') break
        const f: FileFacts = { type: ev.type, type_detail: ev.type_detail, name: ev.name }
        const risk = fileTypeFactor(f, this.fileRisk).subscore
        const c = this.flowCtx(ev.uid)
        if (c.file === undefined || risk > (c.fileRisk ?? 0)) {
          c.file = f
          c.fileRisk = risk
        }
        const ua = ev.context?.user_agent
        if (typeof ua === 'string' && ua !== '' && c.ua === undefined) c.ua = ua
        break
      }
      default:
        break
    }
  }

  /**
   * Scores one ended flow against the baseline as it stood before the flow (it does not update it: call
   * `observe(rec)` next). Returns the `inbound-transfer` alert when the flow is an inbound-heavy transfer past
   * the size and ratio gates, from a destination the host never used (unless the detection's
   * `require_never_seen` is false), whose score reaches `scoring.alert_threshold`, and no allowlist suppresses it.
   */
  scoreFlow(rec: FlowRecord): AlertEvent | undefined {
    this.counters.inc('scorer_flows_total')
    const c = this.flows.get(rec.uid)
    if (c) this.flows.delete(rec.uid)
    if (this.learnOnly || !this.enabled) return undefined
    if (isFailedConnection(rec)) {
      this.counters.inc('scorer_flows_skipped_total', 'no_data')
      return undefined
    }
    const alert = this.scoreTransfer(rec, c)
    if (alert) this.counters.inc('scorer_alerts_total', inboundTransfer.id)
    return alert
  }

  /** `scoreFlow` then `observe`, for callers without an engine (tests, tools). */
  scoreAndObserve(rec: FlowRecord): AlertEvent | undefined {
    const a = this.scoreFlow(rec)
    this.observe(rec)
    return a
  }

  private scoreTransfer(rec: FlowRecord, c: FlowContext | undefined): AlertEvent | undefined {
    // The same decisions as factors.flowSides, without building the sides for the many flows below the size gate.
    const origIn = this.internal.has(rec.orig_h)
    const respIn = this.internal.has(rec.resp_h)
    if (this.sharedInternal) {
      this.judgedRec = rec
      this.judgedOrigIn = origIn
      this.judgedRespIn = respIn
    }
    if (origIn === respIn || isNonUnicast(origIn ? rec.resp_h : rec.orig_h)) {
      this.counters.inc('scorer_flows_skipped_total', 'not_boundary')
      return undefined
    }
    const cfg = this.config
    const s = cfg.scoring
    if (inboundBytes(rec, origIn) < cfg.ingress_bytes_threshold) {
      this.counters.inc('scorer_flows_skipped_total', 'below_threshold')
      return undefined
    }
    const sides = sidesOf(rec, origIn)
    if (!sides.undirected && inboundRatio(sides.inBytes, sides.outBytes) < cfg.min_inbound_ratio) {
      this.counters.inc('scorer_flows_skipped_total', 'not_inbound_heavy')
      return undefined
    }
    const look = this.baseline.lookup(sides.host, sides.dest)
    const learning = this.baseline.isLearning(sides.host, rec.ts)
    if (this.requireNeverSeen && (learning || look.hostFirstSeen !== undefined)) {
      this.counters.inc('scorer_flows_skipped_total', learning ? 'host_learning' : 'destination_known')
      return undefined
    }
    const seen = { hostFirstSeen: look.hostFirstSeen, siteFirstSeen: look.siteFirstSeen, learning }
    const subs: Subscore[] = [
      inboundRatioFactor(sides.inBytes, sides.outBytes, sides.undirected),
      inboundVolumeFactor(sides.inBytes, cfg.ingress_bytes_threshold),
      neverSeenHostFactor(seen, rec.ts, s.recent_days),
      neverSeenSiteFactor(seen),
      fileTypeFactor(c?.file, this.fileRisk),
      downloadAgentFactor(c?.ua, s.download_agents),
      riskyProtocolFactor(rec.service, rec.proto, sides.destPort),
      offHoursFactor(rec.ts, this.hours),
    ]
    const mods = [prevalenceModifier(look, s), directionModifier(rec, s), sampledModifier(rec, s)]
    const names = [...look.names]
    for (const n of [rec.server_name, c?.host]) if (n && !isAddress(n) && !names.includes(n)) names.push(n)
    const scored = this.combine(0, subs, mods)
    const allowed = this.applyAllowlists(scored, sides.dest, names, c?.ua)
    if (allowed === undefined) return undefined
    if (allowed.score < s.alert_threshold) {
      this.counters.inc('scorer_flows_skipped_total', 'below_alert_threshold')
      return undefined
    }
    const neverSeen = look.hostFirstSeen === undefined
    const name = names[0]
    const ratio = inboundRatio(sides.inBytes, sides.outBytes)
    const details: Record<string, string | number | boolean> = {
      host: sides.host,
      dest: sides.dest,
      inbound_bytes: sides.inBytes,
      outbound_bytes: sides.outBytes,
      prevalence: look.prevalence,
      site_hosts: look.siteHosts,
      learning,
      direction_reliable: !(rec.history.includes('^') || rec.conn_state === 'OTH'),
    }
    if (!sides.undirected) details.inbound_ratio = round1(ratio)
    else details.bytes_undirected = true
    if (rec.estimated) details.estimated = true
    if (rec.sampling !== undefined) details.sampling = rec.sampling
    if (names.length) details.dest_names = names.join(',')
    if (c?.ua) details.user_agent = c.ua
    if (look.siteFirstSeen !== undefined) details.site_first_seen = isoDate(look.siteFirstSeen)
    const base = makeAlert(inboundTransfer, this.ctx, {
      ts: rec.ts,
      source: rec.source,
      message:
        `${sides.host} received ${formatBytes(sides.inBytes)} from ${sides.dest}${name ? ` (${name})` : ''} ` +
        `port ${sides.destPort}/${rec.proto}; ` +
        (neverSeen ? 'never seen before by this host' : `first seen by this host ${isoDate(look.hostFirstSeen ?? 0)}`) +
        '.',
      score: allowed.score,
      reasons: allowed.reasons,
      score_factors: allowed.factors,
      evidence: [
        {
          ts: rec.ts,
          source: rec.source_kind,
          what: `Flow ${rec.uid} ${rec.orig_h}:${rec.orig_p} -> ${rec.resp_h}:${rec.resp_p}/${rec.proto} ended (${rec.end_reason}).`,
          uid: rec.uid,
          conn_state: rec.conn_state,
          history: rec.history,
          duration: rec.duration,
          orig_bytes: rec.orig_bytes,
          resp_bytes: rec.resp_bytes,
          orig_ip_bytes: rec.orig_ip_bytes,
          resp_ip_bytes: rec.resp_ip_bytes,
          orig_pkts: rec.orig_pkts,
          resp_pkts: rec.resp_pkts,
        },
      ],
      identifier: `${inboundTransfer.id}:${sides.host}:${sides.dest}`,
      suppress_for: this.suppressFor,
      conn: rec,
      ...(rec.service ? { service: rec.service } : {}),
      ...(c?.file ? { file: alertFile(c.file, sides.inBytes) } : {}),
      details,
    })
    const answers = this.answers(base, subs, look.prevalence, look.siteHosts, allowed.allowlisted)
    return {
      ...base,
      ...(neverSeen ? { never_seen: true } : { first_seen: isoDate(look.hostFirstSeen ?? 0) }),
      triage: triageFor(base.detection, base.technique, answers),
    }
  }

  /**
   * Enriches an alert raised by a detection with context the detection cannot know, as a bounded multiplicative
   * factor on the detection's base score (docs/alerts.md, "How the score is built"): never-seen destination for
   * the host (×(1 + 0.75·w)) and for the site (×(1 + w)), a destination known to the host for longer than
   * `recent_days` (×(1 − 0.5·w)), off-hours (×(1 + w)), prevalence (× (1 − prevalence_discount)); the product is
   * clamped to [CONTEXT_MIN, CONTEXT_MAX] and the result may rise by at most one severity band over the base
   * score's band (an info contact ends at low at most). The alert's own content (file type, user agent) is the
   * detection's to score and is never added again; factors the detection already scored (same name) are skipped.
   * Then allowlists (including `allowed_agents` against `details.user_agent`), final score, severity (always
   * `severityForScore` of the final score) and triage. Returns undefined when an allowlist suppresses it
   * (counted) or in learn mode.
   */
  enrichAlert(alert: AlertEvent): AlertEvent | undefined {
    if (this.learnOnly) {
      this.counters.inc('scorer_alerts_dropped_total', 'learn_mode')
      return undefined
    }
    if (alert.detection === inboundTransfer.id && alert.triage !== undefined) return alert
    this.counters.inc('scorer_alerts_enriched_total', alert.detection)
    const have = new Set((alert.score_factors ?? []).map((f) => f.factor))
    const subs: Subscore[] = []
    const mults: ContextMultiplier[] = []
    const w = this.config.scoring.weights
    let host: string | undefined
    let dest: string | undefined
    if (alert.orig_h !== undefined && alert.resp_h !== undefined) {
      const oi = this.internal.has(alert.orig_h)
      const ri = this.internal.has(alert.resp_h)
      if (oi !== ri) {
        host = oi ? alert.orig_h : alert.resp_h
        dest = oi ? alert.resp_h : alert.orig_h
      }
    }
    // A correlation of alerts (chain) carries its parts' context already: only allowlists and triage apply.
    const contextual = alert.detection !== CHAIN_ID
    const names: string[] = []
    let prevalence = 0
    let siteHosts = 0
    let neverSeen: boolean | undefined
    let firstSeen: number | undefined
    if (host !== undefined && dest !== undefined) {
      const look = this.baseline.lookup(host, dest)
      const learning = this.baseline.isLearning(host, alert.ts)
      const seen = { hostFirstSeen: look.hostFirstSeen, siteFirstSeen: look.siteFirstSeen, learning }
      const recentDays = this.config.scoring.recent_days
      if (contextual && !have.has('never_seen_host')) {
        const f = neverSeenHostFactor(seen, alert.ts, recentDays)
        subs.push(f)
        const known = !learning && f.subscore === 0 && look.hostFirstSeen !== undefined
        const m = known ? 1 - 0.5 * w.never_seen_host : 1 + 0.75 * w.never_seen_host * f.subscore
        mults.push({ factor: 'never_seen_host', mult: m, value: f.value, note: f.note })
      }
      if (contextual && !have.has('never_seen_site')) {
        const f = neverSeenSiteFactor(seen)
        subs.push(f)
        mults.push({
          factor: 'never_seen_site',
          mult: 1 + w.never_seen_site * f.subscore,
          value: f.value,
          note: f.note,
        })
      }
      const prev = contextual ? prevalenceModifier(look, this.config.scoring) : undefined
      if (prev) mults.push({ factor: prev.factor, mult: prev.keep, value: prev.value, note: prev.note })
      names.push(...look.names)
      prevalence = look.prevalence
      siteHosts = look.siteHosts
      neverSeen = look.hostFirstSeen === undefined
      firstSeen = look.hostFirstSeen
    }
    for (const k of ['host', 'server_name', 'sni', 'dest_host']) {
      const n = detailString(alert, k)
      if (n && !isAddress(n) && !names.includes(n)) names.push(n)
    }
    const ua = detailString(alert, 'user_agent')
    if (contextual && !have.has('off_hours')) {
      const f = offHoursFactor(alert.ts, this.hours)
      subs.push(f)
      mults.push({ factor: 'off_hours', mult: 1 + w.off_hours * f.subscore, value: f.value, note: f.note })
    }
    const scored = applyContext(alert.score, mults)
    const allowed = this.applyAllowlists(scored, dest, names, ua)
    if (allowed === undefined) return undefined
    const score = Math.max(0, Math.min(100, allowed.score))
    const out: AlertEvent = {
      ...alert,
      score,
      severity: severityForScore(score),
      reasons: [...alert.reasons, ...allowed.reasons],
      score_factors: [...baseFactors(alert), ...allowed.factors],
      ...(neverSeen === true ? { never_seen: true } : {}),
      ...(neverSeen === false && firstSeen !== undefined ? { first_seen: isoDate(firstSeen) } : {}),
    }
    const answers = this.answers(out, subs, prevalence, siteHosts, allowed.allowlisted)
    return { ...out, triage: triageFor(out.detection, out.technique, answers) }
  }

  /** Weighted sum of the subscores on top of `base`, then the modifiers in order. */
  private combine(
    base: number,
    subs: readonly Subscore[],
    mods: readonly (Modifier | undefined)[],
  ): { score: number; reasons: string[]; factors: ScoreFactor[] } {
    const w = this.config.scoring.weights
    const reasons: string[] = []
    const factors: ScoreFactor[] = []
    let total = base
    for (const s of subs) {
      const points = round1(w[s.factor] * 100 * s.subscore)
      total += points
      factors.push(s.value !== undefined ? { factor: s.factor, points, value: s.value } : { factor: s.factor, points })
      if (points !== 0) reasons.push(`${s.note}: +${points}`)
    }
    for (const m of mods) {
      if (m === undefined) continue
      const points = round1(-total * (1 - m.keep))
      total += points
      factors.push(m.value !== undefined ? { factor: m.factor, points, value: m.value } : { factor: m.factor, points })
      reasons.push(`${m.note}: ${points}`)
    }
    return { score: Math.max(0, Math.min(100, Math.round(total))), reasons, factors }
  }

  /** Applies allowed_destinations and allowed_agents: undefined when suppressed, else the (capped) score. */
  private applyAllowlists(
    scored: { score: number; reasons: string[]; factors: ScoreFactor[] },
    dest: string | undefined,
    names: readonly string[],
    ua: string | undefined,
  ): { score: number; reasons: string[]; factors: ScoreFactor[]; allowlisted: boolean } | undefined {
    const byDest = matchAllowedDestination(dest, names, this.allow)
    const byAgent = byDest === undefined ? matchAllowedAgent(ua, this.config.allowed_agents) : undefined
    if (byDest === undefined && byAgent === undefined) return { ...scored, allowlisted: false }
    const which = byDest !== undefined ? 'allowed_destinations' : 'allowed_agents'
    const entry = byDest ?? byAgent ?? ''
    if (this.config.scoring.allowlist_action === 'suppress') {
      this.counters.inc('scorer_suppressed_total', which)
      return undefined
    }
    const cap = this.config.scoring.allowlist_cap
    const points = Math.min(0, cap - scored.score)
    this.counters.inc('scorer_capped_total', which)
    return {
      score: Math.min(scored.score, cap),
      reasons: [...scored.reasons, `${which} entry "${entry}" matches: score capped at ${cap} (${points})`],
      factors: [...scored.factors, { factor: 'allowlisted', points, value: `${which}:${entry}` }],
      allowlisted: true,
    }
  }

  private answers(
    a: AlertEvent,
    subs: readonly Subscore[],
    prevalence: number,
    siteHosts: number,
    allowlisted: boolean,
  ): TriageAnswers {
    const out: TriageAnswers = {}
    const by = new Map(subs.map((s) => [s.factor, s]))
    const off = by.get('off_hours')
    if (off) out.off_hours = `${off.subscore > 0 ? 'yes' : 'no'}, ${off.value}.`
    const names = detailString(a, 'dest_names')
    out.destination = allowlisted
      ? 'it matches an allowlist entry.'
      : `not allowlisted${names ? ` (names: ${names})` : ''}.`
    const vol = by.get('inbound_volume')
    if (vol && typeof vol.value === 'number') out.volume = `${formatBytes(vol.value)} inbound.`
    const host = by.get('never_seen_host')
    if (host) out.first_seen = `${host.note}.`
    if (siteHosts > 0 || prevalence > 0) {
      out.prevalence = `${prevalence} of ${siteHosts} known internal hosts used this destination before.`
    }
    const f = by.get('file_type')
    if (f && f.value !== undefined) out.file = `${f.note}.`
    const ag = by.get('download_agent')
    if (ag && ag.value !== undefined) out.agent = `${ag.note}.`
    return out
  }

  private flowCtx(uid: string): FlowContext {
    let c = this.flows.get(uid)
    if (c === undefined) {
      c = {}
      this.flows.set(uid, c)
    }
    return c
  }
}

/**
 * The detection's own rows, completed so they sum to its base score: a detection that explains its score in
 * `reasons` only gets one `base` row; one whose rows pass 100 (clamped by makeAlert) gets a `base_bound` row.
 */
function baseFactors(alert: AlertEvent): readonly ScoreFactor[] {
  const own = alert.score_factors ?? []
  if (own.length === 0) return [{ factor: 'base', points: alert.score }]
  const sum = own.reduce((t, f) => t + f.points, 0)
  const rest = round1(alert.score - sum)
  return Math.abs(rest) >= 0.5 ? [...own, { factor: 'base_bound', points: rest }] : own
}

function alertFile(f: FileFacts, bytes: number): AlertFile {
  return {
    direction: 'download',
    bytes,
    type: f.type,
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(f.type_detail !== undefined ? { type_detail: f.type_detail } : {}),
  }
}
