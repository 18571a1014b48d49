/**
 * HTTP User-Agent strings of download utilities (LOLBAS IOC user agents, ET Open and Sigma proxy rules;
 * anchors.md §4.2). `score` is the base contribution of the tool alone: Windows binaries abused as
 * downloaders (certutil, BITS, PowerShell, MpCmdRun, cmdl32) score higher than tools admins use every
 * day (curl, Wget, python-requests, Go-http-client), which are marked `admin`.
 */

export interface DownloadUserAgent {
  /** Short tool name used in alerts. */
  readonly tool: string
  readonly pattern: RegExp
  /** Base score contribution, 0..100. */
  readonly score: number
  /** True for tools routinely used by administrators and software (lower base score). */
  readonly admin: boolean
  /** Where the indicator comes from. */
  readonly ref: string
}

export const DOWNLOAD_USER_AGENTS: readonly DownloadUserAgent[] = [
  { tool: 'certutil', pattern: /^Microsoft-CryptoAPI\//, score: 60, admin: false, ref: 'LOLBAS Certutil.yml' },
  { tool: 'certutil', pattern: /^CertUtil URL Agent/, score: 60, admin: false, ref: 'LOLBAS Certutil.yml' },
  {
    tool: 'powershell',
    pattern: /WindowsPowerShell\/\d/,
    score: 55,
    admin: false,
    ref: 'ET 2033355; Sigma proxy_ua_powershell',
  },
  {
    tool: 'powershell',
    pattern: /\bPowerShell\/\d/,
    score: 50,
    admin: false,
    ref: 'PowerShell 7 Invoke-WebRequest UA',
  },
  {
    tool: 'bits',
    pattern: /^Microsoft BITS\//,
    score: 50,
    admin: false,
    ref: 'ET 2022858; Sigma proxy_ua_bitsadmin_susp_ip',
  },
  { tool: 'mpcmdrun', pattern: /^MpCommunication/, score: 60, admin: false, ref: 'LOLBAS MpCmdRun.yml' },
  {
    tool: 'cmdl32',
    pattern: /^Microsoft\(R\) Connection Manager Vpn File Update/,
    score: 60,
    admin: false,
    ref: 'LOLBAS Cmdl32.yml',
  },
  { tool: 'webdav', pattern: /^Microsoft-WebDAV-MiniRedir\//, score: 45, admin: false, ref: 'ET 2047742' },
  { tool: 'winhttp', pattern: /WinHttp\.WinHttpRequest|^WinHTTP\b/i, score: 40, admin: false, ref: 'ET 2019822' },
  { tool: 'msxml', pattern: /\bMSXML\d?\b|XMLHTTP/i, score: 40, admin: false, ref: 'ET 2022054' },
  { tool: 'nim', pattern: /^Nim httpclient/, score: 45, admin: false, ref: 'Nim-based loaders' },
  { tool: 'curl', pattern: /^curl\/\d/, score: 25, admin: true, ref: 'ET 2013028, 2034567' },
  { tool: 'wget', pattern: /^Wget\//i, score: 25, admin: true, ref: 'ET 2027076' },
  {
    tool: 'python',
    pattern: /^python-requests\/|^Python-urllib\/|^python-httpx\/|^aiohttp\//,
    score: 25,
    admin: true,
    ref: 'scripted downloads',
  },
  { tool: 'go', pattern: /^Go-http-client\//, score: 20, admin: true, ref: 'ET 2032355' },
  { tool: 'perl', pattern: /^libwww-perl\//, score: 25, admin: true, ref: 'scripted downloads' },
  { tool: 'java', pattern: /^Java\/\d/, score: 15, admin: true, ref: 'scripted downloads' },
]

/** The first table entry whose pattern matches `ua`, or undefined. */
export function matchDownloadUserAgent(ua: string): DownloadUserAgent | undefined {
  if (ua.length > 1024) return undefined
  return DOWNLOAD_USER_AGENTS.find((e) => e.pattern.test(ua))
}

/** Hosts of Windows Update / Microsoft delivery, fetched by BITS all day: never above low. */
export const WINDOWS_UPDATE_HOSTS =
  /(?:^|\.)(?:windowsupdate\.com|update\.microsoft\.com|delivery\.mp\.microsoft\.com|download\.microsoft\.com|dl\.delivery\.mp\.microsoft\.com|tlu\.dl\.delivery\.mp\.microsoft\.com)$/i
