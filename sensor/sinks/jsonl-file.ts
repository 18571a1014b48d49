/**
 * JSON-lines sink: one object per line, appended (O_APPEND) to a file, or written to stdout for `-`.
 * Lines are batched into ~64 KiB writes; memory stays bounded because each batch is written synchronously.
 * Sinks render and write; they never decide what to write.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'

const BATCH_BYTES = 64 * 1024

export class JsonlSink {
  private fd: number
  private readonly ownsFd: boolean
  private pending: string[] = []
  private pendingBytes = 0
  /** Lines written so far. */
  lines = 0

  /** `path` `-` means standard output. */
  constructor(readonly path: string) {
    if (path === '-') {
      this.fd = 1
      this.ownsFd = false
    } else {
      this.fd = openSync(path, 'a')
      this.ownsFd = true
    }
  }

  write(obj: object): void {
    const line = `${JSON.stringify(obj)}\n`
    this.pending.push(line)
    this.pendingBytes += line.length
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
  }

  /** Closes and reopens the file (SIGHUP after an external rotation). */
  reopen(): void {
    this.flush()
    if (!this.ownsFd) return
    closeSync(this.fd)
    this.fd = openSync(this.path, 'a')
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
