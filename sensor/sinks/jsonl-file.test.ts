/**
 * JSON-lines sink: size rotation renames the file between two whole lines (every file holds complete JSON
 * lines, none above the limit, and the lines across all files are exactly the lines written, each once, in
 * order within each file), with multi-byte UTF-8 content too; reopen() after the file was moved away (what
 * SIGHUP does) sends earlier lines to the moved file and later ones to a new file at the path, none lost;
 * an existing file is appended to, never truncated.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { JsonlSink } from './jsonl-file.js'

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'jsonl-'))
  try {
    fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every line of every file starting with `base` in `dir`: parsed, per file. */
function readAll(dir: string, base: string): { file: string; bytes: number; rows: { seq: number }[] }[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith(base))
    .map((n) => {
      const text = readFileSync(path.join(dir, n), 'utf8')
      assert.ok(text === '' || text.endsWith('\n'), `${n} ends with a whole line`)
      const rows = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { seq: number })
      return { file: n, bytes: statSync(path.join(dir, n)).size, rows }
    })
}

for (const [label, pad] of [
  ['ASCII', 'x'],
  ['multi-byte UTF-8', 'é€😀'],
] as const) {
  test(`rotation by size (${label}): complete lines only, none above the limit, none lost or repeated`, () => {
    withDir((dir) => {
      const file = path.join(dir, 'alerts.jsonl')
      const maxBytes = 4096
      const sink = new JsonlSink(file, { maxBytes })
      const n = 3000
      for (let i = 0; i < n; i++) sink.write({ seq: i, pad: pad.repeat(i % 37), msg: 'quote " back \\ nl \n end' })
      sink.close()
      const files = readAll(dir, 'alerts.jsonl')
      assert.ok(files.length > 10, `rotated into ${files.length} files`)
      assert.equal(sink.rotations, files.length - 1)
      for (const f of files) {
        assert.ok(f.bytes <= maxBytes, `${f.file} is ${f.bytes} bytes, above ${maxBytes}`)
        const seqs = f.rows.map((r) => r.seq)
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          `${f.file} in order`,
        )
      }
      const all = files.flatMap((f) => f.rows.map((r) => r.seq)).sort((a, b) => a - b)
      assert.equal(all.length, n)
      assert.deepEqual(
        all,
        Array.from({ length: n }, (_, i) => i),
      )
      assert.equal(sink.lines, n)
    })
  })
}

test('reopen after the file was moved away: earlier lines in the moved file, later ones in a new file', () => {
  withDir((dir) => {
    const file = path.join(dir, 'alerts.jsonl')
    writeFileSync(file, '{"seq":-1}\n')
    const sink = new JsonlSink(file)
    for (let i = 0; i < 10; i++) sink.write({ seq: i })
    // logrotate's move, then SIGHUP: the lines still buffered belong to the moved file.
    renameSync(file, `${file}.1`)
    sink.reopen()
    for (let i = 10; i < 25; i++) sink.write({ seq: i })
    sink.close()
    const moved = readAll(dir, 'alerts.jsonl.1')[0]?.rows.map((r) => r.seq)
    const fresh = readAll(dir, 'alerts.jsonl')
      .find((f) => f.file === 'alerts.jsonl')
      ?.rows.map((r) => r.seq)
    assert.deepEqual(
      moved,
      Array.from({ length: 11 }, (_, i) => i - 1),
      'the existing line kept (O_APPEND), then 0..9',
    )
    assert.deepEqual(
      fresh,
      Array.from({ length: 15 }, (_, i) => i + 10),
    )
  })
})

test('size rotation with a line larger than the limit writes it alone, whole', () => {
  withDir((dir) => {
    const file = path.join(dir, 'f.jsonl')
    const sink = new JsonlSink(file, { maxBytes: 100 })
    sink.write({ seq: 0 })
    sink.write({ seq: 1, big: 'y'.repeat(300) })
    sink.write({ seq: 2 })
    sink.close()
    const files = readAll(dir, 'f.jsonl')
    assert.equal(files.length, 3)
    assert.deepEqual(files.flatMap((f) => f.rows.map((r) => r.seq)).sort(), [0, 1, 2])
    assert.ok(files.every((f) => f.rows.length === 1))
  })
})

test('the file holds exactly JSON.stringify of each object plus a newline, for any string content and line size', () => {
  withDir((dir) => {
    const p = path.join(dir, 'exact.jsonl')
    // Arbitrary UTF-16 (lone surrogates, controls, NUL, astral), some lines far above the batch buffer.
    const objs = fc.sample(
      fc.record({
        s: fc.string({ unit: 'binary', maxLength: 64 }),
        n: fc.oneof(fc.double(), fc.integer()),
        big: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme', minLength: 0, maxLength: 200 })),
        nested: fc.array(fc.option(fc.string({ unit: 'binary-ascii' })), { maxLength: 4 }),
      }),
      { numRuns: 3000, seed: 42 },
    ) as object[]
    objs.splice(1000, 0, { huge: 'ü'.repeat(300_000) }, { huge: '\u{1F600}'.repeat(70_000) })
    const sink = new JsonlSink(p)
    for (const o of objs) sink.write(o)
    sink.close()
    const want = Buffer.from(objs.map((o) => `${JSON.stringify(o)}\n`).join(''))
    assert.ok(readFileSync(p).equals(want))
  })
})
