/**
 * Linux auditd EXECVE records (as audispd/syslog forward them): `type=EXECVE msg=audit(TS:SERIAL):
 * argc=N a0="curl" a1=2D6F …`. Arguments are quoted text or hex when they contain spaces, quotes or
 * control characters (auditd `audit_log_n_untrustedstring`); long ones are split as `aN_len=` + `aN[k]=`.
 * Produces a `process` host event with the joined command line. Not handled: joining the matching
 * SYSCALL record (uid/exe) of the same serial, so `user` is not set.
 */
import type { HostFields } from './types.js'

/** Hard cap on arguments read from one record. */
export const MAX_EXECVE_ARGS = 256

function decodeArg(v: string): string {
  if (v.startsWith('"')) return v.slice(1, v.endsWith('"') ? -1 : undefined)
  if (v.length % 2 === 0 && /^[0-9A-Fa-f]+$/.test(v)) return Buffer.from(v, 'hex').toString('utf8')
  return v
}

/** Parses an EXECVE record in `message`; undefined when it is not one. */
export function parseAuditdExecve(message: string, fallbackHost: string | undefined): HostFields | undefined {
  const t = message.indexOf('type=EXECVE')
  if (t < 0) return undefined
  const body = message.slice(t)
  const argcM = /\bargc=(\d+)/.exec(body)
  const argc = Math.min(Number(argcM?.[1] ?? MAX_EXECVE_ARGS), MAX_EXECVE_ARGS)
  const args = new Map<number, string>()
  const parts = new Map<number, string[]>()
  const re = /\ba(\d+)(?:\[(\d+)\])?=("[^"]*"|\S+)/g
  for (let x = re.exec(body); x !== null; x = re.exec(body)) {
    const n = Number(x[1])
    if (n >= argc) continue
    const v = decodeArg(x[3] ?? '')
    if (x[2] !== undefined) {
      const k = Number(x[2])
      if (k > 4096) continue
      const arr = parts.get(n) ?? []
      arr[k] = v
      parts.set(n, arr)
    } else if (!args.has(n)) args.set(n, v)
  }
  for (const [n, arr] of parts) args.set(n, arr.join(''))
  if (args.size === 0) return undefined
  const list: string[] = []
  for (let i = 0; i < argc; i++) {
    const a = args.get(i)
    if (a === undefined) break
    list.push(a)
  }
  const node = /\bnode=(\S+)/.exec(message)
  const out: { -readonly [K in keyof HostFields]: HostFields[K] } = {
    host: node?.[1] ?? fallbackHost ?? '',
    event_id: 'auditd:execve',
    action: 'process',
    command_line: list.join(' '),
  }
  if (list[0] !== undefined) out.image = list[0]
  const ts = /msg=audit\((\d+(?:\.\d+)?):/.exec(body)
  if (ts) out.ts = Number(ts[1])
  return out
}
