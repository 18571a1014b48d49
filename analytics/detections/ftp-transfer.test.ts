import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { exportedFlow } from '../../test/helpers/export-flow.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { tsharkFtpRequests } from '../../test/helpers/tshark-ftp.js'
import type { DetectionContext } from '../detection.js'
import type { FlowRecord } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './ftp-transfer.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const run = (f: string) => runAppLayer(f, { detections: [def] }).alerts

const CASES: [string, number, string, string][] = [
  ['ftp-passive-retr-elf', 21, 'high', 'elf'],
  ['ftp-active-retr-text', 21, 'medium', 'text'],
  ['ftp-passive-stor-upload', 21, 'high', 'elf'],
  ['ftp-active-port-retr', 21, 'medium', 'text'],
  ['ftp-port-2121-retr', 2121, 'high', 'elf'],
]

// tshark runs once per capture, concurrently, before the tests use its answers.
const TRANSFERS = ['RETR', 'STOR', 'APPE', 'STOU']
const VIEWS = Promise.all(
  CASES.map(([n, port]) => tsharkFtpRequests(path.join(ROOT, 'pcaps/ftp', `${n}.pcap`), port, TRANSFERS)),
)

for (const [i, [name, , severity, type]] of CASES.entries()) {
  test(`${name}: one ${severity} alert per transfer, names equal tshark's`, async () => {
    const file = path.join(ROOT, 'pcaps/ftp', `${name}.pcap`)
    const a = run(file)
    const want = (await VIEWS)[i] ?? assert.fail('no tshark view')
    assert.deepEqual(
      a.map((x) => [x.details?.command, x.file?.name]),
      want.map((r) => [r.cmd, r.arg]),
    )
    assert.equal(a[0]?.severity, severity)
    assert.equal(a[0]?.file?.type, type)
    assert.equal(a[0]?.file?.direction, want[0]?.cmd === 'RETR' ? 'download' : 'upload')
    assert.equal(a[0]?.user, 'anonymous')
    assert.equal(a[0]?.service, 'ftp-data')
  })
}

test('flow exports: a TCP/21 control flow then a data flow between the same hosts, by port', () => {
  const inst = def.create(def.params, ctx)
  const flow = (orig_h: string, orig_p: number, resp_h: string, resp_p: number, resp_bytes: number): FlowRecord =>
    exportedFlow({
      orig_h,
      orig_p,
      resp_h,
      resp_p,
      proto: 'tcp',
      orig_bytes: 100,
      resp_bytes,
      orig_ip_bytes: 200,
      resp_ip_bytes: resp_bytes + 100,
      orig_pkts: 5,
      resp_pkts: 30,
      conn_state: 'SF',
    })
  assert.equal(inst.onEvent(flow('10.1.1.5', 50000, '203.0.113.7', 21, 500)), undefined)
  const a = inst.onEvent(flow('10.1.1.5', 50001, '203.0.113.7', 40100, 35000)) ?? []
  assert.equal(a.length, 1)
  assert.ok(a[0]?.reasons[0]?.includes('by port alone'))
  const active = inst.onEvent(flow('203.0.113.7', 20, '10.1.1.5', 50002, 0)) ?? []
  assert.equal(active.length, 1)
  assert.equal(inst.onEvent(flow('10.1.1.5', 50003, '203.0.113.7', 443, 9000)), undefined)
})

test('corpus: FTP captures against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const pe = run(path.join(CORPUS, 'pcap/ftp/zeek_ftp_retr_4_pe_files.pcap'))
  assert.deepEqual(
    pe.map((x) => [x.file?.name, x.file?.direction]),
    [
      ['MSVIDEO.DLL', 'download'],
      ['NOTEPAD.EXE', 'download'],
      ['VMwareXferlogs.exe', 'download'],
      ['test1.bin', 'download'],
    ],
  )
  // All four are executables (MSVIDEO.DLL is an NE DLL: MZ without a PE header) and internal: T1570, medium or above.
  for (const x of pe) {
    assert.equal(x.technique, 'T1570')
    assert.ok(x.score >= 40, `${x.file?.name} ${x.score}`)
  }
  const act = run(path.join(CORPUS, 'pcap/ftp/suricata_ftp_active_stor_retr_exe.pcap'))
  assert.deepEqual(
    act.map((x) => [x.file?.name, x.file?.direction, x.file?.type]),
    [
      ['notepad.exe', 'upload', 'pe'],
      ['notepad.exe', 'download', 'pe'],
      ['test.pdf', 'upload', 'pdf'],
      ['test.pdf', 'download', 'pdf'],
    ],
  )
  assert.ok(act.filter((x) => x.file?.type === 'pdf').every((x) => x.severity === 'low'))
  const v6 = run(path.join(CORPUS, 'pcap/ftp/zeek_ftp_ipv6_retr_control_only.pcap'))
  assert.equal(v6.length, 1)
  assert.equal(v6[0]?.file?.name, 'samba-3.4.17.tar.gz')
  assert.equal(v6[0]?.details?.announced_bytes, 34826629)
  assert.ok(v6[0]?.reasons[0]?.includes('data connection not seen'))
  assert.ok(v6[0]?.severity === 'low' || v6[0]?.severity === 'info')
  const txt = run(path.join(CORPUS, 'pcap/ftp/zeek_ftp_retr_text_readme.pcap'))
  assert.equal(txt.length, 1)
  assert.equal(txt[0]?.file?.type, 'text')
  assert.notEqual(txt[0]?.severity, 'high')
})
