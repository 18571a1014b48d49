/**
 * The decoder-level shape of a host event parsed from a forwarded log line: the fields of analytics'
 * HostEvent without kind/ts/source/raw (analytics/events.ts builds HostEvent on HostEventFields). The ingest
 * adds those.
 */

/** What a host log line says happened. */
export type HostAction = 'process' | 'registry' | 'file-create' | 'network' | 'script' | 'other'

/** The fields of a host event, one definition for HostFields and analytics/events.ts HostEvent. */
export interface HostEventFields {
  /** The endpoint the event is about (Computer / node / hostname). */
  readonly host: string
  readonly host_ip?: string
  readonly user?: string
  /** `provider:id`: `sysmon:1`, `security:4688`, `powershell:4104`, `bits:16403`, `auditd:execve`. */
  readonly event_id: string
  readonly action: HostAction
  readonly image?: string
  readonly command_line?: string
  readonly parent_image?: string
  /** Registry key path (Sysmon 12/13/14, Security 4657). */
  readonly target_object?: string
  /** Registry value data or other details. */
  readonly details?: string
  /** File path (Sysmon 11). */
  readonly target_filename?: string
  readonly dest_ip?: string
  readonly dest_port?: number
}

/** A host event as a parser returns it. */
export interface HostFields extends HostEventFields {
  /** Event time from the record itself (seconds), when it carries one. */
  readonly ts?: number
}
