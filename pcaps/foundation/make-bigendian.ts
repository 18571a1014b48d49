/**
 * Writes big-endian copies of a little-endian µs pcap with test/helpers/pcap-writer.ts: one with µs
 * fractions and one with ns fractions (µs * 1000), for the reader's byte-order tests. tshark checks both.
 * Usage: node --import tsx make-bigendian.ts IN.pcap OUT-be.pcap OUT-be-nano.pcap
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { type PcapPacket, writePcap } from '../../test/helpers/pcap-writer.js'

const [inPath, outUs, outNs] = process.argv.slice(2)
if (inPath === undefined || outUs === undefined || outNs === undefined) throw new Error('Usage: IN OUT-be OUT-be-nano.')
const src = readFileSync(inPath)
if (src.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('Input must be a little-endian microsecond pcap.')
const linkType = src.readUInt32LE(20)
const us: PcapPacket[] = []
for (let o = 24; o + 16 <= src.length; ) {
  const cap = src.readUInt32LE(o + 8)
  us.push({ sec: src.readUInt32LE(o), frac: src.readUInt32LE(o + 4), wireLen: src.readUInt32LE(o + 12), data: src.subarray(o + 16, o + 16 + cap) })
  o += 16 + cap
}
writeFileSync(outUs, writePcap(us, { bigEndian: true, linkType }))
writeFileSync(outNs, writePcap(us.map((p) => ({ ...p, frac: p.frac * 1000 })), { bigEndian: true, nanos: true, linkType }))
