/**
 * The 13-message syslog torture set of packages.md §4.4 (Cisco IOS seq + `*` timestamp, IOS with host, ASA
 * with year, Junos BSD app[pid], Junos 5424 SD, Windows 5424 with BOM and +01:00, Snare tab, 5424 SD
 * escapes, all-NILVALUE, SD-ID without params, single-digit day, no PRI, PRI 999), each with the fields
 * its format defines (RFC 5424 §6, RFC 3164 §4.1, Cisco/rsyslog pmciscoios), plus year rollover,
 * invalid UTF-8, size limits, and fuzz/truncation properties.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { looksBinary } from './common.js'
import { parseSyslog } from './parse.js'

/** Reference receive time: 2026-11-22T00:00:00Z. */
const REF = Date.UTC(2026, 10, 22) / 1000
const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number) =>
  Date.UTC(y, mo - 1, d, h, mi, s) / 1000

function ok(m: Buffer | string) {
  const r = parseSyslog(m, REF)
  assert.ok(r.ok, `expected ok for ${String(m)}`)
  return r.value
}

test('1 Cisco IOS: counter, sequence number and * timestamp', () => {
  const v = ok(
    '<189>237: 000231: *Jan  8 19:46:03.295 UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/1, changed state to up',
  )
  assert.equal(v.format, 'cisco')
  assert.equal(v.facility, 23)
  assert.equal(v.severity, 5)
  assert.equal(v.msg_id, 'LINEPROTO-5-UPDOWN')
  assert.equal(v.hostname, undefined)
  assert.equal(v.ts, utc(2026, 1, 8, 19, 46, 3) + 0.295)
  assert.match(v.message, /^%LINEPROTO-5-UPDOWN: Line protocol/)
})

test('2 Cisco IOS with origin-id host and zone name', () => {
  const v = ok(
    '<189>1179: NetAuto_CSRv-03: May 31 15:25:53.743 MEST: %LINK-5-CHANGED: Interface GigabitEthernet2, changed state to administratively down',
  )
  assert.equal(v.hostname, 'NetAuto_CSRv-03')
  assert.equal(v.msg_id, 'LINK-5-CHANGED')
  assert.equal(v.ts, utc(2026, 5, 31, 15, 25, 53) + 0.743)
})

test('3 Cisco ASA with year and device-id', () => {
  const v = ok(
    '<166>Jan 05 2023 12:34:56 fw01 : %ASA-6-302013: Built outbound TCP connection 9 for outside:198.51.100.7/80 (198.51.100.7/80) to inside:10.0.0.5/51000 (203.0.113.2/51000)',
  )
  assert.equal(v.format, 'cisco')
  assert.equal(v.hostname, 'fw01')
  assert.equal(v.msg_id, 'ASA-6-302013')
  assert.equal(v.facility, 20)
  assert.equal(v.severity, 6)
  assert.equal(v.ts, utc(2023, 1, 5, 12, 34, 56))
})

test('4 Junos BSD with app[pid]', () => {
  const v = ok(
    '<28>Jul 20 21:45:59 vmx01 rpd[1234]: RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 10.0.0.1 changed state from Established to Idle',
  )
  assert.equal(v.format, 'rfc3164')
  assert.equal(v.hostname, 'vmx01')
  assert.equal(v.app_name, 'rpd')
  assert.equal(v.proc_id, '1234')
  assert.equal(v.facility, 3)
  assert.equal(v.severity, 4)
  assert.match(v.message, /^RPD_BGP_NEIGHBOR_STATE_CHANGED: /)
})

test('5 Junos RFC 5424 with junos@2636 structured data', () => {
  const v = ok(
    '<14>1 2024-03-01T10:00:00.123Z srx1 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.40 reason="TCP FIN" source-address="10.0.0.5" source-port="51000" destination-address="198.51.100.7" destination-port="80"] session closed TCP FIN',
  )
  assert.equal(v.format, 'rfc5424')
  assert.equal(v.hostname, 'srx1')
  assert.equal(v.app_name, 'RT_FLOW')
  assert.equal(v.proc_id, undefined)
  assert.equal(v.msg_id, 'RT_FLOW_SESSION_CLOSE')
  assert.deepEqual(v.structured_data?.['junos@2636.1.1.1.2.40']?.reason, 'TCP FIN')
  assert.equal(v.structured_data?.['junos@2636.1.1.1.2.40']?.['destination-port'], '80')
  assert.equal(v.message, 'session closed TCP FIN')
  assert.equal(v.ts, utc(2024, 3, 1, 10, 0, 0) + 0.123)
})

test('6 Windows RFC 5424 with BOM and +01:00 offset', () => {
  const bom = Buffer.concat([
    Buffer.from('<14>1 2024-03-01T11:00:00.5+01:00 WIN10 Microsoft-Windows-Sysmon 2580 1 - '),
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('Process Create: Image: C:\\Windows\\System32\\cmd.exe'),
  ])
  const v = ok(bom)
  assert.equal(v.ts, utc(2024, 3, 1, 10, 0, 0) + 0.5)
  assert.equal(v.message, 'Process Create: Image: C:\\Windows\\System32\\cmd.exe')
  assert.equal(v.msg_id, '1')
  assert.equal(v.proc_id, '2580')
})

test('7 Snare tab-separated record', () => {
  const v = ok(
    '<13>Nov 21 10:00:00 WIN10 MSWinEventLog\t1\tSecurity\t42\tSat Nov 21 10:00:00 2026\t4688\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tWIN10\tProcess Creation\t\tA new process has been created.\t12',
  )
  assert.equal(v.hostname, 'WIN10')
  assert.ok(v.message.startsWith('MSWinEventLog\t1\tSecurity'))
})

test('8 RFC 5424 SD-PARAM escapes \\" \\\\ \\] and a literal backslash', () => {
  const v = ok(
    '<165>1 2003-10-11T22:14:15.003Z host app - ID47 [ex@32473 a="q\\"u\\]o\\\\te" b="c\\d"][second@1 x="]"] msg',
  )
  assert.deepEqual(v.structured_data, { 'ex@32473': { a: 'q"u]o\\te', b: 'c\\d' }, 'second@1': { x: ']' } })
  assert.equal(v.message, 'msg')
})

test('9 all NILVALUE', () => {
  const v = ok('<14>1 - - - - - -')
  assert.equal(v.format, 'rfc5424')
  assert.equal(v.hostname, undefined)
  assert.equal(v.app_name, undefined)
  assert.equal(v.structured_data, undefined)
  assert.equal(v.message, '')
  assert.equal(v.tsFromMessage, false)
  assert.equal(v.ts, REF)
})

test('10 SD-ID without parameters', () => {
  const v = ok('<14>1 2020-01-01T00:00:00Z h a - - [origin] hello')
  assert.deepEqual(v.structured_data, { origin: {} })
  assert.equal(v.message, 'hello')
})

test('11 single-digit day', () => {
  const v = ok('<13>Nov 3 01:02:03 host app: text')
  assert.equal(v.ts, utc(2026, 11, 3, 1, 2, 3))
  assert.equal(v.hostname, 'host')
  assert.equal(v.app_name, 'app')
})

test('12 no PRI: counted, still parsed', () => {
  const v = ok('Nov  3 01:02:03 host app[7]: text')
  assert.deepEqual(v.warnings, ['syslog.pri_missing'])
  assert.equal(v.facility, undefined)
  assert.equal(v.app_name, 'app')
  assert.equal(v.proc_id, '7')
})

test('13 PRI 999 is invalid, treated as no PRI', () => {
  const v = ok('<999>Nov  3 01:02:03 host app: text')
  assert.deepEqual(v.warnings, ['syslog.pri_invalid'])
  assert.equal(v.facility, undefined)
  assert.equal(v.hostname, 'host')
})

test('year rollover around New Year follows the reference time', () => {
  const jan2 = Date.UTC(2027, 0, 2) / 1000
  const r = parseSyslog('<13>Dec 31 23:59:59 h a: x', jan2)
  assert.ok(r.ok)
  assert.equal(r.value.ts, utc(2026, 12, 31, 23, 59, 59))
  const dec30 = Date.UTC(2026, 11, 30) / 1000
  const r2 = parseSyslog('<13>Jan  1 00:00:01 h a: x', dec30)
  assert.ok(r2.ok)
  assert.equal(r2.value.ts, utc(2027, 1, 1, 0, 0, 1))
})

test('zone-less timestamps take the configured offset', () => {
  const r = parseSyslog('<13>Nov  3 01:02:03 h a: x', REF, { tzOffsetMinutes: 60 })
  assert.ok(r.ok)
  assert.equal(r.value.ts, utc(2026, 11, 3, 0, 2, 3))
})

test('NX-OS year-first and RFC 3339 BSD-style headers', () => {
  const v = ok('<190>2018 Apr 20 13:15:07 nexus-switch %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down')
  assert.equal(v.ts, utc(2018, 4, 20, 13, 15, 7))
  assert.equal(v.hostname, 'nexus-switch')
  assert.equal(v.msg_id, 'ETHPORT-5-IF_DOWN_LINK_FAILURE')
  const w = ok('<13>2013-09-12T19:16:34.457849+04:00 localhost through rsyslog: test')
  assert.equal(w.hostname, 'localhost')
  assert.ok(Math.abs(w.ts - (utc(2013, 9, 12, 15, 16, 34) + 0.457849)) < 1e-6)
})

test('invalid UTF-8 is decoded as latin1 and counted', () => {
  const v = ok(Buffer.from([...Buffer.from('<13>Nov  3 01:02:03 h a: caf'), 0xe9, 0x20, 0x21]))
  assert.deepEqual(v.warnings, ['syslog.invalid_utf8'])
  assert.equal(v.message, 'café !')
})

test('hard errors: empty, too long, binary', () => {
  const e = (m: Buffer | string, code: string, max?: number) => {
    const r = parseSyslog(m, REF, max !== undefined ? { maxMessageBytes: max } : {})
    assert.ok(!r.ok)
    assert.equal(r.error.code, code)
  }
  e('\n\r\0', 'syslog.empty')
  e('x'.repeat(101), 'syslog.too_long', 100)
  e(Buffer.from([0x3c, 0x31, 0x3e, 0x00, 0x01, 0x02, 0xff, 0x10]), 'syslog.not_text')
})

test('trailing NUL / CRLF framing bytes are not part of the message', () => {
  assert.equal(ok('<5>Sep 12 19:16:12 through logger: test message 21\0').message, 'test message 21')
  assert.equal(ok('<5>Sep 12 19:16:12 h logger: m\r\n').message, 'm')
})

const KNOWN = new Set(['syslog.empty', 'syslog.too_long', 'syslog.not_text'])

test('fuzz: random bytes and every prefix give ok or a known DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
      const r = parseSyslog(Buffer.from(a), REF)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
    }),
    { numRuns: 2000 },
  )
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = parseSyslog(`<13>1 ${s}`, REF)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
      else assert.ok(Number.isFinite(r.value.ts))
    }),
    { numRuns: 2000 },
  )
  const samples = [
    '<165>1 2003-10-11T22:14:15.003Z host app - ID47 [ex@32473 a="q\\"u\\]o\\\\te" b="c\\d"] msg',
    '<189>237: 000231: *Jan  8 19:46:03.295 UTC: %LINEPROTO-5-UPDOWN: x',
    '<166>Jan 05 2023 12:34:56 fw01 : %ASA-6-302014: Teardown TCP connection 9 for a:1.2.3.4/80 to b:10.0.0.1/5 duration 0:00:01 bytes 5',
  ]
  for (const s of samples) {
    const b = Buffer.from(s)
    for (let n = 0; n <= b.length; n++) {
      const r = parseSyslog(b.subarray(0, n), REF)
      if (!r.ok) assert.ok(KNOWN.has(r.error.code))
      else assert.ok(Number.isFinite(r.value.ts))
    }
  }
})

test('binary detection: a message is rejected as not text exactly when its bytes look binary', () => {
  const byte = fc.oneof(
    fc.integer({ min: 0, max: 31 }),
    fc.integer({ min: 32, max: 126 }),
    fc.integer({ min: 127, max: 255 }),
  )
  const utf8 = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => [...Buffer.from(s)])
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          byte.map((b) => [b]),
          utf8,
        ),
        { maxLength: 200 },
      ),
      (parts) => {
        const buf = Buffer.from(parts.flat())
        let e = buf.length
        while (e > 0 && (buf[e - 1] === 10 || buf[e - 1] === 13 || buf[e - 1] === 0)) e--
        const r = parseSyslog(buf, 1.7e9)
        const notText = !r.ok && r.error.code === 'syslog.not_text'
        if (e > 0) assert.equal(notText, looksBinary(buf, 0, e))
        else assert.equal(notText, false)
      },
    ),
    { numRuns: 2000 },
  )
})
