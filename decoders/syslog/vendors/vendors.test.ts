/**
 * Network-device lines → connection records, with fixtures written by hand in each vendor's documented
 * format: Cisco ASA 302013/302014/302015/302016 (Cisco "ASA Series Syslog Messages"), IOS
 * %SEC-6-IPACCESSLOGP/DP/NP, Juniper SRX RT_FLOW_SESSION_CLOSE (text and structured), PAN-OS TRAFFIC
 * CSV (field positions from the PAN-OS "Traffic Log Fields" table), Fortinet traffic key=value (the
 * FortiOS "Sample logs by log type" forward-traffic sample's fields).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseSyslog } from '../parse.js'
import { parseFortiKv } from './fortinet.js'
import { AsaState, interpretNetworkLine } from './index.js'

const REF = Date.UTC(2026, 10, 22) / 1000

function flow(line: string, asa = new AsaState()) {
  const r = parseSyslog(line, REF)
  assert.ok(r.ok)
  return interpretNetworkLine(r.value, r.value.hostname ?? 'peer', asa)
}

test('ASA: Built outbound + Teardown → one record, originator from Built, total bytes undirected', () => {
  const st = new AsaState()
  const b = flow(
    '<166>Mar 04 2024 10:00:00 fw01 : %ASA-6-302013: Built outbound TCP connection 4711 for outside:198.51.100.80/79 (198.51.100.80/79) to inside:10.1.1.5/51515 (203.0.113.2/51515)',
    st,
  )
  assert.equal(b, undefined)
  assert.equal(st.size, 1)
  const t = flow(
    '<166>Mar 04 2024 10:01:23 fw01 : %ASA-6-302014: Teardown TCP connection 4711 for outside:198.51.100.80/79 to inside:10.1.1.5/51515 duration 0:01:23 bytes 48213 TCP FINs',
    st,
  )
  assert.ok(t)
  assert.equal(st.size, 0)
  assert.equal(t.orig_h, '10.1.1.5')
  assert.equal(t.orig_p, 51515)
  assert.equal(t.resp_h, '198.51.100.80')
  assert.equal(t.resp_p, 79)
  assert.equal(t.proto, 'tcp')
  assert.equal(t.duration, 83)
  assert.equal(t.ts, Date.UTC(2024, 2, 4, 10, 0, 0) / 1000)
  assert.equal(t.orig_bytes, 48213)
  assert.equal(t.resp_bytes, 0)
  assert.equal(t.bytes_undirected, true)
  assert.equal(t.conn_state, 'SF')
})

test('ASA: inbound Built makes the `for` side the originator; UDP teardown without Built uses ports', () => {
  const st = new AsaState()
  flow(
    '<166>Mar 04 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 5 for outside:203.0.113.9/40000 (203.0.113.9/40000) to dmz:10.2.0.10/445 (198.51.100.10/445)',
    st,
  )
  const t = flow(
    '<166>Mar 04 2024 10:00:05 fw01 : %ASA-6-302014: Teardown TCP connection 5 for outside:203.0.113.9/40000 to dmz:10.2.0.10/445 duration 0:00:05 bytes 1000 TCP Reset-O',
    st,
  )
  assert.equal(t?.orig_h, '203.0.113.9')
  assert.equal(t?.resp_p, 445)
  assert.equal(t?.end_reason, 'rst')
  const u = flow(
    '<166>Mar 04 2024 10:00:05 fw01 : %ASA-6-302016: Teardown UDP connection 77 for outside:198.51.100.53/69 to inside:10.1.1.7/50123 duration 0:00:02 bytes 24576',
    st,
  )
  assert.equal(u?.proto, 'udp')
  assert.equal(u?.orig_h, '10.1.1.7')
  assert.equal(u?.resp_p, 69)
})

test('IOS ACL: IPACCESSLOGP with packets, DP (icmp type/code), NP (protocol number)', () => {
  const p = flow(
    '<190>421370: 421366: Nov 21 22:23:27: %SEC-6-IPACCESSLOGP: list ACL-OUT permitted tcp 10.1.1.5(51515) -> 198.51.100.80(79), 3 packets',
  )
  assert.equal(p?.orig_h, '10.1.1.5')
  assert.equal(p?.orig_p, 51515)
  assert.equal(p?.resp_p, 79)
  assert.equal(p?.orig_pkts, 3)
  assert.equal(p?.orig_bytes, 0)
  assert.equal(p?.fw_action, 'allow')
  const d = flow(
    '<190>12: Nov 21 22:23:27: %SEC-6-IPACCESSLOGDP: list 101 denied icmp 10.1.1.5 -> 10.2.2.2 (8/0), 1 packet',
  )
  assert.equal(d?.proto, 'icmp')
  assert.equal(d?.orig_p, 8)
  assert.equal(d?.fw_action, 'deny')
  assert.equal(d?.conn_state, 'REJ')
  const n = flow('<190>13: Nov 21 22:23:27: %SEC-6-IPACCESSLOGNP: list 100 denied 47 10.1.1.5 -> 10.2.2.2, 5 packets')
  assert.equal(n?.proto, 'other')
  assert.equal(n?.orig_pkts, 5)
})

test('Juniper SRX RT_FLOW_SESSION_CLOSE, text form: directional bytes, elapsed, application', () => {
  const t = flow(
    '<14>Mar  4 10:00:30 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.1.5/51516->198.51.100.80/80 junos-http 203.0.113.2/21000->198.51.100.80/80 source-nat-rule-1 N/A 6 trust-to-untrust trust untrust 40001 12(1234) 40(5242880) 30 HTTP UNKNOWN N/A(N/A) ge-0/0/0.0 No',
  )
  assert.ok(t)
  assert.equal(t.orig_h, '10.1.1.5')
  assert.equal(t.resp_h, '198.51.100.80')
  assert.equal(t.proto, 'tcp')
  assert.equal(t.orig_pkts, 12)
  assert.equal(t.orig_bytes, 1234)
  assert.equal(t.resp_pkts, 40)
  assert.equal(t.resp_bytes, 5242880)
  assert.equal(t.duration, 30)
  assert.equal(t.fw_app, 'HTTP')
  assert.equal(t.end_reason, 'fin')
})

test('Juniper SRX structured form (junos@2636 SD)', () => {
  const t = flow(
    '<14>1 2024-03-04T10:00:30.000Z srx1 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.40 reason="idle Timeout" source-address="10.1.1.5" source-port="50000" destination-address="198.51.100.69" destination-port="69" service-name="junos-tftp" protocol-id="17" packets-from-client="3" bytes-from-client="120" packets-from-server="50" bytes-from-server="25600" elapsed-time="61" application="TFTP" nested-application="UNKNOWN" username="N/A"]',
  )
  assert.ok(t)
  assert.equal(t.proto, 'udp')
  assert.equal(t.resp_bytes, 25600)
  assert.equal(t.duration, 61)
  assert.equal(t.ts, Date.UTC(2024, 2, 4, 10, 0, 30) / 1000 - 61)
  assert.equal(t.end_reason, 'idle')
  assert.equal(t.fw_app, 'TFTP')
})

test('PAN-OS TRAFFIC end record: bytes sent/received, app, user; start records skipped', () => {
  const f = Array.from({ length: 50 }, () => '')
  const set = (i: number, v: string) => {
    f[i] = v
  }
  set(0, '1')
  set(1, '2024/03/04 10:00:40')
  set(2, '016401002737')
  set(3, 'TRAFFIC')
  set(4, 'end')
  set(6, '2024/03/04 10:00:40')
  set(7, '10.1.1.5')
  set(8, '198.51.100.80')
  set(11, 'allow-web')
  set(12, 'corp\\alice')
  set(14, 'web-browsing')
  set(22, '33333')
  set(24, '51517')
  set(25, '80')
  set(29, 'tcp')
  set(30, 'allow')
  set(31, '2100000')
  set(32, '100000')
  set(33, '2000000')
  set(34, '1500')
  set(36, '12')
  set(44, '500')
  set(45, '1000')
  set(46, 'tcp-fin')
  const t = flow(`<14>Mar  4 10:00:40 pa-fw1 1,${f.slice(1).join(',')}`)
  assert.ok(t)
  assert.equal(t.orig_h, '10.1.1.5')
  assert.equal(t.resp_p, 80)
  assert.equal(t.orig_bytes, 100000)
  assert.equal(t.resp_bytes, 2000000)
  assert.equal(t.orig_pkts, 500)
  assert.equal(t.resp_pkts, 1000)
  assert.equal(t.duration, 12)
  assert.equal(t.fw_app, 'web-browsing')
  assert.equal(t.user, 'corp\\alice')
  set(4, 'start')
  assert.equal(flow(`<14>Mar  4 10:00:40 pa-fw1 1,${f.slice(1).join(',')}`), undefined)
})

test('PAN-OS THREAT lines are not flows', () => {
  assert.equal(
    flow('2023-07-06T08:11:40+02:00 pa 1,2023/07/06 08:11:40,016401002737,THREAT,vulnerability,2561,x'),
    undefined,
  )
})

test('Fortinet traffic key=value (FortiOS sample fields), eventtime in ns', () => {
  const t = flow(
    '<189>date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" vd="vdom1" eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 srcintf="port12" dstip=23.59.154.35 dstport=80 dstintf="port11" sessionid=105048 proto=6 action="close" policyid=1 service="HTTP" app="HTTP.BROWSER_Firefox" duration=116 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16',
  )
  assert.ok(t)
  assert.equal(t.orig_h, '10.1.100.11')
  assert.equal(t.resp_h, '23.59.154.35')
  assert.equal(t.orig_bytes, 1188)
  assert.equal(t.resp_bytes, 1224)
  assert.equal(t.orig_pkts, 17)
  assert.equal(t.duration, 116)
  assert.equal(t.fw_app, 'HTTP.BROWSER_Firefox')
  assert.ok(Math.abs(t.ts - (1557513467.3699 - 116)) < 1e-3)
  const deny = flow(
    '<189>date=2019-05-10 time=11:37:47 type="traffic" subtype="forward" srcip=10.1.100.11 srcport=1 dstip=198.51.100.1 dstport=79 proto=6 action="deny" sentbyte=0 rcvdbyte=0',
  )
  assert.equal(deny?.fw_action, 'deny')
})

test('fuzz: vendor interpreters never throw on arbitrary text after a known prefix', () => {
  const st = new AsaState(16)
  const prefixes = [
    '<166>Mar 04 2024 10:00:00 fw01 : %ASA-6-302014: Teardown TCP connection ',
    '<166>Mar 04 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection ',
    '<190>1: Nov 21 22:23:27: %SEC-6-IPACCESSLOGP: list ',
    '<14>Mar  4 10:00:30 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed ',
    '<14>Mar  4 10:00:40 pa 1,2024/03/04 10:00:40,1,TRAFFIC,end,',
    '<189>type="traffic" srcip=',
  ]
  fc.assert(
    fc.property(fc.constantFrom(...prefixes), fc.string({ maxLength: 200 }), (p, s) => {
      const r = parseSyslog(p + s, REF)
      if (r.ok) interpretNetworkLine(r.value, 'dev', st)
      assert.ok(st.size <= 16)
    }),
    { numRuns: 2000 },
  )
})

test('hostile long lines stay fast (bounded regex work)', () => {
  const st = new AsaState()
  const lines = [
    `<14>Mar  4 10:00:30 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed a: 1.1.1.1/1->2.2.2.2/2 s ${'1 '.repeat(3900)}`,
    `<14>Mar  4 10:00:30 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed a: 1.1.1.1/1->2.2.2.2/2 s x ${'9'.repeat(8000)}`,
    `<166>Mar 04 2024 10:00:00 fw01 : %ASA-6-302014: Teardown TCP connection 1 for ${'a:'.repeat(3900)}`,
    `<190>1: Nov 21 22:23:27: %SEC-6-IPACCESSLOGP: list x permitted tcp ${'1.'.repeat(3900)}`,
  ]
  const t0 = process.hrtime.bigint()
  for (const l of lines) flow(l, st)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  assert.ok(ms < 1000, `took ${ms} ms`)
})

test('Fortinet key=value scanner gives what the FortiOS pair regex gives, on random and tricky text', () => {
  // The reference: the documented pair syntax as one global regex (the parser's original implementation).
  const reference = (message: string): Map<string, string> => {
    const out = new Map<string, string>()
    const re = /([A-Za-z_][A-Za-z0-9_]{0,63})=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g
    let n = 0
    for (let x = re.exec(message); x !== null && n < 256; x = re.exec(message), n++) {
      const k = x[1] ?? ''
      if (!out.has(k)) out.set(k, x[2] ?? x[3] ?? '')
    }
    return out
  }
  const piece = fc.oneof(
    fc.constantFrom('=', '"', '\\', ' ', '\t', '\n', '\u00a0', '\u2028', 'srcip', 'type', '_', '9', 'a=b', 'k="v w"'),
    fc.string({ maxLength: 6 }),
    fc.stringMatching(/^[A-Za-z0-9_]{60,70}$/),
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const m = parts.join('')
      assert.deepEqual([...parseFortiKv(m)], [...reference(m)])
    }),
    { numRuns: 3000 },
  )
  for (const m of [
    'date=2024-03-04 type="traffic" srcip=10.0.0.1 msg="a \\"quoted\\" b" x=',
    'a="unterminated b=c',
    'k="x\\\ny" z=1',
    '9ab=1 _x=2 1=3 ==4 a==5',
    `${'k'.repeat(70)}=long`,
  ]) {
    assert.deepEqual([...parseFortiKv(m)], [...reference(m)], m)
  }
})
