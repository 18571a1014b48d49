/**
 * The expected-connection table (Zeek's `Analyzer::schedule_analyzer`, Suricata's expectations): control
 * channels announce data connections (FTP PASV/EPSV/PORT/EPRT, TFTP's server-chosen TID) and the manager looks
 * each new flow up here. A match is consumed (one data connection per announcement). Either orientation of a
 * new flow may match, because for TFTP the server's new TID originates the data flow while the request came
 * from the client. Undefined fields are wildcards. Bounded: at most `cap` entries overall (oldest dropped,
 * counted) and entries expire on capture time (`expiresTs`).
 */
import type { Counters } from '../counters.js'
import type { ExpectedConnection } from './types.js'

export interface ExpectMatch {
  readonly x: ExpectedConnection
  /** True when the new flow's originator is the expectation's responder (reverse orientation). */
  readonly reversed: boolean
}

function fits(
  x: ExpectedConnection,
  proto: string,
  oh: string,
  op: number,
  rh: string,
  rp: number,
  ts: number,
): boolean {
  return (
    x.proto === proto &&
    x.expiresTs >= ts &&
    x.resp_h === rh &&
    (x.resp_p === undefined || x.resp_p === rp) &&
    (x.orig_h === undefined || x.orig_h === oh) &&
    (x.orig_p === undefined || x.orig_p === op)
  )
}

export class ExpectedTable {
  /** Entries keyed by responder address; insertion order kept overall in `order` for eviction. */
  private readonly byResp = new Map<string, ExpectedConnection[]>()
  private size = 0

  constructor(
    private readonly cap = 1024,
    private readonly counters?: Counters,
  ) {}

  get count(): number {
    return this.size
  }

  add(x: ExpectedConnection, ts: number): void {
    if (this.size >= this.cap) this.expire(ts)
    if (this.size >= this.cap) this.evictOldest()
    let list = this.byResp.get(x.resp_h)
    if (list === undefined) {
      list = []
      this.byResp.set(x.resp_h, list)
    }
    list.push(x)
    this.size++
    this.counters?.inc('app_expected_total', x.analyzer)
  }

  /** Finds and removes the expectation matching a new flow, trying both orientations. */
  take(proto: string, oh: string, op: number, rh: string, rp: number, ts: number): ExpectMatch | undefined {
    if (this.size === 0) return undefined
    const a = this.find(proto, oh, op, rh, rp, ts)
    if (a !== undefined) return { x: a, reversed: false }
    const b = this.find(proto, rh, rp, oh, op, ts)
    if (b !== undefined) return { x: b, reversed: true }
    return undefined
  }

  private find(
    proto: string,
    oh: string,
    op: number,
    rh: string,
    rp: number,
    ts: number,
  ): ExpectedConnection | undefined {
    const list = this.byResp.get(rh)
    if (list === undefined) return undefined
    for (let i = 0; i < list.length; i++) {
      const x = list[i] as ExpectedConnection
      if (fits(x, proto, oh, op, rh, rp, ts)) {
        list.splice(i, 1)
        if (list.length === 0) this.byResp.delete(rh)
        this.size--
        this.counters?.inc('app_expected_matched_total', x.analyzer)
        return x
      }
    }
    return undefined
  }

  /** Drops entries whose `expiresTs` is before `ts`. */
  expire(ts: number): void {
    for (const [k, list] of this.byResp) {
      const keep = list.filter((x) => x.expiresTs >= ts)
      const gone = list.length - keep.length
      if (gone > 0) {
        this.size -= gone
        this.counters?.inc('app_expected_dropped_total', 'expired', gone)
        if (keep.length === 0) this.byResp.delete(k)
        else this.byResp.set(k, keep)
      }
    }
  }

  private evictOldest(): void {
    let oldestKey: string | undefined
    let oldestIdx = -1
    let oldestTs = Number.POSITIVE_INFINITY
    for (const [k, list] of this.byResp) {
      for (let i = 0; i < list.length; i++) {
        const x = list[i] as ExpectedConnection
        if (x.expiresTs < oldestTs) {
          oldestTs = x.expiresTs
          oldestKey = k
          oldestIdx = i
        }
      }
    }
    if (oldestKey === undefined) return
    const list = this.byResp.get(oldestKey)
    if (list === undefined) return
    list.splice(oldestIdx, 1)
    if (list.length === 0) this.byResp.delete(oldestKey)
    this.size--
    this.counters?.inc('app_expected_dropped_total', 'evicted')
  }
}
