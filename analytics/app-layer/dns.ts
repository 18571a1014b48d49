/**
 * DNS analyzer over UDP (one message per datagram) and TCP (2-byte length prefix, RFC 1035 §4.2.2, messages
 * reassembled in a carry buffer bounded by ctx.maxBuffer / 2). Queries wait in a bounded table keyed by id;
 * a response with a pending query's id confirms `dns` and emits one DnsEvent (query, qtype, rcode, A/AAAA
 * addresses, CNAME chain) stamped with the query's time, as Zeek's dns.log. Unanswered queries are emitted
 * at flow end; a response without its query is emitted from its own question. Undecodable messages are
 * counted (`dns.*` weirds). Not handled: multiple questions (the first is reported), zone transfers' records.
 */
import { type DnsMessage, decodeDnsMessage, probeDns, probeDnsTcp } from '../../decoders/app/dns.js'
import type { DnsEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, DatagramAnalyzer, Dir, StreamAnalyzer } from './types.js'

/** Queries remembered per flow while waiting for their response. */
export const DNS_MAX_PENDING = 64

interface Pending {
  ts: number
  query: string
  qtype: number
}

export class DnsAnalyzer implements DatagramAnalyzer, StreamAnalyzer {
  private readonly pending = new Map<number, Pending>()
  private confirmed = false
  private readonly carry: [Buffer | undefined, Buffer | undefined] = [undefined, undefined]
  private readonly carryLen: [number, number] = [0, 0]
  private readonly dead: [boolean, boolean] = [false, false]

  constructor(private readonly ctx: AppContext) {}

  onDatagram(_dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    this.message(buf, off, end, ts)
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (this.dead[dir]) return
    const cap = Math.max(512, Math.min(65537, Math.floor(this.ctx.maxBuffer / 2)))
    // Whole messages straight from the segment; only a partial tail is copied.
    while (this.carryLen[dir] === 0 && end - off >= 2) {
      const len = buf.readUInt16BE(off)
      if (end - off - 2 < len) break
      this.message(buf, off + 2, off + 2 + len, ts)
      off += 2 + len
    }
    if (off >= end) return
    let c = this.carry[dir]
    if (c === undefined) {
      c = Buffer.allocUnsafe(cap)
      this.carry[dir] = c
    }
    let n = Math.min(cap - this.carryLen[dir], end - off)
    buf.copy(c, this.carryLen[dir], off, off + n)
    this.carryLen[dir] += n
    off += n
    for (;;) {
      const have = this.carryLen[dir]
      if (have < 2) return
      const len = c.readUInt16BE(0)
      if (len + 2 > cap) {
        this.ctx.weird('dns.message_too_long')
        this.dead[dir] = true
        this.carry[dir] = undefined
        return
      }
      if (have < len + 2) {
        if (off >= end) return
        n = Math.min(cap - have, end - off)
        buf.copy(c, have, off, off + n)
        this.carryLen[dir] += n
        off += n
        continue
      }
      this.message(c, 2, 2 + len, ts)
      c.copy(c, 0, 2 + len, have)
      this.carryLen[dir] = have - 2 - len
      if (off < end) {
        n = Math.min(cap - this.carryLen[dir], end - off)
        buf.copy(c, this.carryLen[dir], off, off + n)
        this.carryLen[dir] += n
        off += n
      }
    }
  }

  onGap(dir: Dir): void {
    this.dead[dir] = true
    this.carry[dir] = undefined
    this.carryLen[dir] = 0
  }

  private message(buf: Buffer, off: number, end: number, ts: number): void {
    const r = decodeDnsMessage(buf, off, end)
    if (!r.ok) {
      this.ctx.weird(r.error.code)
      return
    }
    const m = r.value
    const q = m.questions[0]
    if (!m.qr) {
      if (q === undefined) return
      if (this.pending.size >= DNS_MAX_PENDING) {
        const first = this.pending.keys().next()
        if (!first.done) {
          const old = this.pending.get(first.value)
          this.pending.delete(first.value)
          if (old !== undefined) this.emit(old, undefined, ts)
        }
      }
      if (this.pending.has(m.id)) {
        // A retransmitted query: keep the first one's time.
        return
      }
      this.pending.set(m.id, { ts, query: q.name, qtype: q.type })
      return
    }
    const p = this.pending.get(m.id)
    if (p !== undefined) {
      this.pending.delete(m.id)
      if (!this.confirmed) {
        this.confirmed = true
        this.ctx.confirm('dns')
      }
      this.emit(p, m, ts)
      return
    }
    if (q !== undefined) this.emit({ ts, query: q.name, qtype: q.type }, m, ts)
  }

  private emit(p: Pending, m: DnsMessage | undefined, _ts: number): void {
    const c = this.ctx.conn
    const answers: string[] = []
    const cnames: string[] = []
    if (m !== undefined) {
      for (const a of m.answers) {
        if (a.data === undefined) continue
        if (a.type === 5) cnames.push(a.data)
        else answers.push(a.data)
      }
    }
    const ev: Record<string, unknown> = {
      kind: 'dns',
      ts: p.ts,
      source: '',
      ...connFields(c),
      query: p.query,
      qtype: p.qtype,
      answers,
    }
    if (m !== undefined) ev.rcode = m.rcode
    if (cnames.length > 0) ev.cnames = cnames
    this.ctx.emit(ev as unknown as DnsEvent)
  }

  onEnd(ts: number): void {
    for (const p of this.pending.values()) this.emit(p, undefined, ts)
    this.pending.clear()
  }
}

export const DNS_UDP_SPEC: AnalyzerSpec = {
  name: 'dns',
  transport: 'udp',
  ports: [53, 5353, 5355],
  probe(_dir, buf, off, end) {
    return probeDns(buf, off, end)
  },
  create(ctx) {
    return new DnsAnalyzer(ctx)
  },
}

export const DNS_TCP_SPEC: AnalyzerSpec = {
  name: 'dns',
  transport: 'tcp',
  ports: [53],
  probe(_dir, buf, off, end) {
    return probeDnsTcp(buf, off, end)
  },
  create(ctx) {
    return new DnsAnalyzer(ctx)
  },
}
