/**
 * cloud-file-service: a host contacted a file-sharing, paste or content-hosting service (anchors.md §4.6;
 * T1105 names them as a delivery path), seen as a TLS SNI, an HTTP Host or a DNS query. Informational: the list
 * (decoders/tables/file-sharing-domains.ts) marks a destination class, not a verdict; other detections and the
 * scorer use it as context. One alert per (orig_h, listed domain); the dedup table is bounded
 * (`max_pairs`, oldest forgotten first). Not handled: DNS answers that only resolve such names (the query is
 * enough), QUIC (no SNI decoding here).
 */
import { matchFileSharingDomain } from '../../decoders/tables/file-sharing-domains.js'
import { defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, SensorEvent } from '../events.js'

export interface CloudFileServiceParams {
  /** Most (host, domain) pairs remembered for deduplication. */
  readonly max_pairs: number
  /** Seconds the sink suppresses a repeated identifier. */
  readonly suppress_for_s: number
}

function hostOnly(host: string): string {
  if (host.startsWith('[')) return host
  const c = host.lastIndexOf(':')
  return c > 0 && host.indexOf(':') === c ? host.slice(0, c) : host
}

const def = defineDetection<CloudFileServiceParams>({
  id: 'cloud-file-service',
  title: 'Contact with a file-sharing or paste service',
  description:
    'A host contacted a file-sharing, paste or content-hosting service (Dropbox, OneDrive/SharePoint, Google Drive, ' +
    'GitHub raw content, Pastebin, transfer.sh, Discord CDN, ...), seen in a TLS SNI, an HTTP Host header or a DNS ' +
    'query. Informational context for tool-transfer alerts.',
  severity: 'info',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: ['attack.command-and-control', 'attack.t1105', 'attack.t1102', 'attack.t1567'],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/network_connection/net_connection_win_susp_file_sharing_domains_susp_folders.yml',
  ],
  falsePositives: ['Sanctioned use of cloud storage and code hosting by users and sync clients.'],
  inputs: ['tls', 'http', 'dns'],
  params: { max_pairs: 50_000, suppress_for_s: 86_400 },
  create(p, ctx) {
    const seen = new Set<string>()
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        let name: string | undefined
        let via: string
        if (ev.kind === 'tls') {
          name = ev.sni
          via = 'TLS SNI'
        } else if (ev.kind === 'http') {
          name = ev.host !== undefined ? hostOnly(ev.host) : undefined
          via = 'HTTP Host'
        } else if (ev.kind === 'dns') {
          name = ev.query
          via = 'DNS query'
        } else return undefined
        if (name === undefined || name === '') return undefined
        const hit = matchFileSharingDomain(name)
        if (hit === undefined) return undefined
        const key = `${ev.orig_h}|${hit.domain}`
        if (seen.has(key)) return undefined
        if (seen.size >= p.max_pairs) {
          const first = seen.values().next()
          if (!first.done) seen.delete(first.value)
        }
        seen.add(key)
        return [
          makeAlert(def, ctx, {
            ts: ev.ts,
            source: ev.source,
            message: `${ev.orig_h} contacted ${hit.service} (${name}, ${hit.kind}) seen in ${via}`,
            score: 10,
            severity: 'info',
            technique: 'T1105',
            tactic: 'command-and-control',
            reasons: [`${name} is under ${hit.domain} (${hit.service}, ${hit.kind})`],
            evidence: [{ ts: ev.ts, source: ev.kind, what: `${via} ${name}`, uid: ev.uid }],
            identifier: `cloud-file-service:${ev.orig_h}:${hit.domain}`,
            conn: ev,
            service: ev.kind,
            details: { domain: hit.domain, name, service_name: hit.service, kind: hit.kind, via },
            suppress_for: p.suppress_for_s,
          }),
        ]
      },
    }
  },
})

export default def
