/**
 * The connection identity an app-layer event carries (Zeek's `uid` and `id`, analytics/events.ts ConnId),
 * copied field by field from the analyser's connection: the object handed in may be a larger flow state,
 * and only these six fields belong in the event. They come out in conn.log order, so spreading them after
 * `kind`, `ts` and `source` keeps every event's key order.
 */
import type { ConnId } from '../events.js'

/** The six ConnId fields of `c`, as a new object in conn.log order (uid, orig_h, orig_p, resp_h, resp_p, proto). */
export function connFields(c: ConnId): ConnId {
  return { uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: c.resp_p, proto: c.proto }
}
