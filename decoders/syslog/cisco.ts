/**
 * Cisco IOS / IOS-XE / NX-OS / ASA header prefixes that break RFC 3164 parsers (rsyslog pmciscoios,
 * rsyslog#3069, go-syslog PR #22): an optional message counter `123: `, an optional sequence number
 * `456: ` (`service sequence-numbers`), and an optional origin-id `host: ` (`logging origin-id`), all
 * before the timestamp. This module strips them and hands the rest to the RFC 3164 parser, which knows
 * the `*`/`.` timestamp markers, the ASA year and the `%FAC-SEV-MNEMONIC` tag. Not handled: IOS
 * `logging origin-id string` values that contain spaces.
 */
import { monthAt, type SyslogDraft } from './common.js'
import { parseRfc3164Into } from './rfc3164.js'

function counter(s: string, i: number): number {
  let j = i
  while (j < s.length && j - i < 12 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++
  if (j > i && s[j] === ':' && s[j + 1] === ' ') return j + 2
  return -1
}

/** True when `s` at `i` starts with a Cisco message counter (`123: `) or an empty one (`: `). */
export function probeCisco(s: string, i: number): boolean {
  return counter(s, i) > 0 || (s[i] === ':' && s[i + 1] === ' ')
}

/** Parses the Cisco variant from `i` (after PRI) into `d`. */
export function parseCiscoInto(
  s: string,
  i: number,
  d: SyslogDraft,
  referenceTs: number,
  tzOffsetMinutes: number,
): void {
  d.format = 'cisco'
  let j = counter(s, i)
  if (j < 0) j = i + 2
  const seq = counter(s, j)
  if (seq > 0) j = seq
  // Origin-id (hostname or address) ending in `: `, but not a timestamp.
  const sp = s.indexOf(': ', j)
  if (sp > j && sp - j < 256) {
    const tok = s.slice(j, sp)
    const c = tok[0]
    const isTs = c === '*' || c === '.' || monthAt(tok, 0) !== undefined || /^\d{4}[ -]/.test(tok)
    if (!isTs && !tok.includes(' ') && c !== '%') {
      d.hostname = tok
      j = sp + 2
    }
  }
  const host = d.hostname
  parseRfc3164Into(s, j, d, referenceTs, tzOffsetMinutes)
  if (host !== undefined) d.hostname = host
  d.format = 'cisco'
}
