/**
 * The sensor's configuration: one YAML or JSON file (YAML 1.2 reads JSON too) validated at start against
 * the schema below, which is the ONE place every knob, its default and its documentation live (Vector
 * `deny_unknown_fields`: an unknown key is an error, so a typo never silently keeps a default). Errors name
 * the key and the problem and are thrown as ConfigError (exit 1). docs/config.md is rendered from the same
 * schema (`renderConfigReference`) and a test keeps it in sync. CLI flags arrive as `overrides`.
 * Not handled: reloading at run time, environment-variable interpolation.
 */
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import YAML from 'yaml'
import { DETECTIONS } from '../analytics/detections/index.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import type { ScoringSection, ScoringWeights } from '../analytics/scoring/factors.js'
import { isValidTimeZone, parseClock, parseDay, type WorkingHoursConfig } from '../analytics/scoring/working-hours.js'
import { SensorError } from './errors.js'

/** A configuration problem: the message names the key (`Config key a.b: expected ..., got ...`). */
export class ConfigError extends SensorError {
  constructor(
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super('config.invalid', message, 1, options)
  }
}

export interface FlowTableConfig {
  readonly max_flows: number
  readonly tcp_idle_s: number
  readonly udp_idle_s: number
  readonly icmp_idle_s: number
  readonly active_timeout_s: number
}

export interface NetflowConfig {
  readonly ports: readonly number[]
  /** Exporter address → sampling rate, for exporters that announce none. */
  readonly sampling: Readonly<Record<string, number>>
  readonly template_expiry_s: number
  readonly biflow_window_s: number
}

export interface SyslogConfig {
  readonly max_frame_bytes: number
  readonly idle_timeout_s: number
  readonly timezone: string
}

export interface BaselineConfig {
  readonly expire_after_days: number
  readonly learning_days: number
  readonly save_interval_s: number
  readonly max_entries: number
  readonly max_destinations: number
  readonly max_hosts: number
}

export interface DetectionConfig {
  readonly enabled: boolean
  readonly params: Readonly<Record<string, unknown>>
}

export interface OutputsConfig {
  readonly alerts: string
  readonly flows: string
  readonly suppress_for_s: number
}

/** The validated configuration, every key present. Field docs: SCHEMA below and docs/config.md. */
export interface SensorConfig {
  readonly internal: readonly string[]
  readonly flow_table: FlowTableConfig
  readonly app_layer: { readonly max_buffer_bytes: number }
  readonly netflow: NetflowConfig
  readonly syslog: SyslogConfig
  readonly time_window: number
  readonly allowed_destinations: readonly string[]
  readonly allowed_agents: readonly string[]
  readonly ingress_bytes_threshold: number
  readonly min_inbound_ratio: number
  readonly file_type_risk_patterns: Readonly<Record<string, number>>
  readonly working_hours: WorkingHoursConfig
  readonly baseline: BaselineConfig
  readonly scoring: ScoringSection
  readonly detections: Readonly<Record<string, DetectionConfig>>
  readonly outputs: OutputsConfig
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T

/** What the CLI (or a test) overrides; nested sections merge key by key. */
export type ConfigOverrides = DeepPartial<SensorConfig>

// ---- validators: each returns the value or a problem sentence ("expected ..., got ...") ----

type Result =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: string /** Path below the key (`.x`, `[2]`). */; readonly sub?: string }
type Validator = (v: unknown) => Result

const ok = (value: unknown): Result => ({ ok: true, value })
const bad = (expected: string, v: unknown): Result => ({ ok: false, problem: `expected ${expected}, got ${show(v)}` })

function show(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  const s = JSON.stringify(v)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

const posInt: Validator = (v) => (isNum(v) && Number.isInteger(v) && v > 0 ? ok(v) : bad('a positive integer', v))
const nonNegInt: Validator = (v) =>
  isNum(v) && Number.isInteger(v) && v >= 0 ? ok(v) : bad('an integer of 0 or more', v)
const nonNeg: Validator = (v) => (isNum(v) && v >= 0 ? ok(v) : bad('a number of 0 or more', v))
const positive: Validator = (v) => (isNum(v) && v > 0 ? ok(v) : bad('a positive number', v))
const fraction: Validator = (v) => (isNum(v) && v >= 0 && v <= 1 ? ok(v) : bad('a number from 0 to 1', v))
const score: Validator = (v) => (isNum(v) && v >= 0 && v <= 100 ? ok(v) : bad('a number from 0 to 100', v))
const str: Validator = (v) => (typeof v === 'string' ? ok(v) : bad('a string', v))

const UNIT_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 }
/** Seconds, as a number or a string like `90s`, `30m`, `2h`, `1d`. */
const duration: Validator = (v) => {
  if (isNum(v) && v > 0) return ok(v)
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/i.exec(v) : null
  if (m) {
    const n = Number(m[1]) * (UNIT_S[(m[2] ?? 's').toLowerCase()] ?? 1)
    if (n > 0) return ok(n)
  }
  return bad('a positive duration (seconds, or "30m", "2h", "1d")', v)
}

const UNIT_B: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}
/** Bytes, as a number or a string like `500kB`, `1MB`, `2MiB`. */
const byteSize: Validator = (v) => {
  if (isNum(v) && v > 0) return ok(v)
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*$/i.exec(v) : null
  if (m) {
    const n = Math.round(Number(m[1]) * (UNIT_B[(m[2] ?? 'b').toLowerCase()] ?? 1))
    if (n > 0) return ok(n)
  }
  return bad('a positive number of bytes (or "500kB", "1MB", "2MiB")', v)
}

function oneOf(...values: string[]): Validator {
  return (v) => (typeof v === 'string' && values.includes(v) ? ok(v) : bad(`one of ${values.join(', ')}`, v))
}

function listOf(item: Validator, what: string, opts: { nonEmpty?: boolean } = {}): Validator {
  return (v) => {
    if (!Array.isArray(v)) return bad(`a list of ${what}`, v)
    if (opts.nonEmpty && v.length === 0) return bad(`a non-empty list of ${what}`, v)
    const out: unknown[] = []
    for (let i = 0; i < v.length; i++) {
      const r = item(v[i])
      if (!r.ok) return { ok: false, problem: r.problem, sub: `[${i}]${r.sub ?? ''}` }
      out.push(r.value)
    }
    return ok(out)
  }
}

function mapOf(key: (k: string) => string | undefined, value: Validator, what: string): Validator {
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(`a mapping of ${what}`, v)
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) {
      const kp = key(k)
      if (kp) return { ok: false, problem: `${kp}, got ${show(k)}`, sub: `.${k}` }
      const r = value(x)
      if (!r.ok) return { ok: false, problem: r.problem, sub: `.${k}${r.sub ?? ''}` }
      out[k] = r.value
    }
    return ok(out)
  }
}

const cidr: Validator = (v) => {
  if (typeof v !== 'string') return bad('a CIDR such as "10.0.0.0/8"', v)
  try {
    new AddressSet([v])
    return ok(v.trim())
  } catch {
    return bad('a CIDR such as "10.0.0.0/8"', v)
  }
}

const DOMAIN_RE = /^(\*\.)?\.?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i
/** A CIDR / address, or a domain suffix (`example.com` also covers `cdn.example.com`). */
const destinationEntry: Validator = (v) => {
  if (typeof v === 'string' && (/^[0-9.]+(\/\d+)?$/.test(v.trim()) || v.includes(':'))) return cidr(v)
  if (typeof v === 'string' && v.length <= 253 && DOMAIN_RE.test(v.trim())) return ok(v.trim())
  return bad('a CIDR or a domain suffix', v)
}

const nonEmptyStr: Validator = (v) => (typeof v === 'string' && v.trim() !== '' ? ok(v) : bad('a non-empty string', v))
const port: Validator = (v) =>
  isNum(v) && Number.isInteger(v) && v >= 1 && v <= 65535 ? ok(v) : bad('a port number (1-65535)', v)

const weekday: Validator = (v) =>
  (typeof v === 'string' || typeof v === 'number') && parseDay(v) !== undefined
    ? ok(v)
    : bad('a weekday (mon..sun or 0..6)', v)
const clock: Validator = (v) => (typeof v === 'string' && parseClock(v) !== undefined ? ok(v) : bad('a time HH:MM', v))
const timeZone: Validator = (v) =>
  typeof v === 'string' && isValidTimeZone(v) ? ok(v) : bad('an IANA time zone name such as "Europe/Paris"', v)

const WEIGHT_NAMES: readonly (keyof ScoringWeights)[] = [
  'inbound_ratio',
  'inbound_volume',
  'never_seen_host',
  'never_seen_site',
  'file_type',
  'download_agent',
  'risky_protocol',
  'off_hours',
]

const weights: Validator = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('a mapping of factor weights', v)
  let sum = 0
  for (const [k, w] of Object.entries(v)) {
    if (!(WEIGHT_NAMES as readonly string[]).includes(k)) {
      return { ok: false, problem: `unknown factor (known: ${WEIGHT_NAMES.join(', ')})`, sub: `.${k}` }
    }
    if (!isNum(w) || w < 0 || w > 1) {
      return { ok: false, problem: `expected a number from 0 to 1, got ${show(w)}`, sub: `.${k}` }
    }
    sum += w
  }
  for (const k of WEIGHT_NAMES) if (!(k in v)) return { ok: false, problem: 'missing factor', sub: `.${k}` }
  if (Math.abs(sum - 1) > 1e-6)
    return { ok: false, problem: `expected weights summing to 1, got ${Math.round(sum * 1e6) / 1e6}` }
  return ok(v)
}

const detections: Validator = (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('a mapping of detection ids', v)
  const out: Record<string, DetectionConfig> = {}
  for (const [id, raw] of Object.entries(v)) {
    const def = DETECTIONS.find((d) => d.id === id)
    if (!def) {
      return {
        ok: false,
        problem: `unknown detection (known: ${DETECTIONS.map((d) => d.id).join(', ')})`,
        sub: `.${id}`,
      }
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return { ok: false, problem: `expected a mapping with enabled and params, got ${show(raw)}`, sub: `.${id}` }
    }
    const r = raw as Record<string, unknown>
    for (const k of Object.keys(r)) {
      if (k !== 'enabled' && k !== 'params') {
        return { ok: false, problem: 'unknown key (known: enabled, params)', sub: `.${id}.${k}` }
      }
    }
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean') {
      return { ok: false, problem: `expected true or false, got ${show(r.enabled)}`, sub: `.${id}.enabled` }
    }
    const params: Record<string, unknown> = {}
    if (r.params !== undefined) {
      if (r.params === null || typeof r.params !== 'object' || Array.isArray(r.params)) {
        return { ok: false, problem: `expected a mapping, got ${show(r.params)}`, sub: `.${id}.params` }
      }
      const known = def.params as Record<string, unknown>
      for (const [k, pv] of Object.entries(r.params)) {
        if (!(k in known)) {
          return {
            ok: false,
            problem: `unknown param (known: ${Object.keys(known).join(', ')})`,
            sub: `.${id}.params.${k}`,
          }
        }
        const want = known[k]
        const same = Array.isArray(want) ? Array.isArray(pv) : typeof pv === typeof want && pv !== null
        if (!same || (typeof pv === 'number' && !Number.isFinite(pv))) {
          return {
            ok: false,
            problem: `expected ${Array.isArray(want) ? 'a list' : `a ${typeof want}`}, got ${show(pv)}`,
            sub: `.${id}.params.${k}`,
          }
        }
        params[k] = pv
      }
    }
    out[id] = { enabled: r.enabled !== false, params }
  }
  return ok(out)
}

// ---- the schema: every knob, its default and its doc ----

interface Leaf {
  readonly default: unknown
  readonly doc: string
  readonly check: Validator
}
interface Section {
  readonly doc: string
  readonly keys: Readonly<Record<string, Node>>
}
type Node = Leaf | Section

const isSection = (n: Node): n is Section => 'keys' in n

/** The default download-tool user agents (anchors §4.2: LOLBAS, ET Open, Sigma). */
const DOWNLOAD_AGENTS = [
  'curl/',
  'Wget/',
  'WindowsPowerShell/',
  'Microsoft BITS/',
  'CertUtil URL Agent',
  'Microsoft-CryptoAPI/',
  'Microsoft-WebDAV-MiniRedir/',
  'MpCommunication',
  'Microsoft(R) Connection Manager Vpn File Update',
  'Go-http-client/',
  'python-requests/',
  'Python-urllib/',
  'WinHttp',
  'MSXML',
  'aria2/',
  'libwww-perl/',
]

/** Default file risk: executables and scripts highest, archives low (anchors §4.3). */
const FILE_RISK: Readonly<Record<string, number>> = {
  pe: 1,
  elf: 1,
  macho: 1,
  dex: 1,
  apk: 1,
  msi: 0.9,
  script: 0.8,
  powershell: 1,
  jar: 0.8,
  class: 0.7,
  lnk: 0.8,
  cab: 0.6,
  ole: 0.4,
  rar: 0.4,
  '7z': 0.4,
  zip: 0.3,
  gzip: 0.2,
  '*.exe': 1,
  '*.dll': 1,
  '*.scr': 1,
  '*.ps1': 1,
  '*.hta': 1,
  '*.bat': 0.8,
  '*.cmd': 0.8,
  '*.vbs': 0.8,
  '*.js': 0.6,
  '*.sh': 0.6,
}

export const SCHEMA: Section = {
  doc: 'ingress-sensor configuration.',
  keys: {
    internal: {
      default: DEFAULT_INTERNAL_CIDRS,
      doc: 'Internal networks (CIDRs). Decide download vs upload, internal vs external, and T1105 vs T1570. `--internal CIDR` (repeatable) replaces the list.',
      check: listOf(cidr, 'CIDRs', { nonEmpty: true }),
    },
    flow_table: {
      doc: 'The pcap flow table.',
      keys: {
        max_flows: {
          default: 1_000_000,
          doc: 'Most live flows; past it the least recently active flow is ended with reason `evict` and counted.',
          check: posInt,
        },
        tcp_idle_s: {
          default: 300,
          doc: 'A TCP flow idle this long (capture time) ends (Zeek tcp_inactivity_timeout).',
          check: posInt,
        },
        udp_idle_s: {
          default: 60,
          doc: 'A UDP flow idle this long ends (Zeek udp_inactivity_timeout).',
          check: posInt,
        },
        icmp_idle_s: { default: 60, doc: 'An ICMP flow idle this long ends.', check: posInt },
        active_timeout_s: {
          default: 3600,
          doc: 'A flow still active after this long is reported and restarted (NetFlow active timeout).',
          check: posInt,
        },
      },
    },
    app_layer: {
      doc: 'Application-layer parsers.',
      keys: {
        max_buffer_bytes: {
          default: 65_536,
          doc: 'Per flow and direction, the most bytes a parser buffers while waiting for a complete message.',
          check: posInt,
        },
      },
    },
    netflow: {
      doc: 'NetFlow v5/v9 and IPFIX collection.',
      keys: {
        ports: {
          default: [2055, 9995, 9996, 4739],
          doc: 'UDP ports recognised as flow exports in captures, and listened on by `listen`.',
          check: listOf(port, 'ports'),
        },
        sampling: {
          default: {},
          doc: 'Exporter address → sampling rate (1 in N), for exporters that announce none (softflowd; goflow2#170). Bytes and packets are multiplied by it and marked estimated.',
          check: mapOf((k) => (cidr(k).ok ? undefined : 'expected an exporter IP address'), posInt, 'exporter → rate'),
        },
        template_expiry_s: {
          default: 3600,
          doc: 'v9/IPFIX templates not refreshed for this long are dropped (at least 3× the exporter refresh; goflow2#330).',
          check: posInt,
        },
        biflow_window_s: {
          default: 60,
          doc: 'Two unidirectional records of the same 5-tuple within this window are merged into one biflow.',
          check: posInt,
        },
      },
    },
    syslog: {
      doc: 'Syslog collection.',
      keys: {
        max_frame_bytes: {
          default: 65_536,
          doc: 'Longest accepted message; longer TCP frames are discarded to the next newline and counted.',
          check: posInt,
        },
        idle_timeout_s: { default: 300, doc: 'A TCP syslog connection silent this long is closed.', check: posInt },
        timezone: {
          default: 'UTC',
          doc: 'IANA time zone for RFC 3164 timestamps, which carry none.',
          check: timeZone,
        },
      },
    },
    time_window: {
      default: 1800,
      doc: 'Correlation window (seconds, or "30m"): how far apart a network transfer and host events on the same host may be to be joined.',
      check: duration,
    },
    allowed_destinations: {
      default: [],
      doc: 'Destinations never alerted on: CIDRs, and domain suffixes matched against the names learned for the address (DNS answers, TLS SNI, HTTP Host). Applied at alert time, so a new entry also covers destinations already in the baseline. See scoring.allowlist_action.',
      check: listOf(destinationEntry, 'CIDRs or domain suffixes'),
    },
    allowed_agents: {
      default: [],
      doc: 'HTTP user-agent substrings (case-insensitive) of approved tools (an updater); alerts whose client sent one are treated like allowed_destinations.',
      check: listOf(nonEmptyStr, 'user-agent substrings'),
    },
    ingress_bytes_threshold: {
      default: 1_000_000,
      doc: 'Inbound bytes (from the external side) a flow needs before it can become an `inbound-transfer` alert; number or "1MB". 1 MB: above one web object, below common post-exploitation tools (mimikatz, PsExec, Cobalt Strike payloads are 0.3-2 MB); smaller payloads are the file detections\' job.',
      check: byteSize,
    },
    min_inbound_ratio: {
      default: 10,
      doc: 'Inbound bytes must be at least this multiple of outbound bytes (download-heavy). A bulk TCP download is ≥ 30 even counted in IP bytes with ACKs; interactive and upload traffic stays under 10.',
      check: positive,
    },
    file_type_risk_patterns: {
      default: FILE_RISK,
      doc: 'File type, type detail, or file-name glob (contains `*` or `.`) → risk weight 0..1 for the file_type factor; the highest match wins. Setting this replaces the whole table.',
      check: mapOf((k) => (k.trim() === '' ? 'expected a type or pattern' : undefined), fraction, 'pattern → weight'),
    },
    working_hours: {
      doc: 'Working hours for the off_hours factor. A shift may cross midnight (22:00 to 06:00 belongs to the day it starts); daylight saving follows the IANA zone.',
      keys: {
        days: {
          default: ['mon', 'tue', 'wed', 'thu', 'fri'],
          doc: 'Working days: mon..sun, or 0..6 with 0 = Sunday.',
          check: listOf(weekday, 'weekdays'),
        },
        start: { default: '08:00', doc: 'Start of the working day, HH:MM local time.', check: clock },
        end: { default: '18:00', doc: 'End of the working day, HH:MM local time (exclusive).', check: clock },
        timezone: {
          default: 'UTC',
          doc: 'IANA time zone name (Europe/Paris, America/New_York, UTC).',
          check: timeZone,
        },
      },
    },
    baseline: {
      doc: 'The destination baseline kept in `--state DIR` (baseline.sqlite).',
      keys: {
        expire_after_days: {
          default: 90,
          doc: 'Entries not seen for this many days (capture time) are dropped; 0 keeps them forever (RITA keeps 3 months).',
          check: nonNeg,
        },
        learning_days: {
          default: 0,
          doc: 'A host scores no never-seen points until it has been observed this many days (a warm-up per host); 0 disables. Use it, or `baseline learn`, on a new deployment.',
          check: nonNeg,
        },
        save_interval_s: {
          default: 300,
          doc: 'While running, changed entries are saved this often (wall clock), and always at the end.',
          check: posInt,
        },
        max_entries: {
          default: 2_000_000,
          doc: 'Most host→destination entries; the least recently seen 10 % are evicted past it.',
          check: posInt,
        },
        max_destinations: {
          default: 1_000_000,
          doc: 'Most site-wide destinations, same eviction.',
          check: posInt,
        },
        max_hosts: { default: 200_000, doc: 'Most internal hosts, same eviction.', check: posInt },
      },
    },
    scoring: {
      doc: "The transfer score (0..100). Additive factors: weight × 100 × subscore (0..1); then modifiers scale the sum down. Every factor appears in the alert's `score_factors` and `reasons`.",
      keys: {
        weights: {
          default: {
            inbound_ratio: 0.15,
            inbound_volume: 0.15,
            never_seen_host: 0.2,
            never_seen_site: 0.1,
            file_type: 0.15,
            download_agent: 0.1,
            risky_protocol: 0.05,
            off_hours: 0.1,
          },
          doc: 'Factor weights, each 0..1, summing to 1: inbound_ratio (1 at ≥ 100:1, 0.5 at 10:1), inbound_volume (0.5 at the threshold, 1 at 10×), never_seen_host (1 never, 0.25 if first seen within recent_days), never_seen_site, file_type, download_agent, risky_protocol (TFTP/FTP/finger 1, plain HTTP 0.5), off_hours.',
          check: weights,
        },
        alert_threshold: {
          default: 40,
          doc: 'Lowest score at which a flow becomes an `inbound-transfer` alert (40 = medium). The detection also requires a destination the host never used (its `require_never_seen` param); ratio, volume and never-seen alone give 42-60 for a 1-10 MB download.',
          check: score,
        },
        allowlist_action: {
          default: 'suppress',
          doc: '`suppress`: an allowlisted alert is dropped and counted (scorer_suppressed_total); `cap`: it is kept with its score capped at allowlist_cap.',
          check: oneOf('suppress', 'cap'),
        },
        allowlist_cap: { default: 10, doc: 'Score ceiling for allowlisted alerts under `cap`.', check: score },
        recent_days: {
          default: 7,
          doc: 'A destination first seen by the host fewer than this many days ago still gets a quarter of the never-seen-host points (RITA: +15 % if first seen ≤ 7 days).',
          check: nonNeg,
        },
        common_destination_fraction: {
          default: 0.5,
          doc: 'A destination used by at least this share of known internal hosts is common (RITA prevalence ≥ 50 %).',
          check: fraction,
        },
        prevalence_min_hosts: {
          default: 10,
          doc: 'Prevalence is judged only once the baseline knows this many internal hosts.',
          check: nonNegInt,
        },
        prevalence_discount: {
          default: 0.15,
          doc: 'Share of the score removed for a common destination (RITA −15 %).',
          check: fraction,
        },
        unreliable_direction_discount: {
          default: 0.3,
          doc: 'Share removed when the direction is unreliable (history `^`, conn_state OTH; zeek PR#5047).',
          check: fraction,
        },
        sampled_discount: {
          default: 0.15,
          doc: 'Share removed when bytes were estimated from sampled flow exports.',
          check: fraction,
        },
        download_agents: {
          default: DOWNLOAD_AGENTS,
          doc: 'User-agent substrings (case-insensitive) of download tools for the download_agent factor. Setting this replaces the list.',
          check: listOf(nonEmptyStr, 'user-agent substrings'),
        },
      },
    },
    detections: {
      default: {},
      doc: "Per detection id: `enabled` (default true) and `params` overrides, checked against the detection's documented params (`ingress-sensor` rejects unknown ids and params).",
      check: detections,
    },
    outputs: {
      doc: 'Where events go (command-line flags override).',
      keys: {
        alerts: {
          default: '-',
          doc: 'Alerts as JSON lines: a path, `-` for standard output, or empty for none.',
          check: str,
        },
        flows: {
          default: '',
          doc: 'Flow records (Zeek conn.log names) as JSON lines: a path, or empty for none.',
          check: str,
        },
        suppress_for_s: {
          default: 3600,
          doc: 'Default window during which alerts with the same identifier are one alert (Zeek notice suppression).',
          check: nonNeg,
        },
      },
    },
  },
}

function defaultsOf(s: Section): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, n] of Object.entries(s.keys)) out[k] = isSection(n) ? defaultsOf(n) : structuredClone(n.default)
  return out
}

/** Every default, in the shape of SensorConfig. */
export const DEFAULT_CONFIG: SensorConfig = deepFreeze(defaultsOf(SCHEMA)) as unknown as SensorConfig

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Validates `raw` against the schema section at `prefix`, filling defaults; throws ConfigError naming the key. */
function validateSection(s: Section, raw: unknown, prefix: string): Record<string, unknown> {
  if (raw === undefined || raw === null) raw = {}
  if (!isPlain(raw)) {
    const key = prefix || '(top level)'
    throw new ConfigError(`Config key ${key}: expected a mapping, got ${show(raw)}.`, key)
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(raw)) {
    if (!(k in s.keys)) {
      const key = prefix ? `${prefix}.${k}` : k
      const near = Object.keys(s.keys).find((x) => x.replace(/_/g, '') === k.toLowerCase().replace(/[-_]/g, ''))
      throw new ConfigError(
        `Config key ${key}: unknown key${near ? ` (did you mean ${prefix ? `${prefix}.` : ''}${near}?)` : ''}; known: ${Object.keys(s.keys).join(', ')}.`,
        key,
      )
    }
  }
  for (const [k, n] of Object.entries(s.keys)) {
    const key = prefix ? `${prefix}.${k}` : k
    const v = raw[k]
    if (isSection(n)) {
      out[k] = validateSection(n, v, key)
      continue
    }
    if (v === undefined) {
      out[k] = structuredClone(n.default)
      continue
    }
    // Partial weights fall back to the defaults for the other factors, then the whole set is checked.
    const value = k === 'weights' && isPlain(v) && isPlain(n.default) ? { ...n.default, ...v } : v
    const r = n.check(value)
    if (!r.ok) {
      const full = `${key}${r.sub ?? ''}`
      throw new ConfigError(`Config key ${full}: ${r.problem}.`, full)
    }
    out[k] = r.value
  }
  return out
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = k === 'weights' || k === 'detections' ? deepMergeShallow(out[k], v) : deepMerge(out[k], v)
  }
  return out
}

function deepMergeShallow(base: unknown, over: unknown): unknown {
  return isPlain(base) && isPlain(over) ? { ...base, ...over } : over
}

/** Parses config text (YAML, or JSON when `format` is json). Throws ConfigError on a syntax error. */
export function parseConfigText(text: string, source: string, format: 'yaml' | 'json' = 'yaml'): unknown {
  try {
    if (format === 'json') return JSON.parse(text)
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true })
    if (doc.errors.length > 0) throw doc.errors[0]
    return doc.toJS({ maxAliasCount: 100 })
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e)
    throw new ConfigError(
      `Config file ${source}: not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${msg}`,
      undefined,
      {
        cause: e,
      },
    )
  }
}

/** Validates a parsed config object (plus overrides) into a full SensorConfig. */
export function validateConfig(raw: unknown, overrides: ConfigOverrides = {}): SensorConfig {
  if (raw !== undefined && raw !== null && !isPlain(raw)) {
    throw new ConfigError(`Config key (top level): expected a mapping, got ${show(raw)}.`, '(top level)')
  }
  return validateSection(SCHEMA, deepMerge(raw ?? {}, overrides), '') as unknown as SensorConfig
}

/**
 * Loads and validates the config file at `path` (YAML, or JSON by extension), applies `overrides` (CLI
 * flags), and fills every default. With no path, the defaults plus overrides. Throws ConfigError.
 */
export function loadConfig(path: string | undefined, overrides: ConfigOverrides = {}): SensorConfig {
  let raw: unknown = {}
  if (path !== undefined && path !== '') {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (e) {
      throw new ConfigError(
        `Config file ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e}).`,
        undefined,
        {
          cause: e,
        },
      )
    }
    raw = parseConfigText(text, path, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml')
  }
  return validateConfig(raw, overrides)
}

/** The configuration reference (docs/config.md), rendered from the schema. */
export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from sensor/config.ts (SCHEMA) by renderConfigReference(); a test checks it is current. -->',
    '',
    'The config file is YAML or JSON (`--config FILE`). Every key is optional; unknown keys are errors, and an',
    'error names the key and the problem (`Config key scoring.weights: expected weights summing to 1, got 1.1.`).',
    'Command-line flags (`--internal`, `--alerts`, `--flows`) override the file. A commented example is',
    '`config/example.yaml`.',
    '',
  ]
  const walk = (s: Section, prefix: string, depth: number): void => {
    const leaves = Object.entries(s.keys).filter(([, n]) => !isSection(n))
    if (leaves.length > 0) {
      lines.push('| Key | Default | Meaning |', '| --- | --- | --- |')
      for (const [k, n] of leaves) {
        const leaf = n as Leaf
        lines.push(`| \`${prefix}${k}\` | ${formatDefault(leaf.default)} | ${leaf.doc.replace(/\|/g, '\\|')} |`)
      }
      lines.push('')
    }
    for (const [k, n] of Object.entries(s.keys)) {
      if (!isSection(n)) continue
      lines.push(`${'#'.repeat(Math.min(depth + 2, 4))} \`${prefix}${k}\``, '', n.doc, '')
      walk(n, `${prefix}${k}.`, depth + 1)
    }
  }
  walk(SCHEMA, '', 0)
  lines.push(...SCORE_FACTORS_DOC)
  return `${lines.join('\n').trimEnd()}\n`
}

/** The score breakdown an alert carries (`score_factors` rows and `reasons`), documented with the config. */
const SCORE_FACTORS_DOC: readonly string[] = [
  '## Score factors (`score_factors` in alerts)',
  '',
  'Each alert keeps one row per factor: `factor`, `points` (added, or removed when negative) and `value` (what',
  'was measured); `reasons` repeats every non-zero row as a sentence ending in its points',
  '(`never-seen destination for this host: +20`). Additive points are weight × 100 × subscore; the modifiers',
  "then remove a share of the running total, in the order listed. Detections' own reasons come first, unscored.",
  '',
  '| Factor | Subscore (0..1) or effect | `value` |',
  '| --- | --- | --- |',
  '| `inbound_ratio` | log10(inbound / outbound) / 2: 10:1 → 0.5, 100:1 → 1; 0 when only a total is known (ASA) | the ratio, or `n/a` |',
  '| `inbound_volume` | 0.5 at `ingress_bytes_threshold`, + 0.5 × log10(bytes / threshold), 1 at 10×; below: 0.5 × bytes / threshold | inbound bytes |',
  '| `never_seen_host` | 1 never seen by the host, 0.25 first seen under `scoring.recent_days` ago, else 0; 0 while the host is learning | `true`, the first-seen date, or `learning` |',
  '| `never_seen_site` | 1 when no internal host has seen the destination | `true` or the site first-seen date |',
  "| `file_type` | highest `file_type_risk_patterns` weight matching the file's type, detail or name | type (detail) |",
  '| `download_agent` | 1 when the user agent contains a `scoring.download_agents` entry | the user agent |',
  '| `risky_protocol` | TFTP, FTP, finger 1; plain HTTP 0.5 (confirmed service, else the server port) | protocol |',
  '| `off_hours` | 1 outside `working_hours` | local time |',
  '| `prevalence` | removes `prevalence_discount` when at least `common_destination_fraction` of ≥ `prevalence_min_hosts` known hosts used the destination | share of hosts |',
  '| `direction_confidence` | removes `unreliable_direction_discount` for history `^` or conn_state OTH | why |',
  '| `sampled` | removes `sampled_discount` for byte counts scaled from sampled flow exports (`details.estimated`) | sampling rate |',
  '| `allowlisted` | with `allowlist_action: cap`, the points that bring the score down to `allowlist_cap` | list and entry |',
  '',
  'Severity follows the final score: critical ≥ 85, high ≥ 65, medium ≥ 40, low ≥ 20, else info. Failed',
  'connections (S0, REJ, RSTOS0, RSTRH) and flows without payload are never transfers and never make a',
  'destination known. Byte counts are IP lengths (payload bytes bounded by the IP bytes), never sequence numbers.',
]

function formatDefault(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '`""` (none)' : `\`${v}\``
  if (Array.isArray(v)) return v.length === 0 ? '`[]`' : v.map((x) => `\`${String(x)}\``).join(', ')
  if (isPlain(v)) {
    const e = Object.entries(v)
    return e.length === 0
      ? '`{}`'
      : e.map(([k, x]) => `\`${k}: ${Array.isArray(x) ? x.join(',') : String(x)}\``).join(', ')
  }
  return `\`${String(v)}\``
}
