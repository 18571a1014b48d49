/**
 * Test helper: what tshark (a peer tool) sees in a capture's TCP streams on one port: the reassembled payloads of
 * every stream, in order and by direction (`follow,tcp,raw`), and the objects of `--export-objects` (name → size and
 * SHA-256). Used to feed stream analyzers with real bytes independently of our own reassembly, and as ground truth.
 * Two tshark runs per capture and port, memoized for the test process.
 */

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface FollowedChunk {
  /** 0 = originator → responder (client to server), 1 = responder → originator. */
  readonly dir: 0 | 1
  readonly data: Buffer
}

export interface FollowedStream {
  /** tshark's tcp.stream index. */
  readonly index: number
  readonly client: { readonly host: string; readonly port: number }
  readonly server: { readonly host: string; readonly port: number }
  readonly chunks: FollowedChunk[]
}

export interface ExportedObject {
  readonly size: number
  readonly sha256: string
}

export interface TsharkView {
  readonly streams: FollowedStream[]
  /** Export-object file names as tshark wrote them, URL-decoded (`\PSEXESVC.exe`), when `exportProto` was given. */
  readonly objects: Map<string, ExportedObject>
}

const cache = new Map<string, TsharkView>()
const MAX_OUT = 256 * 1024 * 1024

/** The TCP streams on `port` of `file` as tshark reassembles them, and its exported `exportProto` objects. */
export function tsharkView(file: string, port: number, exportProto?: 'smb' | 'http' | 'ftp-data' | 'tftp'): TsharkView {
  const key = `${file}|${port}|${exportProto ?? ''}`
  const hit = cache.get(key)
  if (hit) return hit
  const dir = mkdtempSync(path.join(tmpdir(), 'tshark-view-'))
  const objects = new Map<string, ExportedObject>()
  let indices: number[]
  try {
    const args = ['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.dstport']
    if (exportProto) args.push('--export-objects', `${exportProto},${dir}`)
    const out = execFileSync('tshark', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: MAX_OUT,
    })
    const set = new Set<number>()
    for (const line of out.split('\n')) {
      const [s, sp, dp] = line.split('\t')
      if (s !== undefined && s !== '' && (Number(sp) === port || Number(dp) === port)) set.add(Number(s))
    }
    indices = [...set].sort((a, b) => a - b)
    for (const n of readdirSync(dir)) {
      const b = readFileSync(path.join(dir, n))
      objects.set(decodeURIComponent(n), { size: b.length, sha256: createHash('sha256').update(b).digest('hex') })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const streams = indices.length === 0 ? [] : followAll(file, indices, port)
  const view = { streams, objects }
  cache.set(key, view)
  return view
}

function followAll(file: string, indices: number[], serverPort: number): FollowedStream[] {
  const args = ['-r', file, '-q']
  for (const i of indices) args.push('-z', `follow,tcp,raw,${i}`)
  const out = execFileSync('tshark', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: MAX_OUT,
  })
  const streams: FollowedStream[] = []
  let cur:
    | { index: number; nodes: { host: string; port: number }[]; chunks: { node: number; data: Buffer }[] }
    | undefined
  const finish = () => {
    if (!cur) return
    const serverNode = cur.nodes[1]?.port === serverPort ? 1 : 0
    const server = cur.nodes[serverNode] ?? { host: '', port: serverPort }
    const client = cur.nodes[1 - serverNode] ?? { host: '', port: 0 }
    const chunks = cur.chunks.map((c) => ({ dir: (c.node === serverNode ? 1 : 0) as 0 | 1, data: c.data }))
    streams.push({ index: cur.index, client, server, chunks })
    cur = undefined
  }
  for (const line of out.split('\n')) {
    const f = /^Filter: tcp\.stream eq (\d+)$/.exec(line)
    if (f) {
      finish()
      cur = { index: Number(f[1]), nodes: [], chunks: [] }
      continue
    }
    if (!cur) continue
    const m = /^Node ([01]): (.*):(\d+)$/.exec(line)
    if (m) {
      cur.nodes[Number(m[1])] = { host: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[3]) }
      continue
    }
    const hex = /^(\t?)([0-9a-f]+)$/.exec(line)
    if (hex) cur.chunks.push({ node: hex[1] === '\t' ? 1 : 0, data: Buffer.from(hex[2] ?? '', 'hex') })
  }
  finish()
  // tshark prints the follow blocks in reverse order of the -z arguments.
  return streams.sort((a, b) => a.index - b.index)
}

/** Stream indices (tcp.stream) of a capture whose either port is `port`. */
export function tcpStreamsOnPort(file: string, port: number): number[] {
  return tsharkView(file, port).streams.map((s) => s.index)
}

/** Follows TCP stream `index`; the server is the node whose port is `serverPort`. */
export function followTcp(file: string, index: number, serverPort: number): FollowedStream {
  const s = tsharkView(file, serverPort).streams.find((x) => x.index === index)
  return (
    s ??
    followAll(file, [index], serverPort)[0] ?? {
      index,
      client: { host: '', port: 0 },
      server: { host: '', port: serverPort },
      chunks: [],
    }
  )
}
