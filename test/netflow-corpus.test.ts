/**
 * The public NetFlow/IPFIX corpus (../shared/corpus/netflow, ground truth in its MANIFEST.tsv) through the
 * NetflowIngest, checked against the manifest and, where tshark's cflow dissector can decode the same
 * bytes, against tshark's own record-by-record view.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { Counters } from '../analytics/counters.js'
import type { NetflowRecord, SensorEvent } from '../analytics/events.js'
import { NetflowIngest } from '../sensor/netflow-ingest.js'
import { TemplateStore } from '../sensor/state/template-store.js'
import { readUdpDatagrams } from './helpers/netflow-datagrams.js'

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus')
const NF = path.join(CORPUS, 'netflow')
const skip = existsSync(CORPUS) ? false : 'corpus ../shared/corpus not present'

interface Run {
  records: NetflowRecord[]
  counters: Counters
  ingest: NetflowIngest
  store: TemplateStore
}

/** Feeds files (pcaps: their UDP payloads; .dat: one raw datagram) to one ingest, in order. */
function run(files: readonly string[], finish = true): Run {
  const records: NetflowRecord[] = []
  const counters = new Counters()
  const store = new TemplateStore()
  const ingest = new NetflowIngest({
    emit: (ev: SensorEvent) => {
      if (ev.kind === 'netflow') records.push(ev)
    },
    counters,
    source: 'netflow',
    templateStore: store,
  })
  for (const f of files) {
    const full = path.join(NF, f)
    if (f.endsWith('.dat')) {
      const b = readFileSync(full)
      ingest.handleDatagram(b, 0, b.length, '192.0.2.1', 2055, 1_700_000_000)
    } else {
      for (const d of readUdpDatagrams(full))
        ingest.handleDatagram(d.payload, 0, d.payload.length, d.src, d.srcPort, d.ts)
    }
  }
  if (finish) ingest.finish()
  return { records, counters, ingest, store }
}

function tshark(file: string, args: readonly string[]): string {
  return execFileSync(
    'tshark',
    ['-r', path.join(NF, file), '-d', 'udp.port==9990,cflow', '-d', 'udp.port==9991,cflow', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
}

function templateIds(r: Run): number[] {
  const ids: number[] = []
  for (const [, st] of r.store.entries()) for (const t of st.templates.values()) ids.push(t.id)
  return ids.sort((a, b) => a - b)
}

test('corpus v5: 29 flows of the akvorado export equal tshark field by field', { skip }, () => {
  const f = 'v5/akvorado_nfv5_29flows.pcap'
  const r = run([f])
  assert.equal(r.records.length, 29)
  const fields = [
    'cflow.srcaddr',
    'cflow.dstaddr',
    'cflow.srcport',
    'cflow.dstport',
    'cflow.protocol',
    'cflow.octets',
    'cflow.packets',
  ]
  const out = tshark(f, ['-T', 'fields', '-E', 'aggregator=;', ...fields.flatMap((x) => ['-e', x])]).trim()
  const cols = out.split('\t').map((c) => c.split(';'))
  for (let i = 0; i < 29; i++) {
    const rec = r.records[i]
    assert.ok(rec)
    assert.deepEqual(
      [rec.src_addr, rec.dst_addr, rec.src_port, rec.dst_port, rec.protocol, rec.bytes, rec.packets].map(String),
      cols.map((c) => c[i]),
      `record ${i}`,
    )
  }
  assert.equal(r.counters.get('netflow_errors_total', 'netflow.v5_count_exceeds_datagram'), 0)
})

test('corpus v5: Juniper MX80 (29 records) and a datagram longer than its count (2 records)', { skip }, () => {
  const mx = run(['v5/logstash_netflow5_juniper_mx80.dat'])
  assert.equal(mx.records.length, 29)
  // The MX80 export announces 1:1000 sampling in its v5 header: counters are scaled and marked.
  assert.ok(mx.records.every((x) => x.sampling === 1000))
  const two = run(['v5/logstash_netflow5_two_records.dat'])
  assert.equal(two.records.length, 2)
  assert.deepEqual(
    two.records.map((x) => `${x.src_addr}:${x.src_port}>${x.dst_addr}:${x.dst_port}`),
    ['10.0.2.2:54435>10.0.2.15:22', '10.0.2.15:22>10.0.2.2:54435'],
  )
})

test('corpus v9: Cisco ASA templates then data give 14 records; data alone is counted unknown', { skip }, () => {
  const r = run(['v9/logstash_v9_cisco_asa_templates.dat', 'v9/logstash_v9_cisco_asa_data.dat'])
  assert.deepEqual(templateIds(r), [256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268])
  assert.equal(r.records.length, 14)
  const pairs = new Set(r.records.map((x) => `${x.src_addr}>${x.dst_addr}`))
  assert.ok(pairs.has('192.168.14.1>2.2.2.11'))
  assert.ok(pairs.has('164.164.37.11>192.168.23.22'))
  assert.ok(r.records.every((x) => x.protocol === 1))
  const alone = run(['v9/logstash_v9_cisco_asa_data.dat'])
  assert.equal(alone.records.length, 0)
  assert.equal(alone.counters.get('netflow_errors_total', 'netflow.template_unknown'), 1)
})

test('corpus v9: H3C variable-length template gives 20.20.20.20:137 -> 20.20.255.255:137', { skip }, () => {
  const r = run(['v9/logstash_v9_h3c_varstring_template.dat', 'v9/logstash_v9_h3c_varstring_data.dat'])
  assert.equal(r.records.length, 1)
  const x = r.records[0]
  assert.deepEqual(
    [x?.src_addr, x?.src_port, x?.dst_addr, x?.dst_port, x?.protocol],
    ['20.20.20.20', 137, '20.20.255.255', 137, 17],
  )
  assert.deepEqual(r.counters.family('netflow_errors_total'), {})
})

test('corpus v9: ASR9k and Juniper options templates are parsed', { skip }, () => {
  const asr = run(['v9/logstash_v9_cisco_asr9k_options_template.dat'])
  assert.deepEqual(templateIds(asr), [256])
  const jun = run(['v9/akvorado_v9_options_template_only.pcap'])
  assert.deepEqual(templateIds(jun), [257])
  for (const [, st] of jun.store.entries()) {
    const t = st.templates.values().next().value
    assert.equal(t?.options, true)
    assert.equal(t?.scopeCount, 1)
    assert.equal(t?.fields.length, 6)
  }
})

test('corpus v9: template, options and data in one datagram: data before its template decodes, sampling 100 applied', {
  skip,
}, () => {
  const f = 'v9/akvorado_v9_template_options_data_one_packet.pcap'
  const r = run([f])
  // tshark decodes only the flowset after the template (10 records); the 660-byte flowset before it holds
  // 11 more 57-byte records (21 fields), which a one-pass decoder loses.
  const tsharkFlows = (tshark(f, ['-O', 'cflow']).match(/^\s+Flow \d+$/gm) ?? []).length
  assert.equal(tsharkFlows, 11) // 10 flows + 1 options data record
  assert.equal(r.records.length, 10 + Math.floor(656 / 57))
  assert.ok(r.records.every((x) => x.sampling === 100))
  assert.equal(r.counters.get('netflow_options_records_total'), 1)
})

test('corpus v9: pmacct Cisco export decodes exactly the records tshark decodes', { skip }, () => {
  const f = 'v9/pmacct_v9_cisco_templates_25pkts.pcap'
  const r = run([f])
  const src = tshark(f, ['-T', 'fields', '-e', 'cflow.srcaddr'])
    .split(/[\n,]/)
    .filter((s) => s !== '')
  assert.equal(src.length, 35)
  assert.deepEqual(
    r.records.map((x) => x.src_addr),
    src,
  )
  assert.deepEqual(templateIds(r), [260, 260, 313, 313])
  const stats = r.ingest.exporterStats()
  assert.deepEqual(stats.map((s) => s.domain).sort(), [2081, 2193])
})

test('corpus v9: data without templates is held then counted as unknown template, no records', { skip }, () => {
  const r = run(['v9/ndpi_v9_data_without_templates_port2057.pcap'])
  assert.equal(r.records.length, 0)
  assert.equal(r.counters.get('netflow_datagrams_total'), 10)
  // 23 data flowsets in 10 datagrams, all dropped at the end of input (none evicted before: cap 64).
  assert.equal(r.counters.get('netflow_sets_held_total'), 23)
  assert.equal(r.counters.get('netflow_errors_total', 'netflow.template_unknown'), 23)
})

test('corpus ipfix: ipfixprobe templates then data give RFC 5103 biflows; data alone is unknown', { skip }, () => {
  const r = run(['ipfix/akvorado_ipfix_ipfixprobe_templates.pcap', 'ipfix/akvorado_ipfix_ipfixprobe_data.pcap'])
  assert.deepEqual(templateIds(r), [258, 259])
  assert.ok(r.records.length > 0)
  assert.ok(r.records.every((x) => x.reverse_bytes !== undefined && x.reverse_packets !== undefined))
  const dns = r.records.find((x) => x.dst_port === 53)
  assert.deepEqual([dns?.src_addr, dns?.dst_addr, dns?.protocol], ['10.10.1.4', '10.10.1.1', 17])
  const alone = run(['ipfix/akvorado_ipfix_ipfixprobe_data.pcap'])
  assert.equal(alone.records.length, 0)
  assert.equal(alone.counters.get('netflow_errors_total', 'netflow.template_unknown'), 1)
})

test('corpus ipfix: enterprise and variable-length templates (Juniper, Gigamon, YAF, NetScaler)', { skip }, () => {
  const jun = run(['ipfix/akvorado_ipfix_juniper_varlen_template.pcap'])
  const [t] = [...([...jun.store.entries()][0]?.[1].templates.values() ?? [])]
  assert.equal(t?.fields.length, 11)
  assert.equal(t?.fields.filter((f) => f.pen === 2636).length, 6)
  assert.equal(t?.varlen, true)
  const gig = run(['ipfix/ndpi_ipfix_gigamon_varlen_options.pcap'])
  assert.deepEqual(templateIds(gig), [461, 466, 467])
  const yaf = run(['ipfix/logstash_ipfix_yaf_options_templates.dat'])
  const ids = templateIds(yaf)
  for (const id of [45873, 47104, 49155, 49156, 49157, 49159, 49160, 49161, 49171, 49173, 49175, 49176, 53248]) {
    assert.ok(ids.includes(id), `template ${id}`)
  }
  assert.deepEqual(yaf.counters.family('netflow_errors_total'), {})
  const ns = run(['ipfix/logstash_ipfix_netscaler_templates.dat', 'ipfix/logstash_ipfix_netscaler_data.dat'])
  assert.deepEqual(templateIds(ns), [256, 257, 258, 259, 260, 261, 262])
  assert.ok(ns.records.length > 0)
  for (const x of ns.records) {
    assert.deepEqual([x.src_addr, x.dst_addr].sort(), ['10.0.0.1', '192.168.0.1'])
    assert.ok(x.src_port === 443 || x.dst_port === 443)
  }
  // The sets whose templates are not in the template payload are counted, not decoded.
  assert.ok(ns.counters.get('netflow_errors_total', 'netflow.template_unknown') >= 1)
})

test('corpus ipfix: Huawei options data and flows agree with tshark; Cisco export through Linux SLL', { skip }, () => {
  const hf = 'ipfix/pmacct_ipfix_huawei_options_varlen.pcap'
  const hw = run([hf])
  const tsharkHw = (tshark(hf, ['-O', 'cflow']).match(/^\s+Flow \d+$/gm) ?? []).length
  assert.equal(hw.records.length + hw.counters.get('netflow_options_records_total'), tsharkHw)
  assert.deepEqual(templateIds(hw), [1514, 2599, 6017])
  const cf = 'ipfix/pmacct_ipfix_cisco_options_sll.pcap'
  const cs = run([cf])
  // tshark decodes every options data record (76) but not set 347; we decode both.
  const tsharkCs = (tshark(cf, ['-O', 'cflow']).match(/^\s+Flow \d+$/gm) ?? []).length
  assert.equal(cs.counters.get('netflow_options_records_total'), tsharkCs)
  assert.ok(cs.records.length > 0)
  assert.ok(cs.records.every((x) => x.dst_port === 179 || x.src_port === 179))
  for (const id of [256, 257, 334, 338, 347]) assert.ok(templateIds(cs).includes(id))
})
