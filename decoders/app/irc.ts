/**
 * IRC client and server lines (RFC 2812 §2.3, §3.1): a client's registration starts with `NICK`, `USER`, `PASS`,
 * `CAP` or `PING` followed by a space; a server line starts with `:prefix` followed by a command or a three-digit
 * numeric reply, or is a `NOTICE`/`PING`/`ERROR` line. Not handled: CTCP/DCC and message contents.
 */

/** `NICK x` */
export const IRC_MIN_LEN = 5

const CLIENT_VERBS = ['NICK ', 'USER ', 'PASS ', 'CAP ', 'PING ']
const SERVER_VERBS = ['NOTICE ', 'PING ', 'ERROR ']

function prefixOf(buf: Buffer, off: number, end: number, words: readonly string[]): 'yes' | 'no' | 'need-more' {
  const n = end - off
  let more = false
  for (const w of words) {
    let pre = true
    const k = Math.min(n, w.length)
    for (let i = 0; i < k; i++) if ((buf[off + i] ?? 0) !== w.charCodeAt(i)) pre = false
    if (!pre) continue
    if (k === w.length) return 'yes'
    more = true
  }
  return more ? 'need-more' : 'no'
}

export function probeIrc(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  if (dir === 0) return prefixOf(buf, off, end, CLIENT_VERBS)
  if (buf[off] !== 0x3a) return prefixOf(buf, off, end, SERVER_VERBS)
  // ":prefix SP command" where command is letters or a 3-digit numeric, then SP.
  const stop = Math.min(end, off + 256)
  let sp = -1
  for (let i = off + 1; i < stop; i++) {
    const c = buf[i] ?? 0
    if (c === 0x20) {
      sp = i
      break
    }
    if (c < 0x21 || c === 0x7f) return 'no'
  }
  if (sp < 0) return stop === end && n < 256 ? 'need-more' : 'no'
  if (sp === off + 1) return 'no'
  let i = sp + 1
  const first = buf[i]
  if (first === undefined) return 'need-more'
  if (first >= 0x30 && first <= 0x39) {
    if (end - i < 4) return 'need-more'
    for (let k = 0; k < 3; k++) {
      const c = buf[i + k] ?? 0
      if (c < 0x30 || c > 0x39) return 'no'
    }
    return buf[i + 3] === 0x20 ? 'yes' : 'no'
  }
  while (i < end && ((buf[i] ?? 0) | 0x20) >= 0x61 && ((buf[i] ?? 0) | 0x20) <= 0x7a) i++
  if (i === end) return 'need-more'
  return i > sp + 1 && buf[i] === 0x20 ? 'yes' : 'no'
}
