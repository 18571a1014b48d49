import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import type { HttpEvent } from '../events.js'
import { HttpAnalyzer, uriFileName } from './http.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const HTTP = path.join(REPO, 'pcaps/http')
const CORPUS = path.resolve(REPO, '../shared/corpus')
const b = (s: string) => Buffer.from(s, 'latin1')

function feed(a: HttpAnalyzer, dir: 0 | 1, s: string | Buffer, step = 0): void {
  const buf = typeof s === 'string' ? b(s) : s
  const n = step > 0 ? step : buf.length
  for (let i = 0; i < buf.length; i += n) a.onData(dir, buf, i, Math.min(buf.length, i + n), 1)
}

const http = (ctx: ReturnType<typeof fakeAppContext>) => ctx.events.filter((e): e is HttpEvent => e.kind === 'http')

test('pipelined keep-alive: two requests, Content-Length and chunked responses, split at every byte', () => {
  for (const step of [0, 1, 3, 7]) {
    const ctx = fakeAppContext()
    const a = new HttpAnalyzer(ctx)
    feed(
      a,
      0,
      'GET /a.txt HTTP/1.1\r\nHost: example.test:8080\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c.exe HTTP/1.1\r\n\r\n',
      step,
    )
    feed(
      a,
      1,
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello' +
        'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n' + // HEAD: no body whatever Content-Length says
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nMZ\r\n3;x=y\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n',
      step,
    )
    a.onEnd(2)
    const ev = http(ctx)
    assert.deepEqual(
      ev.map((e) => [e.trans_depth, e.method, e.uri, e.status_code, e.response_body_len]),
      [
        [1, 'GET', '/a.txt', 200, 5],
        [2, 'HEAD', '/b', 200, 0],
        [3, 'GET', '/c.exe', 200, 5],
      ],
      `step ${step}`,
    )
    assert.equal(ev[0]?.resp_mime, 'text/plain')
    assert.equal(ctx.serverName, 'example.test')
    assert.deepEqual(ctx.confirmed, ['http'])
    assert.equal(ctx.files.length, 2)
    assert.equal(ctx.files[0]?.bytes().toString(), 'hello')
    assert.equal(ctx.files[0]?.spec.name, 'a.txt')
    assert.equal(ctx.files[0]?.spec.totalBytes, 5)
    assert.equal(ctx.files[1]?.bytes().toString(), 'MZabc')
    assert.deepEqual(ctx.files[1]?.closed, { ts: 1, complete: true })
    assert.deepEqual(ctx.weirds, [])
  }
})

test('chunked trailers: a trailer line split before its LF is not taken for the empty line', () => {
  const ctx = fakeAppContext()
  const a = new HttpAnalyzer(ctx)
  feed(a, 0, 'GET /t HTTP/1.1\r\n\r\nGET /u HTTP/1.1\r\n\r\n')
  feed(a, 1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\nX')
  feed(a, 1, '\n\r')
  feed(a, 1, '\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB')
  assert.deepEqual(
    http(ctx).map((e) => [e.uri, e.response_body_len]),
    [
      ['/t', 1],
      ['/u', 1],
    ],
  )
  assert.deepEqual(ctx.weirds, [])
})

test('1xx, 204, 304 have no body; a body until close; a POST body is an upload', () => {
  const ctx = fakeAppContext()
  const a = new HttpAnalyzer(ctx)
  feed(a, 0, 'POST /up HTTP/1.1\r\nContent-Length: 4\r\nContent-Type: application/octet-stream\r\n\r\nMZ\0\0')
  feed(a, 0, 'GET /n HTTP/1.1\r\n\r\nGET /m HTTP/1.1\r\n\r\nGET /last HTTP/1.1\r\n\r\n')
  feed(a, 1, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n')
  feed(a, 1, 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close')
  a.onEnd(5)
  assert.deepEqual(
    http(ctx).map((e) => [e.uri, e.status_code, e.request_body_len, e.response_body_len]),
    [
      ['/up', 201, 4, 0],
      ['/n', 204, 0, 0],
      ['/m', 304, 0, 0],
      ['/last', 200, 0, 11],
    ],
  )
  const up = ctx.files[0]
  assert.equal(up?.spec.direction, 'upload')
  assert.equal(up?.spec.senderIsOrig, true)
  assert.equal(up?.bytes().toString('latin1'), 'MZ\0\0')
  const close = ctx.files[1]
  assert.equal(close?.bytes().toString(), 'until close')
  assert.deepEqual(close?.closed, { ts: 5, complete: true })
})

test('bad input: endless head, invalid and oversized chunk sizes are weirds, never a stall', () => {
  const ctx = fakeAppContext(undefined, 4096)
  const a = new HttpAnalyzer(ctx)
  feed(a, 0, `GET / HTTP/1.1\r\nX: ${'a'.repeat(10000)}`, 1000)
  assert.deepEqual(ctx.weirds, ['http.header_too_long'])
  feed(a, 0, 'GET / HTTP/1.1\r\n\r\n') // the direction is dead now: ignored
  assert.equal(http(ctx).length, 0)

  const c2 = fakeAppContext()
  const a2 = new HttpAnalyzer(c2)
  feed(a2, 0, 'GET /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\n')
  feed(a2, 1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc')
  assert.deepEqual(c2.weirds, ['http.chunk_size_invalid'])
  assert.deepEqual(c2.files[0]?.closed, { ts: 1, complete: false })
  const c3 = fakeAppContext()
  const a3 = new HttpAnalyzer(c3)
  feed(a3, 0, 'GET /x HTTP/1.1\r\n\r\n')
  feed(a3, 1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n')
  assert.deepEqual(c3.weirds, ['http.chunk_size_too_large'])
  const c4 = fakeAppContext()
  const a4 = new HttpAnalyzer(c4)
  feed(a4, 0, 'GET /x HTTP/1.1\r\n\r\n')
  feed(a4, 1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
  assert.deepEqual(c4.weirds, ['http.chunked_empty'])
  assert.equal(http(c4)[0]?.status_code, 200)
})

test('a gap inside a Content-Length body is passed to the file; a gap in a head stops the direction', () => {
  const ctx = fakeAppContext()
  const a = new HttpAnalyzer(ctx)
  feed(a, 0, 'GET /f HTTP/1.1\r\n\r\n')
  feed(a, 1, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')
  a.onGap(1, 4, 1)
  feed(a, 1, 'xyz')
  assert.equal(ctx.files[0]?.gaps, 4)
  assert.deepEqual(ctx.files[0]?.closed, { ts: 1, complete: true })
  assert.equal(http(ctx)[0]?.response_body_len, 10)
  feed(a, 0, 'GET /g HTT')
  a.onGap(0, 100, 2)
  assert.ok(ctx.weirds.includes('http.gap_lost_sync'))
})

test('random bytes in both directions never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 })), { maxLength: 20 }), (chunks) => {
      const ctx = fakeAppContext(undefined, 2048)
      const a = new HttpAnalyzer(ctx)
      feed(a, 0, 'GET / HTTP/1.1\r\n\r\n')
      for (const [d, c] of chunks) feed(a, d ? 1 : 0, Buffer.from(c))
      a.onEnd(9)
      for (const f of ctx.files) assert.ok(f.closed !== undefined)
    }),
    { numRuns: 300 },
  )
})

test('uriFileName: last path segment, percent-decoded, absolute URIs', () => {
  assert.equal(uriFileName('/db/Malwares/Malware%202.exe'), 'Malware 2.exe')
  assert.equal(uriFileName('http://h.test/a/b.png?x=1'), 'b.png')
  assert.equal(uriFileName('/'), undefined)
  assert.equal(uriFileName('/bad%zz'), 'bad%zz')
})

/** sha256 and size of every object tshark exports from the capture, by file name. */
function tsharkObjects(file: string): Map<string, { sha: string; size: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'httpobj-'))
  try {
    execFileSync('tshark', ['-r', file, '-q', '--export-objects', `http,${dir}`])
    const m = new Map<string, { sha: string; size: number }>()
    for (const n of readdirSync(dir)) {
      const d = readFileSync(path.join(dir, n))
      m.set(n, { sha: createHash('sha256').update(d).digest('hex'), size: d.length })
    }
    return m
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function tsharkRequests(file: string, port?: number): string[][] {
  const decodeAs = port === undefined ? [] : ['-d', `tcp.port==${port},http`]
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      ...decodeAs,
      '-Y',
      'http.request',
      '-T',
      'fields',
      '-e',
      'http.request.uri',
      '-e',
      'http.user_agent',
      '-e',
      'http.host',
    ],
    { encoding: 'utf8' },
  )
  return out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
}

const served = new Map(
  readFileSync(path.join(HTTP, 'served.sha256'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [sha, name] = l.split(/\s+/)
      return [name ?? '', sha ?? ''] as const
    }),
)
const sizes = new Map(
  readFileSync(path.join(HTTP, 'served.sizes'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [size, name] = l.split(' ')
      return [name ?? '', Number(size)] as const
    }),
)

const EXPORT_CHECK = new Set(['wget-pe.pcap', 'curl-chunked-pe.pcap', 'curl-keepalive.pcap'])

const CAPTURES: Record<string, string[]> = {
  'curl-elf.pcap': ['true.elf'],
  'wget-pe.pcap': ['t32.exe'],
  'curl-png-pe.pcap': ['t32.exe'],
  'curl-chunked-pe.pcap': ['t32.exe'],
  'curl-keepalive.pcap': ['index.html', 'true.elf'],
  'wget-html.pcap': ['index.html'],
  'ua-certutil-pe.pcap': ['t32.exe'],
  'ua-powershell-pe.pcap': ['t32.exe'],
  'ua-bits-pe.pcap': ['t32.exe'],
}

for (const [cap, files] of Object.entries(CAPTURES)) {
  test(`${cap}: HttpEvents match tshark's requests; files match the served bytes and tshark's exported objects`, () => {
    const file = path.join(HTTP, cap)
    const r = runAppLayer(file, { chunk: 1500 })
    const ev = r.of('http')
    assert.deepEqual(
      ev.map((e) => [e.uri, e.user_agent ?? '', e.host ?? '']),
      tsharkRequests(file),
    )
    for (const e of ev) assert.equal(e.status_code, 200)
    const fe = r.of('file')
    assert.equal(fe.length, files.length)
    // tshark's exported objects for a few captures (each tshark run costs ~0.5 s).
    const objects = EXPORT_CHECK.has(cap) ? tsharkObjects(file) : undefined
    fe.forEach((f, i) => {
      const servedName = files[i] ?? ''
      assert.equal(f.sha256, served.get(servedName), `${cap} ${servedName} sha256`)
      assert.equal(f.bytes, sizes.get(servedName))
      assert.equal(f.complete, true)
      assert.equal(f.missing_bytes, 0)
      assert.equal(f.direction, 'download')
      assert.equal(f.file_proto, 'http')
      if (objects !== undefined) assert.equal(f.sha256, objects.get(f.name ?? '')?.sha, 'tshark --export-objects')
    })
    const ap = r.of('app-proto')
    assert.equal(ap.length, 1)
    assert.equal(ap[0]?.app_proto, 'http')
    assert.equal(ap[0]?.confirmed, true)
    assert.equal(r.counters.get('app_reasm_gaps_total'), 0)
  })
}

test('PE and ELF types and the lying Content-Type are recorded', () => {
  const png = runAppLayer(path.join(HTTP, 'curl-png-pe.pcap')).of('file')[0]
  assert.equal(png?.type, 'pe')
  assert.equal(png?.type_detail, 'pe32')
  assert.equal(png?.mime, 'image/png')
  assert.equal(png?.name, 'logo.png')
  assert.deepEqual(png?.context, {
    method: 'GET',
    uri: '/logo.png',
    host: '198.51.100.80',
    user_agent: 'curl/7.88.1',
    status: 200,
  })
  const elf = runAppLayer(path.join(HTTP, 'curl-elf.pcap')).of('file')[0]
  assert.equal(elf?.type, 'elf')
  assert.equal(elf?.head_hex.slice(0, 8), '7f454c46')
})

const corpus = { skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present' }

test('corpus: the truncated stealer capture yields the six DLL downloads before the truncation', corpus, () => {
  const r = runAppLayer(path.join(CORPUS, 'pcap/http/suricata_http_stealer_dlls_truncated_file.pcap'))
  const dlls = r.of('file').filter((f) => f.type === 'pe')
  assert.deepEqual(
    dlls.map((f) => [f.name, f.bytes, f.type_detail, f.complete]),
    [
      ['freebl3.dll', 334288, 'pe32-dll', true],
      ['mozglue.dll', 137168, 'pe32-dll', true],
      ['msvcp140.dll', 440120, 'pe32-dll', true],
      ['nss3.dll', 1246160, 'pe32-dll', true],
      ['softokn3.dll', 144848, 'pe32-dll', true],
      ['vcruntime140.dll', 83784, 'pe32-dll', true],
    ],
  )
  for (const f of dlls) assert.equal(f.mime, 'application/x-msdos-program')
})

test('corpus: complete PE and ELF downloads hash like tshark export objects', corpus, () => {
  for (const [rel, name] of [
    ['pcap/http/suricata_http_exe_download_plus_proxy.pcap', 'Malware 2.exe'],
    ['pcap/http/suricata_sll2_http_elf_download.pcap', 'testing'],
  ] as const) {
    const file = path.join(CORPUS, rel)
    const f = runAppLayer(file)
      .of('file')
      .find((x) => x.name === name && x.complete)
    const objs = tsharkObjects(file)
    const want = objs.get(name === 'testing' ? 'testing' : 'Malware%202.exe')
    assert.ok(f !== undefined && want !== undefined)
    assert.equal(f.bytes, want.size)
    assert.equal(f.sha256, want.sha)
  }
})

test('corpus: partial downloads are incomplete, without sha256, with the announced size', corpus, () => {
  const png = runAppLayer(path.join(CORPUS, 'pcap/http/ndpi_http_exe_disguised_as_png.pcap')).of('file')[0]
  assert.equal(png?.type, 'pe')
  assert.equal(png?.total_bytes, 249906)
  assert.equal(png?.complete, false)
  assert.equal(png?.sha256, undefined)
  const php = runAppLayer(path.join(CORPUS, 'pcap/http/ndpi_http_exe_download_partial.pcap')).of('file')[0]
  assert.equal(php?.name, 'solar.php')
  assert.equal(php?.total_bytes, 679008)
  assert.equal(php?.complete, false)
})

test('corpus: HTTP on odd ports is parsed (dynamic protocol detection)', corpus, () => {
  for (const [rel, port] of [
    ['pcap/portmismatch/ndpi_http_on_port_31337.pcap', 31337],
    ['pcap/portmismatch/zeek_http_on_port_22.pcap', 22],
    ['pcap/portmismatch/zeek_http_on_port_5432.pcap', 5432],
    ['pcap/portmismatch/suricata_plain_http_on_443_nuget.pcap', 443],
  ] as const) {
    const file = path.join(CORPUS, rel)
    const r = runAppLayer(file)
    assert.deepEqual(
      r
        .of('http')
        .map((e) => e.uri)
        .sort(),
      tsharkRequests(file, port)
        .map((x) => x[0])
        .sort(),
      rel,
    )
    for (const a of r.of('app-proto')) {
      assert.equal(a.resp_p, port)
      assert.equal(a.app_proto, 'http')
    }
  }
})

test('corpus: the Windows Update range starting at offset 0 sniffs as CAB, the later ranges do not', corpus, () => {
  const files = runAppLayer(path.join(CORPUS, 'pcap/benign/zeek_windows_update_cab_ranges.pcap')).of('file')
  assert.equal(files.length, 5)
  const first = files.find((f) => String(f.context?.content_range ?? '').startsWith('bytes 0-'))
  assert.equal(first?.type, 'cab')
  assert.equal(first?.head_hex.slice(0, 8), '4d534346')
  assert.equal(
    files.reduce((n, f) => n + f.bytes, 0),
    39618,
  )
  for (const f of files) if (f !== first) assert.notEqual(f.type, 'cab')
})
