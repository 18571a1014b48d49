/**
 * lateral-transfer (T1570): an executable or script moved between two internal hosts, over SMB (writes to
 * shares, reads of executables from shares), HTTP, FTP or TFTP, from the file pipeline's FileEvents; plus the
 * host-side signatures of a remote copy: Sysmon 11 FileCreate by Image "System" (the SMB server writing a file
 * for a remote client, EVTX-ATTACK-SAMPLES remote_file_copy_system_proc_file_write_sysmon_11) and Security 5145
 * on ADMIN$/C$ with an executable relative target (Sigma win_security_impacket_psexec). Scored higher for admin
 * shares (`X$`), for executables over scripts, for a complete file, and when the same file name or SHA-256
 * earlier came in from outside (a bounded, time-windowed memory of inbound FileEvents and T1105 alerts' files):
 * the tool was first brought in (T1105) and is now being spread (MITRE DET0183 AN0516, ET 2025699-2025709).
 * SMB reads covering less than half of a file (Explorer/AV reading headers of executables on a share) are
 * not transfers. Not handled: SMB file renames (a copy as `x.tmp` renamed to `x.exe`), DCE/RPC service creation, transfers
 * seen only as flow records (no file content).
 */
import { EvidenceWindow } from '../correlation/evidence-window.js'
import { basenameOf, extensionOf, toolKind, toolKindOfName } from '../correlation/file-names.js'
import { normalizeHostName } from '../correlation/host-identity.js'
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, Evidence, FileEvent, HostEvent, ScoreFactor, SensorEvent } from '../events.js'
import { AddressSet } from '../net/address-set.js'
import { alertFileOf } from './alert-file.js'

export interface LateralTransferParams {
  /** Seconds an inbound (external → internal) file is remembered for the "came in from outside" factor. */
  readonly outside_memory_s: number
  /** Most inbound files remembered (by name and by hash each). */
  readonly outside_memory_max: number
  /** Base score of an internal transfer of a tool-like file. */
  readonly base_score: number
  /** Points for a PE/ELF/Mach-O/MSI/JAR (executable) rather than a script. */
  readonly executable_points: number
  /** Points for an administrative share (`ADMIN$`, `C$`, any `X$` disk share). */
  readonly admin_share_points: number
  /** Points when the same file name came in from outside within outside_memory_s. */
  readonly seen_outside_name_points: number
  /** Points when the same SHA-256 came in from outside within outside_memory_s. */
  readonly seen_outside_hash_points: number
  /** Base score of the host-side signatures (Sysmon 11 by System, Security 5145). */
  readonly host_signal_score: number
  /** Seconds during which the same identifier is one alert (applied by the sink). */
  readonly suppress_for_s: number
  /** Hosts (CIDRs) that distribute software on purpose (SCCM, WSUS, build servers): their transfers do not alert. */
  readonly allowed_senders: readonly string[]
}

const ADMIN_SHARE = /\\([a-z]\$|admin\$)(\\|$)/i

/** The share part (`\\host\share`) of an SMB FileEvent, from its context or its name. */
function shareOf(f: FileEvent): string | undefined {
  const s = f.context?.share
  if (typeof s === 'string' && s !== '') return s
  const m = /^(\\\\[^\\]+\\[^\\]+)/.exec(f.name ?? '')
  return m?.[1]
}

interface Remembered {
  readonly ts: number
  readonly name?: string
  readonly sha256?: string
  /** Where it came from, for the evidence line. */
  readonly from: string
  readonly to: string
}

const definition = defineDetection<LateralTransferParams>({
  id: 'lateral-transfer',
  title: 'Executable or script transferred between internal hosts',
  description:
    'An internal host copied an executable or script to or from another internal host (SMB share write or read, ' +
    'HTTP, FTP, TFTP), or a Windows host logged a remote file copy of an executable (Sysmon 11 by System, ' +
    'Security 5145 on an administrative share). Raised further for administrative shares and when the same file ' +
    'name or hash earlier came in from outside.',
  severity: 'high',
  technique: 'T1570',
  tactic: 'lateral-movement',
  tags: ['attack.lateral-movement', 'attack.t1570', 'attack.t1021.002', 'mitre.det0183', 'mitre.an0516'],
  references: [
    'https://attack.mitre.org/techniques/T1570/',
    'https://attack.mitre.org/detectionstrategies/DET0183',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/security/win_security_impacket_psexec.yml',
    'https://github.com/sbousseaden/EVTX-ATTACK-SAMPLES/tree/master/Lateral%20Movement',
  ],
  falsePositives: [
    'Software deployment (SCCM/Intune/GPO startup scripts) copying installers to ADMIN$ or C$; allowlist the deployment servers.',
    'Administrators running PsExec or similar tools on purpose.',
    'Build and file servers serving executables to internal clients over SMB or HTTP.',
  ],
  inputs: ['file', 'alert', 'host'],
  params: {
    outside_memory_s: 7 * 86400,
    outside_memory_max: 10_000,
    base_score: 45,
    executable_points: 20,
    admin_share_points: 10,
    seen_outside_name_points: 15,
    seen_outside_hash_points: 25,
    host_signal_score: 65,
    suppress_for_s: 3600,
    allowed_senders: [],
  },
  create(p, ctx) {
    return new LateralTransfer(p, ctx)
  },
})

export default definition

class LateralTransfer {
  private readonly byName: EvidenceWindow<Remembered>
  private readonly byHash: EvidenceWindow<Remembered>
  private lastExpire = Number.NEGATIVE_INFINITY
  private readonly allowed: AddressSet

  constructor(
    private readonly p: LateralTransferParams,
    private readonly ctx: DetectionContext,
  ) {
    this.allowed = new AddressSet(p.allowed_senders)
    const o = { windowS: p.outside_memory_s, maxPerKey: 4, maxKeys: p.outside_memory_max }
    this.byName = new EvidenceWindow(o)
    this.byHash = new EvidenceWindow(o)
  }

  onEvent(ev: SensorEvent): AlertEvent[] | undefined {
    switch (ev.kind) {
      case 'file':
        return this.onFile(ev)
      case 'alert':
        this.onAlert(ev)
        return undefined
      case 'host':
        return this.onHost(ev)
      default:
        return undefined
    }
  }

  onTick(ts: number): undefined {
    if (ts - this.lastExpire < 60) return undefined
    this.lastExpire = ts
    this.byName.expire(ts)
    this.byHash.expire(ts)
    return undefined
  }

  private remember(r: Remembered): void {
    if (r.name) this.byName.add(r.name, r, (x) => x.from === r.from && x.to === r.to)
    if (r.sha256) this.byHash.add(r.sha256, r, (x) => x.from === r.from && x.to === r.to)
  }

  private seenOutside(w: EvidenceWindow<Remembered>, key: string | undefined, ts: number): Remembered | undefined {
    if (key === undefined || key === '') return undefined
    let best: Remembered | undefined
    for (const r of w.get(key)) {
      if (r.ts > ts || ts - r.ts > this.p.outside_memory_s) continue
      if (!best || r.ts < best.ts) best = r
    }
    return best
  }

  private onAlert(a: AlertEvent): void {
    if (a.detection === definition.id || a.detection === 'chain') return
    if (a.technique !== 'T1105' || !a.file) return
    const name = a.file.name === undefined ? undefined : basenameOf(a.file.name)
    const r: Remembered = {
      ts: a.ts,
      from: a.file.direction === 'download' ? (a.resp_h ?? '') : (a.orig_h ?? ''),
      to: a.file.direction === 'download' ? (a.orig_h ?? a.host ?? '') : (a.resp_h ?? a.host ?? ''),
      ...(name ? { name } : {}),
      ...(a.file.sha256 ? { sha256: a.file.sha256 } : {}),
    }
    this.remember(r)
  }

  private onFile(f: FileEvent): AlertEvent[] | undefined {
    const sender = f.sender_is_orig ? f.orig_h : f.resp_h
    const receiver = f.sender_is_orig ? f.resp_h : f.orig_h
    const sIn = this.ctx.internal.has(sender)
    const rIn = this.ctx.internal.has(receiver)
    const name = f.name === undefined ? undefined : basenameOf(f.name)
    if (!sIn && rIn) {
      // Inbound: remember it for a later internal spread.
      this.remember({
        ts: f.ts,
        from: sender,
        to: receiver,
        ...(name ? { name } : {}),
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
      })
      return undefined
    }
    if (!sIn || !rIn || this.allowed.has(sender)) return undefined
    const kind = toolKind(f.type, f.name)
    if (kind === undefined || isWebScript(f)) return undefined
    // Explorer and AV read the first pages of executables on shares (icons, version info): not a transfer.
    if (
      f.file_proto === 'smb' &&
      f.direction === 'download' &&
      f.total_bytes !== undefined &&
      f.bytes * 2 < f.total_bytes
    ) {
      return undefined
    }
    const p = this.p
    const factors: ScoreFactor[] = [{ factor: 'internal_transfer', points: p.base_score, value: f.file_proto }]
    // The sniffed content wins over the name: an `.exe` name on content sniffed as something else (gzip, text)
    // is still reported, without the executable points.
    const contentSaysOther = f.type !== 'unknown' && toolKind(f.type, undefined) === undefined
    if (kind === 'executable' && !contentSaysOther)
      factors.push({ factor: 'executable', points: p.executable_points, value: f.type })
    const share = f.file_proto === 'smb' ? shareOf(f) : undefined
    if (share !== undefined && ADMIN_SHARE.test(`${share}\\`)) {
      factors.push({ factor: 'admin_share', points: p.admin_share_points, value: share })
    }
    const evidence: Evidence[] = [
      {
        ts: f.ts,
        source: 'file',
        what: `${f.file_proto.toUpperCase()} ${f.direction} of ${f.name ?? '(unnamed)'} (${f.type}${f.type_detail ? ` ${f.type_detail}` : ''}, ${f.bytes} bytes${f.complete ? '' : ', incomplete'}) from ${sender} to ${receiver}.`,
        uid: f.uid,
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
      },
    ]
    const byHash = this.seenOutside(this.byHash, f.sha256, f.ts)
    const byName = byHash ? undefined : this.seenOutside(this.byName, name, f.ts)
    const outside = byHash ?? byName
    if (byHash) factors.push({ factor: 'hash_seen_inbound', points: p.seen_outside_hash_points, value: byHash.from })
    else if (byName)
      factors.push({ factor: 'name_seen_inbound', points: p.seen_outside_name_points, value: byName.from })
    if (outside) {
      evidence.push({
        ts: outside.ts,
        source: 'memory',
        what: `The same ${byHash ? 'SHA-256' : 'file name'} came in from outside (${outside.from} to ${outside.to}).`,
      })
    }
    const score = factors.reduce((s, x) => s + x.points, 0)
    const reasons = factors.map((x) => `${x.factor.replaceAll('_', ' ')} (+${x.points})`)
    return [
      makeAlert(definition, this.ctx, {
        ts: f.ts,
        source: f.source,
        message: `${kind === 'executable' ? 'Executable' : 'Script'} ${f.name ?? '(unnamed)'} transferred between internal hosts ${sender} → ${receiver} over ${f.file_proto.toUpperCase()}${outside ? ' after it came in from outside' : ''}.`,
        score,
        reasons,
        score_factors: factors,
        evidence,
        identifier: `lateral-transfer:${sender}>${receiver}:${name ?? f.sha256 ?? f.uid}`,
        conn: f,
        service: f.file_proto,
        technique: 'T1570',
        tactic: 'lateral-movement',
        file: alertFileOf(f),
        details: {
          sender,
          receiver,
          ...(share !== undefined ? { share } : {}),
          ...(outside ? { seen_inbound_from: outside.from, seen_inbound_ts: outside.ts } : {}),
        },
        suppress_for: p.suppress_for_s,
      }),
    ]
  }

  private onHost(h: HostEvent): AlertEvent[] | undefined {
    let what: string | undefined
    let path: string | undefined
    let share: string | undefined
    if (h.event_id === 'sysmon:11' && h.target_filename !== undefined && (h.image ?? '').toLowerCase() === 'system') {
      // The kernel ("System", PID 4) writes files that arrive over SMB from another host.
      if (toolKindOfName(h.target_filename) === undefined) return undefined
      path = h.target_filename
      what = `Sysmon 11: ${path} created by System (file written over SMB by a remote host).`
    } else if (h.event_id === 'security:5145') {
      share = h.details !== undefined && /\$/.test(h.details) ? h.details : xmlData(h.raw, 'ShareName')
      path = h.target_filename ?? xmlData(h.raw, 'RelativeTargetName')
      if (share === undefined || path === undefined || !ADMIN_SHARE.test(`${share}\\`)) return undefined
      if (toolKindOfName(path) === undefined) return undefined
      const src = xmlData(h.raw, 'IpAddress')
      what = `Security 5145: ${path} accessed on ${share}${src ? ` from ${src}` : ''}.`
    }
    if (what === undefined || path === undefined) return undefined
    const name = basenameOf(path)
    const factors: ScoreFactor[] = [{ factor: 'remote_file_copy', points: this.p.host_signal_score, value: h.event_id }]
    const outside = this.seenOutside(this.byName, name, h.ts)
    if (outside)
      factors.push({ factor: 'name_seen_inbound', points: this.p.seen_outside_name_points, value: outside.from })
    const evidence: Evidence[] = [{ ts: h.ts, source: 'syslog', what, host: h.host, event_id: h.event_id }]
    if (outside) {
      evidence.push({
        ts: outside.ts,
        source: 'memory',
        what: `The same file name came in from outside (${outside.from} to ${outside.to}).`,
      })
    }
    return [
      makeAlert(definition, this.ctx, {
        ts: h.ts,
        source: h.source,
        message: `Remote copy of ${path} onto ${h.host} (${h.event_id}).`,
        score: factors.reduce((s, x) => s + x.points, 0),
        reasons: factors.map((x) => `${x.factor.replaceAll('_', ' ')} (+${x.points})`),
        score_factors: factors,
        evidence,
        identifier: `lateral-transfer:host:${normalizeHostName(h.host)}:${name}`,
        host: h.host,
        technique: 'T1570',
        tactic: 'lateral-movement',
        details: { receiver: h.host, path, ...(share !== undefined ? { share } : {}) },
        suppress_for: this.p.suppress_for_s,
        ...(h.user !== undefined ? { user: h.user } : {}),
      }),
    ]
  }
}

/** The text of `<Data Name="name">…</Data>` in an event XML, bounded. */
function xmlData(raw: string, name: string): string | undefined {
  const i = raw.indexOf(`Name="${name}">`)
  if (i < 0) return undefined
  const s = i + name.length + 8
  const e = raw.indexOf('<', s)
  if (e < 0 || e - s > 4096) return undefined
  return raw.slice(s, e)
}

/**
 * A page's JavaScript fetched over HTTP from an intranet server: a `.js` name whose content sniffs as text or as
 * browser JavaScript (not WSH JScript, which sniffs as `jscript`). Browsers do this all day; it is not a tool
 * being spread (without this, every intranet web page raised a high alert per script, seen on the pipeline bench).
 */
function isWebScript(f: FileEvent): boolean {
  if (f.file_proto !== 'http' || f.name === undefined || extensionOf(f.name) !== 'js') return false
  return f.type === 'text' || (f.type === 'script' && f.type_detail === 'javascript')
}
