/**
 * chain (T1105; T1570 when the transfer was internal): the behavioural correlation MITRE DET0060 AN0165 asks
 * for (Sysmon 3 → 11 → 1) and DET0183 AN0516 (share write followed by execution), per internal host within
 * `time_window`. Four links, joined on the host (by IP and by name through analytics/correlation/host-identity)
 * and on the file's basename (case-insensitive):
 *   (a) transfer: a transfer alert seen on the network (executable-download, tftp/ftp-transfer, finger,
 *       download-tool from a user agent, inbound-transfer, lateral-transfer, any T1105/T1570 alert with a file)
 *       or a FileEvent of an executable/script received by an internal host;
 *   (b) download_tool: a download-tool command line (the 'download-tool' alert raised from a HostEvent, or a
 *       process HostEvent whose command line is a known download cradle);
 *   (c) file_create: a file creation (Sysmon 11) of the transferred name;
 *   (d) execution: a process start (Sysmon 1, Security 4688) whose image is that file (the same path as (c)
 *       when both are known, and not earlier than (c) minus `clock_skew_s`).
 * A chain needs (a) or (b), at least one piece that names the file, and `min_links` links in a span of at most
 * `time_window`. Emission, chosen to give one alert per chain: a chain is emitted at once when all four links
 * are present; a partial chain (≥ min_links) is emitted once when its window has closed (onTick/onEnd) and
 * says which links are missing. The identifier is stable per chain (the first chain a piece was put in keeps
 * its id), so a later, larger chain re-uses it and is only re-emitted when it has more links than what was
 * emitted. The score is the highest part score plus `link_bonus` per link beyond the first.
 * Not handled: Sysmon 3 network events as a separate link (the network side is the sensor's own transfer
 * evidence), process trees (ParentProcessGuid), renames between creation and execution, host-side-only
 * lateral-transfer alerts as transfers (they are the Sysmon 11 event itself, counted once as file_create).
 */
import { EvidenceWindow } from '../correlation/evidence-window.js'
import {
  ARCHIVE_EXTENSIONS,
  basenameOf,
  extensionOf,
  namesInCommandLine,
  toolKind,
  toolKindOfName,
} from '../correlation/file-names.js'
import { HostIdentity, normalizeHostName } from '../correlation/host-identity.js'
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type {
  AlertEvent,
  AlertFile,
  ConnId,
  Evidence,
  FileEvent,
  HostEvent,
  ScoreFactor,
  SensorEvent,
} from '../events.js'

export interface ChainParams {
  /** Seconds: the longest span between the first and the last piece of one chain (default 30 min). */
  readonly time_window: number
  /** Links needed for an alert (2..4). */
  readonly min_links: number
  /** Points added per link beyond the first, over the highest part score. */
  readonly link_bonus: number
  /** Score of a piece that carries none (host events, FileEvents of scripts). */
  readonly host_piece_score: number
  /** Score of a FileEvent of an executable used as the transfer piece. */
  readonly file_piece_score: number
  /** Detection ids whose alerts are network transfers (link a). */
  readonly transfer_detections: readonly string[]
  /** Seconds an execution may precede its file creation (clock differences between log sources). */
  readonly clock_skew_s: number
  /** Seconds after a window closes before a partial chain is emitted (late syslog). */
  readonly grace_s: number
  /** Most pieces kept per host and link kind. */
  readonly max_pieces_per_host: number
  /** Most host keys kept (oldest dropped). */
  readonly max_hosts: number
  /** Most chains pending or remembered as emitted. */
  readonly max_chains: number
  /** Seconds the sink suppresses the same identifier. */
  readonly suppress_for_s: number
}

export type ChainLink = 'transfer' | 'download_tool' | 'file_create' | 'execution'
/** Score floor of a chain with three or more links (critical). */
const CRITICAL_FLOOR = 85
const LINKS: readonly ChainLink[] = ['transfer', 'download_tool', 'file_create', 'execution']

interface Piece {
  /** Stable id: the same evidence seen twice (an event and the alert about it) has one id. */
  readonly id: string
  readonly link: ChainLink
  readonly ts: number
  readonly source: string
  readonly what: string
  /** File basenames (lower case) this piece is about; empty = unnamed (joins by host and time only). */
  readonly names: readonly string[]
  /** Full path, lower case (file_create, execution). */
  readonly path?: string
  readonly score: number
  readonly hostNames: readonly string[]
  readonly hostIps: readonly string[]
  /** Transfer between two internal hosts. */
  readonly internal?: boolean
  readonly detection?: string
  readonly conn?: ConnId
  readonly file?: AlertFile
  readonly host?: string
}

interface ChainState {
  readonly id: string
  readonly name: string
  pieces: Map<ChainLink, Piece>
  anchorTs: number
  emittedLinks: number
}

/** Command lines of download cradles (a minimal set for link b when no download-tool alert is present). */
const DOWNLOAD_CRADLE =
  /certutil(\.exe)?["']?\s.*(-|\/)(urlcache|verifyctl|url)\b|bitsadmin(\.exe)?["']?\s.*\/(transfer|addfile)\b|\b(curl|wget)(\.exe)?["']?\s.*https?:\/\/|invoke-webrequest|\biwr\s|invoke-restmethod|\birm\s|downloadfile\(|downloadstring\(|start-bitstransfer|\bfinger(\.exe)?["']?\s+\S*@|\btftp(\.exe)?["']?\s.*\bget\b|\bftp(\.exe)?["']?\s.*-s:|mpcmdrun(\.exe)?["']?\s.*-downloadfile|desktopimgdownldr/i

const SYSTEM_DIRS = /^[a-z]:\\windows\\(system32|syswow64|winsxs)\\/i

const definition = defineDetection<ChainParams>({
  id: 'chain',
  title: 'Tool transfer chain on one host: transfer, download command, file creation, execution',
  description:
    'Within a time window on one internal host, the sensor linked a network transfer of a file, a download-tool ' +
    'command line, the creation of that file and its execution (MITRE DET0060 AN0165, DET0183 AN0516). The alert ' +
    'lists every piece and which links are missing; it scores above any of its parts.',
  severity: 'high',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: [
    'attack.command-and-control',
    'attack.t1105',
    'attack.t1570',
    'mitre.det0060',
    'mitre.an0165',
    'mitre.det0183',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://attack.mitre.org/detectionstrategies/DET0060',
    'https://attack.mitre.org/detectionstrategies/DET0183',
  ],
  falsePositives: [
    'Software updaters (OneDrive, browsers) that download, write and run their own installers; DET0060 suggests tuning on the parent process.',
    'Administrators deploying tools with certutil/bitsadmin on purpose.',
  ],
  inputs: ['alert', 'file', 'host', 'dns', 'syslog'],
  params: {
    time_window: 1800,
    min_links: 2,
    link_bonus: 10,
    host_piece_score: 30,
    file_piece_score: 40,
    transfer_detections: [
      'executable-download',
      'tftp-transfer',
      'ftp-transfer',
      'finger-transfer',
      'finger',
      'download-tool',
      'inbound-transfer',
      'lateral-transfer',
      'raw-pe-push',
    ],
    clock_skew_s: 120,
    grace_s: 60,
    max_pieces_per_host: 32,
    max_hosts: 20_000,
    max_chains: 10_000,
    suppress_for_s: 3600,
  },
  create(p, ctx) {
    return new Chain(p, ctx)
  },
})

export default definition

function boundedSet<K, V>(m: Map<K, V>, k: K, v: V, cap: number): void {
  if (!m.has(k) && m.size >= cap) {
    const first = m.keys().next()
    if (!first.done) m.delete(first.value)
  }
  m.set(k, v)
}

/** String values of an alert's details and evidence that look like command lines. */
function commandLinesOf(a: AlertEvent): string[] {
  const out: string[] = []
  const cl = a.details?.command_line
  if (typeof cl === 'string') out.push(cl)
  for (const e of a.evidence.slice(0, 16)) {
    if (typeof e.command_line === 'string') out.push(e.command_line)
  }
  return out
}

/** File basenames an alert names: its file, and URL/output/path fields of its details. */
function namesOfAlert(a: AlertEvent): string[] {
  const out = new Set<string>()
  if (a.file?.name !== undefined) out.add(basenameOf(a.file.name))
  for (const k of ['url', 'uri', 'output', 'path', 'filename']) {
    const v = a.details?.[k]
    if (typeof v === 'string' && v !== '') out.add(basenameOf(v))
  }
  const urls = a.details?.urls
  if (typeof urls === 'string') for (const u of urls.split(' ').slice(0, 8)) out.add(basenameOf(u))
  out.delete('')
  return [...out].filter((n) => /\.[a-z0-9]{1,5}$/.test(n)).slice(0, 8)
}

class Chain {
  private readonly identity: HostIdentity
  private readonly windows: Record<ChainLink, EvidenceWindow<Piece>>
  private readonly chains = new Map<string, ChainState>()
  /** Piece id → chain id, so a chain keeps its identifier as pieces join it. */
  private readonly pieceChain = new Map<string, string>()
  /** Chain id → links already emitted. */
  private readonly emitted = new Map<string, number>()
  private lastExpire = Number.NEGATIVE_INFINITY
  private maxTs = Number.NEGATIVE_INFINITY

  constructor(
    private readonly p: ChainParams,
    private readonly ctx: DetectionContext,
  ) {
    this.identity = new HostIdentity({ internal: ctx.internal })
    const o = { windowS: 2 * p.time_window + p.grace_s, maxPerKey: p.max_pieces_per_host, maxKeys: p.max_hosts }
    this.windows = {
      transfer: new EvidenceWindow(o),
      download_tool: new EvidenceWindow(o),
      file_create: new EvidenceWindow(o),
      execution: new EvidenceWindow(o),
    }
  }

  onEvent(ev: SensorEvent): AlertEvent[] | undefined {
    this.identity.observe(ev)
    if (ev.ts > this.maxTs) this.maxTs = ev.ts
    let pieces: Piece[] = []
    switch (ev.kind) {
      case 'alert':
        pieces = this.fromAlert(ev)
        break
      case 'file':
        pieces = this.fromFile(ev)
        break
      case 'host':
        pieces = this.fromHost(ev)
        break
      default:
        return undefined
    }
    const out: AlertEvent[] = []
    for (const pc of pieces) {
      this.store(pc)
      out.push(...this.evaluate(pc))
    }
    return out.length > 0 ? out : undefined
  }

  onTick(ts: number): AlertEvent[] | undefined {
    const out = this.flush(ts, false)
    if (ts - this.lastExpire >= 60) {
      this.lastExpire = ts
      for (const l of LINKS) this.windows[l].expire(ts)
    }
    return out.length > 0 ? out : undefined
  }

  onEnd(ts: number): AlertEvent[] | undefined {
    const out = this.flush(Math.max(ts, this.maxTs), true)
    return out.length > 0 ? out : undefined
  }

  // --- pieces -------------------------------------------------------------------------------------------

  private fromAlert(a: AlertEvent): Piece[] {
    if (a.detection === definition.id) return []
    const fromHost = a.uid === undefined && a.host !== undefined
    if (a.detection === 'download-tool' && fromHost) {
      const cmds = commandLinesOf(a)
      const names = new Set<string>()
      for (const c of cmds) for (const n of namesInCommandLine(c)) names.add(n)
      for (const n of namesOfAlert(a)) names.add(n)
      return [
        {
          id: `b:${normalizeHostName(a.host ?? '')}:${a.ts}`,
          link: 'download_tool',
          ts: a.ts,
          source: a.source,
          what: `${a.detection}: ${cmds[0] ?? a.message}`,
          names: [...names],
          score: a.score,
          hostNames: a.host ? [a.host] : [],
          hostIps: a.orig_h ? [a.orig_h] : [],
          detection: a.detection,
          host: a.host ?? '',
        },
      ]
    }
    // Host-side lateral evidence is the Sysmon 11 / 5145 event itself, counted as file_create.
    if (fromHost && a.detection === 'lateral-transfer') return []
    const isTransfer =
      this.p.transfer_detections.includes(a.detection) ||
      (a.file !== undefined && (a.technique === 'T1105' || a.technique === 'T1570'))
    if (!isTransfer) return []
    const receiver = a.file?.direction === 'upload' ? a.resp_h : a.orig_h
    if (receiver === undefined && a.host === undefined) return []
    const names = namesOfAlert(a)
    const name = names[0] ?? ''
    const conn: ConnId | undefined =
      a.uid !== undefined && a.orig_h !== undefined && a.resp_h !== undefined
        ? {
            uid: a.uid,
            orig_h: a.orig_h,
            orig_p: a.orig_p ?? 0,
            resp_h: a.resp_h,
            resp_p: a.resp_p ?? 0,
            proto: a.proto ?? 'tcp',
          }
        : undefined
    const internal =
      a.technique === 'T1570' ||
      (a.orig_h !== undefined &&
        a.resp_h !== undefined &&
        this.ctx.internal.has(a.orig_h) &&
        this.ctx.internal.has(a.resp_h))
    return [
      {
        id: `a:${a.uid ?? normalizeHostName(a.host ?? '')}:${name}`,
        link: 'transfer',
        ts: a.ts,
        source: a.source,
        what: `${a.detection} (${a.technique}, score ${a.score}): ${a.message}`,
        names,
        score: a.score,
        hostNames: a.host !== undefined && a.uid === undefined ? [a.host] : [],
        hostIps: receiver !== undefined ? [receiver] : [],
        internal,
        detection: a.detection,
        ...(conn ? { conn } : {}),
        ...(a.file ? { file: a.file } : {}),
      },
    ]
  }

  private fromFile(f: FileEvent): Piece[] {
    const kind = toolKind(f.type, f.name)
    if (kind === undefined) return []
    const receiver = f.sender_is_orig ? f.resp_h : f.orig_h
    const sender = f.sender_is_orig ? f.orig_h : f.resp_h
    if (!this.ctx.internal.has(receiver)) return []
    const name = f.name !== undefined ? basenameOf(f.name) : ''
    const file: AlertFile = {
      direction: f.direction,
      bytes: f.bytes,
      type: f.type,
      complete: f.complete,
      ...(f.name !== undefined ? { name: f.name } : {}),
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
    }
    return [
      {
        id: `a:${f.uid}:${name}`,
        link: 'transfer',
        ts: f.ts,
        source: f.source,
        what: `${f.file_proto.toUpperCase()} ${f.direction} of ${f.name ?? '(unnamed)'} (${f.type}, ${f.bytes} bytes) from ${sender} to ${receiver}.`,
        names: name === '' ? [] : [name],
        score: kind === 'executable' ? this.p.file_piece_score : this.p.host_piece_score,
        hostNames: [],
        hostIps: [receiver],
        internal: this.ctx.internal.has(sender),
        conn: f,
        file,
      },
    ]
  }

  private fromHost(h: HostEvent): Piece[] {
    const hostNames = [h.host]
    const hostIps = h.host_ip !== undefined ? [h.host_ip] : []
    const hostKey = normalizeHostName(h.host)
    const out: Piece[] = []
    if (h.action === 'process') {
      const cmd = h.command_line ?? ''
      if (cmd !== '' && DOWNLOAD_CRADLE.test(cmd.slice(0, 8192))) {
        out.push({
          id: `b:${hostKey}:${h.ts}`,
          link: 'download_tool',
          ts: h.ts,
          source: h.source,
          what: `${h.event_id} command line: ${cmd.slice(0, 512)}`,
          names: namesInCommandLine(cmd),
          score: this.p.host_piece_score,
          hostNames,
          hostIps,
          host: h.host,
        })
      }
      const image = h.image ?? ''
      // System binaries are never "the transferred tool" (they are the download tools themselves).
      if (image !== '' && !SYSTEM_DIRS.test(image)) {
        out.push({
          id: `d:${hostKey}:${h.ts}:${image.toLowerCase()}`,
          link: 'execution',
          ts: h.ts,
          source: h.source,
          what: `${h.event_id} process start: ${image}${cmd !== '' ? ` (${cmd.slice(0, 256)})` : ''}`,
          names: [basenameOf(image)],
          path: image.toLowerCase(),
          score: this.p.host_piece_score,
          hostNames,
          hostIps,
          host: h.host,
        })
      }
    } else if (h.action === 'file-create' && h.target_filename !== undefined) {
      const t = h.target_filename
      if (toolKindOfName(t) !== undefined || ARCHIVE_EXTENSIONS.has(extensionOf(t))) {
        out.push({
          id: `c:${hostKey}:${h.ts}:${t.toLowerCase()}`,
          link: 'file_create',
          ts: h.ts,
          source: h.source,
          what: `${h.event_id} file created: ${t}${h.image ? ` by ${h.image}` : ''}`,
          names: [basenameOf(t)],
          path: t.toLowerCase(),
          score: this.p.host_piece_score,
          hostNames,
          hostIps,
          host: h.host,
        })
      }
    }
    return out
  }

  /** Direct keys of a piece (no identity lookups). */
  private directKeys(pc: Piece): string[] {
    const keys: string[] = []
    for (const n of pc.hostNames) {
      const k = normalizeHostName(n)
      if (k !== '') keys.push(k.includes('.') || k.includes(':') ? `ip:${k}` : `name:${k}`)
    }
    for (const ip of pc.hostIps) keys.push(`ip:${ip.toLowerCase()}`)
    return keys
  }

  private store(pc: Piece): void {
    const w = this.windows[pc.link]
    for (const k of this.directKeys(pc)) {
      // The same evidence twice (a HostEvent and the alert about it, a FileEvent and its alerts): keep the best.
      w.add(k, pc, (x) => x.id === pc.id && x.score <= pc.score)
    }
  }

  // --- correlation ------------------------------------------------------------------------------------------

  private evaluate(trigger: Piece): AlertEvent[] {
    const W = this.p.time_window
    const aliases = this.identity.aliases(trigger.hostNames, trigger.hostIps, trigger.ts)
    const near = new Map<ChainLink, Piece[]>()
    for (const l of LINKS) {
      const seen = new Map<string, Piece>()
      for (const k of aliases) {
        for (const x of this.windows[l].get(k)) {
          if (Math.abs(x.ts - trigger.ts) > W) continue
          const prev = seen.get(x.id)
          if (!prev || prev.score < x.score) seen.set(x.id, x)
        }
      }
      near.set(l, [...seen.values()])
    }
    let names: string[] = [...trigger.names]
    if (names.length === 0) {
      const s = new Set<string>()
      for (const l of ['transfer', 'download_tool'] as const)
        for (const x of near.get(l) ?? []) for (const n of x.names) s.add(n)
      names = [...s]
    }
    const out: AlertEvent[] = []
    for (const name of names.slice(0, 8)) {
      const picked = this.pick(name, near, trigger)
      if (!picked) continue
      const a = this.record(name, picked)
      if (a) out.push(a)
    }
    return out
  }

  /** One piece per link for `name`, within one window, or undefined when no chain is possible. */
  private pick(name: string, near: Map<ChainLink, Piece[]>, trigger: Piece): Map<ChainLink, Piece> | undefined {
    const matches = (x: Piece, strict: boolean) => (x.names.length === 0 ? !strict : x.names.includes(name))
    const chosen = new Map<ChainLink, Piece>()
    for (const l of LINKS) {
      const strict = l === 'file_create' || l === 'execution'
      let best: Piece | undefined
      for (const x of near.get(l) ?? []) {
        if (!matches(x, strict)) continue
        // Prefer named pieces, then higher scores, then closeness to the trigger.
        const rank = (y: Piece) =>
          (y.names.length > 0 ? 1e6 : 0) + y.score * 1000 - Math.min(999, Math.abs(y.ts - trigger.ts) / 10)
        if (!best || rank(x) > rank(best)) best = x
      }
      if (best) chosen.set(l, best)
    }
    const c = chosen.get('file_create')
    const d = chosen.get('execution')
    if (
      c &&
      d &&
      ((c.path !== undefined && d.path !== undefined && c.path !== d.path) || d.ts < c.ts - this.p.clock_skew_s)
    ) {
      // The created file is tied to the transfer by name and time; a run of another path is not its execution.
      chosen.delete('execution')
    }
    // Keep the span within the window: drop the piece farthest from the trigger until it fits.
    for (;;) {
      const ps = [...chosen.values()]
      const lo = Math.min(...ps.map((x) => x.ts))
      const hi = Math.max(...ps.map((x) => x.ts))
      if (hi - lo <= this.p.time_window || ps.length <= 1) break
      let far: Piece | undefined
      for (const x of ps)
        if (x !== trigger && (!far || Math.abs(x.ts - trigger.ts) > Math.abs(far.ts - trigger.ts))) far = x
      if (!far) break
      chosen.delete(far.link)
    }
    if (!chosen.has('transfer') && !chosen.has('download_tool')) return undefined
    if (![...chosen.values()].some((x) => x.names.includes(name))) return undefined
    if (chosen.size < Math.max(2, this.p.min_links)) return undefined
    return chosen
  }

  /** Files the picked pieces under their chain; returns an alert when a complete chain is new or grew. */
  private record(name: string, picked: Map<ChainLink, Piece>): AlertEvent | undefined {
    let id: string | undefined
    for (const x of picked.values()) {
      const c = this.pieceChain.get(x.id)
      if (c !== undefined && this.pieceChainName(c) === name) {
        id = c
        break
      }
    }
    const anchorTs = Math.min(...[...picked.values()].map((x) => x.ts))
    if (id === undefined) {
      const first = [...picked.values()].sort((x, y) => x.ts - y.ts)[0]
      id = `chain:${name}:${first?.id ?? anchorTs}`
    }
    for (const x of picked.values()) boundedSet(this.pieceChain, x.id, id, this.p.max_chains * 4)
    const st = this.chains.get(id)
    if (!st || picked.size >= st.pieces.size) {
      boundedSet(
        this.chains,
        id,
        { id, name, pieces: picked, anchorTs, emittedLinks: st?.emittedLinks ?? 0 },
        this.p.max_chains,
      )
    }
    const cur = this.chains.get(id)
    if (!cur) return undefined
    const done = this.emitted.get(id) ?? 0
    if (cur.pieces.size === LINKS.length && done < LINKS.length) return this.emit(cur)
    return undefined
  }

  private pieceChainName(id: string): string {
    return id.slice('chain:'.length, id.indexOf(':', 'chain:'.length))
  }

  /** Emits partial chains whose window closed (all of them at end of input). */
  private flush(now: number, all: boolean): AlertEvent[] {
    const out: AlertEvent[] = []
    for (const [id, st] of this.chains) {
      if (!all && now <= st.anchorTs + this.p.time_window + this.p.grace_s) continue
      const done = this.emitted.get(id) ?? 0
      if (st.pieces.size > done && st.pieces.size >= Math.max(2, this.p.min_links)) out.push(this.emit(st))
      this.chains.delete(id)
    }
    return out
  }

  private emit(st: ChainState): AlertEvent {
    boundedSet(this.emitted, st.id, st.pieces.size, this.p.max_chains)
    st.emittedLinks = st.pieces.size
    const p = this.p
    const present = LINKS.filter((l) => st.pieces.has(l))
    const missing = LINKS.filter((l) => !st.pieces.has(l))
    const ordered = [...st.pieces.values()].sort((a, b) => a.ts - b.ts)
    const maxPart = Math.max(...ordered.map((x) => x.score))
    const bonus = p.link_bonus * (present.length - 1)
    const factors: ScoreFactor[] = [
      { factor: 'highest_part', points: maxPart, value: ordered.find((x) => x.score === maxPart)?.link ?? '' },
      { factor: 'links', points: bonus, value: present.length },
    ]
    let score = Math.min(100, maxPart + bonus)
    const reasons = [`highest part score ${maxPart}`, `${present.length} links (+${bonus})`]
    // Three or more links of one chain are several strong indicators together: critical (docs/alerts.md); two
    // links (a download and its file, say) confirm one indicator and stay below critical.
    if (present.length < 3 && score >= CRITICAL_FLOOR) {
      factors.push({ factor: 'two_links', points: CRITICAL_FLOOR - 1 - score, value: present.length })
      reasons.push(`only ${present.length} links: at most ${CRITICAL_FLOOR - 1} (${CRITICAL_FLOOR - 1 - score})`)
      score = CRITICAL_FLOOR - 1
    }
    if (present.length >= 3 && score < CRITICAL_FLOOR) {
      factors.push({ factor: 'three_links', points: CRITICAL_FLOOR - score, value: present.length })
      reasons.push(`${present.length} links of one chain: at least ${CRITICAL_FLOOR} (+${CRITICAL_FLOOR - score})`)
      score = CRITICAL_FLOOR
    }
    const transfer = st.pieces.get('transfer')
    const internal = transfer?.internal === true
    const hostPiece = ordered.find((x) => x.host !== undefined && x.host !== '')
    const hostLabel = hostPiece?.host ?? transfer?.hostIps[0] ?? ''
    const evidence: Evidence[] = ordered.map((x) => ({
      ts: x.ts,
      source: x.source,
      what: x.what,
      link: x.link,
      ...(x.detection !== undefined ? { detection: x.detection } : {}),
      ...(x.conn !== undefined ? { uid: x.conn.uid } : {}),
    }))
    const file: AlertFile | undefined =
      transfer?.file ??
      (st.name !== '' ? { name: st.name, direction: 'download', bytes: 0, type: 'unknown' } : undefined)
    return makeAlert(definition, this.ctx, {
      ts: ordered[ordered.length - 1]?.ts ?? st.anchorTs,
      source: ordered[ordered.length - 1]?.source ?? 'chain',
      message:
        `${present.length} of 4 links of a tool ${internal ? 'lateral transfer' : 'transfer'} chain for ${st.name} on ${hostLabel}: ` +
        `${present.join(', ')}${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}.`,
      score,
      reasons: [...reasons, ...(missing.length > 0 ? [`missing: ${missing.join(', ')}`] : ['complete chain'])],
      score_factors: factors,
      evidence,
      identifier: st.id,
      technique: internal ? 'T1570' : 'T1105',
      tactic: internal ? 'lateral-movement' : 'command-and-control',
      ...(transfer?.conn !== undefined ? { conn: transfer.conn } : {}),
      ...(hostPiece?.host !== undefined ? { host: hostPiece.host } : {}),
      ...(file !== undefined ? { file } : {}),
      details: {
        file_name: st.name,
        links: present.length,
        complete: missing.length === 0,
        links_present: present.join(','),
        links_missing: missing.join(','),
        transfer: st.pieces.has('transfer'),
        download_tool: st.pieces.has('download_tool'),
        file_create: st.pieces.has('file_create'),
        execution: st.pieces.has('execution'),
        window_s: p.time_window,
        ...(transfer?.hostIps[0] !== undefined ? { host_ip: transfer.hostIps[0] } : {}),
      },
      suppress_for: p.suppress_for_s,
    })
  }
}
