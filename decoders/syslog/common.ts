/**
 * Shared pieces of the syslog parsers: the parsed-message shape, PRI (RFC 5424 §6.2.1 / RFC 3164 §4.1.1),
 * byte → text decoding (UTF-8 with a latin1 fallback, as Windows/Snare senders often use cp1252), and
 * timestamp helpers. Time zones: a timestamp without an offset is taken as UTC plus `tzOffsetMinutes`
 * (default 0); named zones (Cisco `MEST`, `NewYork`) are not resolved, only UTC/GMT/Z are recognised.
 */
import { isUtf8 } from 'node:buffer'
import type { DecodeErrorCode } from '../errors.js'

/** Soft problems found while parsing a message that was still parsed (counted by code). */
export type SyslogWarning =
  | 'syslog.pri_missing'
  | 'syslog.pri_invalid'
  | 'syslog.invalid_utf8'
  | 'syslog.timestamp_invalid'
  | 'syslog.sd_malformed'
  | 'syslog.header_malformed'

/** Hard errors: the message is not turned into an event. */
export type SyslogErrorCode = 'syslog.empty' | 'syslog.too_long' | 'syslog.not_text'

/** The fields of a syslog message, one definition for ParsedSyslog and analytics/events.ts SyslogEvent. */
export interface SyslogFields {
  readonly format: 'rfc5424' | 'rfc3164' | 'cisco' | 'unknown'
  readonly facility?: number
  readonly severity?: number
  readonly hostname?: string
  readonly app_name?: string
  readonly proc_id?: string
  readonly msg_id?: string
  readonly structured_data?: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly message: string
}

/** A parsed syslog message: the SyslogEvent fields without kind/source/peer, plus time and warnings. */
export interface ParsedSyslog extends SyslogFields {
  /** Seconds since the epoch: the message's own timestamp when present and valid, else the receive time. */
  readonly ts: number
  /** True when `ts` came from the message header. */
  readonly tsFromMessage: boolean
  /** Soft problems, each also a counter label. */
  readonly warnings: readonly SyslogWarning[]
}

/** Mutable builder used by the format parsers. */
export interface SyslogDraft {
  format: ParsedSyslog['format']
  ts?: number
  facility?: number
  severity?: number
  hostname?: string
  app_name?: string
  proc_id?: string
  msg_id?: string
  structured_data?: Record<string, Record<string, string>>
  message: string
  warnings: SyslogWarning[]
}

/** Options for the parsers. */
export interface SyslogParseOptions {
  /** Largest message accepted, bytes (default 65536). */
  readonly maxMessageBytes?: number
  /** Offset of zone-less timestamps from UTC in minutes (default 0 = UTC). */
  readonly tzOffsetMinutes?: number
  /** Reference time (s) for the year of RFC 3164 timestamps; defaults to the receive time. */
  readonly referenceTs?: number
}

export const DEFAULT_MAX_MESSAGE_BYTES = 65536

/** Highest valid PRI: facility 23 × 8 + severity 7. */
export const PRI_MAX = 191

/** Parses `<PRI>` at `pos`; returns the PRI (or -1 when out of range) and the index after `>`, or undefined. */
export function parsePri(s: string, pos: number): { pri: number; next: number } | undefined {
  if (s.charCodeAt(pos) !== 60) return undefined
  let i = pos + 1
  let v = 0
  const stop = Math.min(s.length, pos + 6)
  while (i < stop) {
    const c = s.charCodeAt(i)
    if (c === 62) {
      if (i === pos + 1) return undefined
      return { pri: v > PRI_MAX ? -1 : v, next: i + 1 }
    }
    if (c < 48 || c > 57) return undefined
    v = v * 10 + (c - 48)
    i++
  }
  return undefined
}

/**
 * Decodes message bytes as UTF-8, or latin1 when they are not valid UTF-8 (flagged). The bytes are decoded
 * once; only text that came out with U+FFFD (a replacement, or a U+FFFD that was really sent) is checked
 * again for validity.
 */
export function decodeText(buf: Buffer, off: number, end: number): { text: string; invalidUtf8: boolean } {
  const text = buf.toString('utf8', off, end)
  if (text.indexOf('\uFFFD') < 0 || isUtf8(buf.subarray(off, end))) return { text, invalidUtf8: false }
  return { text: buf.toString('latin1', off, end), invalidUtf8: true }
}

/**
 * True when the bytes look like binary rather than text: a NUL, or more than one control character
 * (other than TAB/LF/CR; DEL counts once one of those is present) in eight, within the first 512 bytes.
 */
export function looksBinary(buf: Buffer, off: number, end: number): boolean {
  const stop = Math.min(end, off + 512)
  let ctl = 0
  let hasCtl = false
  for (let i = off; i < stop; i++) {
    const c = buf[i] ?? 0
    if (c < 32) {
      if (c === 0) return true
      if (c !== 9 && c !== 10 && c !== 13) {
        hasCtl = true
        ctl++
      }
    } else if (c === 127) ctl++
  }
  return hasCtl && ctl * 8 > stop - off
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
}

/** Month index for a three-letter English month name (case as sent: `Jan`), or undefined. */
export function monthIndex(name: string): number | undefined {
  return name.length === 3 ? monthAt(name, 0) : undefined
}

const MONTH_CODES = new Map<number, number>(
  Object.entries(MONTHS).map(([k, v]) => [(k.charCodeAt(0) << 16) | (k.charCodeAt(1) << 8) | k.charCodeAt(2), v]),
)

/** Month index for the three-letter month name at `s[i]`, without slicing; undefined when there is none. */
export function monthAt(s: string, i: number): number | undefined {
  const a = s.charCodeAt(i)
  const b = s.charCodeAt(i + 1)
  const c = s.charCodeAt(i + 2)
  if (!(a < 128 && b < 128 && c < 128)) return undefined
  return MONTH_CODES.get((a << 16) | (b << 8) | c)
}

/** UTC year of the last reference time seen, with its bounds (ms), so a run of messages skips `new Date`. */
let refYear = 0
let refYearStartMs = 0
let refYearEndMs = -1

function utcYearOf(ts: number): number {
  const ms = ts * 1000
  if (ms >= refYearStartMs && ms < refYearEndMs) return refYear
  const y = new Date(ms).getUTCFullYear()
  if (!Number.isFinite(y)) return y
  refYear = y
  refYearStartMs = Date.UTC(y, 0, 1)
  refYearEndMs = Date.UTC(y + 1, 0, 1)
  return y
}

function digits(s: string, i: number, n: number): number {
  let v = 0
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k)
    if (c < 48 || c > 57) return -1
    v = v * 10 + (c - 48)
  }
  return v
}

/**
 * Parses an RFC 3339 / RFC 5424 §6.2.3 timestamp `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)` starting at `i`
 * (also accepts a space for `T` and a missing offset, taken as UTC + tzOffsetMinutes).
 * Returns epoch seconds and the index after it, or undefined.
 */
export function parseRfc3339(s: string, i: number, tzOffsetMinutes = 0): { ts: number; next: number } | undefined {
  const y = digits(s, i, 4)
  if (y < 0 || s[i + 4] !== '-') return undefined
  const mo = digits(s, i + 5, 2)
  const d = digits(s, i + 8, 2)
  const sep = s[i + 10]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || s[i + 7] !== '-' || (sep !== 'T' && sep !== 't' && sep !== ' ')) {
    return undefined
  }
  const h = digits(s, i + 11, 2)
  const mi = digits(s, i + 14, 2)
  const se = digits(s, i + 17, 2)
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 || s[i + 13] !== ':' || s[i + 16] !== ':') {
    return undefined
  }
  let j = i + 19
  let frac = 0
  if (s[j] === '.') {
    j++
    const start = j
    let scale = 0.1
    while (j < s.length && j - start < 9) {
      const c = s.charCodeAt(j)
      if (c < 48 || c > 57) break
      frac += (c - 48) * scale
      scale /= 10
      j++
    }
    if (j === start) return undefined
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++
  }
  let offsetMin = tzOffsetMinutes
  const z = s[j]
  if (z === 'Z' || z === 'z') {
    offsetMin = 0
    j++
  } else if (z === '+' || z === '-') {
    const oh = digits(s, j + 1, 2)
    const om = s[j + 3] === ':' ? digits(s, j + 4, 2) : digits(s, j + 3, 2)
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined
    offsetMin = (z === '-' ? -1 : 1) * (oh * 60 + om)
    j += s[j + 3] === ':' ? 6 : 5
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, se)
  return { ts: ms / 1000 + frac - offsetMin * 60, next: j }
}

/**
 * Parses a BSD timestamp `Mmm dd hh:mm:ss[.frac]` (day padded with a space, a zero, or not at all),
 * optionally with a year after the day (`Mmm dd yyyy hh:mm:ss`, Cisco ASA) at `i`.
 * Without a year, the year is chosen so the time is nearest the reference (rollover at New Year).
 */
export function parseBsdTimestamp(
  s: string,
  i: number,
  referenceTs: number,
  tzOffsetMinutes = 0,
  knownYear?: number,
): { ts: number; next: number; hadYear: boolean } | undefined {
  const mon = monthAt(s, i)
  if (mon === undefined || s.charCodeAt(i + 3) !== 32) return undefined
  let j = i + 4
  if (s[j] === ' ') j++
  let d = 0
  const dStart = j
  while (j < s.length && j - dStart < 2 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
    d = d * 10 + s.charCodeAt(j) - 48
    j++
  }
  if (j === dStart || d < 1 || d > 31 || s[j] !== ' ') return undefined
  j++
  let year: number | undefined = knownYear
  if (year === undefined && s[j + 4] === ' ') {
    const y = digits(s, j, 4)
    if (y >= 1970) {
      year = y
      j += 5
    }
  }
  const h = digits(s, j, 2)
  const mi = digits(s, j + 3, 2)
  const se = digits(s, j + 6, 2)
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 || s[j + 2] !== ':' || s[j + 5] !== ':') {
    return undefined
  }
  j += 8
  let frac = 0
  if (s[j] === '.') {
    const start = ++j
    let scale = 0.1
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
      if (j - start < 9) frac += (s.charCodeAt(j) - 48) * scale
      scale /= 10
      j++
    }
  }
  const off = tzOffsetMinutes * 60
  if (year !== undefined) {
    return { ts: Date.UTC(year, mon, d, h, mi, se) / 1000 + frac - off, next: j, hadYear: true }
  }
  const ry = utcYearOf(referenceTs)
  let ts = Date.UTC(ry, mon, d, h, mi, se) / 1000 + frac - off
  // Rollover: a December message received in January belongs to last year, and the reverse.
  if (ts > referenceTs + 30 * 86400) ts = Date.UTC(ry - 1, mon, d, h, mi, se) / 1000 + frac - off
  else if (ts < referenceTs - 335 * 86400) ts = Date.UTC(ry + 1, mon, d, h, mi, se) / 1000 + frac - off
  return { ts, next: j, hadYear: false }
}

/** Splits PRI into facility and severity on the draft. */
export function applyPri(d: SyslogDraft, pri: number): void {
  d.facility = pri >> 3
  d.severity = pri & 7
}

/** Error code type re-exported for callers that count both kinds. */
export type SyslogCode = SyslogWarning | SyslogErrorCode | DecodeErrorCode
