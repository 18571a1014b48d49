/**
 * NetFlow v9 (RFC 3954): 20-byte header (§5.1), template flowsets (id 0, §5.2), options template flowsets
 * (id 1, §6.1) and data flowsets (id ≥ 256, §5.3). Several templates or options templates may share one
 * flowset; each is parsed. Field length 65535 is read as an RFC 7011 variable-length field, as H3C NetStream
 * sends it. The header `count` (records in the packet) is not used as a bound; bytes are. v9 has no
 * enterprise bit: field types are read as 16-bit numbers. Template state comes in as an argument.
 */
import { type Decoded, type DecodeError, decodeError, fail } from '../errors.js'
import { type NetflowMessage, V9_HEADER_LEN } from './header.js'
import { type TemplateSetResult, walkSets } from './sets.js'
import { type ExporterState, installTemplate, type Template, type TemplateFieldSpec } from './templates.js'

/** Decodes a v9 datagram between `off` and `end`, learning templates into `st`; `nowMs` is the receive time. */
export function decodeV9(
  buf: Buffer,
  off: number,
  end: number,
  st: ExporterState,
  nowMs: number,
): Decoded<NetflowMessage> {
  if (end - off < V9_HEADER_LEN) return fail('netflow.truncated_header', off, V9_HEADER_LEN, Math.max(0, end - off))
  if (buf.readUInt16BE(off) !== 9) return fail('netflow.version_unsupported', off)
  const count = buf.readUInt16BE(off + 2)
  const sysUptimeMs = buf.readUInt32BE(off + 4)
  const exportSecs = buf.readUInt32BE(off + 8)
  const sequence = buf.readUInt32BE(off + 12)
  const domain = buf.readUInt32BE(off + 16)
  const problems: DecodeError[] = []
  const r = walkSets(
    buf,
    off + V9_HEADER_LEN,
    end,
    { version: 9, domain, exportSecs, sysUptimeMs },
    st,
    nowMs,
    (id) => id === 0 || id === 1,
    parseV9TemplateSet,
    problems,
  )
  return {
    ok: true,
    value: { version: 9, count, sequence, domain, exportSecs, ...r, problems },
    next: end,
  }
}

function parseV9TemplateSet(
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
  if (setId === 0) {
    while (end - p >= 4) {
      const id = buf.readUInt16BE(p)
      const n = buf.readUInt16BE(p + 2)
      if (id === 0 && n === 0) break // padding
      if (n * 4 > end - p - 4) {
        problems.push(decodeError('netflow.template_truncated', p, 4 + n * 4, end - p))
        break
      }
      const fields: TemplateFieldSpec[] = new Array(n)
      for (let i = 0; i < n; i++) {
        const q = p + 4 + i * 4
        fields[i] = { id: buf.readUInt16BE(q), length: buf.readUInt16BE(q + 2), pen: 0 }
      }
      const t = installTemplate(st, 9, domain, id, false, 0, fields, nowMs, p)
      if ('code' in t) problems.push(t)
      else learned.push(t)
      p += 4 + n * 4
    }
  } else {
    while (end - p >= 6) {
      const id = buf.readUInt16BE(p)
      const scopeLen = buf.readUInt16BE(p + 2)
      const optLen = buf.readUInt16BE(p + 4)
      if (id === 0) break // padding
      if (scopeLen + optLen > end - p - 6) {
        problems.push(decodeError('netflow.template_truncated', p, 6 + scopeLen + optLen, end - p))
        break
      }
      const nScope = scopeLen >>> 2
      const n = nScope + (optLen >>> 2)
      const fields: TemplateFieldSpec[] = new Array(n)
      let q = p + 6
      for (let i = 0; i < nScope; i++, q += 4)
        fields[i] = { id: buf.readUInt16BE(q), length: buf.readUInt16BE(q + 2), pen: 0 }
      q = p + 6 + scopeLen
      for (let i = nScope; i < n; i++, q += 4)
        fields[i] = { id: buf.readUInt16BE(q), length: buf.readUInt16BE(q + 2), pen: 0 }
      const t = installTemplate(st, 9, domain, id, true, nScope, fields, nowMs, p)
      if ('code' in t) problems.push(t)
      else learned.push(t)
      p += 6 + scopeLen + optLen
    }
  }
  return { learned, withdrawn: 0 }
}
