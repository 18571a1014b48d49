/**
 * The app-layer manager: per-flow protocol identification, TCP reassembly, analyzer attachment, the expected
 * connection table and the file pipeline, behind the AnalyzerSpec/AppContext contracts of types.ts.
 * Identification follows Suricata's probing parsers and Zeek's DPD: the first in-order payload of EACH
 * direction is probed with every spec of the flow's transport (specs registered for the responder port
 * first); the result per direction is `app_proto_ts` / `app_proto_tc`. 'need-more' keeps a bounded prefix.
 * The first identified spec is attached wherever the port is (dynamic protocol detection); a protocol is
 * confirmed only on a second proof token: the analyzer calls `confirm` (e.g. an HTTP status line after a
 * request) or both directions' probes name the same protocol (anchors.md §3, SSDP taken for SIP).
 * Memory per flow is bounded by `maxBufferBytes`: half for out-of-order reassembly (shared by the two
 * directions), half handed to the analyzer as `ctx.maxBuffer`. Flows with no analyzer after both directions
 * were probed are bypassed (no reassembly, no copies). An analyzer that keeps reporting weirds is switched off
 * for the flow (STYLE 2.3), and the switch is counted.
 * Not handled: re-probing after a protocol change mid-flow (STARTTLS, CONNECT tunnels), IP fragments' payload.
 */

import type { PacketView } from '../../decoders/packet-view.js'
import { isRegisteredFor, registeredProtocols } from '../../decoders/tables/ports.js'
import type { Counters } from '../counters.js'
import type { AppProtoEvent, ConnId, FileEvent, SensorEvent } from '../events.js'
import type { Flow } from '../flow.js'
import { connFields } from './conn-fields.js'
import { ExpectedTable } from './expected.js'
import { FileTransfer } from './files.js'
import { type ReassemblySink, TcpReassembler } from './tcp-reassembly.js'
import type {
  AnalyzerSpec,
  AppContext,
  DatagramAnalyzer,
  Dir,
  ExpectedConnection,
  FileOpen,
  FileWriter,
  StreamAnalyzer,
} from './types.js'

export interface AppLayerOptions {
  readonly analyzers: readonly AnalyzerSpec[]
  readonly emit: (ev: SensorEvent) => void
  readonly counters?: Counters
  /** Per-flow buffer budget (reassembly + analyzer), bytes; default 65536. */
  readonly maxBufferBytes?: number
  /** Collector id put on every event. */
  readonly source: string
  /** Default lifetime of an expectation when the analyzer gives none sensible, seconds (default 60). */
  readonly expectTimeoutS?: number
  /** Most expectations held at once (default 1024). */
  readonly maxExpected?: number
  /**
   * When true, the AppProtoEvent is left out for flows whose identified protocol is registered for the
   * responder port or is an expectation-only analyzer (ftp-data, tftp-data): the events the
   * protocol-port-mismatch detection ignores (most flows). The flow keeps app_proto_ts/tc either way.
   * Default false: every flow with payload gets its event.
   */
  readonly onlyMismatchAppProto?: boolean
}

/**
 * Optional, duck-typed extension of StreamAnalyzer/DatagramAnalyzer: an analyzer that has read all it wants
 * (TLS after the hellos) returns true from `finished()`; the manager then stops reassembling and delivering
 * for the flow. `onEnd` is still called when the flow ends.
 */
export interface MaybeFinished {
  finished?(): boolean
}

const NO_GAP = (): void => {}
const EMPTY = Buffer.alloc(0)

/** `port_proto` text per transport and port, joined once (the registry is static; at most 2 x 65 536 entries). */
const PORT_PROTO_TEXT = { tcp: new Map<number, string>(), udp: new Map<number, string>() }

function portProtoText(p: 'tcp' | 'udp', port: number): string {
  const m = PORT_PROTO_TEXT[p]
  let t = m.get(port)
  if (t === undefined) {
    t = registeredProtocols(p, port).join(',')
    m.set(port, t)
  }
  return t
}

/** Bytes of a direction's first payload kept while probes answer 'need-more'. */
export const PROBE_PREFIX_MAX = 512
/** Segments of a direction's first payload probed before 'need-more' counts as no. */
export const PROBE_MAX_ROUNDS = 8
/** Weirds after which an analyzer is switched off for the flow. */
export const MAX_WEIRDS_PER_FLOW = 32
/** Bytes of first payload per direction kept as evidence. */
const FIRST_HEX_BYTES = 32
/** Analyzers attached only through expectations (their flows are on random ports by design). */
const EXPECTED_ONLY = new Set(['ftp-data', 'tftp-data'])
/** Most files open at once per flow (pipelined HTTP); more are refused with a weird. */
const MAX_OPEN_FILES = 16

enum Probe {
  Pending = 0,
  Done = 1,
}

/** Identification state of one direction (fields, not pairs of arrays: a FlowApp is made per flow with payload). */
class DirState {
  probe = Probe.Pending
  /** Protocol the direction's probes named ('' none). */
  proto = ''
  /** First payload kept while probes answer 'need-more'. */
  prefix: Buffer | undefined = undefined
  prefixLen = 0
  /** Probe rounds run on the growing prefix. */
  probeRounds = 0
  firstHex = ''
}

class FlowApp implements AppContext, ReassemblySink {
  readonly maxBuffer: number
  spec: AnalyzerSpec | undefined
  stream: StreamAnalyzer | undefined
  datagram: DatagramAnalyzer | undefined
  /** True once the flow needs no more work (nothing identified, or the analyzer was switched off). */
  bypass = false
  /** Directions skipped on the fast path: bit 0 originator, bit 1 responder (3 once bypassed). */
  skip = 0
  readonly d0 = new DirState()
  readonly d1 = new DirState()
  reasm: [TcpReassembler, TcpReassembler] | undefined
  /** SYNs seen before the reassemblers were made: bit 0 originator, bit 1 responder; their sequence numbers. */
  synSeen = 0
  isn0 = 0
  isn1 = 0
  confirmed = false
  weirds = 0
  openFiles: FileTransfer[] = []
  ts = 0
  payload = false

  private connId: ConnId | undefined = undefined

  constructor(
    readonly m: AppLayer,
    readonly flow: Flow,
  ) {
    this.maxBuffer = m.analyzerBuffer
  }

  /** Made on first use: most flows never emit an event that needs it. */
  get conn(): ConnId {
    if (this.connId === undefined) {
      this.connId = connFields(this.flow)
    }
    return this.connId
  }

  reassembled(dir: Dir, buf: Buffer, off: number, end: number): void {
    this.m.payloadIn(this, dir, buf, off, end)
  }

  reassemblyGap(dir: Dir, bytes: number): void {
    this.m.gapIn(this, dir, bytes)
  }

  ds(dir: Dir): DirState {
    return dir === 0 ? this.d0 : this.d1
  }

  emit(ev: SensorEvent): void {
    // Analyzers do not know the collector id: they leave `source` empty and it is filled here. The event was
    // made for this call (analyzers hand it over), so it is completed in place rather than copied.
    if (ev.source === '' || ev.source === undefined) (ev as { source: string }).source = this.m.source
    this.m.emitEvent(ev)
  }

  confirm(service: string): void {
    this.confirmed = true
    // Replaced, not pushed into: a flow with no service yet shares one frozen empty list (FlowHandle.service).
    if (!this.flow.service.includes(service)) this.flow.service = [...this.flow.service, service]
  }

  setServerName(name: string): void {
    this.flow.serverName = name
  }

  expect(x: ExpectedConnection): void {
    this.m.expected.add(x, this.ts)
  }

  openFile(spec: FileOpen, ts: number): FileWriter {
    const t = new FileTransfer(spec, this.conn, this.m.source, (ev, tr) => this.fileClosed(ev, tr))
    if (this.openFiles.length >= MAX_OPEN_FILES) {
      this.weird('app.too_many_files')
      const oldest = this.openFiles[0]
      oldest?.close(ts, false)
    }
    this.openFiles.push(t)
    return t
  }

  private fileClosed(ev: FileEvent, t: FileTransfer): void {
    const i = this.openFiles.indexOf(t)
    if (i >= 0) this.openFiles.splice(i, 1)
    this.m.counters?.inc('app_files_total', ev.type)
    this.m.emitEvent(ev)
  }

  weird(code: `${string}.${string}`, _detail?: string): void {
    this.m.counters?.inc('app_weird_total', code)
    if (++this.weirds >= MAX_WEIRDS_PER_FLOW && (this.stream !== undefined || this.datagram !== undefined)) {
      this.m.counters?.inc('app_analyzer_disabled_total', this.spec?.name ?? 'unknown')
      this.detach(this.ts)
    }
  }

  detach(ts: number): void {
    const a = this.stream ?? this.datagram
    this.stream = undefined
    this.datagram = undefined
    this.bypass = true
    this.skip = 3
    try {
      a?.onEnd?.(ts)
    } finally {
      if (this.openFiles.length > 0) for (const f of this.openFiles.slice()) f.close(ts, false)
    }
  }
}

export class AppLayer {
  readonly expected: ExpectedTable
  readonly counters: Counters | undefined
  readonly source: string
  /** Out-of-order budget per direction. */
  readonly reasmBuffer: number
  /** Buffer budget handed to analyzers (ctx.maxBuffer). */
  readonly analyzerBuffer: number
  private readonly tcpSpecs: readonly AnalyzerSpec[]
  private readonly udpSpecs: readonly AnalyzerSpec[]
  private readonly byName = new Map<string, AnalyzerSpec>()
  private readonly emitFn: (ev: SensorEvent) => void
  private readonly onlyMismatch: boolean
  private lastExpire = 0

  constructor(readonly o: AppLayerOptions) {
    const max = Math.max(4096, o.maxBufferBytes ?? 65536)
    this.reasmBuffer = Math.floor(max / 4)
    this.analyzerBuffer = Math.floor(max / 2)
    this.counters = o.counters
    this.source = o.source
    this.emitFn = o.emit
    this.onlyMismatch = o.onlyMismatchAppProto === true
    this.expected = new ExpectedTable(o.maxExpected ?? 1024, o.counters)
    this.tcpSpecs = o.analyzers.filter((s) => s.transport === 'tcp')
    this.udpSpecs = o.analyzers.filter((s) => s.transport === 'udp')
    for (const s of o.analyzers) if (!this.byName.has(s.name)) this.byName.set(s.name, s)
  }

  emitEvent(ev: SensorEvent): void {
    this.emitFn(ev)
  }

  /** A new flow: attaches an analyzer when a control channel announced it. */
  onFlowStart(flow: Flow, ts: number): void {
    if (flow.proto !== 'tcp' && flow.proto !== 'udp') return
    if (this.expected.count === 0) return
    if (ts - this.lastExpire >= 1) {
      this.lastExpire = ts
      this.expected.expire(ts)
    }
    const m = this.expected.take(flow.proto, flow.orig_h, flow.orig_p, flow.resp_h, flow.resp_p, ts)
    if (m === undefined) return
    // Per-flow state is only created for flows that need it (an expectation here, payload in onPacket).
    const st = this.state(flow)
    st.ts = ts
    const spec = this.byName.get(m.x.analyzer)
    if (spec === undefined) {
      this.counters?.inc('app_expected_dropped_total', 'unknown_analyzer')
      return
    }
    this.attach(st, spec, m.x.parent)
    st.d0.proto = spec.name
    st.d1.proto = spec.name
    st.d0.probe = Probe.Done
    st.d1.probe = Probe.Done
    // The control channel announced it: that is the second proof.
    st.confirm(spec.name)
  }

  private state(flow: Flow): FlowApp {
    const cur = flow.app
    if (cur instanceof FlowApp) return cur
    const st = new FlowApp(this, flow)
    flow.app = st
    return st
  }

  /** One packet of a flow, after FlowTable.update. `buf` holds the frame; payload at pv.payloadOff..payloadEnd. */
  onPacket(flow: Flow, fromOrig: boolean, pv: PacketView, buf: Buffer): void {
    let st = flow.app as FlowApp | undefined
    // Fast path: most packets belong to directions nobody reads.
    if (st !== undefined && (st.skip & (fromOrig ? 1 : 2)) !== 0) return
    const proto = flow.proto
    if (proto !== 'tcp' && proto !== 'udp') return
    if (st === undefined) {
      if (pv.payloadEnd <= pv.payloadOff && (proto === 'udp' || (pv.tcpFlags & 0x02) === 0)) return
      st = this.state(flow)
    }
    st.ts = pv.ts
    const dir: Dir = fromOrig ? 0 : 1
    if (st.ds(dir).probe === Probe.Done && st.stream === undefined && st.datagram === undefined) {
      // This direction was probed and nothing is attached: no one reads it, so it is not reassembled.
      st.skip |= dir === 0 ? 1 : 2
      return
    }
    if (proto === 'udp') {
      if (pv.isFragment && pv.fragOffset > 0) return
      this.payloadIn(st, dir, buf, pv.payloadOff, pv.payloadEnd)
      return
    }
    const wireLen = pv.payloadLen > 0 ? pv.payloadLen : pv.payloadEnd - pv.payloadOff
    let r = st.reasm
    if (r === undefined) {
      if (wireLen === 0 && (pv.tcpFlags & 0x05) === 0) {
        // Handshake and bare ACKs before any payload, FIN or RST: to a reassembler only a SYN's sequence number
        // matters (the first one), so it is kept and replayed when the reassemblers are made (most refused or
        // scanned flows never need them).
        const bit = dir === 0 ? 1 : 2
        if ((pv.tcpFlags & 0x02) !== 0 && (st.synSeen & bit) === 0) {
          st.synSeen |= bit
          if (dir === 0) st.isn0 = pv.seq | 0
          else st.isn1 = pv.seq | 0
        }
        return
      }
      r = this.newReassemblers(st)
    }
    // `| 0`: a signed 32-bit sequence number is a small integer; a uint32 above 2^31 would be boxed per call.
    r[dir].segment(pv.seq | 0, pv.tcpFlags, buf, pv.payloadOff, pv.payloadEnd, wireLen)
  }

  /**
   * Makes the reassembler pair of a TCP flow. Kept out of onPacket: a function that creates closures over its
   * locals allocates a context on every call, even when the closures are not made.
   */
  private newReassemblers(st: FlowApp): [TcpReassembler, TcpReassembler] {
    const cap = this.reasmBuffer
    const a: [TcpReassembler, TcpReassembler] = [
      new TcpReassembler(cap, st, NO_GAP, 0),
      new TcpReassembler(cap, st, NO_GAP, 1),
    ]
    st.reasm = a
    if ((st.synSeen & 1) !== 0) a[0].segment(st.isn0, 0x02, EMPTY, 0, 0, 0)
    if ((st.synSeen & 2) !== 0) a[1].segment(st.isn1, 0x02, EMPTY, 0, 0, 0)
    st.synSeen = 0
    return a
  }

  /** @internal */
  gapIn(st: FlowApp, dir: Dir, bytes: number): void {
    this.counters?.inc('app_reasm_gaps_total')
    this.counters?.inc('app_reasm_gap_bytes_total', undefined, bytes)
    if (st.bypass) return
    if (st.ds(dir).probe === Probe.Pending) {
      // A hole before the first payload was identified: identify from what we have.
      st.ds(dir).probe = Probe.Done
      st.ds(dir).prefix = undefined
    }
    const a = st.stream
    if (a?.onGap !== undefined) this.guard(st, () => a.onGap?.(dir, bytes, st.ts))
  }

  /**
   * In-order payload of one direction (TCP after reassembly, a UDP datagram), at capture time `st.ts`. The time
   * is not passed down as an argument: a double argument to a call that is not inlined is a heap allocation.
   */
  /** @internal */
  payloadIn(st: FlowApp, dir: Dir, buf: Buffer, off: number, end: number): void {
    if (end <= off || st.bypass) return
    if (!st.payload) st.payload = true
    if (st.ds(dir).firstHex === '' && st.ds(dir).prefixLen === 0)
      st.ds(dir).firstHex = buf.toString('hex', off, Math.min(end, off + FIRST_HEX_BYTES))
    if (st.ds(dir).probe === Probe.Pending) {
      const pre = st.ds(dir).prefix
      if (pre === undefined) {
        const res = this.identify(st, dir, buf, off, end)
        if (res === 'need-more') {
          const p = Buffer.allocUnsafe(PROBE_PREFIX_MAX)
          const n = Math.min(PROBE_PREFIX_MAX, end - off)
          buf.copy(p, 0, off, off + n)
          st.ds(dir).prefix = p
          st.ds(dir).prefixLen = n
          if (n === end - off && n < PROBE_PREFIX_MAX) return
          // The prefix is full: decide with what we have.
          this.settle(st, dir)
          this.feedPrefix(st, dir)
          if (n < end - off) this.deliver(st, dir, buf, off + n, end)
          return
        }
      } else {
        const have = st.ds(dir).prefixLen
        const n = Math.min(PROBE_PREFIX_MAX - have, end - off)
        buf.copy(pre, have, off, off + n)
        st.ds(dir).prefixLen = have + n
        const res = this.identify(st, dir, pre, 0, have + n)
        st.ds(dir).probeRounds++
        if (res === 'need-more' && have + n < PROBE_PREFIX_MAX && st.ds(dir).probeRounds < PROBE_MAX_ROUNDS) return
        if (res === 'need-more') this.settle(st, dir)
        this.feedPrefix(st, dir)
        if (n < end - off) this.deliver(st, dir, buf, off + n, end)
        return
      }
    }
    this.deliver(st, dir, buf, off, end)
  }

  private feedPrefix(st: FlowApp, dir: Dir): void {
    const pre = st.ds(dir).prefix
    const n = st.ds(dir).prefixLen
    st.ds(dir).prefix = undefined
    st.ds(dir).prefixLen = 0
    if (pre !== undefined && n > 0) this.deliver(st, dir, pre, 0, n)
  }

  /** Marks a direction probed with no answer. */
  private settle(st: FlowApp, dir: Dir): void {
    st.ds(dir).probe = Probe.Done
    st.ds(dir).proto = ''
    if (dir === 0) st.flow.appProtoTs = ''
    else st.flow.appProtoTc = ''
    this.maybeBypass(st)
  }

  private maybeBypass(st: FlowApp): void {
    if (
      st.stream === undefined &&
      st.datagram === undefined &&
      st.d0.probe === Probe.Done &&
      st.d1.probe === Probe.Done
    ) {
      st.bypass = true
      st.skip = 3
      // Nothing reads this flow any more: its reassembly state (and held segments) can go now.
      st.reasm = undefined
    }
  }

  /**
   * Probes the first payload of `dir`. Returns 'need-more' when some probe wants more bytes and none said yes;
   * otherwise records the direction's protocol ('' when none), attaches the analyzer if none is yet, and
   * returns 'yes' or 'no'.
   */
  private identify(st: FlowApp, dir: Dir, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
    const flow = st.flow
    const specs = flow.proto === 'tcp' ? this.tcpSpecs : this.udpSpecs
    let found: AnalyzerSpec | undefined
    let more = false
    // Port-registered specs first, then the rest.
    for (let pass = 0; pass < 2 && found === undefined; pass++) {
      for (const s of specs) {
        if (s.probe === undefined) continue
        const onPort = s.ports.includes(flow.resp_p)
        if ((pass === 0) !== onPort) continue
        let res: 'yes' | 'no' | 'need-more'
        try {
          res = s.probe(dir, buf, off, end)
        } catch {
          this.counters?.inc('app_probe_errors_total', s.name)
          res = 'no'
        }
        if (res === 'yes') {
          found = s
          break
        }
        if (res === 'need-more') more = true
      }
    }
    if (found === undefined && more) return 'need-more'
    st.ds(dir).probe = Probe.Done
    if (dir === 0) flow.appProtoTs = found?.name ?? ''
    else flow.appProtoTc = found?.name ?? ''
    st.ds(dir).proto = found?.name ?? ''
    if (found !== undefined) {
      this.counters?.inc('app_proto_identified_total', found.name)
      if (st.stream === undefined && st.datagram === undefined && !st.bypass) this.attach(st, found, undefined)
      if (st.d0.proto === st.d1.proto && st.spec?.name === found.name) st.confirm(found.name)
      return 'yes'
    }
    this.maybeBypass(st)
    return 'no'
  }

  private attach(st: FlowApp, spec: AnalyzerSpec, parent: unknown): void {
    let a: StreamAnalyzer | DatagramAnalyzer
    try {
      a = spec.create(st, parent)
    } catch {
      this.counters?.inc('app_analyzer_errors_total', spec.name)
      return
    }
    st.spec = spec
    for (const d of [0, 1] as const) {
      const bit = d === 0 ? 1 : 2
      if ((st.skip & bit) === 0) continue
      // Bytes of this direction went by unread: restart its sequence tracking at the next segment.
      st.skip &= ~bit
      st.synSeen &= ~bit
      st.reasm?.[d].resync()
    }
    if (spec.transport === 'tcp' && 'onData' in a) st.stream = a
    else if ('onDatagram' in a) st.datagram = a
    else if ('onData' in a) st.stream = a
    this.counters?.inc('app_analyzer_attached_total', spec.name)
  }

  private deliver(st: FlowApp, dir: Dir, buf: Buffer, off: number, end: number): void {
    if (st.bypass) return
    const s = st.stream
    const d = st.datagram
    if (s === undefined && d === undefined) {
      if (st.flow.proto === 'udp' && st.ds(dir).probe === Probe.Done) this.maybeBypass(st)
      return
    }
    // No closure here: this runs for every in-order segment of an analysed flow.
    try {
      if (s !== undefined) s.onData(dir, buf, off, end, st.ts)
      else d?.onDatagram(dir, buf, off, end, st.ts)
    } catch {
      this.disable(st)
      return
    }
    const a = (s ?? d) as MaybeFinished
    if (a.finished?.() && st.d0.probe === Probe.Done && st.d1.probe === Probe.Done) {
      // The analyzer has read all it wants: stop reassembling this flow (onEnd still comes at flow end).
      st.bypass = true
      st.skip = 3
      st.reasm = undefined
      this.counters?.inc('app_analyzer_finished_total', st.spec?.name ?? 'unknown')
    }
  }

  private disable(st: FlowApp): void {
    this.counters?.inc('app_analyzer_errors_total', st.spec?.name ?? 'unknown')
    this.counters?.inc('app_analyzer_disabled_total', st.spec?.name ?? 'unknown')
    try {
      st.detach(st.ts)
    } catch {
      st.bypass = true
      st.skip = 3
    }
  }

  /** Runs analyzer code; a throw (a bug) switches the analyzer off for the flow instead of killing the sensor. */
  private guard(st: FlowApp, fn: () => void): void {
    try {
      fn()
    } catch {
      this.disable(st)
    }
  }

  /** The flow ended: flushes reassembly, ends the analyzer, closes files, emits the AppProtoEvent. */
  onFlowEnd(flow: Flow, ts: number): void {
    const st = flow.app
    if (!(st instanceof FlowApp)) return
    st.ts = ts
    const r = st.reasm
    if (!st.bypass && r !== undefined) {
      // Flushing delivers data, which may finish the analyzer and drop st.reasm: use the local.
      r[0].flush()
      if (!st.bypass) r[1].flush()
    }
    for (let dir: Dir = 0; ; dir = 1) {
      const ds = st.ds(dir)
      if (ds.probe === Probe.Pending && ds.prefix !== undefined && !st.bypass) {
        ds.probe = Probe.Done
        this.feedPrefix(st, dir)
      }
      if (dir === 1) break
    }
    const a = st.stream ?? st.datagram
    if (a !== undefined) {
      st.stream = undefined
      st.datagram = undefined
      // Inline rather than through guard(): a closure here would cost a context on every flow end.
      try {
        a.onEnd?.(ts)
      } catch {
        this.disable(st)
      }
    }
    if (st.openFiles.length > 0) for (const f of st.openFiles.slice()) f.close(ts, false)
    st.reasm = undefined
    flow.app = undefined
    if (flow.origBytes + flow.respBytes > 0 || st.payload) this.emitAppProto(flow, st, ts)
  }

  private emitAppProto(flow: Flow, st: FlowApp, ts: number): void {
    const p = flow.proto as 'tcp' | 'udp'
    const app = st.spec?.name ?? (st.d0.proto !== '' ? st.d0.proto : st.d1.proto)
    if (this.onlyMismatch && app !== '' && (EXPECTED_ONLY.has(app) || isRegisteredFor(p, flow.resp_p, app))) return
    const ev: AppProtoEvent = {
      kind: 'app-proto',
      ts,
      source: this.source,
      ...connFields(flow),
      app_proto_ts: st.d0.proto,
      app_proto_tc: st.d1.proto,
      app_proto: app,
      confirmed: st.confirmed,
      port_proto: portProtoText(p, flow.resp_p),
      orig_bytes: flow.origBytes,
      resp_bytes: flow.respBytes,
      first_ts_hex: st.d0.firstHex,
      first_tc_hex: st.d1.firstHex,
    }
    this.emitFn(ev)
  }
}
