/**
 * PcapFormatError: a stream-level capture fault (STYLE 2.3 kind b). Bad packets are data; a capture file
 * whose framing is broken (unknown magic, a record longer than the limit, a pcapng block whose lengths
 * disagree, a stream that ends inside a record) cannot be read on, so the reader throws this once, after
 * delivering every record before the fault. The message names the byte offset; the caller adds the file name.
 */

/** Stable codes (metric labels; renaming one is a breaking change). */
export type PcapFormatErrorCode =
  | 'pcap.empty'
  | 'pcap.bad_magic'
  | 'pcap.bad_version'
  | 'pcap.truncated_header'
  | 'pcap.truncated_record'
  | 'pcap.record_too_large'
  | 'pcapng.bad_byte_order_magic'
  | 'pcapng.bad_version'
  | 'pcapng.bad_block_length'
  | 'pcapng.truncated_block'
  | 'pcapng.record_too_large'
  | 'pcapng.unknown_interface'
  | 'pcapng.too_many_interfaces'
  | 'pcapng.no_section_header'

export class PcapFormatError extends Error {
  /** `pcap.problem` / `pcapng.problem`, from the closed set above. */
  readonly code: PcapFormatErrorCode
  /** Absolute byte offset in the stream of the record or header at fault. */
  readonly offset: number
  /** Packets delivered before the fault (the faulty record is packet number `packets + 1`). */
  readonly packets: number
  /** The message without its leading capital and final period, for callers that prefix a file name. */
  readonly detail: string

  constructor(code: PcapFormatErrorCode, detail: string, offset: number, packets: number) {
    const text = `${detail} at byte offset ${offset} (packet ${packets + 1})`
    super(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`)
    this.name = 'PcapFormatError'
    this.code = code
    this.offset = offset
    this.packets = packets
    this.detail = text
  }
}
