import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  decodeNbssHeader,
  decodeSmb2CloseRequest,
  decodeSmb2CreateRequest,
  decodeSmb2CreateResponse,
  decodeSmb2Header,
  decodeSmb2ReadRequest,
  decodeSmb2ReadResponse,
  decodeSmb2TreeConnectRequest,
  decodeSmb2TreeConnectResponse,
  decodeSmb2WriteRequest,
  probeSmb,
  readUtf16Name,
  SMB2_CREATE,
  SMB2_MAX_NAME_BYTES,
  SMB2_WRITE,
  splitSmb2Compound,
} from './smb2.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+|#.*$/gm, ''), 'hex')

/** An SMB2 sync header (MS-SMB2 §2.2.1.2) for `command`, one field per line. */
function header(
  command: number,
  opts: { response?: boolean; next?: number; mid?: number; tree?: number } = {},
): Buffer {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0xfe534d42, 0) // ProtocolId
  b.writeUInt16LE(64, 4) // StructureSize
  b.writeUInt16LE(command, 12) // Command
  b.writeUInt32LE(opts.response ? 1 : 0, 16) // Flags
  b.writeUInt32LE(opts.next ?? 0, 20) // NextCommand
  b.writeUInt32LE(opts.mid ?? 7, 24) // MessageId (low)
  b.writeUInt32LE(opts.tree ?? 5, 36) // TreeId
  return b
}

/** CREATE request for `name` (body §2.2.13, name right after the 56-byte fixed part at offset 0x78). */
function createRequest(name: string): Buffer {
  const nm = Buffer.from(name, 'utf16le')
  const body = Buffer.alloc(56)
  body.writeUInt16LE(57, 0) // StructureSize
  body.writeUInt32LE(0x0012019f, 24) // DesiredAccess
  body.writeUInt32LE(5, 36) // CreateDisposition FILE_OVERWRITE_IF
  body.writeUInt32LE(0x44, 40) // CreateOptions
  body.writeUInt16LE(0x78, 44) // NameOffset
  body.writeUInt16LE(nm.length, 46) // NameLength
  return Buffer.concat([header(SMB2_CREATE), body, nm])
}

test('NetBIOS session header: 24-bit length for session messages', () => {
  const r = decodeNbssHeader(hex('00 01 00 70'), 0, 4)
  assert.ok(r.ok)
  assert.equal(r.value.length, 0x10070)
  const bad = decodeNbssHeader(hex('42 00 00 10'), 0, 4)
  assert.ok(!bad.ok)
  assert.equal(bad.error.code, 'nbss.bad_type')
})

test('probe', () => {
  assert.equal(probeSmb(hex('00000040 fe534d42'), 0, 8), 'yes')
  assert.equal(probeSmb(hex('00000040 fe53'), 0, 6), 'need-more')
  assert.equal(probeSmb(hex('00000040 47455420'), 0, 8), 'no')
})

test('CREATE request: UTF-16LE name, disposition', () => {
  const b = createRequest('temp\\mimikatz.exe')
  const h = decodeSmb2Header(b, 0, b.length)
  assert.ok(h.ok)
  assert.equal(h.value.command, SMB2_CREATE)
  assert.equal(h.value.isResponse, false)
  assert.equal(h.value.messageId, 7)
  assert.equal(h.value.treeId, 5)
  const r = decodeSmb2CreateRequest(b, 0, 64, b.length)
  assert.ok(r.ok)
  assert.equal(r.value.name, 'temp\\mimikatz.exe')
  assert.equal(r.value.createDisposition, 5)
  assert.equal(r.value.truncated, false)
})

test('CREATE response: FileId and EndofFile', () => {
  const body = Buffer.alloc(88)
  body.writeUInt16LE(89, 0) // StructureSize
  body.writeUInt32LE(2, 4) // CreateAction FILE_CREATED
  body.writeUInt32LE(0x000c4600, 48) // EndofFile low = 804,352
  body.writeUInt32LE(0x20, 56) // FileAttributes ARCHIVE
  hex('55000000000000000d000000ffffffff').copy(body, 64) // FileId
  const b = Buffer.concat([header(SMB2_CREATE, { response: true }), body])
  const r = decodeSmb2CreateResponse(b, 64, b.length)
  assert.ok(r.ok)
  assert.equal(r.value.endOfFile, 804352)
  assert.equal(r.value.fileId, '55000000000000000d000000ffffffff')
  assert.equal(r.value.createAction, 2)
})

test('WRITE request, READ request/response, CLOSE, TREE_CONNECT', () => {
  const w = Buffer.alloc(48)
  w.writeUInt16LE(49, 0) // StructureSize
  w.writeUInt16LE(0x70, 2) // DataOffset
  w.writeUInt32LE(65536, 4) // Length
  w.writeUInt32LE(131072, 8) // Offset low
  w.writeUInt32LE(1, 12) // Offset high
  const wr = decodeSmb2WriteRequest(w, 0, 48)
  assert.ok(wr.ok)
  assert.equal(wr.value.offset, 2 ** 32 + 131072)
  assert.equal(wr.value.dataOffset, 0x70)
  w.writeUInt16LE(0x20, 2) // DataOffset inside the header: invalid
  const bad = decodeSmb2WriteRequest(w, 0, 48)
  assert.ok(!bad.ok)
  assert.equal(bad.error.code, 'smb2.bad_data_offset')

  const rq = Buffer.alloc(48)
  rq.writeUInt32LE(4096, 4) // Length
  rq.writeUInt32LE(8192, 8) // Offset
  const rr = decodeSmb2ReadRequest(rq, 0, 48)
  assert.ok(rr.ok)
  assert.deepEqual([rr.value.length, rr.value.offset], [4096, 8192])

  const rs = hex('1100 50 00 00100000 00000000 00000000') // StructureSize, DataOffset 0x50, Reserved, DataLength 4096
  const rsp = decodeSmb2ReadResponse(rs, 0, rs.length)
  assert.ok(rsp.ok)
  assert.deepEqual(rsp.value, { dataOffset: 0x50, dataLength: 4096 })

  const cl = Buffer.alloc(24)
  hex('49000000000000000100000000000000').copy(cl, 8) // FileId
  const c = decodeSmb2CloseRequest(cl, 0, 24)
  assert.ok(c.ok)
  assert.equal(c.value.fileId, '49000000000000000100000000000000')

  const path = Buffer.from('\\\\dc1\\ADMIN$', 'utf16le')
  const tc = Buffer.alloc(8)
  tc.writeUInt16LE(9, 0) // StructureSize
  tc.writeUInt16LE(0x48, 4) // PathOffset
  tc.writeUInt16LE(path.length, 6) // PathLength
  const msg = Buffer.concat([header(3), tc, path])
  const t = decodeSmb2TreeConnectRequest(msg, 0, 64, msg.length)
  assert.ok(t.ok)
  assert.equal(t.value.path, '\\\\dc1\\ADMIN$')
  const tr = decodeSmb2TreeConnectResponse(hex('1000 02 00 00000000 00000000 ff011f00'), 0, 16)
  assert.ok(tr.ok)
  assert.equal(tr.value.shareType, 2)
})

test('compounded requests follow NextCommand; bad NextCommand stops', () => {
  const first = createRequest('a.exe')
  const pad = Buffer.alloc((8 - (first.length % 8)) % 8)
  first.writeUInt32LE(first.length + pad.length, 20) // NextCommand
  const second = header(SMB2_WRITE, { mid: 8 })
  const msg = Buffer.concat([first, pad, second, Buffer.alloc(48)])
  const s = splitSmb2Compound(msg, 0, msg.length)
  assert.equal(s.stop, undefined)
  assert.deepEqual(
    s.commands.map((c) => [c.header.command, c.header.messageId]),
    [
      [SMB2_CREATE, 7],
      [SMB2_WRITE, 8],
    ],
  )
  msg.writeUInt32LE(13, 20) // unaligned
  const b = splitSmb2Compound(msg, 0, msg.length)
  assert.equal(b.commands.length, 0)
  assert.ok(b.stop && !b.stop.ok && b.stop.error.code === 'smb2.bad_next_command')
})

test('names are bounded', () => {
  const big = Buffer.alloc(SMB2_MAX_NAME_BYTES * 2, 0x41)
  const n = readUtf16Name(big, 0, 0xffff, big.length)
  assert.equal(n.truncated, true)
  assert.equal(n.name.length, SMB2_MAX_NAME_BYTES / 2)
})

test('every prefix of a CREATE request decodes or fails with a typed error', () => {
  const b = createRequest('temp\\mimikatz.exe')
  for (let n = 0; n <= b.length; n++) {
    const h = decodeSmb2Header(b, 0, n)
    if (!h.ok) {
      assert.match(h.error.code, /^smb2\./)
      continue
    }
    const r = decodeSmb2CreateRequest(b, 0, 64, n)
    if (!r.ok) assert.match(r.error.code, /^smb2\./)
  }
})

test('fuzz: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (arr) => {
      const b = Buffer.from(arr)
      const fns = [
        () => decodeNbssHeader(b, 0, b.length),
        () => decodeSmb2Header(b, 0, b.length),
        () => splitSmb2Compound(b, 0, b.length),
        () => decodeSmb2CreateRequest(b, 0, Math.min(64, b.length), b.length),
        () => decodeSmb2CreateResponse(b, 0, b.length),
        () => decodeSmb2TreeConnectRequest(b, 0, Math.min(64, b.length), b.length),
        () => decodeSmb2WriteRequest(b, 0, b.length),
        () => decodeSmb2ReadResponse(b, 0, b.length),
        () => decodeSmb2ReadRequest(b, 0, b.length),
        () => decodeSmb2CloseRequest(b, 0, b.length),
        () => probeSmb(b, 0, b.length),
      ]
      for (const f of fns) f()
    }),
    { numRuns: 500 },
  )
})
