import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { FlowRecord, HttpEvent, SensorEvent } from '../../analytics/events.js'
import { AddressSet } from '../../analytics/net/address-set.js'
import { Scorer } from '../../analytics/scoring/scorer.js'
import { makeFlow, WEDNESDAY_10_UTC } from '../../analytics/scoring/test-flow.js'
import { runBaselineShow } from '../commands/baseline.js'
import { DEFAULT_CONFIG } from '../config.js'
import { BASELINE_FILE, BaselineStore, openBaseline, StateError } from './baseline-store.js'

const internal = new AddressSet(DEFAULT_CONFIG.internal)
const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'baseline-'))
const PCAP = path.resolve(import.meta.dirname, '../../pcaps/detections/inbound-transfer/download.pcap')
const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0

/**
 * Flow records and HTTP requests of a capture as tshark dissects it (the peer tool, not our decoders):
 * per TCP stream, IP total lengths and TCP payload lengths summed per direction, SYN/RST for the state.
 */
function eventsFromTshark(pcap: string): SensorEvent[] {
  const fields = [
    'frame.time_epoch',
    'tcp.stream',
    'ip.src',
    'tcp.srcport',
    'ip.dst',
    'tcp.dstport',
    'ip.len',
    'tcp.len',
  ]
  const flags = [
    'tcp.flags.syn',
    'tcp.flags.ack',
    'tcp.flags.reset',
    'http.request.uri',
    'http.user_agent',
    'http.host',
  ]
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-T', 'fields', '-E', 'separator=\t', ...[...fields, ...flags].flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
    },
  )
  assert.equal(r.status, 0, r.stderr)
  interface S {
    first: number
    last: number
    o: [string, number]
    r: [string, number]
    ob: number
    rb: number
    oip: number
    rip: number
    op: number
    rp: number
    synack: boolean
    rst: boolean
  }
  const streams = new Map<string, S>()
  const http: HttpEvent[] = []
  for (const line of r.stdout.trim().split('\n')) {
    const [ts, stream, src, sport, dst, dport, ipLen, tcpLen, syn, ack, rst, uri, ua, host] = line.split('\t')
    if (stream === undefined || stream === '') continue
    const t = Number(ts)
    let st = streams.get(stream)
    if (!st) {
      st = {
        first: t,
        last: t,
        o: [src ?? '', Number(sport)],
        r: [dst ?? '', Number(dport)],
        ob: 0,
        rb: 0,
        oip: 0,
        rip: 0,
        op: 0,
        rp: 0,
        synack: false,
        rst: false,
      }
      streams.set(stream, st)
    }
    st.last = t
    const fromOrig = src === st.o[0] && Number(sport) === st.o[1]
    if (fromOrig) {
      st.ob += Number(tcpLen)
      st.oip += Number(ipLen)
      st.op++
    } else {
      st.rb += Number(tcpLen)
      st.rip += Number(ipLen)
      st.rp++
      if (syn === '1' && ack === '1') st.synack = true
    }
    if (rst === '1') st.rst = true
    if (uri) {
      http.push({
        kind: 'http',
        ts: t,
        source: 'tshark',
        uid: `T${stream}`,
        orig_h: st.o[0],
        orig_p: st.o[1],
        resp_h: st.r[0],
        resp_p: st.r[1],
        proto: 'tcp',
        trans_depth: 1,
        method: 'GET',
        uri,
        ...(ua ? { user_agent: ua } : {}),
        ...(host ? { host } : {}),
        request_body_len: 0,
        response_body_len: 0,
      })
    }
  }
  const flows: FlowRecord[] = [...streams].map(([id, st]) => ({
    kind: 'flow',
    ts: st.first,
    source: 'tshark',
    source_kind: 'pcap',
    uid: `T${id}`,
    orig_h: st.o[0],
    orig_p: st.o[1],
    resp_h: st.r[0],
    resp_p: st.r[1],
    proto: 'tcp',
    service: '',
    duration: st.last - st.first,
    orig_bytes: st.ob,
    resp_bytes: st.rb,
    orig_ip_bytes: st.oip,
    resp_ip_bytes: st.rip,
    orig_pkts: st.op,
    resp_pkts: st.rp,
    history: st.synack ? 'ShADadFf' : 'Sr',
    conn_state: !st.synack && st.rst ? 'REJ' : st.synack ? 'SF' : 'S0',
    end_reason: 'eof',
  }))
  // As the engine delivers them: requests while the flow lives, the flow record when it ends.
  return [...http, ...flows].sort((a, b) => a.ts - b.ts)
}

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c))
      cb()
    },
  })
  return { stream, text: () => chunks.join('') }
}

test('save then load gives the same baseline (hosts, destinations, names, prevalence)', () => {
  const dir = tmp()
  const a = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
  assert.equal(a.loaded.entries, 0)
  a.baseline.observeName('198.51.100.80', 'files.example.net', WEDNESDAY_10_UTC - 1)
  a.baseline.observeFlow(makeFlow())
  a.baseline.observeFlow(makeFlow({ orig_h: '10.66.0.3', ts: WEDNESDAY_10_UTC + 10 }))
  a.baseline.observeFlow(makeFlow({ resp_h: '203.0.113.9', ts: WEDNESDAY_10_UTC + 20 }))
  const saved = a.store.save(a.baseline)
  assert.equal(saved.rows, 2 + 2 + 3, '2 hosts, 2 destinations, 3 entries')
  a.store.close()
  assert.ok(existsSync(path.join(dir, BASELINE_FILE)))

  const b = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
  assert.deepEqual(b.loaded.hosts + b.loaded.destinations + b.loaded.entries, 7)
  for (const [h, d] of [
    ['10.66.0.2', '198.51.100.80'],
    ['10.66.0.3', '198.51.100.80'],
    ['10.66.0.2', '203.0.113.9'],
    ['10.66.0.3', '203.0.113.9'],
  ] as const) {
    assert.deepEqual(b.baseline.lookup(h, d), a.baseline.lookup(h, d), `${h} -> ${d}`)
  }
  assert.equal(b.baseline.lookup('10.66.0.3', '198.51.100.80').prevalence, 2)
  assert.deepEqual(b.baseline.lookup('10.66.0.2', '198.51.100.80').names, ['files.example.net'])
  assert.equal(b.baseline.dirty, false)
  assert.equal(b.store.save(b.baseline).rows, 0, 'nothing changed, nothing written')
  b.store.close()
})

test('the same capture analysed twice with one state dir: never-seen alerts the first time only', () => {
  const dir = tmp()
  // The flows of pcaps/detections/inbound-transfer: a 5 MB download, then a small benign fetch.
  const capture = [
    makeFlow({ ts: WEDNESDAY_10_UTC, resp_bytes: 5_242_880, service: 'http' }),
    makeFlow({ ts: WEDNESDAY_10_UTC + 5, resp_bytes: 2_000, service: 'http' }),
  ]
  const run = (): (string | undefined)[] => {
    const { baseline, store } = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
    const scorer = new Scorer(DEFAULT_CONFIG, baseline)
    const alerts = capture.map((f) => scorer.scoreAndObserve(f)).filter((a) => a !== undefined)
    store.save(baseline)
    store.close()
    return alerts.map((a) => (a.never_seen ? 'never_seen' : a.first_seen))
  }
  assert.deepEqual(run(), ['never_seen'])
  assert.deepEqual(run(), [], 'the destination is in the saved baseline now')
})

test('the recorded capture analysed twice with one state dir: never-seen alerts the first time only', {
  skip: HAVE_TSHARK ? false : 'tshark not installed',
}, () => {
  const dir = tmp()
  const events = eventsFromTshark(PCAP)
  const flows = events.filter((e) => e.kind === 'flow')
  assert.ok(flows.length >= 3, 'the download, the small fetch and at least one probe')
  assert.ok(
    flows.some((f) => f.conn_state === 'REJ'),
    'refused probes are in the capture',
  )
  const run = (): { port: number | undefined; never: boolean | undefined; first: string | undefined }[] => {
    const { baseline, store } = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
    const scorer = new Scorer(DEFAULT_CONFIG, baseline)
    const out = []
    for (const ev of events) {
      const a = ev.kind === 'flow' ? scorer.scoreFlow(ev) : undefined
      scorer.observe(ev)
      if (a) out.push({ port: a.orig_p, never: a.never_seen, first: a.first_seen, ua: a.details?.user_agent })
    }
    store.save(baseline)
    store.close()
    return out.map(({ port, never, first }) => ({ port, never, first }))
  }
  // Only the curl download of tool.exe (client port 33030) qualifies: the wget fetch is 2 kB, the probes carry nothing.
  assert.deepEqual(run(), [{ port: 33030, never: true, first: undefined }])
  assert.deepEqual(run(), [], 'second run: the destination is in the saved baseline')
  const show = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
  const entry = [...show.baseline.entries('10.66.0.2')]
  show.store.close()
  assert.equal(entry.length, 1)
  assert.equal(entry[0]?.flows, 4, 'two flows with data per run; refused and empty probes are not exchanges')
})

test('expired entries are deleted from the database on the next save', () => {
  const dir = tmp()
  const cfg = { ...DEFAULT_CONFIG.baseline, expire_after_days: 10 }
  const a = openBaseline(dir, internal, cfg)
  a.baseline.observe('10.0.0.1', '203.0.113.1', WEDNESDAY_10_UTC, WEDNESDAY_10_UTC, 1)
  a.store.save(a.baseline)
  a.baseline.observe('10.0.0.2', '203.0.113.2', WEDNESDAY_10_UTC + 20 * 86_400, WEDNESDAY_10_UTC + 20 * 86_400, 1)
  a.store.save(a.baseline)
  assert.deepEqual(a.store.counts(), { hosts: 1, destinations: 1, entries: 1 })
  a.store.close()
})

test('periodic saves wait for save_interval_s and for changes', () => {
  const dir = tmp()
  const { baseline, store } = openBaseline(dir, internal, { ...DEFAULT_CONFIG.baseline, save_interval_s: 60 })
  const t0 = Date.now()
  baseline.observeFlow(makeFlow())
  assert.equal(store.maybeSave(baseline, t0 + 1000), undefined, 'too early')
  assert.ok(store.maybeSave(baseline, t0 + 61_000), 'due and dirty')
  assert.equal(store.maybeSave(baseline, t0 + 200_000), undefined, 'nothing changed')
  store.close()
})

test('kill -9 during a save leaves a loadable baseline with the last committed data', async () => {
  const dir = tmp()
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'baseline-store.crash-child.ts'), dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => {
    err += String(d)
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not reach mid-save: ${out} ${err}`)), 15_000)
    child.stdout.on('data', (d) => {
      out += String(d)
      if (out.includes('mid-save')) {
        clearTimeout(timer)
        child.kill('SIGKILL')
        resolve()
      }
    })
    child.on('exit', () => {
      clearTimeout(timer)
      if (!out.includes('mid-save')) reject(new Error(`child exited early: ${out} ${err}`))
    })
  })
  assert.equal(await exited, 'SIGKILL')
  assert.ok(out.includes('committed 1') && !out.includes('committed 2'), out)
  // The killed transaction had spilled uncommitted pages into the WAL; opening must ignore them.
  const wal = statSync(path.join(dir, `${BASELINE_FILE}-wal`)).size
  assert.ok(wal > 1_000_000, `uncommitted frames reached the WAL (${wal} bytes)`)
  const { baseline, store, loaded } = openBaseline(dir, new AddressSet(['10.0.0.0/8']), DEFAULT_CONFIG.baseline)
  assert.equal(store.integrity(), 'ok')
  assert.equal(loaded.entries, 1000, 'exactly the committed first save')
  assert.equal(loaded.hosts, 1000)
  assert.equal(loaded.destinations, 250)
  assert.equal(baseline.lookup('10.9.9.9', '203.0.0.1').hostFirstSeen, undefined, 'nothing of the killed save')
  assert.equal(baseline.host('10.9.9.9'), undefined)
  assert.equal(baseline.lookup('10.0.3.231', '198.51.100.249').hostFirstSeen, 1999)
  // And the sensor carries on saving into it.
  baseline.observe('10.0.0.1', '203.0.113.1', 3000, 3000, 1)
  store.save(baseline)
  assert.equal(store.counts().entries, 1001)
  store.close()
})

test('baseline show lists entries, filters by host, limits, and prints JSON lines', async () => {
  const dir = tmp()
  const { baseline, store } = openBaseline(dir, internal, DEFAULT_CONFIG.baseline)
  baseline.observeName('198.51.100.80', 'files.example.net', WEDNESDAY_10_UTC)
  baseline.observeFlow(makeFlow())
  baseline.observeFlow(makeFlow({ orig_h: '10.66.0.3', ts: WEDNESDAY_10_UTC + 60 }))
  baseline.observeFlow(makeFlow({ resp_h: '203.0.113.9', ts: WEDNESDAY_10_UTC + 120 }))
  store.save(baseline)
  const table = collect()
  assert.equal(await runBaselineShow(dir, {}, table.stream), 0)
  const lines = table.text().trimEnd().split('\n')
  assert.match(lines[0] ?? '', /2 internal hosts, 2 destinations, 3 entries/)
  assert.match(lines[1] ?? '', /^HOST\s+DESTINATION\s+NAMES\s+FIRST SEEN/)
  assert.equal(lines.length, 5)
  assert.match(lines[2] ?? '', /^10\.66\.0\.2\s+203\.0\.113\.9\s+-\s+2026-11-18T10:02:00Z/, 'most recent first')
  assert.match(lines[4] ?? '', /files\.example\.net/)
  const one = collect()
  assert.equal(await runBaselineShow(dir, { host: '10.66.0.3', json: true }, one.stream), 0)
  const rows = one
    .text()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(rows.length, 1)
  assert.equal(rows[0].dest, '198.51.100.80')
  assert.equal(rows[0].prevalence, 2)
  assert.equal(rows[0].first_seen, '2026-11-18T10:01:00Z')
  assert.deepEqual(rows[0].names, ['files.example.net'])
  const limited = collect()
  await runBaselineShow(dir, { limit: 1 }, limited.stream)
  assert.match(limited.text(), /first 1 entries/)
  store.close()
  assert.equal(await runBaselineShow(tmp(), {}, collect().stream), 2, 'no baseline yet')
})

test('a file that is not a baseline database is a StateError, not a crash', () => {
  const dir = tmp()
  writeFileSync(path.join(dir, BASELINE_FILE), 'this is not sqlite'.repeat(100))
  assert.throws(
    () => BaselineStore.open(dir),
    (e) => e instanceof StateError && e.code === 'state.unreadable',
  )
})
