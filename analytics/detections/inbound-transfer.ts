/**
 * inbound-transfer: an internal host pulls a large, inbound-heavy transfer from an external destination,
 * scored against the destination baseline (never seen by this host or the site), file type, user agent,
 * protocol and working hours. This is MITRE DET0060 AN0169 ("anomalous inbound file transfers") and
 * DET0718 AN1848 ("retrieves remote content from non-baselined domain or IP and the transfer direction is
 * inbound") on flow data. The metadata lives here; the alerts are raised by analytics/scoring/scorer.ts
 * (`Scorer.scoreFlow`), which owns the baseline, so the instance below consumes nothing itself.
 * Internal-to-internal transfers are not this detection's (they are T1570, raised by file detections).
 */
import { defineDetection } from '../detection.js'

export interface InboundTransferParams {
  /** Seconds during which further alerts with the same host and destination are suppressed (Zeek suppress_for). */
  readonly suppress_for_s: number
  /**
   * Alert only when the host never exchanged data with the destination before (DET0718 "non-baselined
   * domain or IP"; a host in its learning period never qualifies). False: any destination whose score passes.
   */
  readonly require_never_seen: boolean
}

export default defineDetection<InboundTransferParams>({
  id: 'inbound-transfer',
  title: 'Large inbound-heavy transfer from a new external destination',
  description:
    'An internal host received a large, inbound-heavy transfer from an external destination; the score weighs the ' +
    'byte ratio and volume, whether the host and the site had seen the destination before, file type, download-tool ' +
    'user agent, risky protocol and working hours.',
  severity: 'medium',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: [
    'attack.command-and-control',
    'attack.t1105',
    'attack.t1544',
    'mitre.det0060',
    'mitre.an0169',
    'mitre.det0718',
    'mitre.an1848',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://attack.mitre.org/detectionstrategies/DET0060',
    'https://attack.mitre.org/detectionstrategies/DET0718',
  ],
  falsePositives: [
    'Software updates and package mirrors not yet in allowed_destinations (add them; the allowlist also covers baselined destinations).',
    'Streaming media and large downloads by browsers from a CDN edge address seen for the first time.',
    'New hosts, until their learning period (baseline.learning_days) ends.',
  ],
  inputs: [],
  params: { suppress_for_s: 3600, require_never_seen: true },
  create: () => ({ onEvent: () => undefined }),
})
