/**
 * A real exporter end to end: softflowd 1.1.0 read pcaps/netflow/source-mixed.pcap and exported NetFlow v5,
 * v9 and IPFIX (recorded in pcaps/netflow/softflowd-v{5,9,10}.pcap by record.sh). The test replays those
 * datagrams over loopback to our UDP collector and to nfcapd at the same time: our records must equal
 * nfdump's (flow count, and bytes and packets per flow). The biflows merged from them must equal softflowd's
 * own view (its -D output, committed beside the exports) and the source capture's conversations as tshark
 * counts them (IP bytes and packets per direction).
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { FlowRecord, NetflowRecord } from '../analytics/events.js'
import { BiflowMerger } from '../analytics/netflow/biflow-merge.js'
import { startNetflowUdp } from '../sensor/collectors/netflow-udp.js'
import { NetflowIngest } from '../sensor/netflow-ingest.js'
import { readUdpDatagrams } from './helpers/netflow-datagrams.js'

const DIR = path.resolve(import.meta.dirname, '../pcaps/netflow')

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  const p = s.address().port
  await new Promise<void>((r) => s.close(() => r()))
  return p
}

function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `
  return readFileSync('/proc/net/udp', 'utf8').includes(hex)
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`Timed out waiting for ${what}.`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Replays one export to our collector and to nfcapd; returns our records and nfdump's rows. */
async function replay(file: string): Promise<{ ours: NetflowRecord[]; nfdump: string[] }> {
  const datagrams = readUdpDatagrams(path.join(DIR, file))
  assert.ok(datagrams.length > 0)
  const ours: NetflowRecord[] = []
  const counters = new Counters()
  const ingest = new NetflowIngest({
    emit: (ev) => {
      if (ev.kind === 'netflow') ours.push(ev)
    },
    counters,
    source: 'netflow',
  })
  const col = await startNetflowUdp({ host: '127.0.0.1', port: 0, ingest })
  const dir = mkdtempSync(path.join(tmpdir(), 'nfcapd-'))
  const port = await freePort()
  const nfcapd = spawn('nfcapd', ['-w', dir, '-p', String(port), '-b', '127.0.0.1'], { stdio: 'ignore' })
  const exited = new Promise<void>((r) => nfcapd.once('exit', () => r()))
  try {
    await until(() => udpBound(port), 'nfcapd to bind')
    const s = dgram.createSocket('udp4')
    for (const d of datagrams) {
      for (const p of [col.address.port, port]) {
        await new Promise<void>((res, rej) => s.send(d.payload, p, '127.0.0.1', (e) => (e ? rej(e) : res())))
      }
    }
    s.close()
    await until(() => counters.get('netflow_datagrams_total') === datagrams.length, 'our collector')
    // nfcapd has no "received" signal; its datagrams were sent before ours were counted on the same loopback.
    await new Promise((r) => setTimeout(r, 200))
    nfcapd.kill('SIGTERM')
    await exited
    const out = execFileSync('nfdump', ['-R', dir, '-q', '-N', '-o', 'fmt:%sa|%da|%sp|%dp|%pr|%pkt|%byt'], {
      encoding: 'utf8',
    })
    const rows = out
      .split('\n')
      .map((l) => l.replace(/\s+/g, ''))
      .filter((l) => l !== '')
    return { ours, nfdump: rows }
  } finally {
    if (nfcapd.exitCode === null) nfcapd.kill('SIGKILL')
    await col.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Conv {
  origBytes: number
  origPkts: number
  respBytes: number
  respPkts: number
}

/** softflowd's own flows (-D output): `[a]:p <> [b]:q proto:N octets>:X packets>:Y octets<:.. packets<:..`. */
function softflowdView(file: string): Map<string, Conv> {
  const m = new Map<string, Conv>()
  const re =
    /EXPIRED: seq:\d+ \[([^\]]+)\]:(\d+) <> \[([^\]]+)\]:(\d+) proto:(\d+) octets>:(\d+) packets>:(\d+) octets<:(\d+) packets<:(\d+)/g
  for (const x of readFileSync(path.join(DIR, file), 'utf8').matchAll(re)) {
    m.set(`${x[1]}:${x[2]}>${x[3]}:${x[4]}/${x[5]}`, {
      origBytes: Number(x[6]),
      origPkts: Number(x[7]),
      respBytes: Number(x[8]),
      respPkts: Number(x[9]),
    })
  }
  return m
}

/** IP bytes and packets per direction of each 5-tuple in the source capture, as tshark decodes it. */
function tsharkDirections(): Map<string, { bytes: number; pkts: number; first: number }> {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      path.join(DIR, 'source-mixed.pcap'),
      '-T',
      'fields',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'ip.proto',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'udp.srcport',
      '-e',
      'udp.dstport',
      '-e',
      'ip.len',
      '-e',
      'frame.time_epoch',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
  const m = new Map<string, { bytes: number; pkts: number; first: number }>()
  for (const line of out.split('\n')) {
    const [src, dst, proto, tsp, tdp, usp, udp, len, ts] = line.split('\t')
    if (!src || !len) continue
    const k = `${src}:${tsp || usp}>${dst}:${tdp || udp}/${proto}`
    const e = m.get(k) ?? { bytes: 0, pkts: 0, first: Number(ts) }
    e.bytes += Number(len)
    e.pkts++
    m.set(k, e)
  }
  return m
}

for (const v of [5, 9, 10] as const) {
  test(`softflowd v${v === 10 ? '10 (IPFIX)' : v}: our records equal nfdump's; merged biflows equal softflowd's and tshark's view`, async () => {
    const { ours, nfdump } = await replay(`softflowd-v${v}.pcap`)
    const mine = ours.map(
      (r) => `${r.src_addr}|${r.dst_addr}|${r.src_port}|${r.dst_port}|${r.protocol}|${r.packets}|${r.bytes}`,
    )
    assert.equal(nfdump.length, 8)
    assert.deepEqual(mine.sort(), nfdump.sort())
    assert.ok(ours.every((r) => r.version === v && r.sampling === 1))

    const flows: FlowRecord[] = []
    const merger = new BiflowMerger({
      emit: (ev) => {
        if (ev.kind === 'flow') flows.push(ev)
      },
      counters: new Counters(),
    })
    for (const r of ours) merger.add(r)
    merger.flush()
    const view = softflowdView(`softflowd-v${v}.txt`)
    assert.equal(view.size, 4)
    assert.equal(flows.length, view.size)
    const dirs = tsharkDirections()
    for (const f of flows) {
      const proto = f.proto === 'tcp' ? 6 : f.proto === 'udp' ? 17 : 1
      const fwd = `${f.orig_h}:${f.orig_p}>${f.resp_h}:${f.resp_p}/${proto}`
      const rev = `${f.resp_h}:${f.resp_p}>${f.orig_h}:${f.orig_p}/${proto}`
      const s = view.get(fwd)
      assert.ok(s, `softflowd has ${fwd} with the same originator`)
      assert.deepEqual(
        [f.orig_ip_bytes, f.orig_pkts, f.resp_ip_bytes, f.resp_pkts],
        [s.origBytes, s.origPkts, s.respBytes, s.respPkts],
      )
      assert.deepEqual([f.orig_ip_bytes, f.orig_pkts], [dirs.get(fwd)?.bytes, dirs.get(fwd)?.pkts])
      assert.deepEqual([f.resp_ip_bytes, f.resp_pkts], [dirs.get(rev)?.bytes, dirs.get(rev)?.pkts])
      // Flow time comes from the records: within a second of the capture (v9 headers carry whole seconds).
      const first = dirs.get(fwd)?.first ?? 0
      assert.ok(Math.abs(f.ts - first) < (v === 9 ? 1 : 0.002), `start ${f.ts} vs capture ${first}`)
    }
    const states = new Map(flows.map((f) => [f.resp_p, f.conn_state]))
    assert.equal(states.get(445), 'REJ') // SYN answered by RST+ACK
    assert.equal(states.get(80), 'SF')
    assert.equal(states.get(9999), 'OTH')
  })
}
