import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { tsharkFields } from '../test/helpers/wireshark-tools.js'
import { decodeNext, ETHERTYPE_DECODERS, IPPROTO_DECODERS, LINK_DECODERS, walkPacket } from './dispatch.js'
import { addressText } from './network/ip-text.js'
import { newPacketView, type PacketView } from './packet-view.js'
import { CaptureReader } from './pcap/capture-reader.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const FOUNDATION = path.join(ROOT, 'pcaps/foundation')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

interface Frame {
  linkType: number
  bytes: Buffer
}

function frames(file: string): Frame[] {
  const out: Frame[] = []
  const r = new CaptureReader({
    name: file,
    onPacket: (b, off, end, _ts, _w, linkType) => out.push({ linkType, bytes: Buffer.from(b.subarray(off, end)) }),
  })
  try {
    r.push(readFileSync(file))
    r.end()
  } catch {
    // Truncated corpus files: the frames before the fault are what we compare.
  }
  return out
}

function walk(f: Frame): PacketView {
  const pv = newPacketView()
  walkPacket(f.linkType, f.bytes, 0, f.bytes.length, pv)
  return pv
}

const FIELDS = [
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'ip.proto',
  'ip.len',
  'ipv6.plen',
  'ip.ttl',
  'ipv6.hlim',
  'ip.frag_offset',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.window_size_value',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'ieee8021ad.id',
  'vlan.id',
] as const

const first = (v: string | undefined): string => (v ?? '').split(',')[0] ?? ''

const SAMPLES = [
  ...[
    'http-ether.pcap',
    'http-ether-nano.pcap',
    'http-dumpcap.pcapng',
    'multi-if.pcapng',
    'http-sll.pcap',
    'http-ipv6.pcap',
    'http-ether-be.pcap',
    'http-vlan.pcap',
    'http-qinq.pcap',
    'zero-window.pcap',
  ].map((n) => path.join(FOUNDATION, n)),
  ...(existsSync(CORPUS)
    ? [
        'pcap/odd/tcpdump_bigendian_pptp.pcap',
        'pcap/odd/tcpdump_nanosecond_sll_tcp_handshake.pcap',
        'pcap/odd/zeek_http_nflog_linktype.pcap',
        'pcap/odd/zeek_http_vlan_tagged.pcap',
        'pcap/odd/zeek_pcapng_two_interfaces_mixed_tsresol.pcapng',
        'pcap/benign/ndpi_dns_vlan_pppoe.pcapng',
        'pcap/ftp/zeek_ftp_ipv6_retr_control_only.pcap',
        'pcap/http/suricata_sll2_http_elf_download.pcap',
        'pcap/smb/suricata_smb2_psexec_service_drop.pcap',
        'syslog/pcap/zeek_syslog_over_tcp.pcap',
        'syslog/pcap/ndpi_syslog_udp_mixed_vendors.pcap',
      ].map((n) => path.join(CORPUS, n))
    : []),
]

test('walkPacket: addresses, ports, flags, lengths, TTL, fragments and VLANs equal tshark for every frame', async () => {
  // One tshark run over all samples concatenated by mergecap (tshark start-up dominates otherwise).
  const dir = mkdtempSync(path.join(tmpdir(), 'walk-'))
  const merged = path.join(dir, 'all.pcapng')
  try {
    execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...SAMPLES])
    const rows = await tsharkFields(merged, FIELDS, ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'])
    const all = SAMPLES.flatMap((file) => frames(file).map((f, k) => ({ file, k, f })))
    assert.ok(all.length > 400)
    assert.equal(all.length, rows.length)
    all.forEach(({ file, k, f }, row) => {
      check(file, k, f, rows[row] as string[])
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** Compares one walked frame with tshark's fields for it. */
function check(file: string, k: number, f: Frame, row: string[]): void {
  const pv = walk(f)
  const t = Object.fromEntries(FIELDS.map((name, j) => [name, row[j] ?? ''])) as Record<string, string>
  const where = `${path.basename(file)} #${k + 1} (stop ${pv.stop})`
  const v4 = first(t['ip.src'])
  const v6 = first(t['ipv6.src'])
  // ipVersion: which IP header tshark saw first (outermost).
  if (pv.ipVersion === 0) {
    assert.equal(v4 + v6, '', `${where}: tshark decoded IP`)
    return
  }
  if (pv.ipVersion === 4) {
    assert.equal(addressText(pv.src, 4), v4, where)
    assert.equal(addressText(pv.dst, 4), first(t['ip.dst']), where)
    assert.equal(String(pv.ipProto), first(t['ip.proto']), where)
    assert.equal(String(pv.ipLen), first(t['ip.len']), where)
    assert.equal(String(pv.ttl), first(t['ip.ttl']), where)
    // tshark's ip.frag_offset is in 8-byte units.
    assert.equal(String(pv.fragOffset / 8), first(t['ip.frag_offset']), where)
  } else {
    assert.equal(addressText(pv.src, 6), v6, where)
    assert.equal(addressText(pv.dst, 6), first(t['ipv6.dst']), where)
    assert.equal(String(pv.ipLen - 40), first(t['ipv6.plen']), where)
    assert.equal(String(pv.ttl), first(t['ipv6.hlim']), where)
  }
  // tshark names 802.1ad service tags ieee8021ad.id and 802.1Q tags vlan.id.
  const vlans = `${t['ieee8021ad.id']},${t['vlan.id']}`.split(',').filter(Boolean)
  assert.equal(pv.vlan, vlans.length > 0 ? Number(vlans[0]) : -1, `${where}: vlan`)
  assert.equal(pv.vlanInner, vlans.length > 1 ? Number(vlans[1]) : -1, `${where}: inner vlan`)
  if (pv.isFragment && pv.fragOffset !== 0) {
    assert.equal(pv.srcPort, -1, where)
    return
  }
  const ports: Record<number, [string, string]> = {
    6: ['tcp.srcport', 'tcp.dstport'],
    17: ['udp.srcport', 'udp.dstport'],
    1: ['icmp.type', 'icmp.code'],
    58: ['icmpv6.type', 'icmpv6.code'],
  }
  const names = ports[pv.ipProto]
  if (names === undefined) {
    assert.equal(pv.stop, pv.ipProto === 59 ? 'ip.no_next_header' : 'ip.unknown_protocol', where)
    return
  }
  assert.equal(String(pv.srcPort), first(t[names[0]]), `${where}: src port`)
  assert.equal(String(pv.dstPort), first(t[names[1]]), `${where}: dst port`)
  if (pv.ipProto === 6) {
    assert.equal(pv.tcpFlags, Number(first(t['tcp.flags'])) & 0xff, `${where}: flags`)
    assert.equal(String(pv.seq), first(t['tcp.seq_raw']), `${where}: seq`)
    assert.equal(String(pv.ack), first(t['tcp.ack_raw']), `${where}: ack`)
    assert.equal(String(pv.tcpWindow), first(t['tcp.window_size_value']), `${where}: window`)
  }
  assert.ok(pv.payloadOff <= pv.payloadEnd && pv.payloadEnd <= f.bytes.length, where)
}

test('walkPacket: TCP payload length from the IP lengths; captured payload bounded by the frame', () => {
  for (const f of frames(path.join(FOUNDATION, 'http-ether.pcap'))) {
    const pv = walk(f)
    if (pv.ipProto !== 6) continue
    // Ethernet (14) + IPv4 (20, no options) + TCP (data offset * 4); no snaplen cut, so both agree.
    const tcpHlen = ((f.bytes[14 + 20 + 12] as number) >> 4) * 4
    assert.equal(pv.payloadOff, 14 + 20 + tcpHlen)
    assert.equal(pv.payloadLen, pv.ipLen - 20 - tcpHlen)
    assert.equal(pv.payloadEnd - pv.payloadOff, pv.payloadLen)
  }
})

test('walkPacket: named stop reasons', () => {
  const pv = newPacketView()
  const arp = Buffer.from('ffffffffffff02000000000108060001080006040001', 'hex')
  walkPacket(1, arp, 0, arp.length, pv)
  assert.equal(pv.stop, 'ethernet.non_ip')
  walkPacket(147, arp, 0, arp.length, pv)
  assert.equal(pv.stop, 'link.unknown_linktype')
  const llc = Buffer.from('0180c200000002000000000100264242030000', 'hex')
  walkPacket(1, llc, 0, llc.length, pv)
  assert.equal(pv.stop, 'ethernet.llc_frame')
  // IPv4 with IHL 4 after an Ethernet header.
  const ihl4 = Buffer.concat([Buffer.from('02000000000202000000000108 00'.replace(/ /g, ''), 'hex'), Buffer.alloc(20)])
  ihl4[14] = 0x44
  walkPacket(1, ihl4, 0, ihl4.length, pv)
  assert.equal(pv.stop, 'ipv4.hlen_too_small')
  assert.equal(pv.ipVersion, 0)
  const gre = Buffer.from('4500001800010000402f0000c0a80001c0a800020000 0800'.replace(/ /g, ''), 'hex')
  walkPacket(101, gre, 0, gre.length, pv)
  assert.equal(pv.stop, 'ip.unknown_protocol')
  assert.equal(pv.ipProto, 47)
  assert.equal(addressText(pv.src, 4), '192.168.0.1')
})

test('decodeNext looks keys up in the one table', () => {
  assert.ok(LINK_DECODERS.has(1) && LINK_DECODERS.has(276) && LINK_DECODERS.has(239))
  assert.deepEqual([...ETHERTYPE_DECODERS.keys()], [0x0800, 0x86dd])
  assert.deepEqual(
    [...IPPROTO_DECODERS.keys()].sort((a, b) => a - b),
    [1, 6, 17, 58],
  )
  const [f] = frames(path.join(FOUNDATION, 'http-ether.pcap'))
  assert.ok(f)
  const eth = decodeNext({ kind: 'linktype', value: f.linkType }, f.bytes, 0, f.bytes.length)
  assert.ok(eth.ok)
  const key = eth.value.nextKey
  assert.deepEqual(key, { kind: 'ethertype', value: 0x0800 })
  const ip = decodeNext(key, f.bytes, eth.value.payloadOff, eth.value.payloadEnd)
  assert.ok(ip.ok && ip.value.nextKey !== undefined)
  const tcp = decodeNext(ip.value.nextKey, f.bytes, ip.value.payloadOff, ip.value.payloadEnd)
  assert.ok(tcp.ok)
  const bad = decodeNext({ kind: 'ipproto', value: 132 }, f.bytes, 0, 10)
  assert.ok(!bad.ok && bad.error.code === 'ip.unknown_protocol')
})

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276]

/** Runs the walker on buf[off,end) placed between guard bytes of two values; results must not depend on them. */
function walkGuarded(linkType: number, frame: Uint8Array): void {
  const results: string[] = []
  for (const guard of [0x00, 0xff]) {
    const buf = Buffer.alloc(frame.length + 64, guard)
    buf.set(frame, 32)
    const pv = newPacketView()
    walkPacket(linkType, buf, 32, 32 + frame.length, pv)
    assert.ok(pv.payloadOff === 0 || (pv.payloadOff >= 32 && pv.payloadOff <= 32 + frame.length))
    assert.ok(pv.payloadEnd === 0 || (pv.payloadEnd >= pv.payloadOff && pv.payloadEnd <= 32 + frame.length))
    results.push(JSON.stringify({ ...pv, src: [...pv.src], dst: [...pv.dst] }))
  }
  assert.equal(results[0], results[1], 'the walker read outside [off, end)')
}

test('walkPacket never throws and never reads outside [off, end): random bytes', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200 }), (lt, bytes) =>
      walkGuarded(lt, bytes),
    ),
    { numRuns: 3000 },
  )
})

test('walkPacket never throws and never reads outside [off, end): every prefix and bit flips of real frames', () => {
  const files = [
    path.join(FOUNDATION, 'http-ether.pcap'),
    path.join(FOUNDATION, 'http-ipv6.pcap'),
    path.join(FOUNDATION, 'multi-if.pcapng'),
    path.join(FOUNDATION, 'http-qinq.pcap'),
    path.join(FOUNDATION, 'http-sll.pcap'),
    ...(existsSync(CORPUS)
      ? [
          path.join(CORPUS, 'pcap/odd/zeek_http_nflog_linktype.pcap'),
          path.join(CORPUS, 'pcap/benign/ndpi_dns_vlan_pppoe.pcapng'),
          path.join(CORPUS, 'pcap/odd/tcpdump_bigendian_pptp.pcap'),
        ]
      : []),
  ]
  const all = files.flatMap(frames)
  // Every prefix of the first bytes of each distinct-length frame (headers are where the checks live).
  for (const f of all.slice(0, 120)) {
    const n = Math.min(f.bytes.length, 140)
    for (let len = 0; len <= n; len++) walkGuarded(f.linkType, f.bytes.subarray(0, len))
  }
  fc.assert(
    fc.property(fc.nat(all.length - 1), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (i, flips) => {
      const f = all[i] as Frame
      const b = Buffer.from(f.bytes.subarray(0, 160))
      for (const x of flips) b[x % b.length] = (b[x % b.length] as number) ^ (1 << (x % 8))
      walkGuarded(f.linkType, b)
    }),
    { numRuns: 2000 },
  )
})
