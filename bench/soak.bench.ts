/**
 * Soak benchmark of `ingress-sensor listen` (run on demand, not in CI; bounded by --seconds):
 *   node --import tsx bench/soak.bench.ts [--seconds 120] [--netflow 2000] [--syslog-tcp 500] [--syslog-udp 500]
 *       [--pcap 2000] [--scale 1,2,4] [--hosts 256] [--dests 256] [--heap-limit MiB] [--keep]
 * Starts `listen` as a child with every collector (NetFlow UDP, syslog UDP and TCP, a pcap stream on stdin,
 * Prometheus) and a load generator in this process sending at fixed rates for N seconds: NetFlow v5 records
 * (30 per datagram, in opposite-direction pairs that merge into biflows), syslog over TCP (octet counting) and
 * UDP (a mix of Juniper SRX session closes, Sysmon netsh portproxy process creations and plain lines), and
 * packets through the stdin pipe (pcaps/http/wget-pe.pcap replayed, a new client port per replay, time = now).
 * Flows cycle through --hosts internal hosts × --dests external destinations, so the destination baseline
 * fills up during warm-up as on a real network (every flow a new pair would only measure the baseline's cap).
 * Samples the child's RSS (/proc/PID/status VmRSS) every second. At the end the generators stop, the bench
 * waits (bounded) for the counters to catch up, reads /metrics, the UDP socket drops (/proc/net/udp) and the
 * RcvbufErrors delta (/proc/net/snmp), sends SIGTERM and counts the lines of the flows and alerts files.
 * `--scale a,b,c` repeats the run with every rate multiplied by each factor: the "rated load" is the highest
 * step with no loss anywhere and flat memory.
 */
import type { ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fetchMetrics, freePorts, metric, ROOT, startListen, waitFor } from '../test/helpers/listen-child.js'

interface Rates {
  netflow: number
  syslogTcp: number
  syslogUdp: number
  pcap: number
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : def
}

const SECONDS = Number(arg('seconds', '120'))
const BASE: Rates = {
  netflow: Number(arg('netflow', '2000')),
  syslogTcp: Number(arg('syslog-tcp', '500')),
  syslogUdp: Number(arg('syslog-udp', '500')),
  pcap: Number(arg('pcap', '2000')),
}
const SCALES = arg('scale', '1').split(',').map(Number)
/** Internal hosts and external destinations the load cycles through (a bounded network; pairs = product). */
const HOSTS = Number(arg('hosts', '256'))
const DESTS = Number(arg('dests', '256'))
const KEEP = process.argv.includes('--keep')
/** --heap-limit MiB: run the child with --max-old-space-size (a leak then fails; lazy GC does not). */
const HEAP_LIMIT = arg('heap-limit', '')
if (HEAP_LIMIT) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${HEAP_LIMIT}`.trim()

// ---------------------------------------------------------------- NetFlow v5 ---------------------------------
const T0 = Date.now()
let nfSeq = 0
let nfPair = 0

/** One v5 datagram of `n` records (n even): pairs A→B / B→A, each pair its own conversation. */
function netflowV5(n: number): Buffer {
  const b = Buffer.alloc(24 + 48 * n)
  const now = Date.now()
  const uptime = now - T0 + 60_000
  b.writeUInt16BE(5, 0)
  b.writeUInt16BE(n, 2)
  b.writeUInt32BE(uptime >>> 0, 4)
  b.writeUInt32BE(Math.floor(now / 1000), 8)
  b.writeUInt32BE((now % 1000) * 1_000_000, 12)
  b.writeUInt32BE(nfSeq >>> 0, 16)
  nfSeq += n
  for (let i = 0; i < n; i += 2) {
    const p = nfPair++
    const h = p % HOSTS
    const inside = 0x0a000000 + (h >>> 8) * 256 + (h & 0xff) + 1 // 10.0.x.y
    const outside = 0x2d000000 + (Math.floor(p / HOSTS) % DESTS) + 1 // 45.0.x.y
    const sport = 1024 + (p % 60000)
    const dport = [80, 443, 8080, 53][p % 4] as number
    for (let d = 0; d < 2; d++) {
      const o = 24 + 48 * (i + d)
      b.writeUInt32BE(d === 0 ? inside >>> 0 : outside, o)
      b.writeUInt32BE(d === 0 ? outside : inside >>> 0, o + 4)
      b.writeUInt32BE(d === 0 ? 5 : 20, o + 16) // packets
      b.writeUInt32BE(d === 0 ? 400 : 24_000, o + 20) // bytes
      b.writeUInt32BE((uptime - 2000) >>> 0, o + 24)
      b.writeUInt32BE((uptime - 1000) >>> 0, o + 28)
      b.writeUInt16BE(d === 0 ? sport : dport, o + 32)
      b.writeUInt16BE(d === 0 ? dport : sport, o + 34)
      b[o + 37] = 0x1b // tcp flags
      b[o + 38] = 6
    }
  }
  return b
}

// ---------------------------------------------------------------- syslog -------------------------------------
let slSeq = 0
/** SRX session closes sent: each is one flow record. */
let srxSent = 0
function syslogLine(): string {
  const i = slSeq++
  const ts = new Date().toISOString()
  const k = i % 10
  let msg: string
  let app: string
  if (k < 6) {
    const hi = i % HOSTS
    const h = `10.2.${hi >>> 8}.${(hi & 0xff) + 1}`
    const sp = 1024 + (i % 60000)
    app = 'RT_FLOW'
    srxSent++
    msg = `RT_FLOW_SESSION_CLOSE: session closed TCP FIN: ${h}/${sp}->198.51.100.80/443 junos-https ${h}/${sp}->198.51.100.80/443 None None 6 p1 trust untrust ${i} 12(1234) 40(52428) 3 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No`
  } else if (k < 8) {
    app = 'sysmon'
    msg = `EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws${i % 50}.corp.example User=CORP\\dave Image=C:\\Windows\\System32\\netsh.exe CommandLine="netsh interface portproxy add v4tov4 listenport=445 connectaddress=10.1.2.3 connectport=445"`
  } else {
    app = 'sshd'
    msg = `Accepted publickey for user${i % 100} from 10.3.0.${i % 250} port ${2000 + (i % 50000)} ssh2`
  }
  return `<134>1 ${ts} fw01 ${app} - - - ${msg}`
}

// ---------------------------------------------------------------- pcap stream --------------------------------
interface Pkt {
  readonly data: Buffer
  /** Offset of the client port in the TCP header (src or dst), or -1. */
  readonly portOff: number
  readonly sumOff: number
}

/** Classic pcap (little-endian µs) records of a template capture; the client is the SYN's sender. */
function loadTemplate(file: string): { pkts: Pkt[]; clientPort: number } {
  const buf = readFileSync(file)
  if (buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: expected a little-endian microsecond pcap`)
  const raw: Buffer[] = []
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = buf.readUInt32LE(off + 8)
    raw.push(Buffer.from(buf.subarray(off + 16, off + 16 + incl)))
    off += 16 + incl
  }
  // Ethernet + IPv4 + TCP.
  const first = raw[0] as Buffer
  const ihl0 = ((first[14] as number) & 0x0f) * 4
  const clientPort = first.readUInt16BE(14 + ihl0)
  const pkts = raw.map((data) => {
    const ihl = ((data[14] as number) & 0x0f) * 4
    const tcp = 14 + ihl
    if (data.readUInt16BE(12) !== 0x0800 || data[23] !== 6) return { data, portOff: -1, sumOff: -1 }
    const portOff = data.readUInt16BE(tcp) === clientPort ? tcp : tcp + 2
    return { data, portOff, sumOff: tcp + 16 }
  })
  return { pkts, clientPort }
}

/** RFC 1624 incremental checksum update for one 16-bit field changing from `from` to `to`. */
function adjustSum(sum: number, from: number, to: number): number {
  let s = (~sum & 0xffff) + (~from & 0xffff) + to
  s = (s & 0xffff) + (s >>> 16)
  s = (s & 0xffff) + (s >>> 16)
  return ~s & 0xffff
}

function pcapGlobalHeader(): Buffer {
  const h = Buffer.alloc(24)
  h.writeUInt32LE(0xa1b2c3d4, 0)
  h.writeUInt16LE(2, 4)
  h.writeUInt16LE(4, 6)
  h.writeUInt32LE(65535, 16)
  h.writeUInt32LE(1, 20)
  return h
}

class PcapReplayer {
  private idx = 0
  private replay = 0
  constructor(private readonly t: { pkts: Pkt[]; clientPort: number }) {}
  /** `n` packets as pcap records, timestamped now, the client port changed on every replay. */
  next(n: number): Buffer {
    const parts: Buffer[] = []
    const now = Date.now()
    const sec = Math.floor(now / 1000)
    const usec = (now % 1000) * 1000
    for (let i = 0; i < n; i++) {
      const p = this.t.pkts[this.idx] as Pkt
      const port = 20000 + (this.replay % 40000)
      const d = Buffer.from(p.data)
      if (p.portOff >= 0) {
        d.writeUInt16BE(port, p.portOff)
        d.writeUInt16BE(adjustSum(d.readUInt16BE(p.sumOff), this.t.clientPort, port), p.sumOff)
      }
      const h = Buffer.alloc(16)
      h.writeUInt32LE(sec, 0)
      h.writeUInt32LE(usec, 4)
      h.writeUInt32LE(d.length, 8)
      h.writeUInt32LE(d.length, 12)
      parts.push(h, d)
      this.idx++
      if (this.idx >= this.t.pkts.length) {
        this.idx = 0
        this.replay++
      }
    }
    return Buffer.concat(parts)
  }
  get replays(): number {
    return this.replay
  }
  get length(): number {
    return this.t.pkts.length
  }
}

// ---------------------------------------------------------------- measurements -------------------------------
/** utime + stime of `pid`, seconds. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/** Per-socket drops (last column of /proc/net/udp) of the loopback sockets on `ports`. */
function udpSocketDrops(ports: number[]): number {
  const want = new Set(ports.map((p) => `:${p.toString(16).toUpperCase().padStart(4, '0')}`))
  let n = 0
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    const local = f[1] ?? ''
    if (want.has(local.slice(local.indexOf(':')))) n += Number(f[f.length - 1] ?? 0)
  }
  return n
}

function rcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'))
  const names = (lines[0] ?? '').split(/\s+/)
  const vals = (lines[1] ?? '').split(/\s+/)
  return Number(vals[names.indexOf('RcvbufErrors')] ?? 0)
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length
  if (n < 2) return 0
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my)
    den += ((xs[i] as number) - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

const replayerLength = (r: PcapReplayer) => r.length

/** Line feeds in `file`, read in 1 MiB blocks (flow files reach GBs). */
function countLines(file: string): number {
  if (!existsSync(file)) return 0
  const fd = openSync(file, 'r')
  const b = Buffer.alloc(1 << 20)
  let n = 0
  try {
    for (let got = readSync(fd, b); got > 0; got = readSync(fd, b)) {
      for (let i = b.indexOf(10, 0); i !== -1 && i < got; i = b.indexOf(10, i + 1)) n++
    }
  } finally {
    closeSync(fd)
  }
  return n
}

interface Result {
  scale: number
  rates: Rates
  sent: { netflow: number; syslogTcp: number; syslogUdp: number; pcap: number }
  got: { netflow: number; syslog: number; pcap: number }
  caughtUpS: number
  queueDropped: number
  queueHighDepth: number
  udpDrops: number
  rcvbufDelta: number
  syslogErrors: number
  netflowErrors: number
  rssMinMiB: number
  rssMaxMiB: number
  rssSlopeMiBPerMin: number
  /** V8 heap in use (/metrics every 2 s): max, and the slope of the second half (live data, not RSS). */
  heapMaxMiB: number
  heapSlopeMiBPerMin: number
  flowsInTableMax: number
  /** RSS (MiB) and heap used (MiB) every 10 s, to see the shape (sawtooth vs a steady climb). */
  series: { t: number; rssMiB: number; heapMiB: number }[]
  stopS: number
  exit: number | null
  flows: number
  /** Flow records expected: NetFlow pairs, SRX closes, pcap replays (a partial last replay counts too). */
  flowsExpected: number
  alerts: number
  /** CPU used by the child during the load, % of one core. */
  cpuPct: number
}

async function runOnce(scale: number): Promise<Result> {
  const rates: Rates = {
    netflow: BASE.netflow * scale,
    syslogTcp: BASE.syslogTcp * scale,
    syslogUdp: BASE.syslogUdp * scale,
    pcap: BASE.pcap * scale,
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'soak-'))
  const flows = path.join(dir, 'flows.jsonl')
  const alerts = path.join(dir, 'alerts.jsonl')
  const [nfPort, suPort, stPort, statsPort] = (await freePorts(['udp', 'udp', 'tcp', 'tcp'])) as [
    number,
    number,
    number,
    number,
  ]
  const child = await startListen(
    [
      '--netflow',
      `127.0.0.1:${nfPort}`,
      '--syslog-udp',
      `127.0.0.1:${suPort}`,
      '--syslog-tcp',
      `127.0.0.1:${stPort}`,
      '--pcap',
      '-',
      '--flows',
      flows,
      '--alerts',
      alerts,
      '--state',
      path.join(dir, 'state'),
      '--stats-port',
      String(statsPort),
      '--stats-interval',
      '30',
    ],
    { stdin: 'pipe' },
  )
  const proc = child.proc as ChildProcess
  const pid = proc.pid as number
  const rcv0 = rcvbufErrors()
  const srx0 = srxSent
  const udp = dgram.createSocket('udp4')
  const tcp: Socket = await new Promise((resolve, reject) => {
    const s = connect(stPort, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
  const replayer = new PcapReplayer(loadTemplate(path.join(ROOT, 'pcaps/http/wget-pe.pcap')))
  const stdin = proc.stdin
  if (!stdin) throw new Error('no stdin pipe')
  stdin.on('error', () => {})
  stdin.write(pcapGlobalHeader())

  const sent = { netflow: 0, syslogTcp: 0, syslogUdp: 0, pcap: 0 }
  let tcpBlocked = false
  let pipeBlocked = false
  tcp.on('drain', () => {
    tcpBlocked = false
  })
  stdin.on('drain', () => {
    pipeBlocked = false
  })
  const start = Date.now()
  const cpu0 = cpuSeconds(pid)
  const rss: { t: number; kib: number }[] = []
  let queueHigh = 0
  let flowsInTableMax = 0
  const heap: { t: number; mib: number }[] = []
  const rssTimer = setInterval(() => rss.push({ t: (Date.now() - start) / 1000, kib: rssKiB(pid) }), 1000)
  const qTimer = setInterval(() => {
    fetchMetrics(statsPort).then(
      (m) => {
        queueHigh = Math.max(queueHigh, metric(m, 'queue_depth'))
        flowsInTableMax = Math.max(flowsInTableMax, metric(m, 'flows_in_table'))
        heap.push({ t: (Date.now() - start) / 1000, mib: metric(m, 'heap_used_bytes') / 2 ** 20 })
      },
      () => {},
    )
  }, 2000)

  await new Promise<void>((resolve) => {
    const tick = () => {
      const el = (Date.now() - start) / 1000
      const due = (rate: number) => Math.floor(rate * Math.min(el, SECONDS))
      // NetFlow: whole datagrams of 30 records.
      while (sent.netflow + 30 <= due(rates.netflow)) {
        udp.send(netflowV5(30), nfPort, '127.0.0.1')
        sent.netflow += 30
      }
      let n = due(rates.syslogUdp) - sent.syslogUdp
      for (; n > 0; n--) {
        udp.send(Buffer.from(syslogLine()), suPort, '127.0.0.1')
        sent.syslogUdp++
      }
      if (!tcpBlocked) {
        n = due(rates.syslogTcp) - sent.syslogTcp
        if (n > 0) {
          const frames: Buffer[] = []
          for (let i = 0; i < n; i++) {
            const m = Buffer.from(syslogLine())
            frames.push(Buffer.from(`${m.length} `), m)
          }
          if (!tcp.write(Buffer.concat(frames))) tcpBlocked = true
          sent.syslogTcp += n
        }
      }
      if (!pipeBlocked) {
        n = due(rates.pcap) - sent.pcap
        if (n > 0) {
          if (!stdin.write(replayer.next(n))) pipeBlocked = true
          sent.pcap += n
        }
      }
      if (el >= SECONDS) resolve()
      else setTimeout(tick, 10)
    }
    tick()
  })
  const cpuPct = ((cpuSeconds(pid) - cpu0) / ((Date.now() - start) / 1000)) * 100
  // Let the child catch up (bounded), then read its counters.
  const t1 = Date.now()
  let m = new Map<string, number>()
  try {
    m = await fetchMetrics(statsPort)
  } catch {
    process.stderr.write(
      `the child is gone (exit ${proc.exitCode}, signal ${proc.signalCode}):\n${child.stderr().slice(-2000)}\n`,
    )
  }
  const caught = (x: Map<string, number>) =>
    metric(x, 'netflow_records_total') >= sent.netflow &&
    metric(x, 'syslog_messages_total') >= sent.syslogTcp + sent.syslogUdp &&
    metric(x, 'packets_total') >= sent.pcap &&
    metric(x, 'queue_depth') === 0
  try {
    await waitFor('the child to catch up', 20_000, async () => {
      m = await fetchMetrics(statsPort)
      return caught(m)
    })
  } catch {
    // Loss: report what arrived.
  }
  const caughtUpS = (Date.now() - t1) / 1000
  clearInterval(rssTimer)
  clearInterval(qTimer)
  const udpDrops = udpSocketDrops([nfPort, suPort])
  const rcvbufDelta = rcvbufErrors() - rcv0
  tcp.end()
  udp.close()
  stdin.end()
  const t2 = Date.now()
  const exit = await child.stop('SIGTERM', 60_000)
  const stopS = (Date.now() - t2) / 1000
  // Memory: min/max over the run, slope over its second half (after warm-up).
  const half = rss.filter((r) => r.t >= SECONDS / 2)
  const kibs = rss.map((r) => r.kib).filter((k) => k > 0)
  const res: Result = {
    scale,
    rates,
    sent,
    got: {
      netflow: metric(m, 'netflow_records_total'),
      syslog: metric(m, 'syslog_messages_total'),
      pcap: metric(m, 'packets_total'),
    },
    caughtUpS,
    queueDropped: metric(m, 'queue_dropped_total', 'collectors'),
    queueHighDepth: queueHigh,
    udpDrops,
    rcvbufDelta,
    syslogErrors: [...m.entries()]
      .filter(([k]) => k.startsWith('ingress_sensor_syslog_errors_total'))
      .reduce((a, [, v]) => a + v, 0),
    netflowErrors: [...m.entries()]
      .filter(([k]) => k.startsWith('ingress_sensor_netflow_errors_total'))
      .reduce((a, [, v]) => a + v, 0),
    rssMinMiB: Math.min(...kibs) / 1024,
    rssMaxMiB: Math.max(...kibs) / 1024,
    rssSlopeMiBPerMin:
      (slope(
        half.map((r) => r.t),
        half.map((r) => r.kib),
      ) *
        60) /
      1024,
    heapMaxMiB: Math.max(0, ...heap.map((x) => x.mib)),
    heapSlopeMiBPerMin:
      slope(
        heap.filter((x) => x.t >= SECONDS / 2).map((x) => x.t),
        heap.filter((x) => x.t >= SECONDS / 2).map((x) => x.mib),
      ) * 60,
    flowsInTableMax,
    series: rss
      .filter((r) => Math.round(r.t) % 10 === 0)
      .map((r) => ({
        t: Math.round(r.t),
        rssMiB: Math.round(r.kib / 1024),
        heapMiB: Math.round(heap.find((x) => x.t >= r.t - 1)?.mib ?? 0),
      })),
    stopS,
    exit,
    flows: countLines(flows),
    flowsExpected:
      sent.netflow / 2 + (srxSent - srx0) + replayer.replays + (sent.pcap % replayerLength(replayer) === 0 ? 0 : 1),
    alerts: countLines(alerts),
    cpuPct,
  }
  if (!KEEP) rmSync(dir, { recursive: true, force: true })
  else process.stderr.write(`kept ${dir}\n`)
  return res
}

function fmt(n: number, d = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
}

async function main(): Promise<void> {
  process.stdout.write(
    `soak: ${SECONDS}s per step; ${HOSTS} hosts x ${DESTS} destinations;${HEAP_LIMIT ? ` child heap limit ${HEAP_LIMIT} MiB;` : ''} base rates/s: NetFlow records ${BASE.netflow}, syslog TCP ${BASE.syslogTcp}, syslog UDP ${BASE.syslogUdp}, pcap packets ${BASE.pcap}; scales ${SCALES.join(',')}\n`,
  )
  const results: Result[] = []
  for (const s of SCALES) {
    const r = await runOnce(s)
    results.push(r)
    process.stdout.write(`${JSON.stringify(r)}\n`)
  }
  const head = [
    'scale',
    'NetFlow rec/s',
    'syslog TCP/s',
    'syslog UDP/s',
    'pcap pkt/s',
    'NetFlow lost',
    'syslog lost',
    'pcap lost',
    'queue drops',
    'queue max',
    'UDP sock drops',
    'RcvbufErrors Δ',
    'RSS min–max MiB',
    'RSS slope MiB/min',
    'heap max MiB',
    'heap slope MiB/min',
    'flows in table max',
    'catch-up s',
    'stop s',
    'exit',
    'child CPU %',
    'flows / expected',
    'alerts',
  ]
  const rows = results.map((r) => [
    `×${r.scale}`,
    fmt(r.rates.netflow),
    fmt(r.rates.syslogTcp),
    fmt(r.rates.syslogUdp),
    fmt(r.rates.pcap),
    fmt(r.sent.netflow - r.got.netflow),
    fmt(r.sent.syslogTcp + r.sent.syslogUdp - r.got.syslog),
    fmt(r.sent.pcap - r.got.pcap),
    fmt(r.queueDropped),
    fmt(r.queueHighDepth),
    fmt(r.udpDrops),
    fmt(r.rcvbufDelta),
    `${fmt(r.rssMinMiB)}–${fmt(r.rssMaxMiB)}`,
    fmt(r.rssSlopeMiBPerMin, 2),
    fmt(r.heapMaxMiB),
    fmt(r.heapSlopeMiBPerMin, 2),
    fmt(r.flowsInTableMax),
    fmt(r.caughtUpS, 1),
    fmt(r.stopS, 1),
    String(r.exit),
    fmt(r.cpuPct),
    `${fmt(r.flows)} / ${fmt(r.flowsExpected)}`,
    fmt(r.alerts),
  ])
  process.stdout.write(`\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`)
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`)
}

await main()
