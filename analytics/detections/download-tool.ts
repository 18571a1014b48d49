/**
 * download-tool: remote content fetched with a download utility, seen (a) on the wire as the tool's HTTP
 * User-Agent (HttpEvent, and FileEvent.context.user_agent for what was fetched: certutil's
 * `Microsoft-CryptoAPI`, PowerShell, BITS, WebDAV, MpCommunication, cmdl32, curl, Wget, python-requests,
 * Go-http-client... from decoders/tables/download-user-agents.ts), or (b) in an endpoint command line or
 * script block (HostEvent process/script; certutil -urlcache, bitsadmin /transfer, PowerShell cradles incl.
 * -EncodedCommand, curl/wget, tftp, scp/sftp/rsync, mshta/regsvr32/rundll32 with URLs, pip/npm/msiexec from
 * non-approved sources; analytics/host/download-command.ts), and BITS-Client 16403 job URLs. Tools admins
 * use daily score lower than Windows binaries abused as downloaders; an executable or script fetched scores
 * higher; Windows Update over BITS stays below medium. A `certutil -decode` on the same host within
 * `decode_window_s` of a certutil download is reported as the decode step of the chain.
 */
import { matchDownloadUserAgent, WINDOWS_UPDATE_HOSTS } from '../../decoders/tables/download-user-agents.js'
import { type AlertInput, type DetectionDefinition, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, FileEvent, HostEvent, HttpEvent } from '../events.js'
import { analyzeDownloadCommand, findCertutilDecode, isLoopbackHost, urlHost } from '../host/download-command.js'
import { hostEvidence } from '../host/host-evidence.js'

export interface DownloadToolParams {
  /** Package index hosts that are approved sources for pip/npm. */
  readonly approved_package_hosts: readonly string[]
  /** Seconds during which the same tool, host and URL are one alert. */
  readonly suppress_for_s: number
  /** Window (s) in which a certutil -decode on the same host follows a certutil download. */
  readonly decode_window_s: number
  /** Most hosts remembered for the download → decode chain (oldest evicted). */
  readonly max_tracked_hosts: number
}

const EXECUTABLE_TYPES = new Set(['pe', 'elf', 'macho', 'dex', 'apk', 'jar', 'class', 'msi', 'script', 'lnk', 'cab'])

/** Base score of an executable fetched by a Windows binary abused as a downloader (high; critical when never-seen). */
const LOLBIN_EXECUTABLE_SCORE = 72
/** Base score of an executable fetched by an admin tool (medium; high at most with context). */
const ADMIN_EXECUTABLE_SCORE = 50
/** Highest base score of a command line naming an admin tool (curl, wget, pip...): medium at most. */
const ADMIN_COMMAND_MAX = 60
/** Band of a LOLBin download command line with a URL (certutil, bitsadmin, PowerShell cradle): high. */
const LOLBIN_COMMAND_MIN = 65
const LOLBIN_COMMAND_MAX = 76

const definition: DetectionDefinition<DownloadToolParams> = defineDetection<DownloadToolParams>({
  id: 'download-tool',
  title: 'Remote content fetched with a download utility',
  description:
    'A download utility fetched remote content: its User-Agent on the wire (certutil, PowerShell, BITS, WebDAV, ' +
    'curl, Wget, scripting libraries) or its command line on an endpoint (certutil -urlcache, bitsadmin /transfer, ' +
    'PowerShell download cradles, curl/wget, tftp, scp, mshta/regsvr32 with URLs, package installs from unapproved ' +
    'sources). The URL, destination host and output path are in the alert details.',
  severity: 'medium',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: [
    'attack.command-and-control',
    'attack.t1105',
    'attack.t1570',
    'attack.t1197',
    'attack.t1059.001',
    'mitre.det0060',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://lolbas-project.github.io/lolbas/Binaries/Certutil/',
    'https://lolbas-project.github.io/lolbas/Binaries/Bitsadmin/',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_certutil_download.yml',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/proxy/proxy_ua_powershell.yml',
  ],
  falsePositives: [
    'Administrators and installers using curl, wget, PowerShell or BITS to fetch software (scored lower; tune by host).',
    'Windows Update and Microsoft Store delivery over BITS (kept below medium).',
    'Certificate revocation checks by CryptoAPI (Microsoft-CryptoAPI user agent fetching CRLs) from CAs.',
    'CI/CD agents and package builds fetching from internal mirrors not listed in approved_package_hosts.',
  ],
  inputs: ['http', 'file', 'host'],
  params: {
    approved_package_hosts: ['pypi.org', 'files.pythonhosted.org', 'registry.npmjs.org', 'registry.yarnpkg.com'],
    suppress_for_s: 3600,
    decode_window_s: 600,
    max_tracked_hosts: 10000,
  },
  create(params, ctx) {
    const lastCertutil = new Map<string, number>()
    const remember = (host: string, ts: number) => {
      lastCertutil.delete(host)
      if (lastCertutil.size >= params.max_tracked_hosts) {
        const first = lastCertutil.keys().next()
        if (!first.done) lastCertutil.delete(first.value)
      }
      lastCertutil.set(host, ts)
    }

    const fromUa = (
      ev: HttpEvent | FileEvent,
      ua: string,
      host: string | undefined,
      uri: string | undefined,
    ): AlertEvent[] | undefined => {
      const m = matchDownloadUserAgent(ua)
      if (m === undefined) return undefined
      // Calibrated base (docs/alerts.md): admin tools (curl, wget, scripting libraries) fetching non-executable
      // content are context (info; low once the scorer adds never-seen); Windows binaries abused as downloaders
      // start higher; an executable fetched by a LOLBin is high before context, critical from a never-seen
      // destination. File type is scored here once; the scorer adds only context.
      const lolbin = !m.admin
      let score = lolbin ? Math.round(m.score * 0.6) : Math.min(16, m.score)
      const reasons = [`User-Agent of ${m.tool} (${m.ref}) (+${score})`]
      const h = (host ?? '').toLowerCase().replace(/:\d+$/, '')
      let file: FileEvent | undefined
      if (ev.kind === 'file') {
        file = ev
        if (EXECUTABLE_TYPES.has(ev.type)) {
          const pts = lolbin ? Math.max(0, LOLBIN_EXECUTABLE_SCORE - score) : ADMIN_EXECUTABLE_SCORE - score
          score += pts
          reasons.push(`fetched content is ${ev.type_detail ?? ev.type} (+${pts})`)
        }
      } else if (
        ev.resp_mime !== undefined &&
        /dosexec|x-msdownload|x-executable|x-elf|x-sh\b|x-msi/i.test(ev.resp_mime)
      ) {
        score += 15
        reasons.push(`response declared ${ev.resp_mime} (+15)`)
      } else if (/\.(?:exe|dll|ps1|hta|msi|sh|bat|vbs|scr|elf)(?:$|\?)/i.test(uri ?? '')) {
        score += 10
        reasons.push('URI names an executable or script (+10)')
      }
      if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(h)) {
        score += 5
        reasons.push('Host is an IP address (+5)')
      }
      if (m.tool === 'bits' && WINDOWS_UPDATE_HOSTS.test(h)) {
        score = Math.min(score, 10)
        reasons.push('Windows Update / Microsoft delivery host (capped at info)')
      }
      if (m.tool === 'certutil' && file === undefined && /\.(?:crl|crt|cer|p7c)(?:$|\?)/i.test(uri ?? '')) {
        score = Math.min(score, 10)
        reasons.push('certificate/CRL fetch (capped at info)')
      }
      const a: AlertInput = {
        ts: ev.ts,
        source: ev.source,
        message: `${m.tool} downloaded ${h !== '' ? `from ${h}` : `from ${ev.resp_h}`}${uri !== undefined ? ` ${uri.slice(0, 200)}` : ''}`,
        score,
        reasons,
        evidence: [
          {
            ts: ev.ts,
            source: ev.kind,
            what: `HTTP request with User-Agent ${ua.slice(0, 200)}`,
            user_agent: ua.slice(0, 512),
            ...(host !== undefined ? { http_host: host } : {}),
            ...(uri !== undefined ? { uri: uri.slice(0, 2048) } : {}),
          },
        ],
        // The URL names the transfer (range requests of one file are one alert); the kind keeps the two paths apart.
        identifier: `download-tool|${ev.kind}|${ev.orig_h}|${h || ev.resp_h}|${m.tool}|${uri ?? file?.name ?? file?.sha256 ?? ''}`,
        conn: ev,
        suppress_for: params.suppress_for_s,
        details: {
          tool: m.tool,
          user_agent: ua.slice(0, 512),
          ...(h !== '' ? { dest_host: h } : {}),
          ...(uri !== undefined ? { url: uri.slice(0, 2048) } : {}),
        },
        ...(file !== undefined
          ? {
              file: {
                direction: file.direction,
                bytes: file.bytes,
                type: file.type,
                ...(file.name !== undefined ? { name: file.name } : {}),
                ...(file.sha256 !== undefined ? { sha256: file.sha256 } : {}),
                ...(file.type_detail !== undefined ? { type_detail: file.type_detail } : {}),
                ...(file.mime !== undefined ? { mime: file.mime } : {}),
                complete: file.complete,
              },
            }
          : {}),
      }
      return [makeAlert(definition, ctx, a)]
    }

    const technique = (destHost: string | undefined) =>
      destHost !== undefined && ctx.internal.has(destHost)
        ? { technique: 'T1570', tactic: 'lateral-movement' }
        : { technique: 'T1105', tactic: 'command-and-control' }

    const fromHost = (ev: HostEvent): AlertEvent[] | undefined => {
      if (ev.event_id === 'bits:16403' && ev.details !== undefined) {
        const h = urlHost(ev.details)
        if (h === undefined || isLoopbackHost(h)) return undefined
        let score = 45
        const reasons = ['BITS job created for a remote URL (BITS-Client 16403) (+45)']
        if (WINDOWS_UPDATE_HOSTS.test(h)) {
          score = 10
          reasons.push('Windows Update / Microsoft delivery host (capped below medium)')
        }
        return [
          makeAlert(definition, ctx, {
            ts: ev.ts,
            source: ev.source,
            message: `BITS job on ${ev.host} downloads ${ev.details.slice(0, 200)}`,
            score,
            reasons,
            evidence: [hostEvidence(ev, 'BITS-Client 16403 new transfer')],
            identifier: `download-tool|${ev.host.toLowerCase()}|bits|${ev.details}`,
            host: ev.host,
            suppress_for: params.suppress_for_s,
            details: {
              tool: 'bits',
              url: ev.details,
              dest_host: h,
              ...(ev.target_filename !== undefined ? { output: ev.target_filename } : {}),
            },
            ...technique(h),
            ...(ev.user !== undefined ? { user: ev.user } : {}),
          }),
        ]
      }
      if ((ev.action !== 'process' && ev.action !== 'script') || ev.command_line === undefined) return undefined
      const hostKey = ev.host.toLowerCase()
      const f = analyzeDownloadCommand(ev.command_line, { approvedHosts: params.approved_package_hosts })
      if (f !== undefined) {
        if (f.tool === 'certutil') remember(hostKey, ev.ts)
        const details: Record<string, string | number | boolean> = {
          tool: f.tool,
          method: f.method,
          decoded: f.decoded,
        }
        if (f.urls[0] !== undefined) details.url = f.urls[0]
        if (f.urls.length > 1) details.urls = f.urls.join(' ')
        if (f.dest_host !== undefined) details.dest_host = f.dest_host
        if (f.output !== undefined) details.output = f.output
        return [
          makeAlert(definition, ctx, {
            ts: ev.ts,
            source: ev.source,
            message: `${f.method} on ${ev.host}${f.urls[0] !== undefined ? ` fetches ${f.urls[0].slice(0, 200)}` : f.dest_host !== undefined ? ` from ${f.dest_host}` : ''}`,
            score: commandScore(f),
            reasons: commandReasons(f),
            evidence: [
              hostEvidence(ev, `${ev.event_id} ${ev.action === 'script' ? 'script block' : 'process command line'}`),
            ],
            identifier: `download-tool|${hostKey}|${f.tool}|${f.method}|${f.urls[0] ?? f.dest_host ?? ''}`,
            host: ev.host,
            suppress_for: params.suppress_for_s,
            details,
            ...technique(f.dest_host),
            ...(ev.user !== undefined ? { user: ev.user } : {}),
          }),
        ]
      }
      const dec = findCertutilDecode(ev.command_line)
      const last = lastCertutil.get(hostKey)
      if (dec !== undefined && last !== undefined && ev.ts - last >= 0 && ev.ts - last <= params.decode_window_s) {
        return [
          makeAlert(definition, ctx, {
            ts: ev.ts,
            source: ev.source,
            message: `certutil -decode on ${ev.host} after a certutil download: ${dec.input} -> ${dec.output}`,
            score: 55,
            reasons: [
              `certutil -decode within ${Math.round(ev.ts - last)} s of a certutil download on the same host (T1140 after T1105) (+55)`,
            ],
            evidence: [hostEvidence(ev, `${ev.event_id} certutil -decode`)],
            identifier: `download-tool|${hostKey}|certutil-decode|${dec.output}`,
            host: ev.host,
            suppress_for: params.suppress_for_s,
            details: { tool: 'certutil', method: 'certutil -decode', input: dec.input, output: dec.output },
            ...(ev.user !== undefined ? { user: ev.user } : {}),
          }),
        ]
      }
      return undefined
    }

    return {
      onEvent(ev) {
        // One alert per transfer: the FileEvent (which carries the user agent in its context) when the response
        // had a body, the HttpEvent only when there is no body to judge.
        if (ev.kind === 'http') {
          if (ev.user_agent === undefined || ev.response_body_len > 0) return undefined
          return fromUa(ev, ev.user_agent, ev.host, ev.uri)
        }
        if (ev.kind === 'file') {
          const ua = ev.context?.user_agent
          if (typeof ua !== 'string' || ev.direction !== 'download') return undefined
          const host = ev.context?.host
          const uri = ev.context?.uri
          return fromUa(ev, ua, typeof host === 'string' ? host : undefined, typeof uri === 'string' ? uri : undefined)
        }
        if (ev.kind === 'host') return fromHost(ev)
        return undefined
      },
    }
  },
})

/** A command line's calibrated score: LOLBin downloads with a URL are high, admin tools at most medium. */
function commandScore(f: { score: number; admin: boolean; urls: readonly string[] }): number {
  if (f.admin) return Math.min(ADMIN_COMMAND_MAX, f.score)
  if (f.urls.length > 0) return Math.max(LOLBIN_COMMAND_MIN, Math.min(LOLBIN_COMMAND_MAX, f.score))
  return Math.min(LOLBIN_COMMAND_MIN - 1, f.score)
}

function commandReasons(f: { score: number; admin: boolean; urls: readonly string[]; reasons: readonly string[] }) {
  const s = commandScore(f)
  return s === f.score ? f.reasons : [...f.reasons, `calibrated from ${f.score} to ${s} (docs/alerts.md)`]
}

export default definition
