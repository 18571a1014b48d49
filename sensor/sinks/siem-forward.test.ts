/**
 * SIEM forwarding, read back by independent parsers written from the specs: RFC 5424 (PRI = facility*8 +
 * severity, VERSION 1, header fields, one SD element whose PARAM-VALUEs unescape `\"`, `\\`, `\]`, and the
 * JSON MSG) and ArcSight CEF:0 (seven `|` header fields with `\|` and `\\` escapes, extension `key=value`
 * pairs with `\=`, `\\`, `\n` escapes). Delivered over UDP (one datagram per alert) and TCP (RFC 6587 octet
 * counting) to test listeners on loopback; a TCP receiver that starts late still gets what was backlogged.
 */
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import { Counters } from '../../analytics/counters.js'
import type { AlertEvent } from '../../analytics/events.js'
import { alertToCef, alertToRfc5424, parseForwardUrl, SiemForwarder } from './siem-forward.js'

const ALERT: AlertEvent = {
  kind: 'alert',
  ts: 1795312522.25,
  source: 'pcap',
  detection: 'executable-download',
  technique: 'T1105',
  tactic: 'command-and-control',
  severity: 'high',
  score: 82,
  reasons: ['PE file "t32.exe" | from 198.51.100.80', 'never seen = true'],
  message: 'Executable download: a|b \\ c=d "q" ]x\nnext',
  uid: 'CAbc123',
  orig_h: '10.66.0.2',
  orig_p: 34566,
  resp_h: '198.51.100.80',
  resp_p: 80,
  proto: 'tcp',
  host: 'ws "9" ]\\',
  file: { name: 'a=b\\c.exe', direction: 'download', bytes: 98304, type: 'pe', sha256: 'ab'.repeat(32) },
  evidence: [{ ts: 1795312522.25, source: 'http', what: 'GET /t32.exe' }],
  identifier: 'x',
}

interface Rfc5424 {
  pri: number
  version: number
  timestamp: string
  hostname: string
  app: string
  procid: string
  msgid: string
  sd: Map<string, Record<string, string>>
  msg: string
}

/** RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG]. */
function parseRfc5424(line: string): Rfc5424 {
  const h = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line)
  assert.ok(h, `RFC 5424 header: ${line.slice(0, 80)}`)
  let i = h[0].length
  const sd = new Map<string, Record<string, string>>()
  if (line[i] === '-') i++
  else {
    while (line[i] === '[') {
      i++
      const id = /^[^ \]=""]+/.exec(line.slice(i))?.[0] ?? ''
      assert.ok(id.length > 0 && id.length <= 32)
      i += id.length
      const params: Record<string, string> = {}
      while (line[i] === ' ') {
        i++
        const name = /^[^ \]="]+/.exec(line.slice(i))?.[0] ?? ''
        assert.ok(name.length > 0 && name.length <= 32, `PARAM-NAME at ${i}`)
        i += name.length
        assert.equal(line.slice(i, i + 2), '="')
        i += 2
        let v = ''
        while (line[i] !== '"') {
          assert.ok(i < line.length, 'unterminated PARAM-VALUE')
          if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\' || line[i + 1] === ']')) {
            v += line[i + 1]
            i += 2
          } else {
            assert.notEqual(line[i], ']', 'an unescaped ] inside a PARAM-VALUE')
            v += line[i]
            i++
          }
        }
        i++
        params[name] = v
      }
      assert.equal(line[i], ']')
      i++
      sd.set(id, params)
    }
  }
  assert.ok(i === line.length || line[i] === ' ')
  return {
    pri: Number(h[1]),
    version: Number(h[2]),
    timestamp: h[3] as string,
    hostname: h[4] as string,
    app: h[5] as string,
    procid: h[6] as string,
    msgid: h[7] as string,
    sd,
    msg: line.slice(i + 1),
  }
}

/** CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension */
function parseCef(text: string): { header: string[]; ext: Record<string, string> } {
  assert.ok(text.startsWith('CEF:'))
  const header: string[] = []
  let cur = ''
  let i = 0
  while (header.length < 7) {
    const c = text[i]
    assert.ok(c !== undefined, 'CEF header has 7 fields')
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      cur += text[i + 1]
      i += 2
    } else if (c === '|') {
      header.push(cur)
      cur = ''
      i++
    } else {
      cur += c
      i++
    }
  }
  const extText = text.slice(i)
  const ext: Record<string, string> = {}
  // Keys are [A-Za-z0-9]+ followed by an unescaped '='; a value runs to the next ' key='.
  const starts = [...extText.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)].filter((m) => {
    let k = (m.index ?? 0) + m[0].length - 2
    let slashes = 0
    while (k >= 0 && extText[k] === '\\') {
      slashes++
      k--
    }
    return slashes % 2 === 0
  })
  starts.forEach((m, n) => {
    const from = (m.index ?? 0) + m[0].length
    const to = n + 1 < starts.length ? (starts[n + 1]?.index ?? extText.length) : extText.length
    const raw = extText.slice(from, to)
    assert.ok(!/(^|[^\\])=/.test(raw.replace(/\\\\/g, '')), `unescaped = in value of ${m[1]}: ${raw}`)
    ext[m[1] as string] = raw.replace(/\\([\\=nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c))
  })
  return { header, ext }
}

function checkRfc5424(line: string): void {
  const m = parseRfc5424(line)
  assert.equal(m.pri, 16 * 8 + 3, 'local0.err for a high alert')
  assert.equal(m.version, 1)
  // date -u -d @1795312522.25
  assert.equal(m.timestamp, '2026-11-22T01:55:22.250Z')
  assert.equal(m.app, 'ingress-sensor')
  assert.equal(m.msgid, 'executable-download')
  const p = m.sd.get('ingress@32473')
  assert.ok(p)
  assert.equal(p.detection, 'executable-download')
  assert.equal(p.technique, 'T1105')
  assert.equal(p.score, '82')
  assert.equal(p.src, '10.66.0.2')
  assert.equal(p.dpt, '80')
  assert.equal(p.host, 'ws "9" ]\\')
  const body = JSON.parse(m.msg) as Record<string, unknown>
  assert.equal(body.message, ALERT.message)
  assert.equal(body.kind, undefined)
}

function checkCef(line: string): void {
  const m = parseRfc5424(line)
  assert.equal(m.pri, 16 * 8 + 3)
  const { header, ext } = parseCef(m.msg)
  assert.deepEqual(header.slice(0, 5), ['CEF:0', 'ingress-sensor', 'ingress-sensor', '0.1.0', 'executable-download'])
  assert.equal(header[5], 'Executable download: a|b \\ c=d "q" ]x next', 'name: | and \\ escaped, newline folded')
  assert.equal(header[6], '8')
  assert.equal(ext.src, '10.66.0.2')
  assert.equal(ext.dpt, '80')
  assert.equal(ext.rt, String(Math.round(ALERT.ts * 1000)))
  assert.equal(ext.fname, 'a=b\\c.exe')
  assert.equal(ext.fsize, '98304')
  assert.equal(ext.dhost, 'ws "9" ]\\')
  assert.equal(ext.cs1Label, 'technique')
  assert.equal(ext.cs1, 'T1105')
  assert.equal(ext.cs2, ALERT.reasons.join('; '))
  assert.equal(ext.cn1, '82')
  assert.equal(ext.msg, ALERT.message)
}

test('the formatters read back with spec parsers (RFC 5424 SD escapes, CEF header and extension escapes)', () => {
  checkRfc5424(alertToRfc5424(ALERT, 'sensor1'))
  checkCef(alertToCef(ALERT, 'sensor1'))
  assert.deepEqual(parseForwardUrl('tcp://[::1]:6514?format=cef'), {
    transport: 'tcp',
    host: '::1',
    port: 6514,
    format: 'cef',
  })
  assert.throws(() => parseForwardUrl('http://x:1'))
  assert.throws(() => parseForwardUrl('udp://x:1?format=leef'))
})

test('UDP: one datagram per alert, RFC 5424 and CEF', async () => {
  const rx = dgram.createSocket('udp4')
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()))
  const got: string[] = []
  rx.on('message', (m) => got.push(m.toString('utf8')))
  const c = new Counters()
  const port = rx.address().port
  const a = new SiemForwarder(parseForwardUrl(`udp://127.0.0.1:${port}`), c)
  const b = new SiemForwarder(parseForwardUrl(`udp://127.0.0.1:${port}?format=cef`), c)
  try {
    for (let i = 0; i < 3; i++) {
      a.send(ALERT)
      b.send(ALERT)
    }
    const end = Date.now() + 5000
    while (got.length < 6 && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    assert.equal(got.length, 6)
    const cef = got.filter((g) => g.includes(' CEF:0|'))
    assert.equal(cef.length, 3)
    for (const g of cef) checkCef(g)
    for (const g of got.filter((x) => !x.includes(' CEF:0|'))) checkRfc5424(g)
    assert.equal(c.get('forward_sent_total', 'udp'), 6)
  } finally {
    await a.close()
    await b.close()
    rx.close()
  }
})

/** RFC 6587 §3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, MSG-LEN in bytes. */
function octetFrames(buf: Buffer): string[] {
  const out: string[] = []
  let i = 0
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i)
    assert.ok(sp > i)
    const len = Number(buf.subarray(i, sp).toString('ascii'))
    assert.ok(Number.isInteger(len) && len > 0)
    assert.ok(sp + 1 + len <= buf.length, 'a whole frame')
    out.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'))
    i = sp + 1 + len
  }
  return out
}

test('TCP: octet-counted frames; alerts sent before the receiver listens are backlogged and delivered', async () => {
  // Reserve a port, send while nothing listens there, then listen.
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
  const addr = probe.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  await new Promise<void>((r) => probe.close(() => r()))
  const c = new Counters()
  const fwd = new SiemForwarder(parseForwardUrl(`tcp://127.0.0.1:${port}?format=rfc5424`), c)
  const cef = new SiemForwarder(parseForwardUrl(`tcp://127.0.0.1:${port}?format=cef`), c)
  let data = Buffer.alloc(0)
  const sockets: Socket[] = []
  const srv = createServer((s) => {
    sockets.push(s)
    s.on('data', (d) => {
      data = Buffer.concat([data, d])
    })
  })
  try {
    fwd.send(ALERT)
    fwd.send(ALERT)
    cef.send(ALERT)
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()))
    const end = Date.now() + 8000
    const count = () => {
      try {
        return octetFrames(data).length
      } catch {
        return 0
      }
    }
    while (count() < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    const frames = octetFrames(data)
    assert.equal(frames.length, 3)
    for (const f of frames) (f.includes(' CEF:0|') ? checkCef : checkRfc5424)(f)
    assert.equal(c.get('forward_sent_total', 'tcp'), 0, 'backlogged lines are delivered on connect')
    fwd.send(ALERT)
    const end2 = Date.now() + 5000
    while (count() < 4 && Date.now() < end2) await new Promise((r) => setTimeout(r, 20))
    assert.equal(octetFrames(data).length, 4)
    assert.equal(c.get('forward_sent_total', 'tcp'), 1)
  } finally {
    await fwd.close(500)
    await cef.close(500)
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => srv.close(() => r()))
  }
})
