/**
 * TLS stream analyzer: follows the record layer (RFC 8446 §5.1) of each direction only until the hellos are
 * read, reassembling the first handshake message from its records (bounded by ctx.maxBuffer / 2), then ignores
 * the rest of the connection. Records the SNI on the flow (setServerName), confirms `tls` when the server
 * answers a ClientHello with a handshake record, and emits one TlsEvent (SNI, negotiated version) when the
 * ServerHello is read or the flow ends. Not handled: certificates, session resumption details, TLS over
 * non-TCP (DTLS), renegotiation.
 */
import {
  decodeTlsHello,
  probeTls,
  TLS_CONTENT_HANDSHAKE,
  TLS_RECORD_HEADER_LEN,
  type TlsHello,
  tlsVersionName,
} from '../../decoders/app/tls.js'
import type { TlsEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, Dir, StreamAnalyzer } from './types.js'

class Dirn {
  done = false
  hdr = Buffer.alloc(TLS_RECORD_HEADER_LEN)
  hdrLen = 0
  recType = 0
  recLeft = 0
  hs: Buffer | undefined
  hsLen = 0
  firstRecord = true
}

export class TlsAnalyzer implements StreamAnalyzer {
  private readonly d: [Dirn, Dirn] = [new Dirn(), new Dirn()]
  private client: TlsHello | undefined
  private server: TlsHello | undefined
  private clientTs = 0
  private emitted = false
  private confirmed = false
  private readonly cap: number

  constructor(private readonly ctx: AppContext) {
    this.cap = Math.max(1024, Math.min(32768, Math.floor(ctx.maxBuffer / 2)))
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    const s = this.d[dir]
    while (off < end && !s.done) {
      if (s.hdrLen < TLS_RECORD_HEADER_LEN) {
        const n = Math.min(TLS_RECORD_HEADER_LEN - s.hdrLen, end - off)
        buf.copy(s.hdr, s.hdrLen, off, off + n)
        s.hdrLen += n
        off += n
        if (s.hdrLen < TLS_RECORD_HEADER_LEN) return
        s.recType = s.hdr[0] ?? 0
        s.recLeft = s.hdr.readUInt16BE(3)
        if (s.hdr[1] !== 3 || s.recType < 20 || s.recType > 24) {
          this.ctx.weird('tls.bad_record')
          s.done = true
          return
        }
        if (dir === 1 && s.firstRecord && s.recType === TLS_CONTENT_HANDSHAKE && this.client !== undefined) {
          this.confirm()
        }
        s.firstRecord = false
        if (s.recType !== TLS_CONTENT_HANDSHAKE) {
          // Anything else before the hello (alert, CCS): the hello will not come from this side.
          s.done = true
          this.maybeEmit(ts)
          return
        }
      }
      const n = Math.min(s.recLeft, end - off)
      this.collect(dir, s, buf, off, off + n, ts)
      s.recLeft -= n
      off += n
      if (s.recLeft === 0) s.hdrLen = 0
    }
  }

  private collect(dir: Dir, s: Dirn, buf: Buffer, off: number, end: number, ts: number): void {
    if (s.done || end <= off) return
    if (s.hs === undefined) {
      if (s.hsLen === 0 && end - off >= 4) {
        // Fast path: the whole hello in this record piece.
        const r = decodeTlsHello(buf, off, end)
        if (r.ok || r.error.code !== 'tls.truncated') {
          this.hello(dir, s, r.ok ? r.value : undefined, r.ok ? undefined : r.error.code, ts)
          return
        }
      }
      // Size the buffer from the message's own 24-bit length when it is in view, within the cap.
      const declared = end - off >= 4 ? 4 + buf.readUIntBE(off + 1, 3) : this.cap
      s.hs = Buffer.allocUnsafe(Math.min(this.cap, Math.max(64, declared)))
    }
    if (s.hsLen + (end - off) > s.hs.length && s.hs.length < this.cap) {
      const nb = Buffer.allocUnsafe(this.cap)
      s.hs.copy(nb, 0, 0, s.hsLen)
      s.hs = nb
    }
    const n = Math.min(s.hs.length - s.hsLen, end - off)
    buf.copy(s.hs, s.hsLen, off, off + n)
    s.hsLen += n
    const r = decodeTlsHello(s.hs, 0, s.hsLen)
    if (r.ok || r.error.code !== 'tls.truncated') {
      this.hello(dir, s, r.ok ? r.value : undefined, r.ok ? undefined : r.error.code, ts)
    } else if (s.hsLen >= s.hs.length) {
      this.hello(dir, s, undefined, 'tls.hello_too_long', ts)
    }
  }

  private hello(dir: Dir, s: Dirn, h: TlsHello | undefined, err: `${string}.${string}` | undefined, ts: number): void {
    s.done = true
    s.hs = undefined
    if (err !== undefined) this.ctx.weird(err)
    if (h === undefined) {
      this.maybeEmit(ts)
      return
    }
    if (dir === 0 && h.type === 1) {
      this.client = h
      this.clientTs = ts
      if (h.sni !== undefined && h.sni !== '') this.ctx.setServerName(h.sni)
    } else if (dir === 1 && h.type === 2) {
      this.server = h
      if (this.client !== undefined) this.confirm()
      this.maybeEmit(ts)
    } else {
      this.ctx.weird('tls.unexpected_hello')
    }
  }

  private confirm(): void {
    if (this.confirmed) return
    this.confirmed = true
    this.ctx.confirm('tls')
  }

  private maybeEmit(ts: number): void {
    if (this.emitted || this.client === undefined) return
    if (this.server === undefined && !this.d[1].done) return
    this.emit(ts)
  }

  private emit(ts: number): void {
    if (this.emitted || (this.client === undefined && this.server === undefined)) return
    this.emitted = true
    const c = this.ctx.conn
    const v = this.server?.supportedVersions?.[0] ?? this.server?.legacyVersion
    const ev: Record<string, unknown> = {
      kind: 'tls',
      ts: this.client !== undefined ? this.clientTs : ts,
      source: '',
      ...connFields(c),
    }
    if (this.client?.sni !== undefined) ev.sni = this.client.sni
    if (v !== undefined) ev.version = tlsVersionName(v)
    this.ctx.emit(ev as unknown as TlsEvent)
  }

  /** Both directions are past their hellos: nothing more to read (manager.ts MaybeFinished). */
  finished(): boolean {
    return this.d[0].done && this.d[1].done
  }

  onGap(dir: Dir): void {
    this.d[dir].done = true
  }

  onEnd(ts: number): void {
    this.emit(ts)
  }
}

export const TLS_SPEC: AnalyzerSpec = {
  name: 'tls',
  transport: 'tcp',
  ports: [443, 8443, 465, 993, 995, 636, 990, 992, 994, 5061, 853],
  probe(dir, buf, off, end) {
    return probeTls(dir, buf, off, end)
  },
  create(ctx) {
    return new TlsAnalyzer(ctx)
  },
}
