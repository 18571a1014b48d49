/**
 * Synthetic capture for the pipeline benchmark: a classic pcap (Ethernet, microseconds) of many concurrent
 * flows, generated from a fixed seed and written in 4 MiB chunks (never the whole file in memory).
 * Traffic: `concurrent` live sessions at any moment; each step (150 µs of capture time on average, so 5 M
 * packets span about 5 minutes: UDP flows reach their idle timeout and live flows level off) picks one at
 * random and lets it send its next flight (1 to 10 packets back to back, like a TCP window), so flows
 * interleave the way a busy link does.
 * A session that ends is replaced by a new one. Session mix: 30 % DNS over UDP (a real query and answer),
 * 10 % other UDP (NTP, QUIC-like 443, one-way syslog), 25 % HTTP/1.1 over TCP (handshake, GET with headers,
 * a response with Content-Length in MSS-sized segments, an ACK per flight, keep-alive second request on a third of
 * them, FIN close; 1 in 200 responses is an ELF executable), 30 % TLS over TCP (a ClientHello with SNI, a
 * ServerHello, application-data records, FIN close), 5 % refused connections (SYN, RST-ACK). 12 % of sessions
 * are IPv6, 10 % carry an 802.1Q tag, 5 % of HTTP sessions go to an internal server. Sequence and
 * acknowledgement numbers are consistent; IPv4 header checksums are right, TCP/UDP checksums are zero (as on
 * an offloading NIC). Not generated: IP fragments, retransmissions, packet loss, ICMP.
 * Usage: node --import tsx bench/gen-capture.ts FILE [--packets N] [--concurrent C] [--seed S]
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'

export interface GenOptions {
  /** Packets to write. */
  readonly packets: number
  /** Live sessions at any moment (the flow table's working set). */
  readonly concurrent: number
  readonly seed: number
}

export interface GenResult {
  readonly packets: number
  readonly bytes: number
  /** Sessions started (flows, counting both the finished and the still-open ones). */
  readonly sessions: number
}

/** Mulberry32: small fixed-seed PRNG (also the benches' random sequences). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SYN = 0x02
const FIN = 0x01
const RST = 0x04
const PSH = 0x08
const ACK = 0x10
const MSS = 1448

/** Writes `len` bytes of a stream starting at stream offset `off` into `dst` at `at`. */
type StreamFill = (dst: Buffer, at: number, off: number, len: number) => void

interface Session {
  v6: boolean
  vlan: number
  /** IPv4 addresses, or indexes into the IPv6 address pools. */
  cAddr: number
  sAddr: number
  cPort: number
  sPort: number
  proto: number
  cSeq: number
  sSeq: number
  gen: Generator<void, void, void>
}

const CHUNK = 4 << 20

export function generateCapture(file: string, o: GenOptions): GenResult {
  const rnd = prng(o.seed)
  const ri = (n: number) => Math.floor(rnd() * n)
  const fd = openSync(file, 'w')
  const out = Buffer.allocUnsafe(CHUNK)
  let pos = 0
  let bytesWritten = 0
  const flush = () => {
    writeSync(fd, out, 0, pos)
    bytesWritten += pos
    pos = 0
  }
  // pcap global header: µs, snaplen 262144, Ethernet.
  out.writeUInt32LE(0xa1b2c3d4, 0)
  out.writeUInt16LE(2, 4)
  out.writeUInt16LE(4, 6)
  out.writeUInt32LE(0, 8)
  out.writeUInt32LE(0, 12)
  out.writeUInt32LE(262144, 16)
  out.writeUInt32LE(1, 20)
  pos = 24

  // Time: microseconds since the start; a pick advances it ~20 µs, a packet in a flight 1–3 µs.
  const T0 = 1_763_800_000
  let usec = 0
  let packets = 0
  let sessions = 0
  let ipId = 0

  // Address pools: 20,000 internal clients, 6,000 external servers, 300 internal servers.
  const clients = Array.from(
    { length: 20_000 },
    () => (0x0a000000 | (ri(256) << 16) | (ri(256) << 8) | (1 + ri(254))) >>> 0,
  )
  const servers = Array.from({ length: 6_000 }, () => {
    const first = [23, 34, 45, 52, 64, 91, 104, 142, 151, 185, 193, 203][ri(12)] ?? 23
    return ((first << 24) | (ri(256) << 16) | (ri(256) << 8) | (1 + ri(254))) >>> 0
  })
  const internalServers = Array.from({ length: 300 }, () => (0x0a010000 | (ri(256) << 8) | (1 + ri(254))) >>> 0)
  const v6Prefix = { client: Buffer.from('fd12345600000000', 'hex'), server: Buffer.from('2001db8000000000', 'hex') }

  // Payload material.
  const FILLER = Buffer.alloc(256 * 1024)
  {
    const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore'
      .split(' ')
      .map((w) => `<p class="${w}">${w} ${w.toUpperCase()}</p>\n`)
    let at = 0
    while (at < FILLER.length) at += FILLER.write(words[ri(words.length)] ?? '', at, 'latin1')
  }
  const ELF = existsSync('/bin/true') ? readFileSync('/bin/true') : Buffer.from('\x7fELF', 'latin1')
  const HOSTS = ['www.example.com', 'cdn.example.net', 'static.example.org', 'api.example.io', 'img.example.co']
  const PATHS = ['/', '/index.html', '/app.js', '/style.css', '/img/logo.png', '/api/v1/items?page=2', '/news/today']
  const UAS = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  ]

  const v6Addr = (dst: Buffer, at: number, isServer: boolean, n: number) => {
    ;(isServer ? v6Prefix.server : v6Prefix.client).copy(dst, at)
    dst.writeUInt32BE(0, at + 8)
    dst.writeUInt32BE(n >>> 0, at + 12)
  }

  /** Emits one frame of session `s`; `fill` writes the payload. */
  const emit = (
    s: Session,
    fromClient: boolean,
    flags: number,
    payLen: number,
    fill: StreamFill | undefined,
    off: number,
  ) => {
    const l4 = s.proto === 6 ? (flags & SYN ? 24 : 20) : 8
    const l3 = s.v6 ? 40 : 20
    const l2 = s.vlan ? 18 : 14
    const frameLen = l2 + l3 + l4 + payLen
    if (pos + 16 + frameLen > CHUNK) flush()
    usec += 1 + ri(3)
    const b = out
    let p = pos
    b.writeUInt32LE(T0 + Math.floor(usec / 1e6), p)
    b.writeUInt32LE(usec % 1e6, p + 4)
    b.writeUInt32LE(frameLen, p + 8)
    b.writeUInt32LE(frameLen, p + 12)
    p += 16
    // Ethernet: client 02:00:00:00:00:01, gateway 02:00:00:00:00:fe.
    b.writeUInt32BE(0x02000000, p)
    b.writeUInt16BE(fromClient ? 0x00fe : 0x0001, p + 4)
    b.writeUInt32BE(0x02000000, p + 6)
    b.writeUInt16BE(fromClient ? 0x0001 : 0x00fe, p + 10)
    p += 12
    if (s.vlan) {
      b.writeUInt16BE(0x8100, p)
      b.writeUInt16BE(s.vlan, p + 2)
      p += 4
    }
    b.writeUInt16BE(s.v6 ? 0x86dd : 0x0800, p)
    p += 2
    const ip = p
    if (s.v6) {
      b.writeUInt32BE(0x60000000, p)
      b.writeUInt16BE(l4 + payLen, p + 4)
      b[p + 6] = s.proto
      b[p + 7] = 64
      v6Addr(b, p + 8, !fromClient, fromClient ? s.cAddr : s.sAddr)
      v6Addr(b, p + 24, fromClient, fromClient ? s.sAddr : s.cAddr)
      p += 40
    } else {
      b.writeUInt32BE(0x45000000 | (l3 + l4 + payLen), p)
      ipId = (ipId + 1) & 0xffff
      b.writeUInt32BE(((ipId << 16) | 0x4000) >>> 0, p + 4)
      b[p + 8] = fromClient ? 64 : 52
      b[p + 9] = s.proto
      b.writeUInt16BE(0, p + 10)
      b.writeUInt32BE(fromClient ? s.cAddr : s.sAddr, p + 12)
      b.writeUInt32BE(fromClient ? s.sAddr : s.cAddr, p + 16)
      let sum = 0
      for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(ip + i)
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
      b.writeUInt16BE(~sum & 0xffff, ip + 10)
      p += 20
    }
    b.writeUInt16BE(fromClient ? s.cPort : s.sPort, p)
    b.writeUInt16BE(fromClient ? s.sPort : s.cPort, p + 2)
    if (s.proto === 6) {
      const seq = fromClient ? s.cSeq : s.sSeq
      const ack = flags & ACK ? (fromClient ? s.sSeq : s.cSeq) : 0
      b.writeUInt32BE(seq >>> 0, p + 4)
      b.writeUInt32BE(ack >>> 0, p + 8)
      b[p + 12] = (l4 / 4) << 4
      b[p + 13] = flags
      b.writeUInt16BE(64240, p + 14)
      b.writeUInt32BE(0, p + 16)
      if (flags & SYN) b.writeUInt32BE(0x020405b4, p + 20) // MSS 1460
      const adv = payLen + (flags & (SYN | FIN) ? 1 : 0)
      if (fromClient) s.cSeq = (s.cSeq + adv) >>> 0
      else s.sSeq = (s.sSeq + adv) >>> 0
    } else {
      b.writeUInt16BE(8 + payLen, p + 4)
      b.writeUInt16BE(0, p + 6)
    }
    p += l4
    if (payLen > 0 && fill) fill(b, p, off, payLen)
    pos = p + payLen
    packets++
  }

  const fromBuf =
    (src: Buffer): StreamFill =>
    (dst, at, off, len) => {
      src.copy(dst, at, off, off + len)
    }
  /** A response: header bytes, then `bodyLen` bytes of `body` (repeated) starting at `bodyBase`. */
  const response = (head: Buffer, body: Buffer, bodyBase: number): StreamFill => {
    return (dst, at, off, len) => {
      let o = off
      let a = at
      let left = len
      if (o < head.length) {
        const n = Math.min(left, head.length - o)
        head.copy(dst, a, o, o + n)
        a += n
        o += n
        left -= n
      }
      while (left > 0) {
        const bo = (bodyBase + o - head.length) % body.length
        const n = Math.min(left, body.length - bo)
        body.copy(dst, a, bo, bo + n)
        a += n
        o += n
        left -= n
      }
    }
  }

  /** Sends `total` bytes of a stream as MSS segments, up to 10 per flight; the peer ACKs each flight. */
  function* sendStream(s: Session, fromClient: boolean, fill: StreamFill, total: number): Generator<void, void, void> {
    let off = 0
    while (off < total) {
      const flight = 1 + ri(10)
      for (let k = 0; k < flight && off < total; k++) {
        const n = Math.min(MSS, total - off)
        emit(s, fromClient, ACK | (off + n >= total ? PSH : 0), n, fill, off)
        off += n
      }
      yield
      emit(s, !fromClient, ACK, 0, undefined, 0)
    }
  }

  /** The handshake and the close each take one round trip, far below the idle timeouts: one flight each. */
  function handshake(s: Session): void {
    emit(s, true, SYN, 0, undefined, 0)
    emit(s, false, SYN | ACK, 0, undefined, 0)
    emit(s, true, ACK, 0, undefined, 0)
  }

  function close(s: Session): void {
    const clientFirst = rnd() < 0.7
    emit(s, clientFirst, FIN | ACK, 0, undefined, 0)
    emit(s, !clientFirst, FIN | ACK, 0, undefined, 0)
    emit(s, clientFirst, ACK, 0, undefined, 0)
  }

  function* http(s: Session): Generator<void, void, void> {
    handshake(s)
    yield
    const requests = rnd() < 0.33 ? 2 : 1
    for (let r = 0; r < requests; r++) {
      const host = s.sPort === 8080 ? `build${ri(9)}.corp.example:8080` : (HOSTS[ri(HOSTS.length)] ?? '')
      const exe = rnd() < 0.005
      const req = Buffer.from(
        `GET ${exe ? `/dl/tool${ri(100)}` : (PATHS[ri(PATHS.length)] ?? '/')} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${UAS[ri(UAS.length)] ?? ''}\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n`,
        'latin1',
      )
      emit(s, true, PSH | ACK, req.length, fromBuf(req), 0)
      yield
      const small = rnd() < 0.9
      const bodyLen = exe ? ELF.length : small ? 200 + ri(12_000) : 20_000 + ri(120_000)
      const head = Buffer.from(
        `HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Sat, 22 Nov 2025 10:00:00 GMT\r\nContent-Type: ${exe ? 'application/octet-stream' : 'text/html; charset=utf-8'}\r\nContent-Length: ${bodyLen}\r\nConnection: keep-alive\r\n\r\n`,
        'latin1',
      )
      yield* sendStream(
        s,
        false,
        response(head, exe ? ELF : FILLER, exe ? 0 : ri(FILLER.length)),
        head.length + bodyLen,
      )
      yield
    }
    close(s)
  }

  const clientHello = (sni: string): Buffer => {
    const name = Buffer.from(sni, 'latin1')
    const sniExt = Buffer.alloc(9 + name.length)
    sniExt.writeUInt16BE(0, 0)
    sniExt.writeUInt16BE(5 + name.length, 2)
    sniExt.writeUInt16BE(3 + name.length, 4)
    sniExt[6] = 0
    sniExt.writeUInt16BE(name.length, 7)
    name.copy(sniExt, 9)
    const suites = Buffer.from('130113021303c02bc02fc02cc030', 'hex')
    const body = Buffer.concat([
      Buffer.from([3, 3]),
      Buffer.alloc(32, 0x5a),
      Buffer.from([0]),
      Buffer.from([0, suites.length]),
      suites,
      Buffer.from([1, 0]),
      Buffer.from([sniExt.length >> 8, sniExt.length & 0xff]),
      sniExt,
    ])
    const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body])
    return Buffer.concat([Buffer.from([0x16, 3, 1, hs.length >> 8, hs.length & 0xff]), hs])
  }
  const serverHello = (() => {
    const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 0x33), Buffer.from([0, 0x13, 0x01, 0, 0, 0])])
    const hs = Buffer.concat([Buffer.from([2, 0, body.length >> 8, body.length & 0xff]), body])
    const rec = Buffer.concat([Buffer.from([0x16, 3, 3, hs.length >> 8, hs.length & 0xff]), hs])
    // ChangeCipherSpec, then an encrypted handshake record (opaque application data).
    return Buffer.concat([
      rec,
      Buffer.from([0x14, 3, 3, 0, 1, 1]),
      Buffer.from([0x17, 3, 3, 0x08, 0]),
      FILLER.subarray(0, 2048),
    ])
  })()
  const HELLOS = HOSTS.map((h) => clientHello(h))
  /** TLS application data: `total` bytes (at least 6) cut into records of up to 16 KiB (header + filler). */
  const appData = (total: number): StreamFill => {
    return (dst, at, off, len) => {
      FILLER.copy(dst, at, off & 0x1ffff, (off & 0x1ffff) + len)
      // Record headers that fall inside this segment.
      for (let start = off - (off % 16_389); start < off + len; start += 16_389) {
        const rl = Math.min(16_384, total - start - 5)
        const hdr = [0x17, 3, 3, rl >> 8, rl & 0xff]
        for (let k = 0; k < 5; k++) {
          const o = start + k
          if (o >= off && o < off + len) dst[at + o - off] = hdr[k] ?? 0
        }
      }
    }
  }

  function* tls(s: Session): Generator<void, void, void> {
    handshake(s)
    yield
    const ch = HELLOS[ri(HELLOS.length)] ?? Buffer.alloc(0)
    emit(s, true, PSH | ACK, ch.length, fromBuf(ch), 0)
    yield
    yield* sendStream(s, false, fromBuf(serverHello), serverHello.length)
    const rounds = 1 + ri(4)
    for (let r = 0; r < rounds; r++) {
      const up = 100 + ri(1200)
      yield* sendStream(s, true, appData(up), up)
      const down = rnd() < 0.9 ? 500 + ri(6000) : 20_000 + ri(100_000)
      yield* sendStream(s, false, appData(down), down)
    }
    yield
    close(s)
  }

  function* refused(s: Session): Generator<void, void, void> {
    emit(s, true, SYN, 0, undefined, 0)
    yield
    emit(s, false, RST | ACK, 0, undefined, 0)
  }

  const dnsQuery = (name: string, id: number, qtype: number): Buffer => {
    const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]))
    const q = Buffer.concat([...labels, Buffer.from([0, 0, qtype, 0, 1])])
    const h = Buffer.alloc(12)
    h.writeUInt16BE(id, 0)
    h.writeUInt16BE(0x0100, 2)
    h.writeUInt16BE(1, 4)
    return Buffer.concat([h, q])
  }
  function* dns(s: Session): Generator<void, void, void> {
    const name = `${['www', 'mail', 'api', 'cdn', 'login'][ri(5)]}${ri(1000)}.${HOSTS[ri(HOSTS.length)] ?? ''}`
    const id = ri(65536)
    const qtype = s.v6 ? 28 : 1
    const q = dnsQuery(name, id, qtype)
    emit(s, true, 0, q.length, fromBuf(q), 0)
    yield
    const rdata = qtype === 28 ? Buffer.alloc(16, 0x20) : Buffer.from([203, 0, 113, ri(256)])
    const ans = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, qtype, 0, 1, 0, 0, 0x0e, 0x10, 0, rdata.length]), rdata])
    const r = Buffer.concat([q, ans])
    r.writeUInt16BE(0x8180, 2)
    r.writeUInt16BE(1, 6)
    emit(s, false, 0, r.length, fromBuf(r), 0)
  }

  function* otherUdp(s: Session): Generator<void, void, void> {
    const rounds = 1 + ri(6)
    for (let r = 0; r < rounds; r++) {
      const n = 1 + ri(3)
      for (let k = 0; k < n; k++) {
        const len = s.sPort === 123 ? 48 : s.sPort === 514 ? 80 + ri(200) : 60 + ri(1200)
        emit(s, true, 0, len, fromBuf(FILLER), ri(FILLER.length - 2000))
      }
      yield
      if (s.sPort === 514) continue
      const len = s.sPort === 123 ? 48 : 100 + ri(1300)
      emit(s, false, 0, len, fromBuf(FILLER), ri(FILLER.length - 2000))
      yield
    }
  }

  const newSession = (): Session => {
    sessions++
    const r = rnd()
    const v6 = rnd() < 0.12
    const s: Session = {
      v6,
      vlan: rnd() < 0.1 ? ([10, 20, 30, 100, 200][ri(5)] ?? 10) : 0,
      cAddr: v6 ? ri(20_000) : (clients[ri(clients.length)] ?? 0),
      sAddr: v6 ? ri(6_000) : (servers[ri(servers.length)] ?? 0),
      cPort: 32768 + ri(28_000),
      sPort: 0,
      proto: 6,
      cSeq: (rnd() * 2 ** 32) >>> 0,
      sSeq: (rnd() * 2 ** 32) >>> 0,
      gen: undefined as unknown as Generator<void, void, void>,
    }
    if (r < 0.3) {
      s.proto = 17
      s.sPort = 53
      s.gen = dns(s)
    } else if (r < 0.4) {
      s.proto = 17
      s.sPort = [123, 443, 443, 514][ri(4)] ?? 443
      s.gen = otherUdp(s)
    } else if (r < 0.65) {
      s.sPort = 80
      if (!v6 && rnd() < 0.05) {
        s.sAddr = internalServers[ri(internalServers.length)] ?? 0
        s.sPort = 8080
      }
      s.gen = http(s)
    } else if (r < 0.95) {
      s.sPort = 443
      s.gen = tls(s)
    } else {
      s.sPort = [22, 3389, 445, 8443][ri(4)] ?? 22
      s.gen = refused(s)
    }
    return s
  }

  const active: Session[] = Array.from({ length: o.concurrent }, newSession)
  while (packets < o.packets) {
    const i = ri(active.length)
    usec += 50 + ri(200)
    let s = active[i] as Session
    if (s.gen.next().done) {
      s = newSession()
      active[i] = s
      s.gen.next()
    }
  }
  flush()
  closeSync(fd)
  return { packets, bytes: bytesWritten, sessions }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const opt = (name: string, d: number) => {
    const i = args.indexOf(name)
    return i >= 0 ? Number(args[i + 1]) : d
  }
  const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || !(args[i - 1] ?? '').startsWith('--')))
  if (!file) {
    process.stderr.write('usage: gen-capture.ts FILE [--packets N] [--concurrent C] [--seed S]\n')
    process.exit(1)
  }
  const t0 = performance.now()
  const r = generateCapture(file, {
    packets: opt('--packets', 5_000_000),
    concurrent: opt('--concurrent', 120_000),
    seed: opt('--seed', 20251122),
  })
  console.log(
    `${file}: ${r.packets} packets, ${(r.bytes / 1e6).toFixed(0)} MB, ${r.sessions} sessions, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )
}
