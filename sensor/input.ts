/**
 * Opening inputs: a file path or `-` for standard input, read as a stream of large chunks (1 MiB for
 * files, as measured in packages.md §4.1), with the first bytes available for format sniffing before the
 * stream is consumed. Formats are recognised by content (magic bytes), never by file extension.
 * Regular files are read with positioned reads, the next chunk read while the caller works on the current one;
 * a caller that copies whatever it keeps (the capture reader and everything behind it) may ask for the chunks
 * in two reused buffers (`chunks({ reuse: true })`): 1 MiB Buffers allocated per chunk count as external
 * memory, and V8 answered them with a young-generation collection every few chunks (107 of the 132 scavenges
 * of a 5 M-packet flows-only run, ~0.6 s).
 */
import { createReadStream, statSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { InputError } from './errors.js'

export const READ_CHUNK_BYTES = 1 << 20

export interface ChunkOptions {
  /**
   * Read into two buffers that are reused (regular files only): a chunk is valid only until the next one is
   * asked for, so the consumer must copy anything it keeps. Default false: every chunk is a buffer of its own.
   */
  readonly reuse?: boolean
}

export interface OpenedInput {
  /** Display name (`stdin` for `-`). */
  readonly name: string
  /** Size in bytes when known (regular files), for progress. */
  readonly size: number | undefined
  /** At least the first `headBytes` bytes (fewer only if the input is shorter); never a reused buffer. */
  readonly head: Buffer
  /** Every byte of the input, starting with the head. Call once. */
  chunks(opts?: ChunkOptions): AsyncIterable<Buffer>
  /** Stops reading and releases the file. */
  close(): void
}

const noop = (): void => {}

function readError(name: string, e: unknown): InputError {
  return new InputError('input.unreadable', `${name}: read failed (${(e as NodeJS.ErrnoException).code ?? e}).`, {
    cause: e,
  })
}

/**
 * Reads `fh` from byte `from` to its end in chunks of at most `chunkBytes`, each read started before the
 * previous chunk is handed out. With `reuse`, two buffers alternate (a chunk is overwritten by the read after
 * the next one, which starts only when the consumer asks for the next chunk); otherwise each chunk is new.
 */
async function* readFileChunks(
  fh: FileHandle,
  chunkBytes: number,
  from: number,
  reuse: boolean,
): AsyncGenerator<Buffer> {
  const pair = reuse ? [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)] : undefined
  let which = 0
  let pos = from
  const start = (): Promise<{ bytesRead: number; buffer: Buffer }> => {
    const buf = pair ? (pair[which] as Buffer) : Buffer.allocUnsafe(chunkBytes)
    const p = fh.read(buf, 0, chunkBytes, pos)
    // A read still in flight when the consumer stops (abort, error) must not become an unhandled rejection.
    p.catch(noop)
    return p
  }
  let next = start()
  while (true) {
    const { bytesRead, buffer } = await next
    if (bytesRead === 0) return
    pos += bytesRead
    which ^= 1
    next = start()
    yield buffer.subarray(0, bytesRead)
  }
}

export async function openInput(path: string, headBytes = 4096, chunkBytes = READ_CHUNK_BYTES): Promise<OpenedInput> {
  const name = path === '-' ? 'stdin' : path
  // Standard input (a pipe or a terminal): read as a stream, each chunk a buffer of its own; never destroyed.
  if (path === '-') return openStream(name, process.stdin, headBytes, false)
  let size: number | undefined
  let fh: FileHandle
  try {
    const st = statSync(path)
    if (st.isDirectory())
      throw new InputError('input.is_directory', `${name}: is a directory, not a capture or log file.`)
    size = st.isFile() ? st.size : undefined
    if (size === undefined) return openStream(name, createReadStream(path, { highWaterMark: chunkBytes }), headBytes)
    fh = await open(path, 'r')
  } catch (e) {
    if (e instanceof InputError) throw e
    throw new InputError('input.unreadable', `${name}: cannot open (${(e as NodeJS.ErrnoException).code ?? e}).`, {
      cause: e,
    })
  }
  let head: Buffer
  try {
    const first = Buffer.allocUnsafe(Math.max(headBytes, Math.min(chunkBytes, size)))
    const { bytesRead } = await fh.read(first, 0, first.length, 0)
    head = first.subarray(0, bytesRead)
  } catch (e) {
    void fh.close().catch(noop)
    throw readError(name, e)
  }
  let closed = false
  return {
    name,
    size,
    head,
    async *chunks(opts: ChunkOptions = {}) {
      if (head.length === 0) return
      yield head
      try {
        for await (const c of readFileChunks(fh, chunkBytes, head.length, opts.reuse === true)) {
          if (closed) return
          yield c
        }
      } catch (e) {
        if (closed) return
        throw readError(name, e)
      }
    },
    close() {
      if (closed) return
      closed = true
      // FileHandle.close waits for a read still in flight.
      void fh.close().catch(noop)
    },
  }
}

async function openStream(
  name: string,
  stream: NodeJS.ReadableStream & { destroy?: () => void },
  headBytes: number,
  destroyOnClose = true,
): Promise<OpenedInput> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const pre: Buffer[] = []
  let preLen = 0
  let done = false
  try {
    while (preLen < headBytes) {
      const r = await it.next()
      if (r.done) {
        done = true
        break
      }
      pre.push(r.value)
      preLen += r.value.length
    }
  } catch (e) {
    throw new InputError('input.unreadable', `${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? e}).`, {
      cause: e,
    })
  }
  const head = pre.length === 1 ? (pre[0] as Buffer) : Buffer.concat(pre)
  return {
    name,
    size: undefined,
    head,
    async *chunks() {
      if (head.length) yield head
      if (done) return
      while (true) {
        let r: IteratorResult<Buffer>
        try {
          r = await it.next()
        } catch (e) {
          throw readError(name, e)
        }
        if (r.done) return
        yield r.value
      }
    },
    close() {
      if (destroyOnClose) stream.destroy?.()
    },
  }
}
