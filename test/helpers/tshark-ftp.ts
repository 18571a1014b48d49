/**
 * tshark's FTP requests in a capture (RFC 959 §4.1 commands with their argument), the expectation the FTP
 * analyzer and ftp-transfer detection tests compare against. Needs tshark (Debian package tshark).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

export interface TsharkFtpRequest {
  /** The command as sent (`USER`, `RETR`...). */
  readonly cmd: string
  /** Its argument, '' when none. */
  readonly arg: string
}

/** The requests on TCP `port` (decoded as FTP), in order; only `commands` when given. */
export async function tsharkFtpRequests(
  file: string,
  port = 21,
  commands?: readonly string[],
): Promise<TsharkFtpRequest[]> {
  const filter =
    commands === undefined ? 'ftp.request.command' : commands.map((c) => `ftp.request.command == "${c}"`).join(' || ')
  const { stdout: out } = await promisify(execFile)(
    'tshark',
    [
      '-r',
      file,
      '-d',
      `tcp.port==${port},ftp`,
      '-Y',
      filter,
      '-T',
      'fields',
      '-e',
      'ftp.request.command',
      '-e',
      'ftp.request.arg',
    ],
    { encoding: 'utf8' },
  )
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [cmd, arg] = l.split('\t')
      return { cmd: cmd ?? '', arg: arg ?? '' }
    })
}
