/**
 * SMTP session openings (RFC 5321 §4.2, §4.1.1.1): the server greeting `220 <domain> …` (or `220-` multi-line) and
 * the client's `EHLO`/`HELO`. A greeting is taken as SMTP only when its first line names SMTP/ESMTP/mail (an FTP
 * `220` banner is not), the client's EHLO/HELO always is. Not handled: the rest of the dialogue and STARTTLS.
 */

/** `220 ` or `EHLO `. */
export const SMTP_MIN_LEN = 4

function ci(buf: Buffer, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (((buf[at + i] ?? 0) | 0x20) !== (s.charCodeAt(i) | 0x20)) return false
  return true
}

/** Client `EHLO `/`HELO ` (dir 0) or server `220` greeting mentioning SMTP or mail (dir 1). */
export function probeSmtp(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  if (dir === 0) {
    for (const v of ['EHLO ', 'HELO ']) {
      let pre = true
      for (let i = 0; i < Math.min(n, 5); i++)
        if (((buf[off + i] ?? 0) & 0xdf) !== (v.charCodeAt(i) & 0xdf)) pre = false
      if (pre) return n < 5 ? 'need-more' : 'yes'
    }
    return 'no'
  }
  const head = '220'
  for (let i = 0; i < Math.min(n, 3); i++) if (buf[off + i] !== head.charCodeAt(i)) return 'no'
  if (n < 4) return 'need-more'
  if (buf[off + 3] !== 0x20 && buf[off + 3] !== 0x2d) return 'no'
  const stop = Math.min(end, off + 512)
  for (let i = off + 4; i < stop; i++) {
    if (buf[i] === 0x0a) return 'no'
    if (ci(buf, i, 'SMTP') || ci(buf, i, ' mail')) return 'yes'
  }
  return stop === end && n < 512 ? 'need-more' : 'no'
}
