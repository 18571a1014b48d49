/**
 * Runs the Wireshark command-line tools (tshark, capinfos; Debian package tshark / wireshark-common) so
 * tests can take their expectations from a peer tool instead of from our own output.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** tshark -T fields for every frame: one string[] per frame, one entry per field (multi-values joined by ','). */
export async function tsharkFields(
  file: string,
  fields: readonly string[],
  extra: readonly string[] = [],
): Promise<string[][]> {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...extra]
  for (const f of fields) args.push('-e', f)
  let stdout: string
  try {
    ;({ stdout } = await run('tshark', args, { maxBuffer: 64 << 20 }))
  } catch (e) {
    // tshark exits 2 on a corrupt/truncated file but still prints the frames before the fault.
    stdout = (e as { stdout?: string }).stdout ?? ''
  }
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'))
}

/** Packet count per file from `capinfos -c -M -T` (one process for all files; -1 when capinfos gave none). */
export async function capinfosCounts(files: readonly string[]): Promise<Map<string, number>> {
  let stdout: string
  try {
    ;({ stdout } = await run('capinfos', ['-c', '-M', '-T', ...files], { maxBuffer: 16 << 20 }))
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? ''
  }
  const out = new Map<string, number>()
  for (const line of stdout.split('\n').slice(1)) {
    const [name, count] = line.split('\t')
    if (name !== undefined && count !== undefined && name.length > 0) out.set(name, Number(count))
  }
  return out
}
