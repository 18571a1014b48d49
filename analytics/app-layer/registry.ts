/** Every app-layer analyzer the manager may attach, in probing order. Add a spec here when you add one. */
import { DNS_TCP_SPEC, DNS_UDP_SPEC } from './dns.js'
import { FINGER_SPEC } from './finger.js'
import { FTP_DATA_SPEC, FTP_SPEC } from './ftp.js'
import { HTTP_SPEC } from './http.js'
import { PROBE_SPECS } from './probes.js'
import { SMB_ANALYZER } from './smb.js'
import { TFTP_DATA_SPEC, TFTP_SPEC } from './tftp.js'
import { TLS_SPEC } from './tls.js'
import type { AnalyzerSpec } from './types.js'

export const ANALYZERS: readonly AnalyzerSpec[] = [
  HTTP_SPEC,
  TLS_SPEC,
  DNS_UDP_SPEC,
  DNS_TCP_SPEC,
  SMB_ANALYZER,
  FTP_SPEC,
  FTP_DATA_SPEC,
  TFTP_SPEC,
  TFTP_DATA_SPEC,
  ...PROBE_SPECS,
  // Last: its probe (one short text line) is the loosest.
  FINGER_SPEC,
]
