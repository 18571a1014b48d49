/**
 * CaptureReader: a streaming, push-based reader for classic pcap and pcapng. The caller pushes chunks
 * (1 MiB file reads or a `tcpdump -U -w -` pipe); every complete record in a chunk is handed to `onPacket`
 * synchronously as a (buf, off, end) triple into that chunk, so the hot path allocates nothing. Only the
 * incomplete tail of a chunk is copied (once), and completed from the next chunk.
 *
 * Formats: libpcap savefile (pcap-savefile(5); draft-ietf-opsawg-pcap §4-5) in both byte orders with
 * microsecond (a1b2c3d4) and nanosecond (a1b23c4d) magics; pcapng (draft-ietf-opsawg-pcapng §4) with
 * several sections (per-section byte order), several interfaces (IDB link type, snaplen, if_tsresol in its
 * power-of-10 and power-of-2 forms, if_tsoffset), EPB and SPB; ISB, NRB, DSB, custom and unknown blocks are
 * skipped. Not handled: the "modified" pcap magic a1b2cd34, the obsolete pcapng Packet Block (type 2), gzip.
 *
 * Framing faults throw PcapFormatError: at once when a record length exceeds the limit or a pcapng block's
 * lengths disagree, and from end() when the stream stops inside a record. Records before the fault have
 * already been delivered when it is thrown.
 */
import { PcapFormatError, type PcapFormatErrorCode } from './pcap-format-error.js'

/** Called for every captured frame: bytes are buf[off, end), valid only during the call. */
export type OnPacket = (
  buf: Buffer,
  off: number,
  end: number,
  /** Capture time, seconds since the epoch (float). */
  ts: number,
  /** Original length on the wire. */
  wireLen: number,
  /** LINKTYPE_* of the frame's interface. */
  linkType: number,
  /** pcapng interface id within its section (0 for classic pcap). */
  ifIndex: number,
) => void

export interface CaptureReaderOptions {
  /** Display name of the stream (for the caller's messages). */
  name: string
  /** Records up to this size are always accepted, even above the snaplen (default 256 KiB). */
  maxRecordBytes?: number
  /** Receives every frame, in order. */
  onPacket: OnPacket
}

export type CaptureFormat = 'pcap' | 'pcapng'

/** Default record-size guard: libpcap's and Wireshark's maximum snaplen for most link types. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024
/** A snaplen above this is not trusted as a record-size limit (Wireshark's largest per-link maximum is 128 MiB for D-Bus; 16 MiB bounds memory). */
export const SNAPLEN_TRUST_CAP = 16 * 1024 * 1024
/** Largest pcapng block other than EPB/SPB that is buffered (Wireshark's MAX_BLOCK_SIZE is also 16 MiB). */
export const PCAPNG_MAX_BLOCK_BYTES = 16 * 1024 * 1024
/** Bytes of options an EPB may carry beyond its packet data. */
export const PCAPNG_MAX_EPB_OPTION_BYTES = 64 * 1024
/** Interfaces per pcapng section (hard cap). */
export const PCAPNG_MAX_INTERFACES = 4096

const MAGIC_USEC = 0xa1b2c3d4
const MAGIC_NSEC = 0xa1b23c4d
const MAGIC_USEC_SWAPPED = 0xd4c3b2a1
const MAGIC_NSEC_SWAPPED = 0x4d3cb2a1
const PCAPNG_SHB = 0x0a0d0d0a
const PCAPNG_BOM = 0x1a2b3c4d
const PCAPNG_BOM_SWAPPED = 0x4d3c2b1a
const BT_IDB = 1
const BT_SPB = 3
const BT_EPB = 6
const PCAP_FILE_HDR = 24
const PCAP_REC_HDR = 16
const TWO_POW_32 = 4294967296

const PHASE_START = 0
const PHASE_PCAP_HDR = 1
const PHASE_PCAP = 2
const PHASE_PCAPNG = 3
/** Classic pcap older than 2.3, whose caplen and len fields may be swapped (libpcap sf-pcap.c does the same). */
const PHASE_PCAP_OLD = 4

/**
 * The uint32 at buf[off, off + 4) in either byte order, for the per-record hot paths: the caller has checked the
 * four bytes are there, so Buffer#readUInt32LE's argument validation (~6 % of a flows-only run) is not repeated.
 */
function u32(buf: Buffer, off: number, le: boolean): number {
  const a = buf[off] as number
  const b = buf[off + 1] as number
  const c = buf[off + 2] as number
  const d = buf[off + 3] as number
  return le ? (a | (b << 8) | (c << 16) | (d << 24)) >>> 0 : ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

/** Recognises a capture by its first bytes: 'pcap' (any of the 4 classic magics), 'pcapng', or undefined. */
export function sniffCaptureFormat(head: Buffer): CaptureFormat | undefined {
  if (head.length < 4) return undefined
  const m = head.readUInt32LE(0)
  if (m === MAGIC_USEC || m === MAGIC_NSEC || m === MAGIC_USEC_SWAPPED || m === MAGIC_NSEC_SWAPPED) return 'pcap'
  if (m === PCAPNG_SHB) {
    if (head.length < 12) return 'pcapng'
    const bom = head.readUInt32LE(8)
    return bom === PCAPNG_BOM || bom === PCAPNG_BOM_SWAPPED ? 'pcapng' : undefined
  }
  return undefined
}

const pad4 = (n: number): number => (n + 3) & ~3

export class CaptureReader {
  /** Display name given at construction. */
  readonly name: string
  /** Detected format, once the first 4 bytes have arrived. */
  format: CaptureFormat | undefined
  /** Frames delivered so far. */
  packets = 0
  /** Stream offset just after the last complete record or block. */
  bytesConsumed = 0
  /** Every link type seen (pcap header, pcapng IDBs). */
  readonly linkTypes = new Set<number>()

  private readonly onPacket: OnPacket
  private readonly maxRecordBytes: number
  private phase = PHASE_START
  /** Absolute stream offset of the current chunk's first byte. */
  private base = 0
  /** Bytes received in total. */
  private received = 0
  /** Incomplete record carried over from the previous chunk. */
  private pend: Buffer | undefined
  private pendLen = 0
  /** Header bytes `frame` needs before it can size the current record. */
  private hdrNeed = 0
  private ended = false

  // classic pcap
  private le = true
  private fracDiv = 1e6
  private linkType = 0
  private limit = DEFAULT_MAX_RECORD_BYTES
  /** Versions < 2.3 always swap caplen/len; 2.3 swaps when caplen > len. */
  private alwaysSwapped = false

  // pcapng, current section (parallel arrays indexed by interface id)
  private sectionSeen = false
  private ifLinkType: number[] = []
  private ifSnap: number[] = []
  private ifLimit: number[] = []
  private ifUnits: number[] = []
  private ifOffset: number[] = []
  private lastTs = 0

  constructor(opts: CaptureReaderOptions) {
    this.name = opts.name
    this.onPacket = opts.onPacket
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
  }

  /** Feeds the next chunk; delivers every record completed by it. The chunk may be reused after return. */
  push(chunk: Buffer): void {
    if (this.ended) throw new Error('CaptureReader.push() called after end().')
    const cbase = this.received
    this.received += chunk.length
    let off = 0
    const end = chunk.length
    if (this.pendLen > 0) {
      off = this.completePending(chunk)
      if (this.pendLen > 0) return
    }
    this.base = cbase
    let total = 0
    while (true) {
      const avail = end - off
      if (this.phase === PHASE_PCAP && avail >= PCAP_REC_HDR) {
        // Hot path for classic pcap: framing and delivery inline, straight from the chunk.
        const le = this.le
        const capLen = u32(chunk, off + 8, le)
        if (capLen > this.limit) this.tooLarge(off, capLen)
        total = PCAP_REC_HDR + capLen
        if (total > avail) break
        const sec = u32(chunk, off, le)
        const frac = u32(chunk, off + 4, le)
        const wire = u32(chunk, off + 12, le)
        this.packets++
        this.onPacket(chunk, off + PCAP_REC_HDR, off + total, sec + frac / this.fracDiv, wire, this.linkType, 0)
      } else if (this.phase === PHASE_PCAPNG && avail >= 32 && u32(chunk, off, this.le) === BT_EPB) {
        // Hot path for pcapng enhanced packet blocks; every other block goes through frame()/record().
        const le = this.le
        total = u32(chunk, off + 4, le)
        const ifId = u32(chunk, off + 8, le)
        const capLen = u32(chunk, off + 20, le)
        const minLen = 32 + ((capLen + 3) & ~3)
        if (
          ifId >= this.ifLinkType.length ||
          capLen > (this.ifLimit[ifId] as number) ||
          total < minLen ||
          total > minLen + PCAPNG_MAX_EPB_OPTION_BYTES
        ) {
          this.frameBlock(chunk, off, avail) // throws the precise error
        }
        if (total > avail) break
        this.enhancedPacket(chunk, off, total)
      } else {
        total = this.frame(chunk, off, avail)
        if (total === 0 || total > avail) break
        this.record(chunk, off, total)
      }
      off += total
      this.bytesConsumed = cbase + off
    }
    this.keepTail(chunk, off, end, total)
  }

  /** Signals the end of the stream; throws PcapFormatError when it stopped inside a header or record. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.received === 0) this.fail('pcap.empty', 'empty stream (no capture header)', 0)
    if (this.pendLen === 0) return
    const at = this.bytesConsumed
    if (this.phase === PHASE_START || this.phase === PHASE_PCAP_HDR) {
      this.fail('pcap.truncated_header', `stream ends inside the file header after ${this.pendLen} bytes`, at)
    }
    const what = this.phase === PHASE_PCAPNG ? 'block' : 'record'
    this.fail(
      this.phase === PHASE_PCAPNG ? 'pcapng.truncated_block' : 'pcap.truncated_record',
      `truncated ${what}: ${this.pendLen} trailing bytes`,
      at,
    )
  }

  private fail(code: PcapFormatErrorCode, detail: string, offset: number): never {
    throw new PcapFormatError(code, detail, offset, this.packets)
  }

  private tooLarge(off: number, capLen: number): never {
    const code = this.phase === PHASE_PCAPNG ? 'pcapng.record_too_large' : 'pcap.record_too_large'
    this.fail(code, `record length ${capLen} exceeds the limit`, this.base + off)
  }

  /** Copies the incomplete tail of a chunk (at most one record, `total` bytes when known) once. */
  private keepTail(chunk: Buffer, off: number, end: number, total: number): void {
    const n = end - off
    if (n === 0) return
    const want = Math.max(n, total, this.hdrNeed, 64)
    if (this.pend === undefined || this.pend.length < want) this.pend = Buffer.allocUnsafe(want)
    chunk.copy(this.pend, 0, off, end)
    this.pendLen = n
  }

  /** Completes the pending record from the start of `chunk`; returns the chunk offset after what it used. */
  private completePending(chunk: Buffer): number {
    let used = 0
    // The pending bytes start at absolute offset bytesConsumed.
    while (true) {
      let pend = this.pend as Buffer
      this.base = this.bytesConsumed
      const total = this.frame(pend, 0, this.pendLen)
      if (total === 0) {
        // Need more header bytes first.
        const need = this.hdrNeed
        if (pend.length < need) pend = this.growPend(need)
        const take = Math.min(need - this.pendLen, chunk.length - used)
        chunk.copy(pend, this.pendLen, used, used + take)
        this.pendLen += take
        used += take
        if (this.pendLen < need) return used
        continue
      }
      if (pend.length < total) pend = this.growPend(total)
      if (this.pendLen < total) {
        const take = Math.min(total - this.pendLen, chunk.length - used)
        chunk.copy(pend, this.pendLen, used, used + take)
        this.pendLen += take
        used += take
        if (this.pendLen < total) return used
      }
      this.record(pend, 0, total)
      this.bytesConsumed += total
      this.pendLen = 0
      return used
    }
  }

  private growPend(n: number): Buffer {
    const b = Buffer.allocUnsafe(Math.max(n, 64))
    if (this.pend !== undefined) this.pend.copy(b, 0, 0, this.pendLen)
    this.pend = b
    return b
  }

  private rd32(buf: Buffer, off: number): number {
    return this.le ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
  }

  private rd16(buf: Buffer, off: number): number {
    return this.le ? buf.readUInt16LE(off) : buf.readUInt16BE(off)
  }

  /**
   * Sizes the record at buf[off..] from its header: returns its total length (validated), or 0 when fewer
   * than `this.hdrNeed` bytes are available. Throws PcapFormatError on impossible lengths.
   */
  private frame(buf: Buffer, off: number, avail: number): number {
    switch (this.phase) {
      case PHASE_START: {
        this.hdrNeed = 4
        if (avail < 4) return 0
        const m = buf.readUInt32LE(off)
        if (m === MAGIC_USEC || m === MAGIC_NSEC || m === MAGIC_USEC_SWAPPED || m === MAGIC_NSEC_SWAPPED) {
          this.format = 'pcap'
          this.phase = PHASE_PCAP_HDR
          this.le = m === MAGIC_USEC || m === MAGIC_NSEC
          this.fracDiv = m === MAGIC_NSEC || m === MAGIC_NSEC_SWAPPED ? 1e9 : 1e6
        } else if (m === PCAPNG_SHB) {
          this.format = 'pcapng'
          this.phase = PHASE_PCAPNG
        } else {
          this.fail('pcap.bad_magic', `not a pcap or pcapng capture (magic 0x${m.toString(16).padStart(8, '0')})`, 0)
        }
        return this.frame(buf, off, avail)
      }
      case PHASE_PCAP_HDR:
        this.hdrNeed = PCAP_FILE_HDR
        return avail < PCAP_FILE_HDR ? 0 : PCAP_FILE_HDR
      case PHASE_PCAP: {
        this.hdrNeed = PCAP_REC_HDR
        if (avail < PCAP_REC_HDR) return 0
        const capLen = this.rd32(buf, off + 8)
        if (capLen > this.limit) this.tooLarge(off, capLen)
        return PCAP_REC_HDR + capLen
      }
      case PHASE_PCAP_OLD: {
        this.hdrNeed = PCAP_REC_HDR
        if (avail < PCAP_REC_HDR) return 0
        const capLen = this.oldCapLen(buf, off)
        if (capLen > this.limit) this.tooLarge(off, capLen)
        return PCAP_REC_HDR + capLen
      }
      default:
        return this.frameBlock(buf, off, avail)
    }
  }

  private oldCapLen(buf: Buffer, off: number): number {
    const a = this.rd32(buf, off + 8)
    const b = this.rd32(buf, off + 12)
    return this.alwaysSwapped || a > b ? b : a
  }

  private frameBlock(buf: Buffer, off: number, avail: number): number {
    this.hdrNeed = 12
    if (avail < 12) return 0
    const at = this.base + off
    const type = buf.readUInt32LE(off)
    if (type === PCAPNG_SHB) {
      const bom = buf.readUInt32LE(off + 8)
      if (bom === PCAPNG_BOM) this.le = true
      else if (bom === PCAPNG_BOM_SWAPPED) this.le = false
      else this.fail('pcapng.bad_byte_order_magic', `bad pcapng byte-order magic 0x${bom.toString(16)}`, at)
    } else if (!this.sectionSeen) {
      this.fail('pcapng.no_section_header', 'pcapng block before any section header', at)
    }
    const btype = this.rd32(buf, off)
    const len = this.rd32(buf, off + 4)
    if (len < 12 || (len & 3) !== 0) this.badLength(at, `block length ${len} is not a multiple of 4 of at least 12`)
    if (btype === BT_EPB) {
      this.hdrNeed = 28
      if (len < 32) this.badLength(at, `enhanced packet block length ${len} is below 32`)
      if (avail < 28) return 0
      const ifId = this.rd32(buf, off + 8)
      if (ifId >= this.ifLinkType.length) {
        this.fail('pcapng.unknown_interface', `packet for undefined interface ${ifId}`, at)
      }
      const capLen = this.rd32(buf, off + 20)
      if (capLen > (this.ifLimit[ifId] as number)) this.tooLarge(off, capLen)
      const minLen = 32 + pad4(capLen)
      if (len < minLen || len > minLen + PCAPNG_MAX_EPB_OPTION_BYTES) {
        this.badLength(at, `enhanced packet block length ${len} does not fit captured length ${capLen}`)
      }
    } else if (btype === BT_SPB) {
      if (len < 16) this.badLength(at, `simple packet block length ${len} is below 16`)
      if (this.ifLinkType.length === 0) this.fail('pcapng.unknown_interface', 'simple packet without interface 0', at)
      if (len - 16 > pad4(this.ifLimit[0] as number)) this.tooLarge(off, len - 16)
    } else if (len > PCAPNG_MAX_BLOCK_BYTES) {
      this.badLength(at, `block length ${len} exceeds ${PCAPNG_MAX_BLOCK_BYTES}`)
    }
    return len
  }

  private badLength(at: number, detail: string): never {
    this.fail('pcapng.bad_block_length', detail, at)
  }

  /** Handles one complete record or block at buf[off, off+total). */
  private record(buf: Buffer, off: number, total: number): void {
    if (this.phase === PHASE_PCAP) {
      const sec = this.rd32(buf, off)
      const frac = this.rd32(buf, off + 4)
      const wire = this.rd32(buf, off + 12)
      this.packets++
      this.onPacket(buf, off + PCAP_REC_HDR, off + total, sec + frac / this.fracDiv, wire, this.linkType, 0)
      return
    }
    if (this.phase === PHASE_PCAP_OLD) {
      const capLen = total - PCAP_REC_HDR
      const a = this.rd32(buf, off + 8)
      const wire = a === capLen ? this.rd32(buf, off + 12) : a
      this.packets++
      this.onPacket(
        buf,
        off + PCAP_REC_HDR,
        off + total,
        this.rd32(buf, off) + this.rd32(buf, off + 4) / this.fracDiv,
        wire,
        this.linkType,
        0,
      )
      return
    }
    if (this.phase === PHASE_PCAP_HDR) {
      const major = this.rd16(buf, off + 4)
      const minor = this.rd16(buf, off + 6)
      if (major !== 2) this.fail('pcap.bad_version', `unsupported pcap version ${major}.${minor}`, 0)
      const snap = this.rd32(buf, off + 16)
      // Upper bits carry FCS length flags (pcap-savefile(5)); the link type is the low 16 bits.
      this.linkType = this.rd32(buf, off + 20) & 0xffff
      this.linkTypes.add(this.linkType)
      this.limit = Math.max(this.maxRecordBytes, Math.min(snap, SNAPLEN_TRUST_CAP))
      this.alwaysSwapped = minor < 3
      this.phase = minor <= 3 ? PHASE_PCAP_OLD : PHASE_PCAP
      return
    }
    this.block(buf, off, total)
  }

  private block(buf: Buffer, off: number, total: number): void {
    const at = this.base + off
    if (this.rd32(buf, off + total - 4) !== total) {
      this.badLength(at, `trailing block length ${this.rd32(buf, off + total - 4)} differs from ${total}`)
    }
    const btype = this.rd32(buf, off)
    if (btype === BT_EPB) {
      this.enhancedPacket(buf, off, total)
    } else if (btype === BT_SPB) {
      const wire = this.rd32(buf, off + 8)
      const snap = this.ifSnap[0] as number
      let capLen = Math.min(wire, total - 16)
      if (snap > 0 && capLen > snap) capLen = snap
      this.packets++
      // An SPB has no timestamp; the last EPB time of the stream keeps flow timeouts monotonic.
      this.onPacket(buf, off + 12, off + 12 + capLen, this.lastTs, wire, this.ifLinkType[0] as number, 0)
    } else if (btype === PCAPNG_SHB) {
      if (total < 28) this.badLength(at, `section header block length ${total} is below 28`)
      const major = this.rd16(buf, off + 12)
      if (major !== 1) this.fail('pcapng.bad_version', `unsupported pcapng version ${major}`, at)
      this.sectionSeen = true
      this.ifLinkType = []
      this.ifSnap = []
      this.ifLimit = []
      this.ifUnits = []
      this.ifOffset = []
    } else if (btype === BT_IDB) {
      this.interfaceBlock(buf, off, total, at)
    }
  }

  /** Delivers an EPB already sized and validated by frameBlock(). */
  private enhancedPacket(buf: Buffer, off: number, total: number): void {
    const le = this.le
    const trailer = u32(buf, off + total - 4, le)
    if (trailer !== total) this.badLength(this.base + off, `trailing block length ${trailer} differs from ${total}`)
    const ifId = u32(buf, off + 8, le)
    const hi = u32(buf, off + 12, le)
    const lo = u32(buf, off + 16, le)
    const capLen = u32(buf, off + 20, le)
    const wire = u32(buf, off + 24, le)
    const ts = (hi * TWO_POW_32 + lo) / (this.ifUnits[ifId] as number) + (this.ifOffset[ifId] as number)
    this.lastTs = ts
    this.packets++
    this.onPacket(buf, off + 28, off + 28 + capLen, ts, wire, this.ifLinkType[ifId] as number, ifId)
  }

  private interfaceBlock(buf: Buffer, off: number, total: number, at: number): void {
    if (total < 20) this.badLength(at, `interface description block length ${total} is below 20`)
    if (this.ifLinkType.length >= PCAPNG_MAX_INTERFACES) {
      this.fail('pcapng.too_many_interfaces', `more than ${PCAPNG_MAX_INTERFACES} interfaces in a section`, at)
    }
    const linkType = this.rd16(buf, off + 8)
    const snap = this.rd32(buf, off + 12)
    let units = 1e6
    let offset = 0
    let o = off + 16
    const optEnd = off + total - 4
    // Options: code(2) length(2) value padded to 4; each is at least 4 bytes, so the loop is bounded.
    while (o + 4 <= optEnd) {
      const code = this.rd16(buf, o)
      const len = this.rd16(buf, o + 2)
      const v = o + 4
      if (code === 0 || v + len > optEnd) break
      if (code === 9 && len >= 1) {
        const r = buf[v] as number
        // if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds.
        units = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r
      } else if (code === 14 && len >= 8) {
        const hi = this.le ? buf.readInt32LE(v + 4) : buf.readInt32BE(v)
        const lo = this.le ? buf.readUInt32LE(v) : buf.readUInt32BE(v + 4)
        offset = hi * TWO_POW_32 + lo
      }
      o = v + pad4(len)
    }
    this.ifLinkType.push(linkType)
    this.ifSnap.push(snap)
    this.ifLimit.push(Math.max(this.maxRecordBytes, Math.min(snap, SNAPLEN_TRUST_CAP)))
    this.ifUnits.push(units)
    this.ifOffset.push(offset)
    this.linkTypes.add(linkType)
  }
}
