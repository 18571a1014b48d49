import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { ConnId, FileEvent } from '../events.js'
import { FileTransfer, HEAD_BYTES } from './files.js'

const conn: ConnId = { uid: 'Cf', orig_h: '10.0.0.1', orig_p: 1, resp_h: '192.0.2.1', resp_p: 80, proto: 'tcp' }

function transfer(total?: number) {
  const out: FileEvent[] = []
  const t = new FileTransfer(
    {
      proto: 'http',
      name: 'true',
      direction: 'download',
      senderIsOrig: false,
      mime: 'application/octet-stream',
      ...(total !== undefined ? { totalBytes: total } : {}),
      context: { uri: '/true' },
    },
    conn,
    'src',
    (ev) => out.push(ev),
  )
  return { t, out }
}

test('streams SHA-256 over odd-sized writes, sniffs the head, emits one FileEvent', () => {
  const data = readFileSync('/bin/true')
  const { t, out } = transfer(data.length)
  for (let i = 0; i < data.length; i += 1337) t.write(data, i, Math.min(data.length, i + 1337))
  t.close(5, true)
  t.close(6, true)
  assert.equal(out.length, 1)
  const ev = out[0] as FileEvent
  assert.equal(ev.sha256, createHash('sha256').update(data).digest('hex'))
  assert.equal(ev.bytes, data.length)
  assert.equal(ev.type, 'elf')
  assert.equal(ev.head_hex, data.subarray(0, 16).toString('hex'))
  assert.equal(ev.complete, true)
  assert.equal(ev.missing_bytes, 0)
  assert.deepEqual(ev.context, { uri: '/true' })
  assert.equal(ev.uid, 'Cf')
})

test('a gap abandons the hash; fewer bytes than announced is incomplete', () => {
  const data = Buffer.alloc(HEAD_BYTES * 3, 0x41)
  const a = transfer()
  a.t.write(data, 0, 100)
  a.t.gap(50)
  a.t.write(data, 150, 300)
  a.t.close(1, true)
  assert.equal(a.out[0]?.missing_bytes, 50)
  assert.equal(a.out[0]?.sha256, undefined)
  assert.equal(a.out[0]?.complete, false)
  assert.equal(a.out[0]?.bytes, 250)
  const b = transfer(1000)
  b.t.write(data, 0, 999)
  b.t.close(1, true)
  assert.equal(b.out[0]?.complete, false)
  assert.equal(b.out[0]?.sha256, undefined)
})
