/**
 * Contracts of the app layer: how per-flow protocol analyzers are chosen, fed and how they report.
 * The manager (analytics/app-layer/manager.ts) owns TCP reassembly, protocol identification from the first
 * payload of each direction (probes, as Suricata's probing parsers and Zeek's DPD), the expected-connection
 * table (FTP data, TFTP data on the server's new port) and the file pipeline (magic + SHA-256).
 * Analyzers only see in-order bytes (TCP) or whole datagrams (UDP) and report through AppContext.
 */
import type { ConnId, FileProto, SensorEvent } from '../events.js'

/** 0 = originator → responder (to server), 1 = responder → originator (to client). */
export type Dir = 0 | 1

export type ProbeResult = 'yes' | 'no' | 'need-more'

export interface FileOpen {
  readonly proto: FileProto
  readonly name?: string
  /** Relative to the client of the transfer. */
  readonly direction: 'download' | 'upload'
  /** True when the originator of the flow carrying the bytes sends them. */
  readonly senderIsOrig: boolean
  /** Declared MIME type (HTTP Content-Type). */
  readonly mime?: string
  /** Size the protocol announced. */
  readonly totalBytes?: number
  /** Protocol context copied into the FileEvent (host, uri, user_agent, command...). */
  readonly context?: Readonly<Record<string, string | number>>
  /** The connection to report the file on; defaults to the flow being analysed (FTP passes the data flow). */
  readonly conn?: ConnId
}

export interface FileWriter {
  /** Feeds content bytes in order. Only the first bytes are kept (for magic); the rest are hashed and counted. */
  write(buf: Buffer, off: number, end: number): void
  /** Records `bytes` missing (a reassembly gap or truncation); the hash is then abandoned. */
  gap(bytes: number): void
  /** Ends the file and emits its FileEvent. `complete` is false when the transfer was cut short. */
  close(ts: number, complete: boolean): void
}

/** A connection announced by a control channel that should be analysed when it appears. */
export interface ExpectedConnection {
  /** Originator address, or undefined for any. */
  readonly orig_h?: string
  readonly resp_h: string
  /** Responder port, or undefined for any port (TFTP: the server answers from a new port). */
  readonly resp_p?: number
  /** When the server's new TID originates the data flow (TFTP), the expected originator port. */
  readonly orig_p?: number
  readonly proto: 'tcp' | 'udp'
  /** Analyzer name to attach. */
  readonly analyzer: string
  /** Network time after which the expectation is dropped. */
  readonly expiresTs: number
  /** Opaque context handed to the analyzer's create (e.g. the FTP command and file name). */
  readonly parent?: unknown
}

export interface AppContext {
  /** The flow being analysed (Zeek-style id). */
  readonly conn: ConnId
  /** Emits an event (http, tls, dns, ftp, tftp, finger...) into the pipeline. */
  emit(ev: SensorEvent): void
  /** Marks the protocol as confirmed for this flow (fills the flow's `service`). */
  confirm(service: string): void
  /** Records the server name (TLS SNI / HTTP Host) on the flow. */
  setServerName(name: string): void
  /** Registers an expected connection (FTP data channel, TFTP data phase). */
  expect(x: ExpectedConnection): void
  /** Opens a file in the file pipeline. */
  openFile(spec: FileOpen, ts: number): FileWriter
  /** Counts a protocol problem (`ftp.line_too_long`, `tftp.bad_opcode`...) and goes on. */
  weird(code: `${string}.${string}`, detail?: string): void
  /** Per-flow buffer cap in bytes (config, default 64 KiB); analyzers must not buffer more. */
  readonly maxBuffer: number
}

export interface StreamAnalyzer {
  /** In-order bytes of one direction; `buf` is only valid during the call. */
  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void
  /** `bytes` could not be reassembled in `dir` (lost segment); the analyzer may resync or give up. */
  onGap?(dir: Dir, bytes: number, ts: number): void
  /** The flow ended (FIN/RST, timeout or end of input). */
  onEnd?(ts: number): void
}

export interface DatagramAnalyzer {
  onDatagram(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void
  onEnd?(ts: number): void
}

export interface AnalyzerSpec {
  /** Analyzer / service name (`http`, `tls`, `ftp`, `ftp-data`, `tftp`, `finger`, `ssh`...). */
  readonly name: string
  readonly transport: 'tcp' | 'udp'
  /** The ports registered for this protocol (for port-based fallback and mismatch reporting). */
  readonly ports: readonly number[]
  /**
   * Cheap, allocation-free look at the first payload of a direction. `dir` says which side sent it.
   * Omit for analyzers attached only through expected connections (ftp-data, tftp-data).
   */
  probe?(dir: Dir, buf: Buffer, off: number, end: number): ProbeResult
  /** Creates the per-flow analyzer; `parent` is the ExpectedConnection's parent when attached that way. */
  create(ctx: AppContext, parent?: unknown): StreamAnalyzer | DatagramAnalyzer
}
