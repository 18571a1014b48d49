/**
 * `listen --pcap-dir DIR --state S` through the real child process: the finished capture files in DIR (here
 * copies of committed HTTP captures, aged past the quiet time) are each read once; after a restart with the
 * same state directory only the file added meanwhile is read. Checked by packet counts (capinfos) on
 * /metrics and by the flow records written (tshark's TCP conversations of exactly those files).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs'
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

const have = haveCommand

const SRC = ['curl-elf.pcap', 'wget-pe.pcap', 'curl-keepalive.pcap'].map((n) => path.join(ROOT, 'pcaps/http', n))

const packets = (f: string) =>
  Number(execFileSync('capinfos', ['-M', '-c', '-T', '-r', f], { encoding: 'utf8' }).trim().split('\t')[1])

/** `A:p <-> B:q` endpoint pairs of tshark's TCP conversations, each as a sorted pair. */
function tsharkConvs(f: string): string[] {
  const out = execFileSync('tshark', ['-r', f, '-q', '-z', 'conv,tcp'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  return [...out.matchAll(/^(\S+:\d+)\s+<->\s+(\S+:\d+)\s/gm)].map((m) => [m[1], m[2]].sort().join(' '))
}

function flowConvs(file: string): string[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { orig_h: string; orig_p: number; resp_h: string; resp_p: number; proto: string })
    .filter((f) => f.proto === 'tcp')
    .map((f) => [`${f.orig_h}:${f.orig_p}`, `${f.resp_h}:${f.resp_p}`].sort().join(' '))
}

test('--pcap-dir reads each finished file once and, after a restart, only the new one', {
  skip: have('tshark') && have('capinfos') ? false : 'tshark/capinfos not installed',
  timeout: 60_000,
}, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lpd-'))
  const caps = path.join(root, 'captures')
  const state = path.join(root, 'state')
  mkdirSync(caps)
  const put = (i: number) => {
    const dst = path.join(caps, `cap-${i}.pcap`)
    copyFileSync(SRC[i] as string, dst)
    // Older than the 30 s quiet time, in writing order.
    const t = Date.now() / 1000 - 600 + i * 60
    utimesSync(dst, t, t)
    return dst
  }
  let child: ListenChild | undefined
  const run = async (flows: string, expectPackets: number) => {
    const [statsPort] = (await freePorts(['tcp'])) as [number]
    child = await startListen([
      '--pcap-dir',
      caps,
      '--state',
      state,
      '--flows',
      flows,
      '--alerts',
      '',
      '--stats-port',
      String(statsPort),
      '--stats-interval',
      '3600',
    ])
    const c = child
    await waitFor(`${expectPackets} packets`, 20_000, async () => {
      const n = metric(await fetchMetrics(statsPort), 'packets_total')
      assert.ok(n <= expectPackets, `read ${n} packets, more than the ${expectPackets} expected`)
      return n === expectPackets
    })
    assert.equal(await c.stop('SIGTERM'), 0, c.stderr())
  }
  try {
    const a = put(0)
    const b = put(1)
    const f1 = path.join(root, 'flows-1.jsonl')
    await run(f1, packets(a) + packets(b))
    assert.deepEqual(flowConvs(f1).sort(), [...tsharkConvs(a), ...tsharkConvs(b)].sort())

    const c = put(2)
    const f2 = path.join(root, 'flows-2.jsonl')
    await run(f2, packets(c))
    assert.deepEqual(flowConvs(f2).sort(), tsharkConvs(c).sort())
  } finally {
    ;(child as ListenChild | undefined)?.kill()
    rmSync(root, { recursive: true, force: true })
  }
})
