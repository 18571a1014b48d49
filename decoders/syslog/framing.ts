/**
 * RFC 6587 stream framing for syslog over TCP, autodetected per frame as Vector does
 * (`octet_counting.rs`): a frame starting with `1`-`9` followed by digits and a space is octet counted
 * (§3.4.1 `MSG-LEN SP SYSLOG-MSG`, the frame may contain LF); anything else is non-transparent framing
 * ended by LF, CRLF or NUL (§3.4.2). LF/CR/NUL between frames are ignored. Memory is bounded: at most one
 * partial frame (≤ maxFrameBytes) is held per connection. An oversize non-transparent frame is discarded
 * up to the next LF; an oversize octet-counted frame is discarded for exactly its declared length (the
 * length is known, and its bytes may contain LF), never buffered. Both are counted `syslog.frame_too_long`.
 * Not handled: TLS (RFC 5425) and octet-stuffing fallback after a bad length (rsyslog); a digit run
 * without a following space is taken as the start of a newline-framed message.
 */

export const DEFAULT_MAX_FRAME_BYTES = 65536

/** Framing problems, counted by the caller. */
export type FramingDrop = 'syslog.frame_too_long' | 'syslog.frame_truncated'

export interface FramerOptions {
  /** Largest frame accepted, bytes (default 65536). */
  readonly maxFrameBytes?: number
}

/** Per-connection RFC 6587 framer. `push` calls `onFrame` synchronously for each complete frame. */
export class SyslogFramer {
  private pending: Buffer | undefined
  /** Bytes still to discard of an oversize octet-counted frame. */
  private discard = 0
  /** Discarding up to the next LF (oversize non-transparent frame). */
  private skipToLf = false
  private readonly max: number

  constructor(
    private readonly onFrame: (buf: Buffer, off: number, end: number) => void,
    private readonly onDrop: (reason: FramingDrop) => void,
    opts: FramerOptions = {},
  ) {
    this.max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  }

  /** Bytes currently held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    let buf = chunk
    const p = this.pending
    if (p !== undefined) {
      this.pending = undefined
      // Complete the held frame with only the bytes it needs, instead of copying the whole chunk.
      const need = this.bytesToComplete(p, chunk)
      if (need > 0 && need < chunk.length) {
        this.push(Buffer.concat([p, chunk.subarray(0, need)]))
        if (this.pending !== undefined) {
          // Not completed after all (cannot happen for a computed need); fall back to a plain append.
          const q: Buffer = this.pending
          this.pending = undefined
          buf = Buffer.concat([q, chunk.subarray(need)])
        } else {
          buf = chunk.subarray(need)
        }
      } else {
        buf = Buffer.concat([p, chunk])
      }
    }
    let pos = 0
    const end = buf.length
    while (pos < end) {
      if (this.discard > 0) {
        const n = Math.min(this.discard, end - pos)
        this.discard -= n
        pos += n
        continue
      }
      if (this.skipToLf) {
        const lf = buf.indexOf(10, pos)
        if (lf < 0) return
        this.skipToLf = false
        pos = lf + 1
        continue
      }
      const c = buf[pos] ?? 0
      if (c === 10 || c === 13 || c === 0) {
        pos++
        continue
      }
      if (c >= 49 && c <= 57) {
        let j = pos
        let len = 0
        while (j < end && j - pos < 10) {
          const d = buf[j] ?? 0
          if (d < 48 || d > 57) break
          len = len * 10 + d - 48
          j++
        }
        if (j === end && j - pos < 10) {
          this.keep(buf, pos, end)
          return
        }
        if (buf[j] === 32) {
          const start = j + 1
          if (len > this.max) {
            this.onDrop('syslog.frame_too_long')
            this.discard = len
            pos = start
            continue
          }
          if (end - start < len) {
            this.keep(buf, pos, end)
            return
          }
          this.onFrame(buf, start, start + len)
          pos = start + len
          continue
        }
      }
      let stop = pos
      while (stop < end) {
        const b = buf[stop]
        if (b === 10 || b === 0) break
        stop++
      }
      if (stop === end) {
        if (end - pos > this.max) {
          this.onDrop('syslog.frame_too_long')
          this.skipToLf = true
          return
        }
        this.keep(buf, pos, end)
        return
      }
      const fe = stop > pos && buf[stop - 1] === 13 ? stop - 1 : stop
      if (fe - pos > this.max) this.onDrop('syslog.frame_too_long')
      else if (fe > pos) this.onFrame(buf, pos, fe)
      pos = stop + 1
    }
  }

  /** Ends the stream: a final newline-less frame is delivered; an incomplete octet-counted frame is counted. */
  end(): void {
    const p = this.pending
    this.pending = undefined
    if (p === undefined || p.length === 0) return
    const c = p[0] ?? 0
    if (c >= 49 && c <= 57) {
      let j = 0
      while (j < p.length && (p[j] ?? 0) >= 48 && (p[j] ?? 0) <= 57) j++
      if (p[j] === 32 || j === p.length) {
        this.onDrop('syslog.frame_truncated')
        return
      }
    }
    this.onFrame(p, 0, p.length)
  }

  /** Bytes of `chunk` that complete the frame held in `p`, or -1 when unknown (then the chunk is appended). */
  private bytesToComplete(p: Buffer, chunk: Buffer): number {
    if (this.discard > 0 || this.skipToLf) return -1
    const c = p[0] ?? 0
    if (c >= 49 && c <= 57) {
      const sp = p.indexOf(32)
      if (sp < 0 || sp > 10) return -1
      let len = 0
      for (let i = 0; i < sp; i++) {
        const d = p[i] ?? 0
        if (d < 48 || d > 57) return -1
        len = len * 10 + d - 48
      }
      if (len > this.max) return -1
      return sp + 1 + len - p.length
    }
    const lf = chunk.indexOf(10)
    const nul = chunk.subarray(0, lf < 0 ? chunk.length : lf).indexOf(0)
    const stop = nul >= 0 ? nul : lf
    return stop < 0 ? -1 : stop + 1
  }

  private keep(buf: Buffer, pos: number, end: number): void {
    this.pending = Buffer.from(buf.subarray(pos, end))
  }
}
