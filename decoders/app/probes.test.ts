/** Tests of the identification probes in ssh.ts, smtp.ts, rdp.ts, irc.ts and mail-banners.ts. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { probeIrc } from './irc.js'
import { probeImap, probePop3 } from './mail-banners.js'
import { probeRdp } from './rdp.js'
import { probeSmtp } from './smtp.js'
import { decodeSshBanner, probeSsh } from './ssh.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
type P = (dir: 0 | 1, buf: Buffer, off: number, end: number) => 'yes' | 'no' | 'need-more'
const run = (p: P, dir: 0 | 1, s: string | Buffer) => {
  const buf = typeof s === 'string' ? b(s) : s
  return p(dir, buf, 0, buf.length)
}

test('SSH banners (RFC 4253 §4.2), from pcaps/portmismatch/ssh-on-443.pcap', () => {
  const s = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n'
  assert.equal(run(probeSsh, 0, s), 'yes')
  assert.equal(run(probeSsh, 1, 'SSH-1.99-x\r\n'), 'yes')
  assert.equal(run(probeSsh, 0, 'SSH'), 'need-more')
  assert.equal(run(probeSsh, 0, 'GET / HTTP/1.1'), 'no')
  const r = decodeSshBanner(b(s), 0, s.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value, { protoVersion: '2.0', software: 'OpenSSH_9.2p1', comments: 'Debian-2+deb12u10' })
})

test('SMTP greeting and EHLO (RFC 5321), not an FTP greeting', () => {
  assert.equal(run(probeSmtp, 1, '220 mx.example.com ESMTP Postfix\r\n'), 'yes')
  assert.equal(run(probeSmtp, 1, '220 (vsFTPd 3.0.3)\r\n'), 'no')
  assert.equal(run(probeSmtp, 0, 'EHLO client.example\r\n'), 'yes')
  assert.equal(run(probeSmtp, 0, 'EH'), 'need-more')
})

test('RDP X.224 Connection Request / Confirm (MS-RDPBCGR 2.2.1.1)', () => {
  // TPKT v3, length 19; X.224 LI 14, CR 0xE0; RDP_NEG_REQ (mstsc's first segment).
  const req = Buffer.from('030000130ee00000000000010008000b000000', 'hex')
  assert.equal(run(probeRdp, 0, req), 'yes')
  assert.equal(run(probeRdp, 1, req), 'no')
  const cc = Buffer.from('030000130ed00000123400020f080001000000', 'hex')
  assert.equal(run(probeRdp, 1, cc), 'yes')
  assert.equal(run(probeRdp, 0, Buffer.from('0300', 'hex')), 'need-more')
  // A TPKT whose X.224 length indicator exceeds the TPKT length is not RDP.
  assert.equal(run(probeRdp, 0, Buffer.from('030000130fe0', 'hex')), 'no')
})

test('IRC registration and server replies (RFC 2812)', () => {
  assert.equal(run(probeIrc, 0, 'NICK bot\r\nUSER bot 0 * :bot\r\n'), 'yes')
  assert.equal(run(probeIrc, 1, ':irc.example.net 001 bot :Welcome\r\n'), 'yes')
  assert.equal(run(probeIrc, 1, ':irc.example.net NOTICE * :Looking up\r\n'), 'yes')
  assert.equal(run(probeIrc, 1, 'HTTP/1.1 200 OK\r\n'), 'no')
})

test('POP3 and IMAP greetings', () => {
  assert.equal(run(probePop3, 1, '+OK Dovecot ready.\r\n'), 'yes')
  assert.equal(run(probePop3, 0, 'CAPA\r\n'), 'yes')
  assert.equal(run(probeImap, 1, '* OK [CAPABILITY IMAP4rev1] ready\r\n'), 'yes')
  assert.equal(run(probeImap, 0, 'a001 CAPABILITY\r\n'), 'yes')
  assert.equal(run(probeImap, 0, 'GET / HTTP/1.1\r\n'), 'no')
})

test('fuzz: every probe answers yes/no/need-more on random bytes, never throws', () => {
  const probes: P[] = [probeSsh, probeSmtp, probeRdp, probeIrc, probePop3, probeImap]
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom<0 | 1>(0, 1), (arr, dir) => {
      const buf = Buffer.from(arr)
      for (const p of probes) assert.ok(['yes', 'no', 'need-more'].includes(p(dir, buf, 0, buf.length)))
      const r = decodeSshBanner(buf, 0, buf.length)
      if (!r.ok) assert.match(r.error.code, /^ssh\./)
    }),
    { numRuns: 1000 },
  )
})
