/**
 * `flowsOnly` (analyze --flows-only) gives the same flow records as a full run, without the application-layer
 * fields and without alerts; flow exports inside a capture still become flow records.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import type { AlertEvent, FlowRecord } from '../analytics/events.js'
import { Pipeline } from './pipeline.js'
import { openRunState } from './run-state.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const NO_CORPUS = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'

async function run(
  file: string,
  flowsOnly: boolean,
  netflowPorts?: number[],
): Promise<{ flows: FlowRecord[]; alerts: AlertEvent[] }> {
  const flows: FlowRecord[] = []
  const alerts: AlertEvent[] = []
  const state = openRunState({})
  const p = new Pipeline(
    { ...state.settings, progress: false, flowsOnly, ...(netflowPorts ? { netflowPorts } : {}) },
    {
      scoring: state.scorer,
      extraOutputs: { alert: (a) => alerts.push(a), event: (ev) => ev.kind === 'flow' && flows.push(ev) },
    },
  )
  try {
    await p.analyzeInput(file)
  } finally {
    p.finish()
    state.close(p)
  }
  return { flows, alerts }
}

test('flowsOnly: the same flow records without application fields, and no alerts', async () => {
  const file = path.join(ROOT, 'pcaps/http/curl-elf.pcap')
  const full = await run(file, false)
  const only = await run(file, true)
  assert.ok(
    full.alerts.some((a) => a.detection === 'executable-download'),
    'the full run alerts',
  )
  assert.equal(only.alerts.length, 0)
  const strip = (r: FlowRecord) => {
    const { service: _s, server_name: _n, app_proto_ts: _ts, app_proto_tc: _tc, ...rest } = r
    return JSON.stringify(rest)
  }
  assert.deepEqual(only.flows.map(strip).sort(), full.flows.map(strip).sort())
  assert.ok(full.flows.some((r) => r.service !== ''))
  assert.ok(only.flows.every((r) => r.service === '' && r.server_name === undefined))
})

test('flowsOnly: NetFlow v9 exports inside a capture still become flow records', { skip: NO_CORPUS }, async () => {
  // pmacct exports to UDP 9991, not one of the default flow-export ports.
  const file = path.join(CORPUS, 'netflow/v9/pmacct_v9_cisco_templates_25pkts.pcap')
  const full = await run(file, false, [9991])
  const only = await run(file, true, [9991])
  const exported = (r: FlowRecord[]) => r.filter((x) => x.source_kind === 'netflow').map((x) => JSON.stringify(x))
  assert.ok(exported(full.flows).length > 0)
  assert.deepEqual(exported(only.flows), exported(full.flows))
})
