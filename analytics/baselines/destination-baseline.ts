/**
 * The destination baseline: which external destinations each internal host, and the site as a whole, has
 * already exchanged data with (Zeek Known-* and RITA historical first-seen, keyed by destination rather
 * than by local service). Pure and in memory: sensor/state/baseline-store.ts loads it at start and saves
 * the entries marked dirty. Time is capture time only, so replays are deterministic.
 *
 * Keys are address text as it appears in FlowRecords. Names for a destination come from DNS answers, TLS
 * SNI and HTTP Host (`observeName`); names seen before any flow to the address wait in a bounded pending
 * cache. Not handled: destination /24 or ASN roll-ups (exact addresses only), and prevalence counts for a
 * destination whose site entry was evicted while host entries for it remain (it restarts from the next flow).
 */
import { LRUCache } from 'lru-cache'
import type { FlowRecord } from '../events.js'
import { AddressSet, parseIpv4, parseIpv6 } from '../net/address-set.js'

/** Tunables of the baseline (config `baseline`). */
export interface BaselineOptions {
  /** Entries not seen for this many days (capture time) are dropped. 0 keeps them forever. */
  readonly expireAfterDays: number
  /** A host is "learning" (no never-seen scoring) until it has been observed for this many days. */
  readonly learningDays: number
  /** Cap on host→destination entries; the least recently seen 10 % are evicted when it is passed. */
  readonly maxEntries: number
  /** Cap on site-wide destination entries, same eviction. */
  readonly maxDestinations: number
  /** Cap on internal hosts tracked, same eviction. */
  readonly maxHosts: number
  /** Names kept per destination (most recent first). */
  readonly maxNamesPerDestination: number
  /**
   * Keep the changed/removed entries for `takeChanges()` (an incremental save). Off when nothing will save the
   * baseline (no state directory): `takeChanges()` then returns nothing and `dirty` stays false. Default true.
   */
  readonly trackChanges?: boolean
}

export const BASELINE_DEFAULT_OPTIONS: BaselineOptions = {
  expireAfterDays: 90,
  learningDays: 0,
  maxEntries: 2_000_000,
  maxDestinations: 1_000_000,
  maxHosts: 200_000,
  maxNamesPerDestination: 4,
  trackChanges: true,
}

/** Multicast, broadcast and unspecified addresses are never destinations (SSDP, mDNS, DHCP noise). */
const NON_UNICAST = new AddressSet(['224.0.0.0/4', '255.255.255.255/32', '0.0.0.0/32', 'ff00::/8', '::/128'])

/** True for a multicast, broadcast or unspecified address. */
export function isNonUnicast(ip: string): boolean {
  return NON_UNICAST.has(ip)
}

/** Names learned for addresses not yet in the baseline (DNS answers usually come first). */
const PENDING_NAMES_MAX = 65_536
/** Expiry runs at most once per this much capture time. */
const EXPIRE_EVERY_S = 3600
const DAY_S = 86_400

/** An internal host: when the sensor first and last saw it talk. */
export interface HostEntry {
  readonly host: string
  firstSeen: number
  lastSeen: number
}

/** An external destination, site-wide. */
export interface DestEntry {
  readonly ip: string
  firstSeen: number
  lastSeen: number
  flows: number
  /** Bytes exchanged in both directions (IP lengths). */
  bytes: number
  /** Distinct internal hosts with an entry for this destination (prevalence). */
  hosts: number
  /** Names learned for the address (DNS answers, SNI, Host), most recent first. */
  names: string[]
}

/** One internal host's history with one external destination. */
export interface PairEntry {
  readonly host: string
  readonly dest: string
  firstSeen: number
  lastSeen: number
  flows: number
  bytes: number
}

/**
 * Fixed-shape records (one hidden class each) keep a million entries compact and lookups monomorphic. `dirty`
 * marks an entry already queued for the next `takeChanges()` (a flag instead of a set of keys per change).
 */
class Host implements HostEntry {
  dirty = false
  constructor(
    readonly host: string,
    public firstSeen: number,
    public lastSeen: number,
  ) {}
}

class Dest implements DestEntry {
  hosts = 0
  dirty = false
  constructor(
    readonly ip: string,
    public firstSeen: number,
    public lastSeen: number,
    public flows: number,
    public bytes: number,
    public names: string[],
  ) {}
}

class Pair implements PairEntry {
  dirty = false
  constructor(
    readonly host: string,
    readonly dest: string,
    public firstSeen: number,
    public lastSeen: number,
    public flows: number,
    public bytes: number,
  ) {}
}

/** What the baseline knows about (host, destination) before the current flow. */
export interface BaselineLookup {
  /** When this host first exchanged data with the destination; undefined when never. */
  readonly hostFirstSeen: number | undefined
  /** When any internal host first did; undefined when never. */
  readonly siteFirstSeen: number | undefined
  /** Distinct internal hosts that used the destination. */
  readonly prevalence: number
  /** Internal hosts known to the baseline (the prevalence denominator). */
  readonly siteHosts: number
  /** Names learned for the destination address. */
  readonly names: readonly string[]
}

/** Entries changed or removed since the last `takeChanges()`, for an incremental save. */
export interface BaselineChanges {
  readonly hosts: HostEntry[]
  readonly dests: DestEntry[]
  readonly pairs: PairEntry[]
  readonly removedHosts: string[]
  readonly removedDests: string[]
  readonly removedPairs: { host: string; dest: string }[]
}

export interface BaselineStats {
  readonly hosts: number
  readonly destinations: number
  readonly entries: number
  readonly expired: number
  readonly evicted: number
}

/** Connection states in which no data was exchanged (Zeek conn_state): never a transfer, never "seen". */
export const FAILED_CONN_STATES: ReadonlySet<string> = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH'])

/**
 * True when the flow exchanged no data: a failed TCP handshake (S0, REJ...), or a flow with no payload
 * either way. Flow exports and logs carry no payload counts, so for them only IP bytes count.
 */
export function isFailedConnection(rec: FlowRecord): boolean {
  if (rec.proto === 'tcp' && FAILED_CONN_STATES.has(rec.conn_state)) return true
  if (rec.source_kind === 'pcap') return rec.orig_bytes + rec.resp_bytes === 0
  return rec.orig_bytes + rec.resp_bytes + rec.orig_ip_bytes + rec.resp_ip_bytes === 0
}

export class DestinationBaseline {
  readonly options: BaselineOptions
  private readonly hostMap = new Map<string, Host>()
  private readonly destMap = new Map<string, Dest>()
  private readonly pairMap = new Map<string, Map<string, Pair>>()
  private pairCount = 0
  private readonly pendingNames = new LRUCache<string, string[]>({ max: PENDING_NAMES_MAX })
  /** Raw name text → normalised name ('' when it is not a name), so a repeated SNI/Host is normalised once. */
  private readonly nameMemo = new Map<string, string>()
  private readonly track: boolean
  /** Entries marked dirty, in marking order; an entry removed since is unmarked and skipped. */
  private readonly dirtyHosts: Host[] = []
  private readonly dirtyDests: Dest[] = []
  private readonly dirtyPairs: Pair[] = []
  private readonly removedHosts = new Set<string>()
  private readonly removedDests = new Set<string>()
  private readonly removedPairs = new Map<string, Set<string>>()
  private maxTs = 0
  private restoreCache: { host: string; map: Map<string, Pair> } | undefined
  private lastExpireTs = 0
  private expiredTotal = 0
  private evictedTotal = 0

  constructor(
    private readonly internal: AddressSet,
    options: Partial<BaselineOptions> = {},
  ) {
    this.options = { ...BASELINE_DEFAULT_OPTIONS, ...options }
    this.track = this.options.trackChanges ?? true
  }

  /**
   * Records an ended flow: the internal side is the host, the external side the destination. Flows that
   * exchanged no data, and flows with both or neither side internal, change nothing (but an internal
   * host is still marked observed). Returns true when a destination entry was written.
   */
  observeFlow(rec: FlowRecord): boolean {
    if (isFailedConnection(rec)) return false
    return this.observeSides(rec, this.internal.has(rec.orig_h), this.internal.has(rec.resp_h))
  }

  /**
   * `observeFlow` for a caller that already judged both addresses against the same internal set and knows the
   * flow exchanged data (the scorer, which needs both answers too).
   */
  observeSides(rec: FlowRecord, origIn: boolean, respIn: boolean): boolean {
    const bytes = rec.orig_ip_bytes + rec.resp_ip_bytes || rec.orig_bytes + rec.resp_bytes
    const ts = rec.ts + Math.max(rec.duration, 0)
    if (origIn && respIn) {
      this.touchHost(rec.orig_h, rec.ts, ts)
      this.touchHost(rec.resp_h, rec.ts, ts)
      return false
    }
    if (!origIn && !respIn) return false
    const host = origIn ? rec.orig_h : rec.resp_h
    const dest = origIn ? rec.resp_h : rec.orig_h
    if (isNonUnicast(dest)) {
      this.touchHost(host, rec.ts, ts)
      return false
    }
    this.observe(host, dest, rec.ts, ts, bytes)
    if (rec.server_name) this.observeName(dest, rec.server_name, rec.ts)
    return true
  }

  /** Records one exchange between internal `host` and external `dest` from `firstTs` to `lastTs`. */
  observe(host: string, dest: string, firstTs: number, lastTs: number, bytes: number): void {
    this.advance(lastTs)
    this.touchHost(host, firstTs, lastTs)
    let d = this.destMap.get(dest)
    if (d === undefined) {
      const pending = this.pendingNames.get(dest)
      if (pending) this.pendingNames.delete(dest)
      d = new Dest(dest, firstTs, lastTs, 0, 0, pending ?? [])
      this.destMap.set(dest, d)
      if (this.track) this.removedDests.delete(dest)
      if (this.destMap.size > this.options.maxDestinations) this.evictDests()
    }
    d.flows++
    d.bytes += bytes
    if (firstTs < d.firstSeen) d.firstSeen = firstTs
    if (lastTs > d.lastSeen) d.lastSeen = lastTs
    if (this.track && !d.dirty) {
      d.dirty = true
      this.dirtyDests.push(d)
    }
    let hm = this.pairMap.get(host)
    if (hm === undefined) {
      hm = new Map()
      this.pairMap.set(host, hm)
    }
    let p = hm.get(dest)
    if (p === undefined) {
      p = new Pair(host, d.ip, firstTs, lastTs, 0, 0)
      hm.set(dest, p)
      this.pairCount++
      d.hosts++
      if (this.track) this.removedPairs.get(host)?.delete(dest)
    }
    p.flows++
    p.bytes += bytes
    if (firstTs < p.firstSeen) p.firstSeen = firstTs
    if (lastTs > p.lastSeen) p.lastSeen = lastTs
    if (this.track && !p.dirty) {
      p.dirty = true
      this.dirtyPairs.push(p)
    }
    if (this.pairCount > this.options.maxEntries) this.evictPairs()
  }

  /** Records that `name` (DNS answer, SNI, Host) resolves to / is served by `ip`. */
  observeName(ip: string, name: string, ts: number): void {
    let n = this.nameMemo.get(name)
    if (n === undefined) {
      n = normaliseName(name)
      if (this.nameMemo.size >= NAME_MEMO_MAX) this.nameMemo.clear()
      this.nameMemo.set(name, n)
    }
    if (n === '') return
    this.advance(ts)
    const d = this.destMap.get(ip)
    const max = this.options.maxNamesPerDestination
    if (d === undefined) {
      const list = this.pendingNames.get(ip) ?? []
      this.pendingNames.set(ip, pushName(list, n, max))
      return
    }
    if (d.names[0] === n) return
    d.names = pushName(d.names, n, max)
    if (this.track && !d.dirty) {
      d.dirty = true
      this.dirtyDests.push(d)
    }
  }

  /** What the baseline knew about `host` → `dest`. Memory only; allocation-light. */
  lookup(host: string, dest: string): BaselineLookup {
    const d = this.destMap.get(dest)
    const p = this.pairMap.get(host)?.get(dest)
    return {
      hostFirstSeen: p?.firstSeen,
      siteFirstSeen: d?.firstSeen,
      prevalence: d?.hosts ?? 0,
      siteHosts: this.hostMap.size,
      names: d?.names ?? this.pendingNames.peek(dest) ?? [],
    }
  }

  /** When `host` first exchanged data with `dest`, or undefined (the hot-path variant of lookup). */
  hostFirstSeen(host: string, dest: string): number | undefined {
    return this.pairMap.get(host)?.get(dest)?.firstSeen
  }

  /** Names known for an address (from its entry or the pending cache). */
  namesFor(ip: string): readonly string[] {
    return this.destMap.get(ip)?.names ?? this.pendingNames.peek(ip) ?? []
  }

  /** True while `host` has been observed for less than `learningDays` at capture time `ts` (or never). */
  isLearning(host: string, ts: number): boolean {
    if (this.options.learningDays <= 0) return false
    const h = this.hostMap.get(host)
    if (h === undefined) return true
    return ts - h.firstSeen < this.options.learningDays * DAY_S
  }

  host(host: string): HostEntry | undefined {
    return this.hostMap.get(host)
  }

  destination(ip: string): DestEntry | undefined {
    return this.destMap.get(ip)
  }

  hosts(): IterableIterator<HostEntry> {
    return this.hostMap.values()
  }

  destinations(): IterableIterator<DestEntry> {
    return this.destMap.values()
  }

  /** Every host→destination entry, or one host's. */
  *entries(host?: string): Generator<PairEntry> {
    if (host !== undefined) {
      const hm = this.pairMap.get(host)
      if (hm) yield* hm.values()
      return
    }
    for (const hm of this.pairMap.values()) yield* hm.values()
  }

  get stats(): BaselineStats {
    return {
      hosts: this.hostMap.size,
      destinations: this.destMap.size,
      entries: this.pairCount,
      expired: this.expiredTotal,
      evicted: this.evictedTotal,
    }
  }

  /** The internal-address set the baseline judges hosts with (the scorer shares it when given the same object). */
  get internalSet(): AddressSet {
    return this.internal
  }

  /** Latest capture time observed (or loaded). */
  get latestTs(): number {
    return this.maxTs
  }

  /** Drops entries last seen more than `expireAfterDays` before `now` (capture time). Returns how many. */
  expire(now: number): number {
    if (this.options.expireAfterDays <= 0) return 0
    const cutoff = now - this.options.expireAfterDays * DAY_S
    let n = 0
    for (const [host, hm] of this.pairMap) {
      for (const p of hm.values()) {
        if (p.lastSeen < cutoff) {
          this.removePair(host, p.dest)
          n++
        }
      }
    }
    for (const d of this.destMap.values()) {
      if (d.lastSeen < cutoff) {
        this.removeDest(d.ip)
        n++
      }
    }
    for (const h of this.hostMap.values()) {
      if (h.lastSeen < cutoff) {
        this.removeHost(h.host)
        n++
      }
    }
    this.expiredTotal += n
    return n
  }

  /** Returns and clears what changed since the last call (the store writes it in one transaction). */
  takeChanges(): BaselineChanges {
    const hosts: HostEntry[] = []
    for (const h of this.dirtyHosts) {
      if (h.dirty) hosts.push(h)
      h.dirty = false
    }
    const dests: DestEntry[] = []
    for (const d of this.dirtyDests) {
      if (d.dirty) dests.push(d)
      d.dirty = false
    }
    const pairs: PairEntry[] = []
    for (const p of this.dirtyPairs) {
      if (p.dirty) pairs.push(p)
      p.dirty = false
    }
    const removedPairs: { host: string; dest: string }[] = []
    for (const [host, set] of this.removedPairs) for (const dest of set) removedPairs.push({ host, dest })
    const out: BaselineChanges = {
      hosts,
      dests,
      pairs,
      removedHosts: [...this.removedHosts],
      removedDests: [...this.removedDests],
      removedPairs,
    }
    this.dirtyHosts.length = 0
    this.dirtyDests.length = 0
    this.dirtyPairs.length = 0
    this.removedHosts.clear()
    this.removedDests.clear()
    this.removedPairs.clear()
    return out
  }

  /** True when there are unsaved changes. */
  get dirty(): boolean {
    return (
      this.dirtyHosts.length + this.dirtyDests.length + this.dirtyPairs.length + this.removedHosts.size > 0 ||
      this.removedDests.size + this.removedPairs.size > 0
    )
  }

  /** Loading from storage: these do not mark anything dirty. */
  restoreHost(h: HostEntry): void {
    this.restoreHostValues(h.host, h.firstSeen, h.lastSeen)
  }

  restoreHostValues(host: string, firstSeen: number, lastSeen: number): void {
    const e = new Host(host, firstSeen, lastSeen)
    // Replacing an entry that awaits saving: the replacement is saved instead (nothing is dirty during a load).
    if (this.dirtyHosts.length > 0) this.inheritDirty(this.hostMap.get(host), e, this.dirtyHosts)
    this.hostMap.set(host, e)
    if (lastSeen > this.maxTs) this.maxTs = lastSeen
  }

  restoreDest(d: Omit<DestEntry, 'hosts'>): void {
    this.restoreDestValues(d.ip, d.firstSeen, d.lastSeen, d.flows, d.bytes, [...d.names])
  }

  restoreDestValues(
    ip: string,
    firstSeen: number,
    lastSeen: number,
    flows: number,
    bytes: number,
    names: string[],
  ): void {
    const e = new Dest(ip, firstSeen, lastSeen, flows, bytes, names)
    const prev = this.destMap.get(ip)
    if (prev) e.hosts = prev.hosts
    this.inheritDirty(prev, e, this.dirtyDests)
    this.destMap.set(ip, e)
    if (lastSeen > this.maxTs) this.maxTs = lastSeen
  }

  /** Restores a pair; restore its destination first so the prevalence count lands on it. */
  restorePair(p: PairEntry): void {
    this.restorePairValues(p.host, p.dest, p.firstSeen, p.lastSeen, p.flows, p.bytes)
  }

  restorePairValues(
    host: string,
    dest: string,
    firstSeen: number,
    lastSeen: number,
    flows: number,
    bytes: number,
  ): void {
    // Rows arrive grouped by host (the table's primary key order): reuse the previous row's host lookups.
    let c = this.restoreCache
    if (c === undefined || c.host !== host) {
      const shared = this.hostMap.get(host)?.host ?? host
      let hm = this.pairMap.get(shared)
      if (hm === undefined) {
        hm = new Map()
        this.pairMap.set(shared, hm)
      }
      c = { host: shared, map: hm }
      this.restoreCache = c
    }
    const d = this.destMap.get(dest)
    // Share the destination's key string instead of keeping a second copy per entry.
    const key = d ? d.ip : dest
    const before = c.map.size
    const e = new Pair(c.host, key, firstSeen, lastSeen, flows, bytes)
    if (this.dirtyPairs.length > 0) this.inheritDirty(c.map.get(key), e, this.dirtyPairs)
    c.map.set(key, e)
    if (c.map.size !== before) {
      this.pairCount++
      if (d) d.hosts++
    }
    if (lastSeen > this.maxTs) this.maxTs = lastSeen
  }

  private inheritDirty<T extends { dirty: boolean }>(prev: T | undefined, next: T, list: T[]): void {
    if (prev?.dirty !== true) return
    prev.dirty = false
    next.dirty = true
    list.push(next)
  }

  private advance(ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts
    if (this.lastExpireTs === 0) {
      // First observation of the run: drop what went stale while the sensor was not running.
      this.lastExpireTs = ts
      if (this.pairCount + this.destMap.size > 0) this.expire(this.maxTs)
    } else if (ts - this.lastExpireTs >= EXPIRE_EVERY_S) {
      this.lastExpireTs = ts
      this.expire(this.maxTs)
    }
  }

  private touchHost(host: string, firstTs: number, lastTs: number): void {
    let h = this.hostMap.get(host)
    if (h === undefined) {
      h = new Host(host, firstTs, lastTs)
      this.hostMap.set(host, h)
      if (this.track) this.removedHosts.delete(host)
      if (this.hostMap.size > this.options.maxHosts) this.evictHosts()
    } else {
      if (firstTs < h.firstSeen) h.firstSeen = firstTs
      if (lastTs > h.lastSeen) h.lastSeen = lastTs
    }
    if (this.track && !h.dirty) {
      h.dirty = true
      this.dirtyHosts.push(h)
    }
  }

  private removePair(host: string, dest: string): void {
    const hm = this.pairMap.get(host)
    const p = hm?.get(dest)
    if (hm === undefined || p === undefined) return
    hm.delete(dest)
    p.dirty = false
    if (hm.size === 0) {
      this.pairMap.delete(host)
      this.restoreCache = undefined
    }
    this.pairCount--
    const d = this.destMap.get(dest)
    if (d && d.hosts > 0) d.hosts--
    if (this.track) markPair(this.removedPairs, host, dest)
  }

  private removeDest(ip: string): void {
    const d = this.destMap.get(ip)
    if (d === undefined) return
    this.destMap.delete(ip)
    d.dirty = false
    if (this.track) this.removedDests.add(ip)
  }

  private removeHost(host: string): void {
    const h = this.hostMap.get(host)
    if (h === undefined) return
    this.hostMap.delete(host)
    h.dirty = false
    if (this.track) this.removedHosts.add(host)
  }

  private evictPairs(): void {
    const all: number[] = []
    for (const hm of this.pairMap.values()) for (const p of hm.values()) all.push(p.lastSeen)
    const cutoff = cutoffFor(all, this.options.maxEntries)
    let n = 0
    const target = Math.floor(this.options.maxEntries * 0.9)
    for (const [host, hm] of this.pairMap) {
      for (const p of hm.values()) {
        if (this.pairCount <= target) break
        if (p.lastSeen <= cutoff) {
          this.removePair(host, p.dest)
          n++
        }
      }
    }
    this.evictedTotal += n
  }

  private evictDests(): void {
    const all: number[] = []
    for (const d of this.destMap.values()) all.push(d.lastSeen)
    const cutoff = cutoffFor(all, this.options.maxDestinations)
    const target = Math.floor(this.options.maxDestinations * 0.9)
    for (const d of this.destMap.values()) {
      if (this.destMap.size <= target) break
      if (d.lastSeen <= cutoff) {
        this.removeDest(d.ip)
        this.evictedTotal++
      }
    }
  }

  private evictHosts(): void {
    const all: number[] = []
    for (const h of this.hostMap.values()) all.push(h.lastSeen)
    const cutoff = cutoffFor(all, this.options.maxHosts)
    const target = Math.floor(this.options.maxHosts * 0.9)
    for (const h of this.hostMap.values()) {
      if (this.hostMap.size <= target) break
      if (h.lastSeen <= cutoff) {
        this.removeHost(h.host)
        this.evictedTotal++
      }
    }
  }
}

/** The lastSeen value at or below which the oldest ~10 % of a full table lie. */
function cutoffFor(values: number[], cap: number): number {
  const sorted = Float64Array.from(values).sort()
  const drop = Math.max(1, values.length - Math.floor(cap * 0.9))
  return sorted[Math.min(sorted.length - 1, drop - 1)] ?? 0
}

/** Raw names whose normalised form is remembered (`observeName`). */
const NAME_MEMO_MAX = 65_536

/** Lower case, no `:port`, no trailing dot; '' when the text is empty, too long, or an address (not a name). */
function normaliseName(name: string): string {
  const n = name.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')
  // An address is not a name (HTTP Host and SNI sometimes carry one).
  if (n === '' || n.length > 253 || parseIpv4(n) !== undefined || parseIpv6(n.replace(/^\[|\]$/g, '')) !== undefined) {
    return ''
  }
  return n
}

function pushName(list: string[], n: string, max: number): string[] {
  const out = [n, ...list.filter((x) => x !== n)]
  if (out.length > max) out.length = max
  return out
}

function markPair(m: Map<string, Set<string>>, host: string, dest: string): void {
  let s = m.get(host)
  if (s === undefined) {
    s = new Set()
    m.set(host, s)
  }
  s.add(dest)
}
