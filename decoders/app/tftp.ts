/**
 * TFTP packets (RFC 1350 §5, with option negotiation: RFC 2347 OACK, RFC 2348 blksize, RFC 2349 timeout/tsize).
 * One datagram is one packet: RRQ/WRQ carry a NUL-terminated filename and mode plus optional NUL-terminated
 * name/value pairs; DATA and ACK a 16-bit block number; ERROR a code and a NUL-terminated message; OACK options.
 * The mode is validated case-insensitively against netascii/octet/mail (Suricata's check); filenames must be
 * non-empty printable text. It does not handle RFC 7440 windowsize semantics (the option is parsed, not used).
 */
import { type Decoded, fail } from '../errors.js'

/** Opcode (2 bytes) plus at least one byte. */
export const TFTP_MIN_LEN = 4

export const TFTP_RRQ = 1
export const TFTP_WRQ = 2
export const TFTP_DATA = 3
export const TFTP_ACK = 4
export const TFTP_ERROR = 5
export const TFTP_OACK = 6

/** Hard cap on options per request/OACK (RFC 2347 defines a handful; more is noise). */
export const TFTP_MAX_OPTIONS = 16
/** Hard cap on a filename, mode, option or message string. */
export const TFTP_MAX_STRING = 512

export interface TftpRequest {
  readonly opcode: 1 | 2
  readonly filename: string
  /** Lowercased mode: `netascii`, `octet` or `mail`. */
  readonly mode: string
  /** RFC 2347 options, names lowercased (`blksize`, `tsize`, `timeout`, `windowsize`...). */
  readonly options: Readonly<Record<string, string>>
}

export interface TftpData {
  readonly opcode: 3
  readonly block: number
  /** Offsets of the data bytes in the buffer (0..blksize bytes). */
  readonly dataOff: number
  readonly dataEnd: number
}

export interface TftpAck {
  readonly opcode: 4
  readonly block: number
}

export interface TftpErrorPacket {
  readonly opcode: 5
  readonly errorCode: number
  readonly message: string
}

export interface TftpOack {
  readonly opcode: 6
  readonly options: Readonly<Record<string, string>>
}

export type TftpPacket = TftpRequest | TftpData | TftpAck | TftpErrorPacket | TftpOack

const MODES = ['netascii', 'octet', 'mail'] as const

/** Finds the NUL ending a string that starts at `off`, or -1 (no NUL before `end` or the string cap). */
function findNul(buf: Buffer, off: number, end: number): number {
  const stop = Math.min(end, off + TFTP_MAX_STRING + 1)
  for (let i = off; i < stop; i++) if (buf[i] === 0) return i
  return -1
}

function printable(buf: Buffer, off: number, end: number): boolean {
  for (let i = off; i < end; i++) {
    const c = buf[i] ?? 0
    if (c < 0x20 || c === 0x7f) return false
  }
  return true
}

/** Matches the mode at off..end against the RFC 1350 modes, case-insensitively, allocation-free. */
function modeIndex(buf: Buffer, off: number, end: number): number {
  for (let m = 0; m < MODES.length; m++) {
    const s = MODES[m] ?? ''
    if (end - off !== s.length) continue
    let same = true
    for (let i = 0; i < s.length; i++) {
      if (((buf[off + i] ?? 0) | 0x20) !== s.charCodeAt(i)) {
        same = false
        break
      }
    }
    if (same) return m
  }
  return -1
}

/**
 * Cheap look at a datagram sent to a TFTP server: an RRQ or WRQ with a non-empty printable filename and a valid
 * mode, both NUL-terminated (Arkime's classifier). Only requests are recognised (the first datagram of a flow).
 */
export function probeTftp(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (dir !== 0) return 'no'
  if (end - off < 2) return 'need-more'
  const op = buf.readUInt16BE(off)
  if (op !== TFTP_RRQ && op !== TFTP_WRQ) return 'no'
  const f = findNul(buf, off + 2, end)
  if (f < 0 || f === off + 2 || !printable(buf, off + 2, f)) return 'no'
  const m = findNul(buf, f + 1, end)
  if (m < 0 || modeIndex(buf, f + 1, m) < 0) return 'no'
  return 'yes'
}

function decodeOptions(
  buf: Buffer,
  off: number,
  end: number,
): { ok: true; options: Record<string, string> } | { ok: false; at: number } {
  const options: Record<string, string> = {}
  let n = 0
  while (off < end && n < TFTP_MAX_OPTIONS) {
    const a = findNul(buf, off, end)
    if (a < 0) return { ok: false, at: off }
    const b = findNul(buf, a + 1, end)
    if (b < 0) return { ok: false, at: a + 1 }
    if (a > off) {
      const name = buf.toString('latin1', off, a).toLowerCase()
      // Own-property map: names like `__proto__` must stay data.
      Object.defineProperty(options, name, {
        value: buf.toString('latin1', a + 1, b),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    off = b + 1
    n++
  }
  return { ok: true, options }
}

/** Decodes one TFTP datagram. `end` is the end of the UDP payload. */
export function decodeTftp(buf: Buffer, off: number, end: number): Decoded<TftpPacket> {
  if (end - off < 2) return fail('tftp.truncated', off, 2, Math.max(0, end - off))
  const op = buf.readUInt16BE(off)
  const p = off + 2
  switch (op) {
    case TFTP_RRQ:
    case TFTP_WRQ: {
      const f = findNul(buf, p, end)
      if (f < 0) return fail(end - p > TFTP_MAX_STRING ? 'tftp.string_too_long' : 'tftp.unterminated_filename', p)
      if (f === p) return fail('tftp.empty_filename', p)
      if (!printable(buf, p, f)) return fail('tftp.bad_filename', p)
      const m = findNul(buf, f + 1, end)
      if (m < 0) return fail('tftp.unterminated_mode', f + 1)
      const mi = modeIndex(buf, f + 1, m)
      if (mi < 0) return fail('tftp.bad_mode', f + 1)
      const opts = decodeOptions(buf, m + 1, end)
      if (!opts.ok) return fail('tftp.bad_option', opts.at)
      return {
        ok: true,
        value: {
          opcode: op,
          filename: buf.toString('utf8', p, f),
          mode: MODES[mi] ?? 'octet',
          options: opts.options,
        },
        next: end,
      }
    }
    case TFTP_DATA:
      if (end - p < 2) return fail('tftp.truncated', p, 2, Math.max(0, end - p))
      return { ok: true, value: { opcode: 3, block: buf.readUInt16BE(p), dataOff: p + 2, dataEnd: end }, next: end }
    case TFTP_ACK:
      if (end - p < 2) return fail('tftp.truncated', p, 2, Math.max(0, end - p))
      return { ok: true, value: { opcode: 4, block: buf.readUInt16BE(p) }, next: p + 2 }
    case TFTP_ERROR: {
      if (end - p < 2) return fail('tftp.truncated', p, 2, Math.max(0, end - p))
      const code = buf.readUInt16BE(p)
      // Some servers omit the terminating NUL; take the message to the end of the datagram then.
      const z = findNul(buf, p + 2, end)
      const mEnd = z < 0 ? Math.min(end, p + 2 + TFTP_MAX_STRING) : z
      return {
        ok: true,
        value: { opcode: 5, errorCode: code, message: buf.toString('latin1', p + 2, mEnd) },
        next: z < 0 ? mEnd : z + 1,
      }
    }
    case TFTP_OACK: {
      const opts = decodeOptions(buf, p, end)
      if (!opts.ok) return fail('tftp.bad_option', opts.at)
      return { ok: true, value: { opcode: 6, options: opts.options }, next: end }
    }
    default:
      return fail('tftp.bad_opcode', off)
  }
}

/** TFTP error codes (RFC 1350 §5, RFC 2347 8) → names; unknown codes as `unknown-<n>`. */
export function tftpErrorName(code: number): string {
  const names = [
    'not-defined',
    'file-not-found',
    'access-violation',
    'disk-full',
    'illegal-operation',
    'unknown-tid',
    'file-exists',
    'no-such-user',
    'option-refused',
  ]
  return names[code] ?? `unknown-${code}`
}
