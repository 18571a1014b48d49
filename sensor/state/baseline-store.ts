/**
 * Persistence of the destination baseline in `--state DIR/baseline.sqlite`: SQLite through better-sqlite3
 * in WAL mode (synchronous=NORMAL: a killed process never loses a committed save, and a half-done save is
 * rolled back on the next open). The whole baseline is loaded into memory at start (lookups never touch
 * the disk); changed entries are written in one transaction at the end and every `save_interval_s`.
 * Not handled: several processes writing one state directory at once (the last save wins per entry).
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import {
  type BaselineOptions,
  type DestEntry,
  DestinationBaseline,
  type HostEntry,
  type PairEntry,
} from '../../analytics/baselines/destination-baseline.js'
import type { AddressSet } from '../../analytics/net/address-set.js'
import type { BaselineConfig } from '../config.js'
import { SensorError } from '../errors.js'

/** File name of the baseline database inside the state directory. */
export const BASELINE_FILE = 'baseline.sqlite'
/** Bumped when the tables change shape; a database of another version is refused, not guessed at. */
export const BASELINE_SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hosts (
  host TEXT PRIMARY KEY, first_seen REAL NOT NULL, last_seen REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS destinations (
  ip TEXT PRIMARY KEY, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
  flows INTEGER NOT NULL, bytes INTEGER NOT NULL, names TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
  host TEXT NOT NULL, dest TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
  flows INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY (host, dest)) WITHOUT ROWID;
`

/** The persistent state could not be opened or read (exit 2). */
export class StateError extends SensorError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, 2, options)
  }
}

export interface LoadResult {
  readonly hosts: number
  readonly destinations: number
  readonly entries: number
  readonly ms: number
}

export interface SaveResult {
  /** Rows written or deleted. */
  readonly rows: number
  readonly ms: number
}

export interface SaveOptions {
  /** Called every `progressEvery` rows inside the transaction (tests use it to crash mid-save). */
  readonly onProgress?: (rows: number) => void
  readonly progressEvery?: number
}

/** Config `baseline` keys, as the store reads them (the config section's own type). */
export type BaselineStoreConfig = BaselineConfig

/** Maps config `baseline` to the in-memory model's options. */
export function baselineOptions(c: BaselineStoreConfig): BaselineOptions {
  return {
    expireAfterDays: c.expire_after_days,
    learningDays: c.learning_days,
    maxEntries: c.max_entries,
    maxDestinations: c.max_destinations,
    maxHosts: c.max_hosts,
    maxNamesPerDestination: 4,
  }
}

type Row = readonly unknown[]

export class BaselineStore {
  private readonly db: Database.Database
  private lastSaveMs: number
  /** Saves done by this process. */
  saves = 0

  private constructor(
    db: Database.Database,
    readonly file: string,
    readonly saveIntervalS: number,
    nowMs: number,
  ) {
    this.db = db
    this.lastSaveMs = nowMs
  }

  /**
   * Opens (creating when needed, unless read-only) `stateDir/baseline.sqlite`. Throws StateError when the
   * file is not a database of this schema version.
   */
  static open(
    stateDir: string,
    opts: {
      readonly?: boolean
      saveIntervalS?: number
      /** SQLite page cache in KiB (better-sqlite3 default 16 MiB); larger saves spill to the WAL before commit. */
      cacheKiB?: number
    } = {},
  ): BaselineStore {
    const file = path.join(stateDir, BASELINE_FILE)
    let db: Database.Database | undefined
    try {
      if (!opts.readonly) mkdirSync(stateDir, { recursive: true })
      db = new Database(file, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true })
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = NORMAL')
        if (opts.cacheKiB !== undefined) db.pragma(`cache_size = -${Math.max(64, Math.floor(opts.cacheKiB))}`)
        db.exec(SCHEMA)
      }
      const v = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema_version') as string | undefined
      if (v === undefined && !opts.readonly) {
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', BASELINE_SCHEMA_VERSION)
      } else if (v !== undefined && v !== BASELINE_SCHEMA_VERSION) {
        throw new StateError(
          'state.version_mismatch',
          `Baseline ${file} has schema version ${v}; this sensor reads version ${BASELINE_SCHEMA_VERSION}.`,
        )
      }
    } catch (e) {
      db?.close()
      if (e instanceof StateError) throw e
      throw new StateError('state.unreadable', `Baseline ${file} cannot be opened: ${(e as Error).message}.`, {
        cause: e,
      })
    }
    return new BaselineStore(db, file, opts.saveIntervalS ?? 300, Date.now())
  }

  /** Loads every row into `baseline` (destinations first, so prevalence counts land). */
  load(baseline: DestinationBaseline): LoadResult {
    const t0 = performance.now()
    let hosts = 0
    let destinations = 0
    let entries = 0
    try {
      const hq = this.db.prepare('SELECT host, first_seen, last_seen FROM hosts').raw()
      for (const r of hq.iterate() as Iterable<Row>) {
        baseline.restoreHostValues(r[0] as string, r[1] as number, r[2] as number)
        hosts++
      }
      const dq = this.db.prepare('SELECT ip, first_seen, last_seen, flows, bytes, names FROM destinations').raw()
      for (const r of dq.iterate() as Iterable<Row>) {
        const names = r[5] as string
        const list = names === '' ? [] : names.split(',')
        baseline.restoreDestValues(r[0] as string, r[1] as number, r[2] as number, r[3] as number, r[4] as number, list)
        destinations++
      }
      const eq = this.db.prepare('SELECT host, dest, first_seen, last_seen, flows, bytes FROM entries').raw()
      for (const r of eq.iterate() as Iterable<Row>) {
        const [host, dest, first, last, flows, bytes] = r as [string, string, number, number, number, number]
        baseline.restorePairValues(host, dest, first, last, flows, bytes)
        entries++
      }
    } catch (e) {
      throw new StateError('state.unreadable', `Baseline ${this.file} cannot be read: ${(e as Error).message}.`, {
        cause: e,
      })
    }
    return { hosts, destinations, entries, ms: performance.now() - t0 }
  }

  /** Writes everything changed since the last save in one transaction. */
  save(baseline: DestinationBaseline, opts: SaveOptions = {}): SaveResult {
    const t0 = performance.now()
    const ch = baseline.takeChanges()
    const every = opts.progressEvery ?? 10_000
    let rows = 0
    const tick = (): void => {
      rows++
      if (opts.onProgress && rows % every === 0) opts.onProgress(rows)
    }
    const putHost = this.db.prepare('INSERT OR REPLACE INTO hosts (host, first_seen, last_seen) VALUES (?, ?, ?)')
    const putDest = this.db.prepare(
      'INSERT OR REPLACE INTO destinations (ip, first_seen, last_seen, flows, bytes, names) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const putPair = this.db.prepare(
      'INSERT OR REPLACE INTO entries (host, dest, first_seen, last_seen, flows, bytes) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const delHost = this.db.prepare('DELETE FROM hosts WHERE host = ?')
    const delDest = this.db.prepare('DELETE FROM destinations WHERE ip = ?')
    const delPair = this.db.prepare('DELETE FROM entries WHERE host = ? AND dest = ?')
    const write = this.db.transaction(() => {
      for (const h of ch.hosts) {
        putHost.run(h.host, h.firstSeen, h.lastSeen)
        tick()
      }
      for (const d of ch.dests) {
        putDest.run(d.ip, d.firstSeen, d.lastSeen, d.flows, d.bytes, d.names.join(','))
        tick()
      }
      for (const p of ch.pairs) {
        putPair.run(p.host, p.dest, p.firstSeen, p.lastSeen, p.flows, p.bytes)
        tick()
      }
      for (const h of ch.removedHosts) {
        delHost.run(h)
        tick()
      }
      for (const d of ch.removedDests) {
        delDest.run(d)
        tick()
      }
      for (const p of ch.removedPairs) {
        delPair.run(p.host, p.dest)
        tick()
      }
    })
    try {
      write()
    } catch (e) {
      throw new StateError('state.write_failed', `Baseline ${this.file} could not be saved: ${(e as Error).message}.`, {
        cause: e,
      })
    }
    this.saves++
    this.lastSaveMs = Date.now()
    return { rows, ms: performance.now() - t0 }
  }

  /** Saves when `save_interval_s` has passed since the last save (wall clock) and something changed. */
  maybeSave(baseline: DestinationBaseline, nowMs: number = Date.now()): SaveResult | undefined {
    if (nowMs - this.lastSaveMs < this.saveIntervalS * 1000 || !baseline.dirty) return undefined
    return this.save(baseline)
  }

  /** Rows for `baseline show`, most recently seen first; one host's when `host` is given. */
  *listEntries(host?: string, limit?: number): Generator<ShowRow> {
    const sql =
      'WITH p AS (SELECT dest, COUNT(*) AS n FROM entries GROUP BY dest) ' +
      "SELECT e.host, e.dest, e.first_seen, e.last_seen, e.flows, e.bytes, COALESCE(d.names, ''), p.n " +
      'FROM entries e LEFT JOIN destinations d ON d.ip = e.dest JOIN p ON p.dest = e.dest ' +
      (host !== undefined ? 'WHERE e.host = ? ' : '') +
      'ORDER BY e.last_seen DESC, e.host, e.dest' +
      (limit !== undefined ? ' LIMIT ?' : '')
    const args: (string | number)[] = []
    if (host !== undefined) args.push(host)
    if (limit !== undefined) args.push(limit)
    for (const r of this.db
      .prepare(sql)
      .raw()
      .iterate(...args) as Iterable<Row>) {
      const names = r[6] as string
      yield {
        host: r[0] as string,
        dest: r[1] as string,
        first_seen: r[2] as number,
        last_seen: r[3] as number,
        flows: r[4] as number,
        bytes: r[5] as number,
        names: names === '' ? [] : names.split(','),
        prevalence: r[7] as number,
      }
    }
  }

  /** Row counts per table. */
  counts(): { hosts: number; destinations: number; entries: number } {
    const c = (t: string): number => this.db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number
    return { hosts: c('hosts'), destinations: c('destinations'), entries: c('entries') }
  }

  /** `PRAGMA integrity_check` result ('ok' when sound). */
  integrity(): string {
    return String(this.db.pragma('integrity_check', { simple: true }))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

/** One line of `baseline show`. */
export interface ShowRow {
  readonly host: string
  readonly dest: string
  readonly first_seen: number
  readonly last_seen: number
  readonly flows: number
  readonly bytes: number
  readonly names: readonly string[]
  /** Distinct internal hosts with an entry for this destination. */
  readonly prevalence: number
}

/**
 * For the integrator: opens the store in `stateDir`, builds the in-memory baseline from config and loads
 * it. Call `store.maybeSave(baseline)` periodically and `store.save(baseline)` then `store.close()` at the end.
 */
export function openBaseline(
  stateDir: string,
  internal: AddressSet,
  config: BaselineStoreConfig,
): { baseline: DestinationBaseline; store: BaselineStore; loaded: LoadResult } {
  const store = BaselineStore.open(stateDir, { saveIntervalS: config.save_interval_s })
  const baseline = new DestinationBaseline(internal, baselineOptions(config))
  try {
    const loaded = store.load(baseline)
    return { baseline, store, loaded }
  } catch (e) {
    store.close()
    throw e
  }
}

export type { DestEntry, HostEntry, PairEntry }
