import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { AddressSet } from '../../analytics/net/address-set.js'
import { Scorer } from '../../analytics/scoring/scorer.js'
import { makeFlow, WEDNESDAY_10_UTC } from '../../analytics/scoring/test-flow.js'
import { runBaselineShow } from '../commands/baseline.js'
import { DEFAULT_CONFIG } from '../config.js'
import { BASELINE_FILE, BaselineStore, openBaseline, StateError } from './baseline-store.js'

const internal = new AddressSet(DEFAULT_CONFIG.internal)
const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'baseline-'))

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
  assert.ok(existsSync(path.join(dir, `${BASELINE_FILE}-wal`)), 'the killed save had written to the WAL')
  const { baseline, store, loaded } = openBaseline(dir, new AddressSet(['10.0.0.0/8']), DEFAULT_CONFIG.baseline)
  assert.equal(store.integrity(), 'ok')
  assert.equal(loaded.entries, 1000, 'exactly the committed first save')
  assert.equal(loaded.hosts, 1000)
  assert.equal(loaded.destinations, 250)
  assert.equal(baseline.lookup('10.9.9.9', '203.0.0.1').hostFirstSeen, undefined, 'nothing of the killed save')
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
