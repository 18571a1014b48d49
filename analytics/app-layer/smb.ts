/**
 * The SMB analyzer (TCP 445/139): frames NetBIOS session messages, decodes SMB2 (and the SMB1 commands of
 * decoders/app/smb1.ts), tracks tree ids → share paths and file ids → names, and writes the data of WRITE
 * requests (uploads) and READ responses (downloads) into the file pipeline, ordered by file offset. Like
 * Zeek's smb_files, every opened non-pipe file that carries data becomes one FileEvent, closed on CLOSE or at
 * flow end. Messages are not buffered whole: only a bounded head (headers, names) is kept, and WRITE/READ data
 * is streamed. Out-of-order data within a bounded window (SMB_REORDER_FACTOR × ctx.maxBuffer per flow) is put
 * back in order; beyond it, the hole is reported as a gap. Related compounded READ/CLOSE (FileId all 0xFF after
 * a CREATE) follow the CREATE's FileId; a CLOSE sent while READs are unanswered takes effect at its response; a
 * handle whose CREATE was not seen (capture started mid-session) is tracked without a name when its tree is a
 * known disk share. Not handled: SMB3 encryption (counted `smb.encrypted`), compression, SMB1 AndX chains
 * beyond the first command, named-pipe (IPC$) payloads, DFS referrals.
 */
import {
  decodeSmb1CloseRequest,
  decodeSmb1Header,
  decodeSmb1NtCreateRequest,
  decodeSmb1NtCreateResponse,
  decodeSmb1ReadRequest,
  decodeSmb1ReadResponse,
  decodeSmb1TreeConnectRequest,
  decodeSmb1WriteRequest,
  SMB1_COM_CLOSE,
  SMB1_COM_NT_CREATE_ANDX,
  SMB1_COM_READ_ANDX,
  SMB1_COM_TREE_CONNECT_ANDX,
  SMB1_COM_WRITE_ANDX,
  type Smb1Header,
} from '../../decoders/app/smb1.js'
import {
  decodeSmb2CloseRequest,
  decodeSmb2CreateRequest,
  decodeSmb2CreateResponse,
  decodeSmb2ReadRequest,
  decodeSmb2ReadResponse,
  decodeSmb2TreeConnectRequest,
  decodeSmb2TreeConnectResponse,
  decodeSmb2WriteRequest,
  NBSS_HEADER_LEN,
  probeSmb,
  SMB2_CLOSE,
  SMB2_CREATE,
  SMB2_FLAG_RELATED,
  SMB2_HEADER_LEN,
  SMB2_READ,
  SMB2_RELATED_FILE_ID,
  SMB2_SHARE_TYPE_PIPE,
  SMB2_TREE_CONNECT,
  SMB2_WRITE,
  type Smb2Command,
  STATUS_PENDING,
  splitSmb2Compound,
} from '../../decoders/app/smb2.js'
import type { AnalyzerSpec, AppContext, Dir, FileWriter, StreamAnalyzer } from './types.js'

/** Bytes of each message kept for header/name decoding (the rest is streamed or skipped). */
export const SMB_HEAD_CAP = 8192
/** Cap on tracked trees, pending requests and open files per flow (oldest dropped first). */
export const SMB_MAX_TREES = 256
export const SMB_MAX_PENDING = 1024
export const SMB_MAX_FILES = 256
/**
 * Out-of-order window per flow, as a multiple of ctx.maxBuffer (1 MiB at the 64 KiB default). SMB2 clients
 * keep several 64 KiB READs in flight and servers answer them out of order (the mimikatz corpus capture has
 * four outstanding), so one maxBuffer is not enough to put a file back in order.
 */
export const SMB_REORDER_FACTOR = 16
/** Cap on separate out-of-order runs per file. */
export const SMB_MAX_RUNS = 64

interface SmbFile {
  /** Share path (`\\host\C$`), '' when the tree connect was not seen. */
  readonly share: string
  /** Path inside the share as sent. */
  readonly path: string
  /** Size at open (EndofFile), used as total size for reads. */
  readonly endOfFile: number
  readonly isPipe: boolean
  writer?: FileWriter
  direction?: 'upload' | 'download'
  /** Next file offset expected in order. */
  nextOff: number
  /** Out-of-order runs waiting, sorted by file offset; contiguous chunks are appended to one run. */
  pending: Run[]
  gapBytes: number
}

/** A run of contiguous out-of-order bytes starting at file offset `off`. */
interface Run {
  readonly off: number
  readonly parts: Buffer[]
  len: number
}

interface PendingCreate {
  readonly treeId: number
  readonly name: string
}

interface PendingRead {
  readonly fileKey: string
  readonly offset: number
}

/** Where the streamed data of the current message goes. */
interface Stream {
  readonly fileKey: string
  readonly direction: 'upload' | 'download'
  /** File offset of the data's first byte. */
  readonly fileOff: number
  /** Message-relative span of the data. */
  readonly start: number
  readonly end: number
}

interface DirState {
  phase: 'nbss' | 'head' | 'body' | 'lost'
  nbss: Buffer
  nbssLen: number
  /** NetBIOS type and payload length of the current message. */
  msgType: number
  msgLen: number
  /** Bytes of the current message payload consumed so far. */
  pos: number
  head: Buffer
  headTarget: number
  stream?: Stream | undefined
}

function newDir(cap: number): DirState {
  return {
    phase: 'nbss',
    nbss: Buffer.alloc(NBSS_HEADER_LEN),
    nbssLen: 0,
    msgType: 0,
    msgLen: 0,
    pos: 0,
    head: Buffer.alloc(cap),
    headTarget: 0,
  }
}

/** Sets a bounded map entry, dropping the oldest when full. */
function boundedSet<K, V>(m: Map<K, V>, k: K, v: V, cap: number): void {
  if (!m.has(k) && m.size >= cap) {
    const first = m.keys().next()
    if (!first.done) m.delete(first.value)
  }
  m.set(k, v)
}

function joinPath(share: string, path: string): string {
  const p = path.startsWith('\\') ? path.slice(1) : path
  if (share === '') return p
  return p === '' ? share : `${share}\\${p}`
}

class SmbAnalyzer implements StreamAnalyzer {
  private readonly dirs: [DirState, DirState]
  private readonly headCap: number
  /** (tree id) → share path; SMB2 and SMB1 keys are kept apart by prefix. */
  private readonly trees = new Map<string, { path: string; pipe: boolean }>()
  private readonly pendingTrees = new Map<string, string>()
  private readonly pendingCreates = new Map<string, PendingCreate>()
  private readonly pendingReads = new Map<string, PendingRead>()
  private readonly files = new Map<string, SmbFile>()
  /** CLOSE requests waiting for their response (message key → file key). */
  private readonly pendingCloses = new Map<string, string>()
  /** `rel:<CREATE message key>` → the FileId its response gave, for related compounded READ/CLOSE. */
  private readonly related = new Map<string, string>()
  /** Message key of the CREATE earlier in the compounded request being decoded. */
  private compoundCreate: string | undefined
  private confirmed = false
  /** Out-of-order bytes held across all files of the flow. */
  private pendingTotal = 0

  constructor(private readonly ctx: AppContext) {
    this.headCap = Math.max(256, Math.min(SMB_HEAD_CAP, ctx.maxBuffer))
    this.dirs = [newDir(this.headCap), newDir(this.headCap)]
  }

  onData(dir: Dir, buf: Buffer, off: number, end: number, ts: number): void {
    const st = this.dirs[dir]
    let at = off
    if (st.phase === 'lost') {
      // Resynchronise only on a chunk that starts with a NetBIOS session message holding SMB.
      if (probeSmb(buf, at, end) !== 'yes') return
      st.phase = 'nbss'
      st.nbssLen = 0
    }
    while (at < end) {
      if (st.phase === 'nbss') {
        const n = Math.min(NBSS_HEADER_LEN - st.nbssLen, end - at)
        buf.copy(st.nbss, st.nbssLen, at, at + n)
        st.nbssLen += n
        at += n
        if (st.nbssLen < NBSS_HEADER_LEN) return
        st.nbssLen = 0
        const t = st.nbss[0] ?? 0
        if (t !== 0 && t !== 0x81 && t !== 0x82 && t !== 0x83 && t !== 0x85) {
          this.ctx.weird('smb.bad_nbss_type', String(t))
          st.phase = 'lost'
          return
        }
        st.msgType = t
        st.msgLen = t === 0 ? st.nbss.readUIntBE(1, 3) : st.nbss.readUInt16BE(2) + ((st.nbss[1] ?? 0) & 1) * 65536
        st.pos = 0
        st.stream = undefined
        if (st.msgLen === 0) continue
        if (t !== 0) {
          st.phase = 'body'
          continue
        }
        st.headTarget = Math.min(st.msgLen, this.headCap)
        st.phase = 'head'
      } else if (st.phase === 'head') {
        const n = Math.min(st.headTarget - st.pos, end - at)
        buf.copy(st.head, st.pos, at, at + n)
        st.pos += n
        at += n
        if (st.pos < st.headTarget) return
        st.stream = this.onMessageHead(dir, st.head, st.headTarget, st.msgLen, ts)
        if (st.stream) this.feedStream(st.stream, st.head, 0, 0, st.headTarget, ts)
        if (st.pos >= st.msgLen) st.phase = 'nbss'
        else st.phase = 'body'
      } else if (st.phase === 'body') {
        const n = Math.min(st.msgLen - st.pos, end - at)
        if (st.stream) this.feedStream(st.stream, buf, at - st.pos, st.pos, st.pos + n, ts)
        st.pos += n
        at += n
        if (st.pos >= st.msgLen) {
          st.phase = 'nbss'
          st.stream = undefined
        }
      } else {
        return
      }
    }
  }

  onGap(dir: Dir, bytes: number, _ts: number): void {
    const st = this.dirs[dir]
    if (st.phase === 'body' && st.pos + bytes <= st.msgLen) {
      const s = st.stream
      if (s) {
        const a = Math.max(st.pos, s.start)
        const b = Math.min(st.pos + bytes, s.end)
        if (b > a) this.fileData(s.fileKey, s.direction, s.fileOff + (a - s.start), undefined, 0, b - a, _ts)
      }
      st.pos += bytes
      if (st.pos >= st.msgLen) {
        st.phase = 'nbss'
        st.stream = undefined
      }
      return
    }
    this.ctx.weird('smb.gap_lost_sync')
    st.phase = 'lost'
    st.stream = undefined
  }

  onEnd(ts: number): void {
    for (const key of [...this.files.keys()]) this.closeFile(key, ts, false)
  }

  /**
   * Feeds the part of message bytes `[from, to)` (message-relative; `buf[base + x]` is message byte x) that
   * falls inside the stream's data span.
   */
  private feedStream(s: Stream, buf: Buffer, base: number, from: number, to: number, ts: number): void {
    const a = Math.max(from, s.start)
    const b = Math.min(to, s.end)
    if (b <= a) return
    this.fileData(s.fileKey, s.direction, s.fileOff + (a - s.start), buf, base + a, base + b, ts)
  }

  /** Decodes the head of one message (the whole message when it fits) and returns where its data goes. */
  private onMessageHead(dir: Dir, head: Buffer, headLen: number, msgLen: number, ts: number): Stream | undefined {
    if (headLen < 4) return undefined
    const magic = head.readUInt32BE(0)
    if (magic === 0xfe534d42) return this.onSmb2(dir, head, headLen, msgLen, ts)
    if (magic === 0xff534d42) return this.onSmb1(dir, head, headLen, msgLen, ts)
    if (magic === 0xfd534d42) {
      this.confirm()
      this.ctx.weird('smb.encrypted')
      return undefined
    }
    if (magic === 0xfc534d42) {
      this.confirm()
      this.ctx.weird('smb.compressed')
      return undefined
    }
    this.ctx.weird('smb.bad_magic')
    return undefined
  }

  private confirm(): void {
    if (this.confirmed) return
    this.confirmed = true
    this.ctx.confirm('smb')
  }

  private onSmb2(dir: Dir, head: Buffer, headLen: number, msgLen: number, ts: number): Stream | undefined {
    const whole = headLen === msgLen
    const { commands, stop } = splitSmb2Compound(head, 0, headLen)
    if (stop && !stop.ok && (whole || commands.length === 0)) this.ctx.weird(stop.error.code)
    if (commands.length > 0) this.confirm()
    let stream: Stream | undefined
    this.compoundCreate = undefined
    for (const c of commands) {
      // With only the head of a long message, the last command's end is the message end, not the head end.
      const cmdEnd = !whole && c.header.nextCommand === 0 ? msgLen : c.end
      const s =
        dir === 0 ? this.smb2Request(c, head, headLen, cmdEnd, ts) : this.smb2Response(c, head, headLen, cmdEnd, ts)
      if (s) {
        if (s.end <= headLen) this.feedStream(s, head, 0, 0, headLen, ts)
        else if (stream === undefined) stream = s
      }
    }
    return stream
  }

  private smb2Request(c: Smb2Command, b: Buffer, headLen: number, cmdEnd: number, ts: number): Stream | undefined {
    const h = c.header
    const body = c.off + SMB2_HEADER_LEN
    const key = `2:${h.messageId}`
    switch (h.command) {
      case SMB2_TREE_CONNECT: {
        const r = decodeSmb2TreeConnectRequest(b, c.off, body, Math.min(c.end, headLen))
        if (!r.ok) this.ctx.weird(r.error.code)
        else boundedSet(this.pendingTrees, key, r.value.path, SMB_MAX_PENDING)
        return undefined
      }
      case SMB2_CREATE: {
        const r = decodeSmb2CreateRequest(b, c.off, body, Math.min(c.end, headLen))
        if (!r.ok) this.ctx.weird(r.error.code)
        else {
          boundedSet(this.pendingCreates, key, { treeId: h.treeId, name: r.value.name }, SMB_MAX_PENDING)
          this.compoundCreate = key
        }
        return undefined
      }
      case SMB2_CLOSE: {
        const r = decodeSmb2CloseRequest(b, body, Math.min(c.end, headLen))
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        const fk = this.relatedKey(h.flags, r.value.fileId)
        // Close at once unless READs of the file are still unanswered (or it is a related compounded CLOSE):
        // then at the CLOSE response, after their data.
        if (fk.startsWith('rel:') || this.readsPending(fk)) boundedSet(this.pendingCloses, key, fk, SMB_MAX_PENDING)
        else this.closeFile(fk, ts, true)
        return undefined
      }
      case SMB2_READ: {
        const r = decodeSmb2ReadRequest(b, body, Math.min(c.end, headLen))
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        const fk = this.relatedKey(h.flags, r.value.fileId)
        if (fk.startsWith('rel:') || this.files.has(fk) || this.adoptHandle(fk, h.treeId, ts)) {
          boundedSet(this.pendingReads, key, { fileKey: fk, offset: r.value.offset }, SMB_MAX_PENDING)
        }
        return undefined
      }
      case SMB2_WRITE: {
        const r = decodeSmb2WriteRequest(b, body, Math.min(c.end, headLen))
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        const w = r.value
        if (w.dataLength === 0) return undefined
        if (!this.files.has(w.fileId) && !this.adoptHandle(w.fileId, h.treeId, ts)) return undefined
        const start = c.off + w.dataOffset
        const end = Math.min(start + w.dataLength, cmdEnd)
        if (end < start + w.dataLength) this.ctx.weird('smb2.write_data_beyond_message')
        return { fileKey: w.fileId, direction: 'upload', fileOff: w.offset, start, end }
      }
      default:
        return undefined
    }
  }

  private smb2Response(c: Smb2Command, b: Buffer, headLen: number, cmdEnd: number, ts: number): Stream | undefined {
    const h = c.header
    if (h.status === STATUS_PENDING) return undefined
    const body = c.off + SMB2_HEADER_LEN
    const key = `2:${h.messageId}`
    const ok = h.status === 0
    switch (h.command) {
      case SMB2_TREE_CONNECT: {
        const path = this.pendingTrees.get(key)
        this.pendingTrees.delete(key)
        if (!ok || path === undefined) return undefined
        const r = decodeSmb2TreeConnectResponse(b, body, Math.min(c.end, headLen))
        if (!r.ok) this.ctx.weird(r.error.code)
        else {
          const pipe = r.value.shareType === SMB2_SHARE_TYPE_PIPE || /\\IPC\$$/i.test(path)
          boundedSet(this.trees, `2:${h.treeId}`, { path, pipe }, SMB_MAX_TREES)
        }
        return undefined
      }
      case SMB2_CREATE: {
        const req = this.pendingCreates.get(key)
        this.pendingCreates.delete(key)
        if (!ok || req === undefined) return undefined
        const r = decodeSmb2CreateResponse(b, body, Math.min(c.end, headLen))
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        // Directories (FILE_ATTRIBUTE_DIRECTORY) carry no file data.
        if ((r.value.fileAttributes & 0x10) !== 0) return undefined
        boundedSet(this.related, `rel:${key}`, r.value.fileId, SMB_MAX_PENDING)
        const tree = this.trees.get(`2:${req.treeId}`)
        this.openHandle(r.value.fileId, tree, req.name, r.value.endOfFile, ts)
        return undefined
      }
      case SMB2_CLOSE: {
        const fk = this.pendingCloses.get(key)
        this.pendingCloses.delete(key)
        if (fk === undefined) return undefined
        const id = fk.startsWith('rel:') ? this.related.get(fk) : fk
        if (id !== undefined) this.closeFile(id, ts, true)
        return undefined
      }
      case SMB2_READ: {
        const pr = this.pendingReads.get(key)
        this.pendingReads.delete(key)
        const fileKey = pr?.fileKey.startsWith('rel:') ? this.related.get(pr.fileKey) : pr?.fileKey
        const req = pr && fileKey !== undefined ? { fileKey, offset: pr.offset } : undefined
        if (!ok || req === undefined) return undefined
        const r = decodeSmb2ReadResponse(b, body, Math.min(c.end, headLen))
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        if (r.value.dataLength === 0) return undefined
        const start = c.off + r.value.dataOffset
        const end = Math.min(start + r.value.dataLength, cmdEnd)
        return { fileKey: req.fileKey, direction: 'download', fileOff: req.offset, start, end }
      }
      default:
        return undefined
    }
  }

  /** The key of the file a command refers to: its FileId, or `rel:<CREATE key>` for a related compounded one. */
  private relatedKey(flags: number, fileId: string): string {
    if ((flags & SMB2_FLAG_RELATED) !== 0 && fileId === SMB2_RELATED_FILE_ID && this.compoundCreate !== undefined) {
      return `rel:${this.compoundCreate}`
    }
    return fileId
  }

  /** True when some READ of `fileKey` is unanswered. */
  private readsPending(fileKey: string): boolean {
    for (const r of this.pendingReads.values()) if (r.fileKey === fileKey) return true
    return false
  }

  /**
   * A handle whose CREATE was not seen (capture started mid-session): tracked without a name when its tree is
   * a known disk share.
   */
  private adoptHandle(fileKey: string, treeId: number, ts: number): boolean {
    const tree = this.trees.get(`2:${treeId}`)
    if (tree === undefined || tree.pipe || fileKey === SMB2_RELATED_FILE_ID) return false
    this.openHandle(fileKey, tree, '', 0, ts)
    return true
  }

  private onSmb1(dir: Dir, b: Buffer, headLen: number, msgLen: number, ts: number): Stream | undefined {
    const hr = decodeSmb1Header(b, 0, headLen)
    if (!hr.ok) {
      this.ctx.weird(hr.error.code)
      return undefined
    }
    this.confirm()
    const h = hr.value
    const key = `1:${h.uid}:${h.pid}:${h.mid}`
    const lim = headLen
    if (dir === 0) {
      switch (h.command) {
        case SMB1_COM_TREE_CONNECT_ANDX: {
          const r = decodeSmb1TreeConnectRequest(b, 0, h, lim)
          if (!r.ok) this.ctx.weird(r.error.code)
          else boundedSet(this.pendingTrees, key, r.value.path, SMB_MAX_PENDING)
          return undefined
        }
        case SMB1_COM_NT_CREATE_ANDX: {
          const r = decodeSmb1NtCreateRequest(b, 0, h, lim)
          if (!r.ok) this.ctx.weird(r.error.code)
          else boundedSet(this.pendingCreates, key, { treeId: h.tid, name: r.value.name }, SMB_MAX_PENDING)
          return undefined
        }
        case SMB1_COM_CLOSE: {
          const r = decodeSmb1CloseRequest(b, h)
          if (r.ok) this.closeFile(`1:${h.tid}:${r.value.fid}`, ts, true)
          return undefined
        }
        case SMB1_COM_READ_ANDX: {
          const r = decodeSmb1ReadRequest(b, h)
          const fk = r.ok ? `1:${h.tid}:${r.value.fid}` : ''
          if (r.ok && this.files.has(fk))
            boundedSet(this.pendingReads, key, { fileKey: fk, offset: r.value.offset }, SMB_MAX_PENDING)
          return undefined
        }
        case SMB1_COM_WRITE_ANDX: {
          const r = decodeSmb1WriteRequest(b, h)
          if (!r.ok) {
            this.ctx.weird(r.error.code)
            return undefined
          }
          const fk = `1:${h.tid}:${r.value.fid}`
          if (r.value.dataLength === 0 || !this.files.has(fk)) return undefined
          const start = r.value.dataOffset
          const end = Math.min(start + r.value.dataLength, msgLen)
          if (start < h.bytesOff) {
            this.ctx.weird('smb1.bad_data_offset')
            return undefined
          }
          return { fileKey: fk, direction: 'upload', fileOff: r.value.offset, start, end }
        }
        default:
          return undefined
      }
    }
    if (h.status !== 0) {
      this.pendingTrees.delete(key)
      this.pendingCreates.delete(key)
      this.pendingReads.delete(key)
      return undefined
    }
    switch (h.command) {
      case SMB1_COM_TREE_CONNECT_ANDX: {
        const path = this.pendingTrees.get(key)
        this.pendingTrees.delete(key)
        if (path !== undefined)
          boundedSet(this.trees, `1:${h.tid}`, { path, pipe: /\\IPC\$$/i.test(path) }, SMB_MAX_TREES)
        return undefined
      }
      case SMB1_COM_NT_CREATE_ANDX: {
        const req = this.pendingCreates.get(key)
        this.pendingCreates.delete(key)
        if (req === undefined) return undefined
        const r = decodeSmb1NtCreateResponse(b, h)
        if (!r.ok) {
          this.ctx.weird(r.error.code)
          return undefined
        }
        if (r.value.directory) return undefined
        this.openHandle(`1:${h.tid}:${r.value.fid}`, this.trees.get(`1:${req.treeId}`), req.name, r.value.endOfFile, ts)
        return undefined
      }
      case SMB1_COM_READ_ANDX: {
        const req = this.pendingReads.get(key)
        this.pendingReads.delete(key)
        if (req === undefined) return undefined
        const r = decodeSmb1ReadResponse(b, h as Smb1Header)
        if (!r.ok || r.value.dataLength === 0) return undefined
        const start = r.value.dataOffset
        if (start < h.bytesOff) return undefined
        return {
          fileKey: req.fileKey,
          direction: 'download',
          fileOff: req.offset,
          start,
          end: Math.min(start + r.value.dataLength, msgLen),
        }
      }
      default:
        return undefined
    }
  }

  private openHandle(
    key: string,
    tree: { path: string; pipe: boolean } | undefined,
    name: string,
    endOfFile: number,
    ts: number,
  ): void {
    if (this.files.has(key)) this.closeFile(key, ts, true)
    if (this.files.size >= SMB_MAX_FILES) {
      const first = this.files.keys().next()
      if (!first.done) this.closeFile(first.value, ts, false)
    }
    this.files.set(key, {
      share: tree?.path ?? '',
      path: name,
      endOfFile,
      isPipe: tree?.pipe ?? false,
      nextOff: 0,
      pending: [],
      gapBytes: 0,
    })
  }

  /** Data for a file at `fileOff`; `buf` undefined means missing bytes (a reassembly gap). */
  private fileData(
    key: string,
    direction: 'upload' | 'download',
    fileOff: number,
    buf: Buffer | undefined,
    a: number,
    b: number,
    ts: number,
  ): void {
    const f = this.files.get(key)
    if (!f || f.isPipe) return
    if (f.direction !== undefined && f.direction !== direction) return
    if (!f.writer) {
      f.direction = direction
      const spec = {
        proto: 'smb' as const,
        ...(f.path !== '' ? { name: joinPath(f.share, f.path) } : {}),
        direction,
        senderIsOrig: direction === 'upload',
        context: { share: f.share, path: f.path },
        ...(direction === 'download' && f.endOfFile > 0 ? { totalBytes: f.endOfFile } : {}),
      }
      f.writer = this.ctx.openFile(spec, ts)
      // A first write past offset 0 leaves a hole at the start.
      f.nextOff = 0
    }
    const w = f.writer
    const len = b - a
    if (buf === undefined) {
      if (fileOff + len > f.nextOff) this.flushUpTo(f, w, fileOff + len, true)
      return
    }
    if (fileOff + len <= f.nextOff) return
    if (fileOff <= f.nextOff) {
      w.write(buf, a + (f.nextOff - fileOff), b)
      f.nextOff = fileOff + len
      this.drain(f, w)
      return
    }
    if (this.hold(f, fileOff, buf, a, b)) return
    // Window full: give up on the hole and move on.
    this.flushUpTo(f, w, fileOff, true)
    w.write(buf, a, b)
    f.nextOff = Math.max(f.nextOff, fileOff + len)
    this.drain(f, w)
  }

  /** Keeps an out-of-order chunk if the flow's window allows; false when it does not. */
  private hold(f: SmbFile, fileOff: number, buf: Buffer, a: number, b: number): boolean {
    const len = b - a
    if (this.pendingTotal + len > this.ctx.maxBuffer * SMB_REORDER_FACTOR) return false
    const data = Buffer.from(buf.subarray(a, b))
    const runs = f.pending
    const prev = runs.find((r) => r.off + r.len === fileOff)
    if (prev) {
      prev.parts.push(data)
      prev.len += len
    } else {
      if (runs.length >= SMB_MAX_RUNS) return false
      runs.push({ off: fileOff, parts: [data], len })
      runs.sort((x, y) => x.off - y.off)
    }
    this.pendingTotal += len
    return true
  }

  /** Writes the part of run `r` at or after f.nextOff. */
  private writeRun(f: SmbFile, w: FileWriter, r: Run): void {
    this.pendingTotal -= r.len
    let at = r.off
    for (const p of r.parts) {
      const skip = Math.max(0, f.nextOff - at)
      if (skip < p.length) {
        w.write(p, skip, p.length)
        f.nextOff = at + p.length
      }
      at += p.length
    }
  }

  /** Writes pending runs that are now in order. */
  private drain(f: SmbFile, w: FileWriter): void {
    while (f.pending.length > 0) {
      const r = f.pending[0]
      if (r === undefined || r.off > f.nextOff) return
      f.pending.shift()
      this.writeRun(f, w, r)
    }
  }

  /** Advances to `target`, writing pending runs before it and reporting holes as gaps. */
  private flushUpTo(f: SmbFile, w: FileWriter, target: number, gapToTarget: boolean): void {
    while (f.pending.length > 0) {
      const r = f.pending[0]
      if (r === undefined || r.off >= target) break
      f.pending.shift()
      if (r.off > f.nextOff) {
        w.gap(r.off - f.nextOff)
        f.gapBytes += r.off - f.nextOff
        f.nextOff = r.off
      }
      this.writeRun(f, w, r)
    }
    if (gapToTarget && target > f.nextOff) {
      w.gap(target - f.nextOff)
      f.gapBytes += target - f.nextOff
      f.nextOff = target
    }
  }

  private closeFile(key: string, ts: number, normal: boolean): void {
    const f = this.files.get(key)
    if (!f) return
    this.files.delete(key)
    const w = f.writer
    if (!w) return
    this.flushUpTo(f, w, Number.MAX_SAFE_INTEGER, false)
    const whole = f.direction === 'upload' || f.nextOff >= f.endOfFile
    w.close(ts, normal && f.gapBytes === 0 && whole)
  }
}

/** The SMB analyzer spec: TCP 445 (direct) and 139 (NetBIOS session service). */
export const SMB_ANALYZER: AnalyzerSpec = {
  name: 'smb',
  transport: 'tcp',
  ports: [445, 139],
  probe: (_dir, buf, off, end) => probeSmb(buf, off, end),
  create: (ctx) => new SmbAnalyzer(ctx),
}
