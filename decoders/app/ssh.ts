/**
 * SSH protocol version exchange (RFC 4253 §4.2): each side first sends `SSH-protoversion-softwareversion[ SP
 * comments]CRLF`; a server may send other lines before it. The probe recognises `SSH-2.0-`, `SSH-1.99-` and
 * `SSH-1.x-`; `decodeSshBanner` returns the versions. Not handled: the binary packet protocol after the banner.
 */
import { type Decoded, fail } from '../errors.js'

/** `SSH-x.y-` */
export const SSH_MIN_LEN = 8
/** RFC 4253 §4.2: the identification string is at most 255 characters including CRLF. */
export const SSH_MAX_BANNER = 255

export interface SshBanner {
  readonly protoVersion: string
  readonly software: string
  readonly comments?: string
}

const PREFIX = [0x53, 0x53, 0x48, 0x2d] // "SSH-"

/** 'yes' on `SSH-<digit>.<digit>`, either direction. */
export function probeSsh(_dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  for (let i = 0; i < Math.min(n, 4); i++) if (buf[off + i] !== PREFIX[i]) return 'no'
  if (n < 7) return 'need-more'
  const a = buf[off + 4] ?? 0
  const dot = buf[off + 5]
  const b = buf[off + 6] ?? 0
  return a >= 0x31 && a <= 0x32 && dot === 0x2e && b >= 0x30 && b <= 0x39 ? 'yes' : 'no'
}

/** Decodes a banner line starting at `off`. Errors: `ssh.truncated`, `ssh.bad_banner`. */
export function decodeSshBanner(buf: Buffer, off: number, end: number): Decoded<SshBanner> {
  if (end - off < SSH_MIN_LEN) return fail('ssh.truncated', off, SSH_MIN_LEN, Math.max(0, end - off))
  let lf = -1
  const stop = Math.min(end, off + SSH_MAX_BANNER)
  for (let i = off; i < stop; i++) {
    if (buf[i] === 0x0a) {
      lf = i
      break
    }
  }
  if (lf < 0) return end - off >= SSH_MAX_BANNER ? fail('ssh.bad_banner', off) : fail('ssh.truncated', off)
  const line = buf.toString('latin1', off, lf > off && buf[lf - 1] === 0x0d ? lf - 1 : lf)
  const m = /^SSH-(\d\.\d+)-(\S+)(?: (.*))?$/.exec(line)
  if (m === null) return fail('ssh.bad_banner', off)
  const value: { protoVersion: string; software: string; comments?: string } = {
    protoVersion: m[1] ?? '',
    software: m[2] ?? '',
  }
  if (m[3] !== undefined) value.comments = m[3]
  return { ok: true, value, next: lf + 1 }
}
