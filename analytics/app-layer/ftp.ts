/**
 * FTP analyzers (RFC 959 §4-§5, RFC 2428, RFC 3659). `ftp` follows the control channel on any port: client command
 * lines and server replies (multi-line replies joined), pairs each command with its final reply and emits one
 * FtpEvent per pair (1xx replies are preliminary: a 150's `(N bytes)` is kept as the announced size). USER is kept;
 * PASS is never stored nor logged (its argument is dropped at parse time). Data channels are announced to the
 * manager with `ctx.expect`: passive (227 PASV / 229 EPSV) as client → server:port, active (PORT / EPRT, on the 200
 * reply) as server (any port, usually 20) → client:port. The expectation's parent is a shared object that the
 * control channel fills when the transfer command (RETR/STOR/APPE/STOU/LIST/NLST/MLSD) arrives, so `ftp-data`
 * learns the command, file name, user and size even when the client connects before sending RETR (curl does).
 * `ftp-data` (no probe) writes the bytes into the file pipeline (file_proto `ftp`) on the data flow and closes
 * the file when the data flow ends (complete when no bytes are missing and the announced size, if any, matches).
 * A line without CRLF within the buffer cap → weird `ftp.line_too_long` and the analyzer stops for the flow; AUTH
 * TLS accepted (234) → the analyzer stops (the rest is encrypted).
 */
import {
  decodeFtpCommand,
  decodeFtpReply,
  type FtpHostPort,
  parseFtp150Size,
  parseFtp213Size,
  parseFtpEprt,
  parseFtpEpsv,
  parseFtpHostPort,
  probeFtp,
} from '../../decoders/app/ftp.js'
import type { FtpEvent } from '../events.js'
import { connFields } from './conn-fields.js'
import type { AnalyzerSpec, AppContext, Dir, FileWriter, StreamAnalyzer } from './types.js'

/** Longest control line kept (RFC 959 has no limit; real lines are < 1 KiB). Capped again by ctx.maxBuffer. */
export const FTP_MAX_LINE = 8192
/** Commands waiting for their reply (pipelining clients); older ones are reported without a reply. */
export const FTP_MAX_PENDING = 32
/** Lines joined into one multi-line reply before the rest is dropped. */
export const FTP_MAX_REPLY_LINES = 64
/** Seconds a data-channel expectation lives. */
export const FTP_EXPECT_S = 120

const TRANSFER_CMDS = new Set(['RETR', 'STOR', 'APPE', 'STOU', 'LIST', 'NLST', 'MLSD'])

/** The transfer a data connection belongs to, filled by the control channel. */
export interface FtpTransferInfo {
  readonly command: string
  readonly filename?: string
  readonly user?: string
  /** Size announced by 213 SIZE or 150 `(N bytes)`. */
  size?: number
  /** Control connection uid. */
  readonly controlUid: string
  /** Final reply code of the transfer command once seen (226, 426, 550...). */
  replyCode?: number
}

/** Shared by reference between the control analyzer and the data connection's analyzer. */
export interface FtpDataParent {
  readonly passive: boolean
  transfer?: FtpTransferInfo
}

interface Pending {
  readonly command: string
  readonly arg: string
  readonly ts: number
  size?: number
}

class LineBuffer {
  private buf: Buffer | undefined
  private len = 0
  constructor(private readonly cap: number) {}

  /** Splits the bytes into lines (without CR/LF), calling `line` for each; false when a line exceeds the cap. */
  push(data: Buffer, off: number, end: number, line: (b: Buffer, o: number, e: number) => void): boolean {
    while (off < end) {
      const lf = data.indexOf(0x0a, off)
      const stop = lf < 0 || lf >= end ? end : lf
      if (this.len + (stop - off) > this.cap) return false
      if (stop === end) {
        this.append(data, off, end)
        return true
      }
      let b: Buffer
      let o: number
      let e: number
      if (this.len > 0) {
        this.append(data, off, stop)
        b = this.buf as Buffer
        o = 0
        e = this.len
        this.len = 0
      } else {
        b = data
        o = off
        e = stop
      }
      if (e > o && b[e - 1] === 0x0d) e--
      line(b, o, e)
      off = stop + 1
    }
    return true
  }

  private append(data: Buffer, off: number, end: number): void {
    const n = end - off
    if (n === 0) return
    if (this.buf === undefined || this.buf.length < this.len + n) {
      const nb = Buffer.allocUnsafe(Math.min(this.cap, Math.max(256, (this.len + n) * 2)))
      if (this.buf !== undefined) this.buf.copy(nb, 0, 0, this.len)
      this.buf = nb
    }
    data.copy(this.buf, this.len, off, end)
    this.len += n
  }
}

class FtpControlAnalyzer implements StreamAnalyzer {
  private readonly lines: [LineBuffer, LineBuffer]
  private stopped = false
  private user: string | undefined
  private readonly pending: Pending[] = []
  /** Multi-line reply being joined: its code and text lines. */
  private multi: { code: number; lines: string[] } | undefined
  private sawCommand = false
  private confirmed = false
  /** Last announced data channel not yet used by a transfer command. */
  private dataParent: FtpDataParent | undefined
  private dataChannel: FtpEvent['data_channel']
  /** SIZE result per file name (most recent), to annotate RETR. */
  private lastSize: { name: string; size: number } | undefined

  constructor(private readonly ctx: AppContext) {
    const cap = Math.max(64, Math.min(FTP_MAX_LINE, ctx.maxBuffer >> 1))
    this.lines = [new LineBuffer(cap), new LineBuffer(cap)]
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (this.stopped) return
    const ok = this.lines[dir].push(buf, off, end, (b, o, e) => {
      if (this.stopped) return
      if (dir === 0) this.onCommand(b, o, e, ts)
      else this.onReplyLine(b, o, e, ts)
    })
    if (!ok) {
      this.ctx.weird('ftp.line_too_long')
      this.stopped = true
    }
  }

  onGap(_dir: Dir, _bytes: number, _ts: number): void {
    // Line framing is lost; stop rather than misparse (Zeek's FTP analyzer does the same on content gaps).
    this.ctx.weird('ftp.content_gap')
    this.stopped = true
  }

  onEnd(ts: number): void {
    for (const p of this.pending.splice(0)) this.emit(p, undefined, ts)
  }

  private onCommand(b: Buffer, o: number, e: number, ts: number): void {
    if (e === o) return
    const r = decodeFtpCommand(b, o, e)
    if (!r.ok) {
      this.ctx.weird(r.error.code)
      return
    }
    const { command } = r.value
    // Never keep the password, not even in memory.
    const arg = command === 'PASS' ? '' : r.value.arg
    this.sawCommand = true
    if (command === 'USER') this.user = arg
    if (TRANSFER_CMDS.has(command)) this.startTransfer(command, arg)
    if (this.pending.length >= FTP_MAX_PENDING) {
      const old = this.pending.shift()
      if (old !== undefined) this.emit(old, undefined, ts)
    }
    this.pending.push({ command, arg, ts })
  }

  private startTransfer(command: string, arg: string): void {
    const p = this.dataParent
    if (p === undefined) return
    this.dataParent = undefined
    const info: { -readonly [K in keyof FtpTransferInfo]: FtpTransferInfo[K] } = {
      command,
      controlUid: this.ctx.conn.uid,
    }
    if (arg !== '' && command !== 'LIST' && command !== 'NLST' && command !== 'MLSD') info.filename = arg
    if (this.user !== undefined) info.user = this.user
    if (this.lastSize !== undefined && this.lastSize.name === arg) info.size = this.lastSize.size
    p.transfer = info
    this.lastTransfer = info
  }

  private onReplyLine(b: Buffer, o: number, e: number, ts: number): void {
    if (this.multi !== undefined) {
      const m = this.multi
      // RFC 959 §4.2: the last line starts with the same code followed by a space.
      if (e - o >= 4 && b[o + 3] === 0x20 && b.toString('latin1', o, o + 3) === String(m.code)) {
        if (m.lines.length < FTP_MAX_REPLY_LINES) m.lines.push(b.toString('utf8', o + 4, e))
        this.multi = undefined
        this.onReply(m.code, m.lines.join('\n'), ts)
      } else if (m.lines.length < FTP_MAX_REPLY_LINES) m.lines.push(b.toString('utf8', o, e))
      return
    }
    const r = decodeFtpReply(b, o, e)
    if (!r.ok) {
      this.ctx.weird(r.error.code)
      return
    }
    if (r.value.continued) {
      this.multi = { code: r.value.code, lines: [r.value.text] }
      return
    }
    this.onReply(r.value.code, r.value.text, ts)
  }

  private onReply(code: number, text: string, ts: number): void {
    const cur = this.pending[0]
    if (cur === undefined) return // the greeting, or an unsolicited reply
    if (!this.confirmed && this.sawCommand) {
      this.confirmed = true
      this.ctx.confirm('ftp')
    }
    if (code >= 100 && code < 200) {
      if (code === 150 || code === 125) {
        const size = parseFtp150Size(text)
        if (size !== undefined) {
          cur.size = size
          const t = this.transferOf(cur)
          if (t !== undefined) t.size = size
        }
      }
      return
    }
    this.pending.shift()
    this.onFinal(cur, code, text, ts)
    this.emit(cur, { code, text }, ts)
  }

  private transferOf(p: Pending): FtpTransferInfo | undefined {
    return this.lastTransfer !== undefined && this.lastTransfer.command === p.command ? this.lastTransfer : undefined
  }

  private lastTransfer: FtpTransferInfo | undefined

  private onFinal(p: Pending, code: number, text: string, ts: number): void {
    const c = this.ctx.conn
    switch (p.command) {
      case 'PASV':
        if (code === 227) {
          const hp = parseFtpHostPort(text)
          if (hp !== undefined) this.announce(true, c.orig_h, c.resp_h, hp, ts)
        }
        break
      case 'EPSV':
        if (code === 229) {
          const hp = parseFtpEpsv(text)
          if (hp !== undefined) this.announce(true, c.orig_h, c.resp_h, hp, ts)
        }
        break
      case 'PORT':
      case 'EPRT':
        if (code === 200) {
          const hp = p.command === 'PORT' ? parseFtpHostPort(p.arg) : parseFtpEprt(p.arg)
          if (hp === undefined) this.ctx.weird('ftp.bad_port_arg')
          else {
            if (hp.host !== undefined && hp.host !== c.orig_h) this.ctx.weird('ftp.port_host_mismatch', hp.host)
            this.announce(false, c.resp_h, hp.host ?? c.orig_h, hp, ts)
          }
        }
        break
      case 'SIZE':
        if (code === 213) {
          const n = parseFtp213Size(text)
          if (n !== undefined) {
            this.lastSize = { name: p.arg, size: n }
            p.size = n
          }
        }
        break
      case 'AUTH':
        if (code === 234) this.stopped = true
        break
      default:
        break
    }
    if (this.lastTransfer !== undefined && this.lastTransfer.command === p.command) this.lastTransfer.replyCode = code
  }

  /** Registers the data connection. Passive: client → server:port; active: server → client:port. */
  private announce(passive: boolean, origH: string, respH: string, hp: FtpHostPort, ts: number): void {
    const parent: FtpDataParent = { passive }
    this.dataParent = parent
    // Passive replies behind NAT announce a private address; the data connection goes to the server we see.
    const resp = passive ? this.ctx.conn.resp_h : respH
    this.dataChannel = { passive, orig_h: origH, resp_h: resp, resp_p: hp.port }
    this.ctx.expect({
      orig_h: origH,
      resp_h: resp,
      resp_p: hp.port,
      proto: 'tcp',
      analyzer: 'ftp-data',
      expiresTs: ts + FTP_EXPECT_S,
      parent,
    })
  }

  private emit(p: Pending, reply: { code: number; text: string } | undefined, ts: number): void {
    const c = this.ctx.conn
    const ev: { -readonly [K in keyof FtpEvent]: FtpEvent[K] } = {
      kind: 'ftp',
      ts,
      source: '',
      ...connFields(c),
      command: p.command,
    }
    if (this.user !== undefined) ev.user = this.user
    if (p.arg !== '') ev.arg = p.arg
    if (reply !== undefined) {
      ev.reply_code = reply.code
      ev.reply_msg = reply.text.length > 256 ? reply.text.slice(0, 256) : reply.text
    }
    if (p.size !== undefined) ev.file_size = p.size
    if (TRANSFER_CMDS.has(p.command) && this.dataChannel !== undefined) ev.data_channel = this.dataChannel
    this.ctx.emit(ev as FtpEvent)
  }
}

class FtpDataAnalyzer implements StreamAnalyzer {
  private file: FileWriter | undefined
  private bytes = 0
  private gaps = 0

  constructor(
    private readonly ctx: AppContext,
    private readonly parent: FtpDataParent | undefined,
  ) {
    if (parent === undefined) ctx.weird('ftp.data_without_control')
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    if (end <= off) return
    if (this.file === undefined) this.open(dir, ts)
    this.bytes += end - off
    this.file?.write(buf, off, end)
  }

  onGap(_dir: Dir, bytes: number, _ts: number): void {
    this.gaps += bytes
    this.file?.gap(bytes)
  }

  private open(dir: Dir, ts: number): void {
    const t = this.parent?.transfer
    const command = t?.command ?? 'unknown'
    const context: Record<string, string | number> = { command }
    if (t?.filename !== undefined) context.filename = t.filename
    if (t?.user !== undefined) context.user = t.user
    if (t !== undefined) context.control_uid = t.controlUid
    if (this.parent !== undefined) context.passive = this.parent.passive ? 1 : 0
    const upload = command === 'STOR' || command === 'APPE' || command === 'STOU'
    this.file = this.ctx.openFile(
      {
        proto: 'ftp',
        ...(t?.filename !== undefined ? { name: t.filename } : {}),
        // Unknown command: the server sending is a download, as for RETR/LIST.
        direction: upload ? 'upload' : 'download',
        senderIsOrig: dir === 0,
        ...(t?.size !== undefined ? { totalBytes: t.size } : {}),
        context,
        conn: this.ctx.conn,
      },
      ts,
    )
  }

  onEnd(ts: number): void {
    if (this.file === undefined) return
    const size = this.parent?.transfer?.size
    const complete = this.gaps === 0 && (size === undefined || size === this.bytes)
    this.file.close(ts, complete)
    this.file = undefined
  }
}

function isDataParent(p: unknown): p is FtpDataParent {
  return typeof p === 'object' && p !== null && 'passive' in p
}

export const FTP_SPEC: AnalyzerSpec = {
  name: 'ftp',
  transport: 'tcp',
  ports: [21],
  probe: probeFtp,
  create: (ctx) => new FtpControlAnalyzer(ctx),
}

export const FTP_DATA_SPEC: AnalyzerSpec = {
  name: 'ftp-data',
  transport: 'tcp',
  ports: [],
  create: (ctx, parent) => new FtpDataAnalyzer(ctx, isDataParent(parent) ? parent : undefined),
}
