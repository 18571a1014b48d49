/**
 * Template state for NetFlow v9 (RFC 3954 §5.2-5.3) and IPFIX (RFC 7011 §3.4, §8): the compiled templates,
 * options templates, data sets held until their template arrives, and the sampling and system-init facts
 * learned from options data. It is plain state owned by the caller and passed into the decoders (the GoFlow2
 * template system), one ExporterState per exporter address; inside it templates are keyed by
 * source ID / observation domain + template ID. Time is passed in (milliseconds), never read from a clock.
 * Not handled: template sharing across exporters, IPFIX structured data (RFC 6313) beyond skipping it by length.
 */
import type { DecodeError } from '../errors.js'
import { REVERSE_PEN } from './ie-names.js'

/** Hard caps and timers. Each is a documented bound on memory or work (STYLE 2.2). */
export interface TemplateLimits {
  /** Templates + options templates kept per exporter (all domains); new ones beyond it are refused. */
  readonly maxTemplates: number
  /** Fields per template; longer templates are refused as impossible. */
  readonly maxFields: number
  /** Data records decoded per datagram (flows + options data); the rest are counted as `netflow.record_cap`. */
  readonly maxRecords: number
  /** A template not refreshed for this long is forgotten (default 30 min, ≥ 3× common refresh periods). */
  readonly templateTtlMs: number
  /** Data sets held per exporter while their template is unknown. */
  readonly pendingMaxSets: number
  /** Bytes of held data sets per exporter. */
  readonly pendingMaxBytes: number
  /** How long a held data set waits for its template. */
  readonly pendingMaxAgeMs: number
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = {
  maxTemplates: 512,
  maxFields: 256,
  maxRecords: 16384,
  templateTtlMs: 30 * 60_000,
  pendingMaxSets: 64,
  pendingMaxBytes: 256 * 1024,
  pendingMaxAgeMs: 60_000,
}

/** Variable length marker in a template field (RFC 7011 §7; also sent in v9 by H3C). */
export const VARLEN = 65535

/** What a field feeds in the decoded record; SKIP for everything else (kept by length only). */
export const Slot = {
  SKIP: 0,
  SRC_V4: 1,
  DST_V4: 2,
  SRC_V6: 3,
  DST_V6: 4,
  SRC_PORT: 5,
  DST_PORT: 6,
  PROTOCOL: 7,
  BYTES_DELTA: 8,
  PKTS_DELTA: 9,
  BYTES_TOTAL: 10,
  PKTS_TOTAL: 11,
  REV_BYTES: 12,
  REV_PKTS: 13,
  INIT_BYTES: 14,
  INIT_PKTS: 15,
  TCP_FLAGS: 16,
  IN_IF: 17,
  OUT_IF: 18,
  FIRST_UPTIME: 19,
  LAST_UPTIME: 20,
  START_S: 21,
  END_S: 22,
  START_MS: 23,
  END_MS: 24,
  START_US: 25,
  END_US: 26,
  START_NS: 27,
  END_NS: 28,
  SYSINIT_MS: 29,
  SAMPLING_INTERVAL: 30,
  SAMPLER_RANDOM_INTERVAL: 31,
  SAMPLER_ID: 32,
  PKT_INTERVAL: 33,
  PKT_SPACE: 34,
  ICMP_TYPE_CODE: 35,
  OBS_TIME_MS: 36,
} as const

/** Which record slot a (PEN, element id) feeds. v9 field types 1-127 equal the IPFIX ids (RFC 3954 §8). */
export function slotFor(id: number, pen: number): number {
  if (pen === REVERSE_PEN) {
    if (id === 1 || id === 85) return Slot.REV_BYTES
    if (id === 2 || id === 86) return Slot.REV_PKTS
    return Slot.SKIP
  }
  if (pen !== 0) return Slot.SKIP
  switch (id) {
    case 1:
      return Slot.BYTES_DELTA
    case 2:
      return Slot.PKTS_DELTA
    case 4:
      return Slot.PROTOCOL
    case 6:
      return Slot.TCP_FLAGS
    case 7:
      return Slot.SRC_PORT
    case 8:
      return Slot.SRC_V4
    case 10:
      return Slot.IN_IF
    case 11:
      return Slot.DST_PORT
    case 12:
      return Slot.DST_V4
    case 14:
      return Slot.OUT_IF
    case 21:
      return Slot.LAST_UPTIME
    case 22:
      return Slot.FIRST_UPTIME
    case 27:
      return Slot.SRC_V6
    case 28:
      return Slot.DST_V6
    case 32:
    case 139:
      return Slot.ICMP_TYPE_CODE
    case 34:
      return Slot.SAMPLING_INTERVAL
    case 48:
    case 302:
      return Slot.SAMPLER_ID
    case 50:
      return Slot.SAMPLER_RANDOM_INTERVAL
    case 85:
      return Slot.BYTES_TOTAL
    case 86:
      return Slot.PKTS_TOTAL
    case 150:
      return Slot.START_S
    case 151:
      return Slot.END_S
    case 152:
      return Slot.START_MS
    case 153:
      return Slot.END_MS
    case 154:
      return Slot.START_US
    case 155:
      return Slot.END_US
    case 156:
      return Slot.START_NS
    case 157:
      return Slot.END_NS
    case 160:
      return Slot.SYSINIT_MS
    case 231:
      return Slot.INIT_BYTES
    case 232:
      return Slot.REV_BYTES
    case 298:
      return Slot.INIT_PKTS
    case 299:
      return Slot.REV_PKTS
    case 305:
      return Slot.PKT_INTERVAL
    case 306:
      return Slot.PKT_SPACE
    case 323:
      return Slot.OBS_TIME_MS
    default:
      return Slot.SKIP
  }
}

/** One field of a template as sent: element id (enterprise bit cleared), length, PEN (0 = IANA). */
export interface TemplateFieldSpec {
  readonly id: number
  readonly length: number
  readonly pen: number
}

/** A compiled template. */
export interface Template {
  readonly version: 9 | 10
  readonly domain: number
  readonly id: number
  /** True for options templates (v9 flowset 1, IPFIX set 3). */
  readonly options: boolean
  /** Scope fields at the head of `fields` (options templates only). */
  readonly scopeCount: number
  readonly fields: readonly TemplateFieldSpec[]
  /** Slot per field (same order as fields). */
  readonly slots: Uint8Array
  /** Lengths per field; VARLEN for variable length. */
  readonly lengths: Uint16Array
  /** Smallest encoded record: fixed lengths plus one byte per variable-length field. */
  readonly minLen: number
  /** True when some field is variable length. */
  readonly varlen: boolean
  /** When the template was last learned or refreshed (ms, caller's clock). */
  refreshedMs: number
}

/** A data set held until its template arrives. The bytes are a copy: the datagram buffer may be reused. */
export interface PendingSet {
  readonly version: 9 | 10
  readonly domain: number
  readonly templateId: number
  readonly bytes: Buffer
  readonly exportSecs: number
  /** v9 header sysUptime (ms) of the datagram it came in; 0 for IPFIX. */
  readonly sysUptimeMs: number
  readonly heldMs: number
}

/**
 * Memory shared by every exporter of one collector, so that a flood of exporters (spoofed sources) cannot
 * multiply the per-exporter caps: template fields and held bytes are counted across all of them.
 */
export interface SharedBudget {
  /** Template fields held by all exporters. */
  fields: number
  readonly maxFields: number
  /** Bytes of held data sets across all exporters. */
  pendingBytes: number
  readonly maxPendingBytes: number
}

/** A budget for one collector: 1M template fields (~50 MB) and 16 MiB of held data sets. */
export function newSharedBudget(maxFields = 1_000_000, maxPendingBytes = 16 * 1024 * 1024): SharedBudget {
  return { fields: 0, maxFields, pendingBytes: 0, maxPendingBytes }
}

/** Everything known about one exporter (one address). Plain data; the caller owns it. */
export class ExporterState {
  /** Key: templateKey(version, domain, id). */
  readonly templates = new Map<number, Template>()
  readonly pending: PendingSet[] = []
  pendingBytes = 0
  /** Sampling interval announced for a whole domain (options data without a sampler id), key `v:domain`. */
  readonly domainSampling = new Map<string, number>()
  /** Sampling interval per sampler/selector id, key `v:domain:sampler`. */
  readonly samplerSampling = new Map<string, number>()
  /** systemInitTimeMilliseconds per IPFIX domain (for flowStart/EndSysUpTime). */
  readonly systemInitMs = new Map<number, number>()
  readonly limits: TemplateLimits
  /** Collector-wide budget; undefined = only the per-exporter caps apply. */
  readonly budget: SharedBudget | undefined
  /** Template fields held by this exporter (its share of the budget). */
  fieldCount = 0

  constructor(limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS, budget?: SharedBudget) {
    this.limits = limits
    this.budget = budget
  }
}

/** Forgets one template, returning its fields to the budget. */
function removeTemplate(st: ExporterState, key: number): boolean {
  const t = st.templates.get(key)
  if (t === undefined) return false
  st.templates.delete(key)
  st.fieldCount -= t.fields.length
  if (st.budget !== undefined) st.budget.fields -= t.fields.length
  return true
}

/** Releases everything an exporter holds from the shared budget (when the exporter is forgotten). */
export function releaseExporter(st: ExporterState): void {
  for (const k of [...st.templates.keys()]) removeTemplate(st, k)
  dropAllPending(st)
}

/** Numeric key of a template: version, 32-bit domain and 16-bit id packed below 2^53. */
export function templateKey(version: 9 | 10, domain: number, id: number): number {
  return (version === 10 ? 2 ** 48 : 0) + domain * 65536 + id
}

/** Looks a template up, forgetting it when it has not been refreshed within the TTL. */
export function lookupTemplate(
  st: ExporterState,
  version: 9 | 10,
  domain: number,
  id: number,
  nowMs: number,
): Template | undefined {
  const key = templateKey(version, domain, id)
  const t = st.templates.get(key)
  if (t === undefined) return undefined
  if (nowMs - t.refreshedMs > st.limits.templateTtlMs) {
    removeTemplate(st, key)
    return undefined
  }
  return t
}

/** Removes every template not refreshed within the TTL; returns how many went. */
export function expireTemplates(st: ExporterState, nowMs: number): number {
  let n = 0
  for (const [k, t] of st.templates) {
    if (nowMs - t.refreshedMs > st.limits.templateTtlMs) {
      removeTemplate(st, k)
      n++
    }
  }
  return n
}

/**
 * Compiles and stores a template (a refresh replaces the old one). Returns the template, or a DecodeError
 * code when it is impossible (no fields, zero record length, too many fields, too long) or over the cap.
 */
export function installTemplate(
  st: ExporterState,
  version: 9 | 10,
  domain: number,
  id: number,
  options: boolean,
  scopeCount: number,
  fields: readonly TemplateFieldSpec[],
  nowMs: number,
  offset: number,
): Template | DecodeError {
  const err = (code: DecodeError['code']): DecodeError => ({ code, layer: 'netflow', offset })
  if (id < 256) return err('netflow.template_id_invalid')
  if (fields.length === 0) return err('netflow.template_zero_length')
  if (fields.length > st.limits.maxFields) return err('netflow.template_too_many_fields')
  const slots = new Uint8Array(fields.length)
  const lengths = new Uint16Array(fields.length)
  let minLen = 0
  let varlen = false
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as TemplateFieldSpec
    // A zero-length field is legal and occupies nothing (Juniper sends a v9 System scope of length 0).
    lengths[i] = f.length
    if (f.length === VARLEN) {
      varlen = true
      minLen += 1
    } else minLen += f.length
    slots[i] = i < scopeCount ? scopeSlot(version, f) : slotFor(f.id, f.pen)
  }
  // A record of zero bytes would repeat forever (the node-netflowv9 heap exhaustion).
  if (minLen === 0) return err('netflow.template_zero_length')
  // A record must fit in one set of one UDP datagram (65535 - IP/UDP - message and set headers).
  if (minLen > 65535 - 20 - 8 - 16 - 4) return err('netflow.template_too_long')
  const key = templateKey(version, domain, id)
  const old = st.templates.get(key)
  if (old === undefined && st.templates.size >= st.limits.maxTemplates) {
    expireTemplates(st, nowMs)
    if (st.templates.size >= st.limits.maxTemplates) return err('netflow.template_cap')
  }
  const delta = fields.length - (old?.fields.length ?? 0)
  if (st.budget !== undefined && delta > 0 && st.budget.fields + delta > st.budget.maxFields) {
    return err('netflow.template_cap')
  }
  const t: Template = {
    version,
    domain,
    id,
    options,
    scopeCount,
    fields,
    slots,
    lengths,
    minLen,
    varlen,
    refreshedMs: nowMs,
  }
  st.templates.set(key, t)
  st.fieldCount += delta
  if (st.budget !== undefined) st.budget.fields += delta
  return t
}

/** v9 scope fields have their own type space (RFC 3954 §6.1: 1 System ... 5 Template): feed no slot. */
function scopeSlot(version: 9 | 10, f: TemplateFieldSpec): number {
  if (version === 9) return Slot.SKIP
  return slotFor(f.id, f.pen)
}

/** IPFIX withdrawal (RFC 7011 §8.1): one id, or all of a kind (id 2 = all templates, 3 = all options templates). */
export function withdrawTemplates(st: ExporterState, domain: number, id: number): number {
  if (id === 2 || id === 3) {
    const wantOptions = id === 3
    let n = 0
    for (const [k, t] of st.templates) {
      if (t.version === 10 && t.domain === domain && t.options === wantOptions) {
        removeTemplate(st, k)
        n++
      }
    }
    return n
  }
  return removeTemplate(st, templateKey(10, domain, id)) ? 1 : 0
}

/**
 * Holds a data set whose template is unknown. Returns how many held sets were dropped to make room
 * (or 1 when this one could not be held at all); the caller counts them as `netflow.template_unknown`.
 */
export function holdPendingSet(st: ExporterState, p: PendingSet): number {
  let dropped = expirePending(st, p.heldMs)
  const lim = st.limits
  const b = st.budget
  if (p.bytes.length > lim.pendingMaxBytes || lim.pendingMaxSets === 0) return dropped + 1
  while (
    st.pending.length >= lim.pendingMaxSets ||
    st.pendingBytes + p.bytes.length > lim.pendingMaxBytes ||
    (b !== undefined && b.pendingBytes + p.bytes.length > b.maxPendingBytes)
  ) {
    const old = st.pending.shift()
    // Over the shared budget with nothing of its own to give back: this set is not held.
    if (old === undefined) return dropped + 1
    unaccount(st, old)
    dropped++
  }
  st.pending.push(p)
  st.pendingBytes += p.bytes.length
  if (b !== undefined) b.pendingBytes += p.bytes.length
  return dropped
}

/** Drops held sets older than the time limit; returns how many. */
export function expirePending(st: ExporterState, nowMs: number): number {
  let n = 0
  while (st.pending.length > 0) {
    const head = st.pending[0] as PendingSet
    if (nowMs - head.heldMs <= st.limits.pendingMaxAgeMs) break
    st.pending.shift()
    unaccount(st, head)
    n++
  }
  return n
}

/** Removes and returns the held sets that a now-known template can decode. */
export function takePending(st: ExporterState, version: 9 | 10, domain: number, id: number): PendingSet[] {
  if (st.pending.length === 0) return []
  const out: PendingSet[] = []
  for (let i = 0; i < st.pending.length; ) {
    const p = st.pending[i] as PendingSet
    if (p.version === version && p.domain === domain && p.templateId === id) {
      out.push(p)
      st.pending.splice(i, 1)
      unaccount(st, p)
    } else i++
  }
  return out
}

/** Drops every held set (end of input); returns how many. */
export function dropAllPending(st: ExporterState): number {
  const n = st.pending.length
  if (st.budget !== undefined) st.budget.pendingBytes -= st.pendingBytes
  st.pending.length = 0
  st.pendingBytes = 0
  return n
}

function unaccount(st: ExporterState, p: PendingSet): void {
  st.pendingBytes -= p.bytes.length
  if (st.budget !== undefined) st.budget.pendingBytes -= p.bytes.length
}
