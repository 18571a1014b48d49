/**
 * A NetflowIngest whose NetflowRecords are collected in an array, with its Counters: the fixture of the
 * ingest and netflow-udp collector tests.
 */
import { Counters } from '../../analytics/counters.js'
import type { NetflowRecord } from '../../analytics/events.js'
import { NetflowIngest, type NetflowIngestOptions } from '../../sensor/netflow-ingest.js'

export interface CollectingIngest {
  /** The records emitted so far, in order. */
  readonly out: NetflowRecord[]
  readonly counters: Counters
  readonly ingest: NetflowIngest
}

/** Source `netflow`; `extra` adds the optional ingest options a test needs. */
export function collectingNetflowIngest(
  extra: Partial<Omit<NetflowIngestOptions, 'emit' | 'counters' | 'source'>> = {},
): CollectingIngest {
  const out: NetflowRecord[] = []
  const counters = new Counters()
  const ingest = new NetflowIngest({
    emit: (ev) => {
      if (ev.kind === 'netflow') out.push(ev)
    },
    counters,
    source: 'netflow',
    ...extra,
  })
  return { out, counters, ingest }
}
