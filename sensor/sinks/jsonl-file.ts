/**
 * JSON-lines sink: one object per line, appended (O_APPEND) to a file, or written to stdout for `-`.
 * Lines are batched into ~64 KiB writes; memory stays bounded because each batch is written synchronously.
 * Each line is encoded straight into one reused batch buffer (no per-line byte count, join or copy); the bytes
 * are exactly `JSON.stringify(obj)` + `\n`.
 * Optional rotation by size and age renames the file (`<path>.<UTC time>`) between two lines and reopens it,
 * so no line is ever split or lost; SIGHUP's external rotation is served by `reopen()`.
 * Sinks render and write; they never decide what to write.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs'

const BATCH_BYTES = 64 * 1024
/** The reused batch buffer: a batch is flushed once it holds BATCH_BYTES, so a line of up to a third of the rest fits. */
const BUFFER_BYTES = 4 * BATCH_BYTES

export interface RotationOptions {
  /** Rotate when the file would grow past this many bytes (0 = never). */
  readonly maxBytes?: number
  /** Rotate when the file is older than this many seconds (0 = never). */
  readonly maxAgeS?: number
}

export class JsonlSink {
  private fd: number
  private readonly ownsFd: boolean
  /** Batch buffer (made on the first line); `pendingBytes` of it are waiting to be written. */
  private buf: Buffer | undefined = undefined
  private pendingBytes = 0
  private fileBytes = 0
  private openedMs = Date.now()
  /** Lines written so far. */
  lines = 0
  /** Files rotated away so far. */
  rotations = 0

  /** `path` `-` means standard output. */
  constructor(
    readonly path: string,
    private readonly rotation: RotationOptions = {},
  ) {
    if (path === '-') {
      this.fd = 1
      this.ownsFd = false
    } else {
      this.fd = openSync(path, 'a')
      this.ownsFd = true
      this.fileBytes = fstatSync(this.fd).size
    }
  }

  write(obj: object): void {
    const json = JSON.stringify(obj)
    // Size rotation needs the exact byte count before the line is placed; nothing else does.
    const rotates = this.ownsFd && ((this.rotation.maxBytes ?? 0) > 0 || (this.rotation.maxAgeS ?? 0) > 0)
    if (rotates && this.shouldRotate(Buffer.byteLength(json) + 1)) this.rotate()
    const buf = this.buf ?? this.newBuffer()
    // UTF-8 takes at most 3 bytes per UTF-16 unit: when that fits, the line is encoded in place.
    if (buf.length - this.pendingBytes >= json.length * 3 + 1) {
      const n = buf.write(json, this.pendingBytes, 'utf8')
      buf[this.pendingBytes + n] = 0x0a
      this.pendingBytes += n + 1
    } else {
      // A line too long for the buffer's rest: write what is pending, then the line on its own.
      this.flush()
      this.writeAll(Buffer.from(`${json}\n`))
    }
    this.lines++
    if (this.pendingBytes >= BATCH_BYTES) this.flush()
  }

  private newBuffer(): Buffer {
    this.buf = Buffer.allocUnsafe(BUFFER_BYTES)
    return this.buf
  }

  flush(): void {
    const buf = this.buf
    if (buf === undefined || this.pendingBytes === 0) return
    const n = this.pendingBytes
    this.pendingBytes = 0
    this.writeAll(buf.subarray(0, n))
  }

  private writeAll(data: Buffer): void {
    let off = 0
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off, data.length - off)
      } catch (e) {
        // A non-blocking stdout pipe may refuse a write for a moment; retry rather than lose lines.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
      }
    }
    this.fileBytes += data.length
  }

  private shouldRotate(nextLineBytes: number): boolean {
    const { maxBytes = 0, maxAgeS = 0 } = this.rotation
    const size = this.fileBytes + this.pendingBytes
    if (maxBytes > 0 && size > 0 && size + nextLineBytes > maxBytes) return true
    return maxAgeS > 0 && size > 0 && Date.now() - this.openedMs >= maxAgeS * 1000
  }

  /** Renames the current file aside and starts a new one; called between two whole lines. */
  rotate(): void {
    if (!this.ownsFd) return
    this.flush()
    closeSync(this.fd)
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')
    let target = `${this.path}.${stamp}`
    for (let i = 1; existsSync(target); i++) target = `${this.path}.${stamp}.${i}`
    renameSync(this.path, target)
    this.fd = openSync(this.path, 'a')
    this.fileBytes = 0
    this.openedMs = Date.now()
    this.rotations++
  }

  /** Closes and reopens the file (SIGHUP after an external rotation). */
  reopen(): void {
    this.flush()
    if (!this.ownsFd) return
    closeSync(this.fd)
    this.fd = openSync(this.path, 'a')
    this.fileBytes = fstatSync(this.fd).size
    this.openedMs = Date.now()
  }

  close(): void {
    this.flush()
    if (this.ownsFd) {
      try {
        fsyncSync(this.fd)
      } catch {
        // fsync is best effort on special files.
      }
      closeSync(this.fd)
    }
  }
}
