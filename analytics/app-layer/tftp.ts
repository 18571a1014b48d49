/**
 * TFTP analyzers (RFC 1350 §4-§5, RFC 2347-2349). `tftp` runs on the request flow (client → server:69): each RRQ/WRQ
 * registers an expected connection for the data phase, which RFC 1350 §4 puts on NEW transfer ids: the server
 * answers from a fresh port to the client's request port. The expectation is written in the orientation the flow
 * table sees first (the server sends the first datagram of the data phase: DATA 1 for a read, ACK 0 or OACK for a
 * write): `orig_h` = server, `orig_p` = any (the new TID is unknown), `resp_h` = client, `resp_p` = the client's
 * request port; the manager also matches the reverse orientation. `tftp-data` (no probe) follows that flow: block
 * numbers (retransmitted blocks are not counted twice, 16-bit rollover accepted), bytes into the file pipeline
 * (file_proto `tftp`), the end on the first block shorter than blksize, ERROR packets with code and message.
 * One TftpEvent per transfer, on the REQUEST flow's identity (uid and 5-tuple of client → server:69) with
 * `data_port` = the server's new port; the FileEvent is on the data flow and carries `request_uid` in its context.
 * A server that answers from port 69 itself (seen in the wild) is followed on the request flow.
 * A request whose data phase never appears is reported when the request flow ends (blocks 0, complete false).
 * Not handled: RFC 7440 windowsize (blocks are still counted), netascii CR/LF translation (bytes as sent).
 */
import {
  decodeTftp,
  probeTftp,
  TFTP_ACK,
  TFTP_DATA,
  TFTP_ERROR,
  TFTP_OACK,
  type TftpRequest,
} from '../../decoders/app/tftp.js'
import type { ConnId, TftpEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, DatagramAnalyzer, Dir, FileWriter } from './types.js'

/** Seconds the data-phase expectation lives (RFC 1350 leaves it to the implementation; tftp-hpa retries ~25 s). */
export const TFTP_EXPECT_S = 30
/** Most requests tracked per request flow (a client reusing one port for many requests). */
export const TFTP_MAX_REQUESTS = 64

/** What the request flow hands the data-phase analyzer (shared by reference: `reported` is set by whoever reports). */
export interface TftpParent {
  readonly request: TftpRequest
  /** The request flow (TftpEvents are reported on it). */
  readonly conn: ConnId
  readonly ts: number
  reported: boolean
  /** True once a data-phase analyzer took the transfer. */
  attached: boolean
}

/** Follows one transfer (the data phase), wherever its datagrams arrive. */
class TftpTransfer {
  private blksize = 512
  private lastBlock = -1
  private blocks = 0
  private bytes = 0
  private dups = 0
  private file: FileWriter | undefined
  private dataDir: Dir | undefined
  private done = false
  private errorCode: number | undefined
  private errorMsg: string | undefined
  private complete = false
  private options: Record<string, string>
  private dataPort: number | undefined

  constructor(
    private readonly ctx: AppContext,
    private readonly parent: TftpParent,
    /** Port of the server's TID on this flow, or undefined when it is still 69. */
    serverPort: number | undefined,
  ) {
    this.options = { ...parent.request.options }
    this.dataPort = serverPort
  }

  get finished(): boolean {
    return this.done
  }

  onPacket(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (this.done) return
    const r = decodeTftp(buf, off, end)
    if (!r.ok) {
      this.ctx.weird(r.error.code)
      return
    }
    const p = r.value
    switch (p.opcode) {
      case TFTP_OACK: {
        for (const [k, v] of Object.entries(p.options)) this.options[k] = v
        const b = Number(p.options.blksize)
        // RFC 2348: 8..65464.
        if (Number.isInteger(b) && b >= 8 && b <= 65464) this.blksize = b
        return
      }
      case TFTP_DATA: {
        if (this.dataDir === undefined) this.dataDir = dir
        else if (dir !== this.dataDir) {
          this.ctx.weird('tftp.data_both_directions')
          return
        }
        const expected = (this.lastBlock + 1) & 0xffff
        if (this.lastBlock >= 0 && p.block === this.lastBlock) {
          this.dups++
          return
        }
        const len = p.dataEnd - p.dataOff
        if (this.file === undefined) this.openFile(dir, ts)
        if (this.lastBlock < 0 ? p.block !== 1 : p.block !== expected) {
          if (this.lastBlock >= 0 && ((p.block - this.lastBlock) & 0xffff) > 0x8000) {
            // An older block than the last one: a late retransmission.
            this.dups++
            return
          }
          const missing = ((p.block - Math.max(this.lastBlock, 0) - 1) & 0xffff) * this.blksize
          this.ctx.weird('tftp.block_gap')
          this.file?.gap(missing)
        }
        this.lastBlock = p.block
        this.blocks++
        this.bytes += len
        this.file?.write(buf, p.dataOff, p.dataEnd)
        if (len < this.blksize) {
          this.complete = true
          this.finish(ts)
        }
        return
      }
      case TFTP_ERROR:
        this.errorCode = p.errorCode
        this.errorMsg = p.message
        this.finish(ts)
        return
      case TFTP_ACK:
        return
      default:
        // A second request on the data flow is not part of this transfer.
        this.ctx.weird('tftp.unexpected_request')
    }
  }

  private openFile(dir: Dir, ts: number): void {
    const req = this.parent.request
    const tsize = Number(this.options.tsize)
    const ctxFields: Record<string, string | number> = {
      filename: req.filename,
      mode: req.mode,
      request_uid: this.parent.conn.uid,
    }
    this.file = this.ctx.openFile(
      {
        proto: 'tftp',
        name: req.filename,
        direction: req.opcode === 1 ? 'download' : 'upload',
        senderIsOrig: dir === 0,
        ...(Number.isInteger(tsize) && tsize > 0 ? { totalBytes: tsize } : {}),
        context: ctxFields,
      },
      ts,
    )
  }

  /** Ends the transfer: closes the file and emits the TftpEvent (once). */
  finish(ts: number): void {
    if (this.done) return
    this.done = true
    this.file?.close(ts, this.complete)
    this.file = undefined
    if (this.parent.reported) return
    this.parent.reported = true
    const ev: {
      -readonly [K in keyof TftpEvent]: TftpEvent[K]
    } = {
      ...requestFields(this.parent, ts),
      blocks: this.blocks,
      bytes: this.bytes,
      complete: this.complete,
    }
    if (Object.keys(this.options).length > 0) ev.options = this.options
    if (this.errorCode !== undefined) ev.error_code = this.errorCode
    if (this.errorMsg !== undefined) ev.error_msg = this.errorMsg
    if (this.dataPort !== undefined) ev.data_port = this.dataPort
    if (this.dups > 0) this.ctx.weird('tftp.retransmission', String(this.dups))
    this.ctx.emit(ev as TftpEvent)
  }
}

/** The leading fields of the request's TftpEvent: its connection, operation, file name and mode. */
function requestFields(
  p: TftpParent,
  ts: number,
): Pick<TftpEvent, 'kind' | 'ts' | 'source' | keyof ConnId | 'op' | 'filename' | 'mode'> {
  const req = p.request
  return {
    kind: 'tftp',
    ts,
    source: '',
    ...connFields(p.conn),
    op: req.opcode === 1 ? 'read' : 'write',
    filename: req.filename,
    mode: req.mode,
  }
}

/** Emits the TftpEvent of a request whose data phase was never seen. */
function reportUnanswered(ctx: AppContext, p: TftpParent, ts: number): void {
  if (p.reported) return
  p.reported = true
  const ev: TftpEvent = {
    ...requestFields(p, ts),
    ...(Object.keys(p.request.options).length > 0 ? { options: p.request.options } : {}),
    blocks: 0,
    bytes: 0,
    complete: false,
  }
  ctx.emit(ev)
}

class TftpRequestAnalyzer implements DatagramAnalyzer {
  private readonly requests: TftpParent[] = []
  /** A transfer answered from port 69 on this same flow (non-RFC servers). */
  private inline: TftpTransfer | undefined

  constructor(private readonly ctx: AppContext) {}

  onDatagram(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (dir === 0 && end - off >= 2) {
      const op = buf.readUInt16BE(off)
      if (op === 1 || op === 2) {
        const r = decodeTftp(buf, off, end)
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return
        }
        if (r.value.opcode !== 1 && r.value.opcode !== 2) return
        this.request(r.value, ts)
        return
      }
    }
    // Anything else on the request flow: the server kept port 69, or the client's DATA/ACK for such a transfer.
    const last = this.requests[this.requests.length - 1]
    if (last === undefined) {
      const r = decodeTftp(buf, off, end)
      this.ctx.weird(r.ok ? 'tftp.no_request' : r.error.code)
      return
    }
    if (this.inline === undefined && !last.attached) {
      last.attached = true
      this.inline = new TftpTransfer(this.ctx, last, undefined)
    }
    this.inline?.onPacket(dir, buf, off, end, ts)
  }

  private request(req: TftpRequest, ts: number): void {
    const c = this.ctx.conn
    const parent: TftpParent = { request: req, conn: c, ts, reported: false, attached: false }
    if (this.requests.length >= TFTP_MAX_REQUESTS) {
      const old = this.requests.shift()
      if (old !== undefined) reportUnanswered(this.ctx, old, ts)
    }
    this.requests.push(parent)
    this.inline?.finish(ts)
    this.inline = undefined
    this.ctx.expect({
      orig_h: c.resp_h,
      resp_h: c.orig_h,
      resp_p: c.orig_p,
      proto: 'udp',
      analyzer: 'tftp-data',
      expiresTs: ts + TFTP_EXPECT_S,
      parent,
    })
  }

  onEnd(ts: number): void {
    this.inline?.finish(ts)
    for (const p of this.requests) if (!p.attached) reportUnanswered(this.ctx, p, ts)
  }
}

class TftpDataAnalyzer implements DatagramAnalyzer {
  private readonly t: TftpTransfer | undefined

  constructor(ctx: AppContext, parent: unknown) {
    if (!isTftpParent(parent)) {
      ctx.weird('tftp.no_request', 'data phase without a request')
      this.t = undefined
      return
    }
    parent.attached = true
    const c = ctx.conn
    // The server's new TID: whichever end of this flow is the request's server.
    const serverPort = c.orig_h === parent.conn.resp_h ? c.orig_p : c.resp_p
    this.t = new TftpTransfer(ctx, parent, serverPort)
    ctx.confirm('tftp')
  }

  onDatagram(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    this.t?.onPacket(dir, buf, off, end, ts)
  }

  onEnd(ts: number): void {
    this.t?.finish(ts)
  }
}

function isTftpParent(p: unknown): p is TftpParent {
  return typeof p === 'object' && p !== null && 'request' in p && 'conn' in p && 'reported' in p
}

export const TFTP_SPEC: AnalyzerSpec = {
  name: 'tftp',
  transport: 'udp',
  ports: [69],
  probe: probeTftp,
  create: (ctx) => new TftpRequestAnalyzer(ctx),
}

export const TFTP_DATA_SPEC: AnalyzerSpec = {
  name: 'tftp-data',
  transport: 'udp',
  ports: [],
  create: (ctx, parent) => new TftpDataAnalyzer(ctx, parent),
}
