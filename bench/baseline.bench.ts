/**
 * Benchmark of the destination baseline at 1 million destinations (1 million host→destination entries over
 * 2,000 internal hosts): build rate, full save and load through SQLite (sensor/state/baseline-store.ts),
 * lookup rate from memory, heap and RSS, database size. Run on demand, not in CI:
 *   node --expose-gc --import tsx bench/baseline.bench.ts [destinations] [--keep STATE_DIR]
 * With --keep, the database stays in STATE_DIR (to time `analyze --state STATE_DIR` against a full baseline).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DestinationBaseline } from '../analytics/baselines/destination-baseline.js'
import { AddressSet } from '../analytics/net/address-set.js'
import { BASELINE_FILE, BaselineStore } from '../sensor/state/baseline-store.js'

const N = Number(process.argv[2] ?? 1_000_000)
const keepAt = process.argv.indexOf('--keep')
const KEEP = keepAt > 0 ? process.argv[keepAt + 1] : undefined
const HOSTS = 2000
const internal = new AddressSet(['10.0.0.0/8'])
const opts = { maxEntries: 4_000_000, maxDestinations: 4_000_000, maxHosts: 1_000_000, expireAfterDays: 0 }
const gc = (globalThis as { gc?: () => void }).gc
/** CPU time (user + system) in ms since `from`; on a shared machine it says more than wall time. */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from)
  return (u.user + u.system) / 1000
}
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`
const ipOf = (i: number): string => `${20 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`
const hostOf = (i: number): string => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`

function memory(label: string): void {
  gc?.()
  const m = process.memoryUsage()
  console.log(`${label}: heapUsed ${mb(m.heapUsed)}, rss ${mb(m.rss)}`)
}

const dests = Array.from({ length: N }, (_, i) => ipOf(i))
const hosts = Array.from({ length: HOSTS }, (_, i) => hostOf(i + 1))
memory('keys only')

let t = performance.now()
let b: DestinationBaseline | undefined = new DestinationBaseline(internal, opts)
const T0 = 1_763_000_000
for (let i = 0; i < N; i++) b.observe(hosts[i % HOSTS] ?? '', dests[i] ?? '', T0 + i, T0 + i, 1500)
const buildMs = performance.now() - t
console.log(
  `build: ${N} entries in ${buildMs.toFixed(0)} ms (${(((N / buildMs) * 1000) / 1e6).toFixed(2)} M observe/s)`,
)
memory('baseline built')

const dir = KEEP ?? mkdtempSync(path.join(tmpdir(), 'baseline-bench-'))
try {
  const store = BaselineStore.open(dir)
  const saved = store.save(b)
  store.close()
  b = undefined
  const size = statSync(path.join(dir, BASELINE_FILE)).size
  let wal = 0
  try {
    wal = statSync(path.join(dir, `${BASELINE_FILE}-wal`)).size
  } catch {}
  console.log(`save: ${saved.rows} rows in ${saved.ms.toFixed(0)} ms; db ${mb(size)} + wal ${mb(wal)}`)

  memory('built baseline dropped')
  const fresh = new DestinationBaseline(internal, opts)
  const store2 = BaselineStore.open(dir)
  const loadCpu = process.cpuUsage()
  t = performance.now()
  const loaded = store2.load(fresh)
  console.log(
    `load: ${loaded.entries} entries, ${loaded.destinations} destinations, ${loaded.hosts} hosts in ${(performance.now() - t).toFixed(0)} ms wall, ${cpuMs(loadCpu).toFixed(0)} ms CPU`,
  )
  store2.close()

  // Lookups: half hits (the host's own destination), half misses (another host's destination).
  const LOOKUPS = 10_000_000
  let hits = 0
  let cpu = process.cpuUsage()
  t = performance.now()
  for (let i = 0; i < LOOKUPS; i++) {
    const d = i % N
    const h = (d + (i & 1)) % HOSTS
    if (fresh.hostFirstSeen(hosts[h] ?? '', dests[d] ?? '') !== undefined) hits++
  }
  let ms = performance.now() - t
  let c = cpuMs(cpu)
  console.log(
    `hostFirstSeen: ${LOOKUPS} lookups in ${ms.toFixed(0)} ms wall, ${c.toFixed(0)} ms CPU (${(LOOKUPS / c / 1000).toFixed(1)} M/s per CPU second, ${hits} hits)`,
  )
  let prev = 0
  cpu = process.cpuUsage()
  t = performance.now()
  for (let i = 0; i < LOOKUPS; i++) {
    const d = i % N
    prev += fresh.lookup(hosts[(d + (i & 1)) % HOSTS] ?? '', dests[d] ?? '').prevalence
  }
  ms = performance.now() - t
  c = cpuMs(cpu)
  console.log(
    `lookup (full facts): ${LOOKUPS} in ${ms.toFixed(0)} ms wall, ${c.toFixed(0)} ms CPU (${(LOOKUPS / c / 1000).toFixed(1)} M/s per CPU second, sum ${prev})`,
  )
  memory('after load and lookups')
  t = performance.now()
  const n = fresh.expire(T0 + N + 10 * 86_400)
  console.log(`expire scan (nothing due with 0 days): ${n} removed in ${(performance.now() - t).toFixed(0)} ms`)
} finally {
  if (KEEP === undefined) rmSync(dir, { recursive: true, force: true })
}
