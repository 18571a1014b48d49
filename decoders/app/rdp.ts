/**
 * RDP connection start (MS-RDPBCGR §2.2.1.1): a TPKT header (RFC 1006 §6: version 3, reserved 0, 16-bit length)
 * carrying an X.224 Connection Request TPDU (ISO 8073: length indicator, code 0xE0) from the client, or a Connection
 * Confirm (0xD0) from the server. Not handled: the cookie / negotiation request contents and anything after.
 */

/** TPKT (4) + X.224 LI and code (2). */
export const RDP_MIN_LEN = 6

export function probeRdp(dir: 0 | 1, buf: Buffer, off: number, end: number): 'yes' | 'no' | 'need-more' {
  const n = end - off
  if (n <= 0) return 'need-more'
  if (buf[off] !== 3) return 'no'
  if (n < 2) return 'need-more'
  if (buf[off + 1] !== 0) return 'no'
  if (n < RDP_MIN_LEN) return 'need-more'
  const len = buf.readUInt16BE(off + 2)
  const li = buf[off + 4] ?? 0
  // X.224 length indicator counts the TPDU header after itself; it must fit inside the TPKT length.
  if (len < 11 || li + 5 > len || li < 6) return 'no'
  const code = (buf[off + 5] ?? 0) & 0xf0
  return code === (dir === 0 ? 0xe0 : 0xd0) ? 'yes' : 'no'
}
