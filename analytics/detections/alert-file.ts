/**
 * The `file` block of an alert raised on a FileEvent (ftp-transfer, lateral-transfer; executable-download
 * appends the MIME type): what moved, how much, its sniffed type and whether it arrived whole, then the
 * name, type detail and SHA-256 when they are known, in that key order (the order the alert's JSON shows).
 * Detections that report a different set of file fields (chain, download-tool, tftp-transfer) build their own.
 */
import type { AlertFile, FileEvent } from '../events.js'

export function alertFileOf(f: FileEvent): AlertFile {
  return {
    direction: f.direction,
    bytes: f.bytes,
    type: f.type,
    complete: f.complete,
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(f.type_detail !== undefined ? { type_detail: f.type_detail } : {}),
    ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
  }
}
