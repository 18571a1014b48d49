/**
 * A bounded, time-windowed multimap of evidence items by key (host, file name, hash...), the shared state
 * primitive of the correlating detections. Each key keeps at most `maxPerKey` items (oldest dropped), the map at
 * most `maxKeys` keys (least recently added-to dropped), and `expire(now)` drops items older than `now - windowS`
 * in event time. Nothing here reads a clock.
 */

export interface EvidenceWindowOptions {
  /** Seconds an item stays, in event time. */
  readonly windowS: number
  /** Most items per key. */
  readonly maxPerKey: number
  /** Most keys. */
  readonly maxKeys: number
}

export class EvidenceWindow<T extends { readonly ts: number }> {
  private readonly m = new Map<string, T[]>()
  private items = 0
  /** Items dropped by the caps (not by expiry). */
  evicted = 0

  constructor(private readonly opts: EvidenceWindowOptions) {}

  /** Number of keys held. */
  get keys(): number {
    return this.m.size
  }

  /** Number of items held. */
  get size(): number {
    return this.items
  }

  /** Adds `item` under `key`; `same` (optional) replaces an equal item instead of adding a second one. */
  add(key: string, item: T, same?: (a: T) => boolean): void {
    let list = this.m.get(key)
    if (list) {
      // Re-insert to mark the key as recently used.
      this.m.delete(key)
    } else {
      if (this.m.size >= this.opts.maxKeys) {
        const first = this.m.entries().next()
        if (!first.done) {
          this.m.delete(first.value[0])
          this.items -= first.value[1].length
          this.evicted += first.value[1].length
        }
      }
      list = []
    }
    this.m.set(key, list)
    if (same) {
      const i = list.findIndex(same)
      if (i >= 0) {
        list[i] = item
        return
      }
    }
    if (list.length >= this.opts.maxPerKey) {
      // Drop the oldest by event time.
      let oldest = 0
      for (let i = 1; i < list.length; i++) if ((list[i]?.ts ?? 0) < (list[oldest]?.ts ?? 0)) oldest = i
      list.splice(oldest, 1)
      this.items--
      this.evicted++
    }
    list.push(item)
    this.items++
  }

  /** Items under `key` (not expired by a previous `expire`); the array must not be modified. */
  get(key: string): readonly T[] {
    return this.m.get(key) ?? []
  }

  /** Drops every item with `ts < now - windowS`, and empty keys. */
  expire(now: number): void {
    const limit = now - this.opts.windowS
    for (const [k, list] of this.m) {
      const kept = list.filter((x) => x.ts >= limit)
      this.items -= list.length - kept.length
      if (kept.length === 0) this.m.delete(k)
      else if (kept.length !== list.length) this.m.set(k, kept)
    }
  }
}
