/**
 * In-order TCP reassembly for one direction of a flow (RFC 9293 §3.4 sequence space), feeding app analyzers.
 * The initial sequence number comes from the SYN (ISN + 1) or, when the capture starts mid-stream, from the
 * first segment seen. Sequence arithmetic is modulo 2^32 (signed 32-bit differences), so wraparound is handled.
 * Retransmissions and overlaps are trimmed: the first copy of a byte wins (Suricata's default policy), both
 * against delivered data and against held out-of-order segments. Out-of-order segments are copied and held up
 * to a byte cap (and a segment-count cap); when a new segment would exceed it, the hole before the earliest held
 * segment is declared a gap (counted, reported through `onGap`) and the held data is delivered from there.
 * At FIN/RST/end the held data is flushed the same way. Only out-of-order bytes are ever copied.
 * Not handled: urgent data, the SYN-carried data of TFO beyond delivering it, and validation against ACKs
 * (a segment beyond the window is accepted as out of order; the cap bounds the damage).
 */

/** Hard cap on held out-of-order segments per direction, whatever the byte cap. */
export const REASM_MAX_SEGMENTS = 256

/** Receives in-order bytes; `buf` is only valid during the call. */
export type DeliverFn = (buf: Buffer, off: number, end: number) => void
/** Receives the size of a hole that will never be filled. */
export type GapFn = (bytes: number) => void

/**
 * One receiver for both directions of a flow (`dir` says which): what the app layer passes instead of two
 * closures per direction, which were most of the memory of a reassembler pair.
 */
export interface ReassemblySink {
  reassembled(dir: 0 | 1, buf: Buffer, off: number, end: number): void
  reassemblyGap(dir: 0 | 1, bytes: number): void
}

/** Adapts the function form of the constructor. */
class FnSink implements ReassemblySink {
  constructor(
    private readonly deliver: DeliverFn,
    private readonly onGap: GapFn,
  ) {}
  reassembled(_dir: 0 | 1, buf: Buffer, off: number, end: number): void {
    this.deliver(buf, off, end)
  }
  reassemblyGap(_dir: 0 | 1, bytes: number): void {
    this.onGap(bytes)
  }
}

const NO_GAP: GapFn = () => {}

interface Held {
  seq: number
  data: Buffer
}

/** State of one direction (the "state object handed in", STYLE 2.2). */
export class TcpReassembler {
  /** Next expected sequence number, kept as a signed 32-bit integer (a small integer for V8, never a boxed double; sequence numbers compare modulo 2^32 either way); valid when `started`. */
  nextSeq = 0
  started = false
  /** Set after FIN or RST: later data is ignored. */
  ended = false
  /** Bytes delivered in order. */
  delivered = 0
  /** Bytes declared lost. */
  gapBytes = 0
  /** Number of holes declared. */
  gaps = 0
  /** Bytes held out of order right now. */
  heldBytes = 0
  private finSeen = false
  private finSeq = 0
  private held: Held[] = []
  private readonly sink: ReassemblySink
  private readonly dir: 0 | 1

  /**
   * @param capBytes most out-of-order bytes held at once (the per-flow budget share of this direction).
   * @param deliver receives in-order bytes: a function, or a sink shared by both directions (then `dir` is
   *   passed back to it and `onGap` is unused).
   */
  constructor(
    private readonly capBytes: number,
    deliver: DeliverFn | ReassemblySink,
    onGap: GapFn = NO_GAP,
    dir: 0 | 1 = 0,
  ) {
    this.sink = typeof deliver === 'function' ? new FnSink(deliver, onGap) : deliver
    this.dir = dir
  }

  /**
   * Handles one segment: `flags` is the TCP flags byte, `seq` its sequence number, payload `buf[off, end)`.
   * `payloadLen` is the wire payload length (may exceed end - off when the capture truncated the frame; the
   * missing tail is then a gap).
   */
  segment(seq: number, flags: number, buf: Buffer, off: number, end: number, payloadLen = end - off): void {
    if (this.ended) return
    const syn = (flags & 0x02) !== 0
    if (syn) {
      if (!this.started) {
        this.started = true
        this.nextSeq = (seq + 1) | 0
      }
      seq = (seq + 1) | 0
    } else if (!this.started) {
      if (end <= off) {
        if (flags & 0x04) this.ended = true
        return
      }
      this.started = true
      this.nextSeq = seq | 0
    }
    if (end > off) this.data(seq | 0, buf, off, end)
    if (payloadLen > end - off && end - off >= 0) {
      // Snaplen truncation: the rest of the segment is a hole right after what we have.
      const missing = payloadLen - (end - off)
      const rel = ((seq + (end - off)) | 0) - (this.nextSeq | 0)
      if ((rel | 0) === 0) this.skip(missing)
    }
    if (flags & 0x04) {
      this.flush()
      this.ended = true
    } else if (flags & 0x01) {
      this.finSeen = true
      this.finSeq = (seq + payloadLen) | 0
    }
    if (this.finSeen && ((this.nextSeq - this.finSeq) | 0) >= 0 && this.held.length === 0) this.ended = true
  }

  private data(seq: number, buf: Buffer, off: number, end: number): void {
    let rel = (seq - this.nextSeq) | 0
    if (rel <= 0) {
      // Retransmission or overlap with delivered data: the first copy won.
      off -= rel
      if (off >= end) return
      this.emitInOrder(buf, off, end)
      this.drain()
      return
    }
    const len = end - off
    if (len > this.capBytes) {
      // Cannot hold even this one: give up the hole and everything held before it.
      this.flushUpTo(seq)
      rel = (seq - this.nextSeq) | 0
      if (rel > 0) this.skip(rel)
      else off -= rel
      if (off < end) this.emitInOrder(buf, off, end)
      this.drain()
      return
    }
    while (this.heldBytes + len > this.capBytes || this.held.length >= REASM_MAX_SEGMENTS) {
      if (this.held.length === 0) break
      this.skipToFirstHeld()
      rel = (seq - this.nextSeq) | 0
      if (rel <= 0) {
        off -= rel
        if (off < end) this.emitInOrder(buf, off, end)
        this.drain()
        return
      }
    }
    this.insert(seq, buf, off, end)
  }

  private emitInOrder(buf: Buffer, off: number, end: number): void {
    this.nextSeq = (this.nextSeq + (end - off)) | 0
    this.delivered += end - off
    this.sink.reassembled(this.dir, buf, off, end)
  }

  private skip(bytes: number): void {
    if (bytes <= 0) return
    this.nextSeq = (this.nextSeq + bytes) | 0
    this.gapBytes += bytes
    this.gaps++
    this.sink.reassemblyGap(this.dir, bytes)
  }

  /** Inserts the parts of [seq, seq+len) not already held, keeping the list sorted. */
  private insert(seq: number, buf: Buffer, off: number, end: number): void {
    const held = this.held
    let i = 0
    while (i < held.length && off < end) {
      const h = held[i] as Held
      const hs = (h.seq - this.nextSeq) | 0
      const he = hs + h.data.length
      const s = (seq - this.nextSeq) | 0
      const e = s + (end - off)
      if (he <= s) {
        i++
        continue
      }
      if (hs >= e) break
      if (s < hs) {
        // The part before h is new.
        const cut = hs - s
        this.put(i, seq, buf, off, off + cut)
        i++
      }
      // Skip what h already covers (first copy wins).
      const covered = Math.min(e, he) - s
      off += covered
      seq = (seq + covered) | 0
      i++
    }
    if (off < end) this.put(i, seq, buf, off, end)
  }

  private put(i: number, seq: number, buf: Buffer, off: number, end: number): void {
    const data = Buffer.allocUnsafe(end - off)
    buf.copy(data, 0, off, end)
    this.held.splice(i, 0, { seq, data })
    this.heldBytes += data.length
  }

  /** Delivers held segments that have become contiguous. */
  private drain(): void {
    const held = this.held
    while (held.length > 0) {
      const h = held[0] as Held
      const rel = (h.seq - this.nextSeq) | 0
      if (rel > 0) return
      held.shift()
      this.heldBytes -= h.data.length
      const skip = -rel
      if (skip < h.data.length) this.emitInOrder(h.data, skip, h.data.length)
    }
  }

  private skipToFirstHeld(): void {
    const h = this.held[0]
    if (h === undefined) return
    const rel = (h.seq - this.nextSeq) | 0
    if (rel > 0) this.skip(rel)
    this.drain()
  }

  private flushUpTo(seq: number): void {
    while (this.held.length > 0) {
      const h = this.held[0] as Held
      if (((h.seq - seq) | 0) >= 0) return
      this.skipToFirstHeld()
    }
  }

  /** Forgets the position and held data: the next segment starts the stream again (mid-stream pickup). */
  resync(): void {
    this.started = false
    this.held = []
    this.heldBytes = 0
  }

  /** Gives up every hole and delivers all held data (FIN/RST/end of flow). */
  flush(): void {
    while (this.held.length > 0) this.skipToFirstHeld()
  }
}
