import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DestinationBaseline } from '../baselines/destination-baseline.js'
import { makeAlert, severityForScore as severityOf } from '../detection.js'
import inboundTransfer from '../detections/inbound-transfer.js'
import type { AlertEvent, FlowRecord } from '../events.js'
import { AddressSet } from '../net/address-set.js'
import type { ScorerConfig, ScoringSection } from './factors.js'
import { Scorer } from './scorer.js'
import { makeFlow, WEDNESDAY_10_UTC } from './test-flow.js'

const INTERNAL = ['10.0.0.0/8', '192.168.0.0/16']

// The documented defaults (docs/config.md), written out so each expectation below can be checked by hand.
const SCORING: ScoringSection = {
  weights: {
    inbound_ratio: 0.15,
    inbound_volume: 0.15,
    never_seen_host: 0.2,
    never_seen_site: 0.1,
    file_type: 0.15,
    download_agent: 0.1,
    risky_protocol: 0.05,
    off_hours: 0.1,
  },
  alert_threshold: 40,
  allowlist_action: 'suppress',
  allowlist_cap: 10,
  recent_days: 7,
  common_destination_fraction: 0.5,
  prevalence_min_hosts: 10,
  prevalence_discount: 0.15,
  unreliable_direction_discount: 0.3,
  sampled_discount: 0.15,
  download_agents: ['curl/', 'Wget/', 'WindowsPowerShell/', 'Microsoft BITS/'],
}

const CONFIG: ScorerConfig = {
  internal: INTERNAL,
  ingress_bytes_threshold: 1_000_000,
  min_inbound_ratio: 10,
  allowed_destinations: [],
  allowed_agents: [],
  file_type_risk_patterns: { pe: 1, script: 0.8, zip: 0.3, '*.ps1': 1 },
  working_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timezone: 'UTC' },
  scoring: SCORING,
}

/** A scorer that also alerts on known destinations (the detection's require_never_seen off). */
const ANY_DESTINATION = { 'inbound-transfer': { params: { require_never_seen: false } } }

function setup(
  over: Partial<ScorerConfig> = {},
  scoring: Partial<ScoringSection> = {},
  learningDays = 0,
  requireNeverSeen = true,
): { scorer: Scorer; baseline: DestinationBaseline } {
  const baseline = new DestinationBaseline(new AddressSet(INTERNAL), { learningDays })
  const scorer = new Scorer(
    {
      ...CONFIG,
      ...over,
      scoring: { ...SCORING, ...scoring },
      ...(requireNeverSeen ? {} : { detections: ANY_DESTINATION }),
    },
    baseline,
  )
  return { scorer, baseline }
}

/** Score of a flow with no alert threshold, on a fresh baseline (so it is never seen). */
function scoreOf(rec: FlowRecord, scoring: Partial<ScoringSection> = {}): AlertEvent {
  const { scorer } = setup({}, { alert_threshold: 0, ...scoring })
  const a = scorer.scoreFlow(rec)
  assert.ok(a, 'an alert')
  return a
}

function points(a: AlertEvent, factor: string): number | undefined {
  return a.score_factors?.find((f) => f.factor === factor)?.points
}

// 5 MB inbound with the default 1 MB threshold: 0.5 + 0.5·log10(5) = 0.849 → 12.7 points.
const VOLUME_5MB = Math.round(15 * (0.5 + 0.5 * Math.log10(5)) * 10) / 10

test('first sight of a large inbound-heavy download alerts never-seen; the second does not', () => {
  const { scorer } = setup()
  const a = scorer.scoreAndObserve(makeFlow())
  assert.ok(a)
  assert.equal(a.detection, 'inbound-transfer')
  assert.equal(a.technique, 'T1105')
  assert.equal(a.never_seen, true)
  assert.equal(a.first_seen, undefined)
  // ratio ≥ 100 → 15, volume 12.7, never seen by host 20 and by site 10; in working hours; no file/UA/protocol.
  assert.equal(points(a, 'inbound_ratio'), 15)
  assert.equal(points(a, 'inbound_volume'), VOLUME_5MB)
  assert.equal(points(a, 'never_seen_host'), 20)
  assert.equal(points(a, 'never_seen_site'), 10)
  assert.equal(a.score, Math.round(15 + VOLUME_5MB + 20 + 10))
  assert.equal(a.severity, 'medium')
  assert.ok(a.reasons.includes('never-seen destination for this host: +20'), a.reasons.join('; '))
  assert.ok(a.triage && a.triage.length > 3)
  assert.ok(a.triage.some((t) => /tier 2/.test(t)))
  assert.equal(a.identifier, 'inbound-transfer:10.66.0.2:198.51.100.80')
  assert.equal(a.details?.inbound_bytes, 5_000_000)
  // Second time: the destination is known to the host, so this detection does not fire.
  assert.equal(scorer.scoreAndObserve(makeFlow({ ts: WEDNESDAY_10_UTC + 60 })), undefined)
  assert.equal(scorer.counters.get('scorer_flows_skipped_total', 'destination_known'), 1)
  // With require_never_seen off, a known destination scores a quarter of never-seen-host while recent, then 0.
  const later = setup({}, { alert_threshold: 0 }, 0, false)
  later.scorer.scoreAndObserve(makeFlow())
  const recent = later.scorer.scoreFlow(makeFlow({ ts: WEDNESDAY_10_UTC + 86_400 }))
  assert.equal(recent && points(recent, 'never_seen_host'), 5, 'first seen a day ago: a quarter of 20')
  const b = later.scorer.scoreFlow(makeFlow({ ts: WEDNESDAY_10_UTC + 10 * 86_400 - 4 * 3600 }))
  assert.ok(b)
  assert.equal(points(b, 'never_seen_host'), 0)
  assert.equal(b.never_seen, undefined)
  assert.equal(b.first_seen, '2026-11-18T10:00:00.000Z')
})

test('gates: below the byte threshold, not inbound-heavy, failed or empty connections never alert', () => {
  const { scorer } = setup({}, { alert_threshold: 0 })
  assert.equal(scorer.scoreFlow(makeFlow({ resp_bytes: 900_000 })), undefined, 'below 1 MB')
  assert.equal(scorer.scoreFlow(makeFlow({ orig_bytes: 1_000_000, resp_bytes: 5_000_000 })), undefined, 'ratio 5 < 10')
  assert.equal(scorer.scoreFlow(makeFlow({ conn_state: 'S0', history: 'S', resp_bytes: 0 })), undefined)
  assert.equal(scorer.scoreFlow(makeFlow({ conn_state: 'REJ', history: 'Sr', resp_bytes: 0 })), undefined)
  assert.equal(scorer.scoreFlow(makeFlow({ orig_bytes: 0, resp_bytes: 0, resp_ip_bytes: 40 })), undefined)
  // Zeek#3313: payload counts above the IP bytes are impossible; the IP length bounds them.
  const lie = makeFlow({ resp_bytes: 1_607_364_734, resp_ip_bytes: 4000, resp_pkts: 10 })
  assert.equal(scorer.scoreFlow(lie), undefined, 'a bogus payload count cannot pass the gate')
  // Both ends internal or both external: not this detection.
  assert.equal(scorer.scoreFlow(makeFlow({ resp_h: '10.1.2.3' })), undefined)
  assert.equal(scorer.scoreFlow(makeFlow({ orig_h: '203.0.113.5' })), undefined)
  assert.equal(scorer.counters.get('scorer_flows_skipped_total', 'below_threshold'), 2)
  assert.equal(scorer.counters.get('scorer_flows_skipped_total', 'no_data'), 3)
})

test('a failed connection does not make a destination known', () => {
  const { scorer, baseline } = setup()
  scorer.observe(makeFlow({ conn_state: 'S0', history: 'S', orig_bytes: 0, resp_bytes: 0, resp_pkts: 0 }))
  assert.equal(baseline.lookup('10.66.0.2', '198.51.100.80').hostFirstSeen, undefined)
  assert.equal(scorer.scoreFlow(makeFlow())?.never_seen, true)
})

test('each factor moves the score the documented way', () => {
  const base = scoreOf(makeFlow())
  const delta = (a: AlertEvent): number => a.score - base.score
  // Off hours: Sunday 03:00 UTC → +10.
  const sunday = scoreOf(makeFlow({ ts: Date.UTC(2026, 10, 22, 3, 0) / 1000 }))
  assert.equal(points(sunday, 'off_hours'), 10)
  assert.equal(delta(sunday), 10)
  // Plain HTTP → half of 5; TFTP/FTP/finger → 5.
  assert.equal(points(scoreOf(makeFlow({ service: 'http' })), 'risky_protocol'), 2.5)
  assert.equal(points(scoreOf(makeFlow({ service: 'ftp-data' })), 'risky_protocol'), 5)
  assert.equal(points(scoreOf(makeFlow({ resp_p: 79, service: '' })), 'risky_protocol'), 5, 'finger by port')
  assert.equal(points(scoreOf(makeFlow({ service: 'ssl' })), 'risky_protocol'), 0)
  // Ten times the threshold → full volume points (15); exactly the threshold → half (7.5).
  assert.equal(points(scoreOf(makeFlow({ resp_bytes: 10_000_000 })), 'inbound_volume'), 15)
  assert.equal(points(scoreOf(makeFlow({ resp_bytes: 1_000_000 })), 'inbound_volume'), 7.5)
  // Ratio 20:1 → log10(20)/2 = 0.65 → 9.8.
  assert.equal(points(scoreOf(makeFlow({ orig_bytes: 250_000 })), 'inbound_ratio'), 9.8)
  // Unreliable direction (history ^ or OTH) keeps 70 %.
  const flipped = scoreOf(makeFlow({ history: '^hADadfF' }))
  assert.equal(flipped.score, Math.round((15 + VOLUME_5MB + 30) * 0.7))
  assert.ok(flipped.reasons.some((r) => r.startsWith('direction unreliable (history ^)')))
  assert.equal(scoreOf(makeFlow({ conn_state: 'OTH' })).details?.direction_reliable, false)
  // Sampled flow exports: marked and keep 85 %.
  const sampled = scoreOf(makeFlow({ source_kind: 'netflow', estimated: true, sampling: 100 }))
  assert.equal(sampled.details?.estimated, true)
  assert.equal(sampled.details?.sampling, 100)
  assert.ok(sampled.reasons.some((r) => r.includes('sampled flow export (1:100)')))
  assert.ok(sampled.score < base.score)
})

test("file type and download-tool user agent come from the flow's app-layer events", () => {
  const { scorer } = setup({}, { alert_threshold: 0 })
  const rec = makeFlow({ service: 'http' })
  const conn = {
    uid: rec.uid,
    orig_h: rec.orig_h,
    orig_p: rec.orig_p,
    resp_h: rec.resp_h,
    resp_p: rec.resp_p,
    proto: rec.proto,
  }
  scorer.observe({
    kind: 'http',
    ts: rec.ts,
    source: 'pcap:test',
    ...conn,
    trans_depth: 1,
    method: 'GET',
    host: 'dl.example.net:8000',
    uri: '/tool.exe',
    user_agent: 'curl/8.5.0',
    request_body_len: 0,
    response_body_len: 5_000_000,
  })
  scorer.observe({
    kind: 'file',
    ts: rec.ts + 1,
    source: 'pcap:test',
    ...conn,
    file_proto: 'http',
    name: 'tool.exe',
    direction: 'download',
    sender_is_orig: false,
    bytes: 5_000_000,
    missing_bytes: 0,
    type: 'pe',
    complete: true,
    head_hex: '4d5a',
  })
  const a = scorer.scoreFlow(rec)
  assert.ok(a)
  assert.equal(points(a, 'file_type'), 15)
  assert.equal(points(a, 'download_agent'), 10)
  assert.equal(a.file?.type, 'pe')
  assert.equal(a.details?.user_agent, 'curl/8.5.0')
  assert.match(a.details?.dest_names as string, /dl\.example\.net/)
  // 15 + 12.7 + 30 + 15 + 10 + 2.5 = 85.2 → critical.
  assert.equal(a.score, 85)
  assert.equal(a.severity, 'critical')
})

test('site prevalence: a destination most internal hosts use loses 15 %', () => {
  const { scorer, baseline } = setup({}, { alert_threshold: 0 })
  // Twelve hosts known, eight of which used the destination already.
  for (let i = 1; i <= 12; i++)
    baseline.observe(`10.0.0.${i}`, i <= 8 ? '198.51.100.80' : '203.0.113.9', 1000, 1000, 500)
  const a = scorer.scoreFlow(makeFlow())
  assert.ok(a)
  const raw = 15 + VOLUME_5MB + 20 // host never saw it; the site did
  assert.equal(points(a, 'never_seen_site'), 0)
  assert.equal(points(a, 'prevalence'), -Math.round(raw * 0.15 * 10) / 10)
  assert.equal(a.score, Math.round(raw * 0.85))
  assert.ok(a.reasons.some((r) => r.startsWith('destination used by 67% of internal hosts (8/12)')))
})

test('allowlists suppress at alert time, also for destinations already in the baseline', () => {
  // By CIDR.
  const cidr = setup({ allowed_destinations: ['198.51.100.0/24'] })
  assert.equal(cidr.scorer.scoreFlow(makeFlow()), undefined)
  assert.equal(cidr.scorer.counters.get('scorer_suppressed_total', 'allowed_destinations'), 1)
  // By domain suffix through a DNS answer seen earlier; a lookalike domain is not covered.
  const dns = setup({ allowed_destinations: ['example.com'] })
  const q = {
    kind: 'dns',
    ts: WEDNESDAY_10_UTC - 1,
    source: 't',
    uid: 'Cdns',
    orig_h: '10.66.0.2',
    orig_p: 5353,
    resp_h: '10.0.0.53',
    resp_p: 53,
    proto: 'udp',
    qtype: 1,
  } as const
  dns.scorer.observe({ ...q, query: 'cdn.example.com', answers: ['198.51.100.80'] })
  dns.scorer.observe({ ...q, query: 'badexample.com', answers: ['198.51.100.81'] })
  assert.equal(dns.scorer.scoreFlow(makeFlow()), undefined)
  assert.ok(dns.scorer.scoreFlow(makeFlow({ resp_h: '198.51.100.81' })), 'badexample.com is not example.com')
  // Retroactive: the destination was learned into the baseline before the allowlist entry existed.
  const first = setup()
  first.scorer.observe(makeFlow({ server_name: 'updates.vendor.test' }))
  const later = new Scorer(
    { ...CONFIG, allowed_destinations: ['vendor.test'], detections: ANY_DESTINATION },
    first.baseline,
  )
  assert.equal(later.scoreFlow(makeFlow({ resp_h: '198.51.100.80', ts: WEDNESDAY_10_UTC + 3600 })), undefined)
  assert.equal(later.counters.get('scorer_suppressed_total', 'allowed_destinations'), 1)
  const alert = makeAlert(
    inboundTransfer,
    { internal: new AddressSet(INTERNAL) },
    {
      ts: WEDNESDAY_10_UTC,
      source: 't',
      message: 'x',
      score: 70,
      reasons: [],
      evidence: [],
      identifier: 'x',
      conn: makeFlow(),
    },
  )
  assert.equal(later.enrichAlert({ ...alert, detection: 'http-executable-download' }), undefined)
  // Cap instead of suppress.
  const cap = setup({ allowed_destinations: ['198.51.100.80'] }, { allowlist_action: 'cap', alert_threshold: 0 })
  const capped = cap.scorer.scoreFlow(makeFlow())
  assert.ok(capped)
  assert.equal(capped.score, 10)
  assert.equal(capped.severity, 'info')
  assert.ok(capped.reasons.some((r) => r.includes('allowed_destinations entry "198.51.100.80"')))
  // allowed_agents, by the flow's user agent.
  const agents = setup({ allowed_agents: ['VendorUpdater/'] })
  const rec = makeFlow()
  agents.scorer.observe({
    kind: 'http',
    ts: rec.ts,
    source: 't',
    uid: rec.uid,
    orig_h: rec.orig_h,
    orig_p: rec.orig_p,
    resp_h: rec.resp_h,
    resp_p: rec.resp_p,
    proto: 'tcp',
    trans_depth: 1,
    method: 'GET',
    uri: '/u.bin',
    user_agent: 'VendorUpdater/2.1',
    request_body_len: 0,
    response_body_len: 5_000_000,
  })
  assert.equal(agents.scorer.scoreFlow(rec), undefined)
  assert.equal(agents.scorer.counters.get('scorer_suppressed_total', 'allowed_agents'), 1)
})

test('learning period: no never-seen alerts or points until the host has been observed long enough', () => {
  const strict = setup({}, { alert_threshold: 0 }, 7)
  assert.equal(strict.scorer.scoreFlow(makeFlow()), undefined)
  assert.equal(strict.scorer.counters.get('scorer_flows_skipped_total', 'host_learning'), 1)
  const { scorer } = setup({}, { alert_threshold: 0 }, 7, false)
  const a = scorer.scoreAndObserve(makeFlow())
  assert.ok(a)
  assert.equal(points(a, 'never_seen_host'), 0)
  assert.equal(points(a, 'never_seen_site'), 0)
  assert.ok(a.reasons.every((r) => !r.startsWith('never-seen')))
  const b = strict.scorer.scoreFlow(makeFlow({ ts: WEDNESDAY_10_UTC + 8 * 86_400, resp_h: '203.0.113.77' }))
  assert.equal(b, undefined, 'strict never saw the host observed')
  strict.scorer.observe(makeFlow())
  const c = strict.scorer.scoreFlow(makeFlow({ ts: WEDNESDAY_10_UTC + 8 * 86_400, resp_h: '203.0.113.77' }))
  assert.equal(c && points(c, 'never_seen_host'), 20, 'after 7 days the host is out of learning')
})

test('learn mode fills the baseline and alerts on nothing', () => {
  const baseline = new DestinationBaseline(new AddressSet(INTERNAL))
  const learn = new Scorer(CONFIG, baseline, { learnOnly: true })
  assert.equal(learn.scoreAndObserve(makeFlow()), undefined)
  const alert = makeAlert(
    inboundTransfer,
    { internal: new AddressSet(INTERNAL) },
    {
      ts: 1,
      source: 't',
      message: 'x',
      score: 90,
      reasons: [],
      evidence: [],
      identifier: 'x',
    },
  )
  assert.equal(learn.enrichAlert(alert), undefined)
  assert.equal(baseline.lookup('10.66.0.2', '198.51.100.80').hostFirstSeen, WEDNESDAY_10_UTC)
  const detect = new Scorer(CONFIG, baseline)
  assert.equal(detect.scoreFlow(makeFlow({ ts: WEDNESDAY_10_UTC + 60 })), undefined, 'learned, so not never-seen')
})

test('Cisco ASA flows with total bytes only are scored by size, not ratio', () => {
  const rec = makeFlow({
    source_kind: 'syslog',
    orig_bytes: 6_000_000,
    resp_bytes: 0,
    orig_ip_bytes: 0,
    resp_ip_bytes: 0,
    resp_pkts: 0,
    orig_pkts: 0,
    history: '',
    conn_state: '',
    bytes_undirected: true,
  })
  const a = scoreOf(rec)
  assert.equal(points(a, 'inbound_ratio'), 0)
  assert.equal(a.score_factors?.find((f) => f.factor === 'inbound_ratio')?.value, 'n/a')
  assert.equal(a.details?.bytes_undirected, true)
  assert.equal(a.details?.inbound_bytes, 6_000_000)
})

test('enrichAlert adds baseline facts, never-seen and off-hours factors, and triage to detection alerts', () => {
  const { scorer, baseline } = setup()
  const ctx = { internal: new AddressSet(INTERNAL) }
  const sunday = Date.UTC(2026, 10, 22, 3, 0) / 1000
  const raw = makeAlert({ ...inboundTransfer, id: 'http-executable-download' }, ctx, {
    ts: sunday,
    source: 'pcap:t',
    message: 'PE downloaded over HTTP.',
    score: 50,
    reasons: ['PE file over HTTP'],
    evidence: [],
    identifier: 'pe:1',
    conn: makeFlow({ ts: sunday }),
    details: { user_agent: 'Wget/1.21' },
  })
  const a = scorer.enrichAlert(raw)
  assert.ok(a)
  assert.equal(a.never_seen, true)
  // Calibrated (docs/alerts.md): 50 × never seen by the host (1 + 0.75 × 0.2) × by the site (1 + 0.1) × off hours
  // (1 + 0.1) = 50 × 1.39, bounded to × 1.35 = 67.5 → 68; the user agent is the detection's own to score.
  assert.equal(a.score, 68)
  assert.equal(a.severity, 'high')
  assert.ok(a.reasons[0] === 'PE file over HTTP' && a.reasons.length === 5, a.reasons.join('; '))
  assert.ok(a.score_factors?.some((f) => f.factor === 'context_bound'))
  assert.equal(points(a, 'download_agent'), undefined)
  assert.ok(a.triage?.some((t) => t.startsWith('Did the transfer happen outside working hours? Sensor: yes')))
  // Once the host has used the destination, enrichment says since when.
  scorer.observe(makeFlow({ ts: sunday - 86_400 * 30 }))
  const b = scorer.enrichAlert({ ...raw, details: {} })
  assert.equal(b?.first_seen, new Date((sunday - 86_400 * 30) * 1000).toISOString())
  // Known to the host for 30 days (> recent_days): × (1 − 0.5 × 0.2); known to the site: × 1; off hours × 1.1.
  assert.equal(b?.score, Math.round(50 * 0.9 * 1.1), '50 × 0.9 × 1.1')
  // Internal to internal (T1570): no destination baseline factors.
  const lateral = makeAlert({ ...inboundTransfer, id: 'smb-executable-write' }, ctx, {
    ts: WEDNESDAY_10_UTC,
    source: 'pcap:t',
    message: 'PE written over SMB.',
    score: 60,
    reasons: [],
    evidence: [],
    identifier: 'smb:1',
    conn: makeFlow({ resp_h: '10.66.1.9', resp_p: 445 }),
  })
  assert.equal(lateral.technique, 'T1570')
  const l = scorer.enrichAlert(lateral)
  assert.equal(l?.never_seen, undefined)
  assert.equal(l?.score, 60)
  assert.ok(l?.triage?.some((t) => t.includes('ADMIN$')))
  assert.equal(baseline.stats.entries, 1)
})

/** A detection alert with a given base score, internal host 10.66.0.2 to an external destination. */
function detectionAlert(id: string, score: number, ts: number): AlertEvent {
  return makeAlert(
    { ...inboundTransfer, id },
    { internal: new AddressSet(INTERNAL) },
    {
      ts,
      source: 'pcap:t',
      message: `${id} alert`,
      score,
      reasons: [`${id} base`],
      evidence: [],
      identifier: `${id}:${score}:${ts}`,
      conn: makeFlow({ ts }),
    },
  )
}

test('calibration: context is a bounded factor, at most one band up, never critical from context alone', () => {
  const sunday = Date.UTC(2026, 10, 22, 3, 0) / 1000
  for (let base = 0; base <= 100; base += 1) {
    const { scorer } = setup()
    const a = scorer.enrichAlert(detectionAlert('x', base, sunday))
    assert.ok(a)
    // Never-seen (host and site) and off-hours together: × 1.39, bounded to × 1.35.
    assert.ok(a.score <= Math.min(100, Math.round(base * 1.35)), `${base} → ${a.score}`)
    assert.ok(a.score >= base, `${base} → ${a.score}`)
    const band = (s: number) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(severityOf(s))
    assert.ok(band(a.score) - band(base) <= 1, `${base} → ${a.score} crosses more than one band`)
    if (base < 70) assert.notEqual(a.severity, 'critical', `${base} → ${a.score}`)
    assert.equal(a.severity, severityOf(a.score))
  }
})

test('calibration: an info contact ends at low at most; off-hours alone crosses at most one band', () => {
  const sunday = Date.UTC(2026, 10, 22, 3, 0) / 1000
  const { scorer } = setup()
  const cloud = scorer.enrichAlert(detectionAlert('cloud-file-service', 10, sunday))
  assert.ok(cloud && cloud.score < 40)
  const { scorer: s2, baseline } = setup()
  // The destination is known to the host and the site since yesterday (recent: ×(1 + 0.75 × 0.2 × 0.25)).
  s2.observe(makeFlow({ ts: sunday - 86_400 }))
  assert.equal(baseline.stats.entries, 1)
  for (let base = 0; base <= 100; base += 1) {
    const weekday = s2.enrichAlert(detectionAlert('x', base, WEDNESDAY_10_UTC))
    const night = s2.enrichAlert(detectionAlert('x', base, sunday))
    assert.ok(weekday && night)
    const band = (s: number) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(severityOf(s))
    assert.ok(band(night.score) - band(weekday.score) <= 1, `${base}: ${weekday.score} → ${night.score}`)
  }
})

test('calibration: never-seen raises, a destination seen for weeks lowers', () => {
  const { scorer } = setup()
  const fresh = scorer.enrichAlert(detectionAlert('x', 60, WEDNESDAY_10_UTC))
  scorer.observe(makeFlow({ ts: WEDNESDAY_10_UTC - 86_400 * 30 }))
  const known = scorer.enrichAlert(detectionAlert('x', 60, WEDNESDAY_10_UTC))
  assert.ok(fresh && known)
  assert.ok(fresh.score > 60, String(fresh.score))
  assert.ok(known.score < 60, String(known.score))
  assert.equal(points(known, 'never_seen_host'), Math.round(60 * -0.1 * 10) / 10)
  assert.equal(known.first_seen, new Date((WEDNESDAY_10_UTC - 86_400 * 30) * 1000).toISOString())
})

test('calibration: factors a detection already scored are not added again; the chain gets no context', () => {
  const sunday = Date.UTC(2026, 10, 22, 3, 0) / 1000
  const { scorer } = setup()
  const own = { ...detectionAlert('x', 50, sunday), score_factors: [{ factor: 'off_hours', points: 5 }] }
  const a = scorer.enrichAlert(own)
  assert.equal(a?.score_factors?.filter((f) => f.factor === 'off_hours').length, 1)
  const chain = scorer.enrichAlert(detectionAlert('chain', 80, sunday))
  assert.equal(chain?.score, 80)
  assert.ok(chain?.triage !== undefined)
})

test('allowed_destinations also covers host-log alerts through their destination name (details.dest_host)', () => {
  const { scorer } = setup({ allowed_destinations: ['example.com'] })
  const ctx = { internal: new AddressSet(INTERNAL) }
  const fromLog = (dest_host: string) =>
    makeAlert({ ...inboundTransfer, id: 'download-tool' }, ctx, {
      ts: WEDNESDAY_10_UTC,
      source: 'syslog',
      message: 'certutil on ws01',
      score: 70,
      reasons: ['certutil -urlcache'],
      evidence: [],
      identifier: `dt:${dest_host}`,
      host: 'ws01',
      details: { tool: 'certutil', dest_host },
    })
  assert.equal(scorer.enrichAlert(fromLog('updates.example.com')), undefined)
  const other = scorer.enrichAlert(fromLog('badexample.com'))
  assert.equal(other?.score, 70, 'no peer address: no never-seen factor; working hours: no off-hours factor')
})

test('a disabled detection raises nothing', () => {
  const baseline = new DestinationBaseline(new AddressSet(INTERNAL))
  const s = new Scorer({ ...CONFIG, detections: { 'inbound-transfer': { enabled: false } } }, baseline)
  assert.equal(s.scoreFlow(makeFlow()), undefined)
})

test("sharing the baseline's internal set changes nothing: same alerts, counters and baseline", () => {
  const run = (shared: boolean) => {
    const internal = new AddressSet(INTERNAL)
    const baseline = new DestinationBaseline(internal)
    const scorer = new Scorer(CONFIG, baseline, shared ? { internal } : {})
    const alerts: (number | undefined)[] = []
    for (let i = 0; i < 300; i++) {
      const inbound = i % 2 === 0
      const f = makeFlow({
        ts: WEDNESDAY_10_UTC + i * 60,
        orig_h: inbound ? `10.0.0.${i % 7}` : `198.51.100.${i % 11}`,
        resp_h: i % 13 === 0 ? '224.0.0.251' : inbound ? `198.51.100.${i % 11}` : `10.0.0.${i % 7}`,
        resp_bytes: i % 3 === 0 ? 5_000_000 : 2000,
        orig_bytes: i % 17 === 0 ? 0 : 120,
        conn_state: i % 17 === 0 ? 'S0' : 'SF',
      })
      alerts.push(scorer.scoreAndObserve(f)?.score)
    }
    return {
      alerts,
      counters: scorer.counters.entries(),
      entries: [...baseline.entries()].length,
      stats: baseline.stats,
    }
  }
  const plain = run(false)
  assert.ok(
    plain.alerts.some((a) => a !== undefined),
    'some flows alert',
  )
  assert.deepEqual(run(true), plain)
})
