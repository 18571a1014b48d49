/**
 * Host identity: a bounded, time-expiring map of host name ↔ IP address, learned from what the sensor sees,
 * so that evidence about one endpoint can be joined whether it names the host by address (network events) or
 * by name (Windows `Computer`, syslog HOSTNAME). Sources: DNS A/AAAA answers for internal addresses, HostEvent
 * `host` + `host_ip`, and syslog HOSTNAME + sender address. Names are compared case-insensitively and without
 * their domain suffix (Windows NetBIOS-style short names: `WS01.corp.example` = `ws01`). An address that maps
 * to more names than MAX_NAMES_PER_IP (a log relay, NAT or DHCP churn) is marked ambiguous and not used for
 * joining. Not handled: PTR answers (the DnsEvent contract carries addresses only) and DHCP leases.
 */
import type { SensorEvent } from '../events.js'
import type { AddressSet } from '../net/address-set.js'

/** Most names kept per address; one more makes the address ambiguous. */
export const MAX_NAMES_PER_IP = 4
/** Most addresses kept per name. */
export const MAX_IPS_PER_NAME = 4

export interface HostIdentityOptions {
  /** Most names tracked (oldest learned dropped first); default 50,000. */
  readonly maxEntries?: number
  /** Seconds (event time) after which a mapping not seen again is forgotten; default 7 days. */
  readonly ttlS?: number
  /** When given, only internal addresses are learned from DNS answers. */
  readonly internal?: AddressSet
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

/** True when `s` looks like an IPv4 or IPv6 address literal rather than a name. */
export function isAddressLiteral(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && /^[0-9a-f:.]+$/i.test(s))
}

/**
 * The comparable form of a host name: lower case, no trailing dot, no domain suffix. Address literals are
 * returned unchanged; an empty or `-` name gives ''.
 */
export function normalizeHostName(name: string): string {
  let n = name.trim().toLowerCase()
  if (n === '' || n === '-') return ''
  if (n.endsWith('.')) n = n.slice(0, -1)
  if (isAddressLiteral(n)) return n
  const dot = n.indexOf('.')
  return dot > 0 ? n.slice(0, dot) : n
}

interface Seen<T> {
  readonly values: Map<T, number>
}

export class HostIdentity {
  private readonly byName = new Map<string, Seen<string>>()
  private readonly byIp = new Map<string, Seen<string>>()
  private readonly ambiguous = new Map<string, number>()
  private readonly maxEntries: number
  private readonly ttlS: number
  private readonly internal: AddressSet | undefined

  constructor(opts: HostIdentityOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 50_000
    this.ttlS = opts.ttlS ?? 7 * 86400
    this.internal = opts.internal
  }

  /** Number of names tracked. */
  get size(): number {
    return this.byName.size
  }

  /** Records that `name` had address `ip` at `ts`. */
  learn(name: string, ip: string, ts: number): void {
    const n = normalizeHostName(name)
    const a = ip.trim().toLowerCase()
    if (n === '' || a === '' || isAddressLiteral(n) || !isAddressLiteral(a)) return
    this.add(this.byName, n, a, ts, MAX_IPS_PER_NAME)
    const names = this.add(this.byIp, a, n, ts, MAX_NAMES_PER_IP + 1)
    if (names > MAX_NAMES_PER_IP) {
      if (this.ambiguous.size >= this.maxEntries) this.ambiguous.clear()
      this.ambiguous.set(a, ts)
    }
  }

  /** Learns from any event that ties a name to an address. */
  observe(ev: SensorEvent): void {
    switch (ev.kind) {
      case 'dns':
        for (const a of ev.answers.slice(0, 16)) {
          if (this.internal && !this.internal.has(a)) continue
          this.learn(ev.query, a, ev.ts)
        }
        return
      case 'host':
        if (ev.host_ip !== undefined) this.learn(ev.host, ev.host_ip, ev.ts)
        return
      case 'syslog':
        if (ev.hostname !== undefined && ev.peer !== undefined) this.learn(ev.hostname, ev.peer, ev.ts)
        return
      default:
        return
    }
  }

  /** Addresses currently known for a name (normalised); ambiguous addresses are left out. */
  ipsOf(name: string, ts: number): string[] {
    const s = this.byName.get(normalizeHostName(name))
    if (!s) return []
    const out: string[] = []
    for (const [ip, seen] of s.values) {
      if (ts - seen > this.ttlS) continue
      if (this.isAmbiguous(ip, ts)) continue
      out.push(ip)
    }
    return out
  }

  /** Names currently known for an address (none when the address is ambiguous). */
  namesOf(ip: string, ts: number): string[] {
    const a = ip.toLowerCase()
    if (this.isAmbiguous(a, ts)) return []
    const s = this.byIp.get(a)
    if (!s) return []
    const out: string[] = []
    for (const [n, seen] of s.values) if (ts - seen <= this.ttlS) out.push(n)
    return out
  }

  /**
   * Every key the endpoint described by `names`/`ips` is known under: `ip:<addr>` and `name:<short name>`,
   * including the ones learned through this map (one hop).
   */
  aliases(names: readonly string[], ips: readonly string[], ts: number): string[] {
    const keys = new Set<string>()
    for (const raw of names) {
      const n = normalizeHostName(raw)
      if (n === '') continue
      if (isAddressLiteral(n)) {
        keys.add(`ip:${n}`)
        continue
      }
      keys.add(`name:${n}`)
      for (const ip of this.ipsOf(n, ts)) keys.add(`ip:${ip}`)
    }
    for (const raw of ips) {
      const a = raw.toLowerCase()
      if (a === '') continue
      keys.add(`ip:${a}`)
      for (const n of this.namesOf(a, ts)) keys.add(`name:${n}`)
    }
    return [...keys]
  }

  private isAmbiguous(ip: string, ts: number): boolean {
    const t = this.ambiguous.get(ip)
    return t !== undefined && ts - t <= this.ttlS
  }

  private add(m: Map<string, Seen<string>>, k: string, v: string, ts: number, cap: number): number {
    let s = m.get(k)
    if (!s) {
      if (m.size >= this.maxEntries) {
        const first = m.keys().next()
        if (!first.done) m.delete(first.value)
      }
      s = { values: new Map() }
      m.set(k, s)
    }
    if (!s.values.has(v) && s.values.size >= cap) {
      // Drop the least recently seen value.
      let oldK: string | undefined
      let oldT = Number.POSITIVE_INFINITY
      for (const [vk, vt] of s.values) {
        if (vt < oldT) {
          oldT = vt
          oldK = vk
        }
      }
      if (oldK !== undefined) s.values.delete(oldK)
    }
    s.values.set(v, Math.max(ts, s.values.get(v) ?? ts))
    return s.values.size
  }
}
