/**
 * Test and bench helpers for `ingress-sensor listen` run as a child process: free loopback ports, start the
 * child and wait for its "listening:" line, read and parse its Prometheus endpoint, poll until counters reach
 * expected values, and stop it with a signal (SIGKILL after a bounded wait, so a test never hangs).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { createServer, Server } from 'node:net'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const CLI = path.join(ROOT, 'sensor/cli.ts')

/** `n` distinct free ports of each kind, all held open until every one is chosen, then released. */
export async function freePorts(kinds: readonly ('udp' | 'tcp')[]): Promise<number[]> {
  const held: (dgram.Socket | Server)[] = []
  const ports: number[] = []
  try {
    for (const k of kinds) {
      if (k === 'udp') {
        const s = dgram.createSocket('udp4')
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
        held.push(s)
        ports.push(s.address().port)
      } else {
        const s = createServer()
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
        held.push(s)
        const a = s.address()
        ports.push(typeof a === 'object' && a ? a.port : 0)
      }
    }
  } finally {
    for (const h of held)
      await new Promise<void>((r) => (h instanceof Server ? h.close(() => r()) : h.close(() => r())))
  }
  return ports
}

/** Prometheus text → `name` or `name{key="x"}` → value; throws on a line that is not a sample or comment. */
export function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const x = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (!x) throw new Error(`Not a Prometheus sample line: ${line}`)
    m.set(x[1] as string, Number(x[2]))
  }
  return m
}

export async function fetchMetrics(port: number): Promise<Map<string, number>> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`)
  return parseMetrics(await r.text())
}

/** Value of `ingress_sensor_<name>` with optional `key` label (0 when absent). */
export function metric(m: Map<string, number>, name: string, key?: string): number {
  const n = `ingress_sensor_${name}${key === undefined ? '' : `{key="${key}"}`}`
  return m.get(n) ?? 0
}

export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined) {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}${last ? ` (${last})` : ''}.`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface ListenChild {
  readonly proc: ChildProcess
  /** Everything the child wrote on stderr so far. */
  stderr(): string
  /** Sends `sig` and waits (at most `ms`, then SIGKILL) for the exit code. */
  stop(sig?: NodeJS.Signals, ms?: number): Promise<number | null>
  /** SIGKILL if still running (finally blocks). */
  kill(): void
}

/** Starts `listen` with `args`; resolves once it printed its "listening:" line (bounded by `readyMs`). */
export async function startListen(
  args: readonly string[],
  opts: { stdin?: 'pipe' | 'ignore'; readyMs?: number } = {},
): Promise<ListenChild> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'listen', ...args], {
    cwd: ROOT,
    stdio: [opts.stdin ?? 'ignore', 'ignore', 'pipe'],
  })
  let err = ''
  proc.stderr?.setEncoding('utf8')
  proc.stderr?.on('data', (d: string) => {
    err += d
  })
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  const child: ListenChild = {
    proc,
    stderr: () => err,
    async stop(sig = 'SIGTERM', ms = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
      proc.kill(sig)
      const t = setTimeout(() => proc.kill('SIGKILL'), ms)
      try {
        return await exited
      } finally {
        clearTimeout(t)
      }
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    },
  }
  let ready = false
  const early = new Promise<never>((_, reject) =>
    proc.once('exit', (c) => {
      if (!ready) reject(new Error(`listen exited (${c}) before listening: ${err}`))
    }),
  )
  try {
    await Promise.race([waitFor('listen to start', opts.readyMs ?? 20_000, () => err.includes('listening:')), early])
    ready = true
  } catch (e) {
    child.kill()
    throw e
  }
  return child
}
