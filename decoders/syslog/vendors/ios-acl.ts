/**
 * Cisco IOS ACL log lines (`%SEC-6-IPACCESSLOGP`, `IPACCESSLOGDP` (ICMP), `IPACCESSLOGNP` (other
 * protocols by number), `IPACCESSLOGRP`, `IPACCESSLOGSP`, and IPv6 `%IPV6_ACL-6-ACCESSLOGP`):
 * `list ACL permitted|denied PROTO SRC(SPORT) [(IF MAC)] -> DST(DPORT), N packet[s]`. IOS aggregates
 * matches over its log interval (5 min), so a line is a packet count, not one connection; bytes and
 * duration are unknown (0). Denied lines carry `fw_action: 'deny'` and conn_state `REJ`.
 */
import { countOf, type DeviceFlow, portOf, protoOf } from './types.js'

const ACL =
  /list (\S+) (permitted|denied) (\S+) ([0-9A-Fa-f.:]+?)(?:\((\d+)\))?(?: \([^)]*\))? -> ([0-9A-Fa-f.:]+?)(?:\((\d+)\))?(?: \(([^)]*)\))?, (\d+) packets?/

/** True for the mnemonics this parser reads (without `%`). */
export function isIosAclMnemonic(msgId: string): boolean {
  return /^(?:SEC-6-IPACCESSLOG[A-Z]*|IPV6_ACL-6-ACCESSLOG[A-Z]*|SEC-6-IPACCESSLOG)$/.test(msgId)
}

/** Interprets an IOS ACL log message. */
export function interpretIosAcl(message: string, ts: number): DeviceFlow | undefined {
  const m = ACL.exec(message)
  if (m === null) return undefined
  const proto = protoOf(m[3] ?? '')
  const deny = m[2] === 'denied'
  const icmp = m[8] !== undefined ? /^(\d+)\/(\d+)$/.exec(m[8]) : null
  return {
    ts,
    orig_h: m[4] ?? '',
    orig_p: icmp !== null ? portOf(icmp[1]) : portOf(m[5]),
    resp_h: m[6] ?? '',
    resp_p: icmp !== null ? portOf(icmp[2]) : portOf(m[7]),
    proto,
    duration: 0,
    orig_bytes: 0,
    resp_bytes: 0,
    orig_pkts: countOf(m[9]),
    resp_pkts: 0,
    conn_state: deny ? 'REJ' : 'OTH',
    end_reason: 'export',
    fw_action: deny ? 'deny' : 'allow',
    session_id: m[1] ?? '',
    vendor: 'ios-acl',
  }
}
