/**
 * Terminal-safe rendering of untrusted message text: C0/C1 control characters, DEL, ANSI/CSI escape
 * introducers and Unicode bidi overrides are written as visible `\xNN` / `\u{NNNN}` escapes, so a
 * message can never move the cursor, recolour, retitle or reorder a terminal. Text is never interpreted.
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Returns `s` with every terminal-control character replaced by a visible escape; `\\` doubled. */
export function escapeForTerminal(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0)
    if (n === 9) return '\\t'
    if (n === 10) return '\\n'
    if (n === 13) return '\\r'
    if (n === 0x1b) return '\\e'
    return n < 256 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`
  })
}
