/**
 * The set walk shared by NetFlow v9 (RFC 3954 §5.2-5.4, flowsets) and IPFIX (RFC 7011 §3.3, sets), done in
 * two passes per datagram: first every template and options-template set, then options data sets, then flow data sets, so that data
 * sent in the same datagram as its template (and options data giving the sampling rate) decodes
 * (akvorado#89). Data sets whose template is unknown are held in the exporter state and decoded when it
 * arrives; the rest are counted. Every loop is bounded by the bytes left and a cap; a set length below
 * the 4-byte set header ends the walk instead of looping on it (the node-netflowv9 hang).
 */
import { type DecodeError, decodeError } from '../errors.js'
import type { FlowFields } from './header.js'
import { decodeDataRecord, type RecordContext } from './record.js'
import {
  type ExporterState,
  holdPendingSet,
  lookupTemplate,
  type PendingSet,
  type Template,
  takePending,
} from './templates.js'

/** What the caller's template-set parser reports. */
export interface TemplateSetResult {
  readonly learned: Template[]
  readonly withdrawn: number
}

/** Parses one template / options-template set between `p` and `end` (header already consumed). */
export type TemplateSetParser = (
  buf: Buffer,
  p: number,
  end: number,
  setId: number,
  st: ExporterState,
  domain: number,
  nowMs: number,
  problems: DecodeError[],
) => TemplateSetResult

export interface SetWalkResult {
  records: FlowFields[]
  dataRecords: number
  optionsRecords: number
  templatesLearned: number
  templatesWithdrawn: number
  setsHeld: number
  setsDropped: number
  incomplete: boolean
}

/**
 * Walks the sets between `p` and `end`. `isTemplateSet` says which set ids carry templates; ids below 256
 * that are not template sets are reserved and skipped with a problem.
 */
export function walkSets(
  buf: Buffer,
  p: number,
  end: number,
  ctx: RecordContext,
  st: ExporterState,
  nowMs: number,
  isTemplateSet: (id: number) => boolean,
  parseTemplates: TemplateSetParser,
  problems: DecodeError[],
): SetWalkResult {
  const res: SetWalkResult = {
    records: [],
    dataRecords: 0,
    optionsRecords: 0,
    templatesLearned: 0,
    templatesWithdrawn: 0,
    setsHeld: 0,
    setsDropped: 0,
    incomplete: false,
  }
  // Pass 1: template sets now; data sets remembered as [start, end, id] triples.
  const data: number[] = []
  let learned: Template[] | undefined
  while (end - p >= 4) {
    const id = buf.readUInt16BE(p)
    const len = buf.readUInt16BE(p + 2)
    if (len < 4) {
      problems.push(decodeError('netflow.set_too_short', p + 2, 4, len))
      break
    }
    if (len > end - p) {
      problems.push(decodeError('netflow.set_overruns_datagram', p + 2, len, end - p))
      break
    }
    if (isTemplateSet(id)) {
      const r = parseTemplates(buf, p + 4, p + len, id, st, ctx.domain, nowMs, problems)
      res.templatesLearned += r.learned.length
      res.templatesWithdrawn += r.withdrawn
      if (r.learned.length > 0) learned = learned === undefined ? r.learned : learned.concat(r.learned)
    } else if (id >= 256) data.push(p + 4, p + len, id)
    else problems.push(decodeError('netflow.set_id_reserved', p))
    p += len
  }

  // Held data sets whose template just arrived decode first: they are older than this datagram's data.
  if (learned !== undefined && st.pending.length > 0) {
    for (const t of learned) {
      for (const held of takePending(st, ctx.version, ctx.domain, t.id)) decodeHeld(held, t, st, res, problems)
    }
  }

  // Pass 2: options data first (sampling rates, system init time), then flow data sets.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < data.length; i += 3) {
      const s = data[i] as number
      const e = data[i + 1] as number
      const id = data[i + 2] as number
      const t = lookupTemplate(st, ctx.version, ctx.domain, id, nowMs)
      if (t === undefined) {
        if (pass === 1) holdSet(buf, s, e, id, ctx, st, nowMs, res)
        continue
      }
      if (t.options !== (pass === 0)) continue
      const r = decodeDataSet(buf, s, e, t, ctx, st, res.records, st.limits.maxRecords - res.dataRecords, problems)
      res.dataRecords += r
      if (t.options) res.optionsRecords += r
    }
  }
  return res
}

/** Keeps a copy of a data set whose template is unknown (the datagram buffer may be reused). */
function holdSet(
  buf: Buffer,
  s: number,
  e: number,
  id: number,
  ctx: RecordContext,
  st: ExporterState,
  nowMs: number,
  res: SetWalkResult,
): void {
  res.incomplete = true
  const held: PendingSet = {
    version: ctx.version,
    domain: ctx.domain,
    templateId: id,
    bytes: Buffer.from(buf.subarray(s, e)),
    exportSecs: ctx.exportSecs,
    sysUptimeMs: ctx.sysUptimeMs,
    heldMs: nowMs,
  }
  res.setsDropped += holdPendingSet(st, held)
  res.setsHeld++
}

/** Decodes one held set with the template that arrived for it. */
function decodeHeld(held: PendingSet, t: Template, st: ExporterState, res: SetWalkResult, problems: DecodeError[]) {
  const ctx: RecordContext = {
    version: held.version,
    domain: held.domain,
    exportSecs: held.exportSecs,
    sysUptimeMs: held.sysUptimeMs,
  }
  const r = decodeDataSet(held.bytes, 0, held.bytes.length, t, ctx, st, res.records, st.limits.maxRecords, problems)
  if (t.options) res.optionsRecords += r
}

/** Decodes the records of one data set; returns how many (flows and options data). */
function decodeDataSet(
  buf: Buffer,
  p: number,
  end: number,
  t: Template,
  ctx: RecordContext,
  st: ExporterState,
  out: FlowFields[],
  budget: number,
  problems: DecodeError[],
): number {
  let n = 0
  // Bytes shorter than the smallest record are padding (RFC 3954 §5.3, RFC 7011 §3.3.1).
  while (end - p >= t.minLen) {
    if (n >= budget) {
      problems.push(decodeError('netflow.record_cap', p))
      break
    }
    const next = decodeDataRecord(buf, p, end, t, ctx, st, out)
    if (next < 0) {
      problems.push(decodeError('netflow.record_truncated', p, t.minLen, end - p))
      break
    }
    n++
    p = next
  }
  return n
}
