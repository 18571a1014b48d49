/**
 * Shared scoring rows for file transfers seen on FTP/TFTP (tftp-transfer, ftp-transfer): points per sniffed file
 * type and per boundary crossing, each with its reason, so both detections score the same content the same way.
 */
import type { DetectionContext } from '../detection.js'
import type { FileEvent } from '../events.js'

/** Sniffed types that are executable content, with their points. */
const TYPE_POINTS: Readonly<Record<string, number>> = {
  pe: 40,
  elf: 40,
  macho: 40,
  msi: 40,
  dex: 35,
  apk: 35,
  lnk: 35,
  jar: 30,
  class: 25,
  script: 25,
}

export interface Row {
  points: number
  reason: string
}

/** Rows for the file's content type; empty when the type is not executable content. */
export function typeRows(f: Pick<FileEvent, 'type' | 'type_detail'>): Row[] {
  const pts = TYPE_POINTS[f.type]
  if (pts === undefined) {
    // An MZ header whose PE signature could not be confirmed (DOS/NE executables, or a PE header placed far away).
    if (f.type === 'unknown' && f.type_detail?.startsWith('mz') === true)
      return [{ points: 25, reason: `MZ executable header, PE not confirmed (${f.type_detail}) (+25)` }]
    return []
  }
  const what = f.type_detail !== undefined ? `${f.type} (${f.type_detail})` : f.type
  return [{ points: pts, reason: `content is ${f.type === 'script' ? 'a script' : 'executable'}: ${what} (+${pts})` }]
}

/** Rows for where the transfer goes: any external end, and uploads to an external server. */
export function boundaryRows(ctx: DetectionContext, client: string, server: string, upload: boolean): Row[] {
  const rows: Row[] = []
  const cIn = ctx.internal.has(client)
  const sIn = ctx.internal.has(server)
  if (!cIn || !sIn)
    rows.push({ points: 15, reason: `transfer to or from the internet (${sIn ? client : server}) (+15)` })
  if (upload && cIn && !sIn) rows.push({ points: 5, reason: 'upload to an external server (+5)' })
  return rows
}

/** Base score of a transfer before its rows: text/config between internal hosts is low (docs/alerts.md). */
export const TRANSFER_BASE = 25

/**
 * Highest score before the scorer's context for a transfer with the internet: an executable over TFTP/FTP from
 * outside is high (the risky protocol is itself an indicator) but one strong indicator, so it stays below the
 * scorer's CRITICAL_BASE_MIN (70) and context keeps it high; critical needs a chain.
 */
export const EXTERNAL_TRANSFER_MAX = 69

/** Sums `rows` on `base`, capping a transfer with the internet at EXTERNAL_TRANSFER_MAX (the cap is a row too). */
export function transferTotal(
  ctx: DetectionContext,
  client: string,
  server: string,
  base: number,
  rows: Row[],
): number {
  const sum = rows.reduce((s, r) => s + r.points, base)
  if (sum <= EXTERNAL_TRANSFER_MAX || (ctx.internal.has(client) && ctx.internal.has(server))) return sum
  const cut = EXTERNAL_TRANSFER_MAX - sum
  rows.push({ points: cut, reason: `capped at ${EXTERNAL_TRANSFER_MAX} before context (${cut})` })
  return EXTERNAL_TRANSFER_MAX
}

/** A bounded insertion-ordered map: the oldest entry is evicted past `cap`. */
export function boundedSet<K, V>(m: Map<K, V>, k: K, v: V, cap: number): void {
  m.delete(k)
  m.set(k, v)
  if (m.size > cap) {
    const first = m.keys().next()
    if (first.done !== true) m.delete(first.value)
  }
}
