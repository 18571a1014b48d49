/**
 * finger: any finger session (RFC 1288), from packets (FingerEvent, any port), from flow exports and logs
 * (TCP/79 by port alone) and from host logs (finger.exe / `finger user@host` process creation, Sigma af491bca).
 * Finger is a T1105 delivery channel (LOLBAS Finger.yml; the ClickFix `finger user@host | cmd` pattern): a reply
 * that is a script or command list, or executable content, scores as a transfer; a large reply scores as a
 * transfer channel; outbound finger to an external host scores above internal finger. Zeek parses finger but
 * logs nothing, and ET's finger rules are inbound-only and disabled (anchors.md §1), hence this detection.
 * Not handled: finger over IPv6 literal hosts in command lines (matched as text only).
 */
import { type DetectionContext, defineDetection, makeAlert } from '../detection.js'
import type { AlertEvent, Evidence, FingerEvent, FlowRecord, HostEvent, SensorEvent } from '../events.js'

export interface FingerParams {
  /** Reply size in bytes above which the session is scored as a transfer channel. */
  readonly large_reply_bytes: number
  /** Seconds during which the same client/server/query is one alert. */
  readonly suppress_for_s: number
}

const EXECUTABLE = new Set(['pe', 'elf', 'macho', 'msi', 'dex', 'apk', 'jar', 'class', 'lnk'])

const def = defineDetection<FingerParams>({
  id: 'finger',
  title: 'Finger session (possible transfer channel)',
  description:
    'A finger query and its reply (TCP/79 or finger found on another port), a TCP/79 flow in flow exports or logs, ' +
    'or finger.exe run on an endpoint. Script-like, executable or large replies score as a tool transfer.',
  severity: 'low',
  technique: 'T1105',
  tactic: 'command-and-control',
  tags: ['attack.t1105', 'attack.command-and-control'],
  references: [
    'https://lolbas-project.github.io/lolbas/Binaries/Finger/',
    'https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_finger_execution.yml',
    'https://datatracker.ietf.org/doc/html/rfc1288',
  ],
  falsePositives: ['Legacy finger services inside universities and labs (internal, text replies).'],
  inputs: ['finger', 'flow', 'host'],
  params: { large_reply_bytes: 1024, suppress_for_s: 3600 },
  create(p, ctx) {
    const outbound = (o: string, r: string): boolean => ctx.internal.has(o) && !ctx.internal.has(r)
    return {
      onEvent(ev: SensorEvent): AlertEvent[] | undefined {
        if (ev.kind === 'finger') return [fromSession(ev, p, ctx, outbound(ev.orig_h, ev.resp_h))]
        if (ev.kind === 'flow') {
          if (ev.source_kind === 'pcap' || ev.proto !== 'tcp' || ev.resp_p !== 79) return undefined
          return [fromFlow(ev, p, ctx, outbound(ev.orig_h, ev.resp_h))]
        }
        if (ev.kind === 'host') {
          const a = fromHost(ev, p, ctx)
          return a === undefined ? undefined : [a]
        }
        return undefined
      },
    }
  },
})

function fromSession(ev: FingerEvent, p: FingerParams, ctx: DetectionContext, out: boolean): AlertEvent {
  // Calibrated (docs/alerts.md): a small text reply from an internal server is context (info); finger with the
  // internet is medium; a script or executable reply is a tool transfer (high; critical from outside with context).
  let score = 15
  const reasons = [`finger query "${ev.query}" answered with ${ev.reply_bytes} bytes in ${ev.reply_lines} lines (+15)`]
  if (out) {
    score += 25
    reasons.push('finger with an external host (+25)')
  }
  if (ev.resp_p !== 79) {
    score += 5
    reasons.push(`finger on TCP/${ev.resp_p}, not the registered port 79 (+5)`)
  }
  if (ev.reply_bytes > p.large_reply_bytes) {
    score += 10
    reasons.push(`reply larger than ${p.large_reply_bytes} bytes: a transfer channel (+10)`)
  }
  if (ev.reply_type === 'script' || EXECUTABLE.has(ev.reply_type)) {
    const what =
      ev.reply_type === 'script'
        ? 'a script or command list (ClickFix "finger user@host | cmd")'
        : `executable content (${ev.reply_type})`
    // A tool arriving over finger is high before context, wherever it comes from (docs/alerts.md).
    const next = Math.min(84, Math.max(65, score + 30))
    reasons.push(`reply is ${what} (+${next - score})`)
    score = next
  }
  const evidence: Evidence[] = [
    {
      ts: ev.ts,
      source: 'finger',
      what: `Finger request "${ev.query}" to ${ev.resp_h}:${ev.resp_p}, reply ${ev.reply_bytes} bytes (${ev.reply_type}).`,
      query: ev.query,
      reply_bytes: ev.reply_bytes,
      reply_lines: ev.reply_lines,
      reply_type: ev.reply_type,
      verbose: ev.verbose,
    },
  ]
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message: `Finger session ${ev.orig_h} → ${ev.resp_h}:${ev.resp_p} (query "${ev.query}", ${ev.reply_bytes}-byte ${ev.reply_type} reply).`,
    score,
    reasons,
    evidence,
    conn: ev,
    service: 'finger',
    identifier: `finger:${ev.orig_h}:${ev.resp_h}:${ev.query}`,
    suppress_for: p.suppress_for_s,
    details: { query: ev.query, reply_bytes: ev.reply_bytes, reply_type: ev.reply_type },
    ...(ev.user !== undefined ? { user: ev.user } : {}),
  })
}

function fromFlow(ev: FlowRecord, p: FingerParams, ctx: DetectionContext, out: boolean): AlertEvent {
  let score = 15
  const reasons = [`TCP/79 flow in ${ev.source_kind} records: finger by port alone (no payload seen) (+15)`]
  if (out) {
    score += 15
    reasons.push('outbound to an external host (+15)')
  }
  if (ev.resp_bytes > p.large_reply_bytes) {
    score += 10
    reasons.push(`responder sent ${ev.resp_bytes} bytes, more than ${p.large_reply_bytes} (+10)`)
  }
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message: `TCP/79 (finger) flow ${ev.orig_h} → ${ev.resp_h} in ${ev.source_kind} records, ${ev.resp_bytes} bytes back.`,
    score,
    reasons,
    evidence: [
      {
        ts: ev.ts,
        source: ev.source_kind,
        what: `Flow ${ev.orig_h}:${ev.orig_p} → ${ev.resp_h}:79, ${ev.orig_bytes}/${ev.resp_bytes} bytes.`,
        orig_bytes: ev.orig_bytes,
        resp_bytes: ev.resp_bytes,
      },
    ],
    conn: ev,
    service: 'finger',
    identifier: `finger:${ev.orig_h}:${ev.resp_h}:flow`,
    suppress_for: p.suppress_for_s,
  })
}

/** `finger` as a command word (finger, finger.exe, C:\…\finger.exe), then an optional `user@host`. */
const FINGER_CMD =
  /(?:^|[\s\\/"'])finger(?:\.exe)?(?=["'\s]|$)(?:["']?\s+(?:-[a-z]+\s+|\/[a-z]\s+)*([^\s|&;"']*@[^\s|&;"']+))?/i

function fromHost(ev: HostEvent, p: FingerParams, ctx: DetectionContext): AlertEvent | undefined {
  if (ev.action !== 'process') return undefined
  const image = ev.image ?? ''
  const cmd = ev.command_line ?? ''
  const imageIsFinger = /(?:^|[\\/])finger\.exe$/i.test(image)
  const m = FINGER_CMD.exec(cmd)
  if (!imageIsFinger && m === null) return undefined
  const target = m?.[1]
  let score = 25
  const reasons = [`finger run on ${ev.host} (Sigma af491bca)`]
  if (target !== undefined) {
    score += 25
    reasons.push(`queries a remote host: ${target} (+25)`)
    if (/\|/.test(cmd.slice((m?.index ?? 0) + (m?.[0].length ?? 0)))) {
      score += 20
      reasons.push('output piped into another command (ClickFix "finger user@host | cmd") (+20)')
    }
  } else reasons.push('no remote host on the command line (low)')
  return makeAlert(def, ctx, {
    ts: ev.ts,
    source: ev.source,
    message: `finger executed on ${ev.host}${target !== undefined ? ` querying ${target}` : ''}.`,
    score,
    reasons,
    evidence: [
      {
        ts: ev.ts,
        source: 'syslog',
        what: `Process ${image || 'finger'} started with command line "${cmd}".`,
        event_id: ev.event_id,
        image,
        command_line: cmd,
      },
    ],
    host: ev.host,
    ...(ev.user !== undefined ? { user: ev.user } : {}),
    identifier: `finger:host:${ev.host}:${cmd}`,
    suppress_for: p.suppress_for_s,
  })
}

export default def
