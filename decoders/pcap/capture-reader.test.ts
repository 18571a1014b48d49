import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { type PcapngBlock, pcapHeader, pcapRecord, writePcap, writePcapng } from '../../test/helpers/pcap-writer.js'
import { capinfosCounts, tsharkFields } from '../../test/helpers/wireshark-tools.js'
import { CaptureReader, sniffCaptureFormat } from './capture-reader.js'
import { PcapFormatError } from './pcap-format-error.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const FOUNDATION = path.join(ROOT, 'pcaps/foundation')
const CORPUS = path.resolve(ROOT, '../shared/corpus')
const noCorpus = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'

interface Pkt {
  ts: number
  wireLen: number
  capLen: number
  linkType: number
  ifIndex: number
  sum: number
}

/** Reads a whole buffer (in chunks of the given sizes, cycling) and returns packets plus the error, if any. */
function readAll(buf: Buffer, chunkSizes: readonly number[] = [buf.length || 1]) {
  const pkts: Pkt[] = []
  const r = new CaptureReader({
    name: 't',
    onPacket: (b, off, end, ts, wireLen, linkType, ifIndex) => {
      let sum = 0
      for (let i = off; i < end; i++) sum = (sum * 31 + (b[i] as number)) >>> 0
      pkts.push({ ts, wireLen, capLen: end - off, linkType, ifIndex, sum })
    },
  })
  let error: unknown
  try {
    let o = 0
    for (let i = 0; o < buf.length; i++) {
      const n = chunkSizes[i % chunkSizes.length] as number
      // Copy so that the reader cannot depend on chunks staying alive after push().
      r.push(Buffer.from(buf.subarray(o, o + n)))
      o += n
    }
    r.end()
  } catch (e) {
    error = e
  }
  return { pkts, error, reader: r }
}

function files(dir: string, re: RegExp): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...files(p, re))
    else if (re.test(name)) out.push(p)
  }
  return out.sort()
}

const foundation = files(FOUNDATION, /\.pcap(ng)?$/)

test('foundation captures: count, timestamps, lengths and interfaces equal tshark', async () => {
  assert.ok(foundation.length >= 10)
  const expected = await Promise.all(
    foundation.map((f) => tsharkFields(f, ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id'])),
  )
  foundation.forEach((f, i) => {
    const exp = expected[i] as string[][]
    const { pkts, error, reader } = readAll(readFileSync(f))
    assert.equal(error, undefined, f)
    assert.equal(pkts.length, exp.length, `${f}: packet count`)
    assert.equal(reader.format, f.endsWith('.pcapng') ? 'pcapng' : 'pcap')
    pkts.forEach((p, k) => {
      const [ts, len, cap, ifId] = exp[k] as string[]
      // Doubles near 1.8e9 s have 2.4e-7 s resolution; tshark prints 9 decimals.
      assert.ok(Math.abs(p.ts - Number(ts)) < 1e-6, `${f} #${k + 1}: ts ${p.ts} vs ${ts}`)
      assert.equal(p.wireLen, Number(len), `${f} #${k + 1}: wire length`)
      assert.equal(p.capLen, Number(cap), `${f} #${k + 1}: captured length`)
      assert.equal(p.ifIndex, ifId === '' || ifId === undefined ? 0 : Number(ifId), `${f} #${k + 1}: interface`)
    })
  })
})

test('multi-interface pcapng: two link types and two timestamp resolutions', () => {
  const { pkts, reader } = readAll(readFileSync(path.join(FOUNDATION, 'multi-if.pcapng')))
  assert.deepEqual(
    [...reader.linkTypes].sort((a, b) => a - b),
    [1, 276],
  )
  assert.ok(pkts.some((p) => p.ifIndex === 0 && p.linkType === 1))
  assert.ok(pkts.some((p) => p.ifIndex === 1 && p.linkType === 276))
  // Interface 1 was recorded with nanosecond precision: some of its stamps have sub-microsecond parts.
  assert.ok(pkts.some((p) => p.ifIndex === 1 && Math.abs(p.ts * 1e6 - Math.round(p.ts * 1e6)) > 0.01))
})

test('big-endian and little-endian copies of a capture give identical packets', () => {
  const le = readAll(readFileSync(path.join(FOUNDATION, 'http-ether.pcap'))).pkts
  const be = readAll(readFileSync(path.join(FOUNDATION, 'http-ether-be.pcap'))).pkts
  const beNs = readAll(readFileSync(path.join(FOUNDATION, 'http-ether-be-nano.pcap'))).pkts
  assert.deepEqual(be, le)
  assert.equal(beNs.length, le.length)
  beNs.forEach((p, i) => {
    assert.equal(p.sum, le[i]?.sum)
    assert.ok(Math.abs(p.ts - (le[i]?.ts ?? 0)) < 1e-6)
  })
})

test('corpus: every capture reads with the packet count capinfos gives', { skip: noCorpus }, async () => {
  const all = [
    ...files(path.join(CORPUS, 'pcap'), /\.pcap(ng)?$/),
    ...files(path.join(CORPUS, 'netflow'), /\.pcap$/),
    ...files(path.join(CORPUS, 'syslog/pcap'), /\.pcap(ng)?$/),
  ]
  assert.ok(all.length > 40)
  const counts = await capinfosCounts(all)
  for (const f of all) {
    const { pkts, error } = readAll(readFileSync(f))
    let want = counts.get(f)
    if (f.endsWith('suricata_fuzz_damaged_oversize_record.pcap')) {
      // capinfos/Wireshark guess this fuzzed file is the 24-byte-header "modified pcap" variant and read a
      // bogus second frame; libpcap (tcpdump) reads it as standard pcap: one frame, then the bad length.
      want = spawnSync('tcpdump', ['-nr', f], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length
    }
    assert.equal(pkts.length, want, `${f}: packets`)
    if (error !== undefined) assert.ok(error instanceof PcapFormatError, `${f}: ${error}`)
  }
})

test('corpus: the truncated capture raises truncation at the last record, after every packet before it', {
  skip: noCorpus,
}, async () => {
  const f = path.join(CORPUS, 'pcap/http/suricata_http_stealer_dlls_truncated_file.pcap')
  const caps = await tsharkFields(f, ['frame.cap_len'])
  const { pkts, error } = readAll(readFileSync(f), [65536, 1 << 20])
  assert.equal(pkts.length, caps.length)
  assert.ok(error instanceof PcapFormatError)
  assert.equal(error.code, 'pcap.truncated_record')
  const offset = caps.reduce((o, [c]) => o + 16 + Number(c), 24)
  assert.equal(error.offset, offset)
  assert.match(error.message, new RegExp(`byte offset ${offset}\\b`))
})

test('corpus: oversize record and cut-short nanosecond file fail with the right codes', { skip: noCorpus }, () => {
  const over = readAll(readFileSync(path.join(CORPUS, 'pcap/odd/suricata_fuzz_damaged_oversize_record.pcap')))
  assert.ok(over.error instanceof PcapFormatError)
  assert.equal(over.error.code, 'pcap.record_too_large')
  // The first record is 16 + 188 bytes after the 24-byte file header.
  assert.equal(over.error.offset, 24 + 16 + 188)
  const cut = readAll(readFileSync(path.join(CORPUS, 'pcap/odd/ndpi_fuzz_cut_short_nsec_null.pcap')))
  assert.ok(cut.error instanceof PcapFormatError)
  assert.equal(cut.error.code, 'pcap.truncated_record')
  // libpcap reads this 2.0 file with caplen/len swapped: 197 captured bytes of a 524501-byte frame.
  assert.equal(cut.pkts[0]?.capLen, 197)
  assert.equal(cut.pkts[0]?.wireLen, 524501)
})

test('cut captures (head -c) deliver every complete record, then fail at the cut record', () => {
  const full = readFileSync(path.join(FOUNDATION, 'http-ether.pcap'))
  const all = readAll(full).pkts
  // Record start offsets from the file itself.
  const starts: number[] = []
  for (let o = 24; o < full.length; o += 16 + full.readUInt32LE(o + 8)) starts.push(o)
  // A header with no records is a valid, empty capture.
  const headerOnly = readAll(full.subarray(0, 24))
  assert.equal(headerOnly.error, undefined)
  assert.equal(headerOnly.pkts.length, 0)
  for (const cut of [10, 30, (starts[3] as number) + 5, (starts[7] as number) + 40, full.length - 1]) {
    const { pkts, error } = readAll(full.subarray(0, cut), [7, 100, 4096])
    assert.ok(error instanceof PcapFormatError, `cut ${cut}`)
    const complete = starts.filter((_s, i) => (starts[i + 1] ?? full.length) <= cut).length
    assert.equal(pkts.length, cut < 24 ? 0 : complete, `cut ${cut}`)
    assert.deepEqual(pkts, all.slice(0, pkts.length))
    if (cut < 24) assert.equal(error.code, 'pcap.truncated_header')
    else {
      assert.equal(error.code, 'pcap.truncated_record')
      assert.equal(error.offset, starts[complete])
    }
  }
})

test('non-capture input and empty input', () => {
  const text = readAll(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  assert.ok(text.error instanceof PcapFormatError)
  assert.equal(text.error.code, 'pcap.bad_magic')
  assert.equal(text.error.offset, 0)
  const empty = new CaptureReader({ name: 'e', onPacket: () => {} })
  assert.throws(
    () => empty.end(),
    (e: unknown) => e instanceof PcapFormatError && e.code === 'pcap.empty',
  )
})

test('a record above the limit fails at once, before the rest of it arrives', () => {
  const head = Buffer.concat([
    pcapHeader({ snaplen: 65535 }),
    pcapRecord({ sec: 1, frac: 0, data: Buffer.alloc(60) }),
    pcapRecord({ sec: 2, frac: 0, data: Buffer.alloc(0), capLenField: 0x7fffffff }),
  ])
  let n = 0
  const r = new CaptureReader({ name: 'x', onPacket: () => n++ })
  assert.throws(
    () => r.push(head),
    (e: unknown) => e instanceof PcapFormatError && e.code === 'pcap.record_too_large' && e.offset === 24 + 76,
  )
  assert.equal(n, 1)
  // A caplen above the snaplen but within maxRecordBytes is accepted (libpcap reads it too).
  const ok = readAll(writePcap([{ sec: 1, frac: 0, data: Buffer.alloc(70000) }], { snaplen: 65535 }))
  assert.equal(ok.error, undefined)
  assert.equal(ok.pkts[0]?.capLen, 70000)
  const bad = readAll(writePcap([{ sec: 1, frac: 0, data: Buffer.alloc(10) }], { versionMajor: 3 }))
  assert.ok(bad.error instanceof PcapFormatError && bad.error.code === 'pcap.bad_version')
})

test('pcapng: sections with their own byte order, interfaces, tsresol forms, tsoffset, SPB, skipped blocks', () => {
  const frame = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 255))
  const blocks: PcapngBlock[] = [
    { kind: 'shb' },
    { kind: 'idb', linkType: 1, tsresol: 9 },
    { kind: 'idb', linkType: 113, tsresol: 0x80 | 20, tsoffset: 100 },
    { kind: 'raw', type: 4, body: Buffer.alloc(20, 1) }, // NRB-sized junk: skipped
    { kind: 'epb', ifId: 0, tsHigh: 0, tsLow: 1_500_000_000, data: frame(60), comment: 'hello' },
    { kind: 'epb', ifId: 1, tsHigh: 0, tsLow: 3 << 19, data: frame(61), wireLen: 1500 },
    { kind: 'raw', type: 5, body: Buffer.alloc(24) }, // ISB: skipped
    { kind: 'raw', type: 0x40000bad, body: Buffer.alloc(8) }, // custom/unknown: skipped
    { kind: 'shb', bigEndian: true },
    { kind: 'idb', linkType: 101, snaplen: 40 },
    { kind: 'spb', data: frame(64), wireLen: 64 },
    { kind: 'epb', ifId: 0, tsHigh: 1, tsLow: 5, data: frame(40) },
  ]
  const file = writePcapng(blocks)
  assert.equal(sniffCaptureFormat(file), 'pcapng')
  const { pkts, error, reader } = readAll(file)
  assert.equal(error, undefined)
  assert.equal(reader.format, 'pcapng')
  assert.equal(pkts.length, 4)
  assert.deepEqual(
    pkts.map((p) => [p.linkType, p.ifIndex, p.capLen, p.wireLen]),
    [
      [1, 0, 60, 60],
      [113, 1, 61, 1500],
      [101, 0, 40, 64], // SPB: captured length bounded by the snaplen (40) of interface 0
      [101, 0, 40, 40],
    ],
  )
  assert.equal(pkts[0]?.ts, 1.5) // 1.5e9 ns
  assert.equal(pkts[1]?.ts, 100 + 3 / 2) // (3 << 19) / 2^20 s + 100 s offset
  assert.equal(pkts[3]?.ts, (2 ** 32 + 5) / 1e6)
  assert.deepEqual([...reader.linkTypes], [1, 113, 101])
})

test('pcapng: inconsistent block lengths and undefined interfaces fail with offsets', () => {
  const good = writePcapng([
    { kind: 'shb' },
    { kind: 'idb', linkType: 1 },
    { kind: 'epb', ifId: 0, tsHigh: 0, tsLow: 1, data: Buffer.alloc(60) },
  ])
  const epbAt = 28 + 20
  const trailer = Buffer.from(good)
  trailer.writeUInt32LE(9999, trailer.length - 4)
  const r1 = readAll(trailer)
  assert.ok(r1.error instanceof PcapFormatError && r1.error.code === 'pcapng.bad_block_length')
  assert.equal(r1.error.offset, epbAt)
  const tooShort = Buffer.from(good)
  tooShort.writeUInt32LE(20, epbAt + 4)
  const r2 = readAll(tooShort)
  assert.ok(r2.error instanceof PcapFormatError && r2.error.code === 'pcapng.bad_block_length')
  const capTooBig = Buffer.from(good)
  capTooBig.writeUInt32LE(1000, epbAt + 20)
  const r3 = readAll(capTooBig)
  assert.ok(r3.error instanceof PcapFormatError && r3.error.code === 'pcapng.bad_block_length')
  const noIf = Buffer.from(good)
  noIf.writeUInt32LE(3, epbAt + 8)
  const r4 = readAll(noIf)
  assert.ok(r4.error instanceof PcapFormatError && r4.error.code === 'pcapng.unknown_interface')
  const bom = Buffer.from(good)
  bom.writeUInt32LE(0x12345678, 8)
  assert.equal(sniffCaptureFormat(bom), undefined)
  const cut = readAll(good.subarray(0, good.length - 3))
  assert.ok(cut.error instanceof PcapFormatError && cut.error.code === 'pcapng.truncated_block')
  assert.equal(cut.error.offset, epbAt)
})

test('sniffCaptureFormat recognises the four pcap magics and pcapng only', () => {
  for (const o of [{}, { nanos: true }, { bigEndian: true }, { bigEndian: true, nanos: true }]) {
    assert.equal(sniffCaptureFormat(pcapHeader(o)), 'pcap')
  }
  assert.equal(sniffCaptureFormat(Buffer.from([0xa1, 0xb2])), undefined)
  assert.equal(sniffCaptureFormat(Buffer.from('%PDF-1.7')), undefined)
  assert.equal(sniffCaptureFormat(Buffer.from([0x1f, 0x8b, 8, 0])), undefined)
})

test('any chunking of a file gives the same packets (pcap and pcapng)', () => {
  const inputs = [
    readFileSync(path.join(FOUNDATION, 'http-ether-nano.pcap')),
    readFileSync(path.join(FOUNDATION, 'multi-if.pcapng')),
    readFileSync(path.join(FOUNDATION, 'http-ether-be.pcap')),
  ]
  const reference = inputs.map((b) => readAll(b).pkts)
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: inputs.length - 1 }),
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }),
      (which, sizes) => {
        const { pkts, error } = readAll(inputs[which] as Buffer, sizes)
        assert.equal(error, undefined)
        assert.deepEqual(pkts, reference[which])
      },
    ),
    { numRuns: 150 },
  )
})

test('random bytes after a valid header never crash: only packets or PcapFormatError', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 600 }), (ng, junk) => {
      const head = ng ? writePcapng([{ kind: 'shb' }, { kind: 'idb', linkType: 1 }]) : pcapHeader()
      const { error } = readAll(Buffer.concat([head, Buffer.from(junk)]), [13, 64])
      if (error !== undefined) assert.ok(error instanceof PcapFormatError, String(error))
    }),
    { numRuns: 300 },
  )
})
