/**
 * File-type sniffing from the first bytes of a transfer (anchors.md §4.3), with our own table: no libmagic.
 * Executables are confirmed structurally where the format allows it: a PE needs `MZ` AND `e_lfanew` (u32 LE
 * at 0x3C) pointing at `PE\0\0` inside the bytes given; an `MZ` whose PE header is absent or out of reach is
 * reported as `unknown` with detail `mz-dos` (checked, not PE) or `mz-unverified` (e_lfanew beyond the bytes
 * given), so no consumer mistakes it for a confirmed PE. Mach-O fat (`CA FE BA BE`) is told from a Java class by
 * `nfat_arch` < 0x20 (arkime). ZIP local headers are walked (bounded) for APK/JAR member names.
 * Scripts are recognised by shebang, batch prefixes, and low-confidence keyword heuristics for PowerShell,
 * JScript/HTA and VBScript (no anchor has signatures for those). Image formats map to `unknown` with a detail
 * (`png`, `jpeg`, `gif`) because FileType only lists what matters for tool transfer.
 * Not handled: UTF-16 scripts (sniffed as unknown), MSI detection beyond the root-directory CLSID in reach.
 */
/** The content kinds we recognise (analytics/events.ts re-exports this type for the events). */
export type FileType =
  | 'pe'
  | 'elf'
  | 'macho'
  | 'dex'
  | 'apk'
  | 'jar'
  | 'class'
  | 'msi'
  | 'ole'
  | 'cab'
  | 'lnk'
  | 'zip'
  | 'gzip'
  | 'rar'
  | '7z'
  | 'script'
  | 'pdf'
  | 'text'
  | 'unknown'

/** Result of sniffing. */
export interface SniffResult {
  /** Coarse type (FileType). */
  readonly type: FileType
  /** Finer detail: `pe32`, `pe32+`, `pe32-dll`, `elf64-exec`, `macho-fat`, `shell`, `powershell`... */
  readonly detail?: string
}

/** Hard cap on ZIP local headers walked. */
const ZIP_MAX_ENTRIES = 16
/** Bytes scanned for script keywords. */
const SCRIPT_SCAN = 1024

function r(type: FileType, detail?: string): SniffResult {
  return detail === undefined ? { type } : { type, detail }
}

function startsWith(buf: Buffer, off: number, end: number, sig: readonly number[]): boolean {
  if (end - off < sig.length) return false
  for (let i = 0; i < sig.length; i++) if (buf[off + i] !== sig[i]) return false
  return true
}

function sniffPe(buf: Buffer, off: number, end: number): SniffResult {
  if (end - off < 0x40) return r('unknown', 'mz-unverified')
  const lfanew = buf.readUInt32LE(off + 0x3c)
  const pe = off + lfanew
  if (lfanew < 0x40 || pe + 4 > end) return r('unknown', lfanew < 0x40 ? 'mz-dos' : 'mz-unverified')
  if (!startsWith(buf, pe, end, [0x50, 0x45, 0, 0])) return r('unknown', 'mz-dos')
  // COFF header (20 bytes) then the optional header magic: 0x10b PE32, 0x20b PE32+.
  let detail = 'pe'
  if (pe + 26 <= end) {
    const magic = buf.readUInt16LE(pe + 24)
    detail = magic === 0x20b ? 'pe32+' : magic === 0x10b ? 'pe32' : 'pe'
    const characteristics = buf.readUInt16LE(pe + 22)
    if (characteristics & 0x2000) detail += '-dll'
  }
  return r('pe', detail)
}

function sniffElf(buf: Buffer, off: number, end: number): SniffResult {
  const cls = buf[off + 4] === 2 ? 'elf64' : buf[off + 4] === 1 ? 'elf32' : 'elf'
  if (end - off < 18) return r('elf', cls)
  const et = buf[off + 5] === 2 ? buf.readUInt16BE(off + 16) : buf.readUInt16LE(off + 16)
  const kind = et === 1 ? 'rel' : et === 2 ? 'exec' : et === 3 ? 'dyn' : et === 4 ? 'core' : `type${et}`
  return r('elf', `${cls}-${kind}`)
}

function sniffZip(buf: Buffer, off: number, end: number): SniffResult {
  let p = off
  let jar = false
  let ooxml = false
  for (let i = 0; i < ZIP_MAX_ENTRIES && p + 30 <= end; i++) {
    if (buf.readUInt32LE(p) !== 0x04034b50) break
    const flags = buf.readUInt16LE(p + 6)
    const csize = buf.readUInt32LE(p + 18)
    const nlen = buf.readUInt16LE(p + 26)
    const xlen = buf.readUInt16LE(p + 28)
    const nameEnd = Math.min(end, p + 30 + nlen)
    const name = buf.toString('latin1', p + 30, nameEnd)
    if (name === 'AndroidManifest.xml' || name === 'classes.dex') return r('apk')
    if (name.startsWith('META-INF/')) jar = true
    if (name === '[Content_Types].xml') ooxml = true
    // Bit 3: sizes follow the data in a descriptor, so the next header cannot be found.
    if (flags & 0x08) break
    p = p + 30 + nlen + xlen + csize
  }
  if (jar) return r('jar')
  return ooxml ? r('zip', 'ooxml') : r('zip')
}

const MSI_CLSID = [0x84, 0x10, 0x0c, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]

function sniffOle(buf: Buffer, off: number, end: number): SniffResult {
  if (end - off >= 0x34) {
    const shift = buf.readUInt16LE(off + 0x1e)
    const dirSect = buf.readUInt32LE(off + 0x30)
    if (shift >= 7 && shift <= 16 && dirSect < 0x10000) {
      const root = off + (dirSect + 1) * 2 ** shift
      if (root + 0x60 <= end && startsWith(buf, root + 0x50, end, MSI_CLSID)) return r('msi')
    }
  }
  return r('ole', 'cfb')
}

function isText(buf: Buffer, off: number, end: number): boolean {
  const n = Math.min(end, off + SCRIPT_SCAN)
  if (n <= off) return false
  let bad = 0
  for (let i = off; i < n; i++) {
    const c = buf[i] ?? 0
    if (c === 0) return false
    if (c < 9 || (c > 13 && c < 32 && c !== 27) || c === 127) bad++
  }
  return bad * 100 <= (n - off) * 2
}

const SHELLS = /^(ba|da|tc|c|z|fa|ae|k|mk|yo)?sh$/

function sniffShebang(buf: Buffer, off: number, end: number): SniffResult {
  let nl = buf.indexOf(10, off)
  if (nl < 0 || nl > end) nl = Math.min(end, off + 256)
  const line = buf.toString('latin1', off + 2, Math.min(nl, off + 256)).trim()
  const parts = line.split(/\s+/)
  let prog = (parts[0] ?? '').split('/').pop() ?? ''
  if (prog === 'env') prog = (parts.find((x, i) => i > 0 && !x.startsWith('-')) ?? '').split('/').pop() ?? ''
  if (SHELLS.test(prog)) return r('script', 'shell')
  if (prog.startsWith('python')) return r('script', 'python')
  if (prog.startsWith('perl')) return r('script', 'perl')
  if (prog === 'node' || prog === 'nodejs') return r('script', 'node')
  if (prog.startsWith('ruby')) return r('script', 'ruby')
  if (prog.startsWith('php')) return r('script', 'php')
  if (prog.startsWith('pwsh') || prog.startsWith('powershell')) return r('script', 'powershell')
  return r('script', prog === '' ? 'shebang' : `shebang-${prog.slice(0, 16)}`)
}

const PS_TOKENS = [
  'iex ',
  'iex(',
  'invoke-expression',
  'invoke-webrequest',
  'invoke-restmethod',
  '-encodedcommand',
  'frombase64string',
  'new-object net.webclient',
  'new-object system.net.webclient',
  '.downloadstring(',
  '.downloadfile(',
  'start-bitstransfer',
  'set-executionpolicy',
]

/**
 * Sniffs the type of content in `buf[off, end)` (the first bytes of a file; 1 KiB is enough for everything but
 * PE headers placed unusually far, which then read `mz-unverified`). Never throws, reads nothing past `end`.
 */
export function sniffFileType(buf: Buffer, off: number, end: number): SniffResult {
  if (end > buf.length) end = buf.length
  if (end - off < 2) return end > off ? r('unknown') : r('unknown', 'empty')
  const b0 = buf[off] ?? 0
  const b1 = buf[off + 1] ?? 0
  if (b0 === 0x4d && b1 === 0x5a) return sniffPe(buf, off, end)
  if (startsWith(buf, off, end, [0x7f, 0x45, 0x4c, 0x46])) return sniffElf(buf, off, end)
  if (startsWith(buf, off, end, [0xfe, 0xed, 0xfa, 0xce]) || startsWith(buf, off, end, [0xce, 0xfa, 0xed, 0xfe]))
    return r('macho', 'macho32')
  if (startsWith(buf, off, end, [0xfe, 0xed, 0xfa, 0xcf]) || startsWith(buf, off, end, [0xcf, 0xfa, 0xed, 0xfe]))
    return r('macho', 'macho64')
  if (startsWith(buf, off, end, [0xca, 0xfe, 0xba, 0xbe])) {
    if (end - off < 8) return r('unknown', 'cafebabe')
    const n = buf.readUInt32BE(off + 4)
    return n > 0 && n < 0x20 ? r('macho', 'macho-fat') : r('class', `java-major-${buf.readUInt16BE(off + 6)}`)
  }
  if (startsWith(buf, off, end, [0x64, 0x65, 0x78, 0x0a]) && end - off >= 8 && buf[off + 7] === 0) return r('dex')
  if (startsWith(buf, off, end, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(buf, off, end)
  if (startsWith(buf, off, end, [0x50, 0x4b, 0x05, 0x06])) return r('zip', 'empty')
  if (startsWith(buf, off, end, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return sniffOle(buf, off, end)
  if (startsWith(buf, off, end, [0x4d, 0x53, 0x43, 0x46, 0, 0, 0, 0])) return r('cab')
  if (startsWith(buf, off, end, [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0])) return r('lnk')
  if (startsWith(buf, off, end, [0x1f, 0x8b, 0x08])) return r('gzip')
  if (startsWith(buf, off, end, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return r('rar')
  if (startsWith(buf, off, end, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return r('7z')
  if (startsWith(buf, off, end, [0x25, 0x50, 0x44, 0x46, 0x2d])) return r('pdf')
  if (startsWith(buf, off, end, [0x89, 0x50, 0x4e, 0x47])) return r('unknown', 'png')
  if (startsWith(buf, off, end, [0xff, 0xd8, 0xff])) return r('unknown', 'jpeg')
  if (startsWith(buf, off, end, [0x47, 0x49, 0x46, 0x38])) return r('unknown', 'gif')
  return sniffText(buf, off, end)
}

function sniffText(buf: Buffer, off: number, end: number): SniffResult {
  let p = off
  if (startsWith(buf, p, end, [0xef, 0xbb, 0xbf])) p += 3
  while (p < end && (buf[p] === 0x20 || buf[p] === 0x09 || buf[p] === 0x0d || buf[p] === 0x0a)) p++
  if (!isText(buf, p, end)) return r('unknown')
  if (buf[p] === 0x23 && buf[p + 1] === 0x21) return sniffShebang(buf, p, end)
  const s = buf.toString('latin1', p, Math.min(end, p + SCRIPT_SCAN)).toLowerCase()
  if (s.startsWith('@echo off') || s.startsWith('@rem') || s.startsWith('@set ') || s.startsWith('@echo on'))
    return r('script', 'batch')
  if (s.includes('<hta:application')) return r('script', 'hta')
  const wsh = s.includes('wscript.') || s.includes('activexobject(') || s.includes('createobject(')
  if (s.startsWith('<')) {
    if (wsh) return r('script', 'hta')
    if (s.startsWith('<!doctype html') || s.startsWith('<html') || s.includes('<body')) return r('text', 'html')
    if (s.startsWith('<?xml')) return r('text', 'xml')
    if (s.startsWith('<script')) return r('script', 'javascript')
    return r('text', 'markup')
  }
  for (const t of PS_TOKENS) if (s.includes(t)) return r('script', 'powershell')
  if (wsh) {
    if (s.includes('dim ') || s.includes('on error resume next') || /(^|\n)\s*set \w+\s*=/.test(s))
      return r('script', 'vbs')
    return r('script', 'jscript')
  }
  if (s.includes('document.write(') || s.includes('eval(function(')) return r('script', 'javascript')
  if (s.startsWith('{') || s.startsWith('[')) return r('text', 'json')
  return r('text')
}
