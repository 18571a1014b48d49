/**
 * The one event union that flows through the pipeline (STYLE 2.4). Every member is plain, serializable
 * data (no Buffers, class instances or functions) so that a later scale-out can carry events over a bus
 * unchanged. Connection fields use Zeek's conn.log names (`uid`, `orig_h`, `resp_p`...) because those are
 * also the output format that analysts and tools (RITA, Sigma zeek rules) already know.
 * Times are capture/network time in seconds since the epoch (float), never the wall clock.
 */
import type { FileType } from '../decoders/app/magic.js'
import type { SyslogFields } from '../decoders/syslog/common.js'
import type { HostEventFields } from '../decoders/syslog/host/types.js'

export type Proto = 'tcp' | 'udp' | 'icmp' | 'other'

/** Where an event came from: the kind of collector. */
export type SourceKind = 'pcap' | 'netflow' | 'syslog'

/** Connection identity, as Zeek's `id` plus `uid` and `proto`. */
export interface ConnId {
  /** Flow unique id (Zeek style, `C` + base62). */
  readonly uid: string
  readonly orig_h: string
  readonly orig_p: number
  readonly resp_h: string
  readonly resp_p: number
  readonly proto: Proto
}

interface EventBase {
  /** Network time of the event, seconds since the epoch. */
  readonly ts: number
  /** Collector id, e.g. `pcap:capture.pcapng`, `netflow:192.0.2.1`, `syslog-udp:0.0.0.0:514`. */
  readonly source: string
}

/** Why a flow ended. */
export type FlowEndReason = 'fin' | 'rst' | 'idle' | 'active' | 'evict' | 'eof' | 'export'

/** One ended flow: Zeek conn.log fields plus a few of ours. Emitted exactly once per flow. */
export interface FlowRecord extends EventBase, ConnId {
  readonly kind: 'flow'
  readonly source_kind: SourceKind
  /** Confirmed application protocol(s), comma separated, Zeek style; empty when unknown. */
  readonly service: string
  readonly duration: number
  /** Payload bytes, originator to responder. */
  readonly orig_bytes: number
  readonly resp_bytes: number
  readonly orig_ip_bytes: number
  readonly resp_ip_bytes: number
  readonly orig_pkts: number
  readonly resp_pkts: number
  /** Zeek history letters (uppercase = originator). Empty for flow exports and logs. */
  readonly history: string
  /** Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH). */
  readonly conn_state: string
  readonly end_reason: FlowEndReason
  readonly vlan?: number
  /** Bytes of payload not seen because of snaplen truncation or capture gaps. */
  readonly missed_bytes?: number
  /** Server name learned for the responder on this flow (TLS SNI, HTTP Host). */
  readonly server_name?: string
  /** Protocol identified from the originator's / responder's first payload (Suricata app_proto_ts/tc). */
  readonly app_proto_ts?: string
  readonly app_proto_tc?: string
  /** True when byte/packet counts were scaled up by a sampling rate (flow exports). */
  readonly estimated?: boolean
  /** Sampling interval applied (flow exports). */
  readonly sampling?: number
  /** Reporting device for flows from exports or logs (exporter address, syslog host). */
  readonly reporter?: string
  /** True when the source gave only a total (Cisco ASA teardown): the total is in orig_*, resp_* are 0. */
  readonly bytes_undirected?: boolean
  /** Firewall verdict, for flows from firewall/router logs. */
  readonly fw_action?: 'allow' | 'deny'
  /** Application the firewall identified (PAN-OS app, SRX application, Fortinet app/service). */
  readonly fw_app?: string
}

/** The kinds of file content recognised by magic bytes: one definition, beside the sniffer that assigns them. */
export type { FileType }

/** The protocols that carry files into the file pipeline. */
export type FileProto = 'http' | 'ftp' | 'tftp' | 'finger' | 'smb' | 'raw'

/** A file seen on the wire (one per transfer), decided when the transfer ends. */
export interface FileEvent extends EventBase, ConnId {
  readonly kind: 'file'
  readonly file_proto: FileProto
  /** File name as the protocol gave it (URL path basename, FTP/TFTP argument, SMB path). */
  readonly name?: string
  /** Relative to the client of the transfer: `download` means the client received it. */
  readonly direction: 'download' | 'upload'
  /** True when the originator of the carrying flow sent the bytes. */
  readonly sender_is_orig: boolean
  /** Bytes of content seen. */
  readonly bytes: number
  /** Size the protocol announced (Content-Length, FTP 150/213, TFTP tsize), when known. */
  readonly total_bytes?: number
  /** Bytes known to be missing (gaps, truncation). */
  readonly missing_bytes: number
  /** Type sniffed from the first bytes. */
  readonly type: FileType
  /** Finer detail of the sniffed type (`pe32`, `pe32+`, `elf64-exec`, `shell`, `powershell`, `batch`...). */
  readonly type_detail?: string
  /** MIME type the protocol declared (HTTP Content-Type), if any. */
  readonly mime?: string
  /** SHA-256 of the content, only when the whole file was seen. */
  readonly sha256?: string
  /** True when the transfer ended normally and no bytes are missing. */
  readonly complete: boolean
  /** Hex of up to the first 16 bytes, as evidence. */
  readonly head_hex: string
  /** Protocol context (HTTP host/uri/user_agent, FTP command, SMB share...). */
  readonly context?: Readonly<Record<string, string | number>>
}

export interface HttpEvent extends EventBase, ConnId {
  readonly kind: 'http'
  readonly trans_depth: number
  readonly method: string
  readonly host?: string
  readonly uri: string
  readonly user_agent?: string
  readonly status_code?: number
  readonly status_msg?: string
  /** Declared response Content-Type. */
  readonly resp_mime?: string
  readonly request_body_len: number
  readonly response_body_len: number
}

export interface TlsEvent extends EventBase, ConnId {
  readonly kind: 'tls'
  readonly sni?: string
  readonly version?: string
}

export interface DnsEvent extends EventBase, ConnId {
  readonly kind: 'dns'
  readonly query: string
  readonly qtype: number
  readonly rcode?: number
  /** Addresses from A/AAAA answers. */
  readonly answers: readonly string[]
  /** CNAME chain names. */
  readonly cnames?: readonly string[]
}

export interface TftpEvent extends EventBase, ConnId {
  readonly kind: 'tftp'
  readonly op: 'read' | 'write'
  readonly filename: string
  readonly mode: string
  readonly options?: Readonly<Record<string, string>>
  readonly blocks: number
  readonly bytes: number
  /** True when the short last block was seen. */
  readonly complete: boolean
  readonly error_code?: number
  readonly error_msg?: string
  /** Server port of the data phase (the server's new TID). */
  readonly data_port?: number
}

export interface FtpEvent extends EventBase, ConnId {
  readonly kind: 'ftp'
  readonly user?: string
  readonly command: string
  readonly arg?: string
  readonly reply_code?: number
  readonly reply_msg?: string
  /** Announced size (150 reply or SIZE). */
  readonly file_size?: number
  readonly data_channel?: {
    readonly passive: boolean
    readonly orig_h: string
    readonly resp_h: string
    readonly resp_p: number
  }
}

export interface FingerEvent extends EventBase, ConnId {
  readonly kind: 'finger'
  readonly query: string
  readonly user?: string
  readonly host?: string
  readonly verbose: boolean
  readonly reply_bytes: number
  readonly reply_lines: number
  readonly reply_type: FileType
}

/** Protocol identification for one flow, emitted when the flow ends (Zeek DPD, Suricata app_proto). */
export interface AppProtoEvent extends EventBase, ConnId {
  readonly kind: 'app-proto'
  /** Identified from originator-to-responder payload ('' when none/unknown). */
  readonly app_proto_ts: string
  /** Identified from responder-to-originator payload. */
  readonly app_proto_tc: string
  /** Final protocol ('' when unidentified). */
  readonly app_proto: string
  /** True when a second proof token confirmed it (e.g. a status line after a request). */
  readonly confirmed: boolean
  /** Protocol(s) registered for the responder port, '' when none. */
  readonly port_proto: string
  readonly orig_bytes: number
  readonly resp_bytes: number
  /** Up to 32 bytes of the first payload of each direction, hex, as evidence. */
  readonly first_ts_hex: string
  readonly first_tc_hex: string
}

/** A parsed syslog message (before vendor interpretation). */
export interface SyslogEvent extends EventBase, SyslogFields {
  readonly kind: 'syslog'
  /** The sender's address (UDP/TCP peer), when received over the network. */
  readonly peer?: string
}

/** A host event forwarded through syslog (Sysmon, Security, PowerShell, auditd). */
export interface HostEvent extends EventBase, HostEventFields {
  readonly kind: 'host'
  /** The original message. */
  readonly raw: string
}

/** A unidirectional flow record from a NetFlow v5/v9 or IPFIX export, before biflow merging. */
export interface NetflowRecord extends EventBase {
  readonly kind: 'netflow'
  readonly exporter: string
  readonly version: 5 | 9 | 10
  readonly observation_domain: number
  readonly src_addr: string
  readonly dst_addr: string
  readonly src_port: number
  readonly dst_port: number
  /** IP protocol number. */
  readonly protocol: number
  readonly bytes: number
  readonly packets: number
  /** RFC 5103 reverse counters, when the exporter sends biflows. */
  readonly reverse_bytes?: number
  readonly reverse_packets?: number
  readonly tcp_flags: number
  /** Flow start and end, seconds since the epoch. */
  readonly start: number
  readonly end: number
  readonly sampling: number
  readonly in_if?: number
  readonly out_if?: number
}

/** A decode problem passed to analytics (sampled), Zeek weird style. */
export interface AnomalyEvent extends EventBase {
  readonly kind: 'anomaly'
  readonly code: string
  readonly detail?: string
  readonly uid?: string
}

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical'

/** One piece of evidence behind an alert. */
export interface Evidence {
  readonly ts: number
  /** The collector or event kind it came from (`pcap`, `netflow`, `syslog`, `http`, `file`...). */
  readonly source: string
  /** What was seen, one sentence. */
  readonly what: string
  readonly [key: string]: string | number | boolean | undefined
}

/** One factor of an alert's score (RITA-style modifier row). */
export interface ScoreFactor {
  readonly factor: string
  /** Points added (or removed) by this factor. */
  readonly points: number
  readonly value?: string | number | boolean
}

export interface AlertFile {
  readonly name?: string
  readonly direction: 'download' | 'upload'
  readonly bytes: number
  readonly type: FileType
  readonly type_detail?: string
  readonly sha256?: string
  readonly mime?: string
  readonly complete?: boolean
}

export interface AlertEvent extends EventBase {
  readonly kind: 'alert'
  /** Detection id (stable kebab name). */
  readonly detection: string
  /** ATT&CK technique id: T1105, T1570, T1090.001... */
  readonly technique: string
  readonly tactic: string
  readonly severity: Severity
  /** 0..100. */
  readonly score: number
  /** Short human-readable reasons, each with its contribution when scored. */
  readonly reasons: readonly string[]
  readonly score_factors?: readonly ScoreFactor[]
  readonly message: string
  readonly uid?: string
  readonly orig_h?: string
  readonly orig_p?: number
  readonly resp_h?: string
  readonly resp_p?: number
  readonly proto?: Proto
  readonly service?: string
  /** Reporting device or endpoint (alerts from logs). */
  readonly host?: string
  readonly user?: string
  readonly file?: AlertFile
  readonly evidence: readonly Evidence[]
  /** Dedup key: the same identifier within suppress_for seconds is one alert. */
  readonly identifier: string
  readonly suppress_for?: number
  /** Baseline facts for the external destination. */
  readonly never_seen?: boolean
  readonly first_seen?: string
  /** Triage questions and escalation guidance. */
  readonly triage?: readonly string[]
  /** Extra detection-specific fields (e.g. portproxy listen/connect). */
  readonly details?: Readonly<Record<string, string | number | boolean>>
}

export type SensorEvent =
  | FlowRecord
  | FileEvent
  | HttpEvent
  | TlsEvent
  | DnsEvent
  | TftpEvent
  | FtpEvent
  | FingerEvent
  | AppProtoEvent
  | SyslogEvent
  | HostEvent
  | NetflowRecord
  | AnomalyEvent
  | AlertEvent

export type EventKind = SensorEvent['kind']

export type EventOf<K extends EventKind> = Extract<SensorEvent, { kind: K }>
