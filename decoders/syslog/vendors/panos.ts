/**
 * Palo Alto Networks PAN-OS TRAFFIC logs, CSV syslog format (PAN-OS "Traffic Log Fields"): field 3 Type
 * `TRAFFIC`, 4 Subtype (start/end/drop/deny), 7/8 source/destination address, 12 source user, 14
 * application, 24/25 ports, 29 protocol, 30 action, 32/33 bytes sent (client→server) / received,
 * 36 elapsed time (s), 44/45 packets sent/received, 46 session end reason. `start` records are skipped
 * (the `end` record of the same session carries the totals). Fields are comma-separated with `"` quoting.
 * Not handled: THREAT/URL/WILDFIRE logs (parsed as syslog only), the LEEF and CEF output formats.
 */
import { countOf, type DeviceFlow, portOf, protoOf } from './types.js'

/** Splits one CSV line (RFC 4180 quoting), at most `max` fields. */
export function splitCsv(line: string, max = 256): string[] {
  const out: string[] = []
  let i = 0
  while (i <= line.length && out.length < max) {
    if (line[i] === '"') {
      let v = ''
      let j = i + 1
      for (;;) {
        const q = line.indexOf('"', j)
        if (q < 0) {
          v += line.slice(j)
          j = line.length
          break
        }
        v += line.slice(j, q)
        if (line[q + 1] === '"') {
          v += '"'
          j = q + 2
          continue
        }
        j = q + 1
        break
      }
      out.push(v)
      const c = line.indexOf(',', j)
      if (c < 0) break
      i = c + 1
    } else {
      const c = line.indexOf(',', i)
      if (c < 0) {
        out.push(line.slice(i))
        break
      }
      out.push(line.slice(i, c))
      i = c + 1
    }
  }
  return out
}

/** True when the message looks like a PAN-OS TRAFFIC CSV record. */
export function probePanosTraffic(message: string): boolean {
  return /^[^,]{0,16},[^,]{0,32},[^,]{0,32},TRAFFIC,/.test(message)
}

/** Interprets a TRAFFIC record; undefined for start records and non-traffic lines. */
export function interpretPanos(message: string, ts: number): DeviceFlow | undefined {
  const f = splitCsv(message, 128)
  if (f[3] !== 'TRAFFIC' || f.length < 34) return undefined
  const subtype = f[4] ?? ''
  if (subtype === 'start') return undefined
  const action = (f[30] ?? '').toLowerCase()
  const deny = subtype === 'deny' || subtype === 'drop' || /deny|drop|reset/.test(action)
  const elapsed = countOf(f[36])
  const sentPkts = f[44]
  const rcvdPkts = f[45]
  const total = countOf(f[34])
  const user = f[12]
  const appName = f[14]
  const endReason = (f[46] ?? '').toLowerCase()
  let conn_state = deny ? 'REJ' : 'OTH'
  let end_reason: DeviceFlow['end_reason'] = 'export'
  if (endReason === 'tcp-fin') {
    conn_state = 'SF'
    end_reason = 'fin'
  } else if (endReason.startsWith('tcp-rst')) {
    conn_state = endReason.includes('server') ? 'RSTR' : 'RSTO'
    end_reason = 'rst'
  } else if (endReason === 'aged-out') end_reason = 'idle'
  return {
    ts: ts - elapsed,
    orig_h: f[7] ?? '',
    orig_p: portOf(f[24]),
    resp_h: f[8] ?? '',
    resp_p: portOf(f[25]),
    proto: protoOf(f[29] ?? ''),
    duration: elapsed,
    orig_bytes: countOf(f[32]),
    resp_bytes: countOf(f[33]),
    orig_pkts: sentPkts !== undefined ? countOf(sentPkts) : total,
    resp_pkts: countOf(rcvdPkts),
    conn_state,
    end_reason,
    fw_action: deny ? 'deny' : 'allow',
    session_id: f[22] ?? '',
    vendor: 'panos',
    ...(appName !== undefined && appName !== '' && appName !== 'incomplete' ? { fw_app: appName } : {}),
    ...(user !== undefined && user !== '' ? { user } : {}),
  }
}
