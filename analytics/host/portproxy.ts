/**
 * netsh portproxy commands and PortProxy registry writes, parsed without interpretation of anything else
 * (https://learn.microsoft.com/windows-server/networking/technologies/netsh/netsh-interface-portproxy).
 * netsh resolves every token by case-insensitive prefix (`netsh I p a v l=8001 c=…` is `interface
 * portproxy add v4tov4 listenport=8001 connectaddress=…`), taking the first name in its own order when a
 * prefix is shared (`v` → v4tov4, `l` → listenport, `c` → connectaddress), and accepts parameters by
 * position (listenport, connectaddress, connectport, listenaddress, protocol). Registry form:
 * `HKLM\SYSTEM\CurrentControlSet\Services\PortProxy\v?tov?\tcp\<listenaddr>/<listenport>` =
 * `<connectaddr>/<connectport>` (any case). Not handled: netsh scripts run with `netsh -f file` or
 * `exec`, and interactive netsh sessions (the commands are not on the command line).
 */

export type PortproxyVerb = 'add' | 'set' | 'delete' | 'reset' | 'show' | 'dump' | 'help'
export type PortproxyContext = 'v4tov4' | 'v4tov6' | 'v6tov4' | 'v6tov6'

export interface PortproxyChange {
  readonly verb: PortproxyVerb
  readonly context?: PortproxyContext
  readonly listen_address?: string
  readonly listen_port?: string
  readonly connect_address?: string
  readonly connect_port?: string
  readonly protocol?: string
  /** True when any token was abbreviated (or parameters given by position). */
  readonly abbreviated: boolean
  /** The netsh command text as found (from the netsh token on). */
  readonly command: string
}

const PARAMS = ['listenport', 'connectaddress', 'connectport', 'listenaddress', 'protocol'] as const
type Param = (typeof PARAMS)[number]
const CONTEXTS: readonly PortproxyContext[] = ['v4tov4', 'v4tov6', 'v6tov4', 'v6tov6']

/** First name in `names` that `tok` is a case-insensitive prefix of. */
function byPrefix<T extends string>(tok: string, names: readonly T[]): T | undefined {
  const t = tok.toLowerCase()
  if (t === '') return undefined
  return names.find((n) => n.startsWith(t))
}

/** Splits a command line into tokens, honouring double quotes (cmd/CreateProcess style). */
export function tokenizeCommandLine(cmd: string, maxTokens = 512): string[] {
  const out: string[] = []
  let cur = ''
  let inQ = false
  let has = false
  for (let i = 0; i < cmd.length && out.length < maxTokens; i++) {
    const c = cmd[i] ?? ''
    if (c === '"') {
      inQ = !inQ
      has = true
    } else if (!inQ && (c === ' ' || c === '\t' || c === '\n' || c === '\r')) {
      if (has) out.push(cur)
      cur = ''
      has = false
    } else {
      cur += c
      has = true
    }
  }
  if (has && out.length < maxTokens) out.push(cur)
  return out
}

function isNetsh(tok: string): boolean {
  return /(?:^|[\\/&|;('])netsh(?:\.exe)?$/i.test(tok)
}

/** Finds every `netsh interface portproxy …` command in a command line or script text. */
export function findPortproxyCommands(text: string): PortproxyChange[] {
  if (!/netsh/i.test(text)) return []
  const toks = tokenizeCommandLine(text.replace(/[&|;]+/g, (m) => ` ${m} `))
  const out: PortproxyChange[] = []
  for (let i = 0; i < toks.length && out.length < 16; i++) {
    if (!isNetsh(toks[i] ?? '')) continue
    let j = i + 1
    // Global options: -a alias, -c context, -r remote, -u user, -p password, -f file.
    while (j < toks.length && /^-[acrupf]$/i.test(toks[j] ?? '')) j += 2
    const t1 = toks[j] ?? ''
    const t2 = toks[j + 1] ?? ''
    const t3 = toks[j + 2] ?? ''
    if (byPrefix(t1, ['interface']) === undefined || byPrefix(t2, ['portproxy']) === undefined) continue
    let abbreviated = t1.toLowerCase() !== 'interface' || t2.toLowerCase() !== 'portproxy'
    const verbTok = t3.toLowerCase()
    let verb: PortproxyVerb | undefined = byPrefix(verbTok, ['add', 'delete', 'dump', 'help', 'reset', 'set', 'show'])
    const rest: string[] = []
    let k = j + 3
    while (k < toks.length && !/^[&|;]+$/.test(toks[k] ?? '') && !isNetsh(toks[k] ?? '')) rest.push(toks[k++] ?? '')
    // A bare `d`/`s` is ambiguous in netsh's table; with parameters it can only be delete/set.
    const hasParams = rest.length > 1
    if (verbTok === 'd') verb = hasParams ? 'delete' : 'dump'
    if (verbTok === 's') verb = hasParams ? 'set' : 'show'
    if (verb === undefined) continue
    if (verbTok !== verb) abbreviated = true
    let context: PortproxyContext | undefined
    let params = rest
    if (verb === 'add' || verb === 'set' || verb === 'delete' || verb === 'show') {
      const c = rest[0] !== undefined ? byPrefix(rest[0], CONTEXTS) : undefined
      if (c !== undefined) {
        context = c
        if ((rest[0] ?? '').toLowerCase() !== c) abbreviated = true
        params = rest.slice(1)
      }
    }
    const vals: Partial<Record<Param, string>> = {}
    let pos = 0
    if (verb !== 'add' && verb !== 'set' && verb !== 'delete') params = []
    for (const p of params.slice(0, 16)) {
      const eq = p.indexOf('=')
      if (eq > 0) {
        const name = byPrefix(p.slice(0, eq), PARAMS)
        if (name === undefined) continue
        if (p.slice(0, eq).toLowerCase() !== name) abbreviated = true
        vals[name] = p.slice(eq + 1)
      } else {
        const name = PARAMS[pos++]
        if (name === undefined) break
        vals[name] = p
        abbreviated = true
      }
    }
    const change: {
      -readonly [K in keyof PortproxyChange]: PortproxyChange[K]
    } = { verb, abbreviated, command: toks.slice(i, k).join(' ') }
    if (context !== undefined) change.context = context
    if (vals.listenaddress !== undefined) change.listen_address = vals.listenaddress
    if (vals.listenport !== undefined) change.listen_port = vals.listenport
    if (vals.connectaddress !== undefined) change.connect_address = vals.connectaddress
    if (vals.connectport !== undefined) change.connect_port = vals.connectport
    if (vals.protocol !== undefined) change.protocol = vals.protocol
    out.push(change)
    i = k - 1
  }
  return out
}

const REG = /\\Services\\PortProxy\\(v[46]tov[46])\\(tcp|udp)\\([^\\]+)\/([^\\/]+)$/i

/** A PortProxy registry entry: the key path names the listen side, the value data the connect side. */
export interface PortproxyRegistryEntry {
  readonly context: PortproxyContext
  readonly protocol: string
  readonly listen_address: string
  readonly listen_port: string
  readonly connect_address?: string
  readonly connect_port?: string
}

/** Parses a registry target (and value data) under `…\Services\PortProxy\`; undefined otherwise. */
export function parsePortproxyRegistry(
  targetObject: string,
  valueData: string | undefined,
): PortproxyRegistryEntry | undefined {
  const m = REG.exec(targetObject)
  if (m === null) return undefined
  const out: { -readonly [K in keyof PortproxyRegistryEntry]: PortproxyRegistryEntry[K] } = {
    context: (m[1] ?? 'v4tov4').toLowerCase() as PortproxyContext,
    protocol: (m[2] ?? 'tcp').toLowerCase(),
    listen_address: m[3] ?? '',
    listen_port: m[4] ?? '',
  }
  const d = valueData !== undefined ? /^\s*([^\s/]+)\/(\S+)\s*$/.exec(valueData) : null
  if (d !== null) {
    out.connect_address = d[1] ?? ''
    out.connect_port = d[2] ?? ''
  }
  return out
}

/** True when `targetObject` is anywhere under a PortProxy key. */
export function isPortproxyKey(targetObject: string): boolean {
  return /\\Services\\PortProxy(?:\\|$)/i.test(targetObject)
}
