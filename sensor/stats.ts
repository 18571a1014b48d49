/**
 * Live statistics: a periodic one-line summary on stderr (rates, drops and malformed counts by reason,
 * flows in the table, memory) and the same counters in Prometheus text format on `--stats-port`.
 */
import { createServer, type Server } from 'node:http'
import type { Counters } from '../analytics/counters.js'
import { formatBytes, formatCount, formatRate } from './text.js'

/** Live values sampled at render time (flows in table, queue depth...). */
export type Gauges = () => Record<string, number>

function promName(name: string): string {
  return `ingress_sensor_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`
}

function promLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

/** Renders counters and gauges in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(counters: Counters, gauges: Record<string, number>): string {
  const families = new Map<string, { labels: [string, number][]; plain?: number }>()
  for (const [key, value] of counters.entries()) {
    const brace = key.indexOf('{')
    const name = brace < 0 ? key : key.slice(0, brace)
    const fam = families.get(name) ?? { labels: [] }
    if (brace < 0) fam.plain = value
    else fam.labels.push([key.slice(brace + 1, -1), value])
    families.set(name, fam)
  }
  const out: string[] = []
  for (const [name, fam] of [...families.entries()].sort()) {
    const n = promName(name)
    out.push(`# TYPE ${n} counter`)
    if (fam.plain !== undefined) out.push(`${n} ${fam.plain}`)
    for (const [label, v] of fam.labels) out.push(`${n}{key="${promLabel(label)}"} ${v}`)
  }
  for (const [name, v] of Object.entries(gauges).sort()) {
    const n = promName(name)
    // A sampled running count (packets read) is still a counter to Prometheus; its name says so.
    out.push(`# TYPE ${n} ${name.endsWith('_total') ? 'counter' : 'gauge'}`, `${n} ${v}`)
  }
  return `${out.join('\n')}\n`
}

export function memoryGauges(): Record<string, number> {
  const m = process.memoryUsage()
  return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, external_bytes: m.external }
}

export async function startStatsServer(
  host: string,
  port: number,
  counters: Counters,
  gauges: Gauges,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' && req.url !== '/') {
      res.writeHead(404).end('Not found.\n')
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end(renderPrometheus(counters, { ...gauges(), ...memoryGauges() }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  server.unref()
  const addr = server.address()
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** One line of rates since the previous call. */
export class StatsLine {
  private prev = new Map<string, number>()
  private prevMs = Date.now()

  constructor(private readonly counters: Counters) {}

  render(gauges: Record<string, number>): string {
    const now = Date.now()
    const dt = Math.max(0.001, (now - this.prevMs) / 1000)
    const rate = (key: string): number => {
      const v = gauges[key] ?? this.counters.get(key)
      const r = (v - (this.prev.get(key) ?? 0)) / dt
      this.prev.set(key, v)
      return r
    }
    const parts = [
      `packets ${formatRate(rate('packets_total'))}/s`,
      `flow records ${formatRate(rate('netflow_records_total'))}/s`,
      `syslog ${formatRate(rate('syslog_messages_total'))}/s`,
      `alerts ${formatCount(Object.values(this.counters.family('alerts_total')).reduce((a, b) => a + b, 0))}`,
      `flows in table ${formatCount(gauges.flows_in_table ?? 0)}`,
      `queue ${formatCount(gauges.queue_depth ?? 0)}`,
    ]
    const drops = this.counters.family('queue_dropped_total')
    const dropText = Object.entries(drops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
    if (dropText) parts.push(`dropped ${dropText}`)
    const bad = [
      ...Object.entries(this.counters.family('decode_errors_total')),
      ...Object.entries(this.counters.family('syslog_errors_total')),
      ...Object.entries(this.counters.family('netflow_errors_total')),
    ]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
    if (bad.length) parts.push(`malformed ${bad.map(([k, v]) => `${k} ${v}`).join(', ')}`)
    const m = process.memoryUsage()
    parts.push(`rss ${formatBytes(m.rss)}`)
    this.prevMs = now
    return `stats: ${parts.join(' | ')}`
  }
}
