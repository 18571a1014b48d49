/**
 * `ingress-sensor baseline show`: lists the destination baseline kept in `--state DIR` (one line per
 * internal host and external destination, most recently seen first), as an aligned table or JSON lines.
 * `baseline learn` is `analyze` with alerting off (sensor/commands/analyze.ts): the engine calls
 * Scorer.observe, which fills the baseline, and the run state saves it through sensor/state/baseline-store.ts.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { BASELINE_FILE, BaselineStore, type ShowRow, StateError } from '../state/baseline-store.js'

export interface BaselineShowOptions {
  /** Only this internal host. */
  readonly host?: string
  /** At most this many entries (default 1000; 0 for all). */
  readonly limit?: number
  /** JSON lines instead of a table. */
  readonly json?: boolean
}

const DEFAULT_LIMIT = 1000

const iso = (ts: number): string => new Date(Math.round(ts * 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Prints the baseline; returns the exit code (0, or 2 when the state cannot be read). */
export async function runBaselineShow(
  stateDir: string,
  opts: BaselineShowOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const file = path.join(stateDir, BASELINE_FILE)
  if (!existsSync(file)) {
    process.stderr.write(
      `ingress-sensor: no baseline in ${stateDir} (${BASELINE_FILE} is missing); run analyze or baseline learn with --state first.\n`,
    )
    return 2
  }
  let store: BaselineStore
  try {
    store = BaselineStore.open(stateDir, { readonly: true })
  } catch (e) {
    process.stderr.write(`ingress-sensor: ${(e as Error).message}\n`)
    return e instanceof StateError ? e.exitCode : 2
  }
  try {
    const limit = opts.limit === undefined || Number.isNaN(opts.limit) ? DEFAULT_LIMIT : opts.limit
    const rows = store.listEntries(opts.host, limit > 0 ? limit : undefined)
    if (opts.json) {
      for (const r of rows) {
        out.write(
          `${JSON.stringify({ ...r, first_seen: iso(r.first_seen), last_seen: iso(r.last_seen), names: r.names })}\n`,
        )
      }
      return 0
    }
    const c = store.counts()
    out.write(`Baseline ${file}: ${c.hosts} internal hosts, ${c.destinations} destinations, ${c.entries} entries.\n`)
    const table: string[][] = [['HOST', 'DESTINATION', 'NAMES', 'FIRST SEEN', 'LAST SEEN', 'FLOWS', 'BYTES', 'HOSTS']]
    for (const r of rows) table.push(cells(r))
    if (table.length === 1) {
      out.write(opts.host !== undefined ? `No entries for host ${opts.host}.\n` : 'No entries.\n')
      return 0
    }
    const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? []
    for (const row of table) {
      out.write(
        `${row
          .map((v, i) => (i >= 5 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
      )
    }
    if (limit > 0 && table.length - 1 === limit) out.write(`(first ${limit} entries; --limit 0 for all)\n`)
    return 0
  } catch (e) {
    process.stderr.write(`ingress-sensor: ${(e as Error).message}\n`)
    return 2
  } finally {
    store.close()
  }
}

function cells(r: ShowRow): string[] {
  return [
    r.host,
    r.dest,
    r.names.length ? r.names.join(',') : '-',
    iso(r.first_seen),
    iso(r.last_seen),
    String(r.flows),
    String(r.bytes),
    String(r.prevalence),
  ]
}
