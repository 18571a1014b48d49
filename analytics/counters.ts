/**
 * Named counters with an optional label (`decode_errors_total{code}`), the one place every stage counts
 * received / sent / dropped / errors. Pure data: sensor/ reads snapshots for the summary and metrics.
 */
export class Counters {
  private readonly values = new Map<string, number>()
  /** name → label → key text, so a hot counter does not build its key string on every increment. */
  private readonly keys = new Map<string, Map<string, string>>()

  /** Adds `n` to `name`, or to `name{label}` when a label is given. */
  inc(name: string, label?: string, n = 1): void {
    const key = label === undefined ? name : this.keyOf(name, label)
    this.values.set(key, (this.values.get(key) ?? 0) + n)
  }

  private keyOf(name: string, label: string): string {
    let byLabel = this.keys.get(name)
    if (byLabel === undefined) {
      byLabel = new Map()
      this.keys.set(name, byLabel)
    }
    let key = byLabel.get(label)
    if (key === undefined) {
      key = `${name}{${label}}`
      // Labels come from bounded sets; the cap guards against a caller that passes unbounded text.
      if (byLabel.size < 4096) byLabel.set(label, key)
    }
    return key
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
