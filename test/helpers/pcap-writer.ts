/**
 * Capture writer for tests and benches: classic pcap (pcap-savefile(5)) in either byte order with
 * microsecond or nanosecond fractions, and pcapng (draft-ietf-opsawg-pcapng §4) with several sections,
 * interfaces (if_tsresol / if_tsoffset options), EPB and SPB, plus arbitrary extra blocks. It writes what it
 * is told, so tests can also build corrupt files (wrong lengths, cut tails) from it.
 */

export interface PcapPacket {
  /** Whole seconds. */
  sec: number
  /** Fraction in the file's unit (µs or ns). */
  frac: number
  /** Captured bytes. */
  data: Buffer
  /** Original length (defaults to data.length). */
  wireLen?: number
  /** Captured length to write in the record header (defaults to data.length; for corrupt files). */
  capLenField?: number
}

export interface PcapOptions {
  bigEndian?: boolean
  nanos?: boolean
  linkType?: number
  snaplen?: number
  versionMajor?: number
}

export function pcapHeader(o: PcapOptions = {}): Buffer {
  const b = Buffer.alloc(24)
  const w32 = (v: number, at: number) => (o.bigEndian ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at))
  const w16 = (v: number, at: number) => (o.bigEndian ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at))
  w32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0)
  w16(o.versionMajor ?? 2, 4)
  w16(4, 6)
  w32(0, 8)
  w32(0, 12)
  w32(o.snaplen ?? 262144, 16)
  w32(o.linkType ?? 1, 20)
  return b
}

export function pcapRecord(p: PcapPacket, o: PcapOptions = {}): Buffer {
  const b = Buffer.alloc(16 + p.data.length)
  const w32 = (v: number, at: number) => (o.bigEndian ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at))
  w32(p.sec, 0)
  w32(p.frac, 4)
  w32(p.capLenField ?? p.data.length, 8)
  w32(p.wireLen ?? p.data.length, 12)
  p.data.copy(b, 16)
  return b
}

export function writePcap(packets: readonly PcapPacket[], o: PcapOptions = {}): Buffer {
  return Buffer.concat([pcapHeader(o), ...packets.map((p) => pcapRecord(p, o))])
}

// ---- pcapng ----

export interface PcapngOption {
  code: number
  value: Buffer
}

export interface PcapngInterface {
  linkType: number
  snaplen?: number
  /** Raw if_tsresol byte (6 = µs, 9 = ns, 0x80|n = 2^-n); omitted = default µs. */
  tsresol?: number
  /** if_tsoffset in seconds. */
  tsoffset?: number
}

export type PcapngBlock =
  | { kind: 'shb'; bigEndian?: boolean; versionMajor?: number }
  | ({ kind: 'idb' } & PcapngInterface)
  | { kind: 'epb'; ifId: number; tsHigh: number; tsLow: number; data: Buffer; wireLen?: number; comment?: string }
  | { kind: 'spb'; data: Buffer; wireLen?: number }
  | { kind: 'raw'; type: number; body: Buffer }

const pad4 = (n: number): number => (n + 3) & ~3

function block(type: number, body: Buffer, be: boolean): Buffer {
  const len = 12 + pad4(body.length)
  const b = Buffer.alloc(len)
  const w32 = (v: number, at: number) => (be ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at))
  w32(type, 0)
  w32(len, 4)
  body.copy(b, 8)
  w32(len, len - 4)
  return b
}

function options(opts: readonly PcapngOption[], be: boolean): Buffer {
  if (opts.length === 0) return Buffer.alloc(0)
  const parts: Buffer[] = []
  for (const o of opts) {
    const h = Buffer.alloc(4 + pad4(o.value.length))
    if (be) {
      h.writeUInt16BE(o.code, 0)
      h.writeUInt16BE(o.value.length, 2)
    } else {
      h.writeUInt16LE(o.code, 0)
      h.writeUInt16LE(o.value.length, 2)
    }
    o.value.copy(h, 4)
    parts.push(h)
  }
  parts.push(Buffer.alloc(4))
  return Buffer.concat(parts)
}

/** Writes the blocks in order; each SHB switches the byte order of the blocks after it. */
export function writePcapng(blocks: readonly PcapngBlock[]): Buffer {
  let be = false
  const out: Buffer[] = []
  for (const bl of blocks) {
    switch (bl.kind) {
      case 'shb': {
        be = bl.bigEndian ?? false
        const body = Buffer.alloc(16)
        if (be) {
          body.writeUInt32BE(0x1a2b3c4d, 0)
          body.writeUInt16BE(bl.versionMajor ?? 1, 4)
        } else {
          body.writeUInt32LE(0x1a2b3c4d, 0)
          body.writeUInt16LE(bl.versionMajor ?? 1, 4)
        }
        body.fill(0xff, 8, 16)
        out.push(block(0x0a0d0d0a, body, be))
        break
      }
      case 'idb': {
        const fixed = Buffer.alloc(8)
        const opts: PcapngOption[] = []
        if (bl.tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([bl.tsresol]) })
        if (bl.tsoffset !== undefined) {
          const v = Buffer.alloc(8)
          if (be) v.writeBigInt64BE(BigInt(bl.tsoffset))
          else v.writeBigInt64LE(BigInt(bl.tsoffset))
          opts.push({ code: 14, value: v })
        }
        if (be) {
          fixed.writeUInt16BE(bl.linkType, 0)
          fixed.writeUInt32BE(bl.snaplen ?? 262144, 4)
        } else {
          fixed.writeUInt16LE(bl.linkType, 0)
          fixed.writeUInt32LE(bl.snaplen ?? 262144, 4)
        }
        out.push(block(1, Buffer.concat([fixed, options(opts, be)]), be))
        break
      }
      case 'epb': {
        const fixed = Buffer.alloc(20)
        const w32 = (v: number, at: number) =>
          be ? fixed.writeUInt32BE(v >>> 0, at) : fixed.writeUInt32LE(v >>> 0, at)
        w32(bl.ifId, 0)
        w32(bl.tsHigh, 4)
        w32(bl.tsLow, 8)
        w32(bl.data.length, 12)
        w32(bl.wireLen ?? bl.data.length, 16)
        const data = Buffer.alloc(pad4(bl.data.length))
        bl.data.copy(data)
        const opts = bl.comment === undefined ? [] : [{ code: 1, value: Buffer.from(bl.comment) }]
        out.push(block(6, Buffer.concat([fixed, data, options(opts, be)]), be))
        break
      }
      case 'spb': {
        const fixed = Buffer.alloc(4)
        if (be) fixed.writeUInt32BE(bl.wireLen ?? bl.data.length, 0)
        else fixed.writeUInt32LE(bl.wireLen ?? bl.data.length, 0)
        out.push(block(3, Buffer.concat([fixed, bl.data]), be))
        break
      }
      case 'raw':
        out.push(block(bl.type, bl.body, be))
        break
    }
  }
  return Buffer.concat(out)
}
