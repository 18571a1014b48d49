/**
 * The decoder-level shape of a host event parsed from a forwarded log line: the fields of analytics'
 * HostEvent without kind/ts/source (decoders/ does not import analytics/). The ingest adds those.
 */

/** What a host log line says happened. */
export type HostAction = 'process' | 'registry' | 'file-create' | 'network' | 'script' | 'other'

export interface HostFields {
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
  readonly target_object?: string
  readonly details?: string
  readonly target_filename?: string
  readonly dest_ip?: string
  readonly dest_port?: number
  /** Event time from the record itself (seconds), when it carries one. */
  readonly ts?: number
}
