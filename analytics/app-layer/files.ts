/**
 * The file pipeline behind AppContext.openFile: one FileTransfer per transfer keeps the first HEAD_BYTES for
 * magic sniffing (decoders/app/magic.ts), streams SHA-256 over the content and counts bytes; a gap abandons the
 * hash (a file with holes has no meaningful digest, as Zeek's files framework). On close it emits one FileEvent,
 * decided at that moment (type from the head, not from headers: anchors.md §3, corelight#42).
 * Memory per open file: HEAD_BYTES plus the hash state. Not handled: content decoding (gzip/deflate
 * Content-Encoding is hashed as sent) and reassembly of ranges across transfers.
 */
import { createHash, type Hash } from 'node:crypto'
import { sniffFileType } from '../../decoders/app/magic.js'
import type { ConnId, FileEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { FileOpen, FileWriter } from './types.js'

/** Bytes of each file kept for magic sniffing and head_hex. */
export const HEAD_BYTES = 1024
/** Bytes of the head shown in `head_hex`. */
const HEAD_HEX_BYTES = 16

/** One transfer in progress. `closed` is set once; further writes and closes are ignored. */
export class FileTransfer implements FileWriter {
  private readonly head = Buffer.allocUnsafe(HEAD_BYTES)
  private headLen = 0
  private hash: Hash | undefined = createHash('sha256')
  private bytes = 0
  private missing = 0
  closed = false

  constructor(
    private readonly spec: FileOpen,
    private readonly conn: ConnId,
    private readonly source: string,
    private readonly sink: (ev: FileEvent, t: FileTransfer) => void,
  ) {}

  write(buf: Buffer, off: number, end: number): void {
    if (this.closed || end <= off) return
    if (this.headLen < HEAD_BYTES && this.missing === 0) {
      const n = Math.min(HEAD_BYTES - this.headLen, end - off)
      buf.copy(this.head, this.headLen, off, off + n)
      this.headLen += n
    }
    this.hash?.update(buf.subarray(off, end))
    this.bytes += end - off
  }

  gap(bytes: number): void {
    if (this.closed || bytes <= 0) return
    this.missing += bytes
    this.hash = undefined
  }

  close(ts: number, complete: boolean): void {
    if (this.closed) return
    this.closed = true
    const s = this.spec
    const sniff = sniffFileType(this.head, 0, this.headLen)
    const total = s.totalBytes
    const whole = complete && this.missing === 0 && (total === undefined || total === this.bytes)
    const c = s.conn ?? this.conn
    const ev: Record<string, unknown> = {
      kind: 'file',
      ts,
      source: this.source,
      ...connFields(c),
      file_proto: s.proto,
      direction: s.direction,
      sender_is_orig: s.senderIsOrig,
      bytes: this.bytes,
      missing_bytes: this.missing,
      type: sniff.type,
      complete: whole,
      head_hex: this.head.toString('hex', 0, Math.min(this.headLen, HEAD_HEX_BYTES)),
    }
    if (s.name !== undefined) ev.name = s.name
    if (total !== undefined) ev.total_bytes = total
    if (sniff.detail !== undefined) ev.type_detail = sniff.detail
    if (s.mime !== undefined) ev.mime = s.mime
    if (whole && this.hash !== undefined) ev.sha256 = this.hash.digest('hex')
    if (s.context !== undefined) ev.context = s.context
    this.hash = undefined
    this.sink(ev as unknown as FileEvent, this)
  }
}
