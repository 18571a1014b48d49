import assert from 'node:assert/strict'
import { execFile, execSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { CaptureReader } from '../../decoders/pcap/capture-reader.js'
import { writePcap } from '../../test/helpers/pcap-writer.js'
import { capinfosCounts } from '../../test/helpers/wireshark-tools.js'
import { CaptureFileError, readCaptureStream } from './pcap-file.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const FOUNDATION = path.join(ROOT, 'pcaps/foundation')
const TMP = mkdtempSync(path.join(tmpdir(), 'pcap-file-'))
after(() => rmSync(TMP, { recursive: true, force: true }))

function counter() {
  const reader = new CaptureReader({ name: 'x', onPacket: () => {} })
  return reader
}

test('reads a file in chunks and reports progress', async () => {
  const file = path.join(FOUNDATION, 'http-ether.pcap')
  const r = counter()
  const progress: [number, number | undefined][] = []
  await readCaptureStream(file, r, { onProgress: (n, total) => progress.push([n, total]) })
  const want = (await capinfosCounts([file])).get(file)
  assert.equal(r.packets, want)
  const last = progress.at(-1)
  assert.ok(last !== undefined && last[0] === last[1] && r.bytesConsumed === last[0])
})

test('a capture cut with head -c gives CaptureFileError naming the file and offset, after the packets before it', async () => {
  const src = path.join(FOUNDATION, 'http-ether.pcap')
  const cut = path.join(TMP, 'cut.pcap')
  execSync(`head -c 5000 '${src}' > '${cut}'`)
  const want = (await capinfosCounts([cut])).get(cut)
  const r = counter()
  await assert.rejects(readCaptureStream(cut, r), (e: unknown) => {
    assert.ok(e instanceof CaptureFileError)
    assert.equal(e.code, 'pcap.truncated_record')
    assert.equal(e.exitCode, 2)
    assert.equal(e.offset, r.bytesConsumed)
    assert.ok(e.message.startsWith(`${cut}: truncated record`), e.message)
    assert.match(e.message, new RegExp(`at byte offset ${r.bytesConsumed} \\(packet ${r.packets + 1}\\)\\.$`))
    return true
  })
  assert.equal(r.packets, want)
})

test('a non-capture file, a missing file and a directory give CaptureFileError', async () => {
  const text = path.join(TMP, 'notes.txt')
  writeFileSync(text, 'just some text, not a capture\n')
  await assert.rejects(readCaptureStream(text, counter()), (e: unknown) => {
    assert.ok(e instanceof CaptureFileError)
    assert.equal(e.code, 'pcap.bad_magic')
    assert.match(e.message, /notes\.txt: not a pcap or pcapng capture .* at byte offset 0/)
    return true
  })
  await assert.rejects(
    readCaptureStream(path.join(TMP, 'missing.pcap'), counter()),
    (e: unknown) => e instanceof CaptureFileError && e.code === 'capture.open_failed' && /ENOENT/.test(e.message),
  )
  await assert.rejects(
    readCaptureStream(TMP, counter()),
    (e: unknown) => e instanceof CaptureFileError && e.code === 'capture.is_directory',
  )
})

test('stdin: `tcpdump -r FILE -U -w - |` (pcap) and a pcapng stream', async () => {
  const helper = path.join(ROOT, 'test/helpers/read-capture-stdin.ts')
  const node = `'${process.execPath}' --import tsx '${helper}'`
  const pcap = path.join(FOUNDATION, 'http-ether-nano.pcap')
  const ng = path.join(FOUNDATION, 'multi-if.pcapng')
  const counts = await capinfosCounts([pcap, ng])
  const sh = promisify(execFile)
  const run = async (cmd: string) => JSON.parse((await sh('sh', ['-c', cmd], { cwd: ROOT })).stdout)
  const [a, b, c] = await Promise.all([
    run(`tcpdump -r '${pcap}' -U -w - 2>/dev/null | ${node}`),
    run(`cat '${ng}' | ${node}`),
    run(`head -c 3000 '${pcap}' | ${node}`),
  ])
  assert.deepEqual(a, { packets: counts.get(pcap), format: 'pcap', linkTypes: [1] })
  assert.deepEqual(b, { packets: counts.get(ng), format: 'pcapng', linkTypes: [1, 276] })
  assert.equal(c.error, 'pcap.truncated_record')
  assert.match(c.message, /^stdin: truncated record/)
})

test('an AbortSignal stops reading with its reason', async () => {
  const big = path.join(TMP, 'big.pcap')
  const frame = Buffer.alloc(1000, 0xab)
  writeFileSync(big, writePcap(Array.from({ length: 4000 }, (_, i) => ({ sec: i, frac: 0, data: frame }))))
  const ac = new AbortController()
  const r = counter()
  await assert.rejects(
    readCaptureStream(big, r, { signal: ac.signal, onProgress: () => ac.abort(new Error('stop now')) }),
    /stop now/,
  )
  assert.ok(r.packets > 0 && r.packets < 4000)
  await assert.rejects(readCaptureStream(big, counter(), { signal: AbortSignal.abort(new Error('early')) }), /early/)
})
