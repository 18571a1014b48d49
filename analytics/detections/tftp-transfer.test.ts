import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { exportedFlow } from '../../test/helpers/export-flow.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { tsharkTftp } from '../../test/helpers/tshark-tftp.js'
import type { DetectionContext } from '../detection.js'
import type { FlowRecord } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './tftp-transfer.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }
const run = (f: string) => runAppLayer(f, { detections: [def] }).alerts

const CASES: [string, string, 'download' | 'upload' | undefined, string | undefined][] = [
  ['tftp-rrq-elf', 'high', 'download', 'elf'],
  ['tftp-wrq-upload', 'high', 'upload', 'elf'],
  ['tftp-rrq-text', 'medium', 'download', 'text'],
  ['tftp-rrq-blksize', 'medium', 'download', 'text'],
  ['tftp-rrq-missing', 'low', undefined, undefined],
]

// tshark runs once per capture, concurrently, before the tests use its answers.
const VIEWS = Promise.all(CASES.map(([n]) => tsharkTftp(path.join(ROOT, 'pcaps/tftp', `${n}.pcap`))))

for (const [i, [name, severity, direction, type]] of CASES.entries()) {
  test(`${name}: one ${severity} alert whose file name and blocks equal tshark's`, async () => {
    const file = path.join(ROOT, 'pcaps/tftp', `${name}.pcap`)
    const a = run(file)
    const t = (await VIEWS)[i] ?? assert.fail('no tshark view')
    assert.equal(a.length, 1)
    assert.equal(a[0]?.severity, severity)
    assert.equal(a[0]?.details?.blocks, t.blocks)
    assert.deepEqual([a[0]?.identifier.split(':').pop()], t.files)
    assert.equal(a[0]?.file?.direction, direction)
    assert.equal(a[0]?.file?.type, type)
    if (type !== undefined) assert.equal(a[0]?.file?.name, t.files[0])
    if (type === 'elf') assert.match(a[0]?.file?.sha256 ?? '', /^[0-9a-f]{64}$/)
    if (name === 'tftp-rrq-missing') assert.ok(a[0]?.reasons.some((r) => r.includes('ERROR 1')))
  })
}

test('flow exports: UDP/69 by port, joined with the data flow between the same hosts', () => {
  const inst = def.create(def.params, ctx)
  const flow = (orig_p: number, resp_p: number, orig_h: string, resp_h: string, bytes: number): FlowRecord =>
    exportedFlow({
      orig_h,
      orig_p,
      resp_h,
      resp_p,
      proto: 'udp',
      orig_bytes: bytes,
      resp_bytes: 0,
      orig_ip_bytes: bytes,
      resp_ip_bytes: 0,
      orig_pkts: 1,
      resp_pkts: 0,
      conn_state: 'S0',
    })
  const req = inst.onEvent(flow(40000, 69, '10.1.1.5', '203.0.113.7', 20)) ?? []
  assert.equal(req.length, 1)
  assert.ok(req[0]?.reasons[0]?.includes('by port alone'))
  const data = inst.onEvent(flow(50000, 40000, '203.0.113.7', '10.1.1.5', 35000)) ?? []
  assert.equal(data.length, 1)
  assert.ok(data[0]?.reasons.some((r) => r.includes('35000 bytes')))
  assert.equal(inst.onEvent(flow(50001, 40001, '203.0.113.8', '10.1.1.6', 100)), undefined)
})

test('corpus: TFTP captures against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const w = run(path.join(CORPUS, 'pcap/tftp/suricata_tftp_wrq_upload.pcap'))
  assert.equal(w.length, 1)
  assert.equal(w[0]?.file?.name, 'rfc1350.txt')
  assert.equal(w[0]?.file?.direction, 'upload')
  assert.equal(w[0]?.file?.type, 'text')
  assert.equal(w[0]?.technique, 'T1570')
  const m = run(path.join(CORPUS, 'pcap/tftp/ndpi_tftp_multi.pcap'))
  assert.ok(m.every((x) => x.file?.type !== 'pe' && x.file?.type !== 'elf'))
  assert.equal(m.find((x) => x.file?.name === 'rfc1350.txt')?.file?.bytes, 24599)
  assert.equal(m.find((x) => x.file?.name === 'zz.bin')?.file?.direction, 'upload')
})
