/**
 * A progress line on stderr while a large file is read, only when stderr is a terminal.
 * Redrawn at most ten times a second; erased when done.
 */
import { formatBytes, formatRate } from './text.js'

export class Progress {
  private lastDraw = 0
  private readonly started = Date.now()
  private drawn = false

  constructor(
    private readonly name: string,
    private readonly total: number | undefined,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  update(bytesRead: number, packets: number): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.lastDraw < 100) return
    this.lastDraw = now
    const elapsed = Math.max(0.001, (now - this.started) / 1000)
    const width = 30
    let bar = ''
    let pct = ''
    if (this.total && this.total > 0) {
      const f = Math.min(1, bytesRead / this.total)
      const filled = Math.round(f * width)
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `
      pct = `${(f * 100).toFixed(0).padStart(3)}% `
    }
    const line = `${this.name.slice(-30)} ${bar}${pct}${formatBytes(bytesRead)} ${formatRate(packets / elapsed)} pkt/s`
    process.stderr.write(`\r\x1b[2K${line}`)
    this.drawn = true
  }

  done(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K')
    this.drawn = false
  }
}
