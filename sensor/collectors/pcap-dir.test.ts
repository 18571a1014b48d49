/**
 * Capture directory watcher: finished files (a newer file exists, or quiet for quietS) are handed over once,
 * oldest first; the newest file still being written is left alone; progress saved in the state directory
 * survives a restart (a new watcher processes only files it has not seen); a failing file is reported and
 * not retried; progress for another directory is ignored; files removed from the directory are forgotten.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { PcapDirWatcher } from './pcap-dir.js'

function setup(): { root: string; dir: string; state: string; put: (name: string, ageS: number) => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'pcapdir-'))
  const dir = path.join(root, 'captures')
  const state = path.join(root, 'state')
  mkdirSync(dir)
  mkdirSync(state)
  const put = (name: string, ageS: number) => {
    const f = path.join(dir, name)
    writeFileSync(f, `bytes of ${name}`)
    const t = (Date.now() - ageS * 1000) / 1000
    utimesSync(f, t, t)
  }
  return { root, dir, state, put }
}

function watcher(dir: string, state: string | undefined, seen: string[], fail?: string) {
  const errors: string[] = []
  const w = new PcapDirWatcher({
    dir,
    stateDir: state,
    quietS: 30,
    process: async (file) => {
      seen.push(path.basename(file))
      if (fail && path.basename(file) === fail) throw new Error('corrupt capture')
    },
    onError: (file) => errors.push(path.basename(file)),
  })
  return { w, errors }
}

test('each finished file once, oldest first; the file being written waits; progress survives a restart', async () => {
  const { root, dir, state, put } = setup()
  try {
    // tcpdump -G names: mtime order is the order they were written.
    put('cap-0003.pcap', 100)
    put('cap-0001.pcap', 300)
    put('cap-0002.pcap', 200)
    put('cap-0004.pcap', 0) // still being written
    put('.cap-0005.pcap.tmp', 400) // hidden: ignored
    const seen: string[] = []
    const a = watcher(dir, state, seen)
    assert.equal(await a.w.pollOnce(), 3)
    assert.deepEqual(seen, ['cap-0001.pcap', 'cap-0002.pcap', 'cap-0003.pcap'])
    assert.equal(await a.w.pollOnce(), 0, 'nothing twice')
    assert.ok(existsSync(path.join(state, 'pcap-dir-progress.json')))

    // Restart: a new watcher with the same state directory.
    const seen2: string[] = []
    const b = watcher(dir, state, seen2)
    assert.equal(await b.w.pollOnce(), 0, 'nothing already processed, and the newest is not finished')
    put('cap-0005.pcap', 0) // tcpdump moved on: cap-0004 is finished now
    assert.equal(await b.w.pollOnce(), 1)
    assert.deepEqual(seen2, ['cap-0004.pcap'])
    assert.equal(b.w.processed, 1)

    // The newest file counts as finished once it has been quiet for quietS.
    put('cap-0005.pcap', 31)
    assert.equal(await b.w.pollOnce(), 1)
    assert.deepEqual(seen2, ['cap-0004.pcap', 'cap-0005.pcap'])

    // Removed files leave the progress file (rewritten with the next file processed).
    rmSync(path.join(dir, 'cap-0001.pcap'))
    put('cap-0006.pcap', 40)
    assert.equal(await b.w.pollOnce(), 1)
    const saved = JSON.parse(readFileSync(path.join(state, 'pcap-dir-progress.json'), 'utf8')) as {
      done: Record<string, unknown>
    }
    assert.deepEqual(Object.keys(saved.done).sort(), [
      'cap-0002.pcap',
      'cap-0003.pcap',
      'cap-0004.pcap',
      'cap-0005.pcap',
      'cap-0006.pcap',
    ])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('a failing file is reported once and not retried; no state directory means progress in memory only', async () => {
  const { root, dir, put } = setup()
  try {
    put('a.pcap', 300)
    put('b.pcap', 200)
    put('c.pcap', 100)
    const seen: string[] = []
    const a = watcher(dir, undefined, seen, 'b.pcap')
    assert.equal(await a.w.pollOnce(), 3)
    assert.deepEqual(a.errors, ['b.pcap'])
    assert.equal(await a.w.pollOnce(), 0)
    assert.deepEqual(seen, ['a.pcap', 'b.pcap', 'c.pcap'])
    const again: string[] = []
    const b = watcher(dir, undefined, again)
    assert.equal(await b.w.pollOnce(), 3, 'without --state a restart starts over')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('progress saved for another directory is ignored', async () => {
  const { root, dir, state, put } = setup()
  try {
    put('a.pcap', 300)
    put('b.pcap', 200)
    writeFileSync(
      path.join(state, 'pcap-dir-progress.json'),
      JSON.stringify({ dir: '/elsewhere', done: { 'a.pcap': { size: 1, mtimeMs: 1 } } }),
    )
    const seen: string[] = []
    await watcher(dir, state, seen).w.pollOnce()
    assert.deepEqual(seen, ['a.pcap', 'b.pcap'])
    writeFileSync(path.join(state, 'pcap-dir-progress.json'), '{not json')
    const seen2: string[] = []
    await watcher(dir, state, seen2).w.pollOnce()
    assert.deepEqual(seen2, ['a.pcap', 'b.pcap'], 'an unreadable progress file starts over, never crashes')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('a name rewritten later (a tcpdump -W ring) is read again; an unchanged one is not', async () => {
  const { mkdtempSync, writeFileSync, utimesSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const { PcapDirWatcher } = await import('./pcap-dir.js')
  const dir = mkdtempSync(path.join(tmpdir(), 'ring-'))
  const seen: string[] = []
  const w = new PcapDirWatcher({ dir, quietS: 0, process: async (f) => void seen.push(path.basename(f)) })
  writeFileSync(path.join(dir, 'ring0'), 'a')
  utimesSync(path.join(dir, 'ring0'), new Date(1000_000), new Date(1000_000))
  await w.pollOnce()
  await w.pollOnce()
  writeFileSync(path.join(dir, 'ring0'), 'bb')
  utimesSync(path.join(dir, 'ring0'), new Date(2000_000), new Date(2000_000))
  await w.pollOnce()
  assert.deepEqual(seen, ['ring0', 'ring0'])
})
