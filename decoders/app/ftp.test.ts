import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  decodeFtpCommand,
  decodeFtpReply,
  parseFtp150Size,
  parseFtp213Size,
  parseFtpEprt,
  parseFtpEpsv,
  parseFtpHostPort,
  probeFtp,
} from './ftp.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')

test('commands and replies (lines from pcaps/ftp, tshark ftp.request.command / ftp.response.code)', () => {
  const c = b('RETR tool.elf')
  const r = decodeFtpCommand(c, 0, c.length)
  assert.ok(r.ok)
  assert.deepEqual(r.value, { command: 'RETR', arg: 'tool.elf' })
  const q = b('quit')
  const rq = decodeFtpCommand(q, 0, q.length)
  assert.ok(rq.ok && rq.value.command === 'QUIT' && rq.value.arg === '')
  const bad = b('GET / HTTP/1.1')
  assert.ok(decodeFtpCommand(bad, 0, bad.length).ok) // syntactically a verb + arg; semantics are the analyzer's
  const junk = b('\x16\x03\x01')
  const j = decodeFtpCommand(junk, 0, junk.length)
  assert.ok(!j.ok && j.error.code === 'ftp.bad_command')
  const rep = b('150 Opening BINARY mode data connection for tool.elf (35664 bytes).')
  const rr = decodeFtpReply(rep, 0, rep.length)
  assert.ok(rr.ok && rr.value.code === 150 && !rr.value.continued)
  assert.equal(parseFtp150Size(rr.value.text), 35664)
  const ml = b('220-Welcome')
  const m = decodeFtpReply(ml, 0, ml.length)
  assert.ok(m.ok && m.value.continued && m.value.code === 220)
  const nope = b('999 x')
  assert.ok(!decodeFtpReply(nope, 0, nope.length).ok)
  assert.equal(parseFtp213Size('35664'), 35664)
  assert.equal(parseFtp213Size('Could not get file size.'), undefined)
})

test('PASV, EPSV, PORT and EPRT address forms (RFC 959 §4.1.2, RFC 2428)', () => {
  assert.deepEqual(parseFtpHostPort('Entering Passive Mode (198,51,100,80,156,91).'), {
    host: '198.51.100.80',
    port: 156 * 256 + 91,
  })
  assert.deepEqual(parseFtpHostPort('10,66,0,2,167,227'), { host: '10.66.0.2', port: 167 * 256 + 227 })
  assert.equal(parseFtpHostPort('1,2,3,300,1,1'), undefined)
  assert.deepEqual(parseFtpEpsv('Entering Extended Passive Mode (|||40086|)'), { port: 40086 })
  assert.equal(parseFtpEpsv('Entering Extended Passive Mode (|||99999|)'), undefined)
  assert.deepEqual(parseFtpEprt('|1|10.66.0.2|40917|'), { host: '10.66.0.2', port: 40917 })
  assert.deepEqual(parseFtpEprt('|2|2001:db8::1|5282|'), { host: '2001:db8::1', port: 5282 })
  assert.equal(parseFtpEprt('|1|not-an-ip|1|'), undefined)
})

test('probe: client session verbs and FTP greetings, not SMTP greetings', () => {
  const yes = (d: 0 | 1, s: string) => probeFtp(d, b(s), 0, s.length)
  assert.equal(yes(0, 'USER anonymous\r\n'), 'yes')
  assert.equal(yes(0, 'US'), 'need-more')
  assert.equal(yes(0, 'GET / HTTP/1.1\r\n'), 'no')
  assert.equal(yes(1, '220 (vsFTPd 3.0.3)\r\n'), 'yes')
  assert.equal(yes(1, '220 mail.example.com ESMTP Postfix\r\n'), 'no')
  assert.equal(yes(1, '220 '), 'need-more')
  assert.equal(yes(1, 'SSH-2.0-x'), 'no')
})

test('fuzz: decoders and probes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom<0 | 1>(0, 1), (arr, dir) => {
      const buf = Buffer.from(arr)
      for (const r of [decodeFtpCommand(buf, 0, buf.length), decodeFtpReply(buf, 0, buf.length)]) {
        if (!r.ok) assert.match(r.error.code, /^ftp\./)
      }
      probeFtp(dir, buf, 0, buf.length)
      const s = buf.toString('latin1')
      parseFtpHostPort(s)
      parseFtpEprt(s)
      parseFtpEpsv(s)
    }),
    { numRuns: 2000 },
  )
})
