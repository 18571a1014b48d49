/**
 * A bounded queue between live collectors and the analytics stage. Collectors enqueue events as datagrams and
 * frames arrive; the queue drains in batches on the event loop. When it is full the newest event is dropped
 * and counted (`queue_dropped_total{stage}`, intentional: false): memory never grows without bound under a
 * flood, and a drop never goes unseen. This is also the seam where a message bus can later sit.
 */
import type { Counters } from '../analytics/counters.js'
import type { SensorEvent } from '../analytics/events.js'

export class EventQueue {
  private buf: SensorEvent[] = []
  private head = 0
  private scheduled = false
  /** Highest depth seen. */
  highWater = 0

  constructor(
    private readonly stage: string,
    private readonly capacity: number,
    private readonly sink: (ev: SensorEvent) => void,
    private readonly counters: Counters,
    private readonly batch = 4096,
  ) {}

  get depth(): number {
    return this.buf.length - this.head
  }

  push(ev: SensorEvent): void {
    if (this.depth >= this.capacity) {
      this.counters.inc('queue_dropped_total', this.stage)
      return
    }
    this.buf.push(ev)
    this.counters.inc('queue_in_total', this.stage)
    if (this.depth > this.highWater) this.highWater = this.depth
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.drainSome())
    }
  }

  /** Processes everything queued now (shutdown). */
  drainAll(): void {
    while (this.depth > 0) this.drainBatch(Number.POSITIVE_INFINITY)
  }

  private drainSome(): void {
    this.scheduled = false
    this.drainBatch(this.batch)
    if (this.depth > 0) {
      this.scheduled = true
      setImmediate(() => this.drainSome())
    }
  }

  private drainBatch(max: number): void {
    let n = 0
    while (this.head < this.buf.length && n < max) {
      const ev = this.buf[this.head] as SensorEvent
      this.head++
      n++
      try {
        this.sink(ev)
      } catch {
        // One event that breaks a stage must not stop the sensor (it would exit without flushing): count it.
        this.counters.inc('queue_sink_errors_total', this.stage)
      }
    }
    this.counters.inc('queue_out_total', this.stage, n)
    if (this.head >= this.buf.length) {
      this.buf = []
      this.head = 0
    } else if (this.head > 65536) {
      this.buf = this.buf.slice(this.head)
      this.head = 0
    }
  }
}
