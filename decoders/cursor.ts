/**
 * Bounds helpers for decoders: check a fixed-size header once, then read with buf.readUInt16BE etc.
 * `end` is always set by the caller from the enclosing length field, never taken from buf.length.
 */
import { type DecodeError, type DecodeErrorCode, decodeError } from './errors.js'

/** Returns a DecodeError when fewer than `need` bytes remain between `off` and `end`, else undefined. */
export function need(code: DecodeErrorCode, off: number, end: number, n: number): DecodeError | undefined {
  return end - off < n ? decodeError(code, off, n, Math.max(0, end - off)) : undefined
}

/** Reads an IPv4 address at `off` as dotted-quad text (for events, not the hot path). */
export function ipv4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
}
