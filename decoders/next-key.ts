/**
 * NextKey: how a layer names its successor (Zeek forwarding keys, STYLE 2.2). A decoder never calls the
 * next decoder; it returns a key and decoders/dispatch.ts looks the key up in the one dispatch table.
 */
import type { Decoded } from './errors.js'

export interface NextKey {
  /** Which number space `value` belongs to. */
  readonly kind: 'linktype' | 'ethertype' | 'ipproto'
  /** LINKTYPE_*, EtherType, or IP protocol number. */
  readonly value: number
}

/** A decoded layer: its header, where its payload lies, and the key of the layer after it. */
export interface Layer<H> {
  /** The decoded header fields. */
  readonly header: H
  /** Offset where this layer's payload starts. */
  readonly payloadOff: number
  /** Offset where its captured payload ends (<= the `end` given to the decoder). */
  readonly payloadEnd: number
  /** The successor's key; undefined when the payload is application data or opaque. */
  readonly nextKey: NextKey | undefined
}

/** A decoded layer as the decodeX wrappers return it: the next layer starts at `payloadOff`. */
export function decodedLayer<H>(
  header: H,
  payloadOff: number,
  payloadEnd: number,
  nextKey: NextKey | undefined,
): Decoded<Layer<H>> {
  return { ok: true, value: { header, payloadOff, payloadEnd, nextKey }, next: payloadOff }
}
