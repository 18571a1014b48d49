/**
 * FTP control-channel lines (RFC 959 §4.1-§4.2, §5.3; RFC 2428 EPRT/EPSV; RFC 3659 SIZE): commands
 * (`VERB[ SP arg]`), replies (`NNN SP text`, multi-line `NNN-text` … `NNN SP text`), and the address forms
 * carried in PORT / 227 PASV (`h1,h2,h3,h4,p1,p2`), EPRT (`|af|addr|port|`) and 229 EPSV (`(|||port|)`), plus the
 * size in a 150 reply (`(N bytes)`) and a 213 SIZE reply. Line framing (CRLF search, caps) is the analyzer's job;
 * these functions take one line without its CRLF. Not handled: TLS (AUTH TLS → the analyzer stops), RFC 1639
 * LPRT/LPSV, Telnet IAC sequences inside commands (kept as bytes).
 */
import { type Decoded, fail } from '../errors.js'

/** Shortest reply line: `NNN` (RFC 959 allows a bare code on the last line). */
export const FTP_MIN_LEN = 3
/** Longest command verb we accept (RFC 959 verbs are 3-4 letters; extensions like `XCRC`, `OPTS`, `CLNT`). */
export const FTP_MAX_VERB = 8

export interface FtpCommand {
  /** Verb, uppercased. */
  readonly command: string
  /** Argument, as sent (empty when none). */
  readonly arg: string
}

export interface FtpReply {
  readonly code: number
  /** True for `NNN-` (a multi-line reply continues). */
  readonly continued: boolean
  readonly text: string
}

export interface FtpHostPort {
  /** Dotted quad or IPv6 text; undefined when the form carries no address (EPSV). */
  readonly host?: string
  readonly port: number
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}
function isAlpha(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a
}

/**
 * Cheap look at the first payload of a direction. Client side (`dir` 0): an FTP command verb that opens a session
 * (USER, AUTH, FEAT, SYST, OPTS) followed by a space or CRLF. Server side (`dir` 1): a `220` greeting whose first line
 * mentions FTP (so an SMTP `220` banner is not taken; a bare `220` is confirmed later by the client side).
 */
export function probeFtp(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  if (dir === 0) {
    const verbs = ['USER', 'AUTH', 'FEAT', 'SYST', 'OPTS']
    if (n < 5) {
      for (const v of verbs) {
        let pre = true
        for (let i = 0; i < n; i++) if (((buf[off + i] ?? 0) & 0xdf) !== v.charCodeAt(i)) pre = false
        if (pre) return 'need-more'
      }
      return 'no'
    }
    for (const v of verbs) {
      let same = true
      for (let i = 0; i < 4; i++) if (((buf[off + i] ?? 0) & 0xdf) !== v.charCodeAt(i)) same = false
      if (!same) continue
      const c = buf[off + 4]
      return c === 0x20 || c === 0x0d || c === 0x0a ? 'yes' : 'no'
    }
    return 'no'
  }
  // Server greeting: "220" then ' ' or '-', and "FTP" somewhere in the first line (case-insensitive).
  const head = [0x32, 0x32, 0x30]
  for (let i = 0; i < Math.min(n, 3); i++) if (buf[off + i] !== head[i]) return 'no'
  if (n < 4) return 'need-more'
  const sep = buf[off + 3]
  if (sep !== 0x20 && sep !== 0x2d) return 'no'
  const stop = Math.min(end, off + 512)
  for (let i = off + 4; i < stop; i++) {
    const c = buf[i] ?? 0
    if (c === 0x0a) return 'no'
    if ((c & 0xdf) === 0x46 && ((buf[i + 1] ?? 0) & 0xdf) === 0x54 && ((buf[i + 2] ?? 0) & 0xdf) === 0x50) return 'yes'
  }
  return stop === end && end - off < 512 ? 'need-more' : 'no'
}

/** Parses one command line (without CRLF). Errors: `ftp.empty_line`, `ftp.bad_command`. */
export function decodeFtpCommand(buf: Buffer, off: number, end: number): Decoded<FtpCommand> {
  if (end <= off) return fail('ftp.empty_line', off)
  let i = off
  while (i < end && i - off <= FTP_MAX_VERB && isAlpha(buf[i] ?? 0)) i++
  if (i === off || i - off > FTP_MAX_VERB) return fail('ftp.bad_command', off)
  if (i < end && buf[i] !== 0x20) return fail('ftp.bad_command', i)
  const command = buf.toString('latin1', off, i).toUpperCase()
  const arg = i < end ? buf.toString('utf8', i + 1, end) : ''
  return { ok: true, value: { command, arg }, next: end }
}

/** Parses one reply line (without CRLF). Errors: `ftp.truncated`, `ftp.bad_reply`. */
export function decodeFtpReply(buf: Buffer, off: number, end: number): Decoded<FtpReply> {
  if (end - off < FTP_MIN_LEN) return fail('ftp.truncated', off, FTP_MIN_LEN, Math.max(0, end - off))
  const a = buf[off] ?? 0
  const b = buf[off + 1] ?? 0
  const c = buf[off + 2] ?? 0
  if (a < 0x31 || a > 0x35 || !isDigit(b) || !isDigit(c)) return fail('ftp.bad_reply', off)
  const code = (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30)
  if (end - off === 3) return { ok: true, value: { code, continued: false, text: '' }, next: end }
  const sep = buf[off + 3]
  if (sep !== 0x20 && sep !== 0x2d) return fail('ftp.bad_reply', off + 3)
  return { ok: true, value: { code, continued: sep === 0x2d, text: buf.toString('utf8', off + 4, end) }, next: end }
}

/** True when `line` starts with `NNN ` / `NNN-` (used to spot the last line of a multi-line reply). */
export function replyCodeAt(buf: Buffer, off: number, end: number): number {
  if (end - off < 3) return -1
  const a = buf[off] ?? 0
  const b = buf[off + 1] ?? 0
  const c = buf[off + 2] ?? 0
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return -1
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30)
}

/** Parses `h1,h2,h3,h4,p1,p2` anywhere in `s` (PORT argument, 227 reply text). */
export function parseFtpHostPort(s: string): FtpHostPort | undefined {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(s)
  if (m === null) return undefined
  const n = m.slice(1, 7).map((x) => Number(x))
  if (n.some((x) => x > 255)) return undefined
  const port = (n[4] ?? 0) * 256 + (n[5] ?? 0)
  if (port === 0) return undefined
  return { host: `${n[0]}.${n[1]}.${n[2]}.${n[3]}`, port }
}

/** Parses an EPRT argument `<d>af<d>addr<d>port<d>` (RFC 2428 §2; any printable delimiter). */
export function parseFtpEprt(s: string): FtpHostPort | undefined {
  const d = s[0]
  if (d === undefined || s.length < 7) return undefined
  const parts = s.split(d)
  if (parts.length < 5) return undefined
  const af = parts[1]
  const host = parts[2] ?? ''
  const port = Number(parts[3])
  if ((af !== '1' && af !== '2') || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined
  if (af === '1' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return undefined
  if (af === '2' && !/^[0-9a-fA-F:.]+$/.test(host)) return undefined
  return { host, port }
}

/** Parses the port of a 229 reply, `… (<d><d><d>port<d>)` (RFC 2428 §3). */
export function parseFtpEpsv(s: string): FtpHostPort | undefined {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(s)
  if (m === null) return undefined
  const port = Number(m[2])
  return port >= 1 && port <= 65535 ? { port } : undefined
}

/** The size announced in a 150 reply, `(12345 bytes)`, when present. */
export function parseFtp150Size(s: string): number | undefined {
  const m = /\((\d{1,15}) bytes?\)/i.exec(s)
  return m === null ? undefined : Number(m[1])
}

/** The size in a 213 reply to SIZE (RFC 3659 §4): the text is the decimal size. */
export function parseFtp213Size(s: string): number | undefined {
  const m = /^\s*(\d{1,15})\s*$/.exec(s)
  return m === null ? undefined : Number(m[1])
}
