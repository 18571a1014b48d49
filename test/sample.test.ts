/**
 * The README's sample capture end to end: `ingress-sensor analyze pcaps/sample/ingress-sample.pcapng` runs as
 * a child process (the real CLI through tsx) and its alerts and flow records are checked against what the
 * capture holds, as tshark reads it: the certutil-user-agent PE download, the TFTP download of an ELF and the
 * internal-to-internal copy of the PE must each raise their detection on the right connection; the benign
 * traffic (DNS, a browser's page fetch, a TLS session, IPv6 neighbour chatter) must raise nothing at medium or
 * above; and every TCP/UDP flow record's per-direction packet counts must equal `tshark -z conv,tcp/conv,udp`.
 * The served files' SHA-256 were taken with sha256sum when the capture was recorded (pcaps/sample/record.sh).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { tsharkFields } from './helpers/wireshark-tools.js'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '..')
const SAMPLE = path.join(ROOT, 'pcaps/sample/ingress-sample.pcapng')
const SHA = new Map(
  readFileSync(path.join(ROOT, 'pcaps/sample/served.sha256'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [h = '', n = ''] = l.split(/\s+/)
      return [n, h] as const
    }),
)

type Row = Record<string, unknown>
interface Alert extends Row {
  detection: string
  severity: string
  technique: string
  uid?: string
  orig_h?: string
  resp_h?: string
  file?: { name?: string; type?: string; sha256?: string; direction?: string }
  details?: Record<string, unknown>
}
interface Flow extends Row {
  uid: string
  proto: string
  orig_h: string
  orig_p: number
  resp_h: string
  resp_p: number
  orig_pkts: number
  resp_pkts: number
  server_name?: string
}

interface HttpRequest {
  ip: string
  port: number
  uri: string
  ua: string
}
let requests: Promise<HttpRequest[]> | undefined

let dir = ''
let exitCode = -1
let alerts: Alert[] = []
let flows: Flow[] = []

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** Peer-tool runs, started together with the CLI (tshark start-up dominates the test's time). */
let tshark: {
  http: Promise<HttpRequest[]>
  rrq: Promise<string[][]>
  dnsQueries: Promise<string[][]>
  conv: Promise<{ stdout: string }>
}

before(async () => {
  tshark = {
    http: httpRequests(),
    rrq: tsharkFields(SAMPLE, ['ip.src', 'udp.srcport', 'tftp.source_file'], ['-n', '-Y', 'tftp.opcode == 1']),
    dnsQueries: tsharkFields(SAMPLE, ['udp.srcport'], ['-n', '-Y', 'dns.flags.response == 0']),
    conv: run('tshark', ['-n', '-r', SAMPLE, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
      encoding: 'utf8',
      timeout: 60_000,
    }),
  }
  dir = mkdtempSync(path.join(tmpdir(), 'sample-test-'))
  const flowsPath = path.join(dir, 'flows.jsonl')
  try {
    const r = await run(
      process.execPath,
      ['--import', 'tsx', 'sensor/cli.ts', 'analyze', SAMPLE, '--flows', flowsPath, '--no-progress'],
      { cwd: ROOT, timeout: 60_000, maxBuffer: 16 << 20, encoding: 'utf8' },
    )
    exitCode = 0
    alerts = jsonLines<Alert>(r.stdout)
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    exitCode = typeof err.code === 'number' ? err.code : -1
    alerts = jsonLines<Alert>(err.stdout ?? '')
    process.stderr.write(err.stderr ?? '')
  }
  flows = jsonLines<Flow>(readFileSync(flowsPath, 'utf8'))
})

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The flow record of the TCP connection whose client used this source address and port. */
function tcpFlow(clientIp: string, clientPort: number): Flow {
  const f = flows.find((x) => x.proto === 'tcp' && x.orig_h === clientIp && x.orig_p === clientPort)
  assert.ok(f, `no flow record for tcp ${clientIp}:${clientPort}`)
  return f
}

/** HTTP requests as tshark sees them: client address and port, URI, User-Agent (one tshark run). */
function httpRequests(): Promise<HttpRequest[]> {
  requests ??= readHttpRequests()
  return requests
}

async function readHttpRequests(): Promise<HttpRequest[]> {
  const rows = await tsharkFields(
    SAMPLE,
    ['ip.src', 'tcp.srcport', 'http.request.uri', 'http.user_agent'],
    ['-n', '-Y', 'http.request'],
  )
  return rows.map(([ip = '', port = '', uri = '', ua = '']) => ({ ip, port: Number(port), uri, ua }))
}

const MEDIUM_OR_ABOVE = new Set(['medium', 'high', 'critical'])

test('sample: exit code 0, alerts on stdout, flow records written', () => {
  assert.equal(exitCode, 0)
  assert.ok(alerts.length > 0, 'no alerts')
  assert.ok(flows.length > 0, 'no flow records')
})

test('sample: the certutil-user-agent PE download raises download-tool and executable-download (T1105)', async () => {
  const req = (await httpRequests()).filter((r) => r.ua.startsWith('Microsoft-CryptoAPI/'))
  assert.equal(req.length, 1, 'tshark sees one request with certutil’s user agent')
  const [r] = req
  assert.ok(r)
  const uid = tcpFlow(r.ip, r.port).uid
  const mine = alerts.filter((a) => a.uid === uid)
  const tool = mine.filter((a) => a.detection === 'download-tool')
  assert.ok(tool.length > 0, 'no download-tool alert on the certutil flow')
  assert.ok(tool.every((a) => a.technique === 'T1105' && MEDIUM_OR_ABOVE.has(a.severity)))
  assert.ok(
    tool.some((a) => /certutil/i.test(String(a.message))),
    'download-tool names certutil',
  )
  const exe = mine.find((a) => a.detection === 'executable-download')
  assert.ok(exe, 'no executable-download alert on the certutil flow')
  assert.equal(exe.technique, 'T1105')
  assert.equal(exe.file?.type, 'pe')
  assert.equal(exe.file?.sha256, SHA.get('t32.exe'))
})

test('sample: the TFTP download of an ELF raises tftp-transfer (T1105)', async () => {
  const rrq = await tshark.rrq
  assert.equal(rrq.length, 1, 'tshark sees one TFTP read request')
  const [[client = '', port = '', file = ''] = []] = rrq
  assert.equal(file, 'true.elf')
  const t = alerts.filter((a) => a.detection === 'tftp-transfer')
  assert.equal(t.length, 1)
  const [a] = t
  assert.ok(a)
  assert.equal(a.technique, 'T1105')
  assert.ok(MEDIUM_OR_ABOVE.has(a.severity))
  assert.equal(a.file?.name, 'true.elf')
  assert.equal(a.file?.type, 'elf')
  assert.equal(a.file?.sha256, SHA.get('true.elf'))
  // The alert is on the transfer's flow: the client's RRQ port talking to the external server.
  const f = flows.find((x) => x.uid === a.uid)
  assert.ok(f, 'the tftp-transfer alert names a flow record')
  const ends = [`${f.orig_h}:${f.orig_p}`, `${f.resp_h}:${f.resp_p}`]
  assert.ok(ends.includes(`${client}:${port}`), `flow ${ends.join(' ')} is not the client's ${client}:${port}`)
})

test('sample: the internal copy of the PE to 10.66.1.9 raises lateral-transfer (T1570)', async () => {
  const req = (await httpRequests()).filter((r) => r.ip === '10.66.1.9')
  assert.equal(req.length, 1, 'tshark sees one request from 10.66.1.9')
  const [r] = req
  assert.ok(r)
  const uid = tcpFlow(r.ip, r.port).uid
  const lat = alerts.filter((a) => a.detection === 'lateral-transfer')
  assert.equal(lat.length, 1)
  const [a] = lat
  assert.ok(a)
  assert.equal(a.uid, uid)
  assert.equal(a.technique, 'T1570')
  assert.ok(MEDIUM_OR_ABOVE.has(a.severity))
  assert.equal(a.file?.sha256, SHA.get('t32.exe'))
  assert.equal(a.details?.sender, '10.66.1.2')
  assert.equal(a.details?.receiver, '10.66.1.9')
  // The same file came in from outside earlier in the capture.
  assert.equal(a.details?.seen_inbound_from, '198.51.100.80')
})

test('sample: no alert at medium or above on the benign flows (DNS, page fetch, TLS, IPv6 chatter)', async () => {
  const reqs = await httpRequests()
  const page = reqs.find((r) => r.uri === '/index.html')
  assert.ok(page, 'tshark sees the page fetch')
  const pageUid = tcpFlow(page.ip, page.port).uid
  const dnsPorts = new Set((await tshark.dnsQueries).map(([p = '']) => Number(p)))
  assert.ok(dnsPorts.size >= 2, 'tshark sees the DNS queries')
  const dnsUids = flows.filter((f) => f.proto === 'udp' && f.resp_p === 53 && dnsPorts.has(f.orig_p)).map((f) => f.uid)
  assert.equal(dnsUids.length, dnsPorts.size, 'one flow record per DNS query port')
  const tlsUids = flows.filter((f) => f.proto === 'tcp' && f.resp_p === 443).map((f) => f.uid)
  assert.equal(tlsUids.length, 1)
  const icmpUids = flows.filter((f) => f.proto === 'icmp').map((f) => f.uid)
  const benign = new Set([pageUid, ...dnsUids, ...tlsUids, ...icmpUids])
  const loud = alerts.filter((a) => MEDIUM_OR_ABOVE.has(a.severity))
  for (const a of loud) {
    assert.ok(a.uid !== undefined && !benign.has(a.uid), `benign flow alerted: ${a.detection} ${a.uid} ${a.message}`)
    // Nothing on the link-local IPv6 hosts, and nothing on the DNS/TLS server ports.
    for (const h of [a.orig_h, a.resp_h]) assert.ok(!h?.startsWith('fe80:'), `alert on ${h}`)
  }
})

/** Frames each way per conversation, keyed `proto lowerEndpoint higherEndpoint`; `ab` = lower → higher. */
function addConv(m: Map<string, { ab: number; ba: number }>, proto: string, from: string, to: string, n: number) {
  const fromIsA = from <= to
  const key = `${proto} ${fromIsA ? from : to} ${fromIsA ? to : from}`
  const c = m.get(key) ?? { ab: 0, ba: 0 }
  if (fromIsA) c.ab += n
  else c.ba += n
  m.set(key, c)
}

test('sample: per-direction packet counts of the flow records equal tshark conv,tcp / conv,udp', async () => {
  const { stdout } = await tshark.conv
  const theirs = new Map<string, { ab: number; ba: number }>()
  let proto = ''
  for (const line of stdout.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp'
    else if (line.startsWith('UDP Conversations')) proto = 'udp'
    const t = line.trim().split(/\s+/)
    if (t[1] !== '<->' || t.length < 8) continue
    // `A <-> B  framesB→A bytes unit  framesA→B bytes unit ...`
    const [a = '', , b = '', ba = '', , , ab = ''] = t
    addConv(theirs, proto, b, a, Number(ba.replace(/,/g, '')))
    addConv(theirs, proto, a, b, Number(ab.replace(/,/g, '')))
  }
  const ours = new Map<string, { ab: number; ba: number }>()
  for (const f of flows) {
    if (f.proto !== 'tcp' && f.proto !== 'udp') continue
    addConv(ours, f.proto, `${f.orig_h}:${f.orig_p}`, `${f.resp_h}:${f.resp_p}`, f.orig_pkts)
    addConv(ours, f.proto, `${f.resp_h}:${f.resp_p}`, `${f.orig_h}:${f.orig_p}`, f.resp_pkts)
  }
  assert.ok(theirs.size >= 8, `tshark found ${theirs.size} conversations`)
  assert.deepEqual(
    [...ours.entries()].sort(([x], [y]) => x.localeCompare(y)),
    [...theirs.entries()].sort(([x], [y]) => x.localeCompare(y)),
  )
})
