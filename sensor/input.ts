/**
 * Opening inputs: a file path or `-` for standard input, read as a stream of large chunks (1 MiB for
 * files, as measured in packages.md §4.1), with the first bytes available for format sniffing before the
 * stream is consumed. Formats are recognised by content (magic bytes), never by file extension.
 */
import { createReadStream, statSync } from 'node:fs'
import { InputError } from './errors.js'

export const READ_CHUNK_BYTES = 1 << 20

export interface OpenedInput {
  /** Display name (`stdin` for `-`). */
  readonly name: string
  /** Size in bytes when known (regular files), for progress. */
  readonly size: number | undefined
  /** At least the first `headBytes` bytes (fewer only if the input is shorter). */
  readonly head: Buffer
  /** Every byte of the input, starting with the head. */
  readonly chunks: AsyncIterable<Buffer>
  /** Stops reading and releases the file. */
  close(): void
}

export async function openInput(path: string, headBytes = 4096): Promise<OpenedInput> {
  const name = path === '-' ? 'stdin' : path
  let size: number | undefined
  if (path !== '-') {
    try {
      const st = statSync(path)
      if (st.isDirectory())
        throw new InputError('input.is_directory', `${name}: is a directory, not a capture or log file.`)
      size = st.isFile() ? st.size : undefined
    } catch (e) {
      if (e instanceof InputError) throw e
      throw new InputError('input.unreadable', `${name}: cannot open (${(e as NodeJS.ErrnoException).code ?? e}).`, {
        cause: e,
      })
    }
  }
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })
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
  async function* chunks(): AsyncGenerator<Buffer> {
    if (head.length) yield head
    if (done) return
    while (true) {
      let r: IteratorResult<Buffer>
      try {
        r = await it.next()
      } catch (e) {
        throw new InputError('input.unreadable', `${name}: read failed (${(e as NodeJS.ErrnoException).code ?? e}).`, {
          cause: e,
        })
      }
      if (r.done) return
      yield r.value
    }
  }
  return {
    name,
    size,
    head,
    chunks: chunks(),
    close() {
      if (path !== '-') (stream as ReturnType<typeof createReadStream>).destroy()
    },
  }
}
