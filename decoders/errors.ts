/**
 * Decode errors: bad traffic is data, not an exception (STYLE 2.3). A decoder returns a DecodeError;
 * the pipeline counts it by `code` and carries on. Codes are `layer.problem_in_snake_case` and are
 * metric labels, so renaming one is a breaking change.
 */

/** A stable error code, `layer.problem` (e.g. `ipv4.hlen_too_small`). */
export type DecodeErrorCode = `${string}.${string}`

export interface DecodeError {
  /** `layer.problem`, from a bounded set per layer. */
  readonly code: DecodeErrorCode
  /** The layer that failed (`ipv4`, `tcp`, `netflow.v9`, `syslog`...). */
  readonly layer: string
  /** Byte offset in the buffer where the problem was found. */
  readonly offset: number
  /** Bytes the layer needed, when the problem is a short buffer. */
  readonly need?: number
  /** Bytes that were there. */
  readonly have?: number
}

export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly next: number }
  | { readonly ok: false; readonly error: DecodeError }

export function decodeError(code: DecodeErrorCode, offset: number, need?: number, have?: number): DecodeError {
  const layer = code.slice(0, code.indexOf('.'))
  const e: { code: DecodeErrorCode; layer: string; offset: number; need?: number; have?: number } = {
    code,
    layer,
    offset,
  }
  if (need !== undefined) e.need = need
  if (have !== undefined) e.have = have
  return e
}

export function fail<T>(code: DecodeErrorCode, offset: number, need?: number, have?: number): Decoded<T> {
  return { ok: false, error: decodeError(code, offset, need, have) }
}

/**
 * The failure for a header parser's error code: `tooShort` (fewer bytes than the fixed header) carries
 * need = `minLen` and have = the bytes there; any other code carries its offset only.
 */
export function failHeader<T>(
  code: DecodeErrorCode,
  tooShort: DecodeErrorCode,
  off: number,
  end: number,
  minLen: number,
): Decoded<T> {
  return code === tooShort ? fail(code, off, minLen, Math.max(0, end - off)) : fail(code, off)
}

/** Renders a DecodeError as one sentence (etherparse style). */
export function formatDecodeError(e: DecodeError): string {
  const problem = e.code.slice(e.code.indexOf('.') + 1).replaceAll('_', ' ')
  const sizes = e.need !== undefined ? ` (needed ${e.need} bytes, had ${e.have ?? 0})` : ''
  return `The ${e.layer} layer failed: ${problem}${sizes} at offset ${e.offset}.`
}
