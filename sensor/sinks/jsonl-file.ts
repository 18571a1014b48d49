/**
 * JSON-lines sink: one object per line, appended (O_APPEND) to a file, or written to stdout for `-`.
 * Lines are batched into ~64 KiB writes; memory stays bounded because each batch is written synchronously.
 * Optional rotation by size and age renames the file (`<path>.<UTC time>`) between two lines and reopens it,
 * so no line is ever split or lost; SIGHUP's external rotation is served by `reopen()`.
 * Sinks render and write; they never decide what to write.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs'

const BATCH_BYTES = 64 * 1024

export interface RotationOptions {
  /** Rotate when the file would grow past this many bytes (0 = never). */
  readonly maxBytes?: number
  /** Rotate when the file is older than this many seconds (0 = never). */
  readonly maxAgeS?: number
}

export class JsonlSink {
  private fd: number
  private readonly ownsFd: boolean
  private pending: string[] = []
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
    const line = `${JSON.stringify(obj)}\n`
    const bytes = Buffer.byteLength(line)
    if (this.ownsFd && this.shouldRotate(bytes)) this.rotate()
    this.pending.push(line)
    this.pendingBytes += bytes
    this.lines++
    if (this.pendingBytes >= BATCH_BYTES) this.flush()
  }

  flush(): void {
    if (this.pending.length === 0) return
    const data = Buffer.from(this.pending.join(''))
    this.pending = []
    this.pendingBytes = 0
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
