/**
 * File-name helpers shared by the correlating detections: the comparable basename of a Windows/Unix path or
 * URL, the tool-like extensions and sniffed types (executables, scripts, installers), and the file names a
 * download command line mentions (`certutil -urlcache -split -f http://h/tool.exe C:\Users\Public\tool.exe`).
 * Names are compared case-insensitively (Windows file systems). Not handled: 8.3 short names, NTFS streams
 * beyond stripping `:stream`, environment variables in paths.
 */
import type { FileType } from '../events.js'

/** Most names taken from one command line. */
export const MAX_NAMES_PER_COMMAND = 8

/** Executable and installer extensions (PE family, ELF-less Unix binaries have none). */
export const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  'exe',
  'dll',
  'sys',
  'scr',
  'com',
  'cpl',
  'ocx',
  'msi',
  'msp',
  'jar',
  'apk',
  'dex',
  'elf',
  'bin',
  'so',
])
/** Script extensions. */
export const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set([
  'ps1',
  'psm1',
  'bat',
  'cmd',
  'vbs',
  'vbe',
  'js',
  'jse',
  'wsf',
  'hta',
  'sh',
  'py',
  'pl',
  'lnk',
])
/** Archive extensions (a bare `payload.zip` on a command line is a file name). */
export const ARCHIVE_EXTENSIONS: ReadonlySet<string> = new Set(['zip', '7z', 'rar', 'cab', 'iso', 'gz', 'tgz', 'tar'])
/** Sniffed types that are executable code. */
export const EXECUTABLE_TYPES: ReadonlySet<FileType> = new Set([
  'pe',
  'elf',
  'macho',
  'dex',
  'apk',
  'jar',
  'class',
  'msi',
])

/** The last path component, lower case, without query/fragment or NTFS stream; '' when none. */
export function basenameOf(path: string): string {
  let p = path.trim().replace(/^["']|["']$/g, '')
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(p)
  if (scheme) {
    p = p.slice(scheme[0].length)
    const slash = p.indexOf('/')
    p = slash < 0 ? '' : p.slice(slash)
    p = p.replace(/[?#].*$/, '')
    try {
      p = decodeURIComponent(p)
    } catch {
      // Keep the raw text when the escape is malformed.
    }
  }
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'))
  let b = i >= 0 ? p.slice(i + 1) : p
  const colon = b.indexOf(':')
  if (colon > 0) b = b.slice(0, colon)
  return b.toLowerCase()
}

/** The extension of a basename, lower case, '' when none. */
export function extensionOf(name: string): string {
  const b = basenameOf(name)
  const dot = b.lastIndexOf('.')
  return dot > 0 && dot < b.length - 1 ? b.slice(dot + 1) : ''
}

/** 'executable', 'script' or undefined for a file name. */
export function toolKindOfName(name: string): 'executable' | 'script' | undefined {
  const e = extensionOf(name)
  if (EXECUTABLE_EXTENSIONS.has(e)) return 'executable'
  if (SCRIPT_EXTENSIONS.has(e)) return 'script'
  return undefined
}

/** 'executable', 'script' or undefined for a sniffed type (and its name as a fallback). */
export function toolKind(type: FileType | undefined, name: string | undefined): 'executable' | 'script' | undefined {
  if (type !== undefined && EXECUTABLE_TYPES.has(type)) return 'executable'
  if (type === 'script' || type === 'lnk') return 'script'
  return name === undefined ? undefined : toolKindOfName(name)
}

/**
 * The file names (basenames, lower case) a command line mentions: URL path basenames and path/bare tokens with
 * an extension, skipping the program itself (first token). At most MAX_NAMES_PER_COMMAND.
 */
export function namesInCommandLine(cmd: string): string[] {
  const tokens = cmd.slice(0, 8192).match(/"[^"]*"|'[^']*'|[^\s"']+/g) ?? []
  const out = new Set<string>()
  for (let i = 1; i < tokens.length && out.size < MAX_NAMES_PER_COMMAND; i++) {
    const t = (tokens[i] ?? '').replace(/^["']|["']$/g, '')
    // Switches: -f, /transfer, /Processid:{...}.
    if (t.startsWith('-') || /^\/[^/\\]*$/.test(t)) continue
    const b = basenameOf(t)
    if (!/^[^\\/:*?"<>|@]+\.[a-z0-9]{1,5}$/.test(b) || /^\d+(\.\d+)+$/.test(b)) continue
    // A bare word (no path, no URL) counts only with a tool or archive extension: `virus.exe`, not `example.com`.
    const bare = !/[\\/]/.test(t)
    if (bare && toolKindOfName(b) === undefined && !ARCHIVE_EXTENSIONS.has(extensionOf(b))) continue
    out.add(b)
  }
  return [...out]
}
