/**
 * SMB1 (CIFS) message decoding, only what the file-transfer view needs (MS-CIFS §2.2.3.1 header, §2.2.3.2
 * parameter/data blocks): TREE_CONNECT_ANDX request path (§2.2.4.55), NT_CREATE_ANDX request name and
 * response FID/size (§2.2.4.64), WRITE_ANDX request (§2.2.4.43), READ_ANDX request/response (§2.2.4.42) and
 * CLOSE (§2.2.4.5). Only the first command of an AndX chain is decoded (the chained ones are left alone);
 * transactions, OEM-only clients' non-ASCII names, and signing are not handled.
 */
import { need } from '../cursor.js'
import { type Decoded, fail } from '../errors.js'

/** SMB1 header length (MS-CIFS §2.2.3.1). */
export const SMB1_HEADER_LEN = 32
/** Cap on a decoded name in bytes. */
export const SMB1_MAX_NAME_BYTES = 2048

export const SMB1_COM_CLOSE = 0x04
export const SMB1_COM_READ_ANDX = 0x2e
export const SMB1_COM_WRITE_ANDX = 0x2f
export const SMB1_COM_TREE_CONNECT_ANDX = 0x75
export const SMB1_COM_NT_CREATE_ANDX = 0xa2

/** Flags bit: the message is a reply. */
export const SMB1_FLAGS_REPLY = 0x80
/** Flags2 bit: strings are UTF-16LE. */
export const SMB1_FLAGS2_UNICODE = 0x8000

export interface Smb1Header {
  readonly command: number
  readonly status: number
  readonly isResponse: boolean
  readonly unicode: boolean
  readonly tid: number
  readonly pid: number
  readonly uid: number
  readonly mid: number
  /** Offset of the parameter words (after WordCount). */
  readonly wordsOff: number
  /** Number of 16-bit parameter words. */
  readonly wordCount: number
  /** Offset of the data bytes (after ByteCount). */
  readonly bytesOff: number
  /** ByteCount as sent (the data may be cut by the caller's `end`). */
  readonly byteCount: number
}

/** Decodes the SMB1 header and locates the parameter and data blocks of the first command. */
export function decodeSmb1Header(buf: Buffer, off: number, end: number): Decoded<Smb1Header> {
  const short = need('smb1.truncated_header', off, end, SMB1_HEADER_LEN + 1)
  if (short) return { ok: false, error: short }
  if (buf.readUInt32BE(off) !== 0xff534d42) return fail('smb1.bad_magic', off)
  const wordCount = buf[off + SMB1_HEADER_LEN] ?? 0
  const wordsOff = off + SMB1_HEADER_LEN + 1
  const bcOff = wordsOff + wordCount * 2
  const s2 = need('smb1.truncated_words', bcOff, end, 2)
  if (s2) return { ok: false, error: s2 }
  const flags2 = buf.readUInt16LE(off + 10)
  return {
    ok: true,
    value: {
      command: buf[off + 4] ?? 0,
      status: buf.readUInt32LE(off + 5),
      isResponse: ((buf[off + 9] ?? 0) & SMB1_FLAGS_REPLY) !== 0,
      unicode: (flags2 & SMB1_FLAGS2_UNICODE) !== 0,
      tid: buf.readUInt16LE(off + 24),
      pid: buf.readUInt16LE(off + 26),
      uid: buf.readUInt16LE(off + 28),
      mid: buf.readUInt16LE(off + 30),
      wordsOff,
      wordCount,
      bytesOff: bcOff + 2,
      byteCount: buf.readUInt16LE(bcOff),
    },
    next: bcOff + 2,
  }
}

/** Reads a NUL-terminated string (UTF-16LE aligned to the header start when `unicode`), bounded. */
export function readSmb1String(
  buf: Buffer,
  hdr: number,
  start: number,
  end: number,
  unicode: boolean,
): { readonly name: string; readonly truncated: boolean } {
  const limit = Math.min(end, start + SMB1_MAX_NAME_BYTES + 2)
  if (!unicode) {
    let i = start
    while (i < limit && buf[i] !== 0) i++
    return { name: buf.toString('latin1', start, i), truncated: i >= limit && limit < end }
  }
  // Unicode strings are 2-aligned relative to the SMB header (MS-CIFS §2.2.3.2 Pad).
  let s = start
  if ((s - hdr) % 2 === 1) s++
  let i = s
  while (i + 1 < limit && (buf[i] !== 0 || buf[i + 1] !== 0)) i += 2
  return { name: buf.toString('utf16le', s, Math.min(i, limit)), truncated: i + 1 >= limit && limit < end }
}

/** TREE_CONNECT_ANDX request: the share path (`\\host\share`). */
export function decodeSmb1TreeConnectRequest(
  buf: Buffer,
  hdr: number,
  h: Smb1Header,
  end: number,
): Decoded<{ readonly path: string }> {
  if (h.wordCount < 4) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const pwLen = buf.readUInt16LE(h.wordsOff + 6)
  const start = h.bytesOff + pwLen
  if (start > end) return fail('smb1.truncated_tree_connect', h.bytesOff, pwLen, end - h.bytesOff)
  const s = readSmb1String(buf, hdr, start, Math.min(end, h.bytesOff + h.byteCount), h.unicode)
  return { ok: true, value: { path: s.name }, next: start }
}

/** NT_CREATE_ANDX request: the file name relative to the share (leading backslash kept as sent). */
export function decodeSmb1NtCreateRequest(
  buf: Buffer,
  hdr: number,
  h: Smb1Header,
  end: number,
): Decoded<{ readonly name: string; readonly createDisposition: number }> {
  if (h.wordCount < 24) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const s = readSmb1String(buf, hdr, h.bytesOff, Math.min(end, h.bytesOff + h.byteCount), h.unicode)
  return {
    ok: true,
    value: { name: s.name, createDisposition: buf.readUInt32LE(h.wordsOff + 35) },
    next: h.bytesOff,
  }
}

/** NT_CREATE_ANDX response: FID and the file size. */
export function decodeSmb1NtCreateResponse(
  buf: Buffer,
  h: Smb1Header,
): Decoded<{ readonly fid: number; readonly endOfFile: number; readonly directory: boolean }> {
  if (h.wordCount < 34) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const w = h.wordsOff
  const eof = buf.readUInt32LE(w + 59) * 0x1_0000_0000 + buf.readUInt32LE(w + 55)
  return { ok: true, value: { fid: buf.readUInt16LE(w + 5), endOfFile: eof, directory: buf[w + 67] !== 0 }, next: w }
}

export interface Smb1DataSpan {
  /** Offset of the data from the SMB header start. */
  readonly dataOffset: number
  readonly dataLength: number
}

/** WRITE_ANDX request: FID, file offset and where the data is (relative to the SMB header). */
export function decodeSmb1WriteRequest(
  buf: Buffer,
  h: Smb1Header,
): Decoded<Smb1DataSpan & { readonly fid: number; readonly offset: number }> {
  if (h.wordCount !== 12 && h.wordCount !== 14) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const w = h.wordsOff
  const high = h.wordCount === 14 ? buf.readUInt32LE(w + 24) : 0
  return {
    ok: true,
    value: {
      fid: buf.readUInt16LE(w + 4),
      offset: high * 0x1_0000_0000 + buf.readUInt32LE(w + 6),
      dataLength: buf.readUInt16LE(w + 18) * 65536 + buf.readUInt16LE(w + 20),
      dataOffset: buf.readUInt16LE(w + 22),
    },
    next: h.bytesOff,
  }
}

/** READ_ANDX request: FID and file offset. */
export function decodeSmb1ReadRequest(
  buf: Buffer,
  h: Smb1Header,
): Decoded<{ readonly fid: number; readonly offset: number }> {
  if (h.wordCount !== 10 && h.wordCount !== 12) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const w = h.wordsOff
  const high = h.wordCount === 12 ? buf.readUInt32LE(w + 20) : 0
  return {
    ok: true,
    value: { fid: buf.readUInt16LE(w + 4), offset: high * 0x1_0000_0000 + buf.readUInt32LE(w + 6) },
    next: w,
  }
}

/** READ_ANDX response: where the data is (relative to the SMB header). */
export function decodeSmb1ReadResponse(buf: Buffer, h: Smb1Header): Decoded<Smb1DataSpan> {
  if (h.wordCount !== 12) return fail('smb1.bad_word_count', h.wordsOff - 1)
  const w = h.wordsOff
  return {
    ok: true,
    value: {
      dataLength: buf.readUInt16LE(w + 14) * 65536 + buf.readUInt16LE(w + 10),
      dataOffset: buf.readUInt16LE(w + 12),
    },
    next: h.bytesOff,
  }
}

/** CLOSE request: the FID. */
export function decodeSmb1CloseRequest(buf: Buffer, h: Smb1Header): Decoded<{ readonly fid: number }> {
  if (h.wordCount < 3) return fail('smb1.bad_word_count', h.wordsOff - 1)
  return { ok: true, value: { fid: buf.readUInt16LE(h.wordsOff) }, next: h.wordsOff + 6 }
}
