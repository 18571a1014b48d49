/**
 * Capture reader floor: walks a capture with CaptureReader only (the "bare read": records framed and
 * delivered, nothing decoded) and with CaptureReader + walkPacket (L2–L4 into a PacketView), reading the
 * file through readCaptureStream in 1 MiB chunks, and prints packets/s and MB/s (wall and CPU).
 * Usage: node --import tsx bench/capture-reader.bench.ts [FILE] [--packets N] [--pcapng]
 * Without FILE it generates bench/data/reader-<N>.pcap (fixed seed; IMIX sizes 64–1514, 10 % 802.1Q,
 * 15 % IPv6, 70 % TCP / 25 % UDP / 5 % ICMP, a pool of 4096 distinct frames over many flows).
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs'
import path from 'node:path'
import { walkPacket } from '../decoders/dispatch.js'
import { newPacketView } from '../decoders/packet-view.js'
import { CaptureReader } from '../decoders/pcap/capture-reader.js'
import { readCaptureStream } from '../sensor/collectors/pcap-file.js'
import { pcapHeader, writePcapng } from '../test/helpers/pcap-writer.js'
import { prng } from './gen-capture.js'

const args = process.argv.slice(2)
const nIdx = args.indexOf('--packets')
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 2_000_000
const ng = args.includes('--pcapng')
const fileArg = args.find((a, i) => !a.startsWith('--') && (i === 0 || args[i - 1] !== '--packets'))

function makeFrame(rnd: () => number): Buffer {
  const r = rnd()
  const size = r < 0.5 ? 64 + Math.floor(rnd() * 40) : r < 0.7 ? 576 : r < 0.75 ? 200 + Math.floor(rnd() * 800) : 1514
  const vlan = rnd() < 0.1
  const v6 = rnd() < 0.15
  const pr = rnd()
  const proto = pr < 0.7 ? 6 : pr < 0.95 ? 17 : v6 ? 58 : 1
  const f = Buffer.alloc(Math.max(size, 14 + (vlan ? 4 : 0) + (v6 ? 40 : 20) + 20))
  let o = 12
  if (vlan) {
    f.writeUInt16BE(0x8100, o)
    f.writeUInt16BE(Math.floor(rnd() * 4094) + 1, o + 2)
    o += 4
  }
  f.writeUInt16BE(v6 ? 0x86dd : 0x0800, o)
  o += 2
  const ipLen = f.length - o
  if (v6) {
    f[o] = 0x60
    f.writeUInt16BE(ipLen - 40, o + 4)
    f[o + 6] = proto
    f[o + 7] = 64
    for (let i = 8; i < 40; i += 4) f.writeUInt32BE((rnd() * 2 ** 32) >>> 0, o + i)
    o += 40
  } else {
    f[o] = 0x45
    f.writeUInt16BE(ipLen, o + 2)
    f[o + 8] = 64
    f[o + 9] = proto
    f.writeUInt32BE(0x0a000000 | Math.floor(rnd() * 65536), o + 12)
    f.writeUInt32BE((0xc6336400 | Math.floor(rnd() * 256)) >>> 0, o + 16)
    o += 20
  }
  f.writeUInt16BE(1024 + Math.floor(rnd() * 60000), o)
  f.writeUInt16BE(proto === 6 ? 443 : 53, o + 2)
  if (proto === 6) {
    f.writeUInt32BE((rnd() * 2 ** 32) >>> 0, o + 4)
    f[o + 12] = 0x50
    f[o + 13] = 0x18
  } else if (proto === 17) f.writeUInt16BE(ipLen - (v6 ? 40 : 20), o + 4)
  return f
}

function generate(file: string, n: number): void {
  const rnd = prng(42)
  const pool = Array.from({ length: 4096 }, () => makeFrame(rnd))
  mkdirSync(path.dirname(file), { recursive: true })
  const fd = openSync(file, 'w')
  const batch: Buffer[] = []
  let batchLen = 0
  const flush = () => {
    writeSync(fd, Buffer.concat(batch, batchLen))
    batch.length = 0
    batchLen = 0
  }
  if (ng) {
    const head = writePcapng([{ kind: 'shb' }, { kind: 'idb', linkType: 1 }])
    batch.push(head)
    batchLen += head.length
  } else {
    const h = pcapHeader()
    batch.push(h)
    batchLen += h.length
  }
  let usec = 0
  for (let i = 0; i < n; i++) {
    const data = pool[i & 4095] as Buffer
    usec += 1 + Math.floor(rnd() * 20)
    const rec = ng
      ? writePcapng([{ kind: 'epb', ifId: 0, tsHigh: 0, tsLow: 0, data }]).subarray(0)
      : Buffer.allocUnsafe(16 + data.length)
    if (ng) {
      const t = 1_700_000_000_000_000 + usec
      rec.writeUInt32LE(Math.floor(t / 2 ** 32), 12)
      rec.writeUInt32LE(t % 2 ** 32, 16)
    } else {
      rec.writeUInt32LE(1_700_000_000 + Math.floor(usec / 1e6), 0)
      rec.writeUInt32LE(usec % 1e6, 4)
      rec.writeUInt32LE(data.length, 8)
      rec.writeUInt32LE(data.length, 12)
      data.copy(rec, 16)
    }
    batch.push(rec)
    batchLen += rec.length
    if (batchLen > 8 << 20) flush()
  }
  flush()
  closeSync(fd)
}

async function measure(
  label: string,
  file: string,
  onPacket: ConstructorParameters<typeof CaptureReader>[0]['onPacket'],
) {
  const reader = new CaptureReader({ name: file, onPacket })
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await readCaptureStream(file, reader)
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  const mb = statSync(file).size / 1e6
  const f = (x: number) => (x / 1e6).toFixed(2)
  console.log(
    `${label.padEnd(22)} ${reader.packets} pkts  wall ${wall.toFixed(2)} s  ${f(reader.packets / wall)} Mpkt/s  ${(mb / wall).toFixed(0)} MB/s  | CPU ${cpuS.toFixed(2)} s  ${f(reader.packets / cpuS)} Mpkt/s  ${(mb / cpuS).toFixed(0)} MB/s`,
  )
}

const file = fileArg ?? path.join(import.meta.dirname, 'data', `reader-${N}${ng ? '.pcapng' : '.pcap'}`)
if (!existsSync(file)) {
  console.log(`Generating ${file} (${N} packets)...`)
  generate(file, N)
}
console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(0)} MB`)
let count = 0
let bytes = 0
const pv = newPacketView()
const stops = new Map<string, number>()
for (let round = 0; round < 2; round++) {
  await measure('bare read', file, (_b, off, end) => {
    count++
    bytes += end - off
  })
  await measure('read + walkPacket', file, (b, off, end, ts, wireLen, linkType) => {
    pv.ts = ts
    pv.wireLen = wireLen
    walkPacket(linkType, b, off, end, pv)
    if (pv.stop !== undefined) stops.set(pv.stop, (stops.get(pv.stop) ?? 0) + 1)
  })
}
console.log(`bare read checksum: ${count / 2} frames, ${bytes / 2} captured bytes per pass`)
if (stops.size > 0) console.log('stops:', Object.fromEntries(stops))
