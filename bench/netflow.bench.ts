/**
 * NetFlow v5 / v9 / IPFIX collector benchmark (run on demand, not in CI):
 *   node --import tsx bench/netflow.bench.ts [--seconds 1] [--rates 100000,200000,400000,800000] [--versions 5,9,10]
 * 1. Decode only: records/s of decodeNetflow on one synthetic datagram fed in a loop (no socket).
 * 2. Loopback: a blaster (a child process) sends synthetic datagrams at increasing record rates, each datagram
 *    to our UDP collector (this thread: decode + NetflowRecord events) and to nfcapd (a fresh process per step,
 *    its own count read from the statistics line it prints at exit). Prints records sent, decoded by us,
 *    stored by nfcapd, and the loss of each; the figure of merit is the highest rate with no loss.
 */
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Counters } from '../analytics/counters.js'
import { decodeNetflow } from '../decoders/netflow/netflow.js'
import { ExporterState } from '../decoders/netflow/templates.js'
import { startNetflowUdp } from '../sensor/collectors/netflow-udp.js'
import { NetflowIngest } from '../sensor/netflow-ingest.js'

type Version = 5 | 9 | 10

/**
 * Our collector runs in this process pinned to CPU 0 (start the bench with `taskset -c 0`); the blaster and
 * nfcapd share CPU 1, so the figure is "one core" for us and nfcapd gets the same core budget as the sender.
 */
const OTHER_CPU = '1'

/** Records per datagram for each version (v5: Cisco's maximum of 30; v9/IPFIX: ~1.4 KB datagrams). */
const PER_DATAGRAM: Record<Version, number> = { 5: 30, 9: 40, 10: 35 }
const SECS = 1_700_000_000

function v5(seq: number, n: number): Buffer {
  const b = Buffer.alloc(24 + 48 * n)
  b.writeUInt16BE(5, 0)
  b.writeUInt16BE(n, 2)
  b.writeUInt32BE(3_600_000, 4)
  b.writeUInt32BE(SECS, 8)
  b.writeUInt32BE(seq, 16)
  for (let i = 0; i < n; i++) {
    const p = 24 + 48 * i
    b.writeUInt32BE(0x0a000000 + ((seq + i) & 0xffff), p)
    b.writeUInt32BE(0xc6336400 + (i & 0xff), p + 4)
    b.writeUInt16BE(1, p + 12)
    b.writeUInt16BE(2, p + 14)
    b.writeUInt32BE(10, p + 16)
    b.writeUInt32BE(4000, p + 20)
    b.writeUInt32BE(3_590_000, p + 24)
    b.writeUInt32BE(3_599_000, p + 28)
    b.writeUInt16BE(40000 + i, p + 32)
    b.writeUInt16BE(443, p + 34)
    b[p + 37] = 0x1b
    b[p + 38] = 6
  }
  return b
}

// v9/IPFIX template 256: src4 dst4 sport dport proto flags octets(4) packets(4) in(2) out(2) + times.
const FIELDS = [
  [8, 4],
  [12, 4],
  [7, 2],
  [11, 2],
  [4, 1],
  [6, 1],
  [1, 4],
  [2, 4],
  [10, 2],
  [14, 2],
] as const

function templated(version: 9 | 10, seq: number, n: number, withTemplate: boolean): Buffer {
  const times: [number, number][] =
    version === 9
      ? [
          [22, 4],
          [21, 4],
        ]
      : [
          [152, 8],
          [153, 8],
        ]
  const fields = [...FIELDS, ...times]
  const recLen = fields.reduce((a, f) => a + f[1], 0)
  const parts: Buffer[] = []
  if (withTemplate) {
    const t = Buffer.alloc(8 + 4 * fields.length)
    t.writeUInt16BE(version === 9 ? 0 : 2, 0)
    t.writeUInt16BE(t.length, 2)
    t.writeUInt16BE(256, 4)
    t.writeUInt16BE(fields.length, 6)
    fields.forEach(([id, len], i) => {
      t.writeUInt16BE(id, 8 + 4 * i)
      t.writeUInt16BE(len, 10 + 4 * i)
    })
    parts.push(t)
  }
  const d = Buffer.alloc(4 + recLen * n)
  d.writeUInt16BE(256, 0)
  d.writeUInt16BE(d.length, 2)
  for (let i = 0; i < n; i++) {
    let p = 4 + recLen * i
    const vals = [0x0a000000 + ((seq + i) & 0xffff), 0xc6336400 + (i & 0xff), 40000 + i, 443, 6, 0x1b, 4000, 10, 1, 2]
    fields.forEach(([, len], j) => {
      if (j < vals.length) d.writeUIntBE(vals[j] ?? 0, p, len)
      else if (len === 4) d.writeUInt32BE(j === vals.length ? 3_590_000 : 3_599_000, p)
      else d.writeBigUInt64BE(BigInt(SECS * 1000 - (j === vals.length ? 10_000 : 1_000)), p)
      p += len
    })
  }
  parts.push(d)
  const body = Buffer.concat(parts)
  const h = Buffer.alloc(version === 9 ? 20 : 16)
  h.writeUInt16BE(version, 0)
  if (version === 9) {
    h.writeUInt16BE(n + (withTemplate ? 1 : 0), 2)
    h.writeUInt32BE(3_600_000, 4)
    h.writeUInt32BE(SECS, 8)
    h.writeUInt32BE(seq, 12)
  } else {
    h.writeUInt16BE(16 + body.length, 2)
    h.writeUInt32BE(SECS, 4)
    h.writeUInt32BE(seq, 8)
  }
  return Buffer.concat([h, body])
}

function datagram(v: Version, seq: number, withTemplate: boolean): Buffer {
  return v === 5 ? v5(seq, PER_DATAGRAM[5]) : templated(v, seq, PER_DATAGRAM[v], withTemplate)
}

interface BlastJob {
  version: Version
  ratePerS: number
  seconds: number
  ports: number[]
}

/** Worker: sends `ratePerS` records/s for `seconds`, paced every millisecond, to every port. */
async function blast(job: BlastJob): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  s.setSendBufferSize(8 * 1024 * 1024)
  const per = PER_DATAGRAM[job.version]
  const total = Math.floor((job.ratePerS * job.seconds) / per)
  // Pre-built datagrams (a template refresh in the first of every 256), cycled.
  const pool = Array.from({ length: 256 }, (_, i) => datagram(job.version, i * per, i === 0))
  let sent = 0
  let inflight = 0
  const t0 = process.hrtime.bigint()
  while (sent < total) {
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
    const due = Math.min(total, Math.ceil(elapsed * (job.ratePerS / per)) + 1)
    while (sent < due) {
      const b = pool[sent & 255] as Buffer
      if (job.version === 5) b.writeUInt32BE(sent * per, 16)
      else if (job.version === 9) b.writeUInt32BE(sent, 12)
      for (const port of job.ports) {
        inflight++
        s.send(b, port, '127.0.0.1', () => {
          inflight--
        })
      }
      sent++
    }
    // Sleep rather than spin: the blaster must leave the CPU to the two collectors it measures.
    await new Promise((r) => setTimeout(r, 1))
  }
  while (inflight > 0) await new Promise((r) => setTimeout(r, 1))
  s.close()
  return sent * per
}

const blastArg = process.argv.indexOf('--blast')
if (blastArg >= 0) {
  const n = await blast(JSON.parse(process.argv[blastArg + 1] ?? '{}') as BlastJob)
  process.stdout.write(`${n}\n`)
} else {
  await main()
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  const p = s.address().port
  await new Promise<void>((r) => s.close(() => r()))
  return p
}

/** utime + stime of a process from /proc (clock ticks of 10 ms on Linux). */
function procCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return Number.NaN
  }
}

async function effectiveRecvBuffer(): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  s.setRecvBufferSize(32 * 1024 * 1024)
  const n = s.getRecvBufferSize()
  await new Promise<void>((r) => s.close(() => r()))
  return n
}

function decodeOnly(v: Version): number {
  const st = new ExporterState()
  const tpl = datagram(v, 0, true)
  decodeNetflow(tpl, 0, tpl.length, st, 0)
  const b = datagram(v, 1, false)
  let n = 0
  const iters = 40_000
  for (let i = 0; i < 2000; i++) decodeNetflow(b, 0, b.length, st, 0)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < iters; i++) {
    const r = decodeNetflow(b, 0, b.length, st, 0)
    if (r.ok) n += r.value.records.length
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9)
}

async function step(v: Version, rate: number, seconds: number) {
  const counters = new Counters()
  let events = 0
  const ingest = new NetflowIngest({
    emit: () => {
      events++
    },
    counters,
    source: 'netflow',
  })
  const col = await startNetflowUdp({ host: '127.0.0.1', port: 0, ingest })
  const dir = mkdtempSync(path.join(tmpdir(), 'nfbench-'))
  const port = await freePort()
  // Same receive buffer for both: what the kernel gave our socket (capped by net.core.rmem_max, doubled).
  // nfcapd runs as root and could otherwise force a larger one past rmem_max.
  const rcvbuf = await effectiveRecvBuffer()
  const nfcapd = spawn(
    'taskset',
    ['-c', OTHER_CPU, 'nfcapd', '-w', dir, '-p', String(port), '-b', '127.0.0.1', '-B', String(rcvbuf / 2)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  const collect = (d: Buffer) => {
    out += d.toString()
  }
  nfcapd.stdout.on('data', collect)
  nfcapd.stderr.on('data', collect)
  const exited = new Promise<void>((r) => nfcapd.once('exit', () => r()))
  await new Promise((r) => setTimeout(r, 300))
  const cpu0 = process.cpuUsage()
  const t0 = Date.now()
  const job: BlastJob = {
    version: v,
    ratePerS: rate,
    seconds,
    ports: process.argv.includes('--only-ours') ? [col.address.port] : [col.address.port, port],
  }
  const blaster = spawn(
    'taskset',
    [
      '-c',
      OTHER_CPU,
      process.execPath,
      ...process.execArgv,
      new URL(import.meta.url).pathname,
      '--blast',
      JSON.stringify(job),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let bout = ''
  blaster.stdout.on('data', (d: Buffer) => {
    bout += d.toString()
  })
  await new Promise<void>((r) => blaster.once('exit', () => r()))
  const sent = Number(bout.trim())
  await new Promise((r) => setTimeout(r, 300))
  const wall = (Date.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const theirCpuS = procCpuSeconds(nfcapd.pid)
  nfcapd.kill('SIGTERM')
  await exited
  await col.close()
  rmSync(dir, { recursive: true, force: true })
  const m = /Flows: (\d+)/.exec(out)
  const theirs = m ? Number(m[1]) : Number.NaN
  return { sent, ours: events, theirs, cpuS: (cpu.user + cpu.system) / 1e6, theirCpuS, wall }
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '1'))
  const rates = arg('rates', '100000,200000,400000,800000,1600000').split(',').map(Number)
  const versions = arg('versions', '5,9,10').split(',').map(Number) as Version[]
  process.stdout.write('decode only (no socket), records/s:\n')
  for (const v of versions) process.stdout.write(`  v${v}: ${Math.round(decodeOnly(v)).toLocaleString('en')}\n`)
  process.stdout.write(
    `\nloopback, blaster -> our collector and nfcapd (same datagrams, ${await effectiveRecvBuffer()} B receive buffers):\n`,
  )
  process.stdout.write(
    'version  rate/s      sent        ours        loss%   CPU s  rec/CPU-s   nfcapd      loss%   CPU s  rec/CPU-s\n',
  )
  for (const v of versions) {
    for (const rate of rates) {
      const r = await step(v, rate, seconds)
      const lossOurs = (100 * (r.sent - r.ours)) / r.sent
      const lossTheirs = (100 * (r.sent - r.theirs)) / r.sent
      const cols = [
        `v${v}`.padEnd(8),
        String(rate).padEnd(11),
        String(r.sent).padEnd(11),
        String(r.ours).padEnd(11),
        lossOurs.toFixed(2).padEnd(7),
        r.cpuS.toFixed(2).padEnd(6),
        String(Math.round(r.ours / r.cpuS)).padEnd(11),
        String(r.theirs).padEnd(11),
        lossTheirs.toFixed(2).padEnd(7),
        r.theirCpuS.toFixed(2).padEnd(6),
        String(Math.round(r.theirs / r.theirCpuS)),
      ]
      process.stdout.write(`${cols.join(' ')}\n`)
    }
  }
}
