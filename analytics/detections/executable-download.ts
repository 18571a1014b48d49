/**
 * executable-download: an HTTP response body that begins with executable or script content by magic
 * (decoders/app/magic.ts), whatever the URL or Content-Type says. Decided on the FileEvent, i.e. at the end of
 * the body (anchors.md §3, corelight#42), not at the headers. The score rises when the declared Content-Type
 * contradicts the magic (an image/png that is a PE: ET 2026537, 2032973), when the URI's extension lies
 * (.png/.php/.jpg serving a PE), and when the server was addressed by a bare IP (ET 2022858, 2034567).
 * An `MZ` whose PE header could not be confirmed scores lower than a confirmed PE. Downloads from the update
 * domains in `update_domains` (Windows Update, Delivery Optimization) are capped at info.
 * Not handled: uploads (request bodies), archives whose members are executables (zip/cab/7z are not
 * executable content by themselves), Content-Encoding (a gzip-encoded body is sniffed as gzip).
 */
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, AlertFile, Evidence, FileEvent, ScoreFactor, SensorEvent } from '../events.js'
import { alertFileOf } from './alert-file.js'

export interface ExecutableDownloadParams {
  /** Seconds during which the same file (sha256 or name) to the same host is one alert. */
  readonly suppress_for_s: number
  /** Host suffixes of trusted update services; downloads from them are capped at `info`. */
  readonly update_domains: readonly string[]
}

/** Base points per sniffed type (and script detail). Types absent here do not alert. */
const BASE: Readonly<Record<string, number>> = {
  pe: 66,
  elf: 65,
  macho: 65,
  msi: 65,
  dex: 60,
  apk: 60,
  lnk: 60,
  jar: 55,
  class: 50,
  'script:powershell': 65,
  'script:hta': 65,
  'script:vbs': 65,
  'script:jscript': 65,
  'script:batch': 60,
  'script:shell': 55,
  'script:python': 50,
  'script:perl': 50,
  'script:node': 50,
  script: 45,
  'mz-unconfirmed': 50,
}

/**
 * Highest score when neither the declared type nor the extension lies: below the scorer's CRITICAL_BASE_MIN (70),
 * so context keeps an honest executable download high at most; critical needs a lie (or a LOLBin, download-tool).
 */
const HONEST_MAX = 69

/** Extensions that name non-executable content: serving an executable under them is a lie. */
const DECOY_EXT = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'bmp',
  'ico',
  'webp',
  'svg',
  'txt',
  'log',
  'csv',
  'css',
  'html',
  'htm',
  'php',
  'asp',
  'aspx',
  'jsp',
  'cgi',
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'mp3',
  'mp4',
  'avi',
  'woff',
  'woff2',
  'ttf',
  'json',
  'xml',
])

/** Declared types that contradict executable content. */
function mimeContradicts(mime: string, scriptLike: boolean): boolean {
  if (/^(image|video|audio|font)\//.test(mime)) return true
  if (mime === 'application/pdf' || mime === 'application/json') return true
  // Scripts are text; a script served as text/* is ordinary. A binary served as text/* is not (ET 2032973).
  if (!scriptLike && mime.startsWith('text/')) return true
  return false
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

function bareIp(host: string | undefined): boolean {
  if (host === undefined || host === '') return true
  let h = host
  if (h.startsWith('[')) return true
  const c = h.lastIndexOf(':')
  if (c > 0 && h.indexOf(':') === c) h = h.slice(0, c)
  return IPV4.test(h) || h.includes(':')
}

function hostOnly(host: string): string {
  const c = host.lastIndexOf(':')
  return (c > 0 && host.indexOf(':') === c ? host.slice(0, c) : host).toLowerCase()
}

function typeKey(f: FileEvent): string | undefined {
  if (f.type === 'unknown' && (f.type_detail === 'mz-dos' || f.type_detail === 'mz-unverified')) return 'mz-unconfirmed'
  if (f.type === 'script') {
    const k = `script:${f.type_detail ?? ''}`
    return k in BASE ? k : 'script'
  }
  return f.type in BASE ? f.type : undefined
}

function describe(f: FileEvent): string {
  const d = f.type_detail
  if (f.type === 'pe') return d !== undefined ? `${d.toUpperCase()} executable` : 'PE executable'
  if (f.type === 'elf') return d !== undefined ? `ELF (${d})` : 'ELF executable'
  if (f.type === 'script') return `${d ?? ''} script`.trim()
  if (f.type === 'unknown') return 'MZ header without a confirmed PE header'
  return d !== undefined ? `${f.type} (${d})` : f.type
}

function evidence(ev: FileEvent, what: string, ua: string | undefined): Evidence {
  const e: Record<string, string | number | boolean> = {
    ts: ev.ts,
    source: 'file',
    what,
    uid: ev.uid,
    head_hex: ev.head_hex,
  }
  if (ev.mime !== undefined) e.mime = ev.mime
  if (ev.sha256 !== undefined) e.sha256 = ev.sha256
  if (ua !== undefined) e.user_agent = ua
  return e as unknown as Evidence
}

const def = defineDetection<ExecutableDownloadParams>({
  id: 'executable-download',
  title: 'Executable or script downloaded over HTTP',
  description:
    'An HTTP response body began with executable or script content by magic bytes (PE confirmed through e_lfanew, ' +
    'ELF, Mach-O, DEX/APK, JAR, MSI, LNK, shell/PowerShell/HTA/VBS/batch), whatever the URL or Content-Type ' +
    'declared. A declared type or URI extension that contradicts the magic, and a bare-IP host, raise the score.',
  severity: 'medium',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: ['attack.command-and-control', 'attack.t1105', 'attack.lateral-movement', 'attack.t1570'],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://attack.mitre.org/techniques/T1570/',
    'https://rules.emergingthreats.net/ (ET 2018959, 2026537, 2032973, 2022858)',
  ],
  falsePositives: [
    'Software installers and updates fetched over plain HTTP by package managers and updaters.',
    'Administrators downloading tools from internal repositories (then T1570, internal to internal).',
  ],
  inputs: ['file'],
  params: {
    suppress_for_s: 3600,
    update_domains: [
      'windowsupdate.com',
      'update.microsoft.com',
      'delivery.mp.microsoft.com',
      'download.microsoft.com',
      'dl.delivery.mp.microsoft.com',
    ],
  },
  create(p, ctx: DetectionContext) {
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        if (ev.kind !== 'file' || ev.file_proto !== 'http' || ev.direction !== 'download') return undefined
        const key = typeKey(ev)
        if (key === undefined) return undefined
        const base = BASE[key] ?? 30
        const factors: ScoreFactor[] = [{ factor: 'magic', points: base, value: key }]
        const reasons: string[] = [`body is ${describe(ev)} by magic (+${base})`]
        const c = ev.context ?? {}
        const host = typeof c.host === 'string' ? c.host : undefined
        const uri = typeof c.uri === 'string' ? c.uri : undefined
        const ua = typeof c.user_agent === 'string' ? c.user_agent : undefined
        const scriptLike = ev.type === 'script'
        let score = base
        if (ev.mime !== undefined && mimeContradicts(ev.mime, scriptLike)) {
          score += 25
          factors.push({ factor: 'declared_type_contradicts_magic', points: 25, value: ev.mime })
          reasons.push(`declared Content-Type ${ev.mime} contradicts the magic (+25)`)
        }
        const ext = ev.name?.includes('.') ? ev.name.slice(ev.name.lastIndexOf('.') + 1).toLowerCase() : undefined
        if (ext !== undefined && DECOY_EXT.has(ext) && !(scriptLike && (ext === 'txt' || ext === 'log'))) {
          score += 20
          factors.push({ factor: 'extension_contradicts_magic', points: 20, value: ext })
          reasons.push(`URI extension .${ext} contradicts the magic (+20)`)
        }
        if (bareIp(host)) {
          score += 5
          factors.push({ factor: 'bare_ip_host', points: 5, value: host ?? ev.resp_h })
          reasons.push(`server addressed by bare IP ${host ?? ev.resp_h} (+5)`)
        }
        if (score > HONEST_MAX && !factors.some((f) => f.factor.endsWith('_contradicts_magic'))) {
          const cut = HONEST_MAX - score
          score = HONEST_MAX
          factors.push({ factor: 'honest_type_cap', points: cut })
          reasons.push(`declared type and name agree with the content: capped at ${HONEST_MAX} (${cut})`)
        }
        const h = host !== undefined ? hostOnly(host) : undefined
        const trusted = h !== undefined && p.update_domains.some((d) => h === d || h.endsWith(`.${d}`))
        if (trusted) {
          const cut = Math.min(0, 15 - score)
          score = Math.min(score, 15)
          factors.push({ factor: 'update_domain', points: cut, value: h })
          reasons.push(`host ${h} is a listed update service (capped at info)`)
        }
        if (!ev.complete) reasons.push(`transfer incomplete (${ev.bytes} bytes seen)`)
        const file: AlertFile = ev.mime !== undefined ? { ...alertFileOf(ev), mime: ev.mime } : alertFileOf(ev)
        const what =
          `HTTP ${String(c.method ?? 'GET')} ${h ?? ev.resp_h}${uri ?? ''} returned ${describe(ev)}` +
          ` (${ev.bytes} bytes, head ${ev.head_hex})`
        const details: Record<string, string | number | boolean> = {}
        if (uri !== undefined) details.uri = uri
        if (host !== undefined) details.host = host
        if (ua !== undefined) details.user_agent = ua
        if (typeof c.status === 'number') details.status = c.status
        if (typeof c.content_range === 'string') details.content_range = c.content_range
        const alert = makeAlert(def, ctx, {
          ts: ev.ts,
          source: ev.source,
          message: `${ev.orig_h} downloaded ${describe(ev)}${ev.name !== undefined ? ` ${ev.name}` : ''} over HTTP from ${h ?? ev.resp_h}`,
          score,
          reasons,
          score_factors: factors,
          evidence: [evidence(ev, what, ua)],
          identifier: `executable-download:${ev.orig_h}:${ev.resp_h}:${ev.sha256 ?? `${ev.name ?? ''}:${ev.uid}:${ev.ts}`}`,
          conn: ev,
          service: 'http',
          file,
          details,
          suppress_for: p.suppress_for_s,
        })
        return [alert]
      },
    }
  },
})

export default def
