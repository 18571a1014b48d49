/**
 * The scoring factors (STYLE 2.5, RITA modifier rows). Each factor is a pure function that returns a named
 * subscore in [0,1]; the scorer multiplies it by the factor's weight (weights sum to 1) and by 100 to get
 * the points shown in `score_factors` and `reasons`. Modifiers (prevalence, direction confidence,
 * sampling) then scale the sum down; allowlists suppress or cap. Every threshold comes from the config.
 *
 * Byte counts come from IP lengths and IP-length-derived payload counts (FlowRecord `*_ip_bytes`,
 * `*_bytes`), never from sequence-number arithmetic (zeek#3313). Not handled here: protocol/port mismatch
 * and file magic themselves (other detections raise those; the scorer only weighs their results).
 */
import { isNonUnicast } from '../baselines/destination-baseline.js'
import type { FileType, FlowRecord } from '../events.js'
import type { AddressSet } from '../net/address-set.js'
import type { WorkingHours, WorkingHoursConfig } from './working-hours.js'

/** Weights of the additive factors; each in [0,1], together summing to 1 (validated at config load). */
export interface ScoringWeights {
  /** Inbound/outbound byte ratio (download-heavy flows score higher). */
  readonly inbound_ratio: number
  /** Absolute inbound bytes against `ingress_bytes_threshold`. */
  readonly inbound_volume: number
  /** The internal host never exchanged data with the destination before. */
  readonly never_seen_host: number
  /** No internal host ever exchanged data with the destination before. */
  readonly never_seen_site: number
  /** Risk of the transferred file type (`file_type_risk_patterns`). */
  readonly file_type: number
  /** A download-tool user agent (curl, wget, certutil, BITS, PowerShell...). */
  readonly download_agent: number
  /** A risky transfer protocol (TFTP, FTP, finger full points; plain HTTP half). */
  readonly risky_protocol: number
  /** Outside the configured working hours. */
  readonly off_hours: number
}

export type WeightName = keyof ScoringWeights

/** The `scoring` section of the config. */
export interface ScoringSection {
  readonly weights: ScoringWeights
  /** Minimum final score (0..100) for a flow to become an `inbound-transfer` alert. */
  readonly alert_threshold: number
  /** What an allowlist match does: drop the alert (`suppress`) or cap its score (`cap`). */
  readonly allowlist_action: 'suppress' | 'cap'
  /** Score ceiling for allowlisted alerts when `allowlist_action` is `cap`. */
  readonly allowlist_cap: number
  /** A destination first seen by the host fewer than this many days ago still gets a quarter of the never-seen points. */
  readonly recent_days: number
  /** Share of internal hosts (0..1) at or above which a destination counts as common. */
  readonly common_destination_fraction: number
  /** Fewest known internal hosts before prevalence is judged at all. */
  readonly prevalence_min_hosts: number
  /** Fraction (0..1) removed from the score for a common destination (RITA uses 0.15). */
  readonly prevalence_discount: number
  /** Fraction removed when the flow's direction is unreliable (history `^`, conn_state OTH). */
  readonly unreliable_direction_discount: number
  /** Fraction removed when byte counts were estimated from sampled flow exports. */
  readonly sampled_discount: number
  /** User-agent substrings of download tools (case-insensitive). */
  readonly download_agents: readonly string[]
}

/** The parts of the sensor config the scorer reads (sensor/config.ts SensorConfig is assignable to it). */
export interface ScorerConfig {
  readonly internal: readonly string[]
  readonly ingress_bytes_threshold: number
  readonly min_inbound_ratio: number
  readonly allowed_destinations: readonly string[]
  readonly allowed_agents: readonly string[]
  readonly file_type_risk_patterns: Readonly<Record<string, number>>
  readonly working_hours: WorkingHoursConfig
  readonly scoring: ScoringSection
}

/** One factor's result before weighting. */
export interface Subscore {
  readonly factor: WeightName
  /** 0..1. */
  readonly subscore: number
  readonly value?: string | number | boolean
  /** What was found, as a reason prefix ("never-seen destination for this host"). */
  readonly note: string
}

/** A multiplicative modifier: the score is multiplied by `keep` (0..1). */
export interface Modifier {
  readonly factor: string
  readonly keep: number
  readonly value?: string | number | boolean
  readonly note: string
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0)

/** The sides of a flow that crosses the internal/external boundary, with the bytes each way. */
export interface FlowSides {
  /** The internal host. */
  readonly host: string
  /** The external peer. */
  readonly dest: string
  readonly destPort: number
  /** True when the internal host initiated the flow. */
  readonly hostIsOrig: boolean
  /** Bytes the external side sent (into the network). */
  readonly inBytes: number
  /** Bytes the internal side sent. */
  readonly outBytes: number
  /** True when only a total is known (no direction split); the total is in inBytes. */
  readonly undirected: boolean
}

/** Bytes one side sent: payload by IP length for pcap (never above the IP bytes), IP bytes for exports/logs. */
export function sideBytes(rec: FlowRecord, orig: boolean): number {
  const payload = orig ? rec.orig_bytes : rec.resp_bytes
  const ip = orig ? rec.orig_ip_bytes : rec.resp_ip_bytes
  if (rec.source_kind === 'pcap') return ip > 0 ? Math.min(payload, ip) : payload
  return ip > 0 ? ip : payload
}

/** True for logs that report a total only (Cisco ASA 302014): scored by size, not by ratio. */
export function isUndirected(rec: FlowRecord): boolean {
  if (rec.bytes_undirected === true) return true
  return (
    rec.source_kind === 'syslog' &&
    rec.resp_bytes === 0 &&
    rec.resp_ip_bytes === 0 &&
    rec.resp_pkts === 0 &&
    rec.orig_bytes + rec.orig_ip_bytes > 0
  )
}

/** Splits a flow into internal host and external destination; undefined when it does not cross the boundary. */
export function flowSides(rec: FlowRecord, internal: AddressSet): FlowSides | undefined {
  const origIn = internal.has(rec.orig_h)
  const respIn = internal.has(rec.resp_h)
  if (origIn === respIn) return undefined
  if (isNonUnicast(origIn ? rec.resp_h : rec.orig_h)) return undefined
  return sidesOf(rec, origIn)
}

/**
 * Bytes the external side sent into the network: `flowSides(...).inBytes` for a boundary flow whose internal
 * side is the originator when `origIn`, without building the sides (the per-flow size gate).
 */
export function inboundBytes(rec: FlowRecord, origIn: boolean): number {
  const o = sideBytes(rec, true)
  const r = sideBytes(rec, false)
  if (isUndirected(rec)) return o + r
  return origIn ? r : o
}

/** The sides of a flow known to cross the boundary; the internal host is the originator when `origIn`. */
export function sidesOf(rec: FlowRecord, origIn: boolean): FlowSides {
  const o = sideBytes(rec, true)
  const r = sideBytes(rec, false)
  // A total-only log has no direction: all of it counts as inbound.
  const undirected = isUndirected(rec)
  const hostBytes = origIn ? o : r
  const destBytes = origIn ? r : o
  const inBytes = undirected ? o + r : destBytes
  const outBytes = undirected ? 0 : hostBytes
  return origIn
    ? { host: rec.orig_h, dest: rec.resp_h, destPort: rec.resp_p, hostIsOrig: true, inBytes, outBytes, undirected }
    : { host: rec.resp_h, dest: rec.orig_h, destPort: rec.orig_p, hostIsOrig: false, inBytes, outBytes, undirected }
}

/** Inbound bytes divided by outbound bytes (outbound floored at 1 byte). */
export function inboundRatio(inBytes: number, outBytes: number): number {
  return inBytes / Math.max(1, outBytes)
}

/** Ratio 1 → 0, 10 → 0.5, 100 or more → 1 (log scale). Undirected flows get 0 and say why. */
export function inboundRatioFactor(inBytes: number, outBytes: number, undirected: boolean): Subscore {
  if (undirected) {
    return { factor: 'inbound_ratio', subscore: 0, value: 'n/a', note: 'no direction split (total bytes only)' }
  }
  const ratio = inboundRatio(inBytes, outBytes)
  return {
    factor: 'inbound_ratio',
    subscore: clamp01(Math.log10(Math.max(1, ratio)) / 2),
    value: Math.round(ratio * 10) / 10,
    note: `inbound/outbound byte ratio ${formatRatio(ratio)}`,
  }
}

/** At the threshold 0.5; 10× the threshold 1; below it proportional (half the bytes → 0.25). */
export function inboundVolumeFactor(inBytes: number, threshold: number): Subscore {
  const s = inBytes >= threshold ? 0.5 + 0.5 * Math.log10(inBytes / threshold) : (0.5 * inBytes) / threshold
  return {
    factor: 'inbound_volume',
    subscore: clamp01(s),
    value: inBytes,
    note: `${formatBytes(inBytes)} inbound (threshold ${formatBytes(threshold)})`,
  }
}

/** Baseline facts the never-seen factors read. */
export interface SeenFacts {
  readonly hostFirstSeen: number | undefined
  readonly siteFirstSeen: number | undefined
  readonly learning: boolean
}

/** Never seen by the host → 1; first seen fewer than `recentDays` ago → 0.25; otherwise 0; learning host → 0. */
export function neverSeenHostFactor(f: SeenFacts, ts: number, recentDays: number): Subscore {
  if (f.learning) {
    return { factor: 'never_seen_host', subscore: 0, value: 'learning', note: 'host in learning period' }
  }
  if (f.hostFirstSeen === undefined) {
    return { factor: 'never_seen_host', subscore: 1, value: true, note: 'never-seen destination for this host' }
  }
  const ageDays = (ts - f.hostFirstSeen) / 86_400
  const recent = ageDays < recentDays
  return {
    factor: 'never_seen_host',
    subscore: recent ? 0.25 : 0,
    value: isoDate(f.hostFirstSeen),
    note: `destination first seen by this host ${isoDate(f.hostFirstSeen)}${recent ? ` (under ${recentDays} days)` : ''}`,
  }
}

/** No internal host has seen the destination → 1, else 0; learning host → 0. */
export function neverSeenSiteFactor(f: SeenFacts): Subscore {
  if (f.learning) return { factor: 'never_seen_site', subscore: 0, value: 'learning', note: 'host in learning period' }
  if (f.siteFirstSeen === undefined) {
    return { factor: 'never_seen_site', subscore: 1, value: true, note: 'never-seen destination for the site' }
  }
  return {
    factor: 'never_seen_site',
    subscore: 0,
    value: isoDate(f.siteFirstSeen),
    note: `destination known to the site since ${isoDate(f.siteFirstSeen)}`,
  }
}

/** A transferred file as the file-type factor sees it. */
export interface FileFacts {
  readonly type: FileType
  readonly type_detail?: string | undefined
  readonly name?: string | undefined
}

/** A compiled `file_type_risk_patterns` table. */
export interface FileRiskTable {
  readonly byType: ReadonlyMap<string, number>
  readonly byName: readonly { readonly re: RegExp; readonly pattern: string; readonly weight: number }[]
}

/**
 * Compiles patterns: a key with `*` or `.` is a case-insensitive file-name glob (`*.ps1`); any other key is
 * a file type or type detail (`pe`, `elf`, `script`, `powershell`).
 */
export function compileFileRisk(patterns: Readonly<Record<string, number>>): FileRiskTable {
  const byType = new Map<string, number>()
  const byName: { re: RegExp; pattern: string; weight: number }[] = []
  for (const [k, w] of Object.entries(patterns)) {
    if (/[*.?]/.test(k)) {
      const src = k
        .split('*')
        .map((part) => part.replace(/[.+^${}()|[\]\\?]/g, (c) => (c === '?' ? '.' : `\\${c}`)))
        .join('.*')
      byName.push({ re: new RegExp(`^${src}$`, 'i'), pattern: k, weight: w })
    } else byType.set(k.toLowerCase(), w)
  }
  return { byType, byName }
}

/** The highest risk weight any pattern gives the file; 0 when none matches or there is no file. */
export function fileTypeFactor(file: FileFacts | undefined, table: FileRiskTable): Subscore {
  if (file === undefined) return { factor: 'file_type', subscore: 0, note: 'no file identified' }
  let best = 0
  let why = ''
  const consider = (w: number | undefined, label: string): void => {
    if (w !== undefined && w > best) {
      best = w
      why = label
    }
  }
  consider(table.byType.get(file.type), file.type)
  if (file.type_detail) consider(table.byType.get(file.type_detail.toLowerCase()), file.type_detail)
  const base = file.name ? (file.name.split(/[\\/]/).pop() ?? file.name) : undefined
  if (base) for (const n of table.byName) if (n.re.test(base)) consider(n.weight, n.pattern)
  const label = file.type_detail ?? file.type
  return {
    factor: 'file_type',
    subscore: clamp01(best),
    value: label,
    note: best > 0 ? `file type ${label}${file.name ? ` (${file.name})` : ''} matches ${why}` : `file type ${label}`,
  }
}

/** 1 when the user agent contains a download-tool marker (case-insensitive). */
export function downloadAgentFactor(ua: string | undefined, markers: readonly string[]): Subscore {
  if (ua === undefined || ua === '') return { factor: 'download_agent', subscore: 0, note: 'no user agent' }
  const l = ua.toLowerCase()
  const hit = markers.find((m) => m !== '' && l.includes(m.toLowerCase()))
  return hit
    ? { factor: 'download_agent', subscore: 1, value: ua, note: `download-tool user agent "${ua}"` }
    : { factor: 'download_agent', subscore: 0, value: ua, note: `user agent "${ua}"` }
}

const RISKY_FULL = new Set(['tftp', 'ftp', 'ftp-data', 'finger'])

/**
 * TFTP, FTP, finger → 1; plain HTTP → 0.5; anything else 0. The confirmed service wins; without one the
 * well-known server port decides (69/udp, 20-21/tcp, 79/tcp, 80/tcp).
 */
export function riskyProtocolFactor(service: string | undefined, proto: string, serverPort: number): Subscore {
  const services = (service ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && !s.startsWith('-'))
  let name = services.find((s) => RISKY_FULL.has(s)) ?? services.find((s) => s === 'http') ?? services[0]
  if (name === undefined) {
    if (proto === 'udp' && serverPort === 69) name = 'tftp'
    else if (proto === 'tcp' && (serverPort === 21 || serverPort === 20)) name = 'ftp'
    else if (proto === 'tcp' && serverPort === 79) name = 'finger'
    else if (proto === 'tcp' && serverPort === 80) name = 'http'
  }
  if (name === undefined) return { factor: 'risky_protocol', subscore: 0, note: 'protocol not identified' }
  if (RISKY_FULL.has(name))
    return { factor: 'risky_protocol', subscore: 1, value: name, note: `risky transfer protocol ${name}` }
  if (name === 'http')
    return { factor: 'risky_protocol', subscore: 0.5, value: name, note: 'unencrypted HTTP transfer' }
  return { factor: 'risky_protocol', subscore: 0, value: name, note: `protocol ${name}` }
}

/** 1 outside working hours, else 0. */
export function offHoursFactor(ts: number, wh: WorkingHours): Subscore {
  const t = wh.localTime(ts)
  const off = !wh.isWorking(t)
  return {
    factor: 'off_hours',
    subscore: off ? 1 : 0,
    value: t.text,
    note: `${off ? 'outside' : 'within'} working hours (${t.text} ${wh.config.timezone})`,
  }
}

/** Baseline prevalence facts. */
export interface PrevalenceFacts {
  readonly prevalence: number
  readonly siteHosts: number
}

/** A destination used by at least `common_destination_fraction` of internal hosts loses `prevalence_discount`. */
export function prevalenceModifier(f: PrevalenceFacts, s: ScoringSection): Modifier | undefined {
  if (f.siteHosts < s.prevalence_min_hosts || f.siteHosts === 0) return undefined
  const frac = f.prevalence / f.siteHosts
  if (frac < s.common_destination_fraction) return undefined
  return {
    factor: 'prevalence',
    keep: 1 - s.prevalence_discount,
    value: Math.round(frac * 1000) / 1000,
    note: `destination used by ${Math.round(frac * 100)}% of internal hosts (${f.prevalence}/${f.siteHosts})`,
  }
}

/** Zeek flipped the direction (`^`) or could not tell (OTH): the inbound/outbound split may be reversed. */
export function directionModifier(rec: FlowRecord, s: ScoringSection): Modifier | undefined {
  const flipped = rec.history.includes('^')
  if (!flipped && rec.conn_state !== 'OTH') return undefined
  return {
    factor: 'direction_confidence',
    keep: 1 - s.unreliable_direction_discount,
    value: flipped ? 'history ^' : 'conn_state OTH',
    note: `direction unreliable (${flipped ? 'history ^' : 'conn_state OTH'}): confidence downgrade`,
  }
}

/** Byte counts scaled up from sampled flow exports are estimates. */
export function sampledModifier(rec: FlowRecord, s: ScoringSection): Modifier | undefined {
  if (rec.estimated !== true) return undefined
  return {
    factor: 'sampled',
    keep: 1 - s.sampled_discount,
    value: rec.sampling ?? true,
    note: `bytes estimated from sampled flow export${rec.sampling ? ` (1:${rec.sampling})` : ''}`,
  }
}

/** A compiled destination allowlist: CIDRs and domain suffixes. */
export interface DestinationAllowlist {
  readonly cidrs: AddressSet
  readonly suffixes: readonly string[]
}

/** True for an allowlist entry that is an address or CIDR rather than a domain suffix. */
export function isAddressEntry(entry: string): boolean {
  return /^[0-9.]+(\/\d+)?$/.test(entry) || entry.includes(':')
}

/**
 * The allowlist entry that covers the destination (by address, or any of its names by domain suffix:
 * `example.com` covers `example.com` and `cdn.example.com`, never `badexample.com`), or undefined.
 */
export function matchAllowedDestination(
  ip: string | undefined,
  names: readonly string[],
  allow: DestinationAllowlist,
): string | undefined {
  if (ip !== undefined && allow.cidrs.size > 0 && allow.cidrs.has(ip)) return ip
  for (const raw of names) {
    const n = raw.toLowerCase().replace(/\.$/, '')
    for (const s of allow.suffixes) if (n === s || n.endsWith(`.${s}`)) return s
  }
  return undefined
}

/** The `allowed_agents` entry contained in the user agent (case-insensitive), or undefined. */
export function matchAllowedAgent(ua: string | undefined, allowed: readonly string[]): string | undefined {
  if (ua === undefined || ua === '') return undefined
  const l = ua.toLowerCase()
  return allowed.find((a) => a !== '' && l.includes(a.toLowerCase()))
}

export function isoDate(ts: number): string {
  return new Date(Math.round(ts * 1000)).toISOString()
}

export function formatBytes(n: number): string {
  if (n >= 1_000_000_000) return `${(n / 1_000_000_000).toFixed(2)} GB`
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(2)} MB`
  if (n >= 1_000) return `${(n / 1_000).toFixed(1)} kB`
  return `${n} B`
}

function formatRatio(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r.toFixed(1)
}
