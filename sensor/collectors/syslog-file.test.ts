/**
 * Syslog archives: content detection (syslog text vs captures, plain prose, JSON lines, empty input) and
 * line reading (CRLF, a final line without LF, an overlong line skipped and counted, bounded memory).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../../analytics/counters.js'
import type { SensorEvent, SyslogEvent } from '../../analytics/events.js'
import { SyslogIngest } from '../syslog-ingest.js'
import { looksLikeSyslog, readSyslogFile } from './syslog-file.js'

test('looksLikeSyslog: syslog text yes; captures, prose, JSON and empty no', () => {
  assert.equal(looksLikeSyslog(Buffer.from('<13>Nov 21 10:00:00 h app: a\n<14>1 - - - - - -\n')), true)
  assert.equal(
    looksLikeSyslog(Buffer.from('Nov 21 10:00:00 host sshd[1]: Accepted\nNov 21 10:00:01 host cron[2]: x\n')),
    true,
  )
  assert.equal(looksLikeSyslog(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0])), false)
  assert.equal(looksLikeSyslog(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a])), false)
  assert.equal(looksLikeSyslog(Buffer.from('Dear reader,\nthis is prose.\n')), false)
  assert.equal(looksLikeSyslog(Buffer.from('{"a":1}\n{"b":2}\n')), false)
  assert.equal(looksLikeSyslog(Buffer.alloc(0)), false)
})

test('readSyslogFile: CRLF, last line without LF, overlong line skipped and counted', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'isyslog-file-'))
  try {
    const f = path.join(dir, 'a.log')
    writeFileSync(
      f,
      `<13>Nov 21 10:00:00 h a: one\r\n<13>${'x'.repeat(5000)}\n<13>Nov 21 10:00:01 h a: two\n<13>Nov 21 10:00:02 h a: three`,
    )
    const events: SensorEvent[] = []
    const counters = new Counters()
    const ing = new SyslogIngest({ emit: (e) => events.push(e), counters, source: 'file' })
    const drops: string[] = []
    const r = await readSyslogFile(f, ing, {
      maxLineBytes: 1000,
      receivedTs: Date.UTC(2026, 10, 22) / 1000,
      onDrop: (d) => drops.push(d),
    })
    assert.equal(r.lines, 3)
    assert.equal(r.dropped, 1)
    assert.deepEqual(drops, ['syslog.line_too_long'])
    assert.deepEqual(
      events.filter((e): e is SyslogEvent => e.kind === 'syslog').map((e) => e.message),
      ['one', 'two', 'three'],
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
