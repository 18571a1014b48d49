/**
 * Fortinet FortiGate traffic logs (FortiOS "Log Message Reference", type `traffic`): space-separated
 * `key=value` pairs, values optionally double-quoted: `srcip srcport dstip dstport proto action duration
 * sentbyte rcvdbyte sentpkt rcvdpkt service app user eventtime`. `sent*` is originator → responder.
 * `action=start` records (session-start logging) are skipped; deny/blocked/dropped ones become deny records.
 * Not handled: FortiAnalyzer CEF/CSV output.
 */
import { isJsSpace, quotedValueEnd } from '../kv-scan.js'
import { countOf, type DeviceFlow, portOf, protoOf } from './types.js'

/**
 * Parses FortiOS `key=value` / `key="value"` pairs (at most 256; the first of a repeated key wins). A key is
 * `[A-Za-z_][A-Za-z0-9_]{0,63}` ending at `=`; a quoted value runs to the next unescaped `"` (backslash
 * escapes kept as sent; without a closing quote the value is the raw run of non-space characters), an
 * unquoted one to the next white space. A hand-written scanner equivalent to the global regex
 * `([A-Za-z_][A-Za-z0-9_]{0,63})=(?:"((?:[^"\\]|\\.)*)"|(\S*))`, without its per-match arrays.
 */
export function parseFortiKv(message: string): Map<string, string> {
  const out = new Map<string, string>()
  const len = message.length
  let i = 0
  let n = 0
  while (i < len && n < 256) {
    const eq = message.indexOf('=', i)
    if (eq < 0) break
    // The leftmost key ending at this `=`: at most 64 key characters, starting with a letter or `_`.
    let ks = eq
    while (ks > i && eq - ks < 64 && isKeyChar(message.charCodeAt(ks - 1))) ks--
    while (ks < eq && isDigit(message.charCodeAt(ks))) ks++
    if (ks === eq) {
      i = eq + 1
      continue
    }
    const key = message.slice(ks, eq)
    let value: string
    let next: number
    const close = message.charCodeAt(eq + 1) === 34 ? quotedValueEnd(message, eq + 2) : -1
    if (close >= 0) {
      value = message.slice(eq + 2, close)
      next = close + 1
    } else {
      let j = eq + 1
      while (j < len && !isJsSpace(message.charCodeAt(j))) j++
      value = message.slice(eq + 1, j)
      next = j
    }
    if (!out.has(key)) out.set(key, value)
    n++
    i = next
  }
  return out
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** `[A-Za-z0-9_]` */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95
}

/** True when the message looks like a FortiGate traffic log. */
export function probeFortinetTraffic(message: string): boolean {
  return message.includes('srcip=') && /\btype="?traffic"?(?:\s|$)/.test(message)
}

/** Interprets a FortiGate traffic log; `ts` is the syslog time, replaced by `eventtime` when present. */
export function interpretFortinet(message: string, ts: number): DeviceFlow | undefined {
  const kv = parseFortiKv(message)
  if (kv.get('type') !== 'traffic') return undefined
  const src = kv.get('srcip')
  const dst = kv.get('dstip')
  if (src === undefined || dst === undefined) return undefined
  const action = (kv.get('action') ?? '').toLowerCase()
  if (action === 'start') return undefined
  const deny = /deny|block|drop/.test(action)
  let t = ts
  const et = kv.get('eventtime')
  if (et !== undefined && /^\d{9,19}$/.test(et)) {
    // eventtime is seconds, microseconds or nanoseconds depending on FortiOS version.
    const n = Number(et)
    t = et.length >= 18 ? n / 1e9 : et.length >= 15 ? n / 1e6 : et.length >= 12 ? n / 1e3 : n
  }
  const duration = countOf(kv.get('duration'))
  const appName = kv.get('app') ?? kv.get('service')
  const user = kv.get('user') ?? kv.get('unauthuser')
  let conn_state = deny ? 'REJ' : 'OTH'
  let end_reason: DeviceFlow['end_reason'] = 'export'
  if (action === 'close') {
    conn_state = 'SF'
    end_reason = 'fin'
  } else if (action.endsWith('-rst')) {
    conn_state = action.startsWith('server') ? 'RSTR' : 'RSTO'
    end_reason = 'rst'
  } else if (action === 'timeout') end_reason = 'idle'
  return {
    ts: t - duration,
    orig_h: src,
    orig_p: portOf(kv.get('srcport')),
    resp_h: dst,
    resp_p: portOf(kv.get('dstport')),
    proto: protoOf(kv.get('proto') ?? ''),
    duration,
    orig_bytes: countOf(kv.get('sentbyte')),
    resp_bytes: countOf(kv.get('rcvdbyte')),
    orig_pkts: countOf(kv.get('sentpkt')),
    resp_pkts: countOf(kv.get('rcvdpkt')),
    conn_state,
    end_reason,
    fw_action: deny ? 'deny' : 'allow',
    session_id: kv.get('sessionid') ?? '',
    vendor: 'fortinet',
    ...(appName !== undefined && appName !== '' ? { fw_app: appName } : {}),
    ...(user !== undefined && user !== '' ? { user } : {}),
  }
}
