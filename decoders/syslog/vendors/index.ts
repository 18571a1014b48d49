/**
 * Routes a parsed syslog message to the vendor interpreter that understands it (Cisco ASA, IOS ACL,
 * Juniper SRX, PAN-OS, Fortinet) and returns the connection record, if the line describes one.
 */
import type { ParsedSyslog } from '../common.js'
import { ciscoMnemonic } from '../rfc3164.js'
import { type AsaState, interpretAsa } from './asa.js'
import { interpretFortinet, probeFortinetTraffic } from './fortinet.js'
import { interpretIosAcl, isIosAclMnemonic } from './ios-acl.js'
import { interpretSrxStructured, interpretSrxText } from './junos-srx.js'
import { interpretPanos, probePanosTraffic } from './panos.js'
import type { DeviceFlow } from './types.js'

export { AsaState } from './asa.js'
export type { DeviceFlow } from './types.js'

/** Longest message given to the vendor patterns (real lines are < 2 KiB; bounds regex work). */
export const MAX_DEVICE_LINE_CHARS = 8192

/** Interprets a network-device line; undefined when it is not a connection record we read. */
export function interpretNetworkLine(p: ParsedSyslog, reporter: string, asa: AsaState): DeviceFlow | undefined {
  // Relays (rsyslog %msg%) keep the space after the tag; RFC 5424 relays carry the Cisco mnemonic in MSG only.
  const msg = p.message.trimStart()
  if (msg.length > MAX_DEVICE_LINE_CHARS) return undefined
  const id = p.format === 'cisco' ? p.msg_id : (ciscoMnemonic(msg) ?? p.msg_id)
  if (id !== undefined) {
    if (/^(?:ASA|FTD)-\d-30201[3-6]$/.test(id)) return interpretAsa(msg, p.ts, reporter, asa)
    if (isIosAclMnemonic(id)) return interpretIosAcl(msg, p.ts)
    if (id === 'RT_FLOW_SESSION_CLOSE' && p.structured_data !== undefined) {
      for (const [sdId, params] of Object.entries(p.structured_data)) {
        if (sdId.startsWith('junos@')) return interpretSrxStructured(params, p.ts)
      }
    }
  }
  if (msg.includes('RT_FLOW_SESSION_CLOSE')) return interpretSrxText(msg, p.ts)
  if (probePanosTraffic(msg)) return interpretPanos(msg, p.ts)
  if (probeFortinetTraffic(msg)) return interpretFortinet(msg, p.ts)
  return undefined
}
