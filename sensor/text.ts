/**
 * Text helpers for terminal output: counts, sizes, rates, durations and times. Untrusted text is escaped with
 * decoders/syslog/escape.ts escapeForTerminal.
 */

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`
  return perSecond.toFixed(0)
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-'
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`
  if (s < 60) return `${s.toFixed(1)} s`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = Math.floor(s % 60)
  return h > 0 ? `${h}h ${m}m ${sec}s` : `${m}m ${sec}s`
}

export function isoTime(ts: number): string {
  return Number.isFinite(ts) ? new Date(ts * 1000).toISOString() : '-'
}
