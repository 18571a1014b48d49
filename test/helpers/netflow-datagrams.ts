/**
 * Test helpers for the NetFlow/IPFIX tests: a hex fixture builder that ignores `#` comments and whitespace
 * (one field per line), set and IPFIX message builders, and a reader that pulls the UDP datagrams out of a capture with the project's own
 * capture reader and packet walker.
 */
import { readFileSync } from 'node:fs'
import { walkPacket } from '../../decoders/dispatch.js'
import { newPacketView } from '../../decoders/packet-view.js'
import { CaptureReader } from '../../decoders/pcap/capture-reader.js'

/** Builds a Buffer from hex text; `#` starts a comment to the end of the line. */
export function hex(text: string): Buffer {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '')
  if (clean.length % 2 !== 0) throw new Error(`Odd hex length ${clean.length}.`)
  return Buffer.from(clean, 'hex')
}

/** A NetFlow v9 flowset or IPFIX set (RFC 3954 §5.2, RFC 7011 §3.3.2): id, length counting the 4-byte header, body. */
export function netflowSet(id: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h.writeUInt16BE(id, 0)
  h.writeUInt16BE(4 + body.length, 2)
  return Buffer.concat([h, body])
}

/** An IPFIX message (RFC 7011 §3.1): version 10, length, export time 1 700 000 000 s, `seq`, `domain`, the sets. */
export function ipfixMessage(domain: number, seq: number, ...sets: Buffer[]): Buffer {
  const body = Buffer.concat(sets)
  const h = Buffer.alloc(16)
  h.writeUInt16BE(10, 0)
  h.writeUInt16BE(16 + body.length, 2)
  h.writeUInt32BE(1_700_000_000, 4)
  h.writeUInt32BE(seq, 8)
  h.writeUInt32BE(domain, 12)
  return Buffer.concat([h, body])
}

export interface UdpDatagram {
  /** Capture time, seconds. */
  readonly ts: number
  readonly src: string
  readonly srcPort: number
  readonly dst: string
  readonly dstPort: number
  /** A copy of the UDP payload. */
  readonly payload: Buffer
}

function addrText(w: Uint32Array, v: number): string {
  if (v === 4) {
    const a = w[0] ?? 0
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
  }
  const parts: string[] = []
  for (let i = 0; i < 4; i++) {
    const x = w[i] ?? 0
    parts.push(((x >>> 16) & 0xffff).toString(16), (x & 0xffff).toString(16))
  }
  return parts.join(':')
}

/** Every UDP datagram in a pcap/pcapng file, in capture order. */
export function readUdpDatagrams(file: string): UdpDatagram[] {
  const out: UdpDatagram[] = []
  const pv = newPacketView()
  const reader = new CaptureReader({
    name: file,
    onPacket: (buf, off, end, ts, _wire, linkType) => {
      walkPacket(linkType, buf, off, end, pv)
      if (pv.ipProto !== 17 || pv.payloadEnd <= pv.payloadOff || pv.ipVersion === 0) return
      out.push({
        ts,
        src: addrText(pv.src, pv.ipVersion),
        srcPort: pv.srcPort,
        dst: addrText(pv.dst, pv.ipVersion),
        dstPort: pv.dstPort,
        payload: Buffer.from(buf.subarray(pv.payloadOff, pv.payloadEnd)),
      })
    },
  })
  reader.push(readFileSync(file))
  reader.end()
  return out
}
