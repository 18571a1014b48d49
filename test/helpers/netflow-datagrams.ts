/**
 * Test helpers for the NetFlow/IPFIX tests: a hex fixture builder that ignores `#` comments and whitespace
 * (one field per line), and a reader that pulls the UDP datagrams out of a capture with the project's own
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
