/**
 * Writes tagged copies of a little-endian µs Ethernet pcap with test/helpers/pcap-writer.ts: one with an
 * 802.1Q tag (VLAN 42, PCP 3) after the MAC addresses of every frame, and one with QinQ (802.1ad S-tag 100,
 * then 802.1Q C-tag 42). Used because the recording sandbox's kernel cannot create VLAN interfaces.
 * Usage: node --import tsx make-vlan.ts IN.pcap OUT-vlan.pcap OUT-qinq.pcap
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { type PcapPacket, writePcap } from '../../test/helpers/pcap-writer.js'

const [inPath, outVlan, outQinq] = process.argv.slice(2)
if (inPath === undefined || outVlan === undefined || outQinq === undefined) throw new Error('Usage: IN OUT-vlan OUT-qinq.')
const src = readFileSync(inPath)
if (src.readUInt32LE(0) !== 0xa1b2c3d4 || src.readUInt32LE(20) !== 1) throw new Error('Input must be a LE µs Ethernet pcap.')

function tag(tpid: number, tci: number): Buffer {
  const t = Buffer.alloc(4)
  t.writeUInt16BE(tpid, 0)
  t.writeUInt16BE(tci, 2)
  return t
}

const plain: PcapPacket[] = []
for (let o = 24; o + 16 <= src.length; ) {
  const cap = src.readUInt32LE(o + 8)
  plain.push({ sec: src.readUInt32LE(o), frac: src.readUInt32LE(o + 4), wireLen: src.readUInt32LE(o + 12), data: src.subarray(o + 16, o + 16 + cap) })
  o += 16 + cap
}
function tagged(tags: Buffer[]): PcapPacket[] {
  const extra = tags.reduce((n, t) => n + t.length, 0)
  return plain.map((p) => ({
    ...p,
    wireLen: (p.wireLen ?? p.data.length) + extra,
    data: Buffer.concat([p.data.subarray(0, 12), ...tags, p.data.subarray(12)]),
  }))
}
writeFileSync(outVlan, writePcap(tagged([tag(0x8100, (3 << 13) | 42)])))
writeFileSync(outQinq, writePcap(tagged([tag(0x88a8, 100), tag(0x8100, 42)])))
