/**
 * Where NetFlow v9 / IPFIX template state lives between datagrams and across restarts: one ExporterState
 * per exporter address (bounded count, least recently used evicted), saved to `<dir>/netflow-templates.json`
 * (written atomically: temporary file, fsync, rename) periodically and at stop, and loaded at start, so a
 * restarted collector decodes at once instead of waiting up to a refresh period (pmacct
 * `nfacctd_templates_file`, GoFlow2 `-templates.json.path`). The file is untrusted input on load: every
 * template goes through the same checks as one from the wire. Held data sets are not persisted.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import path from 'node:path'
import {
  DEFAULT_TEMPLATE_LIMITS,
  ExporterState,
  installTemplate,
  newSharedBudget,
  releaseExporter,
  type SharedBudget,
  type TemplateFieldSpec,
  type TemplateLimits,
} from '../../decoders/netflow/templates.js'

export interface TemplateStoreOptions {
  /** State directory (`--state DIR`); without it nothing is persisted. */
  readonly dir?: string
  /** Template caps and timers per exporter. */
  readonly limits?: TemplateLimits
  /** Exporters tracked at once; the least recently seen is forgotten beyond it (default 4096). */
  readonly maxExporters?: number
  /** Template fields kept across all exporters (default 1,000,000, about 50 MB). */
  readonly maxTemplateFields?: number
  /** Bytes of held data sets across all exporters (default 16 MiB). */
  readonly maxPendingBytes?: number
}

/** File name inside the state directory. */
export const TEMPLATE_FILE = 'netflow-templates.json'
const FILE_VERSION = 1

interface SavedTemplate {
  v: 9 | 10
  domain: number
  id: number
  options: boolean
  scope: number
  fields: [number, number, number][]
  refreshedMs: number
}

interface SavedExporter {
  templates: SavedTemplate[]
  domainSampling: [string, number][]
  samplerSampling: [string, number][]
  systemInitMs: [number, number][]
}

export class TemplateStore {
  private readonly byExporter = new Map<string, ExporterState>()
  private readonly limits: TemplateLimits
  private readonly maxExporters: number
  private readonly file: string | undefined
  private timer: NodeJS.Timeout | undefined
  private lastAddr = ''
  private lastState: ExporterState | undefined
  /** Collector-wide memory budget shared by every exporter's state. */
  readonly budget: SharedBudget

  constructor(opts: TemplateStoreOptions = {}) {
    this.limits = opts.limits ?? DEFAULT_TEMPLATE_LIMITS
    this.maxExporters = opts.maxExporters ?? 4096
    this.file = opts.dir !== undefined ? path.join(opts.dir, TEMPLATE_FILE) : undefined
    this.budget = newSharedBudget(opts.maxTemplateFields, opts.maxPendingBytes)
  }

  /** The state of one exporter, created on first use. */
  forExporter(addr: string): ExporterState {
    // Datagrams come in runs from one exporter: skip the recency bookkeeping for the last one seen.
    if (addr === this.lastAddr && this.lastState !== undefined) return this.lastState
    let st = this.byExporter.get(addr)
    if (st !== undefined) {
      this.lastAddr = addr
      this.lastState = st
      // Move to the back: Map order is the recency order used for eviction.
      this.byExporter.delete(addr)
      this.byExporter.set(addr, st)
      return st
    }
    st = new ExporterState(this.limits, this.budget)
    this.lastAddr = addr
    this.lastState = st
    if (this.byExporter.size >= this.maxExporters) {
      const oldest = this.byExporter.entries().next()
      if (oldest.done !== true) {
        releaseExporter(oldest.value[1])
        this.byExporter.delete(oldest.value[0])
      }
    }
    this.byExporter.set(addr, st)
    return st
  }

  /** Exporters known, with their state (for stats). */
  entries(): IterableIterator<[string, ExporterState]> {
    return this.byExporter.entries()
  }

  /** Loads the saved file, if any; returns the number of templates restored. A bad file is ignored. */
  load(): number {
    if (this.file === undefined) return 0
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch {
      return 0
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      return 0
    }
    if (!isRecord(doc) || doc.version !== FILE_VERSION || !isRecord(doc.exporters)) return 0
    let n = 0
    for (const [addr, raw] of Object.entries(doc.exporters)) {
      if (!isRecord(raw)) continue
      const st = this.forExporter(addr)
      for (const t of Array.isArray(raw.templates) ? raw.templates : []) {
        if (!isSavedTemplate(t)) continue
        const fields: TemplateFieldSpec[] = t.fields.map(([id, length, pen]) => ({ id, length, pen }))
        const r = installTemplate(st, t.v, t.domain, t.id, t.options, t.scope, fields, t.refreshedMs, 0)
        if (!('code' in r)) n++
      }
      for (const [k, v] of pairs(raw.domainSampling)) if (typeof k === 'string') st.domainSampling.set(k, v)
      for (const [k, v] of pairs(raw.samplerSampling)) if (typeof k === 'string') st.samplerSampling.set(k, v)
      for (const [k, v] of pairs(raw.systemInitMs)) if (typeof k === 'number') st.systemInitMs.set(k, v)
    }
    return n
  }

  /** Writes the file atomically (temporary file, fsync, rename). Throws on I/O failure. */
  save(): void {
    if (this.file === undefined) return
    const exporters: Record<string, SavedExporter> = {}
    for (const [addr, st] of this.byExporter) {
      exporters[addr] = {
        templates: [...st.templates.values()].map((t) => ({
          v: t.version,
          domain: t.domain,
          id: t.id,
          options: t.options,
          scope: t.scopeCount,
          fields: t.fields.map((f): [number, number, number] => [f.id, f.length, f.pen]),
          refreshedMs: t.refreshedMs,
        })),
        domainSampling: [...st.domainSampling],
        samplerSampling: [...st.samplerSampling],
        systemInitMs: [...st.systemInitMs],
      }
    }
    const body = JSON.stringify({ version: FILE_VERSION, exporters })
    mkdirSync(path.dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp-${process.pid}`
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, body)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.file)
  }

  /** Saves every `intervalMs` (default 10 s) until stop(); the timer does not keep the process alive. */
  start(intervalMs = 10_000): void {
    if (this.file === undefined || this.timer !== undefined) return
    this.timer = setInterval(() => {
      try {
        this.save()
      } catch {
        // A failed periodic save is retried at the next tick and at stop(), which reports it.
      }
    }, intervalMs)
    this.timer.unref()
  }

  /** Stops the periodic save and saves once more. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.save()
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isU(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max
}

function isSavedTemplate(t: unknown): t is SavedTemplate {
  if (!isRecord(t)) return false
  return (
    (t.v === 9 || t.v === 10) &&
    isU(t.domain, 0xffffffff) &&
    isU(t.id, 0xffff) &&
    typeof t.options === 'boolean' &&
    isU(t.scope, 0xffff) &&
    typeof t.refreshedMs === 'number' &&
    Array.isArray(t.fields) &&
    t.fields.length <= 0xffff &&
    t.fields.every(
      (f: unknown) =>
        Array.isArray(f) && f.length === 3 && isU(f[0], 0xffff) && isU(f[1], 0xffff) && isU(f[2], 0xffffffff),
    )
  )
}

function pairs(v: unknown): [unknown, number][] {
  if (!Array.isArray(v)) return []
  const out: [unknown, number][] = []
  for (const e of v) {
    if (Array.isArray(e) && e.length === 2 && typeof e[1] === 'number' && Number.isFinite(e[1])) out.push([e[0], e[1]])
  }
  return out
}
