/**
 * Watches a directory of rotated capture files (as `tcpdump -G`/`-C` writes them) and hands each finished file
 * to the pipeline once, oldest first. A file counts as finished when a newer capture file exists beside it, or
 * when it has not changed for `quietS` seconds. What was processed is remembered in `--state DIR`
 * (pcap-dir-progress.json, written to a temporary file and renamed), so a restart does not read a file twice.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import path from 'node:path'

export interface PcapDirOptions {
  readonly dir: string
  /** Where progress is kept; without it progress lives only in memory. */
  readonly stateDir?: string | undefined
  /** How often the directory is listed, ms (default 2000). */
  readonly pollMs?: number
  /** Seconds without change after which the newest file also counts as finished (default 30). */
  readonly quietS?: number
  /** Reads one file to its end; rejections are reported through onError and the file is marked done. */
  readonly process: (file: string) => Promise<void>
  readonly onError?: (file: string, err: unknown) => void
}

interface Seen {
  readonly size: number
  readonly mtimeMs: number
}

const PROGRESS_FILE = 'pcap-dir-progress.json'

export class PcapDirWatcher {
  private done = new Map<string, Seen>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  /** Files processed by this watcher since start. */
  processed = 0

  constructor(private readonly o: PcapDirOptions) {
    this.load()
  }

  private progressPath(): string | undefined {
    return this.o.stateDir ? path.join(this.o.stateDir, PROGRESS_FILE) : undefined
  }

  private load(): void {
    const p = this.progressPath()
    if (!p) return
    try {
      const saved = JSON.parse(readFileSync(p, 'utf8')) as { dir?: string; done?: Record<string, Seen> }
      if (saved.dir === path.resolve(this.o.dir) && saved.done) this.done = new Map(Object.entries(saved.done))
    } catch {
      // No progress yet (or unreadable): start from the directory as it is.
    }
  }

  private save(): void {
    const p = this.progressPath()
    if (!p) return
    const tmp = `${p}.tmp`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, JSON.stringify({ dir: path.resolve(this.o.dir), done: Object.fromEntries(this.done) }))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, p)
  }

  /** Finished, not yet processed files, oldest first. */
  pending(nowMs = Date.now()): string[] {
    let names: string[]
    try {
      names = readdirSync(this.o.dir).filter((n) => !n.startsWith('.'))
    } catch {
      return []
    }
    const files: { name: string; size: number; mtimeMs: number }[] = []
    for (const name of names) {
      try {
        const st = statSync(path.join(this.o.dir, name))
        if (st.isFile()) files.push({ name, size: st.size, mtimeMs: st.mtimeMs })
      } catch {
        // Removed between listing and stat.
      }
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1))
    // Forget files that are gone, so the progress map stays as small as the directory.
    const present = new Set(files.map((f) => f.name))
    for (const k of this.done.keys()) if (!present.has(k)) this.done.delete(k)
    const quietMs = (this.o.quietS ?? 30) * 1000
    const out: string[] = []
    files.forEach((f, i) => {
      // A name seen before counts as done only while it is the same file: `tcpdump -W` rings rewrite old names.
      const seen = this.done.get(f.name)
      if (seen !== undefined && seen.mtimeMs === f.mtimeMs && seen.size === f.size) return
      const newerExists = i < files.length - 1
      if (newerExists || nowMs - f.mtimeMs >= quietMs) out.push(f.name)
    })
    return out
  }

  /** Processes what is pending now; resolves when done. */
  async pollOnce(): Promise<number> {
    let n = 0
    for (const name of this.pending()) {
      if (this.stopped) break
      const file = path.join(this.o.dir, name)
      let st: Seen
      try {
        const s = statSync(file)
        st = { size: s.size, mtimeMs: s.mtimeMs }
      } catch {
        continue
      }
      try {
        await this.o.process(file)
      } catch (e) {
        this.o.onError?.(file, e)
      }
      this.done.set(name, st)
      this.save()
      this.processed++
      n++
    }
    return n
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return
      this.running = this.pollOnce().then(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 2000)
      })
    }
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
