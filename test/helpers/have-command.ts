/** Whether a program is on PATH, for tests that need a Debian tool and say plainly when it is missing. */
import { execFileSync } from 'node:child_process'

export function haveCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
