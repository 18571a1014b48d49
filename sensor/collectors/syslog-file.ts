/**
 * Syslog archives (one message per line, LF or CRLF) read as a stream for `analyze`, and the content test
 * the CLI uses to recognise them. Lines longer than `maxLineBytes` are skipped to the next LF and counted
 * (`syslog_errors_total{syslog.line_too_long}`); memory holds at most one partial line. The reference time
 * for RFC 3164 timestamps without a year is the file's mtime (stdin: now) unless given.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parseSyslog } from '../../decoders/syslog/parse.js'
import type { SyslogIngest } from '../syslog-ingest.js'

export interface ReadSyslogFileOptions {
  /** Largest line, bytes (default 65536). */
  readonly maxLineBytes?: number
  /** Receive time passed to the ingest for every line (s); default file mtime, or now for stdin. */
  readonly receivedTs?: number
  /** Counts over-long lines (the ingest's counters, usually). */
  readonly onDrop?: (reason: 'syslog.line_too_long') => void
}

/** Reads `path` (or `-` for stdin) line by line into `ingest`. Resolves with line and byte counts. */
export async function readSyslogFile(
  path: string,
  ingest: SyslogIngest,
  opts: ReadSyslogFileOptions = {},
): Promise<{ lines: number; bytes: number; dropped: number }> {
  const max = opts.maxLineBytes ?? 65536
  let ts = opts.receivedTs
  if (ts === undefined) ts = path === '-' ? Date.now() / 1000 : (await stat(path)).mtimeMs / 1000
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 })
  let pending: Buffer | undefined
  let skipping = false
  let lines = 0
  let bytes = 0
  let dropped = 0
  const line = (buf: Buffer, start: number, end: number) => {
    let e = end
    if (e > start && buf[e - 1] === 13) e--
    if (e > start) {
      lines++
      ingest.handleMessage(buf, start, e, undefined, ts)
    }
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length
    let buf = chunk
    if (pending !== undefined) {
      buf = Buffer.concat([pending, chunk])
      pending = undefined
    }
    let pos = 0
    for (;;) {
      const lf = buf.indexOf(10, pos)
      if (lf < 0) break
      if (skipping) skipping = false
      else if (lf - pos > max) {
        dropped++
        opts.onDrop?.('syslog.line_too_long')
      } else line(buf, pos, lf)
      pos = lf + 1
    }
    if (!skipping && pos < buf.length) {
      if (buf.length - pos > max) {
        dropped++
        opts.onDrop?.('syslog.line_too_long')
        skipping = true
      } else pending = Buffer.from(buf.subarray(pos))
    }
  }
  if (pending !== undefined && !skipping) line(pending, 0, pending.length)
  return { lines, bytes, dropped }
}

/**
 * True when `head` (the first bytes of an input) is syslog text: no NUL bytes, and each of the first
 * complete lines (up to 3) parses with syslog evidence (a PRI, or a recognised timestamp, or RFC 5424).
 */
export function looksLikeSyslog(head: Buffer): boolean {
  if (head.length === 0 || head.includes(0)) return false
  const n = Math.min(head.length, 8192)
  const lines: [number, number][] = []
  let pos = 0
  while (pos < n && lines.length < 3) {
    const lf = head.indexOf(10, pos)
    if (lf < 0 || lf >= n) {
      if (lines.length === 0) lines.push([pos, n])
      break
    }
    if (lf > pos) lines.push([pos, lf])
    pos = lf + 1
  }
  if (lines.length === 0) return false
  for (const [s, e] of lines) {
    const r = parseSyslog(head, 0, {}, s, e)
    if (!r.ok) return false
    const v = r.value
    const hasPri = !v.warnings.includes('syslog.pri_missing') && !v.warnings.includes('syslog.pri_invalid')
    if (!hasPri && !v.tsFromMessage) return false
  }
  return true
}
