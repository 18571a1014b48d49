/**
 * Test helper: the reassembled payloads of one TCP stream of a capture, in order and by direction, as tshark's
 * `follow,tcp,raw` gives them. Used to feed stream analyzers with real bytes before/without the app-layer
 * manager, with tshark (a peer tool) doing the reassembly.
 */
import { execFileSync } from 'node:child_process'

export interface FollowedChunk {
  /** 0 = originator → responder (client to server), 1 = responder → originator. */
  readonly dir: 0 | 1
  readonly data: Buffer
}

export interface FollowedStream {
  readonly client: { readonly host: string; readonly port: number }
  readonly server: { readonly host: string; readonly port: number }
  readonly chunks: FollowedChunk[]
}

/** Stream indices (tcp.stream) of a capture whose either port is `port`. */
export function tcpStreamsOnPort(file: string, port: number): number[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', `tcp.port==${port}`, '-T', 'fields', '-e', 'tcp.stream'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  })
  return [
    ...new Set(
      out
        .split('\n')
        .filter((l) => l !== '')
        .map(Number),
    ),
  ].sort((a, b) => a - b)
}

/** Follows TCP stream `index`; the server is the node whose port is `serverPort`. */
export function followTcp(file: string, index: number, serverPort: number): FollowedStream {
  const out = execFileSync('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${index}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  })
  const nodes: { host: string; port: number }[] = []
  const chunks: FollowedChunk[] = []
  let serverNode = 1
  for (const line of out.split('\n')) {
    const m = /^Node ([01]): (.*):(\d+)$/.exec(line)
    if (m) {
      const host = (m[2] ?? '').replace(/^\[|\]$/g, '')
      nodes[Number(m[1])] = { host, port: Number(m[3]) }
      if (Number(m[3]) === serverPort) serverNode = Number(m[1])
      continue
    }
    const hex = /^(\t?)([0-9a-f]+)$/.exec(line)
    if (!hex) continue
    const node = hex[1] === '\t' ? 1 : 0
    chunks.push({ dir: node === serverNode ? 1 : 0, data: Buffer.from(hex[2] ?? '', 'hex') })
  }
  const server = nodes[serverNode] ?? { host: '', port: serverPort }
  const client = nodes[1 - serverNode] ?? { host: '', port: 0 }
  return { client, server, chunks }
}
