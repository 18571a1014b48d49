/**
 * POP3 and IMAP server greetings (RFC 1939 §4: `+OK …`; RFC 9051 §7.1: `* OK …` / `* PREAUTH …`) and the client's
 * first commands (`CAPA`, `USER`, `AUTH`, `STLS` for POP3; a tag followed by `CAPABILITY`/`LOGIN`/`STARTTLS` for
 * IMAP). Cheap probes only; the sessions themselves are not parsed.
 */

function starts(buf: Buffer, off: number, end: number, s: string): 'yes' | 'no' | 'need-more' {
  const n = end - off
  for (let i = 0; i < Math.min(n, s.length); i++) if (buf[off + i] !== s.charCodeAt(i)) return 'no'
  return n < s.length ? 'need-more' : 'yes'
}

/** POP3: server `+OK ` (dir 1); client `CAPA`/`USER `/`AUTH `/`STLS`/`APOP ` (dir 0). */
export function probePop3(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (dir === 1) return starts(buf, off, end, '+OK')
  let more = false
  for (const v of ['CAPA\r\n', 'USER ', 'AUTH ', 'STLS\r\n', 'APOP ']) {
    const r = starts(buf, off, end, v)
    if (r === 'yes') return r
    if (r === 'need-more') more = true
  }
  return more ? 'need-more' : 'no'
}

/** IMAP: server `* OK ` or `* PREAUTH ` (dir 1); client `<tag> CAPABILITY|LOGIN|STARTTLS|AUTHENTICATE` (dir 0). */
export function probeImap(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (dir === 1) {
    const a = starts(buf, off, end, '* OK ')
    if (a !== 'no') return a
    return starts(buf, off, end, '* PREAUTH ')
  }
  const stop = Math.min(end, off + 32)
  let i = off
  while (i < stop && (buf[i] ?? 0) > 0x20 && (buf[i] ?? 0) < 0x7f) i++
  if (i === stop) return stop === end ? 'need-more' : 'no'
  if (i === off || buf[i] !== 0x20) return 'no'
  let more = false
  for (const v of ['CAPABILITY', 'LOGIN ', 'STARTTLS', 'AUTHENTICATE ']) {
    let pre = true
    const k = Math.min(end - i - 1, v.length)
    for (let j = 0; j < k; j++) if (((buf[i + 1 + j] ?? 0) & 0xdf) !== (v.charCodeAt(j) & 0xdf)) pre = false
    if (!pre) continue
    if (k === v.length) return 'yes'
    more = true
  }
  return more ? 'need-more' : 'no'
}
