/**
 * The flow table: turns decoded packets (PacketView) into bidirectional flows with Zeek conn.log
 * semantics (originator, per-direction packets / IP bytes / payload bytes, `history`, `conn_state`)
 * and ends every flow exactly once (FIN/RST completion, idle and active timeouts on capture time,
 * eviction when full, end of input).
 *
 * Storage: each live flow is a row of doubles in one Float64Array (layout below: what every packet touches in
 * the first 128 bytes), and lru-cache v11 (packages.md §3.4, §5) maps a numeric key, the hash of the canonical
 * 5-tuple + VLAN (analytics/flow-key.ts), to the row. The row keeps the full tuple and is compared on lookup;
 * the rare flows whose hash collides share one cache entry as a short chain of rows (chaining rather than
 * probing hash+1, hash+2..., which would lose flows once an entry in the middle of a probe run is deleted).
 * Rows rather than an object per flow: a packet touches one or two cache lines of its flow instead of several
 * of a 60-field object, and long-lived flows are not objects the GC copies and marks (bench/pipeline.bench.ts,
 * capture A on one core: 6.1 -> 4.9 s; peak RSS 434 -> 204 MB). A Flow object (FlowHandle) is made only when
 * asked for: by the app layer through `update`/`onStart`, and for `onEnd`, when the row's values are copied
 * into it, so it stays valid after the row is reused. Freed rows are reused most recent first; the arrays grow
 * when full (see `allocRow`), so the rows written are the peak number of live flows.
 * The hot path allocates nothing and builds no string. The uid, address text and history string
 * are made when first read (normally when the flow ends). A one-entry "last flow" check
 * skips the hash and the LRU touch for back-to-back packets of one flow (that flow is already the most
 * recent entry, so the LRU order stays exact).
 * The cache is first built for 4 Ki entries and rebuilt 4x larger, up to maxFlows, each time it is full
 * (lru-cache preallocates for its `max`: 60-80 ms at 1 M, which dominated short captures); a sentinel entry
 * keeps it from ever emptying (lru-cache turns the delete of its last entry into an O(max) clear).
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
 * Measured: bench/pipeline.bench.ts and bench/README.md (reader + walker + table + flow records).
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

/*
 * Row layout: each live flow is one row of ROW doubles in one Float64Array (`rows`), at row * ROW. Each
 * per-side field has the originator's value at ORIG_x and the responder's right after it (tcpPacket indexes
 * them with `own`: 0 originator, 1 responder).
 * Block one (16 doubles, one 128-byte pair of cache lines) is what every packet reads or writes: the tuple,
 * flags, times and counters; block two the TCP state; block three what sweeps, chains and ends use.
 * Times are whole seconds since the table's first packet plus microseconds (FIRST_TS keeps the first packet's
 * time exactly). Sequence numbers are uint32 values, -1 when none was seen.
 */
const A0 = 0
const B0 = 1
/** aPort * 65536 + bPort. */
const PORTS = 2
/** version * 2^24 + ipProto * 2^16 + vlan + 1 (see `metaOf`). */
const META = 3
/** F_* bits. */
const FLAGS = 4
const FIRST_SEC = 5
const FIRST_US = 6
const LAST_SEC = 7
const LAST_US = 8
const ORIG_PKTS = 9
const RESP_PKTS = 10
const ORIG_IP_BYTES = 11
const RESP_IP_BYTES = 12
const ORIG_BYTES = 13
const RESP_BYTES = 14
/** History letters already seen (bit per letter; the responder's shifted by 8). */
const HIST_SEEN = 15
/** Zeek TCP endpoint states (flow-record.ts TCP_*) and the state before the last change (Zeek prev_state). */
const ORIG_STATE = 16
const RESP_STATE = 17
const ORIG_PREV = 18
const RESP_PREV = 19
/** TCP flags OR-ed over each side's packets (the responder's at +1, as for every ORIG_/RESP_ pair). */
const ORIG_TCP_FLAGS = 20
/** Highest sequence end seen per side (-1 until the first segment). */
const ORIG_SEQ = 22
const RESP_SEQ = 23
/** History letters as 5-bit codes (HISTORY_ALPHABET), six per register, then the table's `historyMore`. */
const H0 = 24
const H1 = 25
const H2 = 26
const H_LEN = 27
const MISSED = 28
/** Low 30 bits of the sequence numbers of the last SYN, FIN end and RST per side (Zeek hist_last_*). */
const ORIG_LAST_SYN = 29
const RESP_LAST_SYN = 30
const ORIG_LAST_FIN = 31
const RESP_LAST_FIN = 32
const ORIG_LAST_RST = 33
const RESP_LAST_RST = 34
/** Retransmissions and zero-window advertisements per side (T/t and W/w on a log10 scale); responder's at +1. */
const ORIG_RXMT = 35
const ORIG_WIN0 = 37
/** Timer wheel entry: the second (since the epoch) the flow is next checked at (-1: not scheduled), and the
 * previous and next rows in that slot's list (-1: none). */
const WHEEL_SEC = 39
const WHEEL_PREV = 40
const WHEEL_NEXT = 41
/** lru-cache key, and the next row under the same key (hash collision chain; free-list link once freed). */
const KEY = 42
const CHAIN_NEXT = 43
/** uid sequence number (unique per flow: also tells a reused row from the flow that had it). */
const UID_NUM = 44
const FIRST_TS = 45
/** Doubles per row (a multiple of 16, so rows keep the 128-byte alignment of the blocks above). */
const ROW = 48

const F_LIVE = 1
/** The originator is the lower endpoint of the canonical tuple. */
const F_ORIG_LO = 2
/** TCP completion (FIN both ways, RST, FIN to a silent peer) was seen: the flow waits out the linger time. */
const F_CLOSING = 4

/** IPv6 address words 1-3 of the lo then the hi endpoint, per row. */
const V6_WORDS = 6

function metaOf(version: number, ipProto: number, vlan: number): number {
  return version * 16777216 + ipProto * 65536 + vlan + 1
}

/** A typed-array element the caller knows is inside the array (rows are allocated before they are read). */
function at(a: Float64Array | Uint32Array | Int32Array, i: number): number {
  return a[i] as number
}

/**
 * The Flow of one table row, made only when someone asks for it (the app layer, `update`, `onStart`) and for
 * `onEnd`. While the flow lives its counters are read from the row; when it ends they are copied in, so the
 * object stays valid after the row is reused.
 */
class FlowHandle implements Flow, EndpointStates {
  readonly proto: Proto
  readonly ipProto: number
  readonly orig_p: number
  readonly resp_p: number
  readonly vlan: number
  readonly firstTs: number
  /** @internal the table row while the flow lives; -1 once it ended. */
  row: number
  private readonly table: FlowTable
  private readonly uidNum: number
  private uidText: string | undefined = undefined
  private origText: string | undefined = undefined
  private respText: string | undefined = undefined
  private svc: string[] | undefined = undefined
  serverName: string | undefined = undefined
  appProtoTs: string | undefined = undefined
  appProtoTc: string | undefined = undefined
  app: unknown = undefined
  // The row's values when the flow ended.
  private endLastTs = 0
  private endOrigPkts = 0
  private endRespPkts = 0
  private endOrigIpBytes = 0
  private endRespIpBytes = 0
  private endOrigBytes = 0
  private endRespBytes = 0
  private endMissed = 0
  private endOrigState = 0
  private endRespState = 0
  private endHistory = ''

  constructor(table: FlowTable, row: number) {
    const n = table.rows
    const b = row * ROW
    this.table = table
    this.row = row
    const meta = at(n, b + META)
    this.ipProto = (meta >>> 16) & 0xff
    this.proto = protoName(this.ipProto)
    this.vlan = (meta & 0xffff) - 1
    const ports = at(n, b + PORTS)
    const aPort = ports >>> 16
    const bPort = ports & 0xffff
    const origIsLo = (at(n, b + FLAGS) & F_ORIG_LO) !== 0
    this.orig_p = origIsLo ? aPort : bPort
    this.resp_p = origIsLo ? bPort : aPort
    this.firstTs = at(n, b + FIRST_TS)
    this.uidNum = at(n, b + UID_NUM)
  }

  /** @internal copies the row's values in (the flow has ended; the row is about to be freed). */
  detach(): void {
    const r = this.row
    const t = this.table
    const n = t.rows
    const b = r * ROW
    this.endLastTs = t.lastTsOf(r)
    this.endOrigPkts = at(n, b + ORIG_PKTS)
    this.endRespPkts = at(n, b + RESP_PKTS)
    this.endOrigIpBytes = at(n, b + ORIG_IP_BYTES)
    this.endRespIpBytes = at(n, b + RESP_IP_BYTES)
    this.endOrigBytes = at(n, b + ORIG_BYTES)
    this.endRespBytes = at(n, b + RESP_BYTES)
    this.endMissed = at(n, b + MISSED)
    this.endOrigState = at(n, b + ORIG_STATE)
    this.endRespState = at(n, b + RESP_STATE)
    this.endHistory = t.historyOf(r)
    if (this.origText === undefined) this.origText = t.endpointText(r, true)
    if (this.respText === undefined) this.respText = t.endpointText(r, false)
    this.row = -1
  }

  private value(off: number): number {
    return at(this.table.rows, this.row * ROW + off)
  }

  get uid(): string {
    if (this.uidText === undefined) this.uidText = this.table.uids.format(this.uidNum)
    return this.uidText
  }

  get orig_h(): string {
    if (this.origText === undefined) this.origText = this.table.endpointText(this.row, true)
    return this.origText
  }

  get resp_h(): string {
    if (this.respText === undefined) this.respText = this.table.endpointText(this.row, false)
    return this.respText
  }

  get lastTs(): number {
    return this.row < 0 ? this.endLastTs : this.table.lastTsOf(this.row)
  }

  set lastTs(v: number) {
    if (this.row < 0) this.endLastTs = v
    else this.table.setLastTs(this.row, v)
  }

  get origPkts(): number {
    return this.row < 0 ? this.endOrigPkts : this.value(ORIG_PKTS)
  }

  get respPkts(): number {
    return this.row < 0 ? this.endRespPkts : this.value(RESP_PKTS)
  }

  get origIpBytes(): number {
    return this.row < 0 ? this.endOrigIpBytes : this.value(ORIG_IP_BYTES)
  }

  get respIpBytes(): number {
    return this.row < 0 ? this.endRespIpBytes : this.value(RESP_IP_BYTES)
  }

  get origBytes(): number {
    return this.row < 0 ? this.endOrigBytes : this.value(ORIG_BYTES)
  }

  get respBytes(): number {
    return this.row < 0 ? this.endRespBytes : this.value(RESP_BYTES)
  }

  get missedBytes(): number {
    return this.row < 0 ? this.endMissed : this.value(MISSED)
  }

  get origState(): number {
    return this.row < 0 ? this.endOrigState : this.value(ORIG_STATE)
  }

  get respState(): number {
    return this.row < 0 ? this.endRespState : this.value(RESP_STATE)
  }

  get history(): string {
    return this.row < 0 ? this.endHistory : this.table.historyOf(this.row)
  }

  /** Replaces the history (letters added later are appended to it). */
  set history(v: string) {
    if (this.row < 0) this.endHistory = v
    else this.table.setHistory(this.row, v)
  }

  /** Confirmed services; flows with none (most, and all of `--flows-only`) share one frozen empty list. */
  get service(): string[] {
    return this.svc ?? NO_SERVICES
  }

  set service(v: string[]) {
    this.svc = v
  }
}

interface FragmentOwner {
  row: number
  /** The owner's uid number: the row may have been freed and reused by another flow since. */
  uidNum: number
  fromOrig: boolean
}

/**
 * Placeholder entry that keeps the cache from becoming empty (see `unlink`). Its key is not an integer, so
 * no tuple hash can produce it, and it is never returned by `get`; the iterations skip it.
 */
const SENTINEL_KEY = -0.5
const SENTINEL = -1
/** Entries the LRU cache is first built for (it grows to maxFlows when needed), and the first row capacity. */
const INITIAL_CAPACITY = 4096
/** Factor by which the LRU cache is rebuilt larger when full (see `grow`). */
const GROWTH = 4

/**
 * Slots of the idle-timeout wheel, one per second of capture time (a power of two). A deadline further
 * away than this is parked in the last slot and checked again then, so any timeout works.
 */
const WHEEL_SLOTS = 1024
const WHEEL_MASK = WHEEL_SLOTS - 1

/** Most first-fragment owners remembered for attributing later fragments; the map is cleared past this. */
const FRAGMENT_OWNERS_MAX = 65_536

/** Continuation state carried from a flow ended by the active timeout into its successor. */
interface Carry {
  origIsLo: boolean
  origState: number
  respState: number
  origPrev: number
  respPrev: number
  origSeq: number
  respSeq: number
}

export class FlowTable {
  /** Direction of the last packet given to `update`: true when it went originator → responder. */
  lastFromOrig = false
  /** @internal the flow rows (ROW doubles each; replaced by a larger copy when full). */
  rows: Float64Array
  /** @internal uid sequence of this table. */
  readonly uids: UidGenerator

  private lru: LRUCache<number, number>
  /** Entries the current cache holds at most; grows by GROWTH up to maxFlows (see `grow`). */
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
  private readonly keyHash: (t: TupleScratch, version: number, ipProto: number, vlan: number) => number
  private readonly t: TupleScratch = newTupleScratch()
  /** IPv6 address words 1-3 of both endpoints, V6_WORDS per row. */
  private v6: Uint32Array
  /** Rows the arrays hold; rows handed out so far; the first free row (freed rows chain through CHAIN_NEXT). */
  private rowCapacity = INITIAL_CAPACITY
  private rowsUsed = 0
  private freeRow = -1
  /** The Flow object of each row that has one (see FlowHandle); grown by push as rows are first asked for. */
  private readonly handles: (FlowHandle | undefined)[] = []
  /** History letters past the packed registers, per row (rare: long or replaced histories). */
  private readonly historyMore = new Map<number, string>()
  private last = -1
  private live = 0
  private nowTs = Number.NEGATIVE_INFINITY
  /** Whole seconds of the first packet: row times count from it. */
  private epochSec = Number.NaN
  /** The current packet's time as seconds since epochSec and microseconds. */
  private curSec = 0
  private curUs = 0
  private nextSweepTs = Number.NEGATIVE_INFINITY
  /** Idle-timeout wheel: per second slot, the first row of a list (through WHEEL_NEXT) of the flows to check then. */
  private readonly wheel = new Int32Array(WHEEL_SLOTS).fill(-1)
  /** The last second (since epochSec) whose wheel slot was processed. */
  private sweptSec = -1
  private readonly fragmentOwners = new Map<string, FragmentOwner>()
  /** A row created by the current packet, handed to onStart once the packet is accounted. */
  private onStartPending = -1
  private readonly carry: Carry = {
    origIsLo: false,
    origState: 0,
    respState: 0,
    origPrev: 0,
    respPrev: 0,
    origSeq: 0,
    respSeq: 0,
  }
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
    this.rows = new Float64Array(INITIAL_CAPACITY * ROW)
    this.v6 = new Uint32Array(INITIAL_CAPACITY * V6_WORDS)
  }

  private newCache(max: number): LRUCache<number, number> {
    return new LRUCache<number, number>({
      max,
      dispose: (row, _key, reason) => {
        if (reason === 'evict' && row !== SENTINEL) this.evicted(row)
      },
    })
  }

  /**
   * lru-cache preallocates arrays for `max` entries (60-80 ms at 1 M), which dominated short captures:
   * the cache starts at INITIAL_CAPACITY and, when that is full, is rebuilt GROWTH times larger (up to maxFlows),
   * entries copied from the least to the most recent so the LRU order is kept. Rebuilding straight at maxFlows
   * cost 4 % of a one-core run with ~38 k live flows (bench capture B: 2.0 -> 1.8 s in 4x steps); with ~150 k
   * (capture A) the three copies on the way cost about what the one large preallocation did.
   */
  private grow(): void {
    const old = this.lru
    this.capacity = Math.min(this.maxFlows, this.capacity * GROWTH)
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
    const row = this.updateRow(pv)
    return row < 0 ? undefined : this.flowAt(row)
  }

  /**
   * `update` without the Flow object: returns the flow's row (or -1 where `update` returns undefined). For
   * callers that only need the flows to be accounted and ended (`analyze --flows-only`): no object is made
   * for a flow until it ends.
   */
  updateRow(pv: PacketView): number {
    const version = pv.ipVersion
    if (version === 0) {
      this.counters?.inc('packets_without_ip_total')
      return -1
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
    if (pv.isFragment && pv.fragOffset > 0) {
      this.laterFragment(pv)
      return -1
    }
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
    const meta = metaOf(version, ipProto, vlan)
    let r = this.last
    let srcIsLo = true
    let m = r < 0 ? 0 : this.matchTuple(r, pv, meta, sPort, dPort)
    if (m === 0) {
      const t = this.t
      canonicalTuple(t, version, pv.src, sPort, pv.dst, dPort)
      srcIsLo = t.srcIsLo
      const key = this.keyHash(t, version, ipProto, vlan)
      const head = this.lru.get(key, GET_OPTS) ?? -1
      r = head
      while (r >= 0 && !this.sameTuple(r, t, meta)) {
        this.collisions++
        r = at(this.rows, r * ROW + CHAIN_NEXT)
      }
      if (r < 0) r = this.create(pv, key, srcIsLo, undefined, head)
      else m = srcIsLo ? 1 : 2
    } else {
      srcIsLo = m === 1
    }
    if (m !== 0) r = this.checkTimeouts(r, pv, srcIsLo)
    const fromOrig = srcIsLo === ((at(this.rows, r * ROW + FLAGS) & F_ORIG_LO) !== 0)
    this.lastFromOrig = fromOrig
    this.last = r
    this.account(r, pv, fromOrig)
    return r
  }

  /** The Flow of a live row (made on first request and kept until the flow ends). */
  flowAt(row: number): Flow {
    const handles = this.handles
    // Pushed up to the row, never assigned past the end: the array stays packed (no holes, no dictionary mode).
    while (handles.length <= row) handles.push(undefined)
    let h = handles[row]
    if (h === undefined) {
      h = new FlowHandle(this, row)
      handles[row] = h
    }
    return h
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
    const n = this.rows
    for (let sec = from; sec <= to; sec++) {
      let r = at(wheel, sec & WHEEL_MASK)
      while (r >= 0) {
        const b = r * ROW
        const next = at(n, b + WHEEL_NEXT)
        // Entries parked for a later turn of the wheel (or moved here during this pass) stay.
        if (at(n, b + WHEEL_SEC) <= nowSec) {
          if (nowTs - this.lastTsOf(r) > this.timeoutOf(r)) this.endFlow(r, this.idleReason(r), true)
          else this.schedule(r)
        }
        r = next
      }
    }
  }

  /** Ends every live flow (end of input, shutdown). TCP flows already closed keep their 'fin'/'rst'. */
  flush(reason: FlowEndReason = 'eof'): void {
    const all: number[] = []
    const n = this.rows
    for (const head of this.lru.rvalues()) {
      if (head === undefined || head === SENTINEL) continue
      for (let r = head; r >= 0; r = at(n, r * ROW + CHAIN_NEXT)) all.push(r)
    }
    this.lru.clear()
    this.fragmentOwners.clear()
    this.last = -1
    for (const r of all) this.endFlow(r, this.closing(r) ? this.closeReason(r) : reason, false)
    this.wheel.fill(-1)
  }

  /** @internal capture time of the row's last packet. */
  lastTsOf(r: number): number {
    const n = this.rows
    const b = r * ROW
    return (
      at(n, b + FIRST_TS) +
      (at(n, b + LAST_SEC) - at(n, b + FIRST_SEC)) +
      (at(n, b + LAST_US) - at(n, b + FIRST_US)) / 1e6
    )
  }

  /** @internal sets the row's last packet time. */
  setLastTs(r: number, v: number): void {
    const n = this.rows
    const b = r * ROW
    const off = Math.round((v - at(n, b + FIRST_TS)) * 1e6) + at(n, b + FIRST_US)
    const s = Math.floor(off / 1e6)
    n[b + LAST_SEC] = at(n, b + FIRST_SEC) + s
    n[b + LAST_US] = off - s * 1e6
  }

  /** @internal the row's Zeek history string. */
  historyOf(r: number): string {
    const n = this.rows
    const b = r * ROW
    let s = ''
    const len = Math.min(at(n, b + H_LEN), HISTORY_PACKED)
    for (let i = 0; i < len; i++) {
      const reg = at(n, b + (i < 6 ? H0 : i < 12 ? H1 : H2))
      const c = (reg >>> ((i % 6) * 5)) & 31
      if (c !== 0) s += HISTORY_ALPHABET[c] ?? ''
    }
    return s + (this.historyMore.get(r) ?? '')
  }

  /** @internal replaces the row's history (letters added later are appended to it). */
  setHistory(r: number, v: string): void {
    const n = this.rows
    const b = r * ROW
    n[b + H0] = 0
    n[b + H1] = 0
    n[b + H2] = 0
    n[b + H_LEN] = HISTORY_PACKED
    this.historyMore.set(r, v)
  }

  /** @internal the address text of the row's originator (`orig`) or responder. */
  endpointText(r: number, orig: boolean): string {
    const n = this.rows
    const b = r * ROW
    const lo = ((at(n, b + FLAGS) & F_ORIG_LO) !== 0) === orig
    const w = TEXT_WORDS
    w.fill(0)
    w[0] = at(n, b + (lo ? A0 : B0))
    const version = at(n, b + META) >>> 24
    if (version === 6) {
      const o = r * V6_WORDS + (lo ? 0 : 3)
      const v6 = this.v6
      w[1] = at(v6, o)
      w[2] = at(v6, o + 1)
      w[3] = at(v6, o + 2)
    }
    return addressText(w, version === 6 ? 6 : 4)
  }

  /** Appends the letter of code `c` (index in HISTORY_ALPHABET) to the row's history. */
  private addHistory(r: number, c: number): void {
    const n = this.rows
    const b = r * ROW
    const i = at(n, b + H_LEN)
    n[b + H_LEN] = i + 1
    if (i >= HISTORY_PACKED) {
      this.historyMore.set(r, (this.historyMore.get(r) ?? '') + (HISTORY_ALPHABET[c] ?? ''))
      return
    }
    const reg = b + (i < 6 ? H0 : i < 12 ? H1 : H2)
    n[reg] = at(n, reg) | (c << ((i % 6) * 5))
  }

  private closing(r: number): boolean {
    return (at(this.rows, r * ROW + FLAGS) & F_CLOSING) !== 0
  }

  private timeoutOf(r: number): number {
    const n = this.rows
    const b = r * ROW
    if ((at(n, b + FLAGS) & F_CLOSING) !== 0) return this.lingerS
    switch ((at(n, b + META) >>> 16) & 0xff) {
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

  private idleReason(r: number): FlowEndReason {
    return this.closing(r) ? this.closeReason(r) : 'idle'
  }

  private closeReason(r: number): FlowEndReason {
    const n = this.rows
    const b = r * ROW
    return at(n, b + ORIG_STATE) === TCP_RESET || at(n, b + RESP_STATE) === TCP_RESET ? 'rst' : 'fin'
  }

  /** Ends row `r` when this packet comes after its timeout, and returns the row the packet belongs to. */
  private checkTimeouts(r: number, pv: PacketView, srcIsLo: boolean): number {
    const n = this.rows
    const b = r * ROW
    const sec = this.curSec
    const us = this.curUs
    const gap = sec - at(n, b + LAST_SEC) + (us - at(n, b + LAST_US)) * 1e-6
    if ((at(n, b + FLAGS) & F_CLOSING) !== 0) {
      const synOnly = (pv.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN
      if (gap > this.lingerS || synOnly) return this.replace(r, pv, srcIsLo, this.closeReason(r), false)
      return r
    }
    if (gap > this.timeoutOf(r)) return this.replace(r, pv, srcIsLo, 'idle', false)
    if (sec - at(n, b + FIRST_SEC) + (us - at(n, b + FIRST_US)) * 1e-6 > this.activeTimeoutS)
      return this.replace(r, pv, srcIsLo, 'active', true)
    return r
  }

  private replace(r: number, pv: PacketView, srcIsLo: boolean, reason: FlowEndReason, continued: boolean): number {
    const n = this.rows
    const b = r * ROW
    const key = at(n, b + KEY)
    // The scratch tuple is stale when r came from the last-flow check; the new flow has r's tuple. Read before
    // the row is freed (the new flow may be given the same row).
    this.copyTuple(r)
    let carry: Carry | undefined
    if (continued) {
      carry = this.carry
      carry.origIsLo = (at(n, b + FLAGS) & F_ORIG_LO) !== 0
      carry.origState = at(n, b + ORIG_STATE)
      carry.respState = at(n, b + RESP_STATE)
      carry.origPrev = at(n, b + ORIG_PREV)
      carry.respPrev = at(n, b + RESP_PREV)
      carry.origSeq = at(n, b + ORIG_SEQ)
      carry.respSeq = at(n, b + RESP_SEQ)
    }
    this.endFlow(r, reason, true)
    return this.create(pv, key, srcIsLo, carry, -2)
  }

  /**
   * `knownHead`: the row under `key` as the caller just looked it up (-1: none), so it is not looked up twice;
   * -2 when it must be looked up (after an end, which may have changed it).
   */
  private create(pv: PacketView, key: number, srcIsLo: boolean, carry: Carry | undefined, knownHead: number): number {
    const flags = pv.tcpFlags
    let origIsLo = srcIsLo
    let flipped = false
    if (carry !== undefined) origIsLo = carry.origIsLo
    else if (pv.ipProto === 6 && (flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) {
      // A SYN-ACK seen first: its receiver sent the SYN we missed, so it is the originator.
      origIsLo = !srcIsLo
      flipped = true
    }
    const r = this.allocRow()
    const n = this.rows
    const b = r * ROW
    const t = this.t
    const version = pv.ipVersion === 6 ? 6 : 4
    n.fill(0, b, b + ROW)
    n[b + A0] = t.a0
    n[b + B0] = t.b0
    n[b + PORTS] = t.aPort * 65536 + t.bPort
    n[b + META] = metaOf(version, pv.ipProto, pv.vlan)
    n[b + FLAGS] = F_LIVE | (origIsLo ? F_ORIG_LO : 0)
    n[b + FIRST_SEC] = this.curSec
    n[b + FIRST_US] = this.curUs
    n[b + LAST_SEC] = this.curSec
    n[b + LAST_US] = this.curUs
    n[b + FIRST_TS] = pv.ts
    n[b + ORIG_SEQ] = -1
    n[b + RESP_SEQ] = -1
    n[b + ORIG_LAST_SYN] = -1
    n[b + RESP_LAST_SYN] = -1
    n[b + ORIG_LAST_FIN] = -1
    n[b + RESP_LAST_FIN] = -1
    n[b + ORIG_LAST_RST] = -1
    n[b + RESP_LAST_RST] = -1
    n[b + WHEEL_SEC] = -1
    n[b + WHEEL_PREV] = -1
    n[b + WHEEL_NEXT] = -1
    n[b + KEY] = key
    n[b + CHAIN_NEXT] = -1
    n[b + UID_NUM] = this.uids.take()
    if (version === 6) {
      const v6 = this.v6
      const o = r * V6_WORDS
      v6[o] = t.a1
      v6[o + 1] = t.a2
      v6[o + 2] = t.a3
      v6[o + 3] = t.b1
      v6[o + 4] = t.b2
      v6[o + 5] = t.b3
    }
    if (flipped) this.addHistory(r, L_FLIP)
    if (carry !== undefined) {
      n[b + ORIG_STATE] = carry.origState
      n[b + RESP_STATE] = carry.respState
      n[b + ORIG_PREV] = carry.origPrev
      n[b + RESP_PREV] = carry.respPrev
      n[b + ORIG_SEQ] = carry.origSeq
      n[b + RESP_SEQ] = carry.respSeq
    }
    const head = knownHead === -2 ? (this.lru.get(key, GET_OPTS) ?? -1) : knownHead
    if (head >= 0) {
      n[b + CHAIN_NEXT] = at(n, head * ROW + CHAIN_NEXT)
      n[head * ROW + CHAIN_NEXT] = r
    } else {
      if (this.lru.size >= this.capacity && this.capacity < this.maxFlows) this.grow()
      this.lru.set(key, r)
    }
    this.live++
    this.schedule(r)
    this.counters?.inc('flows_created_total')
    if (this.onStart !== undefined) this.onStartPending = r
    return r
  }

  /** A free row: the most recently freed one (still in cache), else a new one, doubling the arrays when full. */
  private allocRow(): number {
    const free = this.freeRow
    if (free >= 0) {
      this.freeRow = at(this.rows, free * ROW + CHAIN_NEXT)
      return free
    }
    const r = this.rowsUsed++
    if (r >= this.rowCapacity) {
      // Grown 8x (up to the cap, then 2x: only hash-collision chains go past it): a new array's pages cost
      // memory only once rows are written there, so the spare capacity is address space, and copying less
      // often matters (doubling spent ~4 % of a 5 M-packet run copying and faulting in the copies).
      const cap = this.rowCapacity
      this.rowCapacity = Math.max(Math.min(cap * 8, this.maxFlows + INITIAL_CAPACITY), cap * 2)
      const rows = new Float64Array(this.rowCapacity * ROW)
      rows.set(this.rows)
      this.rows = rows
      const v6 = new Uint32Array(this.rowCapacity * V6_WORDS)
      v6.set(this.v6)
      this.v6 = v6
    }
    return r
  }

  private releaseRow(r: number): void {
    const n = this.rows
    const b = r * ROW
    n[b + FLAGS] = 0
    n[b + CHAIN_NEXT] = this.freeRow
    this.freeRow = r
    if (this.historyMore.size > 0) this.historyMore.delete(r)
  }

  private account(r: number, pv: PacketView, fromOrig: boolean): void {
    const n = this.rows
    const b = r * ROW
    const ipLen = pv.ipLen
    const payloadLen = pv.payloadLen
    if (fromOrig) {
      n[b + ORIG_PKTS] = at(n, b + ORIG_PKTS) + 1
      n[b + ORIG_IP_BYTES] = at(n, b + ORIG_IP_BYTES) + ipLen
      n[b + ORIG_BYTES] = at(n, b + ORIG_BYTES) + payloadLen
    } else {
      n[b + RESP_PKTS] = at(n, b + RESP_PKTS) + 1
      n[b + RESP_IP_BYTES] = at(n, b + RESP_IP_BYTES) + ipLen
      n[b + RESP_BYTES] = at(n, b + RESP_BYTES) + payloadLen
    }
    const sec = this.curSec
    const us = this.curUs
    const lastSec = at(n, b + LAST_SEC)
    if (sec > lastSec || (sec === lastSec && us > at(n, b + LAST_US))) {
      n[b + LAST_SEC] = sec
      n[b + LAST_US] = us
    }
    const captured = pv.payloadEnd - pv.payloadOff
    if (payloadLen > captured) n[b + MISSED] = at(n, b + MISSED) + payloadLen - Math.max(captured, 0)
    const ipProto = pv.ipProto
    if (ipProto === 6) {
      if (pv.srcPort >= 0) this.tcpPacket(r, fromOrig, pv.tcpFlags, payloadLen, pv.seq >>> 0, pv.tcpWindow)
    } else if (ipProto === 17) {
      if ((at(n, b + HIST_SEEN) & (fromOrig ? H_DATA : H_DATA << 8)) === 0) this.hist(r, fromOrig, H_DATA, L_D)
    }
    if (pv.isFragment) this.rememberFragment(pv, r, fromOrig)
    const started = this.onStartPending
    if (started >= 0) {
      this.onStartPending = -1
      this.onStart?.(this.flowAt(started))
    }
  }

  /** Adds a history letter once per side; returns true when it had been seen already (Zeek CheckHistory). */
  private hist(r: number, fromOrig: boolean, bit: number, letter: number): boolean {
    const n = this.rows
    const i = r * ROW + HIST_SEEN
    const mask = fromOrig ? bit : bit << 8
    const seen = at(n, i)
    if ((seen & mask) !== 0) return true
    n[i] = seen | mask
    this.addHistory(r, fromOrig ? letter : letter + L_LOWER)
    return false
  }

  private tcpPacket(r: number, fromOrig: boolean, flags: number, len: number, seq: number, window: number): void {
    const n = this.rows
    const b = r * ROW
    const syn = (flags & TH_SYN) !== 0
    const fin = (flags & TH_FIN) !== 0
    const rst = (flags & TH_RST) !== 0
    const ack = (flags & TH_ACK) !== 0
    const own = fromOrig ? 0 : 1
    const peer = 1 - own
    n[b + ORIG_TCP_FLAGS + own] = at(n, b + ORIG_TCP_FLAGS + own) | flags

    // History (Zeek update_history).
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)
    if (bits > 1) {
      if (fin && rst) this.hist(r, fromOrig, H_FINRST, L_I)
      else this.hist(r, fromOrig, H_MULTI, L_Q)
    } else if (bits === 1) {
      if (syn) {
        const seen = ack ? this.hist(r, fromOrig, H_SYNACK, L_H) : this.hist(r, fromOrig, H_SYN, L_S)
        const s30 = seq & SEQ30
        if (seen && s30 !== at(n, b + ORIG_LAST_SYN + own)) this.addHistory(r, (ack ? L_H : L_S) + own * L_LOWER)
        n[b + ORIG_LAST_SYN + own] = s30
      }
      if (fin) {
        const end = (seq + len) & SEQ30
        const seen = this.hist(r, fromOrig, H_FIN, L_F)
        if (seen && end !== at(n, b + ORIG_LAST_FIN + own)) this.addHistory(r, L_F + own * L_LOWER)
        n[b + ORIG_LAST_FIN + own] = end
      }
      if (rst) {
        const seen = this.hist(r, fromOrig, H_RST, L_R)
        const s30 = seq & SEQ30
        if (seen && s30 !== at(n, b + ORIG_LAST_RST + own)) this.addHistory(r, L_R + own * L_LOWER)
        n[b + ORIG_LAST_RST + own] = s30
      }
    } else if (len > 0) {
      if ((at(n, b + HIST_SEEN) & (fromOrig ? H_DATA : H_DATA << 8)) === 0) this.hist(r, fromOrig, H_DATA, L_D)
    } else if (ack) {
      if ((at(n, b + HIST_SEEN) & (fromOrig ? H_ACK : H_ACK << 8)) === 0) this.hist(r, fromOrig, H_ACK, L_A)
    }

    // Retransmissions (Zeek update_last_seq): data at or below the highest sequence end seen.
    const segLen = (rst ? 0 : len) + (syn ? 1 : 0) + (fin ? 1 : 0)
    const segEnd = (seq + segLen) >>> 0
    const state = at(n, b + ORIG_STATE + own)
    let lastSeq = at(n, b + ORIG_SEQ + own)
    if (lastSeq < 0) lastSeq = syn ? segEnd : seq
    const delta = (segEnd - lastSeq) | 0
    if ((syn || rst) && (delta > 1048576 || delta < -1048576)) {
      // Wild SYN/RST sequence numbers are not trusted.
    } else if (state === TCP_RESET) {
      // Nothing after a RST is trusted.
    } else if (delta > 0) {
      lastSeq = segEnd
    } else if (len > 0) {
      const rx = at(n, b + ORIG_RXMT + own) + 1
      n[b + ORIG_RXMT + own] = rx
      this.scaledHistory(r, rx, L_T, own)
    }
    n[b + ORIG_SEQ + own] = lastSeq

    // Zero window (Zeek UpdateWindow): not on a RST, nor once the peer has closed or this side was reset.
    if (window === 0 && !rst) {
      if (at(n, b + ORIG_STATE + peer) !== TCP_CLOSED && at(n, b + ORIG_STATE + own) !== TCP_RESET) {
        const w0 = at(n, b + ORIG_WIN0 + own) + 1
        n[b + ORIG_WIN0 + own] = w0
        this.scaledHistory(r, w0, L_W, own)
      }
    }

    this.tcpState(n, b, fromOrig, syn, fin, rst, ack, len)

    const flagsWord = at(n, b + FLAGS)
    if ((flagsWord & F_CLOSING) === 0) {
      const os = at(n, b + ORIG_STATE)
      const rs = at(n, b + RESP_STATE)
      if (
        os === TCP_RESET ||
        rs === TCP_RESET ||
        (os === TCP_CLOSED && (rs === TCP_CLOSED || rs === TCP_INACTIVE)) ||
        (rs === TCP_CLOSED && os === TCP_INACTIVE)
      ) {
        n[b + FLAGS] = flagsWord | F_CLOSING
        // From now on its timeout is the linger time.
        this.schedule(r)
      }
    }
  }

  /** Zeek ScaledHistoryEntry: the letter is added at the 1st, 10th, 100th... occurrence (`count`). */
  private scaledHistory(r: number, count: number, letter: number, own: number): void {
    let c = count
    while (c % 10 === 0) c /= 10
    if (c === 1) this.addHistory(r, letter + own * L_LOWER)
  }

  /** Zeek's per-endpoint TCP state machine (TCPSessionAdapter::UpdateStateMachine), weirds left out. */
  private tcpState(
    n: Float64Array,
    b: number,
    fromOrig: boolean,
    syn: boolean,
    fin: boolean,
    rst: boolean,
    ack: boolean,
    len: number,
  ): void {
    const state = at(n, b + (fromOrig ? ORIG_STATE : RESP_STATE))
    const peer = at(n, b + (fromOrig ? RESP_STATE : ORIG_STATE))
    switch (state) {
      case TCP_INACTIVE: {
        if (syn) {
          if (fromOrig) setState(n, b, true, ack ? TCP_SYN_ACK_SENT : TCP_SYN_SENT)
          else {
            if (peer === TCP_SYN_SENT) setState(n, b, true, TCP_ESTABLISHED)
            setState(n, b, false, TCP_ESTABLISHED)
          }
        }
        if (fin) setState(n, b, fromOrig, TCP_CLOSED)
        if (rst) setState(n, b, fromOrig, TCP_RESET)
        if (at(n, b + (fromOrig ? ORIG_STATE : RESP_STATE)) === TCP_INACTIVE) {
          if (!fromOrig && len === 0 && at(n, b + ORIG_STATE) === TCP_SYN_SENT) {
            // A bare ACK of the SYN before the SYN-ACK: not a partial connection.
          } else if (ack && peer === TCP_ESTABLISHED) {
            setState(n, b, fromOrig, TCP_ESTABLISHED)
          } else {
            setState(n, b, fromOrig, TCP_PARTIAL)
          }
        }
        break
      }
      case TCP_SYN_SENT:
      case TCP_SYN_ACK_SENT:
        if (fin) setState(n, b, fromOrig, TCP_CLOSED)
        if (rst) setState(n, b, fromOrig, TCP_RESET)
        break
      case TCP_ESTABLISHED:
      case TCP_PARTIAL:
        if (syn && state === TCP_PARTIAL && peer === TCP_INACTIVE && !ack) setState(n, b, fromOrig, TCP_SYN_SENT)
        if (fin && !rst) {
          setState(n, b, fromOrig, TCP_CLOSED)
          // A FIN then a RST from the peer was a normal close after all.
          if (peer === TCP_RESET && at(n, b + (fromOrig ? RESP_PREV : ORIG_PREV)) === TCP_CLOSED) {
            setState(n, b, !fromOrig, TCP_CLOSED)
          }
        }
        if (rst) setState(n, b, fromOrig, TCP_RESET)
        break
      case TCP_CLOSED:
        if (rst && peer !== TCP_CLOSED) setState(n, b, fromOrig, TCP_RESET)
        break
      default:
        break
    }
  }

  /**
   * Puts row `r` in the wheel slot of the second in which its timeout can first pass (moving it if it was in
   * one); a flow found there not quite idle long enough goes to the next second's slot.
   */
  private schedule(r: number): void {
    this.unschedule(r)
    const n = this.rows
    const b = r * ROW
    let sec = at(n, b + LAST_SEC) + Math.ceil(this.timeoutOf(r))
    const last = this.sweptSec + WHEEL_SLOTS - 1
    if (sec > last) sec = last
    else if (sec <= this.sweptSec) sec = this.sweptSec + 1
    const slot = sec & WHEEL_MASK
    const head = at(this.wheel, slot)
    n[b + WHEEL_SEC] = sec
    n[b + WHEEL_PREV] = -1
    n[b + WHEEL_NEXT] = head
    if (head >= 0) n[head * ROW + WHEEL_PREV] = r
    this.wheel[slot] = r
  }

  private unschedule(r: number): void {
    const n = this.rows
    const b = r * ROW
    const sec = at(n, b + WHEEL_SEC)
    if (sec < 0) return
    const prev = at(n, b + WHEEL_PREV)
    const next = at(n, b + WHEEL_NEXT)
    if (prev >= 0) n[prev * ROW + WHEEL_NEXT] = next
    else this.wheel[sec & WHEEL_MASK] = next
    if (next >= 0) n[next * ROW + WHEEL_PREV] = prev
    n[b + WHEEL_SEC] = -1
    n[b + WHEEL_PREV] = -1
    n[b + WHEEL_NEXT] = -1
  }

  private evicted(head: number): void {
    for (let r = head; r >= 0; ) {
      const next = at(this.rows, r * ROW + CHAIN_NEXT)
      // A flow that had already timed out by the current capture time is reported as such.
      const timedOut = this.nowTs - this.lastTsOf(r) > this.timeoutOf(r)
      this.endFlow(r, timedOut ? this.idleReason(r) : 'evict', false)
      r = next
    }
  }

  private endFlow(r: number, reason: FlowEndReason, unlink: boolean): void {
    const n = this.rows
    const flags = at(n, r * ROW + FLAGS)
    if ((flags & F_LIVE) === 0) return
    // Not live from here on: unlinking may make lru-cache evict this very entry (see `unlink`).
    n[r * ROW + FLAGS] = flags & ~F_LIVE
    if (unlink) this.unlink(r)
    this.unschedule(r)
    this.live--
    if (this.last === r) this.last = -1
    this.counters?.inc('flows_ended_total', reason)
    let h = r < this.handles.length ? this.handles[r] : undefined
    if (h === undefined) h = new FlowHandle(this, r)
    else this.handles[r] = undefined
    h.detach()
    this.releaseRow(r)
    this.onEnd(h, reason)
  }

  private unlink(r: number): void {
    const n = this.rows
    const key = at(n, r * ROW + KEY)
    const head = this.lru.peek(key) ?? -1
    if (head === r) {
      const next = at(n, r * ROW + CHAIN_NEXT)
      if (next >= 0) this.lru.set(key, next)
      else {
        // lru-cache turns the delete of its last entry into clear(), which refills its arrays (O(max),
        // ~34 % of CPU on captures whose flows come one at a time): a sentinel keeps it from emptying.
        // The sentinel is the least recent entry from then on, so it is the first one evicted.
        if (this.lru.size === 1) this.lru.set(SENTINEL_KEY, SENTINEL)
        this.lru.delete(key)
      }
      return
    }
    for (let p = head; p >= 0; p = at(n, p * ROW + CHAIN_NEXT)) {
      if (at(n, p * ROW + CHAIN_NEXT) === r) {
        n[p * ROW + CHAIN_NEXT] = at(n, r * ROW + CHAIN_NEXT)
        return
      }
    }
  }

  private rememberFragment(pv: PacketView, r: number, fromOrig: boolean): void {
    if (this.fragmentOwners.size >= FRAGMENT_OWNERS_MAX) this.fragmentOwners.clear()
    this.fragmentOwners.set(fragmentKey(pv), { row: r, uidNum: at(this.rows, r * ROW + UID_NUM), fromOrig })
  }

  private laterFragment(pv: PacketView): void {
    const owner = this.fragmentOwners.get(fragmentKey(pv))
    const n = this.rows
    const b = owner === undefined ? 0 : owner.row * ROW
    if (owner === undefined || (at(n, b + FLAGS) & F_LIVE) === 0 || at(n, b + UID_NUM) !== owner.uidNum) {
      this.counters?.inc('flow_fragments_unattributed_total')
      return
    }
    // The fragment continues the transport payload: its IP payload is all payload.
    const bytes = pv.payloadLen > 0 ? pv.payloadLen : Math.max(0, pv.ipLen - (pv.ipVersion === 6 ? 40 : 20))
    if (owner.fromOrig) {
      n[b + ORIG_IP_BYTES] = at(n, b + ORIG_IP_BYTES) + bytes
      n[b + ORIG_BYTES] = at(n, b + ORIG_BYTES) + bytes
    } else {
      n[b + RESP_IP_BYTES] = at(n, b + RESP_IP_BYTES) + bytes
      n[b + RESP_BYTES] = at(n, b + RESP_BYTES) + bytes
    }
    if (pv.ts > this.lastTsOf(owner.row)) this.setLastTs(owner.row, pv.ts)
    this.lastFromOrig = owner.fromOrig
    this.counters?.inc('flow_fragments_attributed_total')
  }

  /** Writes row `r`'s tuple into the scratch tuple. */
  private copyTuple(r: number): void {
    const n = this.rows
    const b = r * ROW
    const t = this.t
    const ports = at(n, b + PORTS)
    t.a0 = at(n, b + A0)
    t.b0 = at(n, b + B0)
    t.aPort = ports >>> 16
    t.bPort = ports & 0xffff
    const v6 = this.v6
    const o = r * V6_WORDS
    const six = at(n, b + META) >>> 24 === 6
    t.a1 = six ? at(v6, o) : 0
    t.a2 = six ? at(v6, o + 1) : 0
    t.a3 = six ? at(v6, o + 2) : 0
    t.b1 = six ? at(v6, o + 3) : 0
    t.b2 = six ? at(v6, o + 4) : 0
    t.b3 = six ? at(v6, o + 5) : 0
  }

  private sameTuple(r: number, t: TupleScratch, meta: number): boolean {
    const n = this.rows
    const b = r * ROW
    if (
      at(n, b + A0) !== t.a0 ||
      at(n, b + B0) !== t.b0 ||
      at(n, b + PORTS) !== t.aPort * 65536 + t.bPort ||
      at(n, b + META) !== meta
    )
      return false
    if (meta < 6 * 16777216) return true
    const v6 = this.v6
    const o = r * V6_WORDS
    return (
      v6[o] === t.a1 &&
      v6[o + 1] === t.a2 &&
      v6[o + 2] === t.a3 &&
      v6[o + 3] === t.b1 &&
      v6[o + 4] === t.b2 &&
      v6[o + 5] === t.b3
    )
  }

  /** 1 when the packet's source is row r's lower endpoint, 2 when it is the higher one, 0 when not this flow. */
  private matchTuple(r: number, pv: PacketView, meta: number, sPort: number, dPort: number): number {
    const n = this.rows
    const b = r * ROW
    if (at(n, b + META) !== meta) return 0
    const s0 = at(pv.src, 0)
    const d0 = at(pv.dst, 0)
    const a0 = at(n, b + A0)
    const b0 = at(n, b + B0)
    const ports = at(n, b + PORTS)
    let m = 0
    if (s0 === a0 && d0 === b0 && sPort * 65536 + dPort === ports) m = 1
    else if (s0 === b0 && d0 === a0 && dPort * 65536 + sPort === ports) m = 2
    else return 0
    if (meta < 6 * 16777216) return m
    const v6 = this.v6
    const o = r * V6_WORDS
    const lo = m === 1 ? pv.src : pv.dst
    const hi = m === 1 ? pv.dst : pv.src
    if (
      lo[1] === v6[o] &&
      lo[2] === v6[o + 1] &&
      lo[3] === v6[o + 2] &&
      hi[1] === v6[o + 3] &&
      hi[2] === v6[o + 4] &&
      hi[3] === v6[o + 5]
    )
      return m
    return 0
  }
}

function setState(n: Float64Array, b: number, orig: boolean, s: number): void {
  if (orig) {
    n[b + ORIG_PREV] = at(n, b + ORIG_STATE)
    n[b + ORIG_STATE] = s
  } else {
    n[b + RESP_PREV] = at(n, b + RESP_STATE)
    n[b + RESP_STATE] = s
  }
}

function fragmentKey(pv: PacketView): string {
  const s = pv.src
  const d = pv.dst
  if (pv.ipVersion === 4) return `4/${pv.ipProto}/${s[0]}/${d[0]}/${pv.vlan}`
  return `6/${pv.ipProto}/${s[0]}/${s[1]}/${s[2]}/${s[3]}/${d[0]}/${d[1]}/${d[2]}/${d[3]}/${pv.vlan}`
}
