/**
 * The pcap-file collector: reads a capture file (or standard input for `-`, e.g. `tcpdump -U -w - | ...`)
 * in 1 MiB chunks and pushes them into a CaptureReader, which delivers frames synchronously. Framing faults
 * (PcapFormatError) and open/read failures become one CaptureFileError naming the file and the byte offset,
 * after every frame before the fault was delivered. Formats are recognised by content (CaptureReader).
 */
import type { CaptureReader } from '../../decoders/pcap/capture-reader.js'
import { PcapFormatError } from '../../decoders/pcap/pcap-format-error.js'
import { InputError } from '../errors.js'
import { type OpenedInput, openInput } from '../input.js'

/** File read size (packages.md §4.1: ~2 M packets/s with 1 MiB reads, half that with 64 KiB). */
export const CAPTURE_CHUNK_BYTES = 1 << 20

/** An unreadable or corrupt capture input (exit code 2). `code` is the PcapFormatError code or `capture.*`. */
export class CaptureFileError extends InputError {
  /** The input as given (`-` for stdin). */
  readonly input: string
  /** Absolute byte offset of the fault, when it is a format fault. */
  readonly offset: number | undefined

  constructor(code: string, input: string, message: string, offset: number | undefined, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause })
    this.input = input
    this.offset = offset
  }
}

export interface ReadCaptureOptions {
  /** Called after each chunk with bytes read so far and the file size (undefined for stdin/pipes). */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void
  /** Stops reading (the promise rejects with the signal's reason). */
  signal?: AbortSignal
}

function displayName(input: string): string {
  return input === '-' ? 'stdin' : input
}

function ioError(input: string, what: string, e: unknown): CaptureFileError {
  const errno = (e as NodeJS.ErrnoException).code
  const why = errno ?? (e instanceof Error ? e.message : String(e))
  return new CaptureFileError(
    `capture.${what}_failed`,
    input,
    `${displayName(input)}: cannot ${what} (${why}).`,
    undefined,
    e,
  )
}

/**
 * Reads `input` ('-' = stdin) through `reader` to the end, then calls reader.end(). The bytes come from
 * openInput (sensor/input.ts), the reading path of `analyze` and `listen`: regular files in reused buffers with
 * the next read running ahead, pipes and stdin as a stream.
 */
export async function readCaptureStream(
  input: string,
  reader: CaptureReader,
  opts: ReadCaptureOptions = {},
): Promise<void> {
  opts.signal?.throwIfAborted()
  let source: OpenedInput
  try {
    // No head is needed: the capture reader recognises the format itself.
    source = await openInput(input, 0, CAPTURE_CHUNK_BYTES)
  } catch (e) {
    if (e instanceof InputError && e.code === 'input.is_directory') {
      throw new CaptureFileError(
        'capture.is_directory',
        input,
        `${input}: is a directory, not a capture file.`,
        undefined,
      )
    }
    throw ioError(input, 'open', errnoCause(e))
  }
  const signal = opts.signal
  // Abort also while waiting for data (a quiet pipe): ending the stream ends the loop below.
  const onAbort = () => {
    if (input === '-') process.stdin.destroy()
    source.close()
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  let read = 0
  try {
    try {
      for await (const buf of source.chunks({ reuse: true })) {
        signal?.throwIfAborted()
        read += buf.length
        reader.push(buf)
        opts.onProgress?.(read, source.size)
      }
    } catch (e) {
      if (e instanceof PcapFormatError) throw e
      if (signal?.aborted) throw signal.reason
      throw ioError(input, 'read', errnoCause(e))
    }
    if (signal?.aborted) throw signal.reason
    reader.end()
  } catch (e) {
    if (e instanceof PcapFormatError) {
      throw new CaptureFileError(e.code, input, `${displayName(input)}: ${e.detail}.`, e.offset, e)
    }
    throw e
  } finally {
    signal?.removeEventListener('abort', onAbort)
    source.close()
  }
}

/** The system error behind an InputError from openInput (its message names the errno), else `e` itself. */
function errnoCause(e: unknown): unknown {
  return e instanceof InputError && e.cause !== undefined ? e.cause : e
}
