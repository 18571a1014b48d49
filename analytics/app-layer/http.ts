/**
 * HTTP/1.x stream analyzer (RFC 9112): requests and responses across segments, pipelined requests on one
 * keep-alive connection (a bounded queue of pending requests matched in order to responses), bodies framed by
 * Content-Length, chunked transfer coding (§7.1) or connection close (§6.3 rule 8); no body for HEAD, 1xx,
 * 204 and 304. Emits one HttpEvent per transaction when its response ends (or at flow end), opens a file for
 * every non-empty response body (download) and request body (upload: PUT/POST...), and leaves the type
 * decision to the file pipeline at the end of the body. Records Host via setServerName; confirms `http` when a
 * status line follows a request. Bad input is counted through ctx.weird (`http.*`) and stops the direction it
 * hit: an endless head (`http.header_too_long`), bad chunk sizes, a gap inside a head or chunk framing.
 * Not handled: CONNECT/101 tunnels (parsing stops there), Content-Encoding (bodies are hashed as sent),
 * multipart upload splitting.
 */
import {
  decodeChunkSize,
  decodeHttpHead,
  HTTP_MAX_HEAD_BYTES,
  HTTP_MAX_HEADERS,
  HTTP_MAX_LINE_BYTES,
  type HttpCaps,
  type HttpHead,
  headerValue,
  probeHttpRequest,
  probeHttpResponse,
} from '../../decoders/app/http.js'
import type { HttpEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, Dir, FileOpen, FileWriter, StreamAnalyzer } from './types.js'

/** Most requests waiting for a response on one connection. */
export const HTTP_MAX_PENDING = 64
/** Bytes of a chunk-size or trailer line kept across segments. */
const LINE_CAP = 1024
/** Trailer bytes accepted after the last chunk. */
const TRAILER_CAP = 8192

enum S {
  Head,
  Len,
  ChunkSize,
  ChunkData,
  ChunkCrlf,
  Trailer,
  Close,
  Dead,
}

interface Txn {
  depth: number
  ts: number
  method: string
  uri: string
  host: string | undefined
  ua: string | undefined
  reqBodyLen: number
  status: number | undefined
  reason: string | undefined
  mime: string | undefined
  respBodyLen: number
}

class Side {
  state = S.Head
  carry: Buffer | undefined
  carryLen = 0
  remaining = 0
  file: FileWriter | undefined
  txn: Txn | undefined
  trailerBytes = 0
  trailerCr = false
  crlfSeen = 0
}

/** The file name an HTTP URI names: the last path segment, percent-decoded; undefined when empty. */
export function uriFileName(uri: string): string | undefined {
  let path = uri
  const q = path.search(/[?#]/)
  if (q >= 0) path = path.slice(0, q)
  const scheme = path.indexOf('://')
  if (scheme >= 0) {
    const slash = path.indexOf('/', scheme + 3)
    path = slash >= 0 ? path.slice(slash) : '/'
  }
  const base = path.slice(path.lastIndexOf('/') + 1)
  if (base === '') return undefined
  try {
    return decodeURIComponent(base)
  } catch {
    return base
  }
}

function mediaType(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  const semi = v.indexOf(';')
  const t = (semi >= 0 ? v.slice(0, semi) : v).trim().toLowerCase()
  return t === '' ? undefined : t
}

function serverName(host: string): string {
  if (host.startsWith('[')) {
    const e = host.indexOf(']')
    return e > 0 ? host.slice(1, e) : host
  }
  const c = host.lastIndexOf(':')
  return c > 0 && host.indexOf(':') === c ? host.slice(0, c) : host
}

export class HttpAnalyzer implements StreamAnalyzer {
  private readonly side: [Side, Side] = [new Side(), new Side()]
  private readonly pending: Txn[] = []
  private readonly caps: HttpCaps
  private requests = 0
  private confirmed = false
  private nameSet = false

  constructor(private readonly ctx: AppContext) {
    this.caps = {
      maxHeadBytes: Math.max(1024, Math.min(HTTP_MAX_HEAD_BYTES, Math.floor(ctx.maxBuffer / 2))),
      maxHeaders: HTTP_MAX_HEADERS,
      maxLineBytes: HTTP_MAX_LINE_BYTES,
    }
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    const sd = this.side[dir]
    while (off < end) {
      switch (sd.state) {
        case S.Dead:
          return
        case S.Head:
          off = this.head(dir, sd, buf, off, end, ts)
          break
        case S.Len:
        case S.ChunkData:
        case S.Close:
          off = this.body(dir, sd, buf, off, end, ts)
          break
        case S.ChunkSize:
          off = this.chunkSize(dir, sd, buf, off, end, ts)
          break
        case S.ChunkCrlf: {
          const c = buf[off]
          if (c === 13 && sd.crlfSeen === 0) {
            sd.crlfSeen = 1
            off++
          } else if (c === 10) {
            sd.state = S.ChunkSize
            off++
          } else {
            this.ctx.weird('http.chunk_crlf_missing')
            sd.state = S.ChunkSize
          }
          break
        }
        case S.Trailer:
          off = this.trailer(dir, sd, buf, off, end, ts)
          break
      }
    }
  }

  /** Collects bytes of a line or head across segments in the direction's carry buffer (bounded by `cap`). */
  private stash(sd: Side, buf: Buffer, off: number, end: number, cap: number): number {
    const n = Math.min(cap - sd.carryLen, end - off)
    const want = sd.carryLen + n
    if (sd.carry === undefined || sd.carry.length < want) {
      // Grow geometrically up to the cap: most heads that span segments are a few hundred bytes.
      const nb = Buffer.allocUnsafe(Math.min(cap, Math.max(want, 512, (sd.carry?.length ?? 0) * 2)))
      if (sd.carry !== undefined) sd.carry.copy(nb, 0, 0, sd.carryLen)
      sd.carry = nb
    }
    buf.copy(sd.carry, sd.carryLen, off, off + n)
    sd.carryLen += n
    return n
  }

  private head(dir: Dir, sd: Side, buf: Buffer, off: number, end: number, ts: number): number {
    if (sd.carryLen === 0) {
      while (off < end && (buf[off] === 13 || buf[off] === 10)) off++
      if (off >= end) return end
      const r = decodeHttpHead(buf, off, end, this.caps)
      if (r.ok) {
        this.onHead(dir, sd, r.value, ts)
        return r.next
      }
      if (r.error.code === 'http.truncated') {
        this.stash(sd, buf, off, end, this.caps.maxHeadBytes)
        return end
      }
      this.fatal(dir, sd, r.error.code, ts)
      return end
    }
    const before = sd.carryLen
    const n = this.stash(sd, buf, off, end, this.caps.maxHeadBytes)
    const carry = sd.carry as Buffer
    const r = decodeHttpHead(carry, 0, sd.carryLen, this.caps)
    if (r.ok) {
      sd.carryLen = 0
      this.onHead(dir, sd, r.value, ts)
      return off + (r.next - before)
    }
    if (r.error.code === 'http.truncated' && sd.carryLen < this.caps.maxHeadBytes) return off + n
    this.fatal(dir, sd, r.error.code === 'http.truncated' ? 'http.header_too_long' : r.error.code, ts)
    return end
  }

  private fatal(dir: Dir, sd: Side, code: `${string}.${string}`, ts: number): void {
    this.ctx.weird(code)
    this.endBody(dir, sd, ts, false)
    sd.state = S.Dead
    sd.carry = undefined
    sd.carryLen = 0
  }

  private onHead(dir: Dir, sd: Side, h: HttpHead, ts: number): void {
    if (dir === 0) {
      if (!h.isRequest) {
        this.fatal(dir, sd, 'http.response_from_client', ts)
        return
      }
      this.request(sd, h, ts)
    } else {
      if (h.isRequest) {
        this.fatal(dir, sd, 'http.request_from_server', ts)
        return
      }
      this.response(sd, h, ts)
    }
  }

  private request(sd: Side, h: HttpHead, ts: number): void {
    const host = headerValue(h, 'host')
    const txn: Txn = {
      depth: ++this.requests,
      ts,
      method: h.method,
      uri: h.uri,
      host,
      ua: headerValue(h, 'user-agent'),
      reqBodyLen: 0,
      status: undefined,
      reason: undefined,
      mime: undefined,
      respBodyLen: 0,
    }
    if (host !== undefined && !this.nameSet) {
      this.nameSet = true
      this.ctx.setServerName(serverName(host))
    }
    if (this.pending.length >= HTTP_MAX_PENDING) {
      this.ctx.weird('http.too_many_pending')
      const old = this.pending.shift()
      if (old !== undefined) this.emitTxn(old, ts)
    }
    this.pending.push(txn)
    sd.txn = txn
    const framing = this.framing(h, false)
    if (framing.kind === 'none') return
    sd.file = this.ctx.openFile(
      fileSpec(
        h.uri,
        'upload',
        mediaType(headerValue(h, 'content-type')),
        framing.kind === 'len' ? framing.n : undefined,
        this.context(txn, undefined, undefined),
      ),
      ts,
    )
    this.startBody(sd, framing)
  }

  private response(sd: Side, h: HttpHead, ts: number): void {
    if (this.requests > 0 && !this.confirmed) {
      this.confirmed = true
      this.ctx.confirm('http')
    }
    if (h.status >= 100 && h.status < 200 && h.status !== 101) return
    let txn = this.pending.shift()
    if (txn === undefined) {
      this.ctx.weird('http.response_without_request')
      txn = {
        depth: ++this.requests,
        ts,
        method: '-',
        uri: '-',
        host: undefined,
        ua: undefined,
        reqBodyLen: 0,
        status: undefined,
        reason: undefined,
        mime: undefined,
        respBodyLen: 0,
      }
    }
    txn.status = h.status
    txn.reason = h.reason
    txn.mime = mediaType(headerValue(h, 'content-type'))
    sd.txn = txn
    if (h.status === 101 || (txn.method === 'CONNECT' && h.status >= 200 && h.status < 300)) {
      // The connection now carries another protocol: stop parsing both directions.
      this.emitTxn(txn, ts)
      sd.txn = undefined
      sd.state = S.Dead
      this.side[0].state = S.Dead
      return
    }
    const framing = txn.method === 'HEAD' || h.status === 204 || h.status === 304 ? NO_BODY : this.framing(h, true)
    if (framing.kind === 'none') {
      this.emitTxn(txn, ts)
      sd.txn = undefined
      return
    }
    const range = headerValue(h, 'content-range')
    sd.file = this.ctx.openFile(
      fileSpec(
        txn.uri,
        'download',
        txn.mime,
        framing.kind === 'len' ? framing.n : undefined,
        this.context(txn, h.status, range),
      ),
      ts,
    )
    this.startBody(sd, framing)
  }

  private context(txn: Txn, status: number | undefined, range: string | undefined): Record<string, string | number> {
    const c: Record<string, string | number> = { method: txn.method, uri: txn.uri }
    if (txn.host !== undefined) c.host = txn.host
    if (txn.ua !== undefined) c.user_agent = txn.ua
    if (status !== undefined) c.status = status
    if (range !== undefined) c.content_range = range
    return c
  }

  private framing(h: HttpHead, response: boolean): Framing {
    const te = headerValue(h, 'transfer-encoding')
    if (te?.toLowerCase().includes('chunked')) return CHUNKED
    const cl = headerValue(h, 'content-length')
    if (cl !== undefined) {
      const v = cl.split(',')[0]?.trim() ?? ''
      if (/^[0-9]{1,15}$/.test(v)) {
        const n = Number(v)
        return n === 0 ? NO_BODY : { kind: 'len', n }
      }
      this.ctx.weird('http.bad_content_length')
    }
    return response ? CLOSE : NO_BODY
  }

  private startBody(sd: Side, f: Framing): void {
    if (f.kind === 'len') {
      sd.state = S.Len
      sd.remaining = f.n
    } else if (f.kind === 'chunked') {
      sd.state = S.ChunkSize
      sd.remaining = 0
      sd.trailerBytes = -1
    } else {
      sd.state = S.Close
    }
  }

  private body(dir: Dir, sd: Side, buf: Buffer, off: number, end: number, ts: number): number {
    let n = end - off
    if (sd.state !== S.Close) n = Math.min(n, sd.remaining)
    sd.file?.write(buf, off, off + n)
    this.count(dir, sd, n)
    if (sd.state === S.Close) return end
    sd.remaining -= n
    if (sd.remaining === 0) {
      if (sd.state === S.Len) this.endBody(dir, sd, ts, true)
      else {
        sd.state = S.ChunkCrlf
        sd.crlfSeen = 0
      }
    }
    return off + n
  }

  private count(dir: Dir, sd: Side, n: number): void {
    const t = sd.txn
    if (t === undefined) return
    if (dir === 0) t.reqBodyLen += n
    else t.respBodyLen += n
  }

  private chunkSize(dir: Dir, sd: Side, buf: Buffer, off: number, end: number, ts: number): number {
    let src = buf
    let s = off
    let e = end
    let before = 0
    if (sd.carryLen > 0) {
      before = sd.carryLen
      this.stash(sd, buf, off, end, LINE_CAP)
      src = sd.carry as Buffer
      s = 0
      e = sd.carryLen
    }
    const r = decodeChunkSize(src, s, e, LINE_CAP)
    if (!r.ok) {
      if (r.error.code === 'http.truncated') {
        if (sd.carryLen === 0) this.stash(sd, buf, off, end, LINE_CAP)
        else if (sd.carryLen >= LINE_CAP) {
          this.fatal(dir, sd, 'http.chunk_size_invalid', ts)
        }
        return end
      }
      sd.carryLen = 0
      this.fatal(dir, sd, r.error.code, ts)
      return end
    }
    const consumed = sd.carryLen > 0 ? r.next - before : r.next - off
    sd.carryLen = 0
    if (r.value === 0) {
      if (sd.trailerBytes === -1) this.ctx.weird('http.chunked_empty')
      sd.state = S.Trailer
      sd.trailerBytes = 0
    } else {
      sd.trailerBytes = 0
      sd.state = S.ChunkData
      sd.remaining = r.value
    }
    return off + consumed
  }

  private trailer(dir: Dir, sd: Side, buf: Buffer, off: number, end: number, ts: number): number {
    // Trailer lines until an empty line; only the empty line matters, so no carry is needed.
    let p = off
    while (p < end) {
      const nl = buf.indexOf(10, p)
      if (nl < 0 || nl >= end) {
        // A lone CR at a segment boundary may still be the start of the empty line.
        sd.trailerCr = sd.trailerBytes === 0 && end - p === 1 && buf[p] === 13
        sd.trailerBytes += end - p
        if (sd.trailerBytes > TRAILER_CAP) this.fatal(dir, sd, 'http.trailer_too_long', ts)
        return end
      }
      const len = nl - p + sd.trailerBytes
      const cr = nl === p ? sd.trailerCr : buf[p] === 13
      sd.trailerBytes = 0
      sd.trailerCr = false
      if (len === 0 || (len === 1 && cr)) {
        this.endBody(dir, sd, ts, true)
        return nl + 1
      }
      p = nl + 1
    }
    return end
  }

  private endBody(dir: Dir, sd: Side, ts: number, complete: boolean): void {
    sd.file?.close(ts, complete)
    sd.file = undefined
    if (sd.state !== S.Dead) sd.state = S.Head
    const t = sd.txn
    sd.txn = undefined
    if (dir === 1 && t !== undefined) this.emitTxn(t, ts)
  }

  onGap(dir: Dir, bytes: number, ts: number): void {
    const sd = this.side[dir]
    if (sd.state === S.Close) {
      sd.file?.gap(bytes)
      this.count(dir, sd, bytes)
      return
    }
    if ((sd.state === S.Len || sd.state === S.ChunkData) && bytes <= sd.remaining) {
      sd.file?.gap(bytes)
      this.count(dir, sd, bytes)
      sd.remaining -= bytes
      if (sd.remaining === 0) {
        if (sd.state === S.Len) this.endBody(dir, sd, ts, false)
        else {
          sd.state = S.ChunkCrlf
          sd.crlfSeen = 0
        }
      }
      return
    }
    if (sd.state === S.Dead) return
    if (sd.state === S.Head && sd.carryLen === 0 && sd.txn === undefined) {
      // Between messages: the next head cannot be found reliably after a hole.
      this.ctx.weird('http.gap_lost_sync')
      sd.state = S.Dead
      return
    }
    sd.file?.gap(Math.min(bytes, sd.remaining))
    this.fatal(dir, sd, 'http.gap_lost_sync', ts)
  }

  onEnd(ts: number): void {
    for (const dir of [0, 1] as const) {
      const sd = this.side[dir]
      if (sd.file !== undefined || sd.txn !== undefined) {
        // A close-delimited body ends with the connection: that is its normal end.
        this.endBody(dir, sd, ts, sd.state === S.Close)
      }
    }
    for (const t of this.pending.splice(0)) this.emitTxn(t, ts)
  }

  private emitTxn(t: Txn, ts: number): void {
    const c = this.ctx.conn
    const i = this.pending.indexOf(t)
    if (i >= 0) this.pending.splice(i, 1)
    const ev: Record<string, unknown> = {
      kind: 'http',
      ts: t.ts,
      source: '',
      ...connFields(c),
      trans_depth: t.depth,
      method: t.method,
      uri: t.uri,
      request_body_len: t.reqBodyLen,
      response_body_len: t.respBodyLen,
    }
    if (t.host !== undefined) ev.host = t.host
    if (t.ua !== undefined) ev.user_agent = t.ua
    if (t.status !== undefined) ev.status_code = t.status
    if (t.reason !== undefined) ev.status_msg = t.reason
    if (t.mime !== undefined) ev.resp_mime = t.mime
    void ts
    this.ctx.emit(ev as unknown as HttpEvent)
  }
}

type Framing = { kind: 'none' } | { kind: 'len'; n: number } | { kind: 'chunked' } | { kind: 'close' }
const NO_BODY: Framing = { kind: 'none' }
const CHUNKED: Framing = { kind: 'chunked' }
const CLOSE: Framing = { kind: 'close' }

/**
 * The FileOpen of a request (upload, sent by the originator) or response (download) body. Built by assignment,
 * not by spreading optional parts into a literal (a spread takes V8's slow object-copy path on every body).
 */
function fileSpec(
  uri: string,
  direction: 'upload' | 'download',
  mime: string | undefined,
  totalBytes: number | undefined,
  context: Record<string, string | number>,
): FileOpen {
  const spec: { -readonly [K in keyof FileOpen]: FileOpen[K] } = {
    proto: 'http',
    direction,
    senderIsOrig: direction === 'upload',
    context,
  }
  const name = uriFileName(uri)
  if (name !== undefined) spec.name = name
  if (mime !== undefined) spec.mime = mime
  if (totalBytes !== undefined) spec.totalBytes = totalBytes
  return spec
}

/** The HTTP analyzer spec: probes a request line (to server) or a status line (to client). */
export const HTTP_SPEC: AnalyzerSpec = {
  name: 'http',
  transport: 'tcp',
  ports: [80, 8080, 8000, 8008, 8888, 3128, 81],
  probe(dir, buf, off, end) {
    return dir === 0 ? probeHttpRequest(buf, off, end) : probeHttpResponse(buf, off, end)
  },
  create(ctx) {
    return new HttpAnalyzer(ctx)
  },
}
