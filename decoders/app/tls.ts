/**
 * TLS record and hello decoding, just enough for the sensor (RFC 8446 §4.1.2-§4.1.3, §5.1; RFC 5246 §6.2,
 * §7.4.1; RFC 6066 §3 server_name). `probeTls` looks at a record header (content type 22 handshake, version
 * 3.0-3.4) and the handshake type of the first message. `decodeTlsHello` parses a ClientHello or ServerHello
 * message (already taken out of its records) for the legacy version, the SNI host name, ALPN and the
 * supported_versions extension. Every length is checked against its enclosing length; loops are bounded by
 * bytes remaining and TLS_MAX_EXTENSIONS. Not handled: SSLv2-compatible hellos, ECH (the outer SNI is what is
 * reported), certificates (encrypted in TLS 1.3 anyway).
 */
import { type Decoded, fail } from '../errors.js'

export const TLS_RECORD_HEADER_LEN = 5
/** Hard cap on extensions walked in one hello. */
export const TLS_MAX_EXTENSIONS = 128

export const TLS_CONTENT_HANDSHAKE = 22
export const TLS_HS_CLIENT_HELLO = 1
export const TLS_HS_SERVER_HELLO = 2

export interface TlsHello {
  /** 1 ClientHello, 2 ServerHello. */
  readonly type: 1 | 2
  /** legacy_version field. */
  readonly legacyVersion: number
  /** SNI host_name (ClientHello), lower-cased. */
  readonly sni?: string
  /** ALPN protocol names (ClientHello offers, ServerHello selection). */
  readonly alpn?: readonly string[]
  /** supported_versions: offered (ClientHello) or selected (ServerHello, one entry). */
  readonly supportedVersions?: readonly number[]
}

/** Zeek-style version names; `unknown-0xNNNN` otherwise. */
export function tlsVersionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSLv3'
    case 0x0301:
      return 'TLSv10'
    case 0x0302:
      return 'TLSv11'
    case 0x0303:
      return 'TLSv12'
    case 0x0304:
      return 'TLSv13'
    default:
      return `unknown-0x${v.toString(16).padStart(4, '0')}`
  }
}

/**
 * 'yes' when the bytes start with a handshake record of SSL 3.0 - TLS 1.3 whose first message is a ClientHello
 * (`dir` 0) or a ServerHello (`dir` 1); 'need-more' before 6 bytes.
 */
export function probeTls(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n < 1) return 'need-more'
  if (buf[off] !== TLS_CONTENT_HANDSHAKE) return 'no'
  if (n < 2) return 'need-more'
  if (buf[off + 1] !== 3) return 'no'
  if (n < 3) return 'need-more'
  if ((buf[off + 2] ?? 9) > 4) return 'no'
  if (n < 6) return 'need-more'
  const len = buf.readUInt16BE(off + 3)
  if (len === 0 || len > 16384 + 2048) return 'no'
  return buf[off + 5] === (dir === 0 ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO) ? 'yes' : 'no'
}

/**
 * Decodes one ClientHello or ServerHello handshake message at `off` (type byte, 24-bit length, body).
 * Errors: `tls.truncated`, `tls.not_hello`, `tls.bad_length`.
 */
export function decodeTlsHello(buf: Buffer, off: number, end: number): Decoded<TlsHello> {
  if (end > buf.length) end = buf.length
  if (end - off < 4) return fail('tls.truncated', off, 4, end - off)
  const type = buf[off]
  if (type !== 1 && type !== 2) return fail('tls.not_hello', off)
  const len = buf.readUIntBE(off + 1, 3)
  const bodyEnd = off + 4 + len
  if (bodyEnd > end) return fail('tls.truncated', off, 4 + len, end - off)
  let p = off + 4
  if (bodyEnd - p < 35) return fail('tls.bad_length', p)
  const legacyVersion = buf.readUInt16BE(p)
  p += 34
  const sid = buf[p] ?? 0
  p += 1 + sid
  if (p > bodyEnd) return fail('tls.bad_length', p)
  if (type === 1) {
    if (p + 2 > bodyEnd) return fail('tls.bad_length', p)
    p += 2 + buf.readUInt16BE(p)
    if (p + 1 > bodyEnd) return fail('tls.bad_length', p)
    p += 1 + (buf[p] ?? 0)
  } else {
    p += 3
  }
  if (p > bodyEnd) return fail('tls.bad_length', p)
  const out: { type: 1 | 2; legacyVersion: number; sni?: string; alpn?: string[]; supportedVersions?: number[] } = {
    type,
    legacyVersion,
  }
  if (p + 2 > bodyEnd) return { ok: true, value: out, next: bodyEnd }
  const extEnd = p + 2 + buf.readUInt16BE(p)
  if (extEnd > bodyEnd) return fail('tls.bad_length', p)
  p += 2
  for (let i = 0; i < TLS_MAX_EXTENSIONS && p + 4 <= extEnd; i++) {
    const et = buf.readUInt16BE(p)
    const el = buf.readUInt16BE(p + 2)
    const s = p + 4
    const e = s + el
    if (e > extEnd) return fail('tls.bad_length', p)
    if (et === 0 && type === 1 && el >= 5) {
      // server_name_list: list length, then (name_type, length, name) entries; host_name is type 0.
      const listEnd = Math.min(e, s + 2 + buf.readUInt16BE(s))
      let q = s + 2
      while (q + 3 <= listEnd) {
        const nt = buf[q]
        const nl = buf.readUInt16BE(q + 1)
        if (q + 3 + nl > listEnd) break
        if (nt === 0 && out.sni === undefined) out.sni = buf.toString('latin1', q + 3, q + 3 + nl).toLowerCase()
        q += 3 + nl
      }
    } else if (et === 16 && el >= 2) {
      const listEnd = Math.min(e, s + 2 + buf.readUInt16BE(s))
      const names: string[] = []
      let q = s + 2
      while (q < listEnd && names.length < 16) {
        const nl = buf[q] ?? 0
        if (q + 1 + nl > listEnd) break
        names.push(buf.toString('latin1', q + 1, q + 1 + nl))
        q += 1 + nl
      }
      out.alpn = names
    } else if (et === 43) {
      const vs: number[] = []
      if (type === 2 && el === 2) vs.push(buf.readUInt16BE(s))
      else if (type === 1 && el >= 1) {
        const listEnd = Math.min(e, s + 1 + (buf[s] ?? 0))
        for (let q = s + 1; q + 2 <= listEnd && vs.length < 32; q += 2) vs.push(buf.readUInt16BE(q))
      }
      out.supportedVersions = vs
    }
    p = e
  }
  return { ok: true, value: out, next: bodyEnd }
}
