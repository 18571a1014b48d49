/**
 * Evidence rows for alerts raised from host events forwarded by syslog: what was seen, the event id, the
 * endpoint, the process, and the original message (capped at MAX_RAW_EVIDENCE characters, never
 * interpreted; terminal output escapes it).
 */
import type { Evidence, HostEvent } from '../events.js'

/** Longest original message kept in evidence. */
export const MAX_RAW_EVIDENCE = 8192

/** One Evidence row for a host event. */
export function hostEvidence(ev: HostEvent, what: string): Evidence {
  const e: Record<string, string | number> = {
    ts: ev.ts,
    source: ev.source,
    what,
    event_id: ev.event_id,
    host: ev.host,
    raw: ev.raw.length > MAX_RAW_EVIDENCE ? `${ev.raw.slice(0, MAX_RAW_EVIDENCE)}…` : ev.raw,
  }
  if (ev.user !== undefined) e.user = ev.user
  if (ev.image !== undefined) e.image = ev.image
  if (ev.command_line !== undefined) e.command_line = ev.command_line
  if (ev.parent_image !== undefined) e.parent_image = ev.parent_image
  if (ev.target_object !== undefined) e.target_object = ev.target_object
  if (ev.details !== undefined) e.details = ev.details
  return e as unknown as Evidence
}
