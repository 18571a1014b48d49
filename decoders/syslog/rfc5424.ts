/**
 * RFC 5424 §6 header and structured data: `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 * SP STRUCTURED-DATA [SP MSG]`, NILVALUE `-` for any header field, SD-PARAM values with the three escapes
 * `\"`, `\\`, `\]` (§6.3.3; any other backslash is kept literally), and a UTF-8 BOM at the start of MSG
 * (§6.4) removed. Works on text that starts after `<PRI>`. Not handled: the length limits of §6.1 on
 * header fields (longer fields are kept), SD-ID registration/validation against IANA names.
 */
import { parseRfc3339, type SyslogDraft } from './common.js'

/** True when `s` at `i` starts with an RFC 5424 VERSION (1-2 digits, non-zero first) followed by a space. */
export function probeRfc5424(s: string, i: number): boolean {
  const c0 = s.charCodeAt(i)
  if (c0 < 49 || c0 > 57) return false
  const c1 = s.charCodeAt(i + 1)
  if (c1 === 32) return isTimestampStart(s, i + 2)
  const c2 = s.charCodeAt(i + 2)
  return c1 >= 48 && c1 <= 57 && c2 === 32 && isTimestampStart(s, i + 3)
}

function isTimestampStart(s: string, i: number): boolean {
  if (s[i] === '-' && s[i + 1] === ' ') return true
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(i + k)
    if (c < 48 || c > 57) return false
  }
  return s[i + 4] === '-'
}

function token(s: string, i: number): { value: string | undefined; next: number } {
  let j = s.indexOf(' ', i)
  if (j < 0) j = s.length
  const v = s.slice(i, j)
  return { value: v === '-' || v === '' ? undefined : v, next: j + 1 }
}

/** Parses SD-ELEMENTs starting at `i` (which is `[`). Returns the index after the last `]`, or -1 if malformed. */
export function parseStructuredData(s: string, i: number, out: Record<string, Record<string, string>>): number {
  let j = i
  let elements = 0
  while (s[j] === '[' && elements < 64) {
    elements++
    j++
    let k = j
    while (k < s.length && s[k] !== ' ' && s[k] !== ']' && s[k] !== '=' && s[k] !== '"') k++
    const id = s.slice(j, k)
    if (id === '' || (s[k] !== ' ' && s[k] !== ']')) return -1
    const params: Record<string, string> = {}
    j = k
    let nParams = 0
    while (s[j] === ' ') {
      while (s[j] === ' ') j++
      if (s[j] === ']') break
      k = j
      while (k < s.length && s[k] !== '=' && s[k] !== ' ' && s[k] !== ']' && s[k] !== '"') k++
      const name = s.slice(j, k)
      if (name === '' || s[k] !== '=' || s[k + 1] !== '"') return -1
      j = k + 2
      let value = ''
      let seg = j
      for (;;) {
        if (j >= s.length) return -1
        const c = s.charCodeAt(j)
        if (c === 92) {
          const n = s[j + 1]
          if (n === '"' || n === '\\' || n === ']') {
            value += s.slice(seg, j) + n
            j += 2
            seg = j
            continue
          }
          j++
          continue
        }
        if (c === 34) break
        j++
      }
      value += s.slice(seg, j)
      j++
      if (name !== '__proto__' && nParams < 256 && !(name in params)) {
        params[name] = value
        nParams++
      }
    }
    if (s[j] !== ']') return -1
    j++
    if (id !== '__proto__' && !(id in out)) out[id] = params
  }
  return j
}

/** Parses the RFC 5424 part of `s` from `i` (after PRI) into `d`. */
export function parseRfc5424Into(s: string, i: number, d: SyslogDraft, tzOffsetMinutes: number): void {
  d.format = 'rfc5424'
  let j = s.indexOf(' ', i) + 1
  if (s[j] === '-') {
    j += 2
  } else {
    const t = parseRfc3339(s, j, tzOffsetMinutes)
    if (t === undefined) {
      d.warnings.push('syslog.timestamp_invalid')
      j = token(s, j).next
    } else {
      d.ts = t.ts
      j = t.next + 1
    }
  }
  const host = token(s, j)
  if (host.value !== undefined) d.hostname = host.value
  const app = token(s, host.next)
  if (app.value !== undefined) d.app_name = app.value
  const proc = token(s, app.next)
  if (proc.value !== undefined) d.proc_id = proc.value
  const msgid = token(s, proc.next)
  if (msgid.value !== undefined) d.msg_id = msgid.value
  j = msgid.next
  if (j > s.length) {
    d.message = ''
    return
  }
  if (s[j] === '-') {
    j++
  } else if (s[j] === '[') {
    const sd: Record<string, Record<string, string>> = {}
    const after = parseStructuredData(s, j, sd)
    if (after < 0) {
      d.warnings.push('syslog.sd_malformed')
    } else {
      d.structured_data = sd
      j = after
    }
  }
  if (s[j] === ' ') j++
  let msg = s.slice(j)
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1)
  d.message = msg
}
