/**
 * The `analyze` command as a user runs it: exit codes, errors naming the file and offset after everything
 * before the fault was processed, stdin, config errors, and output files that hold one run.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'

const ROOT = path.resolve(import.meta.dirname, '..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const CLI = path.join(ROOT, 'sensor/cli.ts')
const CURL_ELF = path.join(ROOT, 'pcaps/http/curl-elf.pcap')

function analyze(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'analyze', '--no-progress', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

const tmp = mkdtempSync(path.join(tmpdir(), 'cli-analyze-'))

test('a whole capture: exit 0, flows and alerts written; a second run replaces the files', () => {
  const flows = path.join(tmp, 'whole.flows.jsonl')
  const alerts = path.join(tmp, 'whole.alerts.jsonl')
  const first = analyze([CURL_ELF, '--flows', flows, '--alerts', alerts])
  assert.equal(first.code, 0, first.stderr)
  const f1 = lines(flows)
  const a1 = lines(alerts)
  assert.ok(f1.length > 0)
  assert.ok(a1.some((a) => a.detection === 'executable-download'))
  const second = analyze([CURL_ELF, '--flows', flows, '--alerts', alerts])
  assert.equal(second.code, 0, second.stderr)
  assert.equal(lines(flows).length, f1.length)
  assert.equal(lines(alerts).length, a1.length)
  assert.match(first.stderr, /packets: \d+/)
})

test('stdin gives the same flow records as the file', () => {
  const fromFile = path.join(tmp, 'file.flows.jsonl')
  const fromStdin = path.join(tmp, 'stdin.flows.jsonl')
  assert.equal(analyze([CURL_ELF, '--flows', fromFile, '--alerts', '']).code, 0)
  const r = analyze(['-', '--flows', fromStdin, '--alerts', ''], readFileSync(CURL_ELF))
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(lines(fromStdin), lines(fromFile))
})

test('a truncated capture: exit 2, the error names the file and byte offset, earlier flows are written', () => {
  const whole = readFileSync(CURL_ELF)
  const cut = path.join(tmp, 'cut.pcap')
  // Cut inside the last record: everything before it must still be processed.
  writeFileSync(cut, whole.subarray(0, whole.length - 10))
  const flows = path.join(tmp, 'cut.flows.jsonl')
  const r = analyze([cut, '--flows', flows, '--alerts', ''])
  assert.equal(r.code, 2)
  assert.match(
    r.stderr,
    new RegExp(`${cut.replaceAll('.', '\\.')}: truncated record: \\d+ trailing bytes at byte offset \\d+`),
  )
  const got = lines(flows)
  assert.ok(got.length > 0, 'flows decoded before the fault are written')
  const pkts = got.reduce((n, f) => n + Number(f.orig_pkts) + Number(f.resp_pkts), 0)
  assert.ok(pkts > 0)
})

test('a file that is neither a capture nor syslog: exit 2 with a clear message; other inputs still run', () => {
  const junk = path.join(tmp, 'junk.bin')
  writeFileSync(junk, Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x13, 0x37, 0x00, 0x00, 0x42, 0x42]))
  const flows = path.join(tmp, 'junk.flows.jsonl')
  const r = analyze([junk, CURL_ELF, '--flows', flows, '--alerts', ''])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /junk\.bin: not a pcap\/pcapng capture or a syslog text file/)
  assert.ok(lines(flows).length > 0, 'the second input was analysed')
})

test('a config error: exit 1 and the message names the key', () => {
  const cfg = path.join(tmp, 'bad.yaml')
  writeFileSync(cfg, 'flow_table:\n  max_flows: lots\n')
  const r = analyze([CURL_ELF, '--config', cfg, '--alerts', ''])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /flow_table\.max_flows/)
})

test('a missing input: exit 2 naming it', () => {
  const r = analyze([path.join(tmp, 'nope.pcap'), '--alerts', ''])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /nope\.pcap: cannot open \(ENOENT\)/)
})

test('the truncated corpus capture: the DLL downloads before the fault are reported, then exit 2', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const file = path.join(CORPUS, 'pcap/http/suricata_http_stealer_dlls_truncated_file.pcap')
  const alerts = path.join(tmp, 'stealer.alerts.jsonl')
  const r = analyze([file, '--alerts', alerts])
  assert.equal(r.code, 2)
  // capinfos reads 2696 packets; the reader stops at the cut in record 2697.
  assert.match(r.stderr, /truncated record: 1 trailing bytes at byte offset 2715459 \(packet 2697\)/)
  const names = new Set(
    lines(alerts)
      .filter((a) => a.detection === 'executable-download')
      .map((a) => (a.file as { name?: string } | undefined)?.name),
  )
  for (const dll of ['freebl3.dll', 'mozglue.dll', 'msvcp140.dll', 'nss3.dll', 'softokn3.dll', 'vcruntime140.dll']) {
    assert.ok(names.has(dll), `${dll} reported`)
  }
})
