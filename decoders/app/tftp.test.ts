import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decodeTftp, probeTftp, tftpErrorName } from './tftp.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|#.*$/gm, ''), 'hex')

// RRQ from curl in pcaps/tftp/tftp-rrq-blksize.pcap (tshark: tftp.source_file big.cfg, tsize 0, blksize 1024, timeout 6).
const RRQ = hex(`
  0001                     # opcode 1 RRQ
  6269672e63666700         # "big.cfg" NUL
  6f6374657400             # "octet" NUL
  7473697a650030 00        # "tsize" NUL "0" NUL
  626c6b73697a6500 3130323400 # "blksize" NUL "1024" NUL
  74696d656f757400 3600    # "timeout" NUL "6" NUL
`)

test('RRQ with RFC 2347 options', () => {
  const r = decodeTftp(RRQ, 0, RRQ.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value, {
    opcode: 1,
    filename: 'big.cfg',
    mode: 'octet',
    options: { tsize: '0', blksize: '1024', timeout: '6' },
  })
  assert.equal(probeTftp(0, RRQ, 0, RRQ.length), 'yes')
  assert.equal(probeTftp(1, RRQ, 0, RRQ.length), 'no')
})

test('mode is case-insensitive and validated; bogus opcode is tftp.bad_opcode', () => {
  const w = Buffer.from('\x00\x02a.bin\x00NetASCII\x00', 'latin1')
  const r = decodeTftp(w, 0, w.length)
  assert.ok(r.ok && r.value.opcode === 2 && r.value.mode === 'netascii')
  const bad = Buffer.from('\x00\x02a.bin\x00binary\x00', 'latin1')
  const e = decodeTftp(bad, 0, bad.length)
  assert.ok(!e.ok && e.error.code === 'tftp.bad_mode')
  assert.equal(probeTftp(0, bad, 0, bad.length), 'no')
  const op = hex('0009 0001')
  const o = decodeTftp(op, 0, op.length)
  assert.ok(!o.ok && o.error.code === 'tftp.bad_opcode')
  const empty = Buffer.from('\x00\x01\x00octet\x00', 'latin1')
  const em = decodeTftp(empty, 0, empty.length)
  assert.ok(!em.ok && em.error.code === 'tftp.empty_filename')
})

test('DATA, ACK, ERROR and OACK', () => {
  const d = hex('0003 0045 7f454c46')
  const r = decodeTftp(d, 0, d.length)
  assert.ok(r.ok && r.value.opcode === 3)
  assert.equal(r.value.block, 0x45)
  assert.equal(r.value.dataEnd - r.value.dataOff, 4)
  const a = decodeTftp(hex('0004 0000'), 0, 4)
  assert.ok(a.ok && a.value.opcode === 4 && a.value.block === 0)
  const er = Buffer.from('\x00\x05\x00\x01File not found\x00', 'latin1')
  const e = decodeTftp(er, 0, er.length)
  assert.ok(e.ok && e.value.opcode === 5)
  assert.equal(e.value.errorCode, 1)
  assert.equal(e.value.message, 'File not found')
  assert.equal(tftpErrorName(1), 'file-not-found')
  assert.equal(tftpErrorName(42), 'unknown-42')
  const oa = Buffer.from('\x00\x06tsize\x006292\x00blksize\x001024\x00', 'latin1')
  const o = decodeTftp(oa, 0, oa.length)
  assert.ok(o.ok && o.value.opcode === 6)
  assert.deepEqual(o.value.options, { tsize: '6292', blksize: '1024' })
})

test('every prefix of the RRQ decodes or fails with a code, never throws', () => {
  for (let n = 0; n <= RRQ.length; n++) {
    const r = decodeTftp(RRQ, 0, n)
    if (!r.ok) assert.match(r.error.code, /^tftp\./)
    const p = probeTftp(0, RRQ, 0, n)
    assert.ok(p === 'yes' || p === 'no' || p === 'need-more')
  }
})

test('fuzz: random bytes never throw and never read past end', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(600), (arr, cut) => {
      const buf = Buffer.from(arr)
      const end = Math.min(cut, buf.length)
      const r = decodeTftp(buf, 0, end)
      if (r.ok) assert.ok(r.next <= end)
      else assert.match(r.error.code, /^tftp\./)
      probeTftp(0, buf, 0, end)
    }),
    { numRuns: 2000 },
  )
})
