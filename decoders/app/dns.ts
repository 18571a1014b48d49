/**
 * DNS message decoding (RFC 1035 §4.1), small and pure: header, questions, and the answer section's A, AAAA
 * and CNAME records (other types are skipped by RDLENGTH). Names follow compression pointers (§4.1.4) only
 * backwards (a pointer must point before the label that holds it, dns-packet's lesson) with a depth limit,
 * and are at most 255 bytes. Counts are clamped by bytes remaining and hard caps. `probeDns` is an
 * allocation-free plausibility check of the header and first question; the TCP variant skips the 2-byte
 * length prefix (RFC 1035 §4.2.2). Not handled: EDNS options, DNSSEC records, authority/additional sections.
 */
import { type Decoded, fail } from '../errors.js'

export const DNS_HEADER_LEN = 12
export const DNS_MAX_QUESTIONS = 8
export const DNS_MAX_ANSWERS = 64
export const DNS_MAX_POINTER_DEPTH = 16
export const DNS_MAX_NAME = 255

export interface DnsRecord {
  readonly name: string
  readonly type: number
  readonly ttl: number
  /** Dotted/colon address for A/AAAA, target name for CNAME; undefined for other types. */
  readonly data?: string
}

export interface DnsMessage {
  readonly id: number
  readonly qr: boolean
  readonly opcode: number
  readonly rcode: number
  readonly questions: readonly { readonly name: string; readonly type: number; readonly cls: number }[]
  readonly answers: readonly DnsRecord[]
}

/**
 * Reads a possibly compressed name at `off` within the message `[base, end)`. Returns the name and the offset
 * after it in the original position.
 */
export function decodeDnsName(buf: Buffer, base: number, off: number, end: number): Decoded<string> {
  const labels: string[] = []
  let p = off
  let next = -1
  let depth = 0
  let total = 0
  let limit = p
  for (;;) {
    if (p >= end) return fail('dns.truncated', p, 1, 0)
    const len = buf[p] ?? 0
    if (len === 0) {
      if (next < 0) next = p + 1
      break
    }
    const kind = len & 0xc0
    if (kind === 0xc0) {
      if (p + 2 > end) return fail('dns.truncated', p, 2, end - p)
      const target = base + (buf.readUInt16BE(p) & 0x3fff)
      if (next < 0) next = p + 2
      // Backwards only: strictly before the pointer's own label start, so loops are impossible.
      if (target >= limit || target < base + DNS_HEADER_LEN) return fail('dns.bad_pointer', p)
      if (++depth > DNS_MAX_POINTER_DEPTH) return fail('dns.pointer_too_deep', p)
      p = target
      limit = target
      continue
    }
    if (kind !== 0) return fail('dns.bad_label_type', p)
    if (p + 1 + len > end) return fail('dns.truncated', p, 1 + len, end - p)
    total += len + 1
    if (total > DNS_MAX_NAME) return fail('dns.name_too_long', p)
    labels.push(buf.toString('latin1', p + 1, p + 1 + len))
    p += 1 + len
  }
  return { ok: true, value: labels.join('.').toLowerCase(), next }
}

function ipv6Text(buf: Buffer, p: number): string {
  const w: string[] = []
  for (let i = 0; i < 8; i++) w.push(buf.readUInt16BE(p + 2 * i).toString(16))
  // Compress the longest run of zero words (RFC 5952 §4.2).
  let bs = -1
  let bl = 0
  for (let i = 0; i < 8; ) {
    if (w[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && w[j] === '0') j++
    if (j - i > bl && j - i > 1) {
      bs = i
      bl = j - i
    }
    i = j
  }
  if (bs < 0) return w.join(':')
  return `${w.slice(0, bs).join(':')}::${w.slice(bs + bl).join(':')}`
}

/** Decodes a DNS message in `[off, end)`. */
export function decodeDnsMessage(buf: Buffer, off: number, end: number): Decoded<DnsMessage> {
  if (end > buf.length) end = buf.length
  if (end - off < DNS_HEADER_LEN) return fail('dns.truncated', off, DNS_HEADER_LEN, end - off)
  const id = buf.readUInt16BE(off)
  const flags = buf.readUInt16BE(off + 2)
  const qd = buf.readUInt16BE(off + 4)
  const an = buf.readUInt16BE(off + 6)
  const questions: { name: string; type: number; cls: number }[] = []
  const answers: DnsRecord[] = []
  let p = off + DNS_HEADER_LEN
  for (let i = 0; i < Math.min(qd, DNS_MAX_QUESTIONS); i++) {
    const n = decodeDnsName(buf, off, p, end)
    if (!n.ok) return n
    p = n.next
    if (p + 4 > end) return fail('dns.truncated', p, 4, end - p)
    questions.push({ name: n.value, type: buf.readUInt16BE(p), cls: buf.readUInt16BE(p + 2) })
    p += 4
  }
  if (qd > DNS_MAX_QUESTIONS) return fail('dns.too_many_questions', off + 4)
  for (let i = 0; i < Math.min(an, DNS_MAX_ANSWERS) && p < end; i++) {
    const n = decodeDnsName(buf, off, p, end)
    if (!n.ok) return n
    p = n.next
    if (p + 10 > end) return fail('dns.truncated', p, 10, end - p)
    const type = buf.readUInt16BE(p)
    const ttl = buf.readUInt32BE(p + 4)
    const rdlen = buf.readUInt16BE(p + 8)
    p += 10
    if (p + rdlen > end) return fail('dns.rdata_too_long', p, rdlen, end - p)
    let data: string | undefined
    if (type === 1 && rdlen === 4) data = `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`
    else if (type === 28 && rdlen === 16) data = ipv6Text(buf, p)
    else if (type === 5) {
      const t = decodeDnsName(buf, off, p, p + rdlen)
      if (!t.ok) return t
      data = t.value
    }
    answers.push(data === undefined ? { name: n.value, type, ttl } : { name: n.value, type, ttl, data })
    p += rdlen
  }
  return {
    ok: true,
    value: { id, qr: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 15, rcode: flags & 15, questions, answers },
    next: p,
  }
}

/** Plausible DNS message at `off` (UDP payload): header counts, opcode, and a well-formed first question. */
export function probeDns(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (end - off < DNS_HEADER_LEN + 5) return 'no'
  const flags = buf.readUInt16BE(off + 2)
  const opcode = (flags >> 11) & 15
  const qd = buf.readUInt16BE(off + 4)
  const an = buf.readUInt16BE(off + 6)
  const ns = buf.readUInt16BE(off + 8)
  const ar = buf.readUInt16BE(off + 10)
  if (opcode > 6 || opcode === 3) return 'no'
  if (qd !== 1) return 'no'
  if ((flags & 0x8000) === 0 && (an > 0 || ns > 1 || ar > 2)) return 'no'
  if (an > 256 || ns > 256 || ar > 256) return 'no'
  // The first question name: plain labels (a query never needs a pointer there) and a sane class.
  let p = off + DNS_HEADER_LEN
  let total = 0
  for (;;) {
    if (p >= end) return 'no'
    const len = buf[p] ?? 0
    if (len === 0) break
    if (len > 63) return 'no'
    total += len + 1
    if (total > DNS_MAX_NAME || p + 1 + len > end) return 'no'
    for (let i = p + 1; i <= p + len; i++) {
      const c = buf[i] ?? 0
      if (c <= 0x20 || c >= 0x7f) return 'no'
    }
    p += 1 + len
  }
  if (p + 5 > end) return 'no'
  const cls = buf.readUInt16BE(p + 3)
  return cls === 1 || cls === 3 || cls === 255 || (cls & 0x7fff) === 1 ? 'yes' : 'no'
}

/** The same check over TCP: a 2-byte length prefix, then a message. */
export function probeDnsTcp(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  if (end - off < 2) return 'need-more'
  const len = buf.readUInt16BE(off)
  if (len < DNS_HEADER_LEN + 5) return 'no'
  if (end - off - 2 < Math.min(len, 64)) return 'need-more'
  return probeDns(buf, off + 2, Math.min(end, off + 2 + len))
}
