import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { FINGER_SPEC } from './finger.js'
import type { StreamAnalyzer } from './types.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const PCAPS = path.join(ROOT, 'pcaps/finger')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

/** Per TCP stream: the client's payload as text and the server's payload byte count, from tshark. */
async function tsharkStreams(file: string, port: number): Promise<Map<number, { query: string; replyBytes: number }>> {
  const { stdout: out } = await promisify(execFile)(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'tcp.len > 0',
      '-T',
      'fields',
      '-e',
      'tcp.stream',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.len',
      '-e',
      'tcp.payload',
    ],
    { encoding: 'utf8' },
  )
  const m = new Map<number, { query: string; replyBytes: number }>()
  for (const line of out.split('\n')) {
    if (line === '') continue
    const [s, dport, len, hex] = line.split('\t')
    const st = m.get(Number(s)) ?? { query: '', replyBytes: 0 }
    if (Number(dport) === port) st.query += Buffer.from(hex ?? '', 'hex').toString('latin1')
    else st.replyBytes += Number(len)
    m.set(Number(s), st)
  }
  return m
}

const CAPTURES = [
  ['finger-efingerd', 79],
  ['finger-clickfix-script', 79],
  ['finger-port-7979', 7979],
] as const
// tshark runs once per capture, concurrently, before the tests use its answers.
const VIEWS = Promise.all(CAPTURES.map(([n, port]) => tsharkStreams(path.join(PCAPS, `${n}.pcap`), port)))

for (const [i, [name, port]] of CAPTURES.entries()) {
  test(`${name}: queries and reply sizes equal tshark's`, async () => {
    const file = path.join(PCAPS, `${name}.pcap`)
    const want = [...((await VIEWS)[i] ?? assert.fail('no tshark view')).values()]
    const got = runAppLayer(file).of('finger')
    assert.deepEqual(
      got.map((e) => [e.query, e.reply_bytes]),
      want.map((w) => [w.query.replace(/\r?\n$/, ''), w.replyBytes]),
    )
    for (const e of got) assert.equal(e.resp_p, port)
  })
}

test('script replies are typed as scripts and go through the file pipeline', () => {
  const r = runAppLayer(path.join(PCAPS, 'finger-clickfix-script.pcap'))
  const f = r.of('finger')[0]
  assert.equal(f?.user, 'admin')
  assert.equal(f?.reply_type, 'script')
  assert.equal(f?.reply_lines, 30)
  const file = r.of('file')[0]
  assert.equal(file?.file_proto, 'finger')
  assert.equal(file?.type_detail, 'batch')
  assert.equal(file?.bytes, 1996)
  assert.equal(r.of('app-proto')[0]?.confirmed, true)
  const v = runAppLayer(path.join(PCAPS, 'finger-efingerd.pcap')).of('finger')
  assert.deepEqual(
    v.map((e) => [e.user, e.verbose]),
    [
      ['ftp', false],
      ['nobody', true],
    ],
  )
})

test('an overlong request stops the analyzer with a weird', () => {
  const ctx = fakeAppContext()
  const a = FINGER_SPEC.create(ctx) as StreamAnalyzer
  const long = Buffer.alloc(600, 0x61)
  a.onData(0, long, 0, long.length, 1)
  a.onEnd?.(2)
  assert.ok(ctx.weirds.includes('finger.request_too_long'))
  assert.equal(ctx.events.length, 0)
})

test('corpus: Zeek finger trace against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const r = runAppLayer(path.join(CORPUS, 'pcap/finger/zeek_finger_standard.pcap')).of('finger')
  assert.equal(r.length, 1)
  assert.equal(r[0]?.orig_h, '192.168.7.216')
  assert.equal(r[0]?.resp_h, '95.179.238.241')
  assert.equal(r[0]?.user, 'julien')
  assert.equal(r[0]?.reply_type, 'text')
  assert.ok((r[0]?.reply_bytes ?? 0) > 1900 && (r[0]?.reply_bytes ?? 0) < 2100)
})
