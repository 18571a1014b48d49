import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { type FakeAppContext, fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { tsharkView } from '../../test/helpers/tshark-follow.js'
import lateral from '../detections/lateral-transfer.js'
import { SMB_ANALYZER } from './smb.js'
import type { StreamAnalyzer } from './types.js'

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus')
const SMB = path.join(CORPUS, 'pcap/smb')
const skip = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'

/** Feeds every TCP/445 stream of a capture (reassembled by tshark) through the SMB analyzer. */
function runCapture(file: string): FakeAppContext[] {
  const out: FakeAppContext[] = []
  for (const s of tsharkView(file, 445, 'smb').streams) {
    const idx = s.index
    const ctx = fakeAppContext({
      uid: `C${idx}`,
      orig_h: s.client.host,
      orig_p: s.client.port,
      resp_h: s.server.host,
      resp_p: s.server.port,
      proto: 'tcp',
    })
    const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
    let ts = 1
    for (const c of s.chunks) a.onData(c.dir, c.data, 0, c.data.length, ts++)
    a.onEnd?.(ts)
    out.push(ctx)
  }
  return out
}

/** tshark's SMB export objects of a capture: name (as exported) → sha256 and size. */
function tsharkObjects(file: string): Map<string, { sha256: string; size: number }> {
  return tsharkView(file, 445, 'smb').objects
}

test('probe: SMB2/SMB1 after the NetBIOS header, NetBIOS session request, others no', () => {
  const p = (hex: string) => {
    const b = Buffer.from(hex, 'hex')
    return SMB_ANALYZER.probe?.(0, b, 0, b.length)
  }
  assert.equal(p('000000befe534d42'), 'yes')
  assert.equal(p('000000beff534d42'), 'yes')
  assert.equal(p('00000044'), 'need-more')
  assert.equal(p('474554202f20485454'), 'no')
  assert.equal(p('000000be4d5a9000'), 'no')
  assert.equal(p('81000044'), 'yes')
})

test('SMB2 corpus: PSEXESVC.exe written to \\\\dc1\\ADMIN$ equals tshark export', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb2_psexec_service_drop.pcap')
  const ctxs = runCapture(file)
  const files = ctxs.flatMap((c) => c.files)
  const exe = files.filter((f) => f.spec.name === '\\\\dc1\\ADMIN$\\PSEXESVC.exe')
  assert.ok(exe.length >= 1, `files: ${files.map((f) => f.spec.name).join(', ')}`)
  const objs = tsharkObjects(file)
  const truth = objs.get('\\PSEXESVC.exe')
  assert.ok(truth)
  // MANIFEST: 145,568 bytes, PE (MZ).
  assert.equal(truth.size, 145568)
  const first = exe[0]
  assert.ok(first)
  assert.equal(first.spec.direction, 'upload')
  assert.equal(first.spec.senderIsOrig, true)
  assert.deepEqual(first.spec.context, { share: '\\\\dc1\\ADMIN$', path: 'PSEXESVC.exe' })
  assert.equal(first.bytes().length, 145568)
  assert.equal(first.sha256(), truth.sha256)
  assert.equal(first.bytes().subarray(0, 2).toString('latin1'), 'MZ')
  assert.equal(first.gaps, 0)
  assert.deepEqual(first.closed?.complete, true)
  // Named pipes on IPC$ (svcctl, PSEXESVC stdin/stdout) are not files.
  assert.equal(
    files.some((f) => /IPC\$/i.test(f.spec.name ?? '')),
    false,
  )
  assert.ok(ctxs.some((c) => c.confirmed.includes('smb')))
})

test('SMB2 corpus: mimikatz.exe read from \\\\admin-pc\\c$ equals tshark export (804,352 bytes)', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb2_copy_mimikatz_exe.pcap')
  const files = runCapture(file).flatMap((c) => c.files)
  const objs = tsharkObjects(file)
  const mk = files.filter((f) => f.spec.name === '\\\\admin-pc\\c$\\temp\\mimikatz.exe')
  const full = mk.find((f) => f.bytes().length === 804352)
  assert.ok(full, `sizes: ${mk.map((f) => f.bytes().length).join(',')}`)
  // tshark exports the two reads of the file as two objects; the whole one is 804,352 bytes.
  const truth = [...objs.values()].find((o) => o.size === 804352)
  assert.ok(truth)
  assert.equal(full.sha256(), truth.sha256)
  assert.equal(full.spec.direction, 'download')
  assert.equal(full.spec.senderIsOrig, false)
  assert.equal(full.spec.totalBytes, 804352)
  assert.equal(full.closed?.complete, true)
  // PE32+: MZ, e_lfanew → "PE\0\0", optional header magic 0x20b.
  const b = full.bytes()
  const pe = b.readUInt32LE(0x3c)
  assert.equal(b.readUInt32BE(pe), 0x50450000)
  assert.equal(b.readUInt16LE(pe + 24), 0x20b)
  // The earlier 4,096-byte read of the same file is reported as an incomplete file of a known total size.
  const partial = mk.find((f) => f.bytes().length === 4096)
  assert.ok(partial)
  assert.equal(partial.closed?.complete, false)
  const truthPartial = [...objs.values()].find((o) => o.size === 4096)
  assert.equal(partial.sha256(), truthPartial?.sha256)
})

test('SMB1 corpus: eicar written by NT_CREATE_ANDX + WRITE_ANDX', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb1_put_eicar_sll.pcap')
  const files = runCapture(file).flatMap((c) => c.files)
  assert.equal(files.length, 1)
  const f = files[0]
  assert.ok(f)
  assert.equal(f.spec.name, '\\\\192.168.1.3\\PUBLIC\\eicar')
  assert.equal(f.spec.direction, 'upload')
  assert.equal(f.bytes().length, 68)
  // The published SHA-256 of the 68-byte EICAR test string.
  assert.equal(f.sha256(), '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f')
  assert.equal(f.closed?.complete, true)
})

test('SMB2 corpus fed in 1..7-byte slices gives the same file', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb2_psexec_service_drop.pcap')
  const s = tsharkView(file, 445, 'smb').streams[0]
  assert.ok(s)
  const ctx = fakeAppContext()
  const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
  let k = 0
  for (const c of s.chunks) {
    for (let i = 0; i < c.data.length; ) {
      const n = Math.min(c.data.length - i, 1 + (k++ % 7))
      a.onData(c.dir, c.data, i, i + n, 1)
      i += n
    }
  }
  a.onEnd?.(2)
  const exe = ctx.files.find((f) => (f.spec.name ?? '').endsWith('PSEXESVC.exe'))
  assert.ok(exe)
  assert.equal(exe.bytes().length, 145568)
  assert.equal(exe.sha256(), '141b2190f51397dbd0dfde0e3904b264c91b6f81febc823ff0c33da980b69944')
})

test('fuzz: random and bit-flipped streams never throw, files stay bounded', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb1_put_eicar_sll.pcap')
  const s = tsharkView(file, 445, 'smb').streams[0]
  assert.ok(s)
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 << 30 }), fc.uint8Array({ maxLength: 64 }), (seed, junk) => {
      const ctx = fakeAppContext()
      const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
      let k = seed
      for (const c of s.chunks) {
        const d = Buffer.from(c.data)
        k = (k * 1103515245 + 12345) >>> 0
        const bit = k % (d.length * 8)
        d[bit >> 3] = (d[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        a.onData(c.dir, d, 0, d.length, 1)
        if (k % 5 === 0) a.onGap?.(c.dir, k % 300, 1)
      }
      const j = Buffer.from(junk)
      a.onData(0, j, 0, j.length, 2)
      a.onEnd?.(3)
      assert.ok(ctx.files.length <= 8)
    }),
    { numRuns: 100 },
  )
})

test('a lost segment inside WRITE data becomes a gap, and the file is not complete', { skip }, () => {
  const file = path.join(SMB, 'suricata_smb2_psexec_service_drop.pcap')
  const s = tsharkView(file, 445, 'smb').streams[0]
  assert.ok(s)
  const ctx = fakeAppContext()
  const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
  // Drop 1,000 bytes from the middle of the largest client chunk (inside a 64 KiB WRITE).
  const big = s.chunks.reduce((m, c, i) => (c.dir === 0 && c.data.length > (s.chunks[m]?.data.length ?? 0) ? i : m), 0)
  for (const [i, c] of s.chunks.entries()) {
    if (i !== big) {
      a.onData(c.dir, c.data, 0, c.data.length, 1)
      continue
    }
    a.onData(c.dir, c.data, 0, 2000, 1)
    a.onGap?.(c.dir, 1000, 1)
    a.onData(c.dir, c.data, 3000, c.data.length, 1)
  }
  a.onEnd?.(2)
  const exe = ctx.files.find((f) => (f.spec.name ?? '').endsWith('PSEXESVC.exe'))
  assert.ok(exe)
  assert.equal(exe.gaps, 1000)
  assert.equal(exe.bytes().length, 145568 - 1000)
  assert.equal(exe.closed?.complete, false)
})

test('whole captures through the app layer: one file per SMB transfer, lateral-transfer alerts on the executables', {
  skip,
}, () => {
  const want: [string, string, number, string | undefined, number][] = [
    // capture, file name, bytes, sha256 (tshark export / published EICAR hash), lateral-transfer alerts
    [
      'suricata_smb2_psexec_service_drop',
      '\\\\dc1\\ADMIN$\\PSEXESVC.exe',
      145568,
      '141b2190f51397dbd0dfde0e3904b264c91b6f81febc823ff0c33da980b69944',
      1,
    ],
    [
      'suricata_smb2_copy_mimikatz_exe',
      '\\\\admin-pc\\c$\\temp\\mimikatz.exe',
      804352,
      'fb55414848281f804858ce188c3dc659d129e283bd62d58d34f6e6f568feab37',
      1,
    ],
    [
      'suricata_smb1_put_eicar_sll',
      '\\\\192.168.1.3\\PUBLIC\\eicar',
      68,
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
      0,
    ],
  ]
  for (const [cap, name, bytes, sha, nAlerts] of want) {
    const r = runAppLayer(path.join(SMB, `${cap}.pcap`), { analyzers: [SMB_ANALYZER], detections: [lateral] })
    const f = r.of('file').find((x) => x.name === name && x.bytes === bytes)
    assert.ok(f, `${cap}: ${JSON.stringify(r.of('file').map((x) => [x.name, x.bytes]))}`)
    assert.equal(f.sha256, sha)
    assert.equal(f.complete, true)
    assert.equal(f.file_proto, 'smb')
    assert.equal(r.alerts.length, nAlerts, cap)
    for (const a of r.alerts) assert.equal(a.technique, 'T1570')
  }
})

test('own Samba captures: SMB 3.1.1 put to ADMIN$ and get from C$ equal the tshark export', () => {
  for (const [cap, share, direction] of [
    ['smb2_put_admin_share', '\\\\10.66.1.9\\ADMIN$', 'upload'],
    ['smb2_get_c_share', '\\\\10.66.1.9\\C$', 'download'],
  ] as const) {
    const file = path.join(import.meta.dirname, '../../pcaps/smb', `${cap}.pcap`)
    const files = runCapture(file).flatMap((c) => c.files)
    assert.equal(files.length, 1, cap)
    const f = files[0]
    assert.ok(f)
    assert.equal(f.spec.name, `${share}\\tool.exe`)
    assert.equal(f.spec.direction, direction)
    const truth = tsharkObjects(file).get('\\tool.exe')
    assert.ok(truth)
    assert.equal(f.bytes().length, truth.size)
    assert.equal(f.sha256(), truth.sha256)
    assert.equal(f.closed?.complete, true)
    // ELF magic: the file is /usr/bin/true.
    assert.equal(f.bytes().readUInt32BE(0), 0x7f454c46)
    // Through the app layer, lateral-transfer sees an internal ELF transfer on an admin share.
    const r = runAppLayer(file, { analyzers: [SMB_ANALYZER], detections: [lateral] })
    assert.equal(r.alerts.length, 1, cap)
    assert.equal(r.alerts[0]?.technique, 'T1570')
    assert.ok(r.alerts[0]?.score_factors?.some((x) => x.factor === 'admin_share'))
  }
})

/** Synthetic SMB2 messages (MS-SMB2 §2.2), one field per line, for cases the captures do not show. */
function smb2(cmd: number, o: { resp?: boolean; mid: number; tree?: number; related?: boolean }, body: Buffer): Buffer {
  const h = Buffer.alloc(64)
  h.writeUInt32BE(0xfe534d42, 0) // ProtocolId
  h.writeUInt16LE(64, 4) // StructureSize
  h.writeUInt16LE(cmd, 12) // Command
  h.writeUInt32LE((o.resp ? 1 : 0) | (o.related ? 4 : 0), 16) // Flags: SERVER_TO_REDIR, RELATED_OPERATIONS
  h.writeUInt32LE(o.mid, 24) // MessageId
  h.writeUInt32LE(o.tree ?? 7, 36) // TreeId
  return Buffer.concat([h, body])
}
/** Joins commands into one compounded message (8-byte aligned NextCommand) inside a NetBIOS header. */
function nbss(...cmds: Buffer[]): Buffer {
  const parts: Buffer[] = []
  cmds.forEach((c, i) => {
    const pad = i < cmds.length - 1 ? Buffer.alloc((8 - (c.length % 8)) % 8) : Buffer.alloc(0)
    if (i < cmds.length - 1) c.writeUInt32LE(c.length + pad.length, 20) // NextCommand
    parts.push(c, pad)
  })
  const m = Buffer.concat(parts)
  const n = Buffer.alloc(4)
  n.writeUIntBE(m.length, 1, 3)
  return Buffer.concat([n, m])
}
const FID = Buffer.from('0100000000000000ab00000000000000', 'hex')
const RELATED = Buffer.alloc(16, 0xff)
function treeConnect(mid: number, path: string): Buffer {
  const p = Buffer.from(path, 'utf16le')
  const b = Buffer.alloc(8)
  b.writeUInt16LE(9, 0) // StructureSize
  b.writeUInt16LE(72, 4) // PathOffset
  b.writeUInt16LE(p.length, 6) // PathLength
  return smb2(3, { mid, tree: 0 }, Buffer.concat([b, p]))
}
function treeConnectResp(mid: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt16LE(16, 0) // StructureSize
  b[2] = 1 // ShareType DISK
  return smb2(3, { mid, resp: true }, b)
}
function create(mid: number, name: string): Buffer {
  const n = Buffer.from(name, 'utf16le')
  const b = Buffer.alloc(56)
  b.writeUInt16LE(57, 0) // StructureSize
  b.writeUInt32LE(1, 36) // CreateDisposition FILE_OPEN
  b.writeUInt16LE(120, 44) // NameOffset
  b.writeUInt16LE(n.length, 46) // NameLength
  return smb2(5, { mid }, Buffer.concat([b, n]))
}
function createResp(mid: number, eof: number): Buffer {
  const b = Buffer.alloc(88)
  b.writeUInt16LE(89, 0) // StructureSize
  b.writeUInt32LE(1, 4) // CreateAction FILE_OPENED
  b.writeUInt32LE(eof, 48) // EndofFile
  b.writeUInt32LE(0x20, 56) // FileAttributes ARCHIVE
  FID.copy(b, 64) // FileId
  return smb2(5, { mid, resp: true }, b)
}
function read(mid: number, fid: Buffer, related: boolean, length: number): Buffer {
  const b = Buffer.alloc(48)
  b.writeUInt16LE(49, 0) // StructureSize
  b.writeUInt32LE(length, 4) // Length
  fid.copy(b, 16) // FileId
  return smb2(8, { mid, related }, b)
}
function readResp(mid: number, data: Buffer): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt16LE(17, 0) // StructureSize
  b[2] = 80 // DataOffset
  b.writeUInt32LE(data.length, 4) // DataLength
  return smb2(8, { mid, resp: true }, Buffer.concat([b, data]))
}
function close(mid: number, fid: Buffer, related: boolean): Buffer {
  const b = Buffer.alloc(24)
  b.writeUInt16LE(24, 0) // StructureSize
  fid.copy(b, 8) // FileId
  return smb2(6, { mid, related }, b)
}
function closeResp(mid: number): Buffer {
  const b = Buffer.alloc(60)
  b.writeUInt16LE(60, 0) // StructureSize
  return smb2(6, { mid, resp: true }, b)
}
function write(mid: number, fid: Buffer, offset: number, data: Buffer): Buffer {
  const b = Buffer.alloc(48)
  b.writeUInt16LE(49, 0) // StructureSize
  b.writeUInt16LE(112, 2) // DataOffset
  b.writeUInt32LE(data.length, 4) // Length
  b.writeUInt32LE(offset, 8) // Offset
  fid.copy(b, 16) // FileId
  return smb2(9, { mid }, Buffer.concat([b, data]))
}

test('compounded CREATE + related READ + related CLOSE (small-file read) gives the whole file', () => {
  const ctx = fakeAppContext()
  const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
  const data = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(98, 0x41)])
  const feed = (dir: 0 | 1, b: Buffer) => a.onData(dir, b, 0, b.length, 1)
  feed(0, nbss(treeConnect(1, '\\\\fs01\\C$')))
  feed(1, nbss(treeConnectResp(1)))
  feed(0, nbss(create(2, 'tools\\small.exe'), read(3, RELATED, true, 100), close(4, RELATED, true)))
  assert.equal(ctx.files.length, 0)
  feed(1, nbss(createResp(2, 100), readResp(3, data), closeResp(4)))
  assert.equal(ctx.files.length, 1)
  const f = ctx.files[0]
  assert.ok(f)
  assert.equal(f.spec.name, '\\\\fs01\\C$\\tools\\small.exe')
  assert.equal(f.spec.direction, 'download')
  assert.deepEqual(f.bytes(), data)
  assert.deepEqual(f.closed, { ts: 1, complete: true })
})

test('a CLOSE sent while READs are unanswered closes the file after their data; a handle opened before the capture is adopted', () => {
  const ctx = fakeAppContext()
  const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
  const feed = (dir: 0 | 1, b: Buffer) => a.onData(dir, b, 0, b.length, 1)
  feed(0, nbss(treeConnect(1, '\\\\fs01\\ADMIN$')))
  feed(1, nbss(treeConnectResp(1)))
  feed(0, nbss(create(2, 'x.exe')))
  feed(1, nbss(createResp(2, 8)))
  feed(0, nbss(read(3, FID, false, 8)))
  feed(0, nbss(close(4, FID, false)))
  feed(1, nbss(readResp(3, Buffer.from('MZ123456'))))
  feed(1, nbss(closeResp(4)))
  assert.equal(ctx.files[0]?.bytes().toString(), 'MZ123456')
  assert.equal(ctx.files[0]?.closed?.complete, true)
  // WRITE to a FileId whose CREATE was not seen, on a known disk tree: a file without a name.
  const other = Buffer.from('02000000000000000100000000000000', 'hex')
  feed(0, nbss(write(5, other, 0, Buffer.from('MZ'))))
  a.onEnd?.(2)
  const adopted = ctx.files[1]
  assert.ok(adopted)
  assert.equal(adopted.spec.name, undefined)
  assert.deepEqual(adopted.spec.context, { share: '\\\\fs01\\ADMIN$', path: '' })
  assert.equal(adopted.bytes().toString(), 'MZ')
})

test('fuzz: structured SMB2 messages with random fields and bodies, in random slices, never throw', () => {
  const cmdArb = fc.record({
    dir: fc.constantFrom<0 | 1>(0, 1),
    cmd: fc.constantFrom(3, 5, 6, 8, 9, 0, 1, 16),
    mid: fc.integer({ min: 0, max: 8 }),
    related: fc.boolean(),
    body: fc.uint8Array({ maxLength: 160 }),
    cut: fc.integer({ min: 1, max: 64 }),
  })
  fc.assert(
    fc.property(fc.array(cmdArb, { maxLength: 30 }), fc.integer({ min: 64, max: 4096 }), (cmds, maxBuffer) => {
      const ctx = fakeAppContext(undefined, maxBuffer)
      const a = SMB_ANALYZER.create(ctx) as StreamAnalyzer
      for (const c of cmds) {
        const m = nbss(smb2(c.cmd, { mid: c.mid, resp: c.dir === 1, related: c.related }, Buffer.from(c.body)))
        for (let i = 0; i < m.length; i += c.cut) a.onData(c.dir, m, i, Math.min(m.length, i + c.cut), 1)
      }
      a.onEnd?.(2)
      for (const f of ctx.files) assert.ok(f.closed)
    }),
    { numRuns: 300 },
  )
})

test('own Samba capture: a text file to an ordinary share is a file but not a lateral transfer', () => {
  const file = path.join(import.meta.dirname, '../../pcaps/smb/smb2_put_text_share.pcap')
  const truth = tsharkView(file, 445, 'smb').objects.get('\\notes.txt')
  assert.ok(truth)
  const r = runAppLayer(file, { analyzers: [SMB_ANALYZER], detections: [lateral] })
  const files = r.of('file')
  assert.equal(files.length, 1)
  assert.equal(files[0]?.name, '\\\\10.66.1.9\\share\\notes.txt')
  assert.equal(files[0]?.bytes, truth.size)
  assert.equal(files[0]?.sha256, truth.sha256)
  assert.equal(files[0]?.type, 'text')
  assert.deepEqual(r.alerts, [])
})
