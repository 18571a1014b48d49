/**
 * What one flow lookup costs when the flows do not fit the CPU caches (bench/README.md "Where the time goes"):
 * 150,000 flows, 5,000,000 lookups of a random flow, each checking the tuple and updating a dozen per-packet
 * fields, three ways: lru-cache `get` returning an object per flow (FlowTable's layout until it moved to rows),
 * lru-cache `get` returning a row index into typed arrays (FlowTable now), and a plain Map returning the row
 * (no recency order).
 * Usage: node --import tsx bench/flow-lookup.bench.ts [--flows N] [--lookups M]
 */
import { LRUCache } from 'lru-cache'
import { prng } from './gen-capture.js'

const args = process.argv.slice(2)
const num = (name: string, d: number): number => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : d
}
const N = num('--flows', 150_000)
const P = num('--lookups', 5_000_000)
const GET_OPTS = {}

function time(name: string, run: () => number): void {
  const t0 = performance.now()
  const misses = run()
  const us = ((performance.now() - t0) * 1000) / P
  console.log(`${name.padEnd(34)} ${us.toFixed(3)} µs per lookup${misses ? ` (${misses} mismatches!)` : ''}`)
}

const key = (i: number) => i * 7 + 1

/**
 * One object per flow, as the flow table kept them before its rows (the fields a packet touches first; the
 * table's object had about 60 fields).
 */
class ObjectFlow {
  a0h = 0
  a0l: number
  b0h = 0
  b0l = 0
  aPort = 0
  bPort = 0
  ipProto = 6
  vlan = -1
  firstSec = 0
  firstUs = 0
  lastSec = 0
  lastUs = 0
  origPkts = 0
  respPkts = 0
  origIpBytes = 0
  respIpBytes = 0
  origBytes = 0
  respBytes = 0
  histSeen = 0
  origState = 0
  respState = 0
  origTcpFlags = 0
  respTcpFlags = 0
  origSeqH = -1
  origSeqL = 0
  constructor(i: number) {
    this.a0l = i & 0xffff
  }
}

time('lru-cache get → object per flow', () => {
  const lru = new LRUCache<number, ObjectFlow>({ max: 1_000_000 })
  for (let i = 0; i < N; i++) lru.set(key(i), new ObjectFlow(i))
  const r = prng(1)
  let bad = 0
  for (let p = 0; p < P; p++) {
    const i = (r() * N) | 0
    const f = lru.get(key(i), GET_OPTS) as ObjectFlow
    if (f.a0l !== (i & 0xffff) || f.ipProto !== 6) bad++
    f.origPkts++
    f.origIpBytes += 100
    f.origBytes += 60
    f.lastSec = p
    f.lastUs = p & 1023
    f.origTcpFlags |= 16
    f.histSeen |= 4
    f.origSeqH = p >>> 16
    f.origSeqL = p & 0xffff
    if (f.origState === 0) f.origState = 4
  }
  return bad
})

const S = 16
function rowsRun(lookup: (k: number) => number, fill: (k: number, row: number) => void): number {
  const H = new Int32Array(N * S)
  const D = new Float64Array(N * 2)
  for (let i = 0; i < N; i++) {
    fill(key(i), i)
    H[i * S] = i
    H[i * S + 1] = 6
  }
  const r = prng(1)
  let bad = 0
  for (let p = 0; p < P; p++) {
    const i = (r() * N) | 0
    const row = lookup(key(i))
    const o = row * S
    if (H[o] !== i || H[o + 1] !== 6) bad++
    H[o + 2] = (H[o + 2] as number) + 1
    D[row * 2] = (D[row * 2] as number) + 100
    D[row * 2 + 1] = (D[row * 2 + 1] as number) + 60
    H[o + 3] = p
    H[o + 4] = p & 1023
    H[o + 5] = (H[o + 5] as number) | 16
    H[o + 6] = (H[o + 6] as number) | 4
    H[o + 7] = p >>> 16
    H[o + 8] = p & 0xffff
    if (H[o + 9] === 0) H[o + 9] = 4
  }
  return bad
}

time('lru-cache get → typed-array row', () => {
  const lru = new LRUCache<number, number>({ max: 1_000_000 })
  return rowsRun(
    (k) => lru.get(k, GET_OPTS) as number,
    (k, row) => lru.set(k, row),
  )
})

time('Map get → typed-array row (no LRU)', () => {
  const m = new Map<number, number>()
  return rowsRun(
    (k) => m.get(k) as number,
    (k, row) => m.set(k, row),
  )
})
