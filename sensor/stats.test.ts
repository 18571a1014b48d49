/**
 * Prometheus text exposition (format 0.0.4) of the live counters: one `# TYPE` line per family, before its
 * samples; metric and label names valid; label values escaped (backslash, double quote, newline) so they parse
 * back to the original; every counter and gauge present with its value. Also the stats HTTP endpoint.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import { parsePrometheusText } from '../test/helpers/prometheus-text.js'
import { renderPrometheus, StatsLine, startStatsServer } from './stats.js'

test('counters and gauges render as valid Prometheus text with one TYPE per family', () => {
  const c = new Counters()
  c.inc('syslog_messages_total', undefined, 7)
  c.inc('decode_errors_total', 'ip.bad_checksum', 3)
  c.inc('decode_errors_total', 'tcp.short', 1)
  c.inc('queue_dropped_total', 'collectors', 5)
  c.inc('alerts_total', 'executable-download', 2)
  // A plain and a labelled sample in the same family.
  c.inc('netflow_records_total', undefined, 10)
  c.inc('netflow_records_total', '192.0.2.1', 4)
  // Label values that need escaping, and a name with characters Prometheus does not allow.
  c.inc('syslog_errors_total', 'odd "quoted" \\ back\nslash', 1)
  c.inc('weird.name-x', 'a', 1)
  const text = renderPrometheus(c, { flows_in_table: 12, queue_depth: 0, rss_bytes: 123456789 })
  const { types, samples } = parsePrometheusText(text)
  const get = (name: string, key?: string) =>
    samples.find((s) => s.name === name && (key === undefined ? s.labels.key === undefined : s.labels.key === key))
      ?.value
  assert.equal(get('ingress_sensor_syslog_messages_total'), 7)
  assert.equal(get('ingress_sensor_decode_errors_total', 'ip.bad_checksum'), 3)
  assert.equal(get('ingress_sensor_decode_errors_total', 'tcp.short'), 1)
  assert.equal(get('ingress_sensor_queue_dropped_total', 'collectors'), 5)
  assert.equal(get('ingress_sensor_netflow_records_total'), 10)
  assert.equal(get('ingress_sensor_netflow_records_total', '192.0.2.1'), 4)
  assert.equal(get('ingress_sensor_syslog_errors_total', 'odd "quoted" \\ back\nslash'), 1)
  assert.equal(get('ingress_sensor_weird_name_x', 'a'), 1)
  assert.equal(get('ingress_sensor_flows_in_table'), 12)
  assert.equal(get('ingress_sensor_rss_bytes'), 123456789)
  assert.equal(types.get('ingress_sensor_decode_errors_total'), 'counter')
  assert.equal(types.get('ingress_sensor_queue_depth'), 'gauge')
  // Every counter key is one sample.
  assert.equal(samples.length, c.entries().length + 3)
})

test('the stats endpoint serves /metrics (text/plain 0.0.4), 404 elsewhere; the stats line names drops', async () => {
  const c = new Counters()
  c.inc('queue_dropped_total', 'collectors', 2)
  c.inc('packets_total', undefined, 1)
  const srv = await startStatsServer('127.0.0.1', 0, c, () => ({ flows_in_table: 1 }))
  try {
    const r = await fetch(`http://127.0.0.1:${srv.port}/metrics`)
    assert.equal(r.status, 200)
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const { samples } = parsePrometheusText(await r.text())
    assert.ok(samples.some((s) => s.name === 'ingress_sensor_queue_dropped_total' && s.value === 2))
    assert.ok(samples.some((s) => s.name === 'ingress_sensor_rss_bytes' && s.value > 0))
    const nf = await fetch(`http://127.0.0.1:${srv.port}/other`)
    assert.equal(nf.status, 404)
    await nf.text()
  } finally {
    await srv.close()
  }
  const line = new StatsLine(c).render({ flows_in_table: 1, queue_depth: 0 })
  assert.match(line, /dropped collectors 2/)
})

test('a sampled running count named *_total is typed counter; other samples are gauges', () => {
  const text = renderPrometheus(new Counters(), { packets_total: 42, flows_in_table: 7 })
  assert.match(text, /^# TYPE ingress_sensor_packets_total counter\ningress_sensor_packets_total 42$/m)
  assert.match(text, /^# TYPE ingress_sensor_flows_in_table gauge\ningress_sensor_flows_in_table 7$/m)
})
