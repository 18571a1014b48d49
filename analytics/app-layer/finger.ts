/**
 * Finger analyzer (RFC 1288; Zeek's finger.spicy grammar). The client's one request line is parsed
 * (`[/W ]user[@host]`), the server's reply is measured (bytes, lines) and its head sniffed with the shared magic
 * table, so a reply that is a script or a command list (the ClickFix `finger user@host | cmd` pattern) shows as
 * `reply_type: 'script'`. The reply also goes through the file pipeline (file_proto `finger`, a download) so its
 * SHA-256 and type reach FileEvents. Runs on any port where the probe says finger (TCP/79 first). Confirmed, as in
 * Zeek, when a reply line longer than 10 bytes follows a valid request. One FingerEvent per connection at its end.
 * Not handled: several requests on one connection (RFC 1288 has one), RFC 742 forwarding.
 */
import { decodeFingerRequest, FINGER_MAX_REQUEST, type FingerRequest, probeFinger } from '../../decoders/app/finger.js'
import { sniffFileType } from '../../decoders/app/magic.js'
import type { FingerEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, Dir, FileWriter, StreamAnalyzer } from './types.js'

/** Bytes of the reply kept for sniffing its type. */
export const FINGER_SNIFF_BYTES = 1024
/** Zeek accepts finger once a reply line is longer than this. */
const CONFIRM_LINE = 10

class FingerAnalyzer implements StreamAnalyzer {
  private req = Buffer.alloc(0)
  private request: FingerRequest | undefined
  private stopped = false
  private replyBytes = 0
  private replyLines = 0
  private lineLen = 0
  private readonly head: Buffer
  private headLen = 0
  private file: FileWriter | undefined
  private confirmed = false
  private lastTs = 0

  constructor(private readonly ctx: AppContext) {
    this.head = Buffer.alloc(Math.min(FINGER_SNIFF_BYTES, Math.max(64, ctx.maxBuffer >> 1)))
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (this.stopped || end <= off) return
    this.lastTs = ts
    if (dir === 0) this.onRequestBytes(buf, off, end)
    else this.onReplyBytes(buf, off, end, ts)
  }

  private onRequestBytes(buf: Buffer, off: number, end: number): void {
    if (this.request !== undefined) {
      this.ctx.weird('finger.data_after_request')
      return
    }
    if (this.req.length + (end - off) > FINGER_MAX_REQUEST + 2) {
      this.ctx.weird('finger.request_too_long')
      this.stopped = true
      return
    }
    this.req = Buffer.concat([this.req, buf.subarray(off, end)])
    const lf = this.req.indexOf(0x0a)
    if (lf < 0) return
    const r = decodeFingerRequest(this.req, 0, lf + 1)
    if (!r.ok) {
      this.ctx.weird(r.error.code)
      this.stopped = true
      return
    }
    this.request = r.value
  }

  private onReplyBytes(buf: Buffer, off: number, end: number, ts: number): void {
    if (this.file === undefined) {
      const q = this.request?.query
      this.file = this.ctx.openFile(
        {
          proto: 'finger',
          ...(q !== undefined && q !== '' ? { name: q } : {}),
          direction: 'download',
          senderIsOrig: false,
          ...(q !== undefined ? { context: { query: q } } : {}),
        },
        ts,
      )
    }
    this.file.write(buf, off, end)
    this.replyBytes += end - off
    if (this.headLen < this.head.length) {
      const n = Math.min(this.head.length - this.headLen, end - off)
      buf.copy(this.head, this.headLen, off, off + n)
      this.headLen += n
    }
    for (let i = off; i < end; i++) {
      if (buf[i] === 0x0a) {
        this.replyLines++
        if (this.lineLen > CONFIRM_LINE) this.confirm()
        this.lineLen = 0
      } else this.lineLen++
    }
    if (this.lineLen > CONFIRM_LINE) this.confirm()
  }

  private confirm(): void {
    if (this.confirmed || this.request === undefined) return
    this.confirmed = true
    this.ctx.confirm('finger')
  }

  onEnd(ts: number): void {
    const t = ts > 0 ? ts : this.lastTs
    this.file?.close(t, true)
    this.file = undefined
    if (this.request === undefined) return
    if (this.lineLen > 0) this.replyLines++
    const c = this.ctx.conn
    const q = this.request
    const ev: FingerEvent = {
      kind: 'finger',
      ts: t,
      source: '',
      ...connFields(c),
      query: q.query,
      ...(q.user !== '' ? { user: q.user } : {}),
      ...(q.host !== undefined ? { host: q.host } : {}),
      verbose: q.verbose,
      reply_bytes: this.replyBytes,
      reply_lines: this.replyLines,
      reply_type: this.replyBytes === 0 ? 'unknown' : sniffFileType(this.head, 0, this.headLen).type,
    }
    this.ctx.emit(ev)
  }
}

export const FINGER_SPEC: AnalyzerSpec = {
  name: 'finger',
  transport: 'tcp',
  ports: [79],
  probe: probeFinger,
  create: (ctx) => new FingerAnalyzer(ctx),
}
