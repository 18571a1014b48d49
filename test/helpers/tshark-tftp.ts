/**
 * tshark's view of the TFTP in a capture (RFC 1350 opcodes: 1 RRQ, 2 WRQ, 3 DATA, 5 ERROR), the expectation
 * the TFTP analyzer and tftp-transfer detection tests compare against. Needs tshark (Debian package tshark).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

export interface TsharkTftpView {
  /** The file name of every read and write request, in capture order. */
  readonly files: string[]
  /** Distinct DATA block numbers (a retransmitted block counts once). */
  readonly blocks: number
  /** Payload bytes of the distinct DATA blocks (UDP length - 8 - the 4-byte DATA header). */
  readonly bytes: number
  /** ERROR codes, in capture order. */
  readonly errors: number[]
}

export async function tsharkTftp(file: string): Promise<TsharkTftpView> {
  const { stdout: out } = await promisify(execFile)(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'tftp',
      '-T',
      'fields',
      '-e',
      'tftp.opcode',
      '-e',
      'tftp.source_file',
      '-e',
      'tftp.destination_file',
      '-e',
      'tftp.block',
      '-e',
      'udp.length',
      '-e',
      'tftp.error.code',
    ],
    { encoding: 'utf8' },
  )
  const files: string[] = []
  const seen = new Map<string, number>()
  const errors: number[] = []
  for (const line of out.split('\n')) {
    if (line === '') continue
    const [op, src, dst, block, ulen, err] = line.split('\t')
    if (op === '1' || op === '2') files.push((src || dst) ?? '')
    if (op === '3') seen.set(block ?? '', Number(ulen) - 8 - 4)
    if (op === '5') errors.push(Number(err))
  }
  let bytes = 0
  for (const v of seen.values()) bytes += v
  return { files, blocks: seen.size, bytes, errors }
}
