/**
 * protocol-port-mismatch: the protocol identified from content (AppProtoEvent: first payload of each direction,
 * Suricata app_proto_ts/tc, Zeek DPD) compared with the protocols registered for the responder port
 * (decoders/tables/ports.ts). Three cases: (1) a port with registered protocols carrying another identified
 * protocol (SSH or plain HTTP on 443, HTTP on 53/22, TLS on 21...); (2) an identified protocol on a port that
 * registers nothing (HTTP on 31337, DNS on 8053), lower; (3) a well-known port of a protocol the sensor can
 * identify carrying nothing identifiable (non-DNS payload on UDP/53), low. Gated like Zeek's detect-protocols.zeek:
 * both sides sent data, or at least `min_volume_bytes`, so scans do not alert. Only confirmed identifications (a
 * second proof token) reach medium or above (anchors.md §3, SSDP taken for SIP). Directions that disagree add to
 * the score (Suricata applayer_mismatch_protocol_both_directions, sid 2260000).
 * Not handled: NetFlow application ids (Juniper `application=`); the flow records carry no payload.
 */
import { isRegisteredFor } from '../../decoders/tables/ports.js'
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, AppProtoEvent, SensorEvent } from '../events.js'

export interface ProtocolPortMismatchParams {
  /** Bytes (both directions) that pass the gate even when only one side sent data (Zeek minimum_volume). */
  readonly min_volume_bytes: number
  /** Seconds during which the same server, port and protocol is one alert (Zeek remembers Server_Found). */
  readonly suppress_for_s: number
}

/** Protocols the app layer identifies; an unidentified payload only counts on their ports. */
const IDENTIFIABLE = new Set([
  'http',
  'tls',
  'ssh',
  'ftp',
  'smtp',
  'dns',
  'tftp',
  'finger',
  'smb',
  'rdp',
  'irc',
  'pop3',
  'imap',
])
/** Analyzers attached through expectations: their flows are on random ports by design. */
const EXPECTED_ONLY = new Set(['ftp-data', 'tftp-data'])
/** Extra points for combinations that are tunnels or staging servers in practice. */
const NOTABLE: Readonly<Record<string, number>> = {
  'ssh@tls': 20,
  'ssh@http': 20,
  'http@tls': 20,
  'http@dns': 15,
  'tls@dns': 10,
  'ssh@dns': 20,
  'tls@ftp': 10,
  'tls@ssh': 10,
}

/** Alternative HTTP/proxy ports without a registered protocol in our table, where HTTP is expected. */
const ALT_HTTP_PORTS = new Set([3128, 8000, 8008, 8081, 8888])
/** An unconfirmed mismatch stays low even with the scorer's context (28 × 1.35 < 40). */
const UNCONFIRMED_MAX = 28
/** A mismatch alone is one indicator: at most high, below the scorer's CRITICAL_BASE_MIN (70). */
const MISMATCH_MAX = 69

/** What a first payload (hex) begins with: MZ or ELF magic, or a `#!` script; undefined otherwise. */
function rawContent(hex: string): 'MZ' | 'ELF' | 'script' | undefined {
  const h = hex.toLowerCase()
  if (h.startsWith('4d5a')) return 'MZ'
  if (h.startsWith('7f454c46')) return 'ELF'
  if (h.startsWith('2321')) return 'script'
  return undefined
}

const def = defineDetection<ProtocolPortMismatchParams>({
  id: 'protocol-port-mismatch',
  title: 'Protocol does not match the port',
  description:
    'The application protocol identified from payload differs from the protocol registered for the server port ' +
    '(e.g. SSH or plain HTTP on 443, HTTP on 53), or a well-known port carries unidentifiable payload.',
  severity: 'medium',
  technique: 'T1571',
  tactic: 'command-and-control',
  tags: ['attack.t1571', 'attack.t1105', 'attack.command-and-control'],
  references: [
    'https://attack.mitre.org/techniques/T1571/',
    'https://docs.zeek.org/en/master/scripts/policy/frameworks/analyzer/detect-protocols.zeek.html',
    'https://docs.suricata.io/en/latest/rules/app-layer.html',
  ],
  falsePositives: [
    'sslh-style multiplexers and corporate proxies that carry SSH or HTTP on 443 by design.',
    'Development servers on arbitrary ports.',
  ],
  inputs: ['app-proto'],
  params: { min_volume_bytes: 4000, suppress_for_s: 3600 },
  create(p, ctx) {
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        if (ev.kind !== 'app-proto') return undefined
        const a = judge(ev, p, ctx)
        return a === undefined ? undefined : [a]
      },
    }
  },
})

function judge(ev: AppProtoEvent, p: ProtocolPortMismatchParams, ctx: DetectionContext): AlertEvent | undefined {
  if (ev.proto !== 'tcp' && ev.proto !== 'udp') return undefined
  const bothSides = ev.orig_bytes > 0 && ev.resp_bytes > 0
  if (!bothSides && ev.orig_bytes + ev.resp_bytes < p.min_volume_bytes) return undefined
  const app = ev.app_proto
  if (EXPECTED_ONLY.has(app)) return undefined
  const registered = ev.port_proto === '' ? [] : ev.port_proto.split(',')
  const port = `${ev.proto.toUpperCase()}/${ev.resp_p}`
  const seen = `seen: to server "${ev.app_proto_ts || '-'}", to client "${ev.app_proto_tc || '-'}"`
  const reasons: string[] = []
  const raw = app === '' ? (rawContent(ev.first_ts_hex) ?? rawContent(ev.first_tc_hex)) : undefined
  let score: number
  if (app !== '') {
    if (isRegisteredFor(ev.proto, ev.resp_p, app)) return undefined
    if (registered.length > 0) {
      score = 45
      reasons.push(`${app} on ${port}, which is registered for ${registered.join('/')} (${seen})`)
      const bonus = NOTABLE[`${app}@${registered[0]}`]
      if (bonus !== undefined) {
        score += bonus
        reasons.push(`${app} over a ${registered[0]} port is a known tunnel/staging pattern (+${bonus})`)
      }
    } else {
      // A confirmed protocol on a port nobody registered (HTTP on 31337, DNS on 8053) is medium; TLS anywhere,
      // HTTP on proxy/alt-HTTP ports and anything on an ephemeral port (often a flow seen from its reply) are not.
      score = app === 'tls' ? 10 : (app === 'http' && ALT_HTTP_PORTS.has(ev.resp_p)) || ev.resp_p >= 32768 ? 25 : 40
      reasons.push(`${app} on ${port}, a port with no registered protocol (${seen}) (+${score})`)
    }
    if (ev.app_proto_ts !== '' && ev.app_proto_tc !== '' && ev.app_proto_ts !== ev.app_proto_tc) {
      score += 10
      reasons.push('the two directions disagree (+10)')
    }
    if (!ev.confirmed) {
      score = Math.min(score, UNCONFIRMED_MAX)
      reasons.push(`not confirmed by a second proof token: capped at ${UNCONFIRMED_MAX} (low, even with context)`)
    }
  } else {
    const known = registered.filter((r) => IDENTIFIABLE.has(r))
    if (known.length === 0 && raw === undefined) return undefined
    score = 0
    if (known.length > 0) {
      score = known.includes('dns') ? 27 : 22
      reasons.push(
        `${port} is registered for ${registered.join('/')} but neither direction's first payload was identifiable (+${score})`,
      )
    }
    if (raw !== undefined) {
      const floor = raw === 'script' ? 55 : 65
      reasons.push(
        `the first payload is a raw ${raw === 'script' ? 'script (#!)' : `${raw} executable`} with no application protocol (at least ${floor})`,
      )
      score = Math.max(score, floor)
    }
  }
  if (score > MISMATCH_MAX) {
    reasons.push(`a mismatch alone is one indicator: capped at ${MISMATCH_MAX} (${MISMATCH_MAX - score})`)
    score = MISMATCH_MAX
  }
  const evidence = [
    {
      ts: ev.ts,
      source: 'app-proto',
      what: `First payloads on ${ev.orig_h}:${ev.orig_p} → ${ev.resp_h}:${ev.resp_p}: ${seen}; ${ev.orig_bytes}/${ev.resp_bytes} bytes.`,
      app_proto_ts: ev.app_proto_ts,
      app_proto_tc: ev.app_proto_tc,
      confirmed: ev.confirmed,
      port_proto: ev.port_proto,
      first_ts_hex: ev.first_ts_hex,
      first_tc_hex: ev.first_tc_hex,
    },
  ]
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message:
      app !== ''
        ? `${app} on ${port} (${registered.length > 0 ? `registered for ${registered.join('/')}` : 'no registered protocol'}) between ${ev.orig_h} and ${ev.resp_h}.`
        : raw !== undefined && registered.length === 0
          ? `Raw ${raw === 'script' ? 'script' : `${raw} executable`} on ${port} (no application protocol) between ${ev.orig_h} and ${ev.resp_h}.`
          : `Unidentified payload on ${port} (registered for ${registered.join('/')}) between ${ev.orig_h} and ${ev.resp_h}.`,
    score,
    reasons,
    evidence,
    conn: ev,
    ...(app !== '' ? { service: app } : {}),
    identifier: `mismatch:${ev.resp_h}:${ev.resp_p}:${ev.proto}:${app}`,
    suppress_for: p.suppress_for_s,
    details: {
      app_proto: app,
      app_proto_ts: ev.app_proto_ts,
      app_proto_tc: ev.app_proto_tc,
      port_proto: ev.port_proto,
      confirmed: ev.confirmed,
    },
  })
}

export default def
