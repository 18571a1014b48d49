/**
 * `ingress-sensor listen` end to end, as a user runs it: one child process with NetFlow/IPFIX, syslog UDP and
 * TCP collectors, a pcap on stdin and the Prometheus endpoint, fed at once by a real exporter (softflowd
 * reading pcaps/netflow/source-mixed.pcap; the committed IPFIX export is replayed when softflowd is not
 * installed), util-linux `logger` (a Security 4688 netsh portproxy event from the corpus, or a Sysmon 1
 * key=value line, and a Juniper SRX session close to TCP/79) and pcaps/sample/ingress-sample.pcapng.
 * When /metrics shows everything counted, SIGTERM; then: exit 0, every TCP conversation tshark sees in the
 * capture, every biflow softflowd exported (bytes and packets per direction from its own -D output) and the
 * firewall flow are in the flows file, the expected alerts are in the alerts file, and the baseline saved
 * in --state lists the external destination.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { haveCommand } from './helpers/have-command.js'
import {
  CLI,
  fetchMetrics,
  freePorts,
  type ListenChild,
  metric,
  ROOT,
  startListen,
  waitFor,
} from './helpers/listen-child.js'
import { readUdpDatagrams } from './helpers/netflow-datagrams.js'
import { parsePrometheusText } from './helpers/prometheus-text.js'

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')
const PCAP = path.join(ROOT, 'pcaps/sample/ingress-sample.pcapng')
const NF_SOURCE = path.join(ROOT, 'pcaps/netflow/source-mixed.pcap')
const PORTPROXY_LOG = path.join(CORPUS, 'syslog/windows/mdec_security4688_netsh_portproxy.rfc5424.log')

const have = haveCommand

interface Biflow {
  readonly key: string
  readonly origBytes: number
  readonly origPkts: number
  readonly respBytes: number
  readonly respPkts: number
}

/** softflowd -D `EXPIRED:` lines: its bidirectional flows with octets/packets per direction. */
function softflowdBiflows(text: string): Biflow[] {
  const re =
    /EXPIRED: seq:\d+ \[([^\]]+)\]:(\d+) <> \[([^\]]+)\]:(\d+) proto:(\d+) octets>:(\d+) packets>:(\d+) octets<:(\d+) packets<:(\d+)/g
  return [...text.matchAll(re)].map((x) => ({
    key: `${x[1]}:${x[2]}>${x[3]}:${x[4]}/${x[5] === '6' ? 'tcp' : x[5] === '17' ? 'udp' : x[5]}`,
    origBytes: Number(x[6]),
    origPkts: Number(x[7]),
    respBytes: Number(x[8]),
    respPkts: Number(x[9]),
  }))
}

/** Runs softflowd on the source capture towards `port`; its -D output is the ground truth. */
async function softflowdLive(port: number, dir: string): Promise<{ biflows: Biflow[]; records: number }> {
  // softflowd 1.1.0 stalls silently when the -c/-p paths are longer than a few characters: run it in `dir`.
  const sf = spawn(
    'softflowd',
    ['-r', NF_SOURCE, '-n', `127.0.0.1:${port}`, '-v', '10', '-D', '-c', 'sf.ctl', '-p', 'sf.pid'],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  sf.stdout.on('data', (d) => {
    out += d
  })
  sf.stderr.on('data', (d) => {
    out += d
  })
  const exited = new Promise<void>((r) => sf.once('exit', () => r()))
  // softflowd exits by itself at the end of the file here; some builds wait for a signal after pcap EOF.
  await waitFor('softflowd to export', 15_000, () => /sent \d+ netflow packets/.test(out) || sf.exitCode !== null)
  if (sf.exitCode === null) sf.kill('SIGTERM')
  await exited
  const m = /Flows exported: \d+ \((\d+) records\)/.exec(out)
  return { biflows: softflowdBiflows(out), records: Number(m?.[1] ?? Number.NaN) }
}

/** The committed IPFIX export of the same capture, replayed; its -D output committed beside it. */
async function softflowdReplay(port: number): Promise<{ biflows: Biflow[]; records: number }> {
  const s = dgram.createSocket('udp4')
  for (const d of readUdpDatagrams(path.join(ROOT, 'pcaps/netflow/softflowd-v10.pcap'))) {
    await new Promise<void>((res, rej) => s.send(d.payload, port, '127.0.0.1', (e) => (e ? rej(e) : res())))
  }
  s.close()
  const text = readFileSync(path.join(ROOT, 'pcaps/netflow/softflowd-v10.txt'), 'utf8')
  const m = /Flows exported: \d+ \((\d+) records\)/.exec(text)
  return { biflows: softflowdBiflows(text), records: Number(m?.[1] ?? Number.NaN) }
}

interface Conv {
  readonly a: string
  readonly b: string
  readonly frames: number
}

/** `tshark -q -z conv,tcp`: endpoints and total frames of each TCP conversation. */
function tsharkTcpConversations(file: string): Conv[] {
  const out = execFileSync('tshark', ['-r', file, '-q', '-z', 'conv,tcp'], { encoding: 'utf8' })
  const convs: Conv[] = []
  for (const line of out.split('\n')) {
    const m = /^(\S+:\d+)\s+<->\s+(\S+:\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s/.exec(line)
    if (m) convs.push({ a: m[1] as string, b: m[2] as string, frames: Number(m[5]) })
  }
  return convs
}

function logger(args: string[]): void {
  execFileSync('logger', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

const readJsonl = (file: string): Record<string, unknown>[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : []

/** Reads Prometheus text on stdin with prometheus_client's parser; prints {name|key: value}. */
const PY_PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        k = s.name + ('|' + s.labels['key'] if 'key' in s.labels else '')
        if k in out: raise SystemExit('duplicate sample ' + k)
        out[k] = s.value
print(json.dumps(out))
`

function pythonPrometheus(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const SRX_FINGER =
  'RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.1.5/51515->198.51.100.79/79 junos-finger 10.1.1.5/51515->198.51.100.79/79 None None 6 p1 trust untrust 40001 5(300) 4(900) 3 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No'
const SYSMON_NETSH =
  'EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws09.corp.example User=CORP\\dave Image=C:\\Windows\\System32\\netsh.exe CommandLine="netsh interface portproxy add v4tov4 listenport=445 connectaddress=10.1.2.3 connectport=445"'

test('listen: NetFlow + syslog UDP/TCP + pcap on stdin at once, SIGTERM, everything flushed and saved', {
  skip: have('logger') && have('tshark') ? false : 'logger or tshark not installed',
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsn-'))
  const state = path.join(dir, 'state')
  const alerts = path.join(dir, 'alerts.jsonl')
  const flows = path.join(dir, 'flows.jsonl')
  const [nfPort, suPort, stPort, statsPort] = (await freePorts(['udp', 'udp', 'tcp', 'tcp'])) as [
    number,
    number,
    number,
    number,
  ]
  let child: ListenChild | undefined
  try {
    child = await startListen(
      [
        '--netflow',
        `127.0.0.1:${nfPort}`,
        '--syslog-udp',
        `127.0.0.1:${suPort}`,
        '--syslog-tcp',
        `127.0.0.1:${stPort}`,
        '--pcap',
        '-',
        '--alerts',
        alerts,
        '--flows',
        flows,
        '--state',
        state,
        '--stats-port',
        String(statsPort),
        '--stats-interval',
        '3600',
      ],
      { stdin: 'pipe' },
    )
    const c = child
    // (c) the capture on stdin, written while the other feeds run.
    const stdinDone = new Promise<void>((resolve, reject) => {
      c.proc.stdin?.once('error', reject)
      c.proc.stdin?.end(readFileSync(PCAP), () => resolve())
    })
    // (a) flow exports.
    const exported = have('softflowd') ? softflowdLive(nfPort, dir) : softflowdReplay(nfPort)
    // (b) syslog: the portproxy command line over UDP (Sysmon 1) and over TCP (Security 4688 from the corpus
    // when present), and the SRX session close to TCP/79 over TCP.
    logger(['-n', '127.0.0.1', '-P', String(suPort), '-d', '--rfc5424', '-t', 'sysmon', '--', SYSMON_NETSH])
    let syslogSent = 1
    let hosts = ['ws09.corp.example']
    if (existsSync(PORTPROXY_LOG)) {
      const line = readFileSync(PORTPROXY_LOG, 'utf8')
        .split('\n')
        .find((l) => l.includes('portproxy add'))
      assert.ok(line, 'the corpus file has a portproxy add event')
      // logger writes its own RFC 5424 header; the message is the event XML after the original header.
      const msg = line.replace(/^<\d+>1 (?:\S+ ){6}/, '')
      const computer = /<Computer>([^<]+)<\/Computer>/.exec(msg)?.[1] ?? ''
      logger([
        '-n',
        '127.0.0.1',
        '-P',
        String(stPort),
        '-T',
        '--octet-count',
        '--rfc5424',
        '--size',
        '65536',
        '-t',
        'Microsoft-Windows-Security-Auditing',
        '--',
        msg,
      ])
      syslogSent++
      hosts = [...hosts, computer]
    }
    logger(['-n', '127.0.0.1', '-P', String(stPort), '-T', '--rfc5424', '-t', 'RT_FLOW', '--', SRX_FINGER])
    syslogSent++

    const truth = await exported
    await stdinDone
    const pcapPackets = Number(
      execFileSync('capinfos', ['-M', '-c', '-T', '-r', PCAP], { encoding: 'utf8' }).trim().split('\t')[1],
    )
    assert.ok(pcapPackets > 0)
    assert.equal(truth.biflows.length, 4)

    // Everything counted by the live process before it is stopped.
    await waitFor('the counters on /metrics', 30_000, async () => {
      const m = await fetchMetrics(statsPort)
      return (
        metric(m, 'netflow_records_total') === truth.records &&
        metric(m, 'syslog_messages_total') === syslogSent &&
        metric(m, 'packets_total') === pcapPackets &&
        c.stderr().includes('pcap stream on stdin ended') &&
        metric(m, 'queue_depth') === 0
      )
    })
    const before = await fetchMetrics(statsPort)
    // The live exposition is valid Prometheus text (one TYPE per family, valid names and labels).
    const liveText = await (await fetch(`http://127.0.0.1:${statsPort}/metrics`)).text()
    const live = parsePrometheusText(liveText)
    // And by the Prometheus project's own parser (Debian python3-prometheus-client), when installed.
    if (pythonPrometheus()) {
      const theirs = JSON.parse(
        execFileSync('/usr/bin/python3', ['-c', PY_PARSE], { input: liveText, encoding: 'utf8' }),
      ) as Record<string, number>
      assert.equal(Object.keys(theirs).length, live.samples.length)
      for (const smp of live.samples) {
        const k = smp.labels.key === undefined ? smp.name : `${smp.name}|${smp.labels.key}`
        assert.equal(theirs[k], smp.value, k)
      }
    }
    assert.equal(live.types.get('ingress_sensor_netflow_records_total'), 'counter')
    assert.equal(live.types.get('ingress_sensor_flows_in_table'), 'gauge')
    assert.equal(metric(before, 'queue_dropped_total', 'collectors'), 0)

    const code = await c.stop('SIGTERM')
    assert.equal(code, 0, c.stderr())
    assert.match(c.stderr(), /SIGTERM received/)

    const flowRows = readJsonl(flows)
    const key = (f: Record<string, unknown>) => `${f.orig_h}:${f.orig_p}>${f.resp_h}:${f.resp_p}/${f.proto}`
    const byKey = new Map<string, Record<string, unknown>[]>()
    for (const f of flowRows) byKey.set(key(f), [...(byKey.get(key(f)) ?? []), f])

    // Every TCP conversation tshark sees in the capture is one pcap flow record with the same frame count.
    const convs = tsharkTcpConversations(PCAP)
    assert.ok(convs.length >= 4)
    for (const conv of convs) {
      const rows = [...(byKey.get(`${conv.a}>${conv.b}/tcp`) ?? []), ...(byKey.get(`${conv.b}>${conv.a}/tcp`) ?? [])]
      const pcapRows = rows.filter((f) => f.source_kind === 'pcap')
      assert.equal(pcapRows.length, 1, `one pcap flow for ${conv.a} <-> ${conv.b}`)
      const f = pcapRows[0] as Record<string, number>
      assert.equal(Number(f.orig_pkts) + Number(f.resp_pkts), conv.frames, `frames of ${conv.a} <-> ${conv.b}`)
    }

    // Every biflow the exporter reported, merged from its unidirectional records, same originator.
    for (const b of truth.biflows) {
      const rows = (byKey.get(b.key) ?? []).filter((f) => f.source_kind === 'netflow')
      assert.equal(rows.length, 1, `one NetFlow biflow ${b.key}`)
      const f = rows[0] as Record<string, number>
      assert.deepEqual(
        [f.orig_ip_bytes, f.orig_pkts, f.resp_ip_bytes, f.resp_pkts],
        [b.origBytes, b.origPkts, b.respBytes, b.respPkts],
        b.key,
      )
    }

    // The firewall's flow, with the SRX's directional counts.
    const fw = (byKey.get('10.1.1.5:51515>198.51.100.79:79/tcp') ?? []).filter((f) => f.source_kind === 'syslog')
    assert.equal(fw.length, 1)
    assert.deepEqual([fw[0]?.orig_pkts, fw[0]?.orig_bytes, fw[0]?.resp_pkts, fw[0]?.resp_bytes], [5, 300, 4, 900])

    // Alerts: the downloads in the capture, the portproxy changes, finger on the firewall flow.
    const alertRows = readJsonl(alerts)
    const has = (det: string, pred: (a: Record<string, unknown>) => boolean) =>
      alertRows.some((a) => a.detection === det && pred(a))
    assert.ok(has('executable-download', (a) => a.orig_h === '10.66.0.2' && a.resp_h === '198.51.100.80'))
    assert.ok(has('download-tool', (a) => a.orig_h === '10.66.0.2' && a.resp_h === '198.51.100.80'))
    assert.ok(has('lateral-transfer', (a) => a.orig_h === '10.66.1.9' && a.resp_h === '10.66.1.2'))
    for (const h of hosts)
      assert.ok(
        has('portproxy-change', (a) => a.host === h),
        `portproxy-change on ${h}`,
      )
    assert.ok(has('finger', (a) => a.resp_h === '198.51.100.79' && a.resp_p === 79))
    assert.ok(
      alertRows.length >= metric(before, 'engine_events_total', 'alert'),
      'every alert the engine raised before the stop is in the file',
    )

    // The baseline was saved: the external destination of the capture's internal client.
    const shown = execFileSync(
      process.execPath,
      ['--import', 'tsx', CLI, 'baseline', 'show', '--state', state, '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    )
    const rows = shown
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { host: string; dest: string })
    assert.ok(
      rows.some((r) => r.host === '10.66.0.2' && r.dest === '198.51.100.80'),
      `baseline lists 10.66.0.2 -> 198.51.100.80: ${shown}`,
    )
  } finally {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
