import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  decodeSmb1CloseRequest,
  decodeSmb1Header,
  decodeSmb1NtCreateRequest,
  decodeSmb1NtCreateResponse,
  decodeSmb1ReadRequest,
  decodeSmb1ReadResponse,
  decodeSmb1TreeConnectRequest,
  decodeSmb1WriteRequest,
  SMB1_COM_NT_CREATE_ANDX,
  SMB1_COM_TREE_CONNECT_ANDX,
  SMB1_COM_WRITE_ANDX,
} from './smb1.js'

const hex = (s: string) => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex')

// Real messages (NetBIOS header stripped) from suricata-verify smb-eicar-file (smbclient → Windows 2019).
const HDR = (cmd: string, flags: string, tid: string, mid: string) =>
  `ff534d42 ${cmd} 00000000 ${flags} 43c8 0000 0000000000000000 0000 ${tid} 3f03 0008 ${mid}`
const TREE_CONNECT = hex(`
  ${HDR('75', '18', 'ffff', '0300')}
  04 ff 00 0000 0c00 0100   # WordCount 4: AndX none, Flags 0x000c, PasswordLength 1
  3100                      # ByteCount 49
  00                        # Password
  5c005c003100390032002e003100360038002e0031002e0033005c005000550042004c0049004300 0000 # \\\\192.168.1.3\\PUBLIC
  3f3f3f3f3f00              # Service ?????
`)
const NT_CREATE = hex(`
  ${HDR('a2', '18', '0008', '0500')}
  18 ff 00 0000 00 0e00 00000000 00000000 9f011200 0000000000000000 00000000 03000000 05000000 40000000 02000000 00
  1100                      # ByteCount 17
  00                        # Pad
  5c006500690063006100720000000000 # \\eicar
`)
const NT_CREATE_RESP = hex(`
  ${HDR('a2', '98', '0008', '0500')}
  22 ff 00 6700 00 0040 02000000 388c6fde1fdcd501 388c6fde1fdcd501 388c6fde1fdcd501 388c6fde1fdcd501 20000000
  0000000000000000 0000000000000000 0000 0000 00
  0000
`)
const WRITE = hex(`
  ${HDR('2f', '18', '0008', '0600')}
  0e ff 00 0000 0040 00000000 00000000 0000 0000 0000 4400 4000 00000000 # WordCount 14, FID 0x4000, len 68, DataOffset 64
  4500 00                   # ByteCount 69, Pad
  58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a
`)

test('TREE_CONNECT_ANDX request path (Unicode, aligned after the password)', () => {
  const h = decodeSmb1Header(TREE_CONNECT, 0, TREE_CONNECT.length)
  assert.ok(h.ok)
  assert.equal(h.value.command, SMB1_COM_TREE_CONNECT_ANDX)
  assert.equal(h.value.unicode, true)
  const r = decodeSmb1TreeConnectRequest(TREE_CONNECT, 0, h.value, TREE_CONNECT.length)
  assert.ok(r.ok)
  assert.equal(r.value.path, '\\\\192.168.1.3\\PUBLIC')
})

test('NT_CREATE_ANDX request name and response FID (tshark: \\eicar, smb.fid 0x4000)', () => {
  const h = decodeSmb1Header(NT_CREATE, 0, NT_CREATE.length)
  assert.ok(h.ok)
  assert.equal(h.value.command, SMB1_COM_NT_CREATE_ANDX)
  assert.equal(h.value.tid, 0x0800)
  const r = decodeSmb1NtCreateRequest(NT_CREATE, 0, h.value, NT_CREATE.length)
  assert.ok(r.ok)
  assert.equal(r.value.name, '\\eicar')
  assert.equal(r.value.createDisposition, 5)
  const hr = decodeSmb1Header(NT_CREATE_RESP, 0, NT_CREATE_RESP.length)
  assert.ok(hr.ok)
  assert.equal(hr.value.isResponse, true)
  const rr = decodeSmb1NtCreateResponse(NT_CREATE_RESP, hr.value)
  assert.ok(rr.ok)
  assert.equal(rr.value.fid, 0x4000)
  assert.equal(rr.value.directory, false)
})

test('WRITE_ANDX: FID, offset and the 68 data bytes', () => {
  const h = decodeSmb1Header(WRITE, 0, WRITE.length)
  assert.ok(h.ok)
  assert.equal(h.value.command, SMB1_COM_WRITE_ANDX)
  const r = decodeSmb1WriteRequest(WRITE, h.value)
  assert.ok(r.ok)
  assert.equal(r.value.fid, 0x4000)
  assert.equal(r.value.offset, 0)
  assert.equal(r.value.dataLength, 68)
  const data = WRITE.subarray(r.value.dataOffset, r.value.dataOffset + r.value.dataLength)
  assert.match(
    data.toString('latin1'),
    /^X5O!P%@AP\[4\\PZX54\(P\^\)7CC\)7\}\$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!\$H\+H\*$/,
  )
})

test('READ_ANDX and CLOSE word counts are checked', () => {
  const h = decodeSmb1Header(WRITE, 0, WRITE.length)
  assert.ok(h.ok)
  const rq = decodeSmb1ReadRequest(WRITE, h.value)
  assert.ok(!rq.ok)
  assert.equal(rq.error.code, 'smb1.bad_word_count')
  assert.ok(!decodeSmb1ReadResponse(WRITE, h.value).ok)
  assert.ok(decodeSmb1CloseRequest(WRITE, h.value).ok)
})

test('every prefix decodes or fails with a typed error', () => {
  for (const msg of [TREE_CONNECT, NT_CREATE, NT_CREATE_RESP, WRITE]) {
    for (let n = 0; n <= msg.length; n++) {
      const h = decodeSmb1Header(msg, 0, n)
      if (!h.ok) {
        assert.match(h.error.code, /^smb1\./)
        continue
      }
      decodeSmb1TreeConnectRequest(msg, 0, h.value, n)
      decodeSmb1NtCreateRequest(msg, 0, h.value, n)
    }
  }
})

test('fuzz: random bytes after an SMB1 magic never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (arr) => {
      const b = Buffer.concat([hex('ff534d42'), Buffer.from(arr)])
      const h = decodeSmb1Header(b, 0, b.length)
      if (!h.ok) return
      decodeSmb1TreeConnectRequest(b, 0, h.value, b.length)
      decodeSmb1NtCreateRequest(b, 0, h.value, b.length)
      decodeSmb1NtCreateResponse(b, h.value)
      decodeSmb1WriteRequest(b, h.value)
      decodeSmb1ReadRequest(b, h.value)
      decodeSmb1ReadResponse(b, h.value)
      decodeSmb1CloseRequest(b, h.value)
    }),
    { numRuns: 1000 },
  )
})
