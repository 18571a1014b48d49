/**
 * The finger detection on the Sigma regression sample forwarded as RFC 5424 syslog (corpus MANIFEST: Sysmon 1,
 * C:\Windows\System32\finger.exe with the bare command line "finger", "low severity since no remote host given"):
 * readSyslogFile → SyslogIngest → HostEvent → finger.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import finger from '../analytics/detections/finger.js'
import type { AlertEvent, SensorEvent } from '../analytics/events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import { readSyslogFile } from '../sensor/collectors/syslog-file.js'
import { SyslogIngest } from '../sensor/syslog-ingest.js'

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')

test('Sigma af491bca sample: finger.exe without a host is one low alert', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, async () => {
  const events: SensorEvent[] = []
  const ing = new SyslogIngest({ emit: (e) => events.push(e), counters: new Counters(), source: 'syslog' })
  await readSyslogFile(path.join(CORPUS, 'syslog/windows/sigma_sysmon1_finger_exe.rfc5424.log'), ing)
  const inst = finger.create(finger.params, { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) })
  const alerts: AlertEvent[] = []
  for (const ev of events) if (finger.inputs.includes(ev.kind)) alerts.push(...(inst.onEvent(ev) ?? []))
  assert.equal(alerts.length, 1)
  assert.equal(alerts[0]?.severity, 'low')
  assert.match(String(alerts[0]?.evidence[0]?.image), /\\finger\.exe$/i)
  assert.equal(alerts[0]?.evidence[0]?.command_line, 'finger')
  assert.ok(alerts[0]?.reasons.some((r) => r.includes('no remote host')))
})
