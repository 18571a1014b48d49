import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { tsharkTftp } from '../../test/helpers/tshark-tftp.js'
import type { TftpEvent } from '../events.js'
import { TFTP_DATA_SPEC, TFTP_SPEC, type TftpParent } from './tftp.js'
import type { DatagramAnalyzer } from './types.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const PCAPS = path.join(ROOT, 'pcaps/tftp')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

const NAMES = ['tftp-rrq-elf', 'tftp-rrq-text', 'tftp-wrq-upload', 'tftp-rrq-blksize', 'tftp-rrq-missing']
// tshark runs once per capture, concurrently, before the tests use its answers.
const VIEWS = Promise.all(NAMES.map((n) => tsharkTftp(path.join(PCAPS, `${n}.pcap`))))

for (const [i, name] of NAMES.entries()) {
  test(`${name}: TftpEvent and FileEvent agree with tshark`, async () => {
    const file = path.join(PCAPS, `${name}.pcap`)
    const want = (await VIEWS)[i] ?? assert.fail('no tshark view')
    const r = runAppLayer(file)
    const ev = r.of('tftp')
    assert.equal(ev.length, 1)
    const t = ev[0] as TftpEvent
    assert.deepEqual([t.filename], want.files)
    assert.equal(t.blocks, want.blocks)
    assert.equal(t.bytes, want.bytes)
    assert.equal(t.resp_p, 69)
    assert.notEqual(t.data_port, undefined)
    assert.notEqual(t.data_port, 69)
    if (want.errors.length > 0) {
      assert.equal(t.error_code, want.errors[0])
      assert.equal(t.complete, false)
      assert.equal(r.of('file').length, 0)
    } else {
      assert.equal(t.complete, true)
      const f = r.of('file').filter((x) => x.file_proto === 'tftp')
      assert.equal(f.length, 1)
      assert.equal(f[0]?.name, t.filename)
      assert.equal(f[0]?.bytes, want.bytes)
      assert.equal(f[0]?.context?.request_uid, t.uid)
      assert.equal(f[0]?.direction, t.op === 'read' ? 'download' : 'upload')
    }
  })
}

test('ELF over TFTP is sniffed and hashed like the served file; options come from the OACK', () => {
  const elf = runAppLayer(path.join(PCAPS, 'tftp-rrq-elf.pcap')).of('file')[0]
  assert.equal(elf?.type, 'elf')
  assert.equal(elf?.complete, true)
  assert.match(elf?.sha256 ?? '', /^[0-9a-f]{64}$/)
  const up = runAppLayer(path.join(PCAPS, 'tftp-wrq-upload.pcap')).of('file')[0]
  assert.equal(up?.sha256, elf?.sha256) // both are /usr/bin/true from the same host
  const t = runAppLayer(path.join(PCAPS, 'tftp-rrq-blksize.pcap')).of('tftp')[0]
  assert.deepEqual(t?.options, { tsize: '6292', blksize: '1024', timeout: '6' })
})

test('retransmitted blocks are not counted twice; ERROR ends the transfer; bad opcodes are weirds', () => {
  const ctx = fakeAppContext({
    uid: 'Cdata',
    orig_h: '198.51.100.80',
    orig_p: 40000,
    resp_h: '10.66.0.2',
    resp_p: 5000,
    proto: 'udp',
  })
  const parent: TftpParent = {
    request: { opcode: 1, filename: 'x.bin', mode: 'octet', options: {} },
    conn: { uid: 'Creq', orig_h: '10.66.0.2', orig_p: 5000, resp_h: '198.51.100.80', resp_p: 69, proto: 'udp' },
    ts: 1,
    reported: false,
    attached: false,
  }
  const a = TFTP_DATA_SPEC.create(ctx, parent) as DatagramAnalyzer
  const data = (block: number, n: number) =>
    Buffer.concat([Buffer.from([0, 3, block >> 8, block & 255]), Buffer.alloc(n, 0x41)])
  a.onDatagram(0, data(1, 512), 0, 516, 2)
  a.onDatagram(0, data(1, 512), 0, 516, 2.1)
  a.onDatagram(0, Buffer.from([0, 9, 0, 0]), 0, 4, 2.2)
  a.onDatagram(0, data(2, 100), 0, 104, 2.3)
  a.onEnd?.(3)
  const t = ctx.events.find((e) => e.kind === 'tftp') as TftpEvent
  assert.equal(t.uid, 'Creq')
  assert.equal(t.blocks, 2)
  assert.equal(t.bytes, 612)
  assert.equal(t.complete, true)
  assert.equal(ctx.files[0]?.bytes().length, 612)
  assert.ok(ctx.weirds.includes('tftp.bad_opcode'))
  assert.equal(ctx.events.filter((e) => e.kind === 'tftp').length, 1)
  const req = fakeAppContext(parent.conn)
  const ra = TFTP_SPEC.create(req) as DatagramAnalyzer
  const rrq = Buffer.from('\x00\x01a.bin\x00octet\x00', 'latin1')
  ra.onDatagram(0, rrq, 0, rrq.length, 1)
  assert.equal(req.expected.length, 1)
  assert.deepEqual(
    {
      o: req.expected[0]?.orig_h,
      r: req.expected[0]?.resp_h,
      rp: req.expected[0]?.resp_p,
      op: req.expected[0]?.orig_p,
    },
    { o: '198.51.100.80', r: '10.66.0.2', rp: 5000, op: undefined },
  )
  ra.onEnd?.(40)
  const un = req.events.find((e) => e.kind === 'tftp') as TftpEvent
  assert.equal(un.blocks, 0)
  assert.equal(un.complete, false)
})

test('corpus: TFTP captures against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const wrq = runAppLayer(path.join(CORPUS, 'pcap/tftp/suricata_tftp_wrq_upload.pcap')).of('tftp')
  assert.equal(wrq.length, 1)
  assert.equal(wrq[0]?.op, 'write')
  assert.equal(wrq[0]?.filename, 'rfc1350.txt')
  assert.equal(wrq[0]?.blocks, 49)
  assert.equal(wrq[0]?.bytes, 24599)
  assert.equal(wrq[0]?.data_port, 2087)
  const multi = runAppLayer(path.join(CORPUS, 'pcap/tftp/ndpi_tftp_multi.pcap'))
  const t = multi.of('tftp')
  const rfc = t.find((x) => x.filename === 'rfc1350.txt')
  assert.equal(rfc?.op, 'read')
  assert.equal(rfc?.blocks, 49)
  assert.equal(rfc?.bytes, 24599)
  assert.equal(rfc?.complete, true)
  const zz = t.find((x) => x.filename === 'zz.bin')
  assert.equal(zz?.op, 'write')
  assert.equal(zz?.mode, 'netascii')
  assert.equal(zz?.blocks, 1) // block 1 sent twice: counted once
  assert.equal(multi.of('file').find((f) => f.name === 'zz.bin')?.type, 'gzip')
  assert.ok(t.some((x) => x.filename === 'sysman.lis' && x.blocks === 0))
  assert.ok(t.some((x) => x.filename === 'empty100KB' && x.options?.blksize === '1468'))
})
