/**
 * The live state of one bidirectional flow, as the flow table (analytics/flow-table.ts) keeps it and as
 * the app layer (analytics/app-layer/) reads it. Mutable while the flow lives; turned into an immutable
 * FlowRecord event when it ends.
 */
import type { Proto } from './events.js'

export interface Flow {
  readonly uid: string
  readonly proto: Proto
  /** IP protocol number. */
  readonly ipProto: number
  readonly orig_h: string
  readonly orig_p: number
  readonly resp_h: string
  readonly resp_p: number
  readonly vlan: number
  /** Capture time of the first and the last packet. */
  readonly firstTs: number
  lastTs: number
  origPkts: number
  respPkts: number
  origIpBytes: number
  respIpBytes: number
  /** Payload bytes by IP length (not by sequence numbers). */
  origBytes: number
  respBytes: number
  /** Payload bytes lost to snaplen truncation. */
  missedBytes: number
  /** Zeek history string so far. */
  history: string
  /** Confirmed services, in the order confirmed. Replace the list to add one (it may be shared and frozen). */
  service: string[]
  /** Server name learned on the flow (SNI / Host). */
  serverName: string | undefined
  appProtoTs: string | undefined
  appProtoTc: string | undefined
  /** Slot owned by the app layer for its per-flow state; the flow table never reads it. */
  app: unknown
}
