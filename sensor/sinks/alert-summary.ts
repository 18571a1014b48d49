/**
 * Collects alerts for the readable end-of-run summary: grouped by internal host, highest score first.
 * Bounded: it keeps the counts of every alert but only the top alerts of each host and a capped number of hosts.
 */
import type { AlertEvent, Severity } from '../../analytics/events.js'
import type { AddressSet } from '../../analytics/net/address-set.js'
import { escapeForTerminal } from '../../decoders/syslog/escape.js'

const TOP_PER_HOST = 8
const MAX_HOSTS = 10_000
const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info']

interface HostGroup {
  count: number
  maxScore: number
  top: AlertEvent[]
}

export class AlertSummary {
  private readonly hosts = new Map<string, HostGroup>()
  readonly bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 }
  total = 0
  hostsDropped = 0

  constructor(private readonly internal: AddressSet) {}

  /** The host an alert is about: the endpoint for host events, else the internal side of the connection. */
  hostOf(a: AlertEvent): string {
    if (a.host !== undefined) return a.host
    if (a.orig_h !== undefined && this.internal.has(a.orig_h)) return a.orig_h
    if (a.resp_h !== undefined && this.internal.has(a.resp_h)) return a.resp_h
    return a.orig_h ?? a.resp_h ?? '-'
  }

  add(a: AlertEvent): void {
    this.total++
    this.bySeverity[a.severity]++
    const key = this.hostOf(a)
    let g = this.hosts.get(key)
    if (!g) {
      if (this.hosts.size >= MAX_HOSTS) {
        this.hostsDropped++
        return
      }
      g = { count: 0, maxScore: 0, top: [] }
      this.hosts.set(key, g)
    }
    g.count++
    g.maxScore = Math.max(g.maxScore, a.score)
    g.top.push(a)
    g.top.sort((x, y) => y.score - x.score || x.ts - y.ts)
    if (g.top.length > TOP_PER_HOST) g.top.length = TOP_PER_HOST
  }

  /** Readable lines, hosts by their highest score. */
  render(): string[] {
    const lines: string[] = []
    const sev = SEVERITY_ORDER.filter((s) => this.bySeverity[s] > 0)
      .map((s) => `${s} ${this.bySeverity[s]}`)
      .join(', ')
    lines.push(`alerts: ${this.total}${sev ? ` (${sev})` : ''}`)
    const groups = [...this.hosts.entries()].sort((a, b) => b[1].maxScore - a[1].maxScore || b[1].count - a[1].count)
    for (const [host, g] of groups) {
      lines.push(
        `  ${escapeForTerminal(host)}  ${g.count} alert${g.count === 1 ? '' : 's'}, highest score ${g.maxScore}`,
      )
      for (const a of g.top) lines.push(`    ${describeAlert(a)}`)
      if (g.count > g.top.length) lines.push(`    … ${g.count - g.top.length} more`)
    }
    if (this.hostsDropped) lines.push(`  (${this.hostsDropped} alerts on further hosts not listed)`)
    return lines
  }
}

function describeAlert(a: AlertEvent): string {
  const peer =
    a.resp_h !== undefined
      ? `${a.orig_h ?? '?'}:${a.orig_p ?? '?'} → ${a.resp_h}:${a.resp_p ?? '?'}/${a.proto ?? '?'}`
      : ''
  const file = a.file ? ` file=${a.file.name ?? '?'} (${a.file.type}, ${a.file.bytes} B, ${a.file.direction})` : ''
  const text = `${String(a.score).padStart(3)} ${a.severity.padEnd(8)} ${a.technique.padEnd(9)} ${a.detection.padEnd(22)} ${peer}${file} — ${a.message}`
  return escapeForTerminal(text)
}
