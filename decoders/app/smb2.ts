/**
 * SMB2/3 message decoding over direct TCP (MS-SMB2 §2.1 transport, §2.2 messages) and the NetBIOS session
 * header that frames it (RFC 1002 §4.3.1). Decodes the 64-byte sync/async header (§2.2.1), follows compounded
 * requests through NextCommand (§3.2.4.1.4), and the bodies the file-transfer view needs: TREE_CONNECT
 * request/response (§2.2.9, §2.2.10), CREATE request/response (§2.2.13, §2.2.14), CLOSE (§2.2.15), READ
 * request/response (§2.2.19, §2.2.20) and WRITE request (§2.2.21). Offsets inside bodies are relative to the
 * start of the SMB2 header, as on the wire. Not handled: SMB3 encryption (transform header 0xFD 'SMB', only
 * recognised) and compression (0xFC 'SMB'), create contexts, negotiate/session-setup contents, signatures.
 */
import { need } from '../cursor.js'
import { type Decoded, fail } from '../errors.js'

/** NetBIOS session header length (RFC 1002 §4.3.1; direct TCP 445 uses the same 4 bytes). */
export const NBSS_HEADER_LEN = 4
/** SMB2 header length (MS-SMB2 §2.2.1). */
export const SMB2_HEADER_LEN = 64
/** Cap on a file/share name decoded from UTF-16LE, in bytes; longer names are cut and flagged. */
export const SMB2_MAX_NAME_BYTES = 2048
/** Hard cap on commands followed through NextCommand in one message. */
export const SMB2_MAX_COMPOUND = 32

export const SMB2_NEGOTIATE = 0
export const SMB2_SESSION_SETUP = 1
export const SMB2_TREE_CONNECT = 3
export const SMB2_TREE_DISCONNECT = 4
export const SMB2_CREATE = 5
export const SMB2_CLOSE = 6
export const SMB2_READ = 8
export const SMB2_WRITE = 9

/** Header flag: the message is a response (SMB2_FLAGS_SERVER_TO_REDIR). */
export const SMB2_FLAG_RESPONSE = 0x1
/** Header flag: async header form (AsyncId instead of Reserved/TreeId). */
export const SMB2_FLAG_ASYNC = 0x2
/** Header flag: a compounded command that refers to the previous one's FileId (SMB2_FLAGS_RELATED_OPERATIONS). */
export const SMB2_FLAG_RELATED = 0x4
/** The FileId a related compounded command uses for "the file the previous CREATE opened" (§3.2.4.1.4). */
export const SMB2_RELATED_FILE_ID = 'ffffffffffffffffffffffffffffffff'
/** STATUS_PENDING: an interim async response, the real one follows. */
export const STATUS_PENDING = 0x00000103
/** Share types in TREE_CONNECT responses (§2.2.10). */
export const SMB2_SHARE_TYPE_DISK = 1
export const SMB2_SHARE_TYPE_PIPE = 2

export interface NbssHeader {
  /** RFC 1002 packet type: 0x00 session message, 0x81 request, 0x82 positive response, 0x85 keep-alive. */
  readonly type: number
  /** Length of the payload that follows the 4-byte header. */
  readonly length: number
}

/** Decodes the 4-byte NetBIOS session header. Session messages carry a 24-bit length (MS-SMB2 §2.1). */
export function decodeNbssHeader(buf: Buffer, off: number, end: number): Decoded<NbssHeader> {
  const short = need('nbss.truncated', off, end, NBSS_HEADER_LEN)
  if (short) return { ok: false, error: short }
  const type = buf[off] ?? 0
  if (type !== 0x00 && type !== 0x81 && type !== 0x82 && type !== 0x83 && type !== 0x84 && type !== 0x85) {
    return fail('nbss.bad_type', off)
  }
  // Session messages on 445 use all 24 bits; the other types keep RFC 1002's 17-bit length.
  const length = type === 0 ? buf.readUIntBE(off + 1, 3) : buf.readUInt16BE(off + 2) + ((buf[off + 1] ?? 0) & 1) * 65536
  return { ok: true, value: { type, length }, next: off + NBSS_HEADER_LEN }
}

/**
 * Cheap look at the first payload of a direction: a NetBIOS session message holding SMB1 (0xFF), SMB2
 * (0xFE) or SMB3 transform/compression (0xFD/0xFC) 'SMB', or a NetBIOS session request (port 139).
 */
export function probeSmb(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (end - off < 1) return 'need-more'
  const t = buf[off]
  if (t === 0x81 || t === 0x82) {
    if (end - off < 4) return 'need-more'
    return buf.readUInt16BE(off + 2) < 1024 ? 'yes' : 'no'
  }
  if (t !== 0x00) return 'no'
  if (end - off < 8) return 'need-more'
  const m = buf[off + 4] ?? 0
  if (m !== 0xff && m !== 0xfe && m !== 0xfd && m !== 0xfc) return 'no'
  return buf[off + 5] === 0x53 && buf[off + 6] === 0x4d && buf[off + 7] === 0x42 ? 'yes' : 'no'
}

export interface Smb2Header {
  /** Command code (§2.2.1.2). */
  readonly command: number
  /** NT status (responses). */
  readonly status: number
  readonly flags: number
  /** True for a response (server → client). */
  readonly isResponse: boolean
  /** Offset of the next compounded command from this header's start, 0 when last. */
  readonly nextCommand: number
  /** MessageId as a number (exact below 2^53, which covers any real session). */
  readonly messageId: number
  /** TreeId (0 in async headers, which carry an AsyncId instead). */
  readonly treeId: number
  readonly sessionId: bigint
}

/** Decodes the SMB2 header at `off` (must start with 0xFE 'SMB'). */
export function decodeSmb2Header(buf: Buffer, off: number, end: number): Decoded<Smb2Header> {
  const short = need('smb2.truncated_header', off, end, SMB2_HEADER_LEN)
  if (short) return { ok: false, error: short }
  if (buf.readUInt32BE(off) !== 0xfe534d42) return fail('smb2.bad_magic', off)
  if (buf.readUInt16LE(off + 4) !== SMB2_HEADER_LEN) return fail('smb2.bad_structure_size', off + 4)
  const flags = buf.readUInt32LE(off + 16)
  const async = (flags & SMB2_FLAG_ASYNC) !== 0
  const nextCommand = buf.readUInt32LE(off + 20)
  // NextCommand must point past this header and be 8-byte aligned (§2.2.1.2).
  if (nextCommand !== 0 && (nextCommand < SMB2_HEADER_LEN || nextCommand % 8 !== 0)) {
    return fail('smb2.bad_next_command', off + 20)
  }
  const lo = buf.readUInt32LE(off + 24)
  const hi = buf.readUInt32LE(off + 28)
  return {
    ok: true,
    value: {
      command: buf.readUInt16LE(off + 12),
      status: buf.readUInt32LE(off + 8),
      flags,
      isResponse: (flags & SMB2_FLAG_RESPONSE) !== 0,
      nextCommand,
      messageId: hi * 0x1_0000_0000 + lo,
      treeId: async ? 0 : buf.readUInt32LE(off + 36),
      sessionId: buf.readBigUInt64LE(off + 40),
    },
    next: off + SMB2_HEADER_LEN,
  }
}

/** One command of a (possibly compounded) message: where its header starts and where it ends. */
export interface Smb2Command {
  readonly header: Smb2Header
  /** Offset of this command's SMB2 header. */
  readonly off: number
  /** End of this command (next command's offset, or the message end). */
  readonly end: number
}

/**
 * Splits one NetBIOS message payload `[off, end)` into its compounded commands, at most SMB2_MAX_COMPOUND.
 * Stops at the first bad header and returns what it has plus the error.
 */
export function splitSmb2Compound(
  buf: Buffer,
  off: number,
  end: number,
): { readonly commands: Smb2Command[]; readonly stop?: Decoded<never> } {
  const commands: Smb2Command[] = []
  let at = off
  for (let i = 0; i < SMB2_MAX_COMPOUND; i++) {
    const h = decodeSmb2Header(buf, at, end)
    if (!h.ok) return { commands, stop: h }
    const cmdEnd = h.value.nextCommand === 0 ? end : Math.min(end, at + h.value.nextCommand)
    commands.push({ header: h.value, off: at, end: cmdEnd })
    if (h.value.nextCommand === 0 || at + h.value.nextCommand >= end) break
    at += h.value.nextCommand
  }
  return { commands }
}

/** A UTF-16LE string read from `[start, start+len)` clamped to `end` and SMB2_MAX_NAME_BYTES. */
export interface Smb2Name {
  readonly name: string
  /** True when the name was cut by the cap or by the end of the buffer. */
  readonly truncated: boolean
}

/** Reads a bounded UTF-16LE string; the length is clamped, never trusted. */
export function readUtf16Name(buf: Buffer, start: number, len: number, end: number): Smb2Name {
  const avail = Math.max(0, Math.min(len, end - start, SMB2_MAX_NAME_BYTES))
  const even = avail - (avail % 2)
  return { name: buf.toString('utf16le', start, start + even), truncated: even < len }
}

/** A 16-byte FileId (persistent + volatile) as 32 hex chars, the key for open files. */
export function fileIdHex(buf: Buffer, off: number): string {
  return buf.toString('hex', off, off + 16)
}

export interface Smb2TreeConnectRequest {
  /** Share path, e.g. `\\host\ADMIN$`. */
  readonly path: string
  readonly truncated: boolean
}

/** TREE_CONNECT request body (§2.2.9) at `off` (right after the header `hdr`). */
export function decodeSmb2TreeConnectRequest(
  buf: Buffer,
  hdr: number,
  off: number,
  end: number,
): Decoded<Smb2TreeConnectRequest> {
  const short = need('smb2.truncated_tree_connect', off, end, 8)
  if (short) return { ok: false, error: short }
  const pathOff = buf.readUInt16LE(off + 4)
  const pathLen = buf.readUInt16LE(off + 6)
  if (pathOff < SMB2_HEADER_LEN || hdr + pathOff > end) return fail('smb2.bad_path_offset', off + 4)
  const n = readUtf16Name(buf, hdr + pathOff, pathLen, end)
  return { ok: true, value: { path: n.name, truncated: n.truncated }, next: off + 8 }
}

export interface Smb2TreeConnectResponse {
  /** 1 disk, 2 pipe, 3 print. */
  readonly shareType: number
}

/** TREE_CONNECT response body (§2.2.10). The TreeId is in the header. */
export function decodeSmb2TreeConnectResponse(buf: Buffer, off: number, end: number): Decoded<Smb2TreeConnectResponse> {
  const short = need('smb2.truncated_tree_connect', off, end, 16)
  if (short) return { ok: false, error: short }
  return { ok: true, value: { shareType: buf[off + 2] ?? 0 }, next: off + 16 }
}

export interface Smb2CreateRequest {
  /** Path relative to the share, as sent (no leading backslash), e.g. `temp\mimikatz.exe`. */
  readonly name: string
  readonly truncated: boolean
  readonly desiredAccess: number
  /** FILE_SUPERSEDE 0 .. FILE_OVERWRITE_IF 5 (§2.2.13). */
  readonly createDisposition: number
  readonly createOptions: number
}

/** CREATE request body (§2.2.13). */
export function decodeSmb2CreateRequest(
  buf: Buffer,
  hdr: number,
  off: number,
  end: number,
): Decoded<Smb2CreateRequest> {
  const short = need('smb2.truncated_create', off, end, 56)
  if (short) return { ok: false, error: short }
  const nameOff = buf.readUInt16LE(off + 44)
  const nameLen = buf.readUInt16LE(off + 46)
  let name: Smb2Name = { name: '', truncated: false }
  if (nameLen > 0) {
    if (nameOff < SMB2_HEADER_LEN || hdr + nameOff > end) return fail('smb2.bad_name_offset', off + 44)
    name = readUtf16Name(buf, hdr + nameOff, nameLen, end)
  }
  return {
    ok: true,
    value: {
      name: name.name,
      truncated: name.truncated,
      desiredAccess: buf.readUInt32LE(off + 24),
      createDisposition: buf.readUInt32LE(off + 36),
      createOptions: buf.readUInt32LE(off + 40),
    },
    next: off + 56,
  }
}

export interface Smb2CreateResponse {
  /** FILE_SUPERSEDED 0, FILE_OPENED 1, FILE_CREATED 2, FILE_OVERWRITTEN 3. */
  readonly createAction: number
  /** File size at open (EndofFile), bytes. */
  readonly endOfFile: number
  readonly fileAttributes: number
  /** FileId as 32 hex chars. */
  readonly fileId: string
}

/** CREATE response body (§2.2.14). */
export function decodeSmb2CreateResponse(buf: Buffer, off: number, end: number): Decoded<Smb2CreateResponse> {
  const short = need('smb2.truncated_create', off, end, 88)
  if (short) return { ok: false, error: short }
  const lo = buf.readUInt32LE(off + 48)
  const hi = buf.readUInt32LE(off + 52)
  return {
    ok: true,
    value: {
      createAction: buf.readUInt32LE(off + 4),
      endOfFile: hi * 0x1_0000_0000 + lo,
      fileAttributes: buf.readUInt32LE(off + 56),
      fileId: fileIdHex(buf, off + 64),
    },
    next: off + 88,
  }
}

/** CLOSE request body (§2.2.15): the FileId being closed. */
export function decodeSmb2CloseRequest(buf: Buffer, off: number, end: number): Decoded<{ readonly fileId: string }> {
  const short = need('smb2.truncated_close', off, end, 24)
  if (short) return { ok: false, error: short }
  return { ok: true, value: { fileId: fileIdHex(buf, off + 8) }, next: off + 24 }
}

export interface Smb2ReadRequest {
  readonly length: number
  readonly offset: number
  readonly fileId: string
}

/** READ request body (§2.2.19). */
export function decodeSmb2ReadRequest(buf: Buffer, off: number, end: number): Decoded<Smb2ReadRequest> {
  const short = need('smb2.truncated_read', off, end, 48)
  if (short) return { ok: false, error: short }
  return {
    ok: true,
    value: {
      length: buf.readUInt32LE(off + 4),
      offset: buf.readUInt32LE(off + 12) * 0x1_0000_0000 + buf.readUInt32LE(off + 8),
      fileId: fileIdHex(buf, off + 16),
    },
    next: off + 48,
  }
}

/** Where the data of a READ response or WRITE request lies, relative to the SMB2 header start. */
export interface Smb2DataSpan {
  /** Offset of the data from the SMB2 header start. */
  readonly dataOffset: number
  readonly dataLength: number
}

/** READ response body (§2.2.20). The data may lie beyond `end` when the caller holds only the message head. */
export function decodeSmb2ReadResponse(buf: Buffer, off: number, end: number): Decoded<Smb2DataSpan> {
  const short = need('smb2.truncated_read', off, end, 16)
  if (short) return { ok: false, error: short }
  const dataOffset = buf[off + 2] ?? 0
  const dataLength = buf.readUInt32LE(off + 4)
  if (dataLength > 0 && dataOffset < SMB2_HEADER_LEN + 16) return fail('smb2.bad_data_offset', off + 2)
  return { ok: true, value: { dataOffset, dataLength }, next: off + 16 }
}

export interface Smb2WriteRequest extends Smb2DataSpan {
  /** File offset of the write. */
  readonly offset: number
  readonly fileId: string
}

/** WRITE request body (§2.2.21). The data may lie beyond `end` when the caller holds only the message head. */
export function decodeSmb2WriteRequest(buf: Buffer, off: number, end: number): Decoded<Smb2WriteRequest> {
  const short = need('smb2.truncated_write', off, end, 48)
  if (short) return { ok: false, error: short }
  const dataOffset = buf.readUInt16LE(off + 2)
  const dataLength = buf.readUInt32LE(off + 4)
  if (dataLength > 0 && dataOffset < SMB2_HEADER_LEN + 48) return fail('smb2.bad_data_offset', off + 2)
  return {
    ok: true,
    value: {
      dataOffset,
      dataLength,
      offset: buf.readUInt32LE(off + 12) * 0x1_0000_0000 + buf.readUInt32LE(off + 8),
      fileId: fileIdHex(buf, off + 16),
    },
    next: off + 48,
  }
}
