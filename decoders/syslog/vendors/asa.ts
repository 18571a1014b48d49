/**
 * Cisco ASA / FTD connection messages (Cisco "ASA Series Syslog Messages", 302013-302016):
 * `Built {inbound|outbound} {TCP|UDP} connection ID for IF:ADDR/PORT (MAPPED/PORT) [(user)] to
 * IF:ADDR/PORT (MAPPED/PORT)` and `Teardown {TCP|UDP} connection ID for IF:ADDR/PORT to IF:ADDR/PORT
 * duration H:MM:SS bytes N [reason] [(user)]`. One record per connection, on teardown. The originator
 * comes from the Built message of the same id (inbound: the `for` side initiated; outbound: the `to`
 * side), kept in a bounded per-device table; without it, the side with a port below 1024 (else the `for`
 * side) is taken as the responder. ASA logs one byte count for both directions: following the
 * FlowRecord contract it goes in orig_bytes with resp_bytes 0 and `bytes_undirected: true`, so analytics
 * scores it by size, not by ratio.
 * Not handled: 302020/302021 (ICMP), 106xxx deny messages.
 */
import { countOf, type DeviceFlow, portOf } from './types.js'

/** Bounded memory of Built messages: (device, connection id) → orientation. */
export class AsaState {
  private readonly map = new Map<string, boolean>()
  constructor(readonly maxEntries = 65536) {}
  /** Records that `for` is the originator side of connection `key`. */
  set(key: string, forIsOrig: boolean): void {
    if (this.map.size >= this.maxEntries) {
      const first = this.map.keys().next()
      if (!first.done) this.map.delete(first.value)
    }
    this.map.set(key, forIsOrig)
  }
  /** Takes and forgets the orientation of `key`. */
  take(key: string): boolean | undefined {
    const v = this.map.get(key)
    if (v !== undefined) this.map.delete(key)
    return v
  }
  get size(): number {
    return this.map.size
  }
}

const ADDR = String.raw`([^:\s]+):([0-9A-Fa-f.:]+?)\/(\d+)(?:\([^)]*\))?`
const BUILT = new RegExp(
  String.raw`^%(?:ASA|FTD)-\d-30201[35]: Built (inbound|outbound) (TCP|UDP) connection (\d+) for ${ADDR}(?: \([^)]*\))*? to ${ADDR}`,
)
const TEARDOWN = new RegExp(
  String.raw`^%(?:ASA|FTD)-\d-30201[46]: Teardown (TCP|UDP) connection (\d+) for ${ADDR} to ${ADDR} duration (\d+(?::\d+){1,3}) bytes (\d+)\s*(.*)$`,
)

function durationSeconds(s: string): number {
  const parts = s.split(':').map(Number)
  let v = 0
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i] ?? 0
    const fromEnd = parts.length - 1 - i
    v += fromEnd === 3 ? n * 86400 : n * 60 ** fromEnd
  }
  return v
}

/** Interprets an ASA message (`message` starts with `%ASA-`); returns a flow on teardown, else undefined. */
export function interpretAsa(message: string, ts: number, reporter: string, state: AsaState): DeviceFlow | undefined {
  if (message.includes('Built ')) {
    const b = BUILT.exec(message)
    if (b !== null) state.set(`${reporter}|${b[3]}`, b[1] === 'inbound')
    return undefined
  }
  const t = TEARDOWN.exec(message)
  if (t === null) return undefined
  const proto = t[1] === 'TCP' ? 'tcp' : 'udp'
  const id = t[2] ?? ''
  const forH = t[4] ?? ''
  const forP = portOf(t[5])
  const toH = t[7] ?? ''
  const toP = portOf(t[8])
  let forIsOrig = state.take(`${reporter}|${id}`)
  if (forIsOrig === undefined) {
    if (forP < 1024 && toP >= 1024) forIsOrig = false
    else if (toP < 1024 && forP >= 1024) forIsOrig = true
    else forIsOrig = false
  }
  const duration = durationSeconds(t[9] ?? '0:0')
  const total = countOf(t[10])
  const reason = t[11] ?? ''
  let conn_state = 'OTH'
  let end_reason: DeviceFlow['end_reason'] = 'export'
  if (/FINs/.test(reason)) {
    conn_state = 'SF'
    end_reason = 'fin'
  } else if (/Reset-I/.test(reason)) {
    conn_state = forIsOrig ? 'RSTR' : 'RSTO'
    end_reason = 'rst'
  } else if (/Reset-O/.test(reason)) {
    conn_state = forIsOrig ? 'RSTO' : 'RSTR'
    end_reason = 'rst'
  } else if (/SYN Timeout/.test(reason)) {
    conn_state = 'S0'
    end_reason = 'idle'
  } else if (/[Tt]imeout/.test(reason)) {
    end_reason = 'idle'
  }
  const user = /\(([^)]+)\)\s*$/.exec(reason)?.[1]
  return {
    ts: ts - duration,
    orig_h: forIsOrig ? forH : toH,
    orig_p: forIsOrig ? forP : toP,
    resp_h: forIsOrig ? toH : forH,
    resp_p: forIsOrig ? toP : forP,
    proto,
    duration,
    orig_bytes: total,
    resp_bytes: 0,
    orig_pkts: 0,
    resp_pkts: 0,
    conn_state,
    end_reason,
    bytes_undirected: true,
    fw_action: 'allow',
    session_id: id,
    vendor: 'asa',
    ...(user !== undefined ? { user } : {}),
  }
}
