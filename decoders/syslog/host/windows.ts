/**
 * Windows events forwarded as syslog → HostFields. Accepted forms: the event XML as MSG (WEF/NXLog
 * `$raw_event`, the corpus' RFC 5424 form), JSON (NXLog `to_json()` with EventData fields at the top level,
 * Winlogbeat `winlog.event_data`), `Key=Value` pairs (quoted or running to the next key), and Snare's
 * tab-separated `MSWinEventLog` record with its rendered message (`Label: value` text). Mapped events:
 * Sysmon 1/3/11/12/13/14/15/22, Security 4688/4657/5156/5145, PowerShell 4103/4104, BITS-Client 16403;
 * any other event id becomes action `other`. Field values are kept as sent (XML entities decoded); the
 * corpus writes CR/LF/TAB inside values as `\r` `\n` `\t` and those stay literal. Not handled: rendered
 * messages in languages other than English, EVTX binary.
 */
import { isJsSpace, isLineTerminator, quotedValueEnd } from '../kv-scan.js'
import type { HostAction, HostFields } from './types.js'

/** Largest message examined (bytes of text); longer ones are not parsed as host events. */
export const MAX_HOST_MESSAGE_CHARS = 262144

type Fields = Map<string, string>

/** Field name → lookup key: letters and digits only, lower case (`Process Command Line` → `processcommandline`). */
function norm(k: string): string {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i)
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57))) {
      return k.replace(/[^A-Za-z0-9]/g, '').toLowerCase()
    }
  }
  return k.toLowerCase()
}

function decodeXmlEntities(s: string): string {
  if (!s.includes('&')) return s
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]{1,6}|#\d{1,7});/g, (_m, e: string) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'amp') return '&'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    const n = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : ''
  })
}

/** Provider name → short provider key used in event_id. */
export function providerKey(provider: string): string {
  const p = provider.toLowerCase()
  if (p.includes('sysmon')) return 'sysmon'
  if (p.includes('security-auditing') || p === 'security') return 'security'
  if (p.includes('powershell')) return 'powershell'
  if (p.includes('bits-client') || p === 'bits') return 'bits'
  return p.replace(/^microsoft-windows-/, '').replace(/[^a-z0-9-]/g, '') || 'windows'
}

function fromChannel(channel: string | undefined): string | undefined {
  if (channel === undefined) return undefined
  const c = channel.toLowerCase()
  if (c.includes('sysmon')) return 'sysmon'
  if (c === 'security') return 'security'
  if (c.includes('powershell')) return 'powershell'
  if (c.includes('bits-client')) return 'bits'
  return undefined
}

function parseXml(m: string, f: Fields): void {
  const prov = /<Provider\s+Name=["']([^"']*)["']/.exec(m)
  if (prov) f.set('provider', decodeXmlEntities(prov[1] ?? ''))
  const id = /<EventID[^>]*>\s*(\d+)\s*<\/EventID>/.exec(m)
  if (id) f.set('eventid', id[1] ?? '')
  const comp = /<Computer>([^<]*)<\/Computer>/.exec(m)
  if (comp) f.set('computer', decodeXmlEntities(comp[1] ?? ''))
  const chan = /<Channel>([^<]*)<\/Channel>/.exec(m)
  if (chan) f.set('channel', decodeXmlEntities(chan[1] ?? ''))
  const sys = /<TimeCreated\s+SystemTime=["']([^"']*)["']/.exec(m)
  if (sys) f.set('timecreated', sys[1] ?? '')
  const re = /<Data\s+Name=["']([^"']*)["']\s*(?:\/>|>([^<]*)<\/Data>)/g
  let n = 0
  for (let x = re.exec(m); x !== null && n < 512; x = re.exec(m), n++) {
    const k = norm(x[1] ?? '')
    if (k !== '' && !f.has(k)) f.set(k, decodeXmlEntities(x[2] ?? ''))
  }
}

function flattenJson(v: unknown, f: Fields, depth: number): void {
  if (depth > 4 || v === null || typeof v !== 'object' || Array.isArray(v)) return
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === 'string' || typeof val === 'number') {
      const key = norm(k)
      if (!f.has(key)) f.set(key, String(val))
    } else if (typeof val === 'object') {
      flattenJson(val, f, depth + 1)
    }
  }
}

function parseJson(m: string, f: Fields): boolean {
  const start = m.indexOf('{')
  if (start < 0) return false
  let obj: unknown
  try {
    obj = JSON.parse(m.slice(start))
  } catch {
    return false
  }
  if (obj === null || typeof obj !== 'object') return false
  const o = obj as Record<string, unknown>
  // Winlogbeat: prefer winlog.* and the event_data leaves over host.* and other metadata.
  const winlog = o.winlog
  if (winlog !== null && typeof winlog === 'object') {
    const w = winlog as Record<string, unknown>
    if (w.event_data !== undefined) flattenJson(w.event_data, f, 0)
    for (const [k, key] of [
      ['event_id', 'eventid'],
      ['provider_name', 'provider'],
      ['computer_name', 'computer'],
      ['channel', 'channel'],
    ] as const) {
      const val = w[k]
      if (typeof val === 'string' || typeof val === 'number') f.set(key, String(val))
    }
  }
  flattenJson(o, f, 0)
  return true
}

/** One `Key=Value` pair as sent: the value without its quotes, and which quote it had. */
export interface KeyValuePair {
  readonly key: string
  readonly value: string
  readonly quote: '"' | "'" | ''
}

/**
 * `Key=Value` pairs of a forwarded event, as the pair grammar reads them: a key
 * `[A-Za-z_][A-Za-z0-9_.]{0,63}` at the start or after white space, `,` or `;`; a value that is `"…"`
 * (backslash escapes), `'…'`, or the text up to the white space before the next `Key=` (or the end), and
 * a quoted value counts as quoted only when such a boundary follows its closing quote. At most `max` pairs.
 * A hand-written scanner equivalent to the global regex
 * `(?:^|[\s,;])(KEY)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(.*?))(?=\s+KEY=|$)`, without its backtracking.
 */
export function keyValuePairs(m: string, max = 512): KeyValuePair[] {
  const out: KeyValuePair[] = []
  const len = m.length
  let from = 0
  while (out.length < max) {
    const eq = m.indexOf('=', from)
    if (eq < 0) break
    // The key is the whole run of key characters before `=`, started at the beginning of the text or
    // after a separator that lies at or after `from` (what earlier pairs consumed is not reused).
    let ks = eq
    while (ks > 0 && isKvKeyChar(m.charCodeAt(ks - 1))) ks--
    const keyOk =
      ks < eq &&
      eq - ks <= 64 &&
      isKvKeyStart(m.charCodeAt(ks)) &&
      (ks === 0 ? from === 0 : ks - 1 >= from && isSep(m.charCodeAt(ks - 1)))
    if (!keyOk) {
      from = eq + 1
      continue
    }
    const v = eq + 1
    let end = -1
    let value = ''
    let quote: KeyValuePair['quote'] = ''
    const c0 = m.charCodeAt(v)
    if (c0 === 34) {
      const close = quotedValueEnd(m, v + 1)
      if (close >= 0 && kvBoundary(m, close + 1)) {
        value = m.slice(v + 1, close)
        quote = '"'
        end = close + 1
      }
    } else if (c0 === 39) {
      const close = m.indexOf("'", v + 1)
      if (close >= 0 && kvBoundary(m, close + 1)) {
        value = m.slice(v + 1, close)
        quote = "'"
        end = close + 1
      }
    }
    if (end < 0) {
      for (let q = v; ; q++) {
        const c = m.charCodeAt(q)
        // Printable ASCII other than space can neither end the value nor stop it.
        if (c > 32 && c < 127) continue
        if (kvBoundary(m, q)) {
          value = m.slice(v, q)
          end = q
          break
        }
        if (isLineTerminator(m.charCodeAt(q))) break
      }
    }
    if (end < 0) {
      from = eq + 1
      continue
    }
    out.push({ key: m.slice(ks, eq), value, quote })
    from = end
    if (end >= len) break
  }
  return out
}

function isSep(c: number): boolean {
  return isJsSpace(c) || c === 44 || c === 59
}

/** `[A-Za-z_]` */
function isKvKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
}

/** `[A-Za-z0-9_.]` */
function isKvKeyChar(c: number): boolean {
  return isKvKeyStart(c) || (c >= 48 && c <= 57) || c === 46
}

/** Where a value may end: the end, or white space then a key (≤ 64 characters) and `=`. */
function kvBoundary(m: string, q: number): boolean {
  if (q >= m.length) return true
  if (!isJsSpace(m.charCodeAt(q))) return false
  let r = q + 1
  while (r < m.length && isJsSpace(m.charCodeAt(r))) r++
  if (!isKvKeyStart(m.charCodeAt(r))) return false
  let e = r + 1
  while (e < m.length && e - r < 64 && isKvKeyChar(m.charCodeAt(e))) e++
  return m.charCodeAt(e) === 61
}

function parseKeyValue(m: string, f: Fields): void {
  for (const p of keyValuePairs(m)) {
    const key = norm(p.key)
    const raw = p.quote === '"' && p.value.includes('\\') ? p.value.replace(/\\(["\\])/g, '$1') : p.value
    if (!f.has(key)) f.set(key, raw.trim())
  }
}

/** English labels of rendered Windows messages (Snare ExpandedString, NXLog $Message) → field keys. */
const RENDERED_LABELS: readonly [string, string][] = [
  ['RuleName', 'rulename'],
  ['UtcTime', 'utctime'],
  ['ProcessGuid', 'processguid'],
  ['ProcessId', 'processid'],
  ['Image', 'image'],
  ['FileVersion', 'fileversion'],
  ['Description', 'description'],
  ['Product', 'product'],
  ['Company', 'company'],
  ['OriginalFileName', 'originalfilename'],
  ['CommandLine', 'commandline'],
  ['CurrentDirectory', 'currentdirectory'],
  ['User', 'user'],
  ['LogonGuid', 'logonguid'],
  ['LogonId', 'logonid'],
  ['TerminalSessionId', 'terminalsessionid'],
  ['IntegrityLevel', 'integritylevel'],
  ['Hashes', 'hashes'],
  ['ParentProcessGuid', 'parentprocessguid'],
  ['ParentProcessId', 'parentprocessid'],
  ['ParentImage', 'parentimage'],
  ['ParentCommandLine', 'parentcommandline'],
  ['ParentUser', 'parentuser'],
  ['TargetFilename', 'targetfilename'],
  ['CreationUtcTime', 'creationutctime'],
  ['EventType', 'eventtype'],
  ['TargetObject', 'targetobject'],
  ['Details', 'details'],
  ['NewName', 'newname'],
  ['DestinationIp', 'destinationip'],
  ['DestinationPort', 'destinationport'],
  ['DestinationHostname', 'destinationhostname'],
  ['SourceIp', 'sourceip'],
  ['QueryName', 'queryname'],
  ['New Process Name', 'newprocessname'],
  ['Process Command Line', 'commandline'],
  ['Creator Process Name', 'parentprocessname'],
  ['Account Name', 'subjectusername'],
  ['Account Domain', 'subjectdomainname'],
  ['Object Name', 'objectname'],
  ['Object Value Name', 'objectvaluename'],
  ['New Value', 'newvalue'],
  ['Process Name', 'processname'],
  ['Application Name', 'application'],
  ['Destination Address', 'destaddress'],
  ['Destination Port', 'destport'],
  ['Share Name', 'sharename'],
  ['Relative Target Name', 'relativetargetname'],
  // Labels only used to end the value before them.
  ['Token Elevation Type', ''],
  ['New Process ID', ''],
  ['Creator Process ID', ''],
  ['Process ID', ''],
  ['Security ID', ''],
  ['Logon ID', ''],
  ['Mandatory Label', ''],
  ['Process Information', ''],
  ['Target Subject', ''],
  ['Creator Subject', ''],
  ['Operation Type', ''],
  ['Old Value Type', ''],
  ['Old Value', ''],
  ['New Value Type', ''],
  ['Handle ID', ''],
  ['Object Type', ''],
  ['Direction', ''],
  ['Source Address', 'sourceaddress'],
  ['Source Port', ''],
  ['Protocol', ''],
  ['Filter Run-Time ID', ''],
  ['Layer Name', ''],
  ['Network Information', ''],
  ['Share Path', ''],
  ['Access Mask', ''],
  ['Accesses', ''],
]

function parseRendered(text: string, f: Fields): void {
  const hits: { at: number; end: number; key: string }[] = []
  for (const [label, key] of RENDERED_LABELS) {
    const re = new RegExp(`(?:^|[\\s\\t])${label.replace(/ /g, '\\s+')}:[ \\t]*`, 'g')
    let n = 0
    for (let x = re.exec(text); x !== null && n < 4; x = re.exec(text), n++) {
      hits.push({ at: x.index, end: x.index + x[0].length, key })
    }
  }
  hits.sort((a, b) => a.at - b.at || b.end - a.end)
  // A shorter label found inside a longer one (`Process Name` in `New Process Name`) is not a label.
  const kept: typeof hits = []
  for (const h of hits) {
    const prev = kept[kept.length - 1]
    if (prev !== undefined && h.at < prev.end) continue
    kept.push(h)
  }
  for (let i = 0; i < kept.length; i++) {
    const h = kept[i]
    if (h === undefined) continue
    const v = text.slice(h.end, kept[i + 1]?.at ?? text.length).trim()
    if (h.key !== '' && !f.has(h.key)) f.set(h.key, v)
  }
}

function parseSnare(m: string, f: Fields): boolean {
  const i = m.indexOf('MSWinEventLog')
  if (i < 0) return false
  const parts = m.slice(i).split('\t')
  if (parts.length < 12) return false
  f.set('channel', parts[2] ?? '')
  f.set('eventid', parts[5] ?? '')
  f.set('provider', parts[6] ?? '')
  const user = parts[7] ?? ''
  if (user !== '' && user !== 'N/A') f.set('snareuser', user)
  f.set('computer', parts[10] ?? '')
  parseRendered(parts.slice(12, 14).join('\t'), f)
  return true
}

function get(f: Fields, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = f.get(k)
    if (v !== undefined && v !== '' && v !== '-') return v
  }
  return undefined
}

/** True when the message looks like a forwarded Windows event in one of the accepted forms. */
export function probeWindowsEvent(message: string): boolean {
  // Every accepted form names the event id with `Event` (EventID, EventCode, <Event, MSWinEventLog) or `event_id`.
  if (!message.includes('Event') && !message.includes('event_id')) return false
  return (
    (message.includes('<Event') && message.includes('<EventID')) ||
    message.includes('MSWinEventLog') ||
    /"(?:EventID|event_id)"\s*:/.test(message) ||
    /(?:^|\s)(?:EventID|EventCode|event_id)=/.test(message)
  )
}

type MutableHost = { -readonly [K in keyof HostFields]: HostFields[K] }

/** Sets a text field of the event when the record has it. */
function put(
  out: MutableHost,
  k: 'image' | 'command_line' | 'parent_image' | 'target_object' | 'details' | 'target_filename' | 'dest_ip' | 'user',
  v: string | undefined,
): void {
  if (v !== undefined) out[k] = v
}

/** Security-log subject as `DOMAIN\\user` (or Snare's user column). */
function subjectUser(f: Fields): string | undefined {
  const u = get(f, 'subjectusername')
  if (u === undefined) return get(f, 'snareuser')
  const dom = get(f, 'subjectdomainname')
  return dom !== undefined ? `${dom}\\${u}` : u
}

/**
 * Parses a forwarded Windows event. `fallbackHost` (syslog HOSTNAME) and `fallbackProvider` (APP-NAME)
 * fill in what the record does not carry. Returns undefined when the message is not one.
 */
export function parseWindowsEvent(
  message: string,
  fallbackHost: string | undefined,
  fallbackProvider?: string,
): HostFields | undefined {
  if (!probeWindowsEvent(message)) return undefined
  return parseProbedWindowsEvent(message, fallbackHost, fallbackProvider)
}

/** parseWindowsEvent for a message that probeWindowsEvent already accepted (the probe is not run again). */
export function parseProbedWindowsEvent(
  message: string,
  fallbackHost: string | undefined,
  fallbackProvider?: string,
): HostFields | undefined {
  if (message.length > MAX_HOST_MESSAGE_CHARS) return undefined
  const f: Fields = new Map()
  if (message.includes('<Event') && message.includes('<EventID')) parseXml(message, f)
  else if (message.includes('MSWinEventLog')) parseSnare(message, f)
  else if (message.trimStart().startsWith('{') || /^[^{]{0,200}\{\s*"/.test(message)) {
    if (!parseJson(message, f)) parseKeyValue(message, f)
  } else parseKeyValue(message, f)
  const idText = get(f, 'eventid', 'eventcode', 'id')
  if (idText === undefined || !/^\d{1,6}$/.test(idText)) return undefined
  const id = Number(idText)
  const providerName = get(f, 'provider', 'providername', 'sourcename')
  const prov =
    providerName !== undefined
      ? providerKey(providerName)
      : (fromChannel(get(f, 'channel')) ?? (fallbackProvider !== undefined ? providerKey(fallbackProvider) : 'windows'))
  const host = get(f, 'computer', 'computername', 'hostname', 'name') ?? fallbackHost ?? ''
  const out: {
    -readonly [K in keyof HostFields]: HostFields[K]
  } = { host, event_id: `${prov}:${id}`, action: 'other' }
  let action: HostAction = 'other'
  if (prov === 'sysmon') {
    put(out, 'image', get(f, 'image'))
    put(out, 'user', get(f, 'user'))
    switch (id) {
      case 1:
        action = 'process'
        put(out, 'command_line', get(f, 'commandline'))
        put(out, 'parent_image', get(f, 'parentimage'))
        break
      case 3: {
        action = 'network'
        put(out, 'dest_ip', get(f, 'destinationip'))
        const port = Number(get(f, 'destinationport'))
        if (Number.isInteger(port) && port >= 0 && port <= 65535) out.dest_port = port
        put(out, 'details', get(f, 'destinationhostname'))
        break
      }
      case 11:
      case 15:
        action = 'file-create'
        put(out, 'target_filename', get(f, 'targetfilename'))
        if (id === 15) put(out, 'details', get(f, 'contents'))
        break
      case 12:
      case 13:
      case 14:
        action = 'registry'
        put(out, 'target_object', get(f, 'targetobject'))
        // 12 carries no data: its EventType (CreateKey, DeleteValue...) is the detail.
        put(out, 'details', id === 14 ? get(f, 'newname') : id === 12 ? get(f, 'eventtype') : get(f, 'details'))
        break
      case 22:
        put(out, 'details', get(f, 'queryname'))
        break
    }
  } else if (prov === 'security') {
    put(out, 'user', subjectUser(f))
    switch (id) {
      case 4688:
        action = 'process'
        put(out, 'image', get(f, 'newprocessname'))
        put(out, 'command_line', get(f, 'commandline', 'processcommandline'))
        put(out, 'parent_image', get(f, 'parentprocessname'))
        break
      case 4657: {
        action = 'registry'
        put(out, 'image', get(f, 'processname'))
        const obj = get(f, 'objectname')
        const val = get(f, 'objectvaluename')
        put(out, 'target_object', obj !== undefined && val !== undefined ? `${obj}\\${val}` : obj)
        put(out, 'details', get(f, 'newvalue'))
        break
      }
      case 5156: {
        action = 'network'
        put(out, 'image', get(f, 'application'))
        put(out, 'dest_ip', get(f, 'destaddress'))
        const port = Number(get(f, 'destport'))
        if (Number.isInteger(port) && port >= 0 && port <= 65535) out.dest_port = port
        const src = get(f, 'sourceaddress')
        if (src !== undefined) out.host_ip = src
        break
      }
      case 5145: {
        const share = get(f, 'sharename')
        const rel = get(f, 'relativetargetname')
        put(out, 'target_filename', rel)
        put(out, 'details', share !== undefined ? `${share}\\${rel ?? ''}` : rel)
        const ip = get(f, 'ipaddress')
        if (ip !== undefined) put(out, 'dest_ip', ip)
        break
      }
    }
  } else if (prov === 'powershell') {
    if (id === 4104) {
      action = 'script'
      put(out, 'command_line', get(f, 'scriptblocktext'))
      put(out, 'details', get(f, 'path'))
    } else if (id === 4103) {
      put(out, 'details', get(f, 'payload'))
    }
  } else if (prov === 'bits' && id === 16403) {
    put(out, 'details', get(f, 'remotename', 'url'))
    put(out, 'target_filename', get(f, 'localname'))
  }
  out.action = action
  const tc = get(f, 'timecreated', 'utctime')
  if (tc !== undefined) {
    const ms = Date.parse(`${tc.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(tc) ? '' : 'Z'}`)
    if (Number.isFinite(ms)) out.ts = ms / 1000
  }
  return out
}
