/**
 * Flow table against tshark: every capture goes through CaptureReader → walkPacket → FlowTable, and the
 * per-conversation packet counts in each direction must equal `tshark -q -z conv,tcp` / `-z conv,udp`.
 * tshark keys a conversation by address/port pair (one row per TCP stream), with no timeouts and no
 * VLAN, so both sides are aggregated on (proto, endpoint A, endpoint B) before comparing; our flows that
 * a timeout split are summed back together. Originator choice is not compared (tshark has none).
 * Captures: this project's pcaps/foundation recordings and ../shared/corpus captures with TCP/UDP
 * traffic whose files are complete (the truncated/corrupt ones are the reader's tests).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import type { FlowRecord } from '../analytics/events.js'
import { flowToRecord } from '../analytics/flow-record.js'
import { FlowTable } from '../analytics/flow-table.js'
import { walkPacket } from '../decoders/dispatch.js'
import { newPacketView } from '../decoders/packet-view.js'
import { CaptureReader } from '../decoders/pcap/capture-reader.js'

const execFileAsync = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '..')
const FOUNDATION = path.join(ROOT, 'pcaps/foundation')
const CORPUS = path.resolve(ROOT, '../shared/corpus')

/**
 * Foundation recordings, one per link layer / IP version / container (the byte-order and timestamp
 * variants carry the same packets and are the reader's tests).
 */
const FOUNDATION_FILES = [
  'http-ether.pcap',
  'http-ipv6.pcap',
  'http-sll.pcap',
  'http-vlan.pcap',
  'http-qinq.pcap',
  'http-dumpcap.pcapng',
  'multi-if.pcapng',
  'zero-window.pcap',
]

/**
 * Corpus captures with many TCP/UDP conversations (FTP control + data, several HTTP connections, NTP,
 * TFTP, SMB, IPv6, DNS on an odd port), complete files only. All complete TCP/UDP corpus captures were
 * checked the same way once; this subset keeps the suite fast (tshark start-up dominates).
 */
const CORPUS_FILES = [
  'pcap/ftp/zeek_ftp_retr_4_pe_files.pcap',
  'pcap/ftp/suricata_ftp_active_stor_retr_exe.pcap',
  'pcap/ftp/zeek_ftp_ipv6_retr_control_only.pcap',
  'pcap/benign/zeek_windows_update_cab_ranges.pcap',
  'pcap/benign/zeek_ntp.pcap',
  'pcap/tftp/ndpi_tftp_multi.pcap',
  'pcap/smb/suricata_smb2_psexec_service_drop.pcap',
  'pcap/portmismatch/tcpdump_dns_udp_port_8053.pcap',
]

/** Frames each way of one conversation: `ab` from the lower endpoint key to the higher one. */
interface Counts {
  ab: number
  ba: number
}

function convKey(proto: string, x: string, y: string): { key: string; xIsA: boolean } {
  const xIsA = x <= y
  return { key: `${proto} ${xIsA ? x : y} ${xIsA ? y : x}`, xIsA }
}

function add(m: Map<string, Counts>, proto: string, from: string, to: string, n: number): void {
  const { key, xIsA } = convKey(proto, from, to)
  const c = m.get(key) ?? { ab: 0, ba: 0 }
  if (xIsA) c.ab += n
  else c.ba += n
  m.set(key, c)
}

/** Parses tshark's conversation table: `A <-> B  framesBA bytes unit  framesAB bytes unit ...`. */
async function tsharkConversations(file: string): Promise<Map<string, Counts>> {
  const { stdout: out } = await execFileAsync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  const m = new Map<string, Counts>()
  let proto = ''
  for (const line of out.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp'
    else if (line.startsWith('UDP Conversations')) proto = 'udp'
    const t = line.trim().split(/\s+/)
    if (t[1] !== '<->' || t.length < 8) continue
    const [a = '', , b = '', ba = '', , , ab = ''] = t
    add(m, proto, b, a, Number(ba.replace(/,/g, '')))
    add(m, proto, a, b, Number(ab.replace(/,/g, '')))
  }
  return m
}

function ourConversations(file: string): { convs: Map<string, Counts>; records: FlowRecord[] } {
  const records: FlowRecord[] = []
  const table = new FlowTable({
    maxFlows: 100_000,
    onEnd: (f, reason) => records.push(flowToRecord(f, reason, `pcap:${path.basename(file)}`, 'pcap')),
  })
  const pv = newPacketView()
  const reader = new CaptureReader({
    name: file,
    onPacket: (buf, off, end, ts, wireLen, linkType) => {
      walkPacket(linkType, buf, off, end, pv)
      pv.ts = ts
      pv.wireLen = wireLen
      table.update(pv)
    },
  })
  reader.push(readFileSync(file))
  reader.end()
  table.flush()
  const convs = new Map<string, Counts>()
  for (const r of records) {
    if (r.proto !== 'tcp' && r.proto !== 'udp') continue
    const o = `${r.orig_h}:${r.orig_p}`
    const p = `${r.resp_h}:${r.resp_p}`
    add(convs, r.proto, o, p, r.orig_pkts)
    add(convs, r.proto, p, o, r.resp_pkts)
  }
  return { convs, records }
}

function compare(file: string, theirs: Map<string, Counts>): void {
  const { convs: ours } = ourConversations(file)
  assert.ok(theirs.size > 0, `tshark found no TCP/UDP conversation in ${file}`)
  const diffs: string[] = []
  for (const key of new Set([...theirs.keys(), ...ours.keys()])) {
    const t = theirs.get(key)
    const o = ours.get(key)
    if (t?.ab !== o?.ab || t?.ba !== o?.ba) {
      diffs.push(`${key}: tshark ${t?.ab ?? '-'}/${t?.ba ?? '-'} ours ${o?.ab ?? '-'}/${o?.ba ?? '-'}`)
    }
  }
  assert.deepEqual(diffs, [], `${path.relative(ROOT, file)} differs from tshark`)
}

/** Runs tshark on every file, two at a time, and compares each with our flows. */
async function compareAll(files: string[]): Promise<void> {
  const queue = [...files]
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) compare(f, await tsharkConversations(f))
  }
  await Promise.all([worker(), worker()])
}

const foundation = FOUNDATION_FILES.map((f) => path.join(FOUNDATION, f)).filter((f) => existsSync(f))

test('foundation captures: per-direction packets per conversation equal tshark conv,tcp/conv,udp', {
  skip: foundation.length > 0 ? false : 'pcaps/foundation has no captures yet',
}, async () => {
  await compareAll(foundation)
})

test('corpus captures: per-direction packets per conversation equal tshark conv,tcp/conv,udp', {
  skip: existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present',
}, async () => {
  await compareAll(CORPUS_FILES.map((f) => path.join(CORPUS, f)))
})

test('a capture with a finished TCP handshake and close gives SF with a Zeek-shaped history', {
  skip: existsSync(path.join(FOUNDATION, 'http-ether.pcap')) ? false : 'pcaps/foundation/http-ether.pcap missing',
}, () => {
  // curl GET against python http.server: SYN, SYN-ACK, ACK, request, response, FIN both ways (README).
  const { records } = ourConversations(path.join(FOUNDATION, 'http-ether.pcap'))
  const http = records.find((r) => r.proto === 'tcp' && r.resp_p === 8080)
  assert.ok(http)
  assert.equal(http.orig_h, '10.66.0.2')
  assert.equal(http.resp_h, '198.51.100.80')
  assert.equal(http.conn_state, 'SF')
  assert.match(http.history, /^ShAD.*[Ff].*[Ff]/)
  assert.ok(http.resp_bytes >= 3000, 'the 3000-byte small.txt came back')
})

test('zero windows: W/w letters per side on the log10 scale of tshark tcp.analysis.zero_window', {
  skip: existsSync(path.join(FOUNDATION, 'zero-window.pcap')) ? false : 'pcaps/foundation/zero-window.pcap missing',
}, async () => {
  // A receiver that stopped reading (record-zero-window.sh): its zero-window ACKs are what tshark flags.
  const file = path.join(FOUNDATION, 'zero-window.pcap')
  const { stdout } = await execFileAsync(
    'tshark',
    ['-n', '-r', file, '-Y', 'tcp.analysis.zero_window', '-T', 'fields', '-e', 'ip.src'],
    { encoding: 'utf8', timeout: 60_000 },
  )
  const fromServer = stdout.split('\n').filter((l) => l.trim() === '198.51.100.80').length
  const fromClient = stdout.split('\n').filter((l) => l.trim() === '10.66.0.2').length
  assert.ok(fromServer > 0, 'the capture has zero windows from the server')
  const letters = (n: number) => (n === 0 ? 0 : Math.floor(Math.log10(n)) + 1)
  const { records } = ourConversations(file)
  const conn = records.find((r) => r.proto === 'tcp' && r.resp_p === 9000)
  assert.ok(conn)
  assert.equal(conn.history.split('w').length - 1, letters(fromServer), conn.history)
  assert.equal(conn.history.split('W').length - 1, letters(fromClient), conn.history)
  assert.equal(conn.conn_state, 'SF')
})
