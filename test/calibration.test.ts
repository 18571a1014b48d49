/**
 * Severity calibration end to end (docs/alerts.md "Severity semantics"): each capture runs through the same
 * pipeline as `ingress-sensor analyze FILE` (config defaults, a fresh in-memory baseline, the scorer enriching
 * every detection alert), and the alerts' severities are checked against the bands the documentation promises.
 * Benign traffic (a plain web page, a TLS session, DNS, software updates; MANIFEST ground truth "Benign") gives no
 * alert at medium or above (issue 3); positive captures land in their documented band, and one HTTP download
 * gives one download-tool alert (rule 1). Corpus expectations come from ../shared/corpus/MANIFEST.tsv.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { AlertEvent, Severity } from '../analytics/events.js'
import { Pipeline } from '../sensor/pipeline.js'
import { openRunState } from '../sensor/run-state.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')
const NO_CORPUS = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'
const RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 }

/** Alerts of one capture, as `ingress-sensor analyze FILE` raises them (no state directory, default config). */
async function analyze(file: string): Promise<AlertEvent[]> {
  const alerts: AlertEvent[] = []
  const state = openRunState({})
  const pipeline = new Pipeline(
    { ...state.settings, alertsPath: undefined, progress: false },
    { scoring: state.scorer, extraOutputs: { alert: (a) => alerts.push(a) } },
  )
  state.attach(pipeline)
  try {
    await pipeline.analyzeInput(file)
  } finally {
    pipeline.finish()
    state.close(pipeline)
  }
  return alerts
}

const repo = (p: string): string => path.join(ROOT, p)
const corpus = (p: string): string => path.join(CORPUS, p)
const show = (a: readonly AlertEvent[]): string =>
  a.map((x) => `${x.detection} ${x.severity} ${x.score}: ${x.message}`).join('\n')

/** The MANIFEST ground-truth column for a corpus path. */
function groundTruth(rel: string): string {
  const line = readFileSync(corpus('MANIFEST.tsv'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${rel}\t`))
  assert.ok(line, `${rel} is in MANIFEST.tsv`)
  return line.split('\t')[7] ?? ''
}

function ofDetection(alerts: readonly AlertEvent[], detection: string): AlertEvent[] {
  return alerts.filter((a) => a.detection === detection)
}

function assertBand(alerts: readonly AlertEvent[], min: Severity, max: Severity, what: string): void {
  assert.ok(alerts.length > 0, `${what}: an alert`)
  for (const a of alerts) {
    assert.ok(
      RANK[a.severity] >= RANK[min] && RANK[a.severity] <= RANK[max],
      `${what}: ${a.detection} ${a.severity} (${a.score}) not in ${min}..${max}\n${show(alerts)}`,
    )
  }
}

const BENIGN_REPO = [
  'pcaps/portmismatch/benign-web.pcap',
  'pcaps/http/wget-html.pcap',
  'pcaps/foundation/http-ether.pcap',
  ...readdirSync(repo('pcaps/tls'))
    .filter((f) => /\.pcapng?$/.test(f))
    .map((f) => `pcaps/tls/${f}`),
  ...readdirSync(repo('pcaps/dns'))
    .filter((f) => /\.pcapng?$/.test(f))
    .map((f) => `pcaps/dns/${f}`),
]

test('benign captures in the repository: no alert at medium or above', async () => {
  for (const f of BENIGN_REPO) {
    const alerts = await analyze(repo(f))
    const loud = alerts.filter((a) => RANK[a.severity] >= RANK.medium)
    assert.deepEqual(loud, [], `${f}\n${show(loud)}`)
  }
})

test('benign corpus captures (MANIFEST "Benign"): no alert at medium or above', { skip: NO_CORPUS }, async () => {
  const files = readdirSync(corpus('pcap/benign')).map((f) => `pcap/benign/${f}`)
  assert.ok(files.length >= 4)
  for (const f of files) {
    assert.match(groundTruth(f), /Benign/, f)
    const alerts = await analyze(corpus(f))
    const loud = alerts.filter((a) => RANK[a.severity] >= RANK.medium)
    assert.deepEqual(loud, [], `${f}\n${show(loud)}`)
  }
})

test('a plain web page fetched by curl/wget is one download-tool alert, never above low', async () => {
  for (const f of ['pcaps/http/wget-html.pcap', 'pcaps/portmismatch/benign-web.pcap']) {
    const dt = ofDetection(await analyze(repo(f)), 'download-tool')
    assert.equal(dt.length, 1, `${f}\n${show(dt)}`)
    // Judged on the file (the response had a body): the FileEvent's alert, with the fetched type.
    assert.match(dt[0]?.identifier ?? '', /^download-tool\|file\|/)
    assertBand(dt, 'info', 'low', f)
  }
})

test('HTTP executable downloads: curl ELF high (not critical), a LOLBin agent fetching a PE critical', async () => {
  const elf = await analyze(repo('pcaps/http/curl-elf.pcap'))
  // One download-tool alert for the one transfer (rule 1), both detections high, nothing critical.
  assert.equal(ofDetection(elf, 'download-tool').length, 1, show(elf))
  assertBand(ofDetection(elf, 'executable-download'), 'high', 'high', 'curl-elf executable-download')
  assertBand(elf, 'info', 'high', 'curl-elf')
  const certutil = await analyze(repo('pcaps/http/ua-certutil-pe.pcap'))
  assert.equal(ofDetection(certutil, 'download-tool').length, 1, show(certutil))
  assertBand(ofDetection(certutil, 'download-tool'), 'critical', 'critical', 'ua-certutil-pe download-tool')
})

test('corpus: a PE served as image/png is critical', { skip: NO_CORPUS }, async () => {
  const rel = 'pcap/http/ndpi_http_exe_disguised_as_png.pcap'
  assert.match(groundTruth(rel), /\.png/)
  const a = ofDetection(await analyze(corpus(rel)), 'executable-download')
  assertBand(a, 'critical', 'critical', rel)
  assert.equal(a[0]?.file?.type, 'pe')
})

test('finger: a text profile from outside is medium at most, a script reply high or critical', {
  skip: NO_CORPUS,
}, async () => {
  const rel = 'pcap/finger/zeek_finger_standard.pcap'
  assert.match(groundTruth(rel), /not a confirmed tool transfer/)
  assertBand(ofDetection(await analyze(corpus(rel)), 'finger'), 'low', 'medium', rel)
  const script = ofDetection(await analyze(repo('pcaps/finger/finger-clickfix-script.pcap')), 'finger')
  assertBand(script, 'high', 'critical', 'finger-clickfix-script')
})

test('TFTP: a text file from outside is medium at most, an ELF high or above', async () => {
  const text = ofDetection(await analyze(repo('pcaps/tftp/tftp-rrq-text.pcap')), 'tftp-transfer')
  assertBand(text, 'low', 'medium', 'tftp-rrq-text')
  const elf = ofDetection(await analyze(repo('pcaps/tftp/tftp-rrq-elf.pcap')), 'tftp-transfer')
  assertBand(elf, 'high', 'critical', 'tftp-rrq-elf')
  const missing = ofDetection(await analyze(repo('pcaps/tftp/tftp-rrq-missing.pcap')), 'tftp-transfer')
  assertBand(missing, 'info', 'low', 'tftp-rrq-missing (TFTP error)')
})

test('corpus: FTP RETR of a text README is low or medium', { skip: NO_CORPUS }, async () => {
  const rel = 'pcap/ftp/zeek_ftp_retr_text_readme.pcap'
  assert.match(groundTruth(rel), /not an executable/)
  assertBand(ofDetection(await analyze(corpus(rel)), 'ftp-transfer'), 'low', 'medium', rel)
})

test('corpus: SMB copies of mimikatz and a PsExec service are T1570, high or above', { skip: NO_CORPUS }, async () => {
  for (const rel of [
    'pcap/smb/suricata_smb2_copy_mimikatz_exe.pcap',
    'pcap/smb/suricata_smb2_psexec_service_drop.pcap',
  ]) {
    assert.match(groundTruth(rel), /T1570|lateral/i)
    const a = ofDetection(await analyze(corpus(rel)), 'lateral-transfer')
    assertBand(a, 'high', 'critical', rel)
    assert.ok(
      a.every((x) => x.technique === 'T1570'),
      rel,
    )
  }
})

test('corpus: netsh portproxy to 3389 is high or above, a reset is info', { skip: NO_CORPUS }, async () => {
  const rel = 'syslog/windows/mdec_security4688_netsh_portproxy.rfc5424.log'
  const a = ofDetection(await analyze(corpus(rel)), 'portproxy-change')
  const rdp = a.filter((x) => x.details?.connect_port === '3389')
  assertBand(rdp, 'high', 'critical', `${rel} 3389`)
  assertBand(
    a.filter((x) => x.details?.verb === 'reset'),
    'info',
    'info',
    `${rel} reset`,
  )
  const rel2 = 'syslog/windows/evtxattack_sysmon_netsh_portproxy_rdp.rfc5424.log'
  assertBand(ofDetection(await analyze(corpus(rel2)), 'portproxy-change'), 'high', 'critical', rel2)
})

test('corpus: a certutil -urlcache command line is high or above', { skip: NO_CORPUS }, async () => {
  const rel = 'syslog/windows/mdec_security4688_certutil_urlcache.rfc5424.log'
  const a = ofDetection(await analyze(corpus(rel)), 'download-tool')
  assertBand(a, 'high', 'critical', rel)
  assert.equal(a[0]?.details?.tool, 'certutil')
})

test('corpus: confirmed protocol/port mismatches are medium, SSH or plain HTTP on 443 high', {
  skip: NO_CORPUS,
}, async () => {
  for (const rel of [
    'pcap/portmismatch/zeek_http_on_port_22.pcap',
    'pcap/portmismatch/zeek_http_on_port_5432.pcap',
    'pcap/portmismatch/ndpi_http_on_port_31337.pcap',
    'pcap/portmismatch/tcpdump_dns_udp_port_8053.pcap',
  ]) {
    assertBand(ofDetection(await analyze(corpus(rel)), 'protocol-port-mismatch'), 'medium', 'medium', rel)
  }
  for (const rel of [
    'pcap/portmismatch/suricata_plain_http_on_443_nuget.pcap',
    'pcap/portmismatch/zeek_sslh_ssh_and_tls_on_443.pcap',
  ]) {
    assertBand(ofDetection(await analyze(corpus(rel)), 'protocol-port-mismatch'), 'high', 'high', rel)
  }
  const tls80 = 'pcap/portmismatch/zeek_tls_clienthello_to_port_80.pcap'
  assertBand(ofDetection(await analyze(corpus(tls80)), 'protocol-port-mismatch'), 'info', 'low', `${tls80} unconfirmed`)
})

test('corpus: raw executables on a port without an application protocol are high, raw scripts medium', {
  skip: NO_CORPUS,
}, async () => {
  const elf = 'pcap/raw/ndpi_elf_over_tcp_udp_33333.pcap'
  assert.match(groundTruth(elf), /raw ELF executable transfer/)
  const e = ofDetection(await analyze(corpus(elf)), 'protocol-port-mismatch')
  assert.deepEqual(e.map((x) => x.proto).sort(), ['tcp', 'udp'])
  assertBand(e, 'high', 'high', elf)
  const sh = 'pcap/raw/ndpi_shell_script_over_tcp_udp_33333.pcap'
  assert.match(groundTruth(sh), /script \(shebang\) transfers/)
  assertBand(ofDetection(await analyze(corpus(sh)), 'protocol-port-mismatch'), 'medium', 'medium', sh)
})

test('cloud file services are context: info, never lifted above low', async () => {
  const a = ofDetection(await analyze(repo('pcaps/detections/cloud-file-service/positive.pcap')), 'cloud-file-service')
  assertBand(a, 'info', 'info', 'cloud-file-service positive')
})

test('every enriched alert explains its score: score_factors and reasons, severity from the score', async () => {
  const a = await analyze(repo('pcaps/sample/ingress-sample.pcapng'))
  assert.ok(a.length >= 5)
  const bands: [Severity, number][] = [
    ['critical', 85],
    ['high', 65],
    ['medium', 40],
    ['low', 20],
    ['info', 0],
  ]
  for (const x of a) {
    assert.ok((x.score_factors?.length ?? 0) > 0, `${x.detection} has score_factors`)
    // The rows explain the score: they sum to it (each row is rounded to 0.1).
    const sum = (x.score_factors ?? []).reduce((t, f) => t + f.points, 0)
    assert.ok(Math.abs(sum - x.score) <= 1, `${x.detection}: rows sum to ${sum}, score ${x.score}`)
    assert.ok(x.reasons.length > 0)
    assert.equal(x.severity, bands.find(([, lo]) => x.score >= lo)?.[0], `${x.detection} ${x.score}`)
    assert.ok(x.triage !== undefined && x.triage.length > 0, `${x.detection} has triage`)
  }
})
