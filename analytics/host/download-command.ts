/**
 * Command lines and script blocks that fetch remote content (T1105), recognised from the tools' own
 * syntax (LOLBAS entries for certutil, bitsadmin, mshta, regsvr32, rundll32, cmstp, wmic, MpCmdRun,
 * desktopimgdownldr; PowerShell download cradles; curl/wget/tftp/scp/sftp/rsync; pip/npm/msiexec from a
 * URL). Returns the tool, the method, the URLs, the destination host and the output path, with a base score
 * and the reasons behind it. PowerShell `-EncodedCommand` payloads (base64 of UTF-16LE) are decoded and
 * examined again (one level). Loopback destinations (`curl http://localhost…`) are not downloads.
 * Pure text analysis: nothing is executed or resolved. Not handled: obfuscation beyond -EncodedCommand
 * (string concatenation, `^` escapes, char codes), URLs built from variables (flagged with lower score).
 */
import { tokenizeCommandLine } from './portproxy.js'

export interface DownloadFinding {
  /** certutil, bitsadmin, powershell, curl, wget, tftp, scp, sftp, rsync, mshta, regsvr32, rundll32... */
  readonly tool: string
  /** What was used, e.g. `certutil -urlcache`, `Net.WebClient.DownloadFile`, `bitsadmin /transfer`. */
  readonly method: string
  readonly urls: readonly string[]
  /** Host of the first URL (or the remote host of tftp/scp/rsync). */
  readonly dest_host?: string
  /** Where the content is written, when the command says. */
  readonly output?: string
  /** Base score 0..100. */
  readonly score: number
  readonly reasons: readonly string[]
  /** True for tools administrators use routinely (curl, wget, scp, package managers). */
  readonly admin: boolean
  /** True when found inside a decoded -EncodedCommand. */
  readonly decoded: boolean
}

export interface DownloadCommandOptions {
  /** Package index hosts that are not "non-approved sources" for pip/npm. */
  readonly approvedHosts?: readonly string[]
}

export const DEFAULT_APPROVED_PACKAGE_HOSTS: readonly string[] = [
  'pypi.org',
  'files.pythonhosted.org',
  'registry.npmjs.org',
  'registry.yarnpkg.com',
]

/** Sigma's shared file-sharing domain list (anchors.md §4.6), used as a score uplift. */
const FILE_SHARING =
  /(?:^|\.)(?:githubusercontent\.com|0x0\.st|anonfiles\.com|bashupload\.com|cdn\.discordapp\.com|chunk\.io|ddns\.net|dl\.dropboxusercontent\.com|ghostbin\.co|github\.com|glitch\.me|gofile\.io|hastebin\.com|mediafire\.com|mega\.co\.nz|mega\.nz|onrender\.com|pages\.dev|paste\.ee|pastebin\.com|pastebin\.pl|pastetext\.net|pixeldrain\.com|privatlab\.com|privatlab\.net|send\.exploit\.in|sendspace\.com|storage\.googleapis\.com|storjshare\.io|supabase\.co|temp\.sh|transfer\.sh|trycloudflare\.com|ufile\.io|w3spaces\.com|workers\.dev|x0\.at)$/i

const URL_RE = /\b(?:https?|ftps?|tftp):\/\/[^\s"'`<>|^(),;{}]+/gi
const EXEC_EXT =
  /\.(?:exe|dll|scr|ps1|psm1|bat|cmd|vbs|vbe|js|jse|hta|msi|sh|elf|bin|py|jar|lnk|sys|cpl|ocx|sct|xsl|inf)$/i
const MAX_TEXT = 65536

/**
 * Words one of which (or `://`) every finding of detectTool and the -EncodedCommand path requires: the
 * PowerShell cradles (which need no literal URL), tftp, scp/sftp/rsync and the package managers. Tools that
 * need a URL (certutil, bitsadmin, curl/wget, the LOLBAS list) are covered by `://`. A cheap pre-check only.
 */
const CANDIDATE =
  /powershell|pwsh|webclient|bitstransfer|iwr|irm|invoke-webrequest|invoke-restmethod|new-object|httpclient|webrequest|tftp|scp|sftp|rsync|pip|npm|yarn|pnpm/

/** Host of a URL, lower-cased, without brackets; undefined when unparsable. */
export function urlHost(u: string): string | undefined {
  try {
    return new URL(u).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return undefined
  }
}

/** True for localhost names and loopback addresses. */
export function isLoopbackHost(h: string): boolean {
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1' || h === '0.0.0.0'
}

function isIpLiteral(h: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(h) || h.includes(':')
}

function optionValue(toks: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < toks.length - 1; i++) {
    const t = (toks[i] ?? '').toLowerCase()
    if (names.includes(t)) return stripQuotes(toks[i + 1] ?? '')
  }
  for (const t of toks) {
    for (const n of names) {
      if (n.startsWith('--') && t.toLowerCase().startsWith(`${n}=`)) return stripQuotes(t.slice(n.length + 1))
    }
  }
  return undefined
}

function stripQuotes(s: string): string {
  return s.replace(/^['"]+|['"),;]+$/g, '')
}

/** The first token after the token containing `url` that is not an option. */
function tokenAfter(toks: readonly string[], url: string): string | undefined {
  const i = toks.findIndex((t) => t.includes(url))
  if (i < 0) return undefined
  for (let k = i + 1; k < toks.length; k++) {
    const t = toks[k] ?? ''
    if (/^[&|;]/.test(t)) return undefined
    if (!/^[-/]/.test(t) || /^\/[^/]*[\\/]/.test(t)) return stripQuotes(t)
  }
  return undefined
}

interface Draft {
  tool: string
  method: string
  score: number
  admin: boolean
  reasons: string[]
  output?: string
  dest_host?: string
}

function decodeEncodedCommand(text: string): string | undefined {
  const m =
    /(?:^|\s)[-/](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+["']?([A-Za-z0-9+/]{8,}={0,2})/i.exec(
      text,
    )
  if (m === null) return undefined
  const b = Buffer.from(m[1] ?? '', 'base64')
  const s = b.toString('utf16le')
  // A real payload is mostly printable ASCII when read as UTF-16LE.
  let printable = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++
  }
  return s.length > 0 && printable / s.length > 0.9 ? s : undefined
}

function detectTool(
  text: string,
  l: string,
  toks: readonly string[],
  ws: readonly string[],
  urls: readonly string[],
  opts: DownloadCommandOptions,
): Draft | undefined {
  const hasUrl = urls.length > 0
  const first = urls[0] ?? ''
  if (/\bcertutil(?:\.exe)?\b/.test(l) && hasUrl) {
    const verb = /(?:^|\s)[-/](urlcache|verifyctl|url)\b/.exec(l)?.[1]
    if (verb !== undefined || /(?:^|\s)[-/]split\b/.test(l)) {
      const d: Draft = {
        tool: 'certutil',
        method: `certutil -${verb ?? 'split'}`,
        score: 70,
        admin: false,
        reasons: ['certutil fetching a URL (LOLBAS Certutil, Sigma 19b08b1c)'],
      }
      const out = tokenAfter(toks, first)
      if (out !== undefined) d.output = out
      return d
    }
  }
  if (/\bbitsadmin(?:\.exe)?\b/.test(l) && /\/(?:transfer|addfile|download)\b/.test(l) && hasUrl) {
    const d: Draft = {
      tool: 'bitsadmin',
      method: `bitsadmin /${/\/(transfer|addfile|download)\b/.exec(l)?.[1] ?? 'transfer'}`,
      score: 65,
      admin: false,
      reasons: ['bitsadmin BITS job downloading a URL'],
    }
    const out = tokenAfter(toks, first)
    if (out !== undefined) d.output = out
    return d
  }
  const psContext = /\b(?:powershell|pwsh)(?:\.exe)?\b/.test(l)
  const ps: [RegExp, string, number][] = [
    [
      /\bnet\.webclient\b[\s\S]*?\.(downloadstring|downloadfile|downloaddata|openread|downloadfiletaskasync|downloadstringtaskasync)\s*\(/,
      'Net.WebClient',
      60,
    ],
    [/\bstart-bitstransfer\b/, 'Start-BitsTransfer', 60],
    [/\b(?:invoke-webrequest|iwr)\b/, 'Invoke-WebRequest', 55],
    [/\b(?:invoke-restmethod|irm)\b/, 'Invoke-RestMethod', 55],
    [
      /\bnew-object\s+-com(?:object)?\s+["']?(?:msxml2\.xmlhttp|winhttp\.winhttprequest|microsoft\.xmlhttp)/,
      'COM XMLHTTP',
      55,
    ],
    [/\bsystem\.net\.http\.httpclient\b|\bnet\.http\.httpclient\b/, 'HttpClient', 50],
    [/\bnet\.webrequest\b|\bsystem\.net\.webrequest\b/, 'WebRequest', 50],
  ]
  for (const [re, name, score] of ps) {
    const m = re.exec(l)
    if (m === null) continue
    const method = name === 'Net.WebClient' ? `Net.WebClient.${canonicalWebClient(m[1] ?? '')}` : name
    const d: Draft = {
      tool: 'powershell',
      method,
      score,
      admin: false,
      reasons: [`PowerShell download cradle (${method})`],
    }
    if (!hasUrl) {
      d.score -= 15
      d.reasons.push('no literal URL (built at run time)')
    }
    if (/\b(?:iex|invoke-expression)\b/.test(l)) {
      d.score += 15
      d.reasons.push('runs the downloaded content in memory (IEX)')
    }
    const out =
      name === 'Net.WebClient'
        ? /downloadfile(?:taskasync)?\s*\(\s*[^,]+,\s*['"]?([^'")]+)/i.exec(text)?.[1]
        : optionValue(ws, ['-outfile', '-destination', '-o'])
    if (out !== undefined) d.output = stripQuotes(out)
    return d
  }
  const cw = /(?:^|[\s\\/"'&|;(])(curl|wget)(?:\.exe)?(?=\s)/.exec(l)
  if (cw !== null && hasUrl) {
    const tool = cw[1] ?? 'curl'
    if (psContext && !/\bcurl\.exe\b/.test(l)) {
      const d: Draft = {
        tool: 'powershell',
        method: `${tool} (Invoke-WebRequest alias)`,
        score: 55,
        admin: false,
        reasons: ['PowerShell download via the curl/wget alias of Invoke-WebRequest'],
      }
      const out = optionValue(ws, ['-outfile', '-o'])
      if (out !== undefined) d.output = out
      return d
    }
    const d: Draft = { tool, method: tool, score: 35, admin: true, reasons: [`${tool} fetching a URL`] }
    const out = tool === 'wget' ? optionValue(ws, ['-o', '--output-document']) : optionValue(ws, ['-o', '--output'])
    if (out !== undefined) d.output = out
    if (/\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b|\|\s*(?:python3?|perl)\b/.test(l)) {
      d.score += 25
      d.reasons.push('piped into a shell/interpreter')
    }
    return d
  }
  const lol: [RegExp, string, string, number][] = [
    [/\bregsvr32(?:\.exe)?\b/, 'regsvr32', 'regsvr32 /i:URL (Squiblydoo)', 75],
    [/\bmshta(?:\.exe)?\b/, 'mshta', 'mshta URL', 70],
    [/\brundll32(?:\.exe)?\b/, 'rundll32', 'rundll32 with a URL', 70],
    [/\bmpcmdrun(?:\.exe)?\b/, 'mpcmdrun', 'MpCmdRun -DownloadFile', 65],
    [/\bdesktopimgdownldr(?:\.exe)?\b/, 'desktopimgdownldr', 'desktopimgdownldr /lockscreenurl', 65],
    [/\bcmstp(?:\.exe)?\b/, 'cmstp', 'cmstp with a remote INF', 60],
    [/\bwmic(?:\.exe)?\b/, 'wmic', 'wmic /format:URL (remote XSL)', 60],
    [/\b(?:cscript|wscript)(?:\.exe)?\b/, 'cscript', 'script host loading a remote script', 55],
    [/\bhh(?:\.exe)?\s/, 'hh', 'hh.exe with a URL', 55],
    [/\bmsiexec(?:\.exe)?\b/, 'msiexec', 'msiexec installing from a URL', 45],
  ]
  if (hasUrl) {
    for (const [re, tool, method, score] of lol) {
      if (re.test(l)) return { tool, method, score, admin: tool === 'msiexec', reasons: [`${method} (LOLBAS)`] }
    }
  }
  if (/\btftp(?:\.exe)?\b/.test(l) && /\s(?:-c\s+)?get\s/.test(l)) {
    const ti = toks.findIndex((t) => /(?:^|[\\/])tftp(?:\.exe)?$/i.test(t))
    const args = toks.slice(ti + 1).filter((t) => !/^-/.test(t))
    const host = args[0]
    const gi = toks.findIndex((t) => t.toLowerCase() === 'get')
    const d: Draft = {
      tool: 'tftp',
      method: 'tftp get',
      score: 55,
      admin: false,
      reasons: ['tftp client fetching a file'],
    }
    if (host !== undefined && host.toLowerCase() !== 'get') d.dest_host = host.toLowerCase()
    const file = gi >= 0 ? toks[gi + 1] : undefined
    if (file !== undefined) d.output = toks[gi + 2] ?? file
    return d
  }
  const remote = /(?:^|[\\/\s])(scp|sftp|rsync)(?:\.exe)?\s/.exec(l)
  if (remote !== null) {
    const tool = remote[1] ?? 'scp'
    const ti = toks.findIndex((t) => new RegExp(`(?:^|[\\\\/])${tool}(?:\\.exe)?$`, 'i').test(t))
    const args = toks.slice(ti + 1).filter((t) => !/^-/.test(t))
    const src = args[0]
    const m = src !== undefined ? /^(?:[^@\s/]+@)?([A-Za-z0-9._-]{2,}|\[[0-9A-Fa-f:]+\]):/.exec(src) : null
    const rs = src !== undefined ? /^rsync:\/\/(?:[^@/]+@)?([^/:]+)/i.exec(src) : null
    const host = (m?.[1] ?? rs?.[1])?.replace(/^\[|\]$/g, '').toLowerCase()
    if (host !== undefined && !isLoopbackHost(host) && (args.length >= 2 || tool === 'sftp')) {
      const d: Draft = {
        tool,
        method: `${tool} from a remote host`,
        score: 35,
        admin: true,
        reasons: [`${tool} copying from ${host}`],
        dest_host: host,
      }
      const out = args[args.length - 1]
      if (args.length >= 2 && out !== undefined) d.output = out
      return d
    }
  }
  const approved = opts.approvedHosts ?? DEFAULT_APPROVED_PACKAGE_HOSTS
  const pkg = /\b(pip3?|npm|yarn|pnpm)(?:\.exe)?\s+(?:install|i|add)\b/.exec(l)
  if (pkg !== null) {
    const idx = optionValue(ws, ['-i', '--index-url', '--extra-index-url', '--registry', '-f', '--find-links'])
    const sources = [...urls, ...(idx !== undefined ? [idx] : [])]
    const bad = sources
      .map((u) => urlHost(u))
      .find((h) => h !== undefined && !approved.includes(h) && !isLoopbackHost(h))
    if (bad !== undefined) {
      return {
        tool: pkg[1] ?? 'pip',
        method: `${pkg[1]} install from a non-approved source`,
        score: 35,
        admin: true,
        reasons: [`package manager fetching from ${bad}`],
        dest_host: bad,
      }
    }
  }
  return undefined
}

function canonicalWebClient(m: string): string {
  const names: Record<string, string> = {
    downloadstring: 'DownloadString',
    downloadfile: 'DownloadFile',
    downloaddata: 'DownloadData',
    openread: 'OpenRead',
    downloadfiletaskasync: 'DownloadFileTaskAsync',
    downloadstringtaskasync: 'DownloadStringTaskAsync',
  }
  return names[m] ?? m
}

/** Examines a command line or script block; returns the download it performs, if any. */
export function analyzeDownloadCommand(
  text: string,
  opts: DownloadCommandOptions = {},
  depth = 0,
): DownloadFinding | undefined {
  if (text.length === 0) return undefined
  const t = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text
  const l = t.toLowerCase()
  // Every finding below needs a URL or one of these words, so most command lines stop here.
  if (!l.includes('://') && !CANDIDATE.test(l)) return undefined
  if (depth === 0 && /\b(?:powershell|pwsh)(?:\.exe)?\b/.test(l)) {
    const dec = decodeEncodedCommand(t)
    if (dec !== undefined) {
      const inner = analyzeDownloadCommand(dec, opts, depth + 1)
      if (inner !== undefined) {
        return {
          ...inner,
          score: Math.min(100, inner.score + 10),
          reasons: [...inner.reasons, 'hidden in a base64 -EncodedCommand'],
          decoded: true,
        }
      }
    }
  }
  const urls = [...new Set((t.match(URL_RE) ?? []).slice(0, 16).map((u) => u.replace(/[.'"]+$/, '')))]
  const remoteUrls = urls.filter((u) => {
    const h = urlHost(u)
    return h === undefined || !isLoopbackHost(h)
  })
  if (urls.length > 0 && remoteUrls.length === 0) return undefined
  const toks = tokenizeCommandLine(t.replace(/[&|;]+/g, (m) => ` ${m} `))
  // Options inside a quoted `-c "…"` script are found on plain whitespace tokens.
  const ws = t.split(/\s+/, 1024).map((x) => x.replace(/^["']+/, ''))
  const d = detectTool(t, l, toks, ws, remoteUrls, opts)
  if (d === undefined) return undefined
  const firstUrl = remoteUrls[0]
  if (d.dest_host === undefined && firstUrl !== undefined) {
    const h = urlHost(firstUrl)
    if (h !== undefined) d.dest_host = h
  }
  if (d.dest_host !== undefined && isLoopbackHost(d.dest_host)) return undefined
  if (d.dest_host !== undefined) {
    if (isIpLiteral(d.dest_host)) {
      d.score += 10
      d.reasons.push('destination is an IP address, not a name')
    }
    if (FILE_SHARING.test(d.dest_host)) {
      d.score += 10
      d.reasons.push(`destination ${d.dest_host} is a file-sharing/code-hosting domain`)
    }
  }
  const target = d.output ?? (firstUrl !== undefined ? firstUrl.split(/[?#]/)[0] : undefined)
  if (target !== undefined && EXEC_EXT.test(target)) {
    d.score += 10
    d.reasons.push('fetches an executable or script')
  }
  const out: { -readonly [K in keyof DownloadFinding]: DownloadFinding[K] } = {
    tool: d.tool,
    method: d.method,
    urls: remoteUrls,
    score: Math.max(0, Math.min(100, d.score)),
    reasons: d.reasons,
    admin: d.admin,
    decoded: false,
  }
  if (d.dest_host !== undefined) out.dest_host = d.dest_host
  if (d.output !== undefined) out.output = d.output
  return out
}

/** `certutil -decode IN OUT` (T1140): returns the files, or undefined. Used to chain after a download. */
export function findCertutilDecode(text: string): { input: string; output: string } | undefined {
  const m = /\bcertutil(?:\.exe)?\b[^&|;\n]*?\s[-/]decode(?:hex)?\s+("[^"]+"|\S+)\s+("[^"]+"|\S+)/i.exec(text)
  if (m === null) return undefined
  return { input: stripQuotes(m[1] ?? ''), output: stripQuotes(m[2] ?? '') }
}
