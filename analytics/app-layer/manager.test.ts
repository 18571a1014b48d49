import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { newPacketView } from '../../decoders/packet-view.js'
import { Counters } from '../counters.js'
import MISMATCH from '../detections/protocol-port-mismatch.js'
import type { AppProtoEvent, HttpEvent, SensorEvent } from '../events.js'
import type { Flow } from '../flow.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import { DNS_TCP_SPEC } from './dns.js'
import { HTTP_SPEC } from './http.js'
import { AppLayer, MAX_WEIRDS_PER_FLOW } from './manager.js'
import { TLS_SPEC } from './tls.js'
import type { AnalyzerSpec, AppContext, Dir } from './types.js'

const SYN = 0x02
const ACK = 0x10
const FIN = 0x01

function mkFlow(proto: 'tcp' | 'udp', oh: string, op: number, rh: string, rp: number, uid = 'Cflow1'): Flow {
  return {
    uid,
    proto,
    ipProto: proto === 'tcp' ? 6 : 17,
    orig_h: oh,
    orig_p: op,
    resp_h: rh,
    resp_p: rp,
    vlan: -1,
    firstTs: 1,
    lastTs: 1,
    origPkts: 0,
    respPkts: 0,
    origIpBytes: 0,
    respIpBytes: 0,
    origBytes: 0,
    respBytes: 0,
    missedBytes: 0,
    history: '',
    service: [],
    serverName: undefined,
    appProtoTs: undefined,
    appProtoTc: undefined,
    app: undefined,
  }
}

const pv = newPacketView()

/** Feeds one packet of `flow` to the app layer, the way the pipeline does after FlowTable.update. */
function pkt(
  app: AppLayer,
  flow: Flow,
  fromOrig: boolean,
  seq: number,
  flags: number,
  payload: string | Buffer,
  ts = 1,
) {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload
  const frame = Buffer.concat([Buffer.alloc(54), data])
  pv.ts = ts
  pv.seq = seq >>> 0
  pv.tcpFlags = flags
  pv.payloadOff = 54
  pv.payloadEnd = 54 + data.length
  pv.payloadLen = data.length
  pv.isFragment = false
  if (fromOrig) flow.origBytes += data.length
  else flow.respBytes += data.length
  flow.lastTs = ts
  app.onPacket(flow, fromOrig, pv, frame)
}

function setup(analyzers: readonly AnalyzerSpec[], maxBufferBytes?: number) {
  const events: SensorEvent[] = []
  const counters = new Counters()
  const app = new AppLayer({
    analyzers,
    emit: (e) => events.push(e),
    counters,
    source: 'test',
    ...(maxBufferBytes !== undefined ? { maxBufferBytes } : {}),
  })
  return { app, events, counters }
}

test('HTTP on an unregistered port: identified per direction across a split first payload, confirmed, parsed', () => {
  const { app, events } = setup([HTTP_SPEC])
  const f = mkFlow('tcp', '10.0.0.1', 40000, '192.0.2.9', 31337)
  app.onFlowStart(f, 1)
  pkt(app, f, true, 100, SYN, '')
  pkt(app, f, false, 500, SYN | ACK, '')
  pkt(app, f, true, 101, ACK, 'GE') // 'need-more': kept as prefix
  assert.equal(f.appProtoTs, undefined)
  pkt(app, f, true, 103, ACK, 'T /x HTTP/1.1\r\nHost: h.test\r\n\r\n')
  assert.equal(f.appProtoTs, 'http')
  assert.equal(f.serverName, 'h.test')
  pkt(app, f, false, 501, ACK, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  assert.equal(f.appProtoTc, 'http')
  assert.deepEqual(f.service, ['http'])
  pkt(app, f, true, 134, FIN | ACK, '')
  app.onFlowEnd(f, 2)
  const h = events.find((e): e is HttpEvent => e.kind === 'http')
  assert.equal(h?.uri, '/x')
  assert.equal(h?.source, 'test')
  const ap = events.find((e): e is AppProtoEvent => e.kind === 'app-proto')
  assert.equal(ap?.app_proto, 'http')
  assert.equal(ap?.app_proto_ts, 'http')
  assert.equal(ap?.app_proto_tc, 'http')
  assert.equal(ap?.confirmed, true)
  assert.equal(ap?.port_proto, '')
  assert.equal(ap?.first_ts_hex, Buffer.from('GE').toString('hex'))
  assert.equal(ap?.first_tc_hex, Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2').subarray(0, 32).toString('hex'))
  assert.equal(f.app, undefined)
})

test('unidentified payload: no analyzer, the flow is bypassed, one AppProtoEvent with the evidence', () => {
  const { app, events, counters } = setup([HTTP_SPEC])
  const f = mkFlow('tcp', '10.0.0.1', 40001, '192.0.2.9', 80)
  pkt(app, f, true, 1, ACK, '\x00\x02\xb0\x43')
  pkt(app, f, false, 1, ACK, 'MZ\xe8\x00')
  pkt(app, f, false, 5, ACK, 'more')
  app.onFlowEnd(f, 3)
  assert.equal(counters.get('app_analyzer_attached_total', 'http'), 0)
  const ap = events.find((e): e is AppProtoEvent => e.kind === 'app-proto')
  assert.deepEqual([ap?.app_proto_ts, ap?.app_proto_tc, ap?.app_proto, ap?.confirmed], ['', '', '', false])
  assert.equal(ap?.port_proto, 'http')
  assert.equal(ap?.first_ts_hex, '0002b043')
  assert.equal(ap?.first_tc_hex, '4d5ae800')
})

test('expected connections match either orientation, hand the parent over, and are consumed once', () => {
  const seen: { parent: unknown; data: string[] }[] = []
  const data: AnalyzerSpec = {
    name: 'tftp-data',
    transport: 'udp',
    ports: [],
    create(_ctx, parent) {
      const rec = { parent, data: [] as string[] }
      seen.push(rec)
      return { onDatagram: (_d: Dir, b: Buffer, o: number, e: number) => rec.data.push(b.toString('latin1', o, e)) }
    },
  }
  const ctl: AnalyzerSpec = {
    name: 'ctl',
    transport: 'udp',
    ports: [69],
    probe: (_d, b, o) => (b[o] === 0x52 ? 'yes' : 'no'),
    create(ctx: AppContext) {
      return {
        onDatagram(_d: Dir, _b: Buffer, _o: number, _e: number, ts: number) {
          // Server 192.0.2.9 will answer from a new port to the client's port 5000.
          ctx.expect({
            orig_h: ctx.conn.orig_h,
            resp_h: ctx.conn.resp_h,
            orig_p: ctx.conn.orig_p,
            proto: 'udp',
            analyzer: 'tftp-data',
            expiresTs: ts + 10,
            parent: { file: 'boot.bin' },
          })
        },
      }
    },
  }
  const { app, events } = setup([ctl, data])
  const c = mkFlow('udp', '10.0.0.5', 5000, '192.0.2.9', 69, 'Cctl')
  app.onFlowStart(c, 1)
  pkt(app, c, true, 0, 0, 'RRQ')
  // The data flow is originated by the server's new TID: reverse orientation.
  const d = mkFlow('udp', '192.0.2.9', 3445, '10.0.0.5', 5000, 'Cdata')
  app.onFlowStart(d, 2)
  pkt(app, d, true, 0, 0, 'block1', 2)
  assert.deepEqual(seen, [{ parent: { file: 'boot.bin' }, data: ['block1'] }])
  assert.deepEqual(d.service, ['tftp-data'])
  const again = mkFlow('udp', '192.0.2.9', 3446, '10.0.0.5', 5000, 'Cagain')
  app.onFlowStart(again, 3)
  assert.equal(seen.length, 1)
  // Expired expectations do not match.
  pkt(app, c, true, 0, 0, 'RRQ', 4)
  const late = mkFlow('udp', '192.0.2.9', 3447, '10.0.0.5', 5000, 'Clate')
  app.onFlowStart(late, 100)
  assert.equal(seen.length, 1)
  app.onFlowEnd(d, 5)
  assert.equal(events.filter((e) => e.kind === 'app-proto').length, 1)
})

test('an analyzer that keeps reporting weirds, or throws, is switched off for the flow and counted', () => {
  let calls = 0
  const noisy: AnalyzerSpec = {
    name: 'noisy',
    transport: 'tcp',
    ports: [7],
    probe: () => 'yes',
    create: (ctx) => ({
      onData() {
        calls++
        ctx.weird('noisy.bad')
      },
    }),
  }
  const { app, counters } = setup([noisy])
  const f = mkFlow('tcp', '10.0.0.1', 1, '10.0.0.2', 7)
  let seq = 1
  for (let i = 0; i < MAX_WEIRDS_PER_FLOW + 10; i++) {
    pkt(app, f, true, seq, ACK, 'x')
    seq++
  }
  assert.equal(calls, MAX_WEIRDS_PER_FLOW)
  assert.equal(counters.get('app_weird_total', 'noisy.bad'), MAX_WEIRDS_PER_FLOW)
  assert.equal(counters.get('app_analyzer_disabled_total', 'noisy'), 1)

  const boom: AnalyzerSpec = {
    name: 'boom',
    transport: 'tcp',
    ports: [7],
    probe: () => 'yes',
    create: () => ({
      onData() {
        throw new Error('bug')
      },
    }),
  }
  const s2 = setup([boom])
  const g = mkFlow('tcp', '10.0.0.1', 2, '10.0.0.2', 7)
  pkt(s2.app, g, true, 1, ACK, 'x')
  pkt(s2.app, g, true, 2, ACK, 'y')
  s2.app.onFlowEnd(g, 2)
  assert.equal(s2.counters.get('app_analyzer_errors_total', 'boom'), 1)
})

test('confirmation needs a second proof token: one direction alone is not enough', () => {
  const sip: AnalyzerSpec = {
    name: 'sip',
    transport: 'udp',
    ports: [5060],
    probe: (_d, b, o, e) => (b.toString('latin1', o, Math.min(e, o + 6)) === 'NOTIFY' ? 'yes' : 'no'),
    create: () => ({ onDatagram() {} }),
  }
  const { app, events } = setup([sip])
  const f = mkFlow('udp', '10.0.0.1', 1900, '239.255.255.250', 1900)
  pkt(app, f, true, 0, 0, 'NOTIFY * HTTP/1.1\r\n')
  app.onFlowEnd(f, 2)
  const ap = events.find((e): e is AppProtoEvent => e.kind === 'app-proto')
  assert.equal(ap?.app_proto_ts, 'sip')
  assert.equal(ap?.confirmed, false)
  assert.deepEqual(f.service, [])
})

test('out-of-order data beyond the budget becomes a counted gap; files left open are closed incomplete', () => {
  const { app, events, counters } = setup([HTTP_SPEC], 4096)
  const f = mkFlow('tcp', '10.0.0.1', 40002, '192.0.2.9', 80)
  pkt(app, f, true, 0, SYN, '')
  pkt(app, f, false, 0, SYN | ACK, '')
  pkt(app, f, true, 1, ACK, 'GET /big.bin HTTP/1.1\r\n\r\n')
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nMZ'
  pkt(app, f, false, 1, ACK, head)
  // Hold out-of-order segments past a hole until the budget (1 KiB per direction) is exceeded.
  let seq = 1 + head.length + 500
  for (let i = 0; i < 5; i++) {
    pkt(app, f, false, seq, ACK, Buffer.alloc(400, 0x41))
    seq += 400
  }
  assert.ok(counters.get('app_reasm_gaps_total') >= 1)
  app.onFlowEnd(f, 9)
  const file = events.find((e) => e.kind === 'file')
  assert.ok(file !== undefined && file.kind === 'file')
  assert.equal(file.complete, false)
  assert.equal(file.missing_bytes, 500)
  assert.equal(file.bytes, 2 + 2000)
  assert.equal(file.sha256, undefined)
})

test('property: random segments, flags and payloads on analysed flows never throw and stay within the budget', () => {
  const specs = [HTTP_SPEC, TLS_SPEC, DNS_TCP_SPEC]
  fc.assert(
    fc.property(
      fc.constantFrom(80, 443, 53, 8080),
      fc.array(
        fc.record({
          fromOrig: fc.boolean(),
          seq: fc.nat(6000),
          flags: fc.constantFrom(ACK, ACK, ACK, SYN, FIN | ACK, 0x04),
          data: fc.oneof(
            fc.uint8Array({ maxLength: 1500 }),
            fc.constantFrom(
              Buffer.from('GET /a.exe HTTP/1.1\r\nHost: x\r\n\r\n'),
              Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nMZabc\r\n'),
              Buffer.from('160301020001', 'hex'),
            ),
          ),
        }),
        { maxLength: 60 },
      ),
      (port, pkts) => {
        const { app, events } = setup(specs, 8192)
        const f = mkFlow('tcp', '10.0.0.1', 40000, '192.0.2.9', port)
        app.onFlowStart(f, 1)
        for (const p of pkts) {
          pkt(app, f, p.fromOrig, p.seq, p.flags, Buffer.from(p.data))
          const st = f.app as { reasm?: { heldBytes: number }[] } | undefined
          for (const r of st?.reasm ?? []) assert.ok(r.heldBytes <= 8192 / 4)
        }
        app.onFlowEnd(f, 2)
        for (const e of events) assert.equal(e.source, 'test')
        assert.equal(f.app, undefined)
      },
    ),
    { numRuns: 300 },
  )
})

test('a SYN seen before any payload still anchors reassembly: a first segment that arrives late is put in order', () => {
  const { app, events, counters } = setup([HTTP_SPEC])
  const f = mkFlow('tcp', '10.0.0.1', 40100, '192.0.2.9', 80)
  const req = 'GET /late HTTP/1.1\r\nHost: h.test\r\n\r\n'
  pkt(app, f, true, 1000, SYN, '')
  pkt(app, f, false, 7000, SYN | ACK, '')
  pkt(app, f, true, 1001, ACK, '')
  // The second half of the request first: ISN + 1 + 10 is out of order only if the SYN was remembered.
  pkt(app, f, true, 1011, ACK, req.slice(10))
  pkt(app, f, true, 1001, ACK, req.slice(0, 10))
  pkt(app, f, false, 7001, ACK, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  app.onFlowEnd(f, 2)
  assert.equal(events.find((e): e is HttpEvent => e.kind === 'http')?.uri, '/late')
  assert.equal(counters.get('app_reasm_gaps_total'), 0)
})

test('onlyMismatchAppProto: leaves out exactly the AppProtoEvents protocol-port-mismatch ignores; flows keep app_proto', () => {
  const internal = new AddressSet(DEFAULT_INTERNAL_CIDRS)
  const flows = [
    ['http on 80', 80, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['http on 31337', 31337, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['http on 443', 443, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ['unidentified on 80', 80, '\x00\x01\x02\x03', 'MZ\x90\x00'],
    ['unidentified on 9999', 9999, '\x00\x01\x02\x03', '\x7fELF'],
  ] as const
  const run = (only: boolean) => {
    const events: SensorEvent[] = []
    const app = new AppLayer({
      analyzers: [HTTP_SPEC, TLS_SPEC],
      emit: (e) => events.push(e),
      source: 't',
      onlyMismatchAppProto: only,
    })
    const fs = flows.map(([name, port, ts, tc], i) => {
      const f = mkFlow('tcp', '10.0.0.1', 41000 + i, '192.0.2.9', port, name)
      pkt(app, f, true, 1, SYN, '')
      pkt(app, f, true, 2, ACK, ts)
      pkt(app, f, false, 1, ACK, tc)
      app.onFlowEnd(f, 2)
      return f
    })
    return { ap: events.filter((e): e is AppProtoEvent => e.kind === 'app-proto'), fs }
  }
  const all = run(false)
  const some = run(true)
  assert.equal(all.ap.length, flows.length)
  assert.deepEqual(
    some.ap.map((e) => e.uid),
    ['http on 31337', 'http on 443', 'unidentified on 80', 'unidentified on 9999'],
  )
  assert.deepEqual(
    some.ap,
    all.ap.filter((e) => some.ap.some((s) => s.uid === e.uid)),
  )
  assert.deepEqual(
    some.fs.map((f) => [f.appProtoTs, f.appProtoTc]),
    all.fs.map((f) => [f.appProtoTs, f.appProtoTc]),
  )
  // What was left out raises nothing in the detection; what was kept is judged as before.
  const det = MISMATCH.create(MISMATCH.params, { internal })
  for (const e of all.ap) {
    const kept = some.ap.some((s) => s.uid === e.uid)
    if (!kept) assert.equal(det.onEvent(e), undefined, e.uid)
  }
  assert.ok(some.ap.some((e) => det.onEvent(e) !== undefined))
})
