import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { DEFAULT_INTERNAL_CIDRS } from '../analytics/net/address-set.js'
import {
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  parseConfigText,
  renderConfigReference,
  validateConfig,
} from './config.js'

const ROOT = path.resolve(import.meta.dirname, '..')

function errorOf(yaml: string): ConfigError {
  try {
    validateConfig(parseConfigText(yaml, 'test.yaml'))
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`)
    return e
  }
  assert.fail(`no error for ${yaml}`)
}

test('defaults: no file gives every documented default', () => {
  const c = loadConfig(undefined, {})
  assert.deepEqual(c.internal, DEFAULT_INTERNAL_CIDRS)
  assert.equal(c.flow_table.max_flows, 1_000_000)
  assert.equal(c.flow_table.tcp_idle_s, 300)
  assert.deepEqual(c.netflow.ports, [2055, 9995, 9996, 4739])
  assert.equal(c.ingress_bytes_threshold, 1_000_000)
  const w = Object.values(c.scoring.weights).reduce((a, b) => a + b, 0)
  assert.ok(Math.abs(w - 1) < 1e-9, 'default weights sum to 1')
  assert.deepEqual(c, DEFAULT_CONFIG)
})

test('the checked-in example config loads and sets what it says', () => {
  const c = loadConfig(path.join(ROOT, 'config/example.yaml'), {})
  assert.equal(c.time_window, 1800, '30m is 1800 s')
  assert.equal(c.ingress_bytes_threshold, 1_000_000, '1MB')
  assert.equal(c.working_hours.timezone, 'Europe/Paris')
  assert.ok(c.allowed_destinations.includes('windowsupdate.com'))
  assert.equal(c.netflow.sampling['192.0.2.1'], 100)
  assert.deepEqual(c.detections['inbound-transfer'], {
    enabled: true,
    params: { suppress_for_s: 3600, require_never_seen: true },
  })
})

test('JSON config by extension, and CLI overrides replace the internal list', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'))
  const p = path.join(dir, 'c.json')
  writeFileSync(p, JSON.stringify({ internal: ['10.0.0.0/8'], flow_table: { udp_idle_s: 30 } }))
  const c = loadConfig(p, { internal: ['192.0.2.0/24', '198.51.100.0/24'], flow_table: { tcp_idle_s: 60 } })
  assert.deepEqual(c.internal, ['192.0.2.0/24', '198.51.100.0/24'])
  assert.equal(c.flow_table.udp_idle_s, 30, 'file value kept')
  assert.equal(c.flow_table.tcp_idle_s, 60, 'override merged into the section')
  assert.equal(c.flow_table.max_flows, 1_000_000, 'default kept')
})

test('errors name the key and the problem', () => {
  const cases: [string, string, RegExp][] = [
    ['ingress_bytes_threshold: abc', 'ingress_bytes_threshold', /expected a positive number of bytes.*got "abc"\.$/],
    ['flow_table:\n  tcp_idle_s: -5', 'flow_table.tcp_idle_s', /expected a positive integer, got -5\./],
    ['flow_tabel: {}', 'flow_tabel', /unknown key/],
    ['flow_table:\n  tcp_idle: 5', 'flow_table.tcp_idle', /unknown key/],
    ['scoring:\n  weights:\n    off_hours: 0.3', 'scoring.weights', /summing to 1, got 1\.2\./],
    ['scoring:\n  weights:\n    luck: 0.1', 'scoring.weights.luck', /unknown factor/],
    ['scoring:\n  allowlist_action: ignore', 'scoring.allowlist_action', /one of suppress, cap/],
    ['internal: [10.0.0.0/33]', 'internal[0]', /expected a CIDR/],
    ['internal: []', 'internal', /non-empty/],
    ['allowed_destinations: ["bad domain!"]', 'allowed_destinations[0]', /CIDR or a domain suffix/],
    ['working_hours:\n  timezone: Mars/Olympus', 'working_hours.timezone', /IANA time zone/],
    ['working_hours:\n  start: "25:00"', 'working_hours.start', /HH:MM/],
    ['working_hours:\n  days: [mon, funday]', 'working_hours.days[1]', /weekday/],
    ['time_window: soon', 'time_window', /duration/],
    ['file_type_risk_patterns:\n  pe: 2', 'file_type_risk_patterns.pe', /from 0 to 1/],
    ['netflow:\n  sampling:\n    not-an-ip: 10', 'netflow.sampling.not-an-ip', /exporter IP/],
    ['detections:\n  nope: {}', 'detections.nope', /unknown detection/],
    [
      'detections:\n  inbound-transfer:\n    params:\n      x: 1',
      'detections.inbound-transfer.params.x',
      /unknown param/,
    ],
    [
      'detections:\n  inbound-transfer:\n    params:\n      suppress_for_s: soon',
      'detections.inbound-transfer.params.suppress_for_s',
      /expected a number/,
    ],
    ['detections:\n  inbound-transfer:\n    enabled: maybe', 'detections.inbound-transfer.enabled', /true or false/],
    ['- a\n- b', '(top level)', /expected a mapping/],
  ]
  for (const [yaml, key, re] of cases) {
    const e = errorOf(yaml)
    assert.equal(e.code, 'config.invalid')
    assert.equal(e.exitCode, 1)
    assert.equal(e.key, key, yaml)
    assert.ok(e.message.startsWith(`Config key ${key}: `), e.message)
    assert.match(e.message, re)
  }
})

test('syntax errors and unreadable files are ConfigErrors naming the file', () => {
  assert.throws(
    () => parseConfigText('a: [1, 2', 'x.yaml'),
    (e) => e instanceof ConfigError && /x\.yaml.*YAML/.test(e.message),
  )
  assert.throws(() => parseConfigText('a: 1\na: 2', 'dup.yaml'), ConfigError, 'duplicate keys are rejected')
  assert.throws(
    () => loadConfig('/nonexistent/ingress.yaml', {}),
    (e) => e instanceof ConfigError && /cannot be read/.test(e.message),
  )
})

test('units: byte sizes and durations', () => {
  const c = validateConfig(parseConfigText('ingress_bytes_threshold: 2MiB\ntime_window: 2h', 't'))
  assert.equal(c.ingress_bytes_threshold, 2 * 1024 * 1024)
  assert.equal(c.time_window, 7200)
})

test('docs/config.md is the rendered schema and lists every key', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/config.md'), 'utf8')
  // Biome pads Markdown tables; compare with table padding collapsed.
  const norm = (md: string): string =>
    md
      .split('\n')
      .map((l) => (l.startsWith('|') ? l.replace(/-{3,}/g, '---').replace(/\s+/g, ' ').trim() : l))
      .join('\n')
  assert.equal(
    norm(doc),
    norm(renderConfigReference()),
    'regenerate docs/config.md from renderConfigReference(), then biome format',
  )
  const keys: string[] = []
  const walk = (o: object, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const key = `${prefix}${k}`
      const section = v !== null && typeof v === 'object' && !Array.isArray(v) && !['weights', 'sampling'].includes(k)
      if (section && key !== 'file_type_risk_patterns' && key !== 'detections') walk(v, `${key}.`)
      else keys.push(key)
    }
  }
  walk(DEFAULT_CONFIG, '')
  for (const k of keys) assert.ok(norm(doc).includes(`| \`${k}\` |`), `docs/config.md lists ${k}`)
})

test('any parsed input either validates or throws a ConfigError (never another error)', () => {
  const keys = [
    'internal',
    'flow_table',
    'scoring',
    'working_hours',
    'detections',
    'netflow',
    'baseline',
    'time_window',
    'x',
  ]
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 })),
  )
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), value), (raw) => {
      try {
        validateConfig(raw)
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e
        assert.match(e.message, /^Config key .+: .+\.$/s)
      }
    }),
    { numRuns: 300, seed: 1105 },
  )
  for (const text of ['', '~', '[', ': :', '"\\u0000"', 'a: !!binary AAAA', 'a: &x [*x]']) {
    try {
      validateConfig(parseConfigText(text, 'fuzz.yaml'))
    } catch (e) {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(text)}: ${e}`)
    }
  }
})
