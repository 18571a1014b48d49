/**
 * `listen` outputs, through the real child process: SIGHUP after the alert file was moved away (logrotate's
 * way) sends later alerts to a new file at the path and none is lost or doubled; --forward delivers every
 * alert at once as CEF over UDP and as octet-counted RFC 5424 over TCP to test listeners; --rotate-bytes on
 * the flows file gives complete lines only, as many as flow records written. The alerts come from Sysmon
 * process-creation lines (netsh portproxy, one host each) sent by util-linux `logger` over TCP.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { haveCommand } from './helpers/have-command.js'
import { fetchMetrics, freePorts, type ListenChild, metric, startListen, waitFor } from './helpers/listen-child.js'

const have = haveCommand

const lines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : []

/** Sysmon 1 netsh portproxy lines, one per host: each is its own portproxy-change alert. */
function sendNetsh(port: number, hosts: string[]): void {
  const input = hosts
    .map(
      (h) =>
        `EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=${h} User=CORP\\dave Image=C:\\Windows\\System32\\netsh.exe CommandLine="netsh interface portproxy add v4tov4 listenport=445 connectaddress=10.1.2.3 connectport=445"`,
    )
    .join('\n')
  // One logger run, one message per input line, octet-counted over TCP.
  execFileSync('logger', ['-n', '127.0.0.1', '-P', String(port), '-T', '--octet-count', '--rfc5424', '-t', 'sysmon'], {
    input: `${input}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
  })
}

/** Complete RFC 6587 octet-counted frames in `buf`. */
function octetFrames(buf: Buffer): string[] {
  const out: string[] = []
  let i = 0
  for (;;) {
    const sp = buf.indexOf(0x20, i)
    if (sp < 0) return out
    const len = Number(buf.subarray(i, sp).toString('ascii'))
    if (!Number.isInteger(len) || sp + 1 + len > buf.length) return out
    out.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'))
    i = sp + 1 + len
  }
}

test('SIGHUP reopens the moved alert file; --forward UDP/CEF and TCP/RFC 5424 deliver every alert', {
  skip: have('logger') ? false : 'logger not installed',
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lso-'))
  const alerts = path.join(dir, 'alerts.jsonl')
  const udpRx = dgram.createSocket('udp4')
  await new Promise<void>((r) => udpRx.bind(0, '127.0.0.1', () => r()))
  const udpGot: string[] = []
  udpRx.on('message', (m) => udpGot.push(m.toString('utf8')))
  let tcpData = Buffer.alloc(0)
  const socks: Socket[] = []
  const tcpRx = createServer((s) => {
    socks.push(s)
    s.on('data', (d) => {
      tcpData = Buffer.concat([tcpData, d])
    })
  })
  await new Promise<void>((r) => tcpRx.listen(0, '127.0.0.1', () => r()))
  const tcpAddr = tcpRx.address()
  const tcpPort = typeof tcpAddr === 'object' && tcpAddr ? tcpAddr.port : 0
  const [stPort, statsPort] = (await freePorts(['tcp', 'tcp'])) as [number, number]
  let child: ListenChild | undefined
  try {
    child = await startListen([
      '--syslog-tcp',
      `127.0.0.1:${stPort}`,
      '--alerts',
      alerts,
      '--forward',
      `udp://127.0.0.1:${udpRx.address().port}?format=cef`,
      '--forward',
      `tcp://127.0.0.1:${tcpPort}`,
      '--stats-port',
      String(statsPort),
      '--stats-interval',
      '3600',
    ])
    const c = child
    const first = Array.from({ length: 12 }, (_, i) => `ws${String(i).padStart(2, '0')}.corp.example`)
    const second = Array.from({ length: 9 }, (_, i) => `ws${String(i + 50).padStart(2, '0')}.corp.example`)
    sendNetsh(stPort, first)
    await waitFor('the first alerts', 20_000, async () => {
      const m = await fetchMetrics(statsPort)
      return metric(m, 'alerts_total', 'portproxy-change') === first.length
    })
    // logrotate: move the file, then SIGHUP.
    renameSync(alerts, `${alerts}.1`)
    c.proc.kill('SIGHUP')
    await waitFor('the SIGHUP to be handled', 10_000, () => c.stderr().includes('SIGHUP: output files reopened'))
    sendNetsh(stPort, second)
    const total = first.length + second.length
    await waitFor('every alert and flow', 20_000, async () => {
      const m = await fetchMetrics(statsPort)
      return (
        metric(m, 'alerts_total', 'portproxy-change') === total &&
        udpGot.length === total &&
        octetFrames(tcpData).length === total
      )
    })
    assert.equal(await c.stop('SIGTERM'), 0, c.stderr())

    // SIGHUP: earlier alerts in the moved file, later ones in the new file, each host once.
    const hostOf = (l: string) => (JSON.parse(l) as { host: string }).host
    assert.deepEqual(lines(`${alerts}.1`).map(hostOf).sort(), first)
    assert.deepEqual(lines(alerts).map(hostOf).sort(), second)

    // Forwarding: every alert once on each transport, in the requested format.
    const hostsIn = (msgs: string[], re: RegExp) => msgs.map((m) => re.exec(m)?.[1] ?? '?').sort()
    assert.ok(udpGot.every((m) => /^<\d+>1 \S+ \S+ ingress-sensor - portproxy-change - CEF:0\|/.test(m)))
    assert.deepEqual(hostsIn(udpGot, / dhost=(\S+)/), [...first, ...second].sort())
    const frames = octetFrames(tcpData)
    assert.ok(frames.every((m) => /^<\d+>1 \S+ \S+ ingress-sensor - portproxy-change \[ingress@32473 /.test(m)))
    assert.deepEqual(hostsIn(frames, / host="([^"]+)"/), [...first, ...second].sort())
  } finally {
    child?.kill()
    udpRx.close()
    for (const s of socks) s.destroy()
    await new Promise<void>((r) => tcpRx.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  }
})

test('--rotate-bytes: rotated alert and flow files hold complete lines, within the limit, all of them', {
  skip: have('logger') ? false : 'logger not installed',
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsr-'))
  const [stPort, statsPort] = (await freePorts(['tcp', 'tcp'])) as [number, number]
  let child: ListenChild | undefined
  try {
    child = await startListen([
      '--syslog-tcp',
      `127.0.0.1:${stPort}`,
      '--alerts',
      path.join(dir, 'alerts.jsonl'),
      '--flows',
      path.join(dir, 'flows.jsonl'),
      '--rotate-bytes',
      '4000',
      '--stats-port',
      String(statsPort),
      '--stats-interval',
      '3600',
    ])
    const c = child
    const hosts = Array.from({ length: 15 }, (_, i) => `ws${String(i).padStart(2, '0')}.corp.example`)
    sendNetsh(stPort, hosts)
    // Firewall flows: SRX session closes, one per line.
    const srx = Array.from(
      { length: 40 },
      (_, i) =>
        `RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.1.${i + 1}/5${String(i).padStart(4, '0')}->198.51.100.80/443 junos-https 10.1.1.${i + 1}/5${String(i).padStart(4, '0')}->198.51.100.80/443 None None 6 p1 trust untrust ${40000 + i} 5(300) 4(900) 3 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No`,
    )
    execFileSync(
      'logger',
      ['-n', '127.0.0.1', '-P', String(stPort), '-T', '--octet-count', '--rfc5424', '-t', 'RT_FLOW'],
      {
        input: `${srx.join('\n')}\n`,
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    )
    await waitFor('every alert and flow', 20_000, async () => {
      const m = await fetchMetrics(statsPort)
      return (
        metric(m, 'alerts_total', 'portproxy-change') === hosts.length &&
        metric(m, 'syslog_flows_total', 'junos-srx') === srx.length
      )
    })
    assert.equal(await c.stop('SIGTERM'), 0, c.stderr())
    const whole = (base: string, limit: number): Record<string, unknown>[] => {
      const files = readdirSync(dir).filter((n) => n.startsWith(base))
      assert.ok(files.length > 2, `${base} rotated: ${files.join(', ')}`)
      const rows: Record<string, unknown>[] = []
      for (const f of files) {
        const text = readFileSync(path.join(dir, f), 'utf8')
        assert.ok(text.endsWith('\n'), `${f} ends with a whole line`)
        const ls = lines(path.join(dir, f))
        assert.ok(Buffer.byteLength(text) <= limit || ls.length === 1, `${f} within --rotate-bytes`)
        for (const l of ls) rows.push(JSON.parse(l) as Record<string, unknown>)
      }
      return rows
    }
    assert.deepEqual(
      whole('flows.jsonl', 4000)
        .map((f) => f.orig_h)
        .sort(),
      srx.map((_, i) => `10.1.1.${i + 1}`).sort(),
    )
    assert.deepEqual(
      whole('alerts.jsonl', 4000)
        .map((a) => a.host)
        .sort(),
      hosts,
    )
  } finally {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
