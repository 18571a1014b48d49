/**
 * Triage guidance attached to every alert, as data (an analyst or a deployment edits this, not the code).
 * `common` applies to every alert; `byDetection` and `byTechnique` add questions for one detection id or
 * ATT&CK technique; `escalate` says when to hand over. A question with a `fact` gets the sensor's answer
 * appended (analytics/scoring/triage.ts). Sources: MITRE DET0060 (T1105), DET0718 AN1848, DET0183 (T1570).
 */

/** Facts the scorer can answer for a question. */
export type TriageFact = 'off_hours' | 'destination' | 'volume' | 'prevalence' | 'first_seen' | 'file' | 'agent'

export interface TriageQuestion {
  /** The question, one sentence. */
  readonly ask: string
  /** When set, the sensor's own answer is appended. */
  readonly fact?: TriageFact
}

export interface TriageGuide {
  readonly common: readonly TriageQuestion[]
  readonly byDetection: Readonly<Record<string, readonly TriageQuestion[]>>
  readonly byTechnique: Readonly<Record<string, readonly TriageQuestion[]>>
  readonly escalate: readonly string[]
}

export const TRIAGE_GUIDE: TriageGuide = {
  common: [
    { ask: 'Did the transfer happen outside working hours?', fact: 'off_hours' },
    { ask: 'Is the source a trusted domain (vendor update, CDN, approved file share)?', fact: 'destination' },
    { ask: 'Is the volume high for this host and protocol?', fact: 'volume' },
    { ask: 'Has this host talked to the source before?', fact: 'first_seen' },
    { ask: 'Did the same transfer reach other internal hosts?', fact: 'prevalence' },
  ],
  byDetection: {
    'inbound-transfer': [
      { ask: 'What was transferred (file type, name, hash) and by which tool?', fact: 'file' },
      { ask: 'Was the client a download tool or script rather than a browser or updater?', fact: 'agent' },
      {
        ask: 'Which process on the host opened the connection, and was a file written then executed (Sysmon 3, 11, 1; DET0060 AN0165)?',
      },
    ],
  },
  byTechnique: {
    T1570: [
      { ask: 'Is the sending host an administration or deployment server expected to push files?' },
      { ask: 'Was the file written to an admin share (ADMIN$, C$) and executed remotely (DET0183 AN0516)?' },
    ],
    T1105: [{ ask: 'Is there an approved change or software install that explains the download?' }],
  },
  escalate: [
    'Escalate to tier 2 when the transfer is confirmed unauthorized, or when it coincides with other indicators: an executable or script, a download-tool user agent, execution on the host, or the same file on other hosts.',
    'Close as benign when the source is an approved update or CDN endpoint and the process is expected; add it to allowed_destinations so it is suppressed from now on, including for destinations already in the baseline.',
  ],
}
