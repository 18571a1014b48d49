/**
 * Character tests and the quoted-value scan shared by the hand-written `key=value` scanners of the syslog
 * parsers (FortiOS traffic logs, Windows events as key=value). They reproduce what the equivalent JavaScript
 * regular expressions match (`\s`, `.`, `"((?:[^"\\]|\\.)*)"`) without running one per field.
 */

/** ECMAScript line terminators: what `.` does not match (LF, CR, U+2028, U+2029). */
export function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029
}

/** JavaScript `\s` (white space and line terminators). */
export function isJsSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13)
  if (c < 160) return false
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  )
}

/** Index of the `"` closing a quoted value whose text starts at `j`, or -1 (unterminated, or `\` + line end). */
export function quotedValueEnd(s: string, j: number): number {
  let k = j
  while (k < s.length) {
    const c = s.charCodeAt(k)
    if (c === 34) return k
    if (c === 92) {
      // `\.`: any escaped character but a line terminator (and not past the end).
      const e = s.charCodeAt(k + 1)
      if (Number.isNaN(e) || isLineTerminator(e)) return -1
      k += 2
      continue
    }
    k++
  }
  return -1
}
