/**
 * NetFlow/IPFIX message framing shared by the v5, v9 and IPFIX decoders: the version probe, the error codes,
 * and the decoded message and flow shapes. Versions: v5 (Cisco, 24-byte header), v9 (RFC 3954 §5.1,
 * 20-byte header), IPFIX v10 (RFC 7011 §3.1, 16-byte header). NetFlow v1/v7/v8 are not handled (they are
 * reported as `netflow.version_unsupported`).
 */
import type { DecodeError } from '../errors.js'

/** Shortest datagram that can carry any supported header (IPFIX, 16 bytes). */
export const NETFLOW_MIN_LEN = 16
export const V5_HEADER_LEN = 24
export const V5_RECORD_LEN = 48
export const V9_HEADER_LEN = 20
export const IPFIX_HEADER_LEN = 16
/** Set / flowset header: id (2) + length (2). */
export const SET_HEADER_LEN = 4

/** Every code the NetFlow decoders return. Codes are metric labels: renaming one is a breaking change. */
export type NetflowErrorCode =
  | 'netflow.truncated_header'
  | 'netflow.version_unsupported'
  | 'netflow.v5_count_exceeds_datagram'
  | 'netflow.length_mismatch'
  | 'netflow.set_too_short'
  | 'netflow.set_overruns_datagram'
  | 'netflow.set_id_reserved'
  | 'netflow.template_truncated'
  | 'netflow.template_id_invalid'
  | 'netflow.template_zero_length'
  | 'netflow.template_too_long'
  | 'netflow.template_too_many_fields'
  | 'netflow.template_cap'
  | 'netflow.template_unknown'
  | 'netflow.record_truncated'
  | 'netflow.record_cap'

/** One unidirectional flow as the exporter described it. Counters are raw (not yet scaled by sampling). */
export interface FlowFields {
  /** Source / destination address text (IPv4 dotted quad or RFC 5952 IPv6); '' when the record has none. */
  srcAddr: string
  dstAddr: string
  srcPort: number
  dstPort: number
  /** IP protocol number (0 when absent). */
  protocol: number
  /** Octets and packets exporter-side (delta count, else total count, else initiator count). */
  bytes: number
  packets: number
  /** RFC 5103 reverse counters (PEN 29305) or responderOctets/Packets (IE 232/299); undefined when absent. */
  reverseBytes: number | undefined
  reversePackets: number | undefined
  /** Cumulative TCP flags (low 8 bits of tcpControlBits). */
  tcpFlags: number
  /** Flow start / end, milliseconds since the epoch; NaN when the record carries no time at all. */
  startMs: number
  endMs: number
  /** Ingress / egress interface index, -1 when absent. */
  inIf: number
  outIf: number
  /** Sampling interval that applies to this record (1 = unsampled or unknown). */
  sampling: number
}

/** One decoded export datagram. Problems inside sets are listed; the rest of the datagram still decoded. */
export interface NetflowMessage {
  readonly version: 5 | 9 | 10
  /** Header record/flowset count (v5/v9); 0 for IPFIX, which has none. */
  readonly count: number
  /** Header sequence number (v5: flows, v9: packets, IPFIX: data records; RFC 3954 §5.1, RFC 7011 §3.1). */
  readonly sequence: number
  /** v9 source ID, IPFIX observation domain, v5 engine_type << 8 | engine_id. */
  readonly domain: number
  /** Header export time, seconds since the epoch. */
  readonly exportSecs: number
  /** Flow records decoded (including held data sets whose template arrived in this datagram). */
  readonly records: FlowFields[]
  /** Data records in this datagram's own data sets, flows plus options data (IPFIX sequence accounting). */
  readonly dataRecords: number
  /** Options data records applied to the exporter state (sampling, system init time). */
  readonly optionsRecords: number
  /** Templates and options templates learned or refreshed. */
  readonly templatesLearned: number
  /** Templates withdrawn (IPFIX). */
  readonly templatesWithdrawn: number
  /** Data sets held because their template is not known yet. */
  readonly setsHeld: number
  /** Held data sets dropped (expired, evicted or over a cap), each counted as `netflow.template_unknown`. */
  readonly setsDropped: number
  /** True when some data set of this datagram could not be decoded now (its record count is unknown). */
  readonly incomplete: boolean
  /** Problems found inside the datagram; each skipped only the set or record it names. */
  readonly problems: DecodeError[]
}

/** Reads the version field without decoding: 5, 9, 10, or 0 when absent/unsupported. Allocates nothing. */
export function probeNetflowVersion(buf: Buffer, off: number, end: number): 0 | 5 | 9 | 10 {
  if (end - off < 2) return 0
  const v = buf.readUInt16BE(off)
  return v === 5 || v === 9 || v === 10 ? v : 0
}
