/**
 * HTTP/1.x message heads (RFC 9112 §2-§7): probes for a request or status line, a header-block parser with
 * caps, and the chunk-size line parser (§7.1). Pure and bounded: the head must end (CRLF CRLF, or bare LF LF as
 * lenient servers send) within `maxHeadBytes`, at most `maxHeaders` fields, each line at most `maxLineBytes`.
 * An incomplete head returns the error `http.truncated` (the caller waits for more bytes unless its cap is
 * reached). Obsolete line folding is joined with a space. Not handled: HTTP/2 (binary framing, see the `PRI *`
 * preface), HTTP/0.9 simple requests, trailers' content (skipped by the analyzer).
 */
import { type Decoded, fail } from '../errors.js'

export const HTTP_MAX_HEAD_BYTES = 16384
export const HTTP_MAX_HEADERS = 128
export const HTTP_MAX_LINE_BYTES = 8192
/** A chunk size above this (1 TiB) is treated as invalid. */
export const HTTP_MAX_CHUNK = 2 ** 40

export interface HttpHead {
  readonly isRequest: boolean
  /** Request method (requests). */
  readonly method: string
  /** Request target as sent (requests). */
  readonly uri: string
  /** `HTTP/1.1`... */
  readonly version: string
  /** Status code (responses), 0 for requests. */
  readonly status: number
  /** Reason phrase (responses). */
  readonly reason: string
  /** Header fields in order; names lower-cased. */
  readonly headers: readonly (readonly [string, string])[]
}

export interface HttpCaps {
  readonly maxHeadBytes: number
  readonly maxHeaders: number
  readonly maxLineBytes: number
}

const DEFAULT_CAPS: HttpCaps = {
  maxHeadBytes: HTTP_MAX_HEAD_BYTES,
  maxHeaders: HTTP_MAX_HEADERS,
  maxLineBytes: HTTP_MAX_LINE_BYTES,
}

/** Methods accepted by the request probe (RFC 9110 plus WebDAV and BITS_POST, ET 2030917). */
export const HTTP_METHODS: readonly string[] = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PATCH',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'REPORT',
  'BITS_POST',
]

const METHOD_BYTES = HTTP_METHODS.map((m) => Buffer.from(`${m} `, 'latin1'))

/** 'yes' when `buf[off,end)` starts with a known method and a space; 'need-more' while it is a prefix of one. */
export function probeHttpRequest(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  let more = false
  for (const m of METHOD_BYTES) {
    const k = Math.min(n, m.length)
    let same = true
    for (let i = 0; i < k; i++) {
      if (buf[off + i] !== m[i]) {
        same = false
        break
      }
    }
    if (!same) continue
    if (k === m.length) {
      // The target must start right after the method: `/`, `*`, or an absolute URI / authority.
      if (n === m.length) return 'need-more'
      const c = buf[off + m.length] ?? 0
      return c > 0x20 && c < 0x7f ? 'yes' : 'no'
    }
    more = true
  }
  return more ? 'need-more' : 'no'
}

const HTTP_SLASH = Buffer.from('HTTP/1.', 'latin1')

/** 'yes' when `buf[off,end)` starts with `HTTP/1.x NNN`; 'need-more' while it is a prefix of that. */
export function probeHttpResponse(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  const k = Math.min(n, HTTP_SLASH.length)
  for (let i = 0; i < k; i++) if (buf[off + i] !== HTTP_SLASH[i]) return 'no'
  if (n < 12) return 'need-more'
  const v = buf[off + 7] ?? 0
  if (v < 0x30 || v > 0x39 || buf[off + 8] !== 0x20) return 'no'
  for (let i = 9; i < 12; i++) {
    const c = buf[off + i] ?? 0
    if (c < 0x30 || c > 0x39) return 'no'
  }
  return 'yes'
}

/** Offset just after the blank line ending the head, or -1 when not within [off, limit). */
export function findHeadEnd(buf: Buffer, off: number, limit: number): number {
  let p = buf.indexOf(10, off)
  while (p >= 0 && p < limit) {
    // LF LF or LF CR LF ends the head.
    if (p + 1 < limit && buf[p + 1] === 10) return p + 2
    if (p + 2 < limit && buf[p + 1] === 13 && buf[p + 2] === 10) return p + 3
    p = buf.indexOf(10, p + 1)
  }
  return -1
}

function trimLine(buf: Buffer, s: number, e: number): number {
  return e > s && buf[e - 1] === 13 ? e - 1 : e
}

/**
 * Decodes a request or response head at `off`. `next` is the first body byte. Errors: `http.truncated`
 * (incomplete; `need` = bytes seen so far + 1), `http.header_too_long`, `http.line_too_long`,
 * `http.too_many_headers`, `http.bad_start_line`, `http.bad_header`.
 */
export function decodeHttpHead(
  buf: Buffer,
  off: number,
  end: number,
  caps: HttpCaps = DEFAULT_CAPS,
): Decoded<HttpHead> {
  if (end > buf.length) end = buf.length
  const limit = Math.min(end, off + caps.maxHeadBytes)
  const headEnd = findHeadEnd(buf, off, limit)
  if (headEnd < 0) {
    if (end - off >= caps.maxHeadBytes) return fail('http.header_too_long', off, caps.maxHeadBytes, end - off)
    return fail('http.truncated', off, end - off + 1, end - off)
  }
  let nl = buf.indexOf(10, off)
  if (nl < 0 || nl >= headEnd) return fail('http.bad_start_line', off)
  const le = trimLine(buf, off, nl)
  if (le - off > caps.maxLineBytes) return fail('http.line_too_long', off, caps.maxLineBytes, le - off)
  const line = buf.toString('latin1', off, le)
  const sp1 = line.indexOf(' ')
  if (sp1 <= 0) return fail('http.bad_start_line', off)
  let isRequest: boolean
  let method = ''
  let uri = ''
  let version = ''
  let status = 0
  let reason = ''
  if (line.startsWith('HTTP/')) {
    isRequest = false
    version = line.slice(0, sp1)
    const rest = line.slice(sp1 + 1)
    const code = rest.slice(0, 3)
    if (!/^[0-9]{3}$/.test(code) || (rest.length > 3 && rest[3] !== ' ')) return fail('http.bad_start_line', off)
    status = Number(code)
    reason = rest.slice(4)
  } else {
    isRequest = true
    method = line.slice(0, sp1)
    const sp2 = line.lastIndexOf(' ')
    if (sp2 <= sp1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) return fail('http.bad_start_line', off)
    uri = line.slice(sp1 + 1, sp2)
    version = line.slice(sp2 + 1)
    if (!version.startsWith('HTTP/')) return fail('http.bad_start_line', off)
  }
  const headers: [string, string][] = []
  let p = nl + 1
  while (p < headEnd) {
    nl = buf.indexOf(10, p)
    if (nl < 0 || nl >= headEnd) break
    const e = trimLine(buf, p, nl)
    if (e === p) break
    if (e - p > caps.maxLineBytes) return fail('http.line_too_long', p, caps.maxLineBytes, e - p)
    const c0 = buf[p]
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      // obs-fold (RFC 9112 §5.2): continuation of the previous field value.
      const last = headers[headers.length - 1] as [string, string]
      last[1] = `${last[1]} ${buf.toString('latin1', p, e).trim()}`
    } else {
      const colon = buf.indexOf(0x3a, p)
      if (colon < 0 || colon >= e || colon === p) return fail('http.bad_header', p)
      if (headers.length >= caps.maxHeaders) return fail('http.too_many_headers', p, caps.maxHeaders)
      headers.push([buf.toString('latin1', p, colon).trim().toLowerCase(), buf.toString('latin1', colon + 1, e).trim()])
    }
    p = nl + 1
  }
  return { ok: true, value: { isRequest, method, uri, version, status, reason, headers }, next: headEnd }
}

/** First value of header `name` (lower case), or undefined. */
export function headerValue(h: HttpHead, name: string): string | undefined {
  for (const [k, v] of h.headers) if (k === name) return v
  return undefined
}

/**
 * Decodes a chunk-size line (`1a2b;ext=1\r\n`) at `off`; value = the size, next = first data byte.
 * Errors: `http.truncated` (no line end yet), `http.chunk_size_invalid`, `http.chunk_size_too_large`.
 */
export function decodeChunkSize(buf: Buffer, off: number, end: number, maxLine = 1024): Decoded<number> {
  if (end > buf.length) end = buf.length
  const nl = buf.indexOf(10, off)
  if (nl < 0 || nl >= end) {
    if (end - off >= maxLine) return fail('http.chunk_size_invalid', off)
    return fail('http.truncated', off, end - off + 1, end - off)
  }
  if (nl - off > maxLine) return fail('http.chunk_size_invalid', off)
  let p = off
  while (p < nl && (buf[p] === 0x20 || buf[p] === 0x09)) p++
  let size = 0
  let digits = 0
  for (; p < nl; p++) {
    const c = buf[p] ?? 0
    const d =
      c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1
    if (d < 0) break
    size = size * 16 + d
    digits++
    if (size > HTTP_MAX_CHUNK) return fail('http.chunk_size_too_large', off)
  }
  if (digits === 0) return fail('http.chunk_size_invalid', off)
  const c = buf[p]
  if (p < nl && c !== 0x3b && c !== 0x20 && c !== 0x09 && c !== 0x0d) return fail('http.chunk_size_invalid', off)
  return { ok: true, value: size, next: nl + 1 }
}
