/**
 * Finger requests (RFC 1288 §2.3; Zeek's grammar in src/analyzer/protocol/finger/finger.spicy):
 * `[/W ]user[@host]CRLF` with an optional verbose token `/W`, a user (possibly empty: "list users") and an optional
 * `@host` chain (forwarding). The request must be valid UTF-8 text without control characters; the reply is free
 * text that the analyzer measures and sniffs. Not handled: RFC 742 forwarding semantics beyond splitting at the
 * first `@`, and requests longer than FINGER_MAX_REQUEST (Zeek's long-request trace is rejected as not finger).
 */
import { type Decoded, fail } from '../errors.js'

/** A request is at least CRLF (an empty query lists the users). */
export const FINGER_MIN_LEN = 2
/** Longest request line accepted (RFC 1288 gives no limit; real queries are short). */
export const FINGER_MAX_REQUEST = 512

export interface FingerRequest {
  /** The query as sent, without CRLF. */
  readonly query: string
  /** True when the query starts with the verbose token `/W`. */
  readonly verbose: boolean
  /** User part ('' when the query lists users). */
  readonly user: string
  /** Host part after the first `@`, when present. */
  readonly host?: string
}

function lineEnd(buf: Buffer, off: number, end: number): number {
  const stop = Math.min(end, off + FINGER_MAX_REQUEST + 2)
  for (let i = off; i < stop; i++) if (buf[i] === 0x0a) return i
  return -1
}

function textOk(buf: Buffer, off: number, end: number): boolean {
  for (let i = off; i < end; i++) {
    const c = buf[i] ?? 0
    if (c === 0x09) continue
    if (c < 0x20 || c === 0x7f) return false
  }
  return true
}

/**
 * Cheap look at a client's first payload: a short printable line ending in LF (CRLF), at most 512 bytes, no
 * control characters, not starting like another text protocol's verb with a space-separated argument (an HTTP
 * request line or a `USER x` FTP command is not a finger query: a finger query has at most one space, after /W;
 * a lone all-uppercase word such as Redis' `PING` is a command, not a user).
 */
export function probeFinger(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (dir !== 0) return 'no'
  if (end <= off) return 'need-more'
  const lf = lineEnd(buf, off, end)
  if (lf < 0) {
    if (end - off > FINGER_MAX_REQUEST) return 'no'
    return textOk(buf, off, end) ? 'need-more' : 'no'
  }
  if (lf + 1 !== end) return 'no' // a finger client sends one line and waits
  const stop = lf > off && buf[lf - 1] === 0x0d ? lf - 1 : lf
  if (!textOk(buf, off, stop)) return 'no'
  let spaces = 0
  for (let i = off; i < stop; i++) if (buf[i] === 0x20) spaces++
  const verbose = stop - off >= 2 && buf[off] === 0x2f && ((buf[off + 1] ?? 0) | 0x20) === 0x77
  if (spaces > (verbose ? 1 : 0)) return 'no'
  if (!verbose && buf[off] === 0x2f) return 'no'
  // An all-uppercase word (PING, QUIT, HELP, INFO) is a line protocol's command, not a finger user.
  let upper = 0
  for (let i = off; i < stop; i++) {
    const c = buf[i] ?? 0
    if (c >= 0x41 && c <= 0x5a) upper++
  }
  if (upper >= 2 && upper === stop - off) return 'no'
  return 'yes'
}

/** Decodes a request line (must contain its LF). Errors: `finger.truncated`, `finger.too_long`, `finger.bad_request`. */
export function decodeFingerRequest(buf: Buffer, off: number, end: number): Decoded<FingerRequest> {
  if (end - off < 1) return fail('finger.truncated', off, FINGER_MIN_LEN, 0)
  const lf = lineEnd(buf, off, end)
  if (lf < 0) {
    return end - off > FINGER_MAX_REQUEST
      ? fail('finger.too_long', off)
      : fail('finger.truncated', off, end - off + 1, end - off)
  }
  const stop = lf > off && buf[lf - 1] === 0x0d ? lf - 1 : lf
  if (!textOk(buf, off, stop)) return fail('finger.bad_request', off)
  const text = buf.toString('utf8', off, stop)
  if (text.includes('\ufffd')) return fail('finger.bad_request', off)
  let rest = text.trim()
  let verbose = false
  if (/^\/w(\s|$)/i.test(rest)) {
    verbose = true
    rest = rest.slice(2).trim()
  }
  const at = rest.indexOf('@')
  const user = at < 0 ? rest : rest.slice(0, at)
  const value: { query: string; verbose: boolean; user: string; host?: string } = { query: text, verbose, user }
  if (at >= 0) value.host = rest.slice(at + 1)
  return { ok: true, value, next: lf + 1 }
}
