/**
 * `listen` shutdown through the real child process: SIGTERM while the pcap stream on stdin is still open and
 * idle (tcpdump on a quiet link) must not wait for more data: the child exits 0 promptly, with the flow that
 * was still open written as a record (its packet count equal to tshark's for the capture). SIGINT does the
 * same for a syslog-only sensor with nothing received.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { haveCommand } from './helpers/have-command.js'
import {
  fetchMetrics,
  freePorts,
  type ListenChild,
  metric,
  ROOT,
  startListen,
  waitFor,
} from './helpers/listen-child.js'

const PCAP = path.join(ROOT, 'pcaps/http/wget-pe.pcap')

const have = haveCommand

test('SIGTERM with stdin still open and idle: exit 0 at once, open flows flushed', {
  skip: have('tshark') ? false : 'tshark not installed',
  timeout: 30_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsd-'))
  const flows = path.join(dir, 'flows.jsonl')
  const [statsPort] = (await freePorts(['tcp'])) as [number]
  let child: ListenChild | undefined
  try {
    child = await startListen(
      ['--pcap', '-', '--flows', flows, '--alerts', '', '--stats-port', String(statsPort), '--stats-interval', '3600'],
      { stdin: 'pipe' },
    )
    const c = child
    // The whole capture but the last packet (its FIN handshake stays incomplete); stdin is not closed.
    const buf = readFileSync(PCAP)
    let off = 24
    let last = off
    let n = 0
    while (off + 16 <= buf.length) {
      last = off
      off += 16 + buf.readUInt32LE(off + 8)
      n++
    }
    c.proc.stdin?.write(buf.subarray(0, last))
    await waitFor(
      `${n - 1} packets`,
      15_000,
      async () => metric(await fetchMetrics(statsPort), 'packets_total') === n - 1,
    )
    const t0 = Date.now()
    // If SIGTERM waited for stdin, stop() would SIGKILL after 5 s and return null.
    assert.equal(await c.stop('SIGTERM', 5000), 0, c.stderr())
    assert.ok(Date.now() - t0 < 5000)
    const rows = existsSync(flows)
      ? readFileSync(flows, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { orig_pkts: number; resp_pkts: number; end_reason: string })
      : []
    assert.equal(rows.length, 1)
    const frames = Number(
      execFileSync('tshark', ['-r', PCAP, '-q', '-z', 'conv,tcp'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .map((l) => /<->\s+\S+\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s/.exec(l)?.[1])
        .find((x) => x !== undefined),
    )
    assert.equal((rows[0]?.orig_pkts ?? 0) + (rows[0]?.resp_pkts ?? 0), frames - 1)
  } finally {
    child?.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('SIGINT: a syslog-only sensor exits 0', { timeout: 30_000 }, async () => {
  const [port] = (await freePorts(['udp'])) as [number]
  const c = await startListen(['--syslog-udp', `127.0.0.1:${port}`, '--alerts', ''])
  try {
    assert.equal(await c.stop('SIGINT', 5000), 0, c.stderr())
    assert.match(c.stderr(), /SIGINT received/)
  } finally {
    c.kill()
  }
})
