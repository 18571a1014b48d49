/**
 * One entry point for a syslog message: `parseSyslog(bytes, receivedTs)` picks RFC 5424 (`<PRI>1 `),
 * the Cisco counter form (`<PRI>123: `), or tolerant RFC 3164 for everything else, and returns the parsed
 * fields or a DecodeError. Soft problems (no PRI, PRI > 191, invalid UTF-8 decoded as latin1, bad
 * timestamp, malformed SD) are listed in `warnings` and the message is still parsed; hard problems
 * (`syslog.empty`, `syslog.too_long`, `syslog.not_text`) reject it. Trailing LF/CR/NUL are framing, not
 * message, and are removed. The timestamp is the message's when it has a valid one, else the receive time.
 */
import { type Decoded, fail } from '../errors.js'
import { parseCiscoInto, probeCisco } from './cisco.js'
import {
  applyPri,
  DEFAULT_MAX_MESSAGE_BYTES,
  decodeText,
  looksBinary,
  type ParsedSyslog,
  parsePri,
  type SyslogDraft,
  type SyslogParseOptions,
} from './common.js'
import { parseRfc3164Into } from './rfc3164.js'
import { parseRfc5424Into, probeRfc5424 } from './rfc5424.js'

export type { ParsedSyslog, SyslogParseOptions, SyslogWarning } from './common.js'

/** Parses one syslog message. `input` is the message bytes (or already-decoded text). */
export function parseSyslog(
  input: Buffer | string,
  receivedTs: number,
  opts: SyslogParseOptions = {},
  off = 0,
  end: number = input.length,
): Decoded<ParsedSyslog> {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  let e = Math.min(end, input.length)
  let s: string
  const d: SyslogDraft = { format: 'unknown', message: '', warnings: [] }
  if (typeof input === 'string') {
    while (e > off && isFramingChar(input.charCodeAt(e - 1))) e--
    if (e <= off) return fail('syslog.empty', off)
    if (e - off > max) return fail('syslog.too_long', off, max, e - off)
    s = off === 0 && e === input.length ? input : input.slice(off, e)
  } else {
    while (e > off && isFramingChar(input[e - 1] ?? 0)) e--
    if (e <= off) return fail('syslog.empty', off)
    if (e - off > max) return fail('syslog.too_long', off, max, e - off)
    const t = decodeText(input, off, e)
    // Control bytes decode to the same code points (UTF-8 and latin1 alike) and the first 512 code units
    // cover at least the first 512 bytes, so text without them there is not binary: the byte count of
    // looksBinary is only needed when one is present.
    if (hasControlChar(t.text) && looksBinary(input, off, e)) return fail('syslog.not_text', off)
    if (t.invalidUtf8) d.warnings.push('syslog.invalid_utf8')
    s = t.text
  }
  let i = 0
  while (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 10 || s.charCodeAt(i) === 13) i++
  if (i >= s.length) return fail('syslog.empty', off)
  const pri = parsePri(s, i)
  if (pri === undefined) {
    d.warnings.push('syslog.pri_missing')
  } else {
    if (pri.pri < 0) d.warnings.push('syslog.pri_invalid')
    else applyPri(d, pri.pri)
    i = pri.next
  }
  const tz = opts.tzOffsetMinutes ?? 0
  const ref = opts.referenceTs ?? receivedTs
  if (probeRfc5424(s, i)) parseRfc5424Into(s, i, d, tz)
  else if (probeCisco(s, i)) parseCiscoInto(s, i, d, ref, tz)
  else parseRfc3164Into(s, i, d, ref, tz)
  const fromMsg = d.ts !== undefined && Number.isFinite(d.ts)
  const out = d as SyslogDraft & { ts: number; tsFromMessage: boolean }
  out.ts = fromMsg ? (d.ts as number) : receivedTs
  out.tsFromMessage = fromMsg
  return { ok: true, value: out, next: end }
}

/** C0 controls other than TAB, LF, CR (NUL included). */
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F]/

function hasControlChar(text: string): boolean {
  return CONTROL.test(text.length > 512 ? text.slice(0, 512) : text)
}

function isFramingChar(c: number): boolean {
  return c === 10 || c === 13 || c === 0
}
