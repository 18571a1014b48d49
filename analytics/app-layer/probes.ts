/**
 * Identification-only analyzers for protocols the sensor recognises but does not parse: SSH (RFC 4253 §4.2),
 * SMTP (RFC 5321 §4.2), RDP (MS-RDPBCGR §2.2.1.1-2), IRC (RFC 2812), POP3 (RFC 1939), IMAP (RFC 9051). Each spec
 * pairs its probe with a tiny analyzer that confirms the service on the second proof token: the other side's
 * first payload matching the same probe (an SSH banner from both sides, EHLO after a 220 ESMTP greeting, an X.224
 * Connection Confirm after the Request, a numeric reply after NICK/USER...). The manager confirms the same way
 * when both directions' probes agree; the analyzer covers the case where one side was identified before the
 * other's first bytes were probed. After both first payloads it ignores the stream.
 */
import { probeIrc } from '../../decoders/app/irc.js'
import { probeImap, probePop3 } from '../../decoders/app/mail-banners.js'
import { probeRdp } from '../../decoders/app/rdp.js'
import { probeSmtp } from '../../decoders/app/smtp.js'
import { probeSsh } from '../../decoders/app/ssh.js'
import type { AnalyzerSpec, AppContext, Dir, ProbeResult, StreamAnalyzer } from './types.js'

type Probe = (dir: Dir, buf: Buffer, off: number, end: number) => ProbeResult

/** Bytes of a direction's first payload kept while the probe answers 'need-more'. */
const PREFIX_CAP = 512

class ConfirmOnBothSides implements StreamAnalyzer {
  private readonly seen: [boolean, boolean] = [false, false]
  private readonly yes: [boolean, boolean] = [false, false]
  private readonly prefix: [Buffer | undefined, Buffer | undefined] = [undefined, undefined]
  private done = false

  constructor(
    private readonly ctx: AppContext,
    private readonly name: string,
    private readonly probe: Probe,
  ) {}

  onData(dir: Dir, buf: Buffer, off: number, end: number): void {
    if (this.done || this.seen[dir]) return
    let b = buf
    let o = off
    let e = end
    const pre = this.prefix[dir]
    if (pre !== undefined) {
      b = Buffer.concat([pre, buf.subarray(off, Math.min(end, off + PREFIX_CAP))])
      o = 0
      e = b.length
    }
    const r = this.probe(dir, b, o, e)
    if (r === 'need-more' && e - o < PREFIX_CAP) {
      this.prefix[dir] = Buffer.from(b.subarray(o, e))
      return
    }
    this.prefix[dir] = undefined
    this.seen[dir] = true
    this.yes[dir] = r === 'yes'
    if (this.seen[0] && this.seen[1]) {
      this.done = true
      if (this.yes[0] && this.yes[1]) this.ctx.confirm(this.name)
      else this.ctx.weird(`${this.name}.one_side_only`)
    }
  }
}

function spec(name: string, ports: readonly number[], probe: Probe): AnalyzerSpec {
  return {
    name,
    transport: 'tcp',
    ports,
    probe,
    create: (ctx) => new ConfirmOnBothSides(ctx, name, probe),
  }
}

export const SSH_SPEC = spec('ssh', [22], probeSsh)
export const SMTP_SPEC = spec('smtp', [25, 465, 587], probeSmtp)
export const RDP_SPEC = spec('rdp', [3389], probeRdp)
export const IRC_SPEC = spec('irc', [6667, 6697], probeIrc)
export const POP3_SPEC = spec('pop3', [110], probePop3)
export const IMAP_SPEC = spec('imap', [143], probeImap)

/** The identification-only specs, in probing order. */
export const PROBE_SPECS: readonly AnalyzerSpec[] = [SSH_SPEC, SMTP_SPEC, RDP_SPEC, IRC_SPEC, POP3_SPEC, IMAP_SPEC]
