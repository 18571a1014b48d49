/**
 * The end-of-run summary on stderr: what was read, how fast, what could not be decoded (by reason),
 * flows, exporter health, and the alerts grouped by internal host with the highest score first.
 */
import type { Pipeline } from './pipeline.js'
import type { RunState } from './run-state.js'
import { formatBytes, formatCount, formatDuration, formatRate, isoTime } from './text.js'

export function summaryLines(p: Pipeline, state: RunState, elapsedS: number, errors: readonly string[]): string[] {
  const c = p.counters
  const lines: string[] = []
  const st = p.packets
  lines.push('ingress-sensor summary')
  if (st.packets > 0) {
    lines.push(
      `  packets: ${formatCount(st.packets)} (${formatBytes(st.wireBytes)} on the wire) in ${formatDuration(elapsedS)}, ` +
        `${formatRate(st.packets / Math.max(elapsedS, 1e-9))} packets/s, ${formatRate(p.bytesRead / Math.max(elapsedS, 1e-9) / 1e6)} MB/s read`,
    )
    lines.push(
      `  capture time: ${isoTime(st.firstTs)} .. ${isoTime(st.lastTs)} (${formatDuration(st.lastTs - st.firstTs)})`,
    )
  }
  const ended = c.family('flows_ended_total')
  const endedText = Object.entries(ended)
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(', ')
  lines.push(`  flows: ${formatCount(p.flowsWritten)}${endedText ? ` (packet flows ended by ${endedText})` : ''}`)
  const sy = c.get('syslog_messages_total')
  if (sy > 0) lines.push(`  syslog messages: ${formatCount(sy)}`)
  const nf = p.netflow.stats()
  for (const line of nf) lines.push(`  ${line}`)
  for (const [family, title] of [
    ['decode_errors_total', 'not decoded (packets, by reason)'],
    ['app_weird_total', 'protocol problems (by reason)'],
    ['netflow_errors_total', 'flow-export problems (by reason)'],
    ['syslog_errors_total', 'syslog problems (by reason)'],
    ['input_errors_total', 'input errors'],
  ] as const) {
    const f = c.family(family)
    const entries = Object.entries(f).sort((a, b) => b[1] - a[1])
    if (entries.length === 0) continue
    lines.push(`  ${title}: ${entries.map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')}`)
  }
  const suppressed = c.family('alerts_suppressed_total')
  const sup = Object.entries(suppressed)
  if (sup.length) lines.push(`  alerts suppressed: ${sup.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  if (p.flowsOnly) {
    lines.push('  flows only (--flows-only): no payload analysis, detections, scoring or baseline')
  } else {
    for (const l of state.summaryLines()) lines.push(`  ${l}`)
    for (const l of p.summary.render()) lines.push(`  ${l}`)
  }
  for (const e of errors) lines.push(`  error: ${e}`)
  return lines
}

export function printSummary(p: Pipeline, state: RunState, elapsedS: number, errors: readonly string[]): void {
  process.stderr.write(`${summaryLines(p, state, elapsedS, errors).join('\n')}\n`)
}
