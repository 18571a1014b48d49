/**
 * A set of CIDR ranges (IPv4 and IPv6) matched against address text, used for internal networks and
 * allowlists. Parsing happens once at config time; matching an IPv4 address is a few integer compares.
 */

interface V4Range {
  readonly base: number
  readonly mask: number
}
interface V6Range {
  readonly words: readonly number[]
  readonly bits: number
}

/** The default internal networks: RFC 1918, CGNAT 100.64/10, ULA fc00::/7, link-local, loopback. */
export const DEFAULT_INTERNAL_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
]

export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let v = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    v = v * 256 + n
  }
  return v >>> 0
}

/** Parses IPv6 text (with `::` and an optional embedded IPv4 tail) into eight 16-bit words. */
export function parseIpv6(s: string): number[] | undefined {
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (!s.includes(':')) return undefined
  let tail: number[] = []
  const lastColon = s.lastIndexOf(':')
  const last = s.slice(lastColon + 1)
  if (last.includes('.')) {
    const v4 = parseIpv4(last)
    if (v4 === undefined) return undefined
    tail = [v4 >>> 16, v4 & 0xffff]
    s = `${s.slice(0, lastColon + 1)}0`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const parse = (h: string): number[] | undefined => {
    if (h === '') return []
    const out: number[] = []
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      out.push(Number.parseInt(g, 16))
    }
    return out
  }
  const head = parse(halves[0] ?? '')
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : []
  if (!head || !rest) return undefined
  if (tail.length) rest.pop()
  const groups = [
    ...head,
    ...(halves.length === 2 ? new Array(8 - head.length - rest.length - tail.length).fill(0) : []),
    ...rest,
    ...tail,
  ]
  return groups.length === 8 ? groups : undefined
}

/** Distinct addresses whose answer is remembered; the memo is emptied when it reaches this size. */
const MEMO_MAX = 65_536

export class AddressSet {
  private readonly v4: V4Range[] = []
  private readonly v6: V6Range[] = []
  private readonly memo = new Map<string, boolean>()

  /** Throws an Error naming the bad entry; config loading turns it into a ConfigError. */
  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) this.add(c)
  }

  add(cidr: string): void {
    this.memo.clear()
    const [addr = '', bitsText] = cidr.trim().split('/')
    const v4 = parseIpv4(addr)
    if (v4 !== undefined) {
      const bits = bitsText === undefined ? 32 : Number(bitsText)
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`Bad prefix length in ${cidr}.`)
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
      this.v4.push({ base: (v4 & mask) >>> 0, mask })
      return
    }
    const v6 = parseIpv6(addr)
    if (v6 === undefined) throw new Error(`Not an IP address or CIDR: ${cidr}.`)
    const bits = bitsText === undefined ? 128 : Number(bitsText)
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`Bad prefix length in ${cidr}.`)
    this.v6.push({ words: v6, bits })
  }

  /** True when `ip` (address text) falls in any range. */
  has(ip: string): boolean {
    // Address text is judged many times per flow (scorer, baseline, correlation); remember recent answers.
    const known = this.memo.get(ip)
    if (known !== undefined) return known
    const answer = this.judge(ip)
    if (this.memo.size >= MEMO_MAX) this.memo.clear()
    this.memo.set(ip, answer)
    return answer
  }

  private judge(ip: string): boolean {
    const v4 = parseIpv4(ip)
    if (v4 !== undefined) return this.hasV4(v4)
    const v6 = parseIpv6(ip)
    if (v6 === undefined) return false
    // IPv4-mapped ::ffff:a.b.c.d is judged as IPv4.
    if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff) {
      return this.hasV4((((v6[6] ?? 0) << 16) | (v6[7] ?? 0)) >>> 0)
    }
    for (const r of this.v6) if (matchV6(r, v6)) return true
    return false
  }

  hasV4(v: number): boolean {
    for (const r of this.v4) if ((v & r.mask) >>> 0 === r.base) return true
    return false
  }

  get size(): number {
    return this.v4.length + this.v6.length
  }
}

function matchV6(r: V6Range, w: readonly number[]): boolean {
  let bits = r.bits
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const take = Math.min(16, bits)
    const mask = (0xffff << (16 - take)) & 0xffff
    if (((w[i] ?? 0) & mask) !== ((r.words[i] ?? 0) & mask)) return false
  }
  return true
}
