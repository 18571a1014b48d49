/**
 * Capture files are read into two reused buffers (sensor/input.ts), so nothing behind the capture reader may keep
 * a reference into a chunk. This runs the whole analyze pipeline over every capture this project made and every
 * corpus capture twice, once read in 1 MiB chunks of their own and once in reused chunks of 1,531 bytes (records
 * straddle chunks; a kept reference would see its bytes overwritten two reads later), and requires the same
 * events (flow records, files with their SHA-256, HTTP/DNS/TLS/FTP/TFTP/SMB events, alerts) and the same errors.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { SensorEvent } from '../analytics/events.js'
import { Pipeline } from '../sensor/pipeline.js'
import { openRunState } from '../sensor/run-state.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

function captures(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...captures(p))
    else if (/\.pcap(ng)?$/.test(name)) out.push(p)
  }
  return out.sort()
}

/** Every event and the error text of one analyze run over `file`, as JSON lines. */
async function events(file: string, readChunkBytes?: number): Promise<string[]> {
  const out: string[] = []
  const state = openRunState({})
  // Flow exports inside the corpus captures go to ports beyond the defaults.
  const netflowPorts = [...state.settings.netflowPorts, 2057, 9990, 9991]
  const p = new Pipeline(
    { ...state.settings, netflowPorts, progress: false },
    { scoring: state.scorer, extraOutputs: { event: (ev: SensorEvent) => out.push(JSON.stringify(ev)) } },
  )
  try {
    await p.analyzeInput(file, undefined, readChunkBytes)
  } catch (e) {
    out.push(`error: ${(e as Error).message}`)
  } finally {
    p.finish()
    state.close(p)
  }
  return out
}

async function compareAll(files: string[]): Promise<void> {
  assert.ok(files.length > 0)
  for (const f of files) {
    const fresh = await events(f)
    const reused = await events(f, 1531)
    assert.ok(fresh.length > 0, `${f}: some events`)
    assert.deepEqual(reused, fresh, `${path.relative(ROOT, f)}: reused small chunks change the events`)
  }
}

test('the captures of pcaps/: the same events from reused 1,531-byte chunks as from 1 MiB chunks', async () => {
  await compareAll(captures(path.join(ROOT, 'pcaps')))
})

test('the corpus captures: the same events and errors from reused 1,531-byte chunks', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, async () => {
  await compareAll([
    ...captures(path.join(CORPUS, 'pcap')),
    ...captures(path.join(CORPUS, 'netflow')),
    ...captures(path.join(CORPUS, 'syslog')),
  ])
})
