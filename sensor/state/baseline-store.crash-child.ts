/**
 * Child process for the crash test in baseline-store.test.ts: commits one save, then starts a second,
 * larger save and stops inside its transaction (announcing "mid-save") until the parent kills it with
 * SIGKILL. Not a test on its own.
 */
import { DestinationBaseline } from '../../analytics/baselines/destination-baseline.js'
import { AddressSet } from '../../analytics/net/address-set.js'
import { BaselineStore } from './baseline-store.js'

const dir = process.argv[2]
if (dir === undefined) throw new Error('Usage: baseline-store.crash-child.ts STATE_DIR.')
// A small page cache makes the killed transaction spill uncommitted pages into the WAL, the hard case.
const store = BaselineStore.open(dir, { cacheKiB: 256 })
const b = new DestinationBaseline(new AddressSet(['10.0.0.0/8']))
for (let i = 0; i < 1000; i++) b.observe(`10.0.${i >> 8}.${i & 255}`, `198.51.100.${i % 250}`, 1000 + i, 1000 + i, 100)
store.save(b)
process.stdout.write('committed 1\n')
for (let i = 0; i < 60_000; i++)
  b.observe('10.9.9.9', `203.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 5000 + i, 5000 + i, 1)
const sleeper = new Int32Array(new SharedArrayBuffer(4))
store.save(b, {
  progressEvery: 1000,
  onProgress: (n) => {
    if (n !== 40_000) return
    process.stdout.write('mid-save\n')
    // Blocks inside the open transaction; bounded so a broken parent cannot leave it running forever.
    Atomics.wait(sleeper, 0, 0, 20_000)
  },
})
process.stdout.write('committed 2\n')
