/**
 * Named counters with an optional label (`decode_errors_total{code}`), the one place every stage counts
 * received / sent / dropped / errors. Pure data: sensor/ reads snapshots for the summary and metrics.
 */
export class Counters {
  private readonly values = new Map<string, number>()

  /** Adds `n` to `name`, or to `name{label}` when a label is given. */
  inc(name: string, label?: string, n = 1): void {
    const key = label === undefined ? name : `${name}{${label}}`
    this.values.set(key, (this.values.get(key) ?? 0) + n)
  }

  get(name: string, label?: string): number {
    return this.values.get(label === undefined ? name : `${name}{${label}}`) ?? 0
  }

  /** Every counter whose name starts with `prefix`, as `[key, value]` pairs sorted by key. */
  entries(prefix = ''): [string, number][] {
    return [...this.values.entries()].filter(([k]) => k.startsWith(prefix)).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  }

  /** Labels and values of one labelled counter family (`decode_errors_total` → {code: n}). */
  family(name: string): Record<string, number> {
    const out: Record<string, number> = {}
    const p = `${name}{`
    for (const [k, v] of this.values) if (k.startsWith(p)) out[k.slice(p.length, -1)] = v
    return out
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.entries())
  }
}
