/**
 * The flow table: turns decoded packets (PacketView) into bidirectional flows with Zeek conn.log
 * semantics (originator, per-direction packets / IP bytes / payload bytes, `history`, `conn_state`)
 * and ends every flow exactly once (FIN/RST completion, idle and active timeouts on capture time,
 * eviction when full, end of input).
 *
 * Storage is lru-cache v11 (packages.md §3.4, §5) with a numeric key: the hash of the canonical
 * 5-tuple + VLAN (analytics/flow-key.ts). The flow keeps its full tuple and is compared on lookup;
 * the rare flows whose hash collides share one cache entry as a short chain (chaining rather than
 * probing hash+1, hash+2..., which would lose flows once an entry in the middle of a probe run is
 * deleted). The hot path allocates nothing and builds no string, and the per-flow state it touches
 * is held in small-integer fields (V8 boxes doubles and 32-bit values held in object fields, and each
 * box is one more cache miss and one more object for the GC): address words as 16-bit halves, times as
 * seconds since the table's first packet plus microseconds. The uid, address text and history string
 * are made when first read (normally when the flow ends). A one-entry "last flow" check
 * skips the hash and the LRU touch for back-to-back packets of one flow (that flow is already the most
 * recent entry, so the LRU order stays exact).
 * The cache is first built for 4 Ki entries and rebuilt once at maxFlows when that is full (lru-cache
 * preallocates for its `max`: ~60 ms at 1 M, which dominated short captures); a sentinel entry keeps it from
 * ever emptying (lru-cache turns the delete of its last entry into an O(max) clear).
 * lru-cache's ttl modes are not used (a purge costs ~1 s at 1 M entries). Idle timeouts run on a timer
 * wheel of one slot per second of capture time: each flow waits in the slot of the second its timeout
 * could first pass (closed TCP flows: `tcpClosedLingerS`), and `expire` visits only the slots that came due,
 * ending the flows that are idle and moving the others to their new deadline. An earlier sweep from the
 * LRU's least-recent end stalled on TCP flows idle for longer than the UDP timeout but less than their own
 * (it had to stop after a scan budget, leaving expired UDP flows behind them) and took ~16 % of the flow
 * path's time on bench/pipeline.bench.ts; the wheel looks at each flow about once per timeout. lru-cache
 * keeps the lookup, the recency order and the eviction of the least recently used flow at the cap.
 * Timeouts are also checked when a packet arrives, so flow boundaries never depend on when a sweep ran; a
 * flow evicted after its timeout had passed is reported as 'idle' (or 'fin'/'rst' when closed), not 'evict'.
 * Measured (bench/flow-table.bench.ts, 5 M packets over 200 k concurrent flows, a busy 2-core VM): about
 * 1.5-2.5 M packets/s through `update` alone. Reader + walker + table + flow records on bench/pipeline.bench.ts
 * (idle VM): 0.91 M packets/s with ~150 k live flows, 1.18 M with ~38 k (bench/README.md).
 *
 * Zeek semantics kept: TCP endpoint states and history letters follow Zeek's TCP analyzer
 * (TCPSessionAdapter.cc) for S H A D F R I Q T W and `^` (uppercase = originator; a repeated S/H/F/R with
 * a new sequence number is repeated; T and W on a log10 scale). UDP history is D/d.
 * Deliberate differences from Zeek: the originator is the sender of the first SYN, or the receiver
 * of a first-seen SYN-ACK (marked `^`), or else the first packet's sender (Zeek also flips on its
 * likely_server_ports list); byte counts come from IP lengths, never sequence numbers (zeek#3313);
 * IPv4/IPv6 fragments are not reassembled: the first fragment counts as the packet of its transport
 * flow and later fragments of the same source/destination/protocol add their bytes to that flow
 * without adding a packet, which gives the counts Zeek (and tshark) report for the reassembled datagram.
 * Not handled: history letters C (bad checksum: checksums are not verified, as with `zeek -C`, since offloading
 * NICs leave them unset in captures) and G (content gap, which Zeek reports from its reassembler, not per
 * packet); inner VLAN and tunnels in the key.
 */
import { LRUCache } from 'lru-cache'
import { addressText } from '../decoders/network/ip-text.js'
import type { PacketView } from '../decoders/packet-view.js'
import type { Counters } from './counters.js'
import type { FlowEndReason, Proto } from './events.js'
import type { Flow } from './flow.js'
import { canonicalTuple, icmpCounterpart, newTupleScratch, type TupleScratch, tupleHash } from './flow-key.js'
import {
  type EndpointStates,
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_INACTIVE,
  TCP_PARTIAL,
  TCP_RESET,
  TCP_SYN_ACK_SENT,
  TCP_SYN_SENT,
} from './flow-record.js'
import { UidGenerator } from './uid.js'

/** Options of a FlowTable; every field has a default. Durations are seconds of capture time. */
export interface FlowTableOptions {
  /** Hard cap on live flows; when full, the least recently used flow is ended with reason 'evict'. Default 1_000_000. */
  maxFlows?: number
  /** Idle timeout of TCP flows. Default 300 (Zeek tcp_inactivity_timeout). */
  tcpIdleS?: number
  /** Idle timeout of UDP flows. Default 60 (Zeek udp_inactivity_timeout). */
  udpIdleS?: number
  /** Idle timeout of ICMP flows. Default 60 (Zeek icmp_inactivity_timeout). */
  icmpIdleS?: number
  /** Idle timeout of other IP protocols. Default 60. */
  otherIdleS?: number
  /** A flow older than this is ended with reason 'active' and continued as a new flow (new uid, same
   * originator), as NetFlow exporters do. Default 3600. */
  activeTimeoutS?: number
  /** After FIN both ways, a RST, or a FIN whose peer never spoke, the flow is ended once no packet came
   * for this long, so late ACKs and retransmitted FINs stay in it instead of opening a new flow.
   * A new SYN ends it at once (port reuse). Default 5 (Zeek tcp_close_delay / tcp_reset_delay). */
  tcpClosedLingerS?: number
  /** How often, in capture time, `update` runs the idle sweep itself. Default 1. */
  sweepIntervalS?: number
  /** Seed of the uid sequence (same input + same seed = same uids). Default 0. */
  uidSeed?: number
  /** Called once for every flow that ends, with why. */
  onEnd: (flow: Flow, reason: FlowEndReason) => void
  /** Called when a flow is created (after its first packet is accounted). */
  onStart?: (flow: Flow) => void
  /** Where to count flows_created_total, flows_ended_total{reason}, packets_without_ip_total... */
  counters?: Counters
  /** Replaces the tuple hash (tests use a constant to force collisions). Default flow-key.ts tupleHash. */
  keyHash?: (t: TupleScratch, version: number, ipProto: number, vlan: number) => number
}

const TH_FIN = 0x01
const TH_SYN = 0x02
const TH_RST = 0x04
const TH_ACK = 0x10

/** History bits (originator; the responder's are shifted left by 8). */
const H_SYN = 1
const H_SYNACK = 2
const H_ACK = 4
const H_DATA = 8
const H_FIN = 16
const H_RST = 32
const H_FINRST = 64
const H_MULTI = 128

/** lru-cache mutates the options object it is given; one shared object avoids an allocation per get. */
const GET_OPTS = {}

/** Low 30 bits of a sequence number: enough to tell a repeated SYN/FIN/RST from a new one. */
const SEQ30 = 0x3fffffff

function protoName(ipProto: number): Proto {
  if (ipProto === 6) return 'tcp'
  if (ipProto === 17) return 'udp'
  if (ipProto === 1 || ipProto === 58) return 'icmp'
  return 'other'
}

/** The service list of every flow that has none (frozen: a service is added by replacing the list). */
const NO_SERVICES: string[] = Object.freeze([]) as unknown as string[]

/** Scratch words for address text (made once per flow, when first asked for). */
const TEXT_WORDS = new Uint32Array(4)

/** History letters by code (0 = none); a lowercase letter's code is its uppercase code + 10. */
const HISTORY_ALPHABET = '\0^SHADFRIQTWshadfriqtw'
const HISTORY_PACKED = 18
const L_FLIP = 1
const L_S = 2
const L_H = 3
const L_A = 4
const L_D = 5
const L_F = 6
const L_R = 7
const L_I = 8
const L_Q = 9
const L_T = 10
const L_W = 11
/** Offset from an uppercase (originator) code to its lowercase (responder) code. */
const L_LOWER = 10

/** One live flow: the Flow contract plus the table's own bookkeeping. */
export class FlowState implements Flow, EndpointStates {
  // Field order is memory layout: the fields every packet touches come first (fewer cache lines).
  /**
   * @internal canonical tuple: lo endpoint a*, hi endpoint b*. The first address word is kept as two
   * 16-bit halves so the fields stay small integers (V8 boxes larger numbers held in object fields).
   */
  readonly ipVersion: 4 | 6
  readonly a0h: number
  readonly a0l: number
  readonly b0h: number
  readonly b0l: number
  readonly aPort: number
  readonly bPort: number
  readonly ipProto: number
  readonly vlan: number
  /** @internal true when the originator is the lower endpoint of the canonical tuple. */
  readonly origIsLo: boolean
  /** @internal set once the flow has been handed to onEnd. */
  ended = false
  /** @internal true once TCP completion (FIN both ways, RST, FIN to a silent peer) was seen. */
  closing = false
  /**
   * @internal first/last packet time as whole seconds since the table's epoch plus microseconds: small
   * integers read on every packet without touching a boxed double. `lastTs` is derived from them.
   */
  firstSec: number
  firstUs: number
  lastSec: number
  lastUs: number
  readonly firstTs: number
  origPkts = 0
  respPkts = 0
  origIpBytes = 0
  respIpBytes = 0
  origBytes = 0
  respBytes = 0
  missedBytes = 0
  /** @internal history letters already seen (bit per letter; the responder's shifted by 8). */
  histSeen = 0
  /** Zeek TCP endpoint states (flow-record.ts TCP_*) and the state before the last change. */
  origState = TCP_INACTIVE
  respState = TCP_INACTIVE
  /** TCP flags OR-ed over the originator's / responder's packets. */
  origTcpFlags = 0
  respTcpFlags = 0
  /** @internal highest sequence end seen per side, as 16-bit halves (H is -1 until the first segment). */
  origSeqH = -1
  origSeqL = 0
  respSeqH = -1
  respSeqL = 0
  /** @internal lru-cache key and the next flow sharing it (hash collision chain). */
  chainNext: FlowState | undefined = undefined
  readonly key: number
  readonly proto: Proto
  readonly orig_p: number
  readonly resp_p: number
  /** @internal history letters as 5-bit codes (HISTORY_ALPHABET), six per register, then `hMore`. */
  h0 = 0
  h1 = 0
  h2 = 0
  hLen = 0
  hMore = ''
  /** @internal uid sequence number, its generator, and text made on first use (so it dies young in GC). */
  private readonly uidNum: number
  private readonly uidGen: UidGenerator
  private uidText: string | undefined = undefined
  private origText: string | undefined = undefined
  private respText: string | undefined = undefined
  private svc: string[] | undefined = undefined
  serverName: string | undefined = undefined
  appProtoTs: string | undefined = undefined
  appProtoTc: string | undefined = undefined
  app: unknown = undefined
  /** @internal endpoint states before their last change (Zeek prev_state). */
  origPrev = TCP_INACTIVE
  respPrev = TCP_INACTIVE
  /** @internal IPv6 address words 1-3 of the lo then the hi endpoint; undefined for IPv4. */
  readonly v6w: Uint32Array | undefined
  /** @internal timer wheel entry: the second (since the table's epoch) the flow is next checked at
   * (-1: not scheduled) and its neighbours in that slot's list. */
  wheelSec = -1
  wheelPrev: FlowState | undefined = undefined
  wheelNext: FlowState | undefined = undefined
  /** @internal sequence numbers of the last SYN, FIN end and RST per side (Zeek hist_last_*). */
  // Compared on their low 30 bits (small integers, no boxing): a false match needs equal low 30 bits.
  origLastSyn = -1
  respLastSyn = -1
  origLastFin = -1
  respLastFin = -1
  origLastRst = -1
  respLastRst = -1
  /** @internal retransmissions and zero-window advertisements per side (T/t and W/w on a log10 scale). */
  origRxmt = 0
  respRxmt = 0
  origWin0 = 0
  respWin0 = 0

  constructor(
    uidGen: UidGenerator,
    t: TupleScratch,
    version: 4 | 6,
    ipProto: number,
    vlan: number,
    key: number,
    origIsLo: boolean,
    ts: number,
    sec: number,
    us: number,
  ) {
    this.uidGen = uidGen
    this.uidNum = uidGen.take()
    this.ipProto = ipProto
    this.proto = protoName(ipProto)
    this.vlan = vlan
    this.firstTs = ts
    this.firstSec = sec
    this.firstUs = us
    this.lastSec = sec
    this.lastUs = us
    this.ipVersion = version
    this.a0h = t.a0 >>> 16
    this.a0l = t.a0 & 0xffff
    this.b0h = t.b0 >>> 16
    this.b0l = t.b0 & 0xffff
    this.v6w = version === 6 ? Uint32Array.of(t.a1, t.a2, t.a3, t.b1, t.b2, t.b3) : undefined
    this.aPort = t.aPort
    this.bPort = t.bPort
    this.key = key
    this.origIsLo = origIsLo
    this.orig_p = origIsLo ? t.aPort : t.bPort
    this.resp_p = origIsLo ? t.bPort : t.aPort
  }

  get lastTs(): number {
    return this.firstTs + (this.lastSec - this.firstSec) + (this.lastUs - this.firstUs) / 1e6
  }

  set lastTs(v: number) {
    const off = Math.round((v - this.firstTs) * 1e6) + this.firstUs
    const s = Math.floor(off / 1e6)
    this.lastSec = this.firstSec + s
    this.lastUs = off - s * 1e6
  }

  get uid(): string {
    if (this.uidText === undefined) this.uidText = this.uidGen.format(this.uidNum)
    return this.uidText
  }

  get orig_h(): string {
    if (this.origText === undefined) this.origText = this.endpointText(this.origIsLo)
    return this.origText
  }

  get resp_h(): string {
    if (this.respText === undefined) this.respText = this.endpointText(!this.origIsLo)
    return this.respText
  }

  /** Confirmed services; flows with none (most, and all of `--flows-only`) share one frozen empty list. */
  get service(): string[] {
    return this.svc ?? NO_SERVICES
  }

  set service(v: string[]) {
    this.svc = v
  }

  get history(): string {
    let s = ''
    const n = Math.min(this.hLen, HISTORY_PACKED)
    for (let i = 0; i < n; i++) {
      const reg = i < 6 ? this.h0 : i < 12 ? this.h1 : this.h2
      const c = (reg >>> ((i % 6) * 5)) & 31
      if (c !== 0) s += HISTORY_ALPHABET[c] ?? ''
    }
    return s + this.hMore
  }

  /** Replaces the history (letters added later are appended to it). */
  set history(v: string) {
    this.h0 = 0
    this.h1 = 0
    this.h2 = 0
    this.hLen = HISTORY_PACKED
    this.hMore = v
  }

  /** @internal appends the letter of code `c` (index in HISTORY_ALPHABET). */
  addHistory(c: number): void {
    const i = this.hLen++
    if (i >= HISTORY_PACKED) {
      this.hMore += HISTORY_ALPHABET[c] ?? ''
      return
    }
    const bits = c << ((i % 6) * 5)
    if (i < 6) this.h0 |= bits
    else if (i < 12) this.h1 |= bits
    else this.h2 |= bits
  }

  private endpointText(lo: boolean): string {
    const w = TEXT_WORDS
    w.fill(0)
    w[0] = lo ? (this.a0h << 16) | this.a0l : (this.b0h << 16) | this.b0l
    const v6 = this.v6w
    if (v6 !== undefined) {
      const o = lo ? 0 : 3
      w[1] = v6[o] ?? 0
      w[2] = v6[o + 1] ?? 0
      w[3] = v6[o + 2] ?? 0
    }
    return addressText(w, this.ipVersion)
  }
}

interface FragmentOwner {
  flow: FlowState
  fromOrig: boolean
}

/**
 * Placeholder entry that keeps the cache from becoming empty (see `unlink`). Its key is not an integer, so
 * no tuple hash can produce it, and it is never returned by `get`; the iterations skip it.
 */
const SENTINEL_KEY = -0.5
const SENTINEL = Object.create(FlowState.prototype) as FlowState
/** Entries the LRU cache is first built for (it grows to maxFlows when needed). */
const INITIAL_CAPACITY = 4096

/**
 * Slots of the idle-timeout wheel, one per second of capture time (a power of two). A deadline further
 * away than this is parked in the last slot and checked again then, so any timeout works.
 */
const WHEEL_SLOTS = 1024
const WHEEL_MASK = WHEEL_SLOTS - 1

/** Most first-fragment owners remembered for attributing later fragments; the map is cleared past this. */
const FRAGMENT_OWNERS_MAX = 65_536

export class FlowTable {
  /** Direction of the last packet given to `update`: true when it went originator → responder. */
  lastFromOrig = false

  private lru: LRUCache<number, FlowState>
  /** Entries the current cache holds at most; grows by 4x up to maxFlows (see `grow`). */
  private capacity: number
  private readonly maxFlows: number
  private readonly tcpIdleS: number
  private readonly udpIdleS: number
  private readonly icmpIdleS: number
  private readonly otherIdleS: number
  private readonly activeTimeoutS: number
  private readonly lingerS: number
  private readonly sweepIntervalS: number
  private readonly onEnd: (flow: Flow, reason: FlowEndReason) => void
  private readonly onStart: ((flow: Flow) => void) | undefined
  private readonly counters: Counters | undefined
  private readonly uids: UidGenerator
  private readonly keyHash: (t: TupleScratch, version: number, ipProto: number, vlan: number) => number
  private readonly t: TupleScratch = newTupleScratch()
  private last: FlowState | undefined = undefined
  private live = 0
  private nowTs = Number.NEGATIVE_INFINITY
  /** Whole seconds of the first packet: FlowState times count from it. */
  private epochSec = Number.NaN
  /** The current packet's time as seconds since epochSec and microseconds. */
  private curSec = 0
  private curUs = 0
  private nextSweepTs = Number.NEGATIVE_INFINITY
  /** Idle-timeout wheel: per second slot, a list (through wheelNext) of the flows to check then. */
  private wheel: (FlowState | undefined)[] = new Array<FlowState | undefined>(WHEEL_SLOTS).fill(undefined)
  /** The last second (since epochSec) whose wheel slot was processed. */
  private sweptSec = -1
  private readonly fragmentOwners = new Map<string, FragmentOwner>()
  /** A flow created by the current packet, handed to onStart once the packet is accounted. */
  private onStartPending: FlowState | undefined = undefined
  /** Packets that found a flow by hash but a different tuple (hash collisions), for tests and stats. */
  collisions = 0

  constructor(opts: FlowTableOptions) {
    this.maxFlows = opts.maxFlows ?? 1_000_000
    if (!Number.isInteger(this.maxFlows) || this.maxFlows < 1) {
      throw new RangeError(`Flow table maxFlows must be a positive integer, got ${this.maxFlows}.`)
    }
    this.tcpIdleS = opts.tcpIdleS ?? 300
    this.udpIdleS = opts.udpIdleS ?? 60
    this.icmpIdleS = opts.icmpIdleS ?? 60
    this.otherIdleS = opts.otherIdleS ?? 60
    this.activeTimeoutS = opts.activeTimeoutS ?? 3600
    this.lingerS = opts.tcpClosedLingerS ?? 5
    this.sweepIntervalS = opts.sweepIntervalS ?? 1
    this.onEnd = opts.onEnd
    this.onStart = opts.onStart
    this.counters = opts.counters
    this.uids = new UidGenerator(opts.uidSeed ?? 0)
    this.keyHash = opts.keyHash ?? tupleHash
    this.capacity = Math.min(this.maxFlows, INITIAL_CAPACITY)
    this.lru = this.newCache(this.capacity)
  }

  private newCache(max: number): LRUCache<number, FlowState> {
    return new LRUCache<number, FlowState>({
      max,
      dispose: (value, _key, reason) => {
        if (reason === 'evict' && value !== SENTINEL) this.evicted(value)
      },
    })
  }

  /**
   * lru-cache preallocates arrays for `max` entries (about 60 ms at 1 M), which dominated short captures:
   * the cache starts at INITIAL_CAPACITY and, when that is full, is rebuilt once at maxFlows, entries copied
   * from the least to the most recent so the LRU order is kept. A capture with more live flows than that pays
   * the same preallocation as before plus a copy of INITIAL_CAPACITY entries, once; a small one pays neither.
   * (A larger first size made the copy the dominant cost: about 0.15-0.5 s for 64 Ki entries.)
   */
  private grow(): void {
    const old = this.lru
    this.capacity = this.maxFlows
    const next = this.newCache(this.capacity)
    for (const k of old.rkeys()) {
      const v = old.peek(k)
      if (v !== undefined && v !== SENTINEL) next.set(k, v)
    }
    this.lru = next
  }

  /** Live flows. */
  get size(): number {
    return this.live
  }

  /**
   * Accounts one packet and returns its flow (creating it when needed); sets `lastFromOrig`.
   * Returns undefined for a packet without an IP header (counted as packets_without_ip_total) and for
   * a non-first fragment (its bytes go to the flow of its first fragment when known).
   */
  update(pv: PacketView): Flow | undefined {
    const version = pv.ipVersion
    if (version === 0) {
      this.counters?.inc('packets_without_ip_total')
      return undefined
    }
    const ts = pv.ts
    if (ts > this.nowTs) this.nowTs = ts
    let sec = Math.floor(ts)
    let us = Math.round((ts - sec) * 1e6)
    if (us >= 1_000_000) {
      sec++
      us -= 1_000_000
    }
    if (Number.isNaN(this.epochSec)) this.epochSec = sec
    this.curSec = sec - this.epochSec
    this.curUs = us
    if (ts >= this.nextSweepTs) {
      this.expire(ts)
      this.nextSweepTs = ts + this.sweepIntervalS
    }
    if (pv.isFragment && pv.fragOffset > 0) return this.laterFragment(pv)
    const ipProto = pv.ipProto
    let sPort = pv.srcPort
    let dPort = pv.dstPort
    if (sPort < 0 || dPort < 0) {
      sPort = 0
      dPort = 0
    } else if (ipProto === 1 || ipProto === 58) {
      dPort = icmpCounterpart(ipProto, sPort, dPort)
    }
    const vlan = pv.vlan
    let f = this.last
    let srcIsLo = true
    let m = f === undefined ? 0 : matchTuple(f, pv, version, ipProto, vlan, sPort, dPort)
    if (m === 0) {
      const t = this.t
      canonicalTuple(t, version, pv.src, sPort, pv.dst, dPort)
      srcIsLo = t.srcIsLo
      const key = this.keyHash(t, version, ipProto, vlan)
      const head = this.lru.get(key, GET_OPTS)
      f = head
      while (f !== undefined && !sameTuple(f, t, version, ipProto, vlan)) {
        this.collisions++
        f = f.chainNext
      }
      if (f === undefined) f = this.create(pv, key, srcIsLo, undefined, head ?? null)
      else m = srcIsLo ? 1 : 2
    } else {
      srcIsLo = m === 1
    }
    if (f === undefined) return undefined
    if (m !== 0) f = this.checkTimeouts(f, pv, srcIsLo)
    const fromOrig = srcIsLo === f.origIsLo
    this.lastFromOrig = fromOrig
    this.last = f
    this.account(f, pv, fromOrig)
    return f
  }

  /**
   * Ends the flows whose idle timeout (or, for closed TCP flows, linger time) has passed by `nowTs`. Each flow
   * sits in the timer wheel at the second it may time out; a flow that saw packets since is moved to its new
   * deadline instead, so a flow is looked at about once per timeout, whatever the mix of timeouts (a sweep
   * from the LRU end stalls at TCP flows idle longer than the UDP timeout but shorter than their own).
   * `update` calls it about once per sweepIntervalS.
   */
  expire(nowTs: number): void {
    if (nowTs > this.nowTs) this.nowTs = nowTs
    if (Number.isNaN(this.epochSec)) return
    const nowSec = Math.floor(nowTs) - this.epochSec
    const from = this.sweptSec + 1
    if (nowSec < from) return
    // After a gap in capture time longer than the wheel, one pass over every slot is enough.
    const to = nowSec - from >= WHEEL_SLOTS ? from + WHEEL_SLOTS - 1 : nowSec
    this.sweptSec = nowSec
    const wheel = this.wheel
    for (let sec = from; sec <= to; sec++) {
      let f = wheel[sec & WHEEL_MASK]
      while (f !== undefined) {
        const next: FlowState | undefined = f.wheelNext
        // Entries parked for a later turn of the wheel (or moved here during this pass) stay.
        if (f.wheelSec <= nowSec) {
          if (nowTs - f.lastTs > this.timeoutOf(f)) this.endFlow(f, this.idleReason(f), true)
          else this.schedule(f)
        }
        f = next
      }
    }
  }

  /** Ends every live flow (end of input, shutdown). TCP flows already closed keep their 'fin'/'rst'. */
  flush(reason: FlowEndReason = 'eof'): void {
    const all: FlowState[] = []
    for (const head of this.lru.rvalues()) {
      if (head === SENTINEL) continue
      for (let f: FlowState | undefined = head; f !== undefined; f = f.chainNext) all.push(f)
    }
    this.lru.clear()
    this.fragmentOwners.clear()
    this.last = undefined
    for (const f of all) this.endFlow(f, f.closing ? closeReason(f) : reason, false)
    this.wheel.fill(undefined)
  }

  private timeoutOf(f: FlowState): number {
    if (f.closing) return this.lingerS
    switch (f.ipProto) {
      case 6:
        return this.tcpIdleS
      case 17:
        return this.udpIdleS
      case 1:
      case 58:
        return this.icmpIdleS
      default:
        return this.otherIdleS
    }
  }

  private idleReason(f: FlowState): FlowEndReason {
    return f.closing ? closeReason(f) : 'idle'
  }

  /** Ends `f` when this packet comes after its timeout, and returns the flow the packet belongs to. */
  private checkTimeouts(f: FlowState, pv: PacketView, srcIsLo: boolean): FlowState {
    const sec = this.curSec
    const us = this.curUs
    const gap = sec - f.lastSec + (us - f.lastUs) * 1e-6
    if (f.closing) {
      const synOnly = (pv.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN
      if (gap > this.lingerS || synOnly) return this.replace(f, pv, srcIsLo, closeReason(f), false)
      return f
    }
    if (gap > this.timeoutOf(f)) return this.replace(f, pv, srcIsLo, 'idle', false)
    if (sec - f.firstSec + (us - f.firstUs) * 1e-6 > this.activeTimeoutS)
      return this.replace(f, pv, srcIsLo, 'active', true)
    return f
  }

  private replace(
    f: FlowState,
    pv: PacketView,
    srcIsLo: boolean,
    reason: FlowEndReason,
    continued: boolean,
  ): FlowState {
    const key = f.key
    this.endFlow(f, reason, true)
    // The scratch tuple is stale when f came from the last-flow check; the new flow has f's tuple.
    copyTuple(this.t, f)
    return this.create(pv, key, srcIsLo, continued ? f : undefined)
  }

  /**
   * `knownHead`: the entry under `key` as the caller just looked it up (null: none), so it is not looked up
   * twice; undefined when it must be looked up (after an end, which may have changed it).
   */
  private create(
    pv: PacketView,
    key: number,
    srcIsLo: boolean,
    from: FlowState | undefined,
    knownHead?: FlowState | null,
  ): FlowState {
    const flags = pv.tcpFlags
    let origIsLo = srcIsLo
    let flipped = false
    if (from !== undefined) origIsLo = from.origIsLo
    else if (pv.ipProto === 6 && (flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) {
      // A SYN-ACK seen first: its receiver sent the SYN we missed, so it is the originator.
      origIsLo = !srcIsLo
      flipped = true
    }
    const version = pv.ipVersion === 6 ? 6 : 4
    const f = new FlowState(
      this.uids,
      this.t,
      version,
      pv.ipProto,
      pv.vlan,
      key,
      origIsLo,
      pv.ts,
      this.curSec,
      this.curUs,
    )
    if (flipped) f.addHistory(L_FLIP)
    if (from !== undefined) {
      f.origState = from.origState
      f.respState = from.respState
      f.origPrev = from.origPrev
      f.respPrev = from.respPrev
      f.origSeqH = from.origSeqH
      f.origSeqL = from.origSeqL
      f.respSeqH = from.respSeqH
      f.respSeqL = from.respSeqL
    }
    const head = knownHead === undefined ? this.lru.get(key, GET_OPTS) : knownHead
    if (head !== undefined && head !== null) {
      f.chainNext = head.chainNext
      head.chainNext = f
    } else {
      if (this.lru.size >= this.capacity && this.capacity < this.maxFlows) this.grow()
      this.lru.set(key, f)
    }
    this.live++
    this.schedule(f)
    this.counters?.inc('flows_created_total')
    if (this.onStart !== undefined) this.onStartPending = f
    return f
  }

  private account(f: FlowState, pv: PacketView, fromOrig: boolean): void {
    const ipLen = pv.ipLen
    const payloadLen = pv.payloadLen
    if (fromOrig) {
      f.origPkts++
      f.origIpBytes += ipLen
      f.origBytes += payloadLen
    } else {
      f.respPkts++
      f.respIpBytes += ipLen
      f.respBytes += payloadLen
    }
    const sec = this.curSec
    const us = this.curUs
    if (sec > f.lastSec || (sec === f.lastSec && us > f.lastUs)) {
      f.lastSec = sec
      f.lastUs = us
    }
    const captured = pv.payloadEnd - pv.payloadOff
    if (payloadLen > captured) f.missedBytes += payloadLen - Math.max(captured, 0)
    const ipProto = f.ipProto
    if (ipProto === 6) {
      if (pv.srcPort >= 0) this.tcpPacket(f, fromOrig, pv.tcpFlags, payloadLen, pv.seq >>> 0, pv.tcpWindow)
    } else if (ipProto === 17) {
      if ((f.histSeen & (fromOrig ? H_DATA : H_DATA << 8)) === 0) this.hist(f, fromOrig, H_DATA, L_D)
    }
    if (pv.isFragment) this.rememberFragment(pv, f, fromOrig)
    const started = this.onStartPending
    if (started !== undefined) {
      this.onStartPending = undefined
      this.onStart?.(started)
    }
  }

  /** Adds a history letter once per side; returns true when it had been seen already (Zeek CheckHistory). */
  private hist(f: FlowState, fromOrig: boolean, bit: number, letter: number): boolean {
    const mask = fromOrig ? bit : bit << 8
    if ((f.histSeen & mask) !== 0) return true
    f.histSeen |= mask
    f.addHistory(fromOrig ? letter : letter + L_LOWER)
    return false
  }

  private tcpPacket(f: FlowState, fromOrig: boolean, flags: number, len: number, seq: number, window: number): void {
    const syn = (flags & TH_SYN) !== 0
    const fin = (flags & TH_FIN) !== 0
    const rst = (flags & TH_RST) !== 0
    const ack = (flags & TH_ACK) !== 0
    if (fromOrig) f.origTcpFlags |= flags
    else f.respTcpFlags |= flags

    // History (Zeek update_history).
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)
    if (bits > 1) {
      if (fin && rst) this.hist(f, fromOrig, H_FINRST, L_I)
      else this.hist(f, fromOrig, H_MULTI, L_Q)
    } else if (bits === 1) {
      if (syn) {
        const seen = ack ? this.hist(f, fromOrig, H_SYNACK, L_H) : this.hist(f, fromOrig, H_SYN, L_S)
        const s30 = seq & SEQ30
        const lastSyn = fromOrig ? f.origLastSyn : f.respLastSyn
        if (seen && s30 !== lastSyn) f.addHistory((ack ? L_H : L_S) + (fromOrig ? 0 : L_LOWER))
        if (fromOrig) f.origLastSyn = s30
        else f.respLastSyn = s30
      }
      if (fin) {
        const end = (seq + len) & SEQ30
        const seen = this.hist(f, fromOrig, H_FIN, L_F)
        if (seen && end !== (fromOrig ? f.origLastFin : f.respLastFin)) f.addHistory(fromOrig ? L_F : L_F + L_LOWER)
        if (fromOrig) f.origLastFin = end
        else f.respLastFin = end
      }
      if (rst) {
        const seen = this.hist(f, fromOrig, H_RST, L_R)
        const s30 = seq & SEQ30
        if (seen && s30 !== (fromOrig ? f.origLastRst : f.respLastRst)) f.addHistory(fromOrig ? L_R : L_R + L_LOWER)
        if (fromOrig) f.origLastRst = s30
        else f.respLastRst = s30
      }
    } else if (len > 0) {
      if ((f.histSeen & (fromOrig ? H_DATA : H_DATA << 8)) === 0) this.hist(f, fromOrig, H_DATA, L_D)
    } else if (ack) {
      if ((f.histSeen & (fromOrig ? H_ACK : H_ACK << 8)) === 0) this.hist(f, fromOrig, H_ACK, L_A)
    }

    // Retransmissions (Zeek update_last_seq): data at or below the highest sequence end seen.
    const segLen = (rst ? 0 : len) + (syn ? 1 : 0) + (fin ? 1 : 0)
    const segEnd = (seq + segLen) >>> 0
    const state = fromOrig ? f.origState : f.respState
    const seqH = fromOrig ? f.origSeqH : f.respSeqH
    let lastSeq = seqH < 0 ? -1 : ((seqH << 16) | (fromOrig ? f.origSeqL : f.respSeqL)) >>> 0
    if (lastSeq < 0) lastSeq = syn ? segEnd : seq
    const delta = (segEnd - lastSeq) | 0
    if ((syn || rst) && (delta > 1048576 || delta < -1048576)) {
      // Wild SYN/RST sequence numbers are not trusted.
    } else if (state === TCP_RESET) {
      // Nothing after a RST is trusted.
    } else if (delta > 0) {
      lastSeq = segEnd
    } else if (len > 0) {
      this.retransmit(f, fromOrig)
    }
    if (fromOrig) {
      f.origSeqH = lastSeq >>> 16
      f.origSeqL = lastSeq & 0xffff
    } else {
      f.respSeqH = lastSeq >>> 16
      f.respSeqL = lastSeq & 0xffff
    }

    // Zero window (Zeek UpdateWindow): not on a RST, nor once the peer has closed or this side was reset.
    if (window === 0 && !rst) {
      const own = fromOrig ? f.origState : f.respState
      const peer = fromOrig ? f.respState : f.origState
      if (peer !== TCP_CLOSED && own !== TCP_RESET) {
        scaledHistory(f, fromOrig ? ++f.origWin0 : ++f.respWin0, L_W, fromOrig)
      }
    }

    this.tcpState(f, fromOrig, syn, fin, rst, ack, len)

    if (!f.closing) {
      const os = f.origState
      const rs = f.respState
      if (
        os === TCP_RESET ||
        rs === TCP_RESET ||
        (os === TCP_CLOSED && (rs === TCP_CLOSED || rs === TCP_INACTIVE)) ||
        (rs === TCP_CLOSED && os === TCP_INACTIVE)
      ) {
        f.closing = true
        // From now on its timeout is the linger time.
        this.schedule(f)
      }
    }
  }

  private retransmit(f: FlowState, fromOrig: boolean): void {
    scaledHistory(f, fromOrig ? ++f.origRxmt : ++f.respRxmt, L_T, fromOrig)
  }

  /** Zeek's per-endpoint TCP state machine (TCPSessionAdapter::UpdateStateMachine), weirds left out. */
  private tcpState(
    f: FlowState,
    fromOrig: boolean,
    syn: boolean,
    fin: boolean,
    rst: boolean,
    ack: boolean,
    len: number,
  ): void {
    const state = fromOrig ? f.origState : f.respState
    const peer = fromOrig ? f.respState : f.origState
    switch (state) {
      case TCP_INACTIVE: {
        if (syn) {
          if (fromOrig) setState(f, true, ack ? TCP_SYN_ACK_SENT : TCP_SYN_SENT)
          else {
            if (peer === TCP_SYN_SENT) setState(f, true, TCP_ESTABLISHED)
            setState(f, false, TCP_ESTABLISHED)
          }
        }
        if (fin) setState(f, fromOrig, TCP_CLOSED)
        if (rst) setState(f, fromOrig, TCP_RESET)
        if ((fromOrig ? f.origState : f.respState) === TCP_INACTIVE) {
          if (!fromOrig && len === 0 && f.origState === TCP_SYN_SENT) {
            // A bare ACK of the SYN before the SYN-ACK: not a partial connection.
          } else if (ack && peer === TCP_ESTABLISHED) {
            setState(f, fromOrig, TCP_ESTABLISHED)
          } else {
            setState(f, fromOrig, TCP_PARTIAL)
          }
        }
        break
      }
      case TCP_SYN_SENT:
      case TCP_SYN_ACK_SENT:
        if (fin) setState(f, fromOrig, TCP_CLOSED)
        if (rst) setState(f, fromOrig, TCP_RESET)
        break
      case TCP_ESTABLISHED:
      case TCP_PARTIAL:
        if (syn && state === TCP_PARTIAL && peer === TCP_INACTIVE && !ack) setState(f, fromOrig, TCP_SYN_SENT)
        if (fin && !rst) {
          setState(f, fromOrig, TCP_CLOSED)
          // A FIN then a RST from the peer was a normal close after all.
          if (peer === TCP_RESET && (fromOrig ? f.respPrev : f.origPrev) === TCP_CLOSED) {
            setState(f, !fromOrig, TCP_CLOSED)
          }
        }
        if (rst) setState(f, fromOrig, TCP_RESET)
        break
      case TCP_CLOSED:
        if (rst && peer !== TCP_CLOSED) setState(f, fromOrig, TCP_RESET)
        break
      default:
        break
    }
  }

  /**
   * Puts `f` in the wheel slot of the second in which its timeout can first pass (moving it if it was in one);
   * a flow found there not quite idle long enough goes to the next second's slot.
   */
  private schedule(f: FlowState): void {
    this.unschedule(f)
    let sec = f.lastSec + Math.ceil(this.timeoutOf(f))
    const last = this.sweptSec + WHEEL_SLOTS - 1
    if (sec > last) sec = last
    else if (sec <= this.sweptSec) sec = this.sweptSec + 1
    const slot = sec & WHEEL_MASK
    const head = this.wheel[slot]
    f.wheelSec = sec
    f.wheelPrev = undefined
    f.wheelNext = head
    if (head !== undefined) head.wheelPrev = f
    this.wheel[slot] = f
  }

  private unschedule(f: FlowState): void {
    if (f.wheelSec < 0) return
    const prev = f.wheelPrev
    const next = f.wheelNext
    if (prev !== undefined) prev.wheelNext = next
    else this.wheel[f.wheelSec & WHEEL_MASK] = next
    if (next !== undefined) next.wheelPrev = prev
    f.wheelSec = -1
    f.wheelPrev = undefined
    f.wheelNext = undefined
  }

  private evicted(head: FlowState): void {
    for (let f: FlowState | undefined = head; f !== undefined; ) {
      const next: FlowState | undefined = f.chainNext
      if (!f.ended) {
        // A flow that had already timed out by the current capture time is reported as such.
        const timedOut = this.nowTs - f.lastTs > this.timeoutOf(f)
        this.endFlow(f, timedOut ? this.idleReason(f) : 'evict', false)
      }
      f = next
    }
  }

  private endFlow(f: FlowState, reason: FlowEndReason, unlink: boolean): void {
    if (f.ended) return
    f.ended = true
    if (unlink) this.unlink(f)
    this.unschedule(f)
    this.live--
    if (this.last === f) this.last = undefined
    this.counters?.inc('flows_ended_total', reason)
    this.onEnd(f, reason)
  }

  private unlink(f: FlowState): void {
    const head = this.lru.peek(f.key)
    if (head === f) {
      if (f.chainNext !== undefined) this.lru.set(f.key, f.chainNext)
      else {
        // lru-cache turns the delete of its last entry into clear(), which refills its arrays (O(max),
        // ~34 % of CPU on captures whose flows come one at a time): a sentinel keeps it from emptying.
        // The sentinel is the least recent entry from then on, so it is the first one evicted.
        if (this.lru.size === 1) this.lru.set(SENTINEL_KEY, SENTINEL)
        this.lru.delete(f.key)
      }
      return
    }
    for (let p = head; p !== undefined; p = p.chainNext) {
      if (p.chainNext === f) {
        p.chainNext = f.chainNext
        return
      }
    }
  }

  private rememberFragment(pv: PacketView, f: FlowState, fromOrig: boolean): void {
    if (this.fragmentOwners.size >= FRAGMENT_OWNERS_MAX) this.fragmentOwners.clear()
    this.fragmentOwners.set(fragmentKey(pv), { flow: f, fromOrig })
  }

  private laterFragment(pv: PacketView): undefined {
    const owner = this.fragmentOwners.get(fragmentKey(pv))
    if (owner === undefined || owner.flow.ended) {
      this.counters?.inc('flow_fragments_unattributed_total')
      return undefined
    }
    const f = owner.flow
    // The fragment continues the transport payload: its IP payload is all payload.
    const bytes = pv.payloadLen > 0 ? pv.payloadLen : Math.max(0, pv.ipLen - (pv.ipVersion === 6 ? 40 : 20))
    if (owner.fromOrig) {
      f.origIpBytes += bytes
      f.origBytes += bytes
    } else {
      f.respIpBytes += bytes
      f.respBytes += bytes
    }
    if (pv.ts > f.lastTs) f.lastTs = pv.ts
    this.lastFromOrig = owner.fromOrig
    this.counters?.inc('flow_fragments_attributed_total')
    return undefined
  }
}

/** Zeek ScaledHistoryEntry: the letter is added at the 1st, 10th, 100th... occurrence (`count`). */
function scaledHistory(f: FlowState, count: number, letter: number, fromOrig: boolean): void {
  let n = count
  while (n % 10 === 0) n /= 10
  if (n === 1) f.addHistory(fromOrig ? letter : letter + L_LOWER)
}

function setState(f: FlowState, orig: boolean, s: number): void {
  if (orig) {
    f.origPrev = f.origState
    f.origState = s
  } else {
    f.respPrev = f.respState
    f.respState = s
  }
}

function closeReason(f: FlowState): FlowEndReason {
  return f.origState === TCP_RESET || f.respState === TCP_RESET ? 'rst' : 'fin'
}

function fragmentKey(pv: PacketView): string {
  const s = pv.src
  const d = pv.dst
  if (pv.ipVersion === 4) return `4/${pv.ipProto}/${s[0]}/${d[0]}/${pv.vlan}`
  return `6/${pv.ipProto}/${s[0]}/${s[1]}/${s[2]}/${s[3]}/${d[0]}/${d[1]}/${d[2]}/${d[3]}/${pv.vlan}`
}

function copyTuple(t: TupleScratch, f: FlowState): void {
  t.a0 = ((f.a0h << 16) | f.a0l) >>> 0
  t.b0 = ((f.b0h << 16) | f.b0l) >>> 0
  const v6 = f.v6w
  t.a1 = v6?.[0] ?? 0
  t.a2 = v6?.[1] ?? 0
  t.a3 = v6?.[2] ?? 0
  t.b1 = v6?.[3] ?? 0
  t.b2 = v6?.[4] ?? 0
  t.b3 = v6?.[5] ?? 0
  t.aPort = f.aPort
  t.bPort = f.bPort
}

function sameTuple(f: FlowState, t: TupleScratch, version: number, ipProto: number, vlan: number): boolean {
  if (
    f.a0l !== (t.a0 & 0xffff) ||
    f.b0l !== (t.b0 & 0xffff) ||
    f.a0h !== t.a0 >>> 16 ||
    f.b0h !== t.b0 >>> 16 ||
    f.aPort !== t.aPort ||
    f.bPort !== t.bPort ||
    f.ipProto !== ipProto ||
    f.vlan !== vlan ||
    f.ipVersion !== version
  )
    return false
  const v6 = f.v6w
  if (v6 === undefined) return true
  return v6[0] === t.a1 && v6[1] === t.a2 && v6[2] === t.a3 && v6[3] === t.b1 && v6[4] === t.b2 && v6[5] === t.b3
}

/** 1 when the packet's source is the flow's lower endpoint, 2 when it is the higher one, 0 when not this flow. */
function matchTuple(
  f: FlowState,
  pv: PacketView,
  version: number,
  ipProto: number,
  vlan: number,
  sPort: number,
  dPort: number,
): number {
  if (f.ipProto !== ipProto || f.vlan !== vlan || f.ipVersion !== version) return 0
  const s0 = pv.src[0] ?? 0
  const d0 = pv.dst[0] ?? 0
  const sh = s0 >>> 16
  const sl = s0 & 0xffff
  const dh = d0 >>> 16
  const dl = d0 & 0xffff
  let m = 0
  if (sl === f.a0l && dl === f.b0l && sh === f.a0h && dh === f.b0h && sPort === f.aPort && dPort === f.bPort) m = 1
  else if (sl === f.b0l && dl === f.a0l && sh === f.b0h && dh === f.a0h && sPort === f.bPort && dPort === f.aPort) m = 2
  else return 0
  const v6 = f.v6w
  if (v6 === undefined) return m
  const s = pv.src
  const d = pv.dst
  const lo = m === 1 ? s : d
  const hi = m === 1 ? d : s
  if (lo[1] === v6[0] && lo[2] === v6[1] && lo[3] === v6[2] && hi[1] === v6[3] && hi[2] === v6[4] && hi[3] === v6[5])
    return m
  return 0
}
