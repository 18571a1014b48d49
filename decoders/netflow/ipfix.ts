/**
 * IPFIX (RFC 7011): 16-byte message header (§3.1), template sets (id 2, §3.4.1), options template sets
 * (id 3, §3.4.2) and data sets (id ≥ 256). Field specifiers carry the enterprise bit and a 4-byte PEN
 * (§3.2); variable-length fields use §7; a template record with field count 0 withdraws that template, and
 * template id 2 / 3 withdraws all templates / options templates of the domain (§8.1). RFC 5103 reverse
 * elements (PEN 29305) feed the reverse counters. The message length bounds the walk; a datagram shorter
 * than it is decoded as far as it goes with a `netflow.length_mismatch` problem. Not handled: SCTP
 * streams and RFC 6313 structured data (skipped by length).
 */
import { type Decoded, type DecodeError, decodeError, fail } from '../errors.js'
import { IPFIX_HEADER_LEN, type NetflowMessage } from './header.js'
import { type TemplateSetResult, walkSets } from './sets.js'
import {
  type ExporterState,
  installTemplate,
  type Template,
  type TemplateFieldSpec,
  withdrawTemplates,
} from './templates.js'

/** Decodes an IPFIX message between `off` and `end`, learning templates into `st`; `nowMs` is the receive time. */
export function decodeIpfix(
  buf: Buffer,
  off: number,
  end: number,
  st: ExporterState,
  nowMs: number,
): Decoded<NetflowMessage> {
  if (end - off < IPFIX_HEADER_LEN)
    return fail('netflow.truncated_header', off, IPFIX_HEADER_LEN, Math.max(0, end - off))
  if (buf.readUInt16BE(off) !== 10) return fail('netflow.version_unsupported', off)
  const length = buf.readUInt16BE(off + 2)
  if (length < IPFIX_HEADER_LEN) return fail('netflow.length_mismatch', off + 2, IPFIX_HEADER_LEN, length)
  const problems: DecodeError[] = []
  let msgEnd = off + length
  if (msgEnd > end) {
    problems.push(decodeError('netflow.length_mismatch', off + 2, length, end - off))
    msgEnd = end
  }
  const exportSecs = buf.readUInt32BE(off + 4)
  const sequence = buf.readUInt32BE(off + 8)
  const domain = buf.readUInt32BE(off + 12)
  const r = walkSets(
    buf,
    off + IPFIX_HEADER_LEN,
    msgEnd,
    { version: 10, domain, exportSecs, sysUptimeMs: 0 },
    st,
    nowMs,
    (id) => id === 2 || id === 3,
    parseIpfixTemplateSet,
    problems,
  )
  return {
    ok: true,
    value: { version: 10, count: 0, sequence, domain, exportSecs, ...r, problems },
    next: msgEnd,
  }
}

function parseIpfixTemplateSet(
  buf: Buffer,
  p: number,
  end: number,
  setId: number,
  st: ExporterState,
  domain: number,
  nowMs: number,
  problems: DecodeError[],
): TemplateSetResult {
  const learned: Template[] = []
  let withdrawn = 0
  const options = setId === 3
  while (end - p >= 4) {
    const start = p
    const id = buf.readUInt16BE(p)
    const n = buf.readUInt16BE(p + 2)
    if (id === 0 && n === 0) break // padding (§3.3.1)
    if (n === 0) {
      // Withdrawal (§8.1): 4 bytes, no scope count even in an options template set.
      withdrawn += withdrawTemplates(st, domain, id)
      p += 4
      continue
    }
    let scope = 0
    p += 4
    if (options) {
      if (end - p < 2) {
        problems.push(decodeError('netflow.template_truncated', start, 6, end - start))
        break
      }
      scope = buf.readUInt16BE(p)
      p += 2
    }
    const fields: TemplateFieldSpec[] = []
    let truncated = false
    for (let i = 0; i < n; i++) {
      if (end - p < 4) {
        truncated = true
        break
      }
      const raw = buf.readUInt16BE(p)
      const length = buf.readUInt16BE(p + 2)
      p += 4
      let pen = 0
      if (raw & 0x8000) {
        if (end - p < 4) {
          truncated = true
          break
        }
        pen = buf.readUInt32BE(p)
        p += 4
      }
      fields.push({ id: raw & 0x7fff, length, pen })
    }
    if (truncated) {
      problems.push(decodeError('netflow.template_truncated', start, p - start + 4, end - start))
      break
    }
    if (options && (scope === 0 || scope > n)) {
      problems.push(decodeError('netflow.template_zero_length', start))
      continue
    }
    const t = installTemplate(st, 10, domain, id, options, scope, fields, nowMs, start)
    if ('code' in t) problems.push(t)
    else learned.push(t)
  }
  return { learned, withdrawn }
}
