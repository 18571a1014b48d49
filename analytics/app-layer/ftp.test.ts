import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fakeAppContext } from '../../test/helpers/fake-app-context.js'
import { runAppLayer } from '../../test/helpers/run-app-layer.js'
import { tsharkFtpRequests } from '../../test/helpers/tshark-ftp.js'
import { FTP_SPEC } from './ftp.js'
import type { StreamAnalyzer } from './types.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
const PCAPS = path.join(ROOT, 'pcaps/ftp')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

const CAPTURES: [string, number, { name: string; direction: 'download' | 'upload'; type: string } | undefined][] = [
  ['ftp-passive-retr-elf', 21, { name: 'tool.elf', direction: 'download', type: 'elf' }],
  ['ftp-active-retr-text', 21, { name: 'readme.txt', direction: 'download', type: 'text' }],
  ['ftp-passive-stor-upload', 21, { name: 'upload.bin', direction: 'upload', type: 'elf' }],
  ['ftp-active-port-retr', 21, { name: 'readme.txt', direction: 'download', type: 'text' }],
  ['ftp-port-2121-retr', 2121, { name: 'tool.elf', direction: 'download', type: 'elf' }],
]

// tshark runs once per capture, concurrently, before the tests use its answers.
const VIEWS = Promise.all(CAPTURES.map(([n, port]) => tsharkFtpRequests(path.join(PCAPS, `${n}.pcap`), port)))

for (const [i, [name, , want]] of CAPTURES.entries()) {
  test(`${name}: commands equal tshark's, data channel followed to the file`, async () => {
    const file = path.join(PCAPS, `${name}.pcap`)
    const r = runAppLayer(file)
    const ev = r.of('ftp')
    const ts = (await VIEWS)[i] ?? assert.fail('no tshark view')
    assert.deepEqual(
      ev.map((e) => e.command),
      ts.map((t) => t.cmd),
    )
    for (let i = 0; i < ev.length; i++) {
      if (ev[i]?.command === 'PASS') assert.equal(ev[i]?.arg, undefined)
      else assert.equal(ev[i]?.arg ?? '', ts[i]?.arg)
    }
    // The password never leaves the analyzer, in any event.
    const pass = ts.find((t) => t.cmd === 'PASS')
    if (pass !== undefined) assert.ok(!JSON.stringify(r.events).includes(pass.arg))
    const files = r.of('file').filter((f) => f.file_proto === 'ftp')
    if (want === undefined) return assert.equal(files.length, 0)
    assert.equal(files.length, 1)
    const f = files[0]
    assert.equal(f?.name, want.name)
    assert.equal(f?.direction, want.direction)
    assert.equal(f?.type, want.type)
    assert.equal(f?.complete, true)
    const xfer = ev.find((e) => e.arg === want.name && (e.command === 'RETR' || e.command === 'STOR'))
    assert.equal(xfer?.reply_code, 226)
    assert.equal(f?.context?.control_uid, xfer?.uid)
    if (xfer?.file_size !== undefined) assert.equal(f?.bytes, xfer.file_size)
    assert.equal(r.of('app-proto').find((a) => a.uid === xfer?.uid)?.confirmed, true)
  })
}

test('active mode data flows come from the server; passive ones go to the announced port', () => {
  const act = runAppLayer(path.join(PCAPS, 'ftp-active-retr-text.pcap'))
  const f = act.of('file')[0]
  assert.equal(f?.orig_h, '198.51.100.80')
  assert.equal(f?.orig_p, 20)
  assert.equal(f?.sender_is_orig, true)
  const retr = act.of('ftp').find((e) => e.command === 'RETR')
  assert.equal(retr?.data_channel?.passive, false)
  assert.equal(retr?.data_channel?.resp_p, f?.resp_p)
  const pas = runAppLayer(path.join(PCAPS, 'ftp-passive-stor-upload.pcap'))
  const g = pas.of('file')[0]
  const pasv = pas.of('ftp').find((e) => e.command === 'PASV')
  assert.equal(
    `Entering Passive Mode (198,51,100,80,${(g?.resp_p ?? 0) >> 8},${(g?.resp_p ?? 0) & 255}).`,
    pasv?.reply_msg,
  )
  assert.equal(g?.sender_is_orig, true)
})

test('an endless line is ftp.line_too_long and stops the analyzer; multi-line replies are joined', () => {
  const ctx = fakeAppContext(undefined, 4096)
  const a = FTP_SPEC.create(ctx) as StreamAnalyzer
  const g = Buffer.from('220-Welcome\r\n220-second line\r\n220 ready FTP\r\n', 'latin1')
  a.onData(1, g, 0, g.length, 1)
  const u = Buffer.from('USER bob\r\n', 'latin1')
  a.onData(0, u, 0, u.length, 1)
  const ok = Buffer.from('331-Please\r\n specify\r\n331 the password.\r\n', 'latin1')
  a.onData(1, ok, 0, ok.length, 2)
  const user = ctx.events.find((e) => e.kind === 'ftp')
  assert.equal(user?.kind === 'ftp' ? user.reply_msg : '', 'Please\n specify\nthe password.')
  assert.deepEqual(ctx.confirmed, ['ftp'])
  const junk = Buffer.alloc(10000, 0x41)
  a.onData(0, junk, 0, junk.length, 3)
  assert.ok(ctx.weirds.includes('ftp.line_too_long'))
  const n = ctx.events.length
  a.onData(0, Buffer.from('RETR x\r\n'), 0, 8, 4)
  a.onData(1, Buffer.from('226 ok\r\n'), 0, 8, 4)
  assert.equal(ctx.events.length, n)
})

test('corpus: FTP captures against MANIFEST ground truth', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, () => {
  const all = runAppLayer(path.join(CORPUS, 'pcap/ftp/zeek_ftp_retr_4_pe_files.pcap')).of('file')
  // The LIST -a listing is a data connection too; it is kept with its command.
  assert.equal(all[0]?.context?.command, 'LIST')
  const pe = all.filter((f) => f.context?.command === 'RETR')
  assert.deepEqual(
    pe.map((f) => [f.name, f.bytes, f.direction]),
    [
      ['MSVIDEO.DLL', 126912, 'download'],
      ['NOTEPAD.EXE', 68608, 'download'],
      ['VMwareXferlogs.exe', 43568, 'download'],
      ['test1.bin', 131080, 'download'],
    ],
  )
  assert.deepEqual(
    pe.slice(1).map((f) => f.type),
    ['pe', 'pe', 'pe'],
  )
  const act = runAppLayer(path.join(CORPUS, 'pcap/ftp/suricata_ftp_active_stor_retr_exe.pcap')).of('file')
  assert.deepEqual(
    act.map((f) => [f.name, f.direction, f.bytes, f.type]),
    [
      ['notepad.exe', 'upload', 69120, 'pe'],
      ['notepad.exe', 'download', 69120, 'pe'],
      ['test.pdf', 'upload', 118196, 'pdf'],
      ['test.pdf', 'download', 118196, 'pdf'],
    ],
  )
  assert.equal(act[0]?.sha256, act[1]?.sha256)
  assert.ok(act[0]?.sha256?.startsWith('fefeac4c10bbe237'))
  const v6 = runAppLayer(path.join(CORPUS, 'pcap/ftp/zeek_ftp_ipv6_retr_control_only.pcap')).of('ftp')
  const retr = v6.find((e) => e.command === 'RETR')
  assert.equal(retr?.arg, 'samba-3.4.17.tar.gz')
  assert.equal(retr?.file_size, 34826629)
  assert.equal(retr?.reply_code, 226)
  assert.equal(v6.find((e) => e.command === 'EPSV')?.reply_code, 229)
  const txt = runAppLayer(path.join(CORPUS, 'pcap/ftp/zeek_ftp_retr_text_readme.pcap')).of('file')
  assert.equal(txt.length, 1)
  assert.equal(txt[0]?.name, '/README')
  assert.equal(txt[0]?.type, 'text')
})
