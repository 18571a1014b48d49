/**
 * Fortinet FortiGate traffic logs (FortiOS "Log Message Reference", type `traffic`): space-separated
 * `key=value` pairs, values optionally double-quoted: `srcip srcport dstip dstport proto action duration
 * sentbyte rcvdbyte sentpkt rcvdpkt service app user eventtime`. `sent*` is originator → responder.
 * `action=start` records (session-start logging) are skipped; deny/blocked/dropped ones become deny records.
 * Not handled: FortiAnalyzer CEF/CSV output.
 */
import { countOf, type DeviceFlow, portOf, protoOf } from './types.js'

/** Parses FortiOS `key=value` / `key="value"` pairs (at most 256). */
export function parseFortiKv(message: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = /([A-Za-z_][A-Za-z0-9_]{0,63})=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g
  let n = 0
  for (let x = re.exec(message); x !== null && n < 256; x = re.exec(message), n++) {
    const k = x[1] ?? ''
    if (!out.has(k)) out.set(k, x[2] ?? x[3] ?? '')
  }
  return out
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
