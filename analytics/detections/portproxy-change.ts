/**
 * portproxy-change: a Windows port proxy added, changed or removed, from a process command line
 * (`netsh interface portproxy add|set|delete v?tov? …`, every netsh abbreviation, Sysmon 1 / Security 4688 /
 * PowerShell 4104) or from the registry (`…\Services\PortProxy\v?tov?\tcp\<listen>` written: Sysmon 12/13/14,
 * Security 4657). A port proxy relays connections through the host (ATT&CK T1090.001) and is a common way
 * to carry tool transfers past a boundary (T1105) or between internal hosts (T1570). Severity rises when the
 * listen port is a well-known service port, when the connect side is 3389 (Sigma 782d6f3e) or external, and
 * when something other than netsh writes the key (Metasploit `post/windows/manage/portproxy`). `reset` is
 * reported at info; `show`/`dump`/`help` and other netsh commands are not alerts.
 */
import { type AlertInput, type DetectionDefinition, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, HostEvent } from '../events.js'
import { hostEvidence } from '../host/host-evidence.js'
import { findPortproxyCommands, isPortproxyKey, parsePortproxyRegistry } from '../host/portproxy.js'

export interface PortproxyChangeParams {
  /** Listen ports that raise severity (services a relay can impersonate or expose). */
  readonly well_known_ports: readonly number[]
  /** Connect ports that raise severity (RDP forwarding, Sigma level high). */
  readonly sensitive_connect_ports: readonly number[]
  /** Seconds during which the same proxy on the same host is one alert. */
  readonly suppress_for_s: number
}

interface Proxy {
  verb: string
  context?: string
  listen_address?: string
  listen_port?: string
  connect_address?: string
  connect_port?: string
  protocol?: string
  abbreviated?: boolean
  via: 'command-line' | 'registry'
  writer?: string
}

function isLoopback(a: string): boolean {
  return /^127\./.test(a) || a === '::1' || a.toLowerCase() === 'localhost'
}

function isAny(a: string): boolean {
  return a === '0.0.0.0' || a === '*' || a === '::' || a === ''
}

const definition: DetectionDefinition<PortproxyChangeParams> = defineDetection<PortproxyChangeParams>({
  id: 'portproxy-change',
  title: 'Windows port proxy (netsh portproxy) added, changed or removed',
  description:
    'A netsh interface portproxy rule was created, changed or deleted on an endpoint, seen in a process command ' +
    'line (including abbreviated netsh syntax) or a write under HKLM\\SYSTEM\\CurrentControlSet\\Services\\PortProxy. ' +
    'Port proxies relay traffic through the host and are used to move tools in (T1105) or across (T1570).',
  severity: 'medium',
  technique: 'T1090.001',
  tactic: 'command-and-control',
  tags: ['attack.command-and-control', 'attack.t1090.001', 'attack.t1105', 'attack.t1570', 'attack.lateral-movement'],
  references: [
    'https://learn.microsoft.com/windows-server/networking/technologies/netsh/netsh-interface-portproxy',
    'https://attack.mitre.org/techniques/T1090/001/',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_netsh_port_forwarding.yml',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/registry/registry_event/registry_event_portproxy_registry_key.yml',
  ],
  falsePositives: [
    'WSL2 / Docker Desktop / Kubernetes bridge scripts that forward ports into a VM (microsoft/WSL#4150).',
    'Synergy and other KVM or remote-support software that set up port proxies.',
    'Administrators publishing a service through a jump host on purpose.',
  ],
  inputs: ['host'],
  params: {
    well_known_ports: [21, 22, 23, 25, 53, 80, 88, 135, 139, 389, 443, 445, 636, 1433, 3306, 3389, 5985, 5986],
    sensitive_connect_ports: [3389, 445, 443, 80],
    suppress_for_s: 3600,
  },
  create(params, ctx) {
    const wellKnown = new Set(params.well_known_ports)
    const sensitive = new Set(params.sensitive_connect_ports)
    const alertFor = (ev: HostEvent, p: Proxy): AlertEvent | undefined => {
      const reasons: string[] = []
      let score: number
      if (p.verb === 'add' || p.verb === 'set') {
        score = 45
        reasons.push(`port proxy ${p.verb} (${p.via}) (+45)`)
      } else if (p.verb === 'delete') {
        score = 30
        reasons.push(`port proxy deleted (${p.via}) (+30)`)
      } else if (p.verb === 'reset') {
        score = 10
        reasons.push('all port proxies reset (+10)')
      } else return undefined
      const lp = Number(p.listen_port)
      const cp = Number(p.connect_port)
      const adding = p.verb === 'add' || p.verb === 'set'
      if (adding && wellKnown.has(lp)) {
        score += 5
        reasons.push(`listens on well-known port ${lp} (+5)`)
      }
      if (adding && sensitive.has(cp)) {
        score += 20
        reasons.push(`forwards to RDP/sensitive port ${cp} (+20)`)
      }
      const ca = p.connect_address
      if (adding && ca !== undefined && !isLoopback(ca) && /^[\d.:a-fA-F]+$/.test(ca) && !ctx.internal.has(ca)) {
        score += 10
        reasons.push(`connect address ${ca} is external (+10)`)
      }
      if (adding && p.listen_address !== undefined && isAny(p.listen_address)) {
        score += 5
        reasons.push('listens on all interfaces (+5)')
      }
      if (p.abbreviated) {
        score += 5
        reasons.push('abbreviated netsh syntax (evades naive rules) (+5)')
      }
      if (p.via === 'registry' && p.writer !== undefined && !/\\netsh\.exe$/i.test(p.writer)) {
        score += 10
        reasons.push(`PortProxy key written by ${p.writer}, not netsh (+10)`)
      }
      reasons.push('a port proxy relays connections: tool transfer into (T1105) or across (T1570) the network')
      const details: Record<string, string | number | boolean> = { verb: p.verb, via: p.via }
      for (const k of [
        'context',
        'listen_address',
        'listen_port',
        'connect_address',
        'connect_port',
        'protocol',
      ] as const) {
        const v = p[k]
        if (v !== undefined) details[k] = v
      }
      if (p.abbreviated !== undefined) details.abbreviated = p.abbreviated
      const listen = `${p.listen_address ?? '*'}:${p.listen_port ?? '*'}`
      const connect = ca !== undefined ? ` -> ${ca}:${p.connect_port ?? '?'}` : ''
      const a: AlertInput = {
        ts: ev.ts,
        source: ev.source,
        message: `Port proxy ${p.verb} on ${ev.host}: ${listen}${connect}`,
        score,
        reasons,
        evidence: [
          hostEvidence(
            ev,
            `${ev.event_id} ${p.via === 'registry' ? 'PortProxy registry write' : 'netsh portproxy command'}`,
          ),
        ],
        identifier: `portproxy-change|${ev.host.toLowerCase()}|${p.verb === 'set' ? 'add' : p.verb}|${listen}|${ca ?? ''}:${p.connect_port ?? ''}`,
        host: ev.host,
        details,
        suppress_for: params.suppress_for_s,
        ...(ev.user !== undefined ? { user: ev.user } : {}),
        ...(p.verb === 'reset' ? { severity: 'info' as const } : {}),
      }
      return makeAlert(definition, ctx, a)
    }
    return {
      onEvent(ev) {
        if (ev.kind !== 'host') return undefined
        const out: AlertEvent[] = []
        if ((ev.action === 'process' || ev.action === 'script') && ev.command_line !== undefined) {
          for (const c of findPortproxyCommands(ev.command_line)) {
            const p: Proxy = { verb: c.verb, via: 'command-line', abbreviated: c.abbreviated }
            if (c.context !== undefined) p.context = c.context
            if (c.listen_address !== undefined) p.listen_address = c.listen_address
            if (c.listen_port !== undefined) p.listen_port = c.listen_port
            if (c.connect_address !== undefined) p.connect_address = c.connect_address
            if (c.connect_port !== undefined) p.connect_port = c.connect_port
            if (c.protocol !== undefined) p.protocol = c.protocol
            const a = alertFor(ev, p)
            if (a !== undefined) out.push(a)
          }
        } else if (ev.action === 'registry' && ev.target_object !== undefined && isPortproxyKey(ev.target_object)) {
          const deleted =
            /delete/i.test(ev.details ?? '') || (ev.event_id === 'sysmon:12' && !/create/i.test(ev.details ?? ''))
          const r = parsePortproxyRegistry(ev.target_object, deleted ? undefined : ev.details)
          if (r !== undefined) {
            const p: Proxy = {
              verb: deleted ? 'delete' : 'add',
              via: 'registry',
              context: r.context,
              protocol: r.protocol,
              listen_address: r.listen_address,
              listen_port: r.listen_port,
            }
            if (r.connect_address !== undefined) p.connect_address = r.connect_address
            if (r.connect_port !== undefined) p.connect_port = r.connect_port
            if (ev.image !== undefined) p.writer = ev.image
            const a = alertFor(ev, p)
            if (a !== undefined) out.push(a)
          }
        }
        return out.length > 0 ? out : undefined
      },
    }
  },
})

export default definition
