/**
 * Flow table benchmark: packets/s through FlowTable.updateRow (the accounting; no Flow object is asked for, as
 * with --flows-only) on synthetic IPv4 traffic (fixed seed).
 * Traffic: N packets over a working set of C concurrent flow slots. A slot's flow has a packet budget;
 * when it is spent the slot starts a new flow (new port), so flows churn. 1 % of slots are long
 * "elephant" flows that carry about 60 % of the packets in bursts of back-to-back packets; the rest are
 * short TCP (SYN, SYN-ACK, data, FIN) and UDP request/response flows. Timestamps advance so the capture
 * spans about 100 s (sweeps run, short flows time out).
 * Runs: table with a cap above the working set, the same with a cap below it (eviction on every new
 * flow), and for comparison a naive string 5-tuple key with one lru-cache get/set per packet.
 * Usage: node --import tsx bench/flow-table.bench.ts [packets=5000000] [concurrent=200000] [cap=100000]
 * With a capture file instead (`bench/flow-table.bench.ts FILE.pcap`), it reads the file in 1 MiB chunks
 * through CaptureReader + walkPacket, once without and once with the flow table, and prints both rates.
 * `--write-pcap FILE [packets] [concurrent]` writes the synthetic traffic as a classic pcap (Ethernet,
 * IPv4, TCP/UDP headers; payload cut off by a 64-byte snaplen, so the file stays small while IP
 * lengths keep the real sizes) for that mode.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { LRUCache } from 'lru-cache'
import { Counters } from '../analytics/counters.js'
import { FlowTable } from '../analytics/flow-table.js'
import { walkPacket } from '../decoders/dispatch.js'
import { newPacketView, type PacketView } from '../decoders/packet-view.js'
import { CaptureReader } from '../decoders/pcap/capture-reader.js'
import { pcapHeader } from '../test/helpers/pcap-writer.js'

const WRITE = process.argv[2] === '--write-pcap' ? process.argv[3] : undefined
const ARGS = WRITE === undefined ? process.argv.slice(2) : process.argv.slice(4)
const FILE = /\.pcap(ng)?$/.test(ARGS[0] ?? '') && WRITE === undefined ? ARGS[0] : undefined
const N = FILE === undefined ? Number(ARGS[0] ?? 5_000_000) : 0
const SNAPLEN = 64
const CONCURRENT = Number(ARGS[1] ?? 200_000)
const CAP = Number(ARGS[2] ?? 100_000)

/** xorshift32, fixed seed. */
let rng = 0x9e3779b9
function rand(): number {
  rng ^= rng << 13
  rng ^= rng >>> 17
  rng ^= rng << 5
  return (rng >>> 0) / 4294967296
}

interface Traffic {
  src: Uint32Array
  dst: Uint32Array
  sport: Uint16Array
  dport: Uint16Array
  proto: Uint8Array
  flags: Uint8Array
  len: Uint16Array
  ts: Float64Array
  flows: number
}

function generate(n: number, slots: number): Traffic {
  const tr: Traffic = {
    src: new Uint32Array(n),
    dst: new Uint32Array(n),
    sport: new Uint16Array(n),
    dport: new Uint16Array(n),
    proto: new Uint8Array(n),
    flags: new Uint8Array(n),
    len: new Uint16Array(n),
    ts: new Float64Array(n),
    flows: 0,
  }
  const client = new Uint32Array(slots)
  const server = new Uint32Array(slots)
  const cport = new Uint16Array(slots)
  const sport = new Uint16Array(slots)
  const proto = new Uint8Array(slots)
  const sent = new Uint32Array(slots)
  const budget = new Uint32Array(slots)
  const elephants = Math.max(1, Math.floor(slots / 100))
  const start = (i: number): void => {
    client[i] = (0x0a000000 + Math.floor(rand() * 65536)) >>> 0
    server[i] = (0xc6336400 + Math.floor(rand() * 4096)) >>> 0
    cport[i] = 1024 + Math.floor(rand() * 60000)
    const udp = i >= elephants && rand() < 0.3
    proto[i] = udp ? 17 : 6
    sport[i] = udp ? 53 : rand() < 0.7 ? 443 : 80
    budget[i] = i < elephants ? 2000 + Math.floor(rand() * 20000) : udp ? 2 : 6 + Math.floor(rand() * 30)
    sent[i] = 0
    tr.flows++
  }
  for (let i = 0; i < slots; i++) start(i)
  let slot = 0
  let burst = 0
  const dt = 100 / n
  for (let k = 0; k < n; k++) {
    if (burst > 0) burst--
    else if (rand() < 0.6) {
      slot = Math.floor(rand() * elephants)
      burst = Math.floor(rand() * 8)
    } else {
      slot = elephants + Math.floor(rand() * (slots - elephants))
      burst = 0
    }
    const i = slot
    const seq = sent[i] ?? 0
    const total = budget[i] ?? 0
    const fromClient = seq === 0 || (seq % 3 !== 1 && seq !== total - 1) // mostly client→server, some replies
    const p = proto[i] ?? 6
    tr.src[k] = fromClient ? (client[i] ?? 0) : (server[i] ?? 0)
    tr.dst[k] = fromClient ? (server[i] ?? 0) : (client[i] ?? 0)
    tr.sport[k] = fromClient ? (cport[i] ?? 0) : (sport[i] ?? 0)
    tr.dport[k] = fromClient ? (sport[i] ?? 0) : (cport[i] ?? 0)
    tr.proto[k] = p
    if (p === 6) {
      tr.flags[k] = seq === 0 ? 0x02 : seq === 1 ? 0x12 : seq >= total - 2 ? 0x11 : 0x18
      tr.len[k] = seq < 2 || seq >= total - 2 ? 0 : Math.floor(rand() * 1460)
    } else {
      tr.len[k] = 40 + Math.floor(rand() * 400)
    }
    tr.ts[k] = 1_700_000_000 + k * dt
    sent[i] = seq + 1
    if (seq + 1 >= total) {
      start(i)
      burst = 0
    }
  }
  return tr
}

function fill(pv: PacketView, tr: Traffic, k: number): void {
  pv.ts = tr.ts[k] ?? 0
  pv.ipVersion = 4
  pv.src[0] = tr.src[k] ?? 0
  pv.dst[0] = tr.dst[k] ?? 0
  const proto = tr.proto[k] ?? 0
  pv.ipProto = proto
  pv.srcPort = tr.sport[k] ?? 0
  pv.dstPort = tr.dport[k] ?? 0
  const len = tr.len[k] ?? 0
  pv.tcpFlags = tr.flags[k] ?? 0
  // Large (32-bit) sequence numbers as real TCP has, per direction and advancing.
  pv.seq = (Math.imul((tr.src[k] ?? 0) ^ (tr.sport[k] ?? 0), 2654435761) + k * 100) >>> 0
  pv.payloadLen = len
  pv.ipLen = len + (proto === 6 ? 40 : 28)
  pv.payloadOff = 54
  pv.payloadEnd = 54 + len
}

/** Wall and CPU (user + system, all threads) seconds since `t0`/`c0`; CPU time is steadier on a shared machine. */
function elapsed(t0: bigint, c0: NodeJS.CpuUsage): { wall: number; cpu: number } {
  const c = process.cpuUsage(c0)
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 }
}

function rate(e: { wall: number; cpu: number }): string {
  return `${(N / e.cpu / 1e6).toFixed(2)} M packets/s CPU (${e.cpu.toFixed(2)} s), ${(N / e.wall / 1e6).toFixed(2)} M/s wall`
}

function heapMb(): string {
  globalThis.gc?.()
  return (process.memoryUsage().heapUsed / 1048576).toFixed(0)
}

function runTable(tr: Traffic, cap: number): void {
  const pv = newPacketView()
  let ended = 0
  const counters = new Counters()
  const t = new FlowTable({ maxFlows: cap, counters, onEnd: () => ended++ })
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let k = 0; k < N; k++) {
    fill(pv, tr, k)
    t.updateRow(pv)
  }
  const e = elapsed(t0, c0)
  const live = t.size
  const heap = heapMb()
  t.flush()
  const ev = counters.family('flows_ended_total')
  console.log(
    `FlowTable cap=${cap}: ${rate(e)}, live flows at end ${live}, ` +
      `ended ${JSON.stringify(ev)}, total ended ${ended}, heap ${heap} MB`,
  )
}

function runFillOnly(tr: Traffic): void {
  const pv = newPacketView()
  let x = 0
  const t0 = process.hrtime.bigint()
  for (let k = 0; k < N; k++) {
    fill(pv, tr, k)
    x ^= pv.srcPort
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(`fill PacketView only: ${(N / s / 1e6).toFixed(1)} M packets/s (${x & 1})`)
}

/** The naive baseline: a string 5-tuple key (canonical order) and one lru-cache get/set per packet. */
function runNaive(tr: Traffic, cap: number): void {
  const pv = newPacketView()
  const lru = new LRUCache<string, { pkts: number; bytes: number }>({ max: cap })
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let k = 0; k < N; k++) {
    fill(pv, tr, k)
    const s = pv.src[0] ?? 0
    const d = pv.dst[0] ?? 0
    const key =
      s < d || (s === d && pv.srcPort <= pv.dstPort)
        ? `${pv.ipProto}|${s}|${pv.srcPort}|${d}|${pv.dstPort}`
        : `${pv.ipProto}|${d}|${pv.dstPort}|${s}|${pv.srcPort}`
    const f = lru.get(key)
    if (f === undefined) lru.set(key, { pkts: 1, bytes: pv.ipLen })
    else {
      f.pkts++
      f.bytes += pv.ipLen
    }
  }
  console.log(`naive string key + lru-cache cap=${cap}: ${rate(elapsed(t0, c0))}`)
}

/** Reader + walker (+ table): the packet path of `analyze` without the app layer. */
function runFile(file: string, withTable: boolean): void {
  const pv = newPacketView()
  let ended = 0
  const t = new FlowTable({ maxFlows: 1_000_000, onEnd: () => ended++ })
  let n = 0
  const reader = new CaptureReader({
    name: file,
    onPacket: (buf, off, end, ts, wireLen, linkType) => {
      walkPacket(linkType, buf, off, end, pv)
      pv.ts = ts
      pv.wireLen = wireLen
      n++
      if (withTable) t.updateRow(pv)
    },
  })
  const fd = openSync(file, 'r')
  const chunk = Buffer.allocUnsafe(1 << 20)
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let k = readSync(fd, chunk, 0, chunk.length, null); k > 0; k = readSync(fd, chunk, 0, chunk.length, null)) {
    reader.push(chunk.subarray(0, k))
  }
  reader.end()
  t.flush()
  const c = process.cpuUsage(c0)
  const cpu = (c.user + c.system) / 1e6
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  closeSync(fd)
  console.log(
    `${withTable ? 'reader + walker + FlowTable' : 'reader + walker'}: ${n} packets, ` +
      `${(n / cpu / 1e6).toFixed(2)} M packets/s CPU, ${(n / wall / 1e6).toFixed(2)} M/s wall, flows ${ended}`,
  )
}

/** Writes the traffic as Ethernet/IPv4 frames, headers only (caplen ≤ SNAPLEN), in 1 MiB writes. */
function writePcap(tr: Traffic, file: string): void {
  const fd = openSync(file, 'w')
  writeSync(fd, pcapHeader({ snaplen: SNAPLEN }))
  const out = Buffer.alloc(1 << 20)
  let o = 0
  for (let k = 0; k < N; k++) {
    if (o + 16 + SNAPLEN > out.length) {
      writeSync(fd, out, 0, o)
      o = 0
    }
    const proto = tr.proto[k] ?? 6
    const thl = proto === 6 ? 20 : 8
    const ipLen = 20 + thl + (tr.len[k] ?? 0)
    const wire = 14 + ipLen
    const cap = Math.min(wire, SNAPLEN)
    const ts = tr.ts[k] ?? 0
    const sec = Math.floor(ts)
    out.writeUInt32LE(sec, o)
    out.writeUInt32LE(Math.floor((ts - sec) * 1e6), o + 4)
    out.writeUInt32LE(cap, o + 8)
    out.writeUInt32LE(wire, o + 12)
    const f = o + 16
    out.fill(0, f, f + cap)
    out.writeUInt16BE(0x0800, f + 12)
    const ip = f + 14
    out[ip] = 0x45
    out.writeUInt16BE(ipLen, ip + 2)
    out[ip + 8] = 64
    out[ip + 9] = proto
    out.writeUInt32BE(tr.src[k] ?? 0, ip + 12)
    out.writeUInt32BE(tr.dst[k] ?? 0, ip + 16)
    const l4 = ip + 20
    out.writeUInt16BE(tr.sport[k] ?? 0, l4)
    out.writeUInt16BE(tr.dport[k] ?? 0, l4 + 2)
    if (proto === 6) {
      out.writeUInt32BE((Math.imul((tr.src[k] ?? 0) ^ (tr.sport[k] ?? 0), 2654435761) + k * 100) >>> 0, l4 + 4)
      out[l4 + 12] = 0x50
      out[l4 + 13] = tr.flags[k] ?? 0
      out.writeUInt16BE(65535, l4 + 14)
    } else {
      out.writeUInt16BE(ipLen - 20, l4 + 4)
    }
    o += 16 + cap
  }
  writeSync(fd, out, 0, o)
  closeSync(fd)
}

if (FILE !== undefined) {
  runFile(FILE, false)
  runFile(FILE, true)
  process.exit(0)
}

const g0 = Date.now()
const tr = generate(N, CONCURRENT)
console.log(
  `generated ${N} packets, ${tr.flows} flows, ${CONCURRENT} concurrent slots in ${Date.now() - g0} ms; node ${process.version}`,
)
if (WRITE !== undefined) {
  writePcap(tr, WRITE)
  console.log(`wrote ${WRITE}`)
  process.exit(0)
}
runFillOnly(tr)
runTable(tr, 1_000_000)
runTable(tr, CAP)
runNaive(tr, 1_000_000)
runTable(tr, 1_000_000)
runConstruct()
runOneAtATime(50_000)

/** Time to construct a table with the default cap (paid once per run, whatever the capture's size). */
function runConstruct(): void {
  const t0 = process.hrtime.bigint()
  const reps = 10
  for (let i = 0; i < reps; i++) new FlowTable({ onEnd: () => {} }).flush()
  console.log(
    `new FlowTable() (maxFlows 1000000) + flush: ${(Number(process.hrtime.bigint() - t0) / 1e6 / reps).toFixed(1)} ms`,
  )
}

/** `flows` TCP connections (SYN, SYN-ACK, ACK, data, FIN, FIN-ACK, ACK), 10 s apart, each alone in the table. */
function runOneAtATime(flows: number): void {
  const pv = newPacketView()
  let ended = 0
  const t = new FlowTable({ onEnd: () => ended++ })
  const flags = [0x02, 0x12, 0x10, 0x18, 0x11, 0x11, 0x10]
  const fromClient = [true, false, true, true, true, false, true]
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let n = 0
  for (let i = 0; i < flows; i++) {
    for (let k = 0; k < flags.length; k++) {
      const c = fromClient[k] === true
      pv.ts = 1_700_000_000 + i * 10 + k * 0.001
      pv.ipVersion = 4
      pv.ipProto = 6
      pv.src[0] = c ? 0x0a000002 : 0xc6336450
      pv.dst[0] = c ? 0xc6336450 : 0x0a000002
      pv.srcPort = c ? 1024 + (i % 60000) : 80
      pv.dstPort = c ? 80 : 1024 + (i % 60000)
      pv.tcpFlags = flags[k] ?? 0
      pv.seq = c ? 1000 + k : 5000 + k
      pv.payloadLen = k === 3 ? 100 : 0
      pv.ipLen = 40 + pv.payloadLen
      pv.payloadOff = 54
      pv.payloadEnd = 54 + pv.payloadLen
      t.updateRow(pv)
      n++
    }
  }
  t.flush()
  const c = process.cpuUsage(c0)
  const cpu = (c.user + c.system) / 1e6
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(
    `one flow at a time: ${n} packets, ${flows} flows (${ended} ended), ${Math.round(n / cpu)} packets/s CPU, ` +
      `${Math.round(n / wall)}/s wall`,
  )
}
