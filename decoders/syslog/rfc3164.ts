/**
 * RFC 3164 §4.1 (BSD syslog) as real senders write it, parsed tolerantly: PRI optional, TIMESTAMP as
 * `Mmm dd hh:mm:ss` (day space- or zero-padded or single-digit, optional `.frac`, optional year after the
 * day as Cisco ASA sends), RFC 3339 (rsyslog `RSYSLOG_ForwardFormat`, Junos), or `yyyy Mmm dd hh:mm:ss`
 * (NX-OS); a leading `*` (clock not set) or `.` (NTP unsynchronised) and a trailing zone name are ignored;
 * HOSTNAME optional; TAG `app[pid]:` or `app:`. A message text starting with `%FAC-SEV-MNEMONIC` marks the
 * Cisco format and sets `msg_id`. Not handled: named time zones (taken as UTC + configured offset), and
 * hostnames that look like tags (`host:` with no timestamp is read as a tag).
 */
import { monthAt, parseBsdTimestamp, parseRfc3339, type SyslogDraft } from './common.js'

const CISCO_MNEMONIC = /^%([A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-[0-7]-[A-Za-z0-9_]+)(?::|$| )/
const TAG = /^([^\s:[\]]{1,64})(?:\[([^\]\s]{0,32})\])?:$/
const HOSTNAME = /^[A-Za-z0-9_][A-Za-z0-9._:%-]{0,254}$/

/** The `FAC-SEV-MNEMONIC` a Cisco message text starts with (`%ASA-6-302013: …`), or undefined. */
export function ciscoMnemonic(message: string): string | undefined {
  if (message.charCodeAt(0) !== 37) return undefined
  return CISCO_MNEMONIC.exec(message)?.[1]
}

/** Parses a timestamp of any of the accepted forms at `i`; returns epoch seconds and the index after it. */
export function parseAnyTimestamp(
  s: string,
  i: number,
  referenceTs: number,
  tzOffsetMinutes: number,
): { ts: number; next: number } | undefined {
  let j = i
  if (s[j] === '*' || s[j] === '.') j++
  const c = s.charCodeAt(j)
  if (c >= 48 && c <= 57) {
    const r = parseRfc3339(s, j, tzOffsetMinutes)
    if (r !== undefined) return r
    // NX-OS: `2018 Apr 20 13:15:07`.
    if (s[j + 4] === ' ' && monthAt(s, j + 5) !== undefined) {
      const b = parseBsdTimestamp(s, j + 5, referenceTs, tzOffsetMinutes, Number(s.slice(j, j + 4)))
      if (b !== undefined) return { ts: b.ts, next: b.next }
    }
    return undefined
  }
  const b = parseBsdTimestamp(s, j, referenceTs, tzOffsetMinutes)
  if (b === undefined) return undefined
  return { ts: b.ts, next: b.next }
}

/** Skips a Cisco-style zone name (`UTC`, `MEST`, `NewYork`) followed by `:` after a timestamp. */
function skipZone(s: string, j: number): number {
  if (s.charCodeAt(j) !== 32 || !isAlpha(s.charCodeAt(j + 1))) return j
  let k = j + 1
  while (k < s.length && k - j <= 16 && isZoneChar(s.charCodeAt(k))) k++
  if (k > j + 1 && s.charCodeAt(k) === 58) return k
  return j
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}

/** `[A-Za-z0-9+-]` */
function isZoneChar(c: number): boolean {
  return isAlpha(c) || (c >= 48 && c <= 57) || c === 43 || c === 45
}

/** Parses from `i` (after PRI and any Cisco counters) to the end into `d`. */
export function parseRfc3164Into(
  s: string,
  i: number,
  d: SyslogDraft,
  referenceTs: number,
  tzOffsetMinutes: number,
): void {
  if (d.format === 'unknown') d.format = 'rfc3164'
  let j = i
  while (s[j] === ' ') j++
  let t = parseAnyTimestamp(s, j, referenceTs, tzOffsetMinutes)
  let originHost: string | undefined
  if (t === undefined) {
    // Cisco origin-id before the timestamp without a message counter: `<190>sw01.pdx01: 2017 Jul 28 …`.
    const colon = s.indexOf(': ', j)
    if (colon > j && colon - j <= 255 && HOSTNAME.test(s.slice(j, colon))) {
      const t2 = parseAnyTimestamp(s, colon + 2, referenceTs, tzOffsetMinutes)
      if (t2 !== undefined) {
        originHost = s.slice(j, colon)
        t = t2
      }
    }
  }
  let hadTs = false
  if (t !== undefined) {
    hadTs = true
    d.ts = t.ts
    j = skipZone(s, t.next)
    if (s[j] === ':') j++
    while (s[j] === ' ') j++
  }
  let rest = s.slice(j)
  if (originHost !== undefined) d.hostname = originHost
  else if (hadTs && rest[0] !== '%') {
    const sp = rest.indexOf(' ')
    const first = sp < 0 ? rest : rest.slice(0, sp)
    if (!first.endsWith(':') && !first.includes('[') && HOSTNAME.test(first)) {
      d.hostname = first
      rest = sp < 0 ? '' : rest.slice(sp + 1)
      // ASA with `logging device-id`: `fw01 : %ASA-...`.
      if (rest.startsWith(': ')) rest = rest.slice(2)
    }
  }
  if (rest[0] !== '%') {
    const sp = rest.indexOf(' ')
    const tag = TAG.exec(sp < 0 ? rest : rest.slice(0, sp))
    if (tag !== null) {
      d.app_name = tag[1] ?? ''
      if (tag[2] !== undefined && tag[2] !== '') d.proc_id = tag[2]
      rest = sp < 0 ? '' : rest.slice(sp + 1)
    }
  }
  const m = rest.charCodeAt(0) === 37 ? CISCO_MNEMONIC.exec(rest) : null
  if (m !== null) {
    d.format = 'cisco'
    d.msg_id = m[1] ?? ''
  }
  d.message = rest
}
