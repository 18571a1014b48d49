/**
 * Working hours in a named time zone, for the off-hours scoring factor. Capture time (seconds since the
 * epoch) is converted to the zone's local weekday and minute with Intl.DateTimeFormat, so daylight saving
 * follows the IANA database that Node ships. A shift that ends before it starts (22:00–06:00) runs over
 * midnight and belongs to the day it starts on. Public holidays are not modelled.
 */

/** Working hours as written in the config. */
export interface WorkingHoursConfig {
  /** Working days: `mon`..`sun` (case-insensitive) or 0..6 with 0 = Sunday. */
  readonly days: readonly (string | number)[]
  /** Start of the working day, `HH:MM` (24 h), local time. */
  readonly start: string
  /** End of the working day, `HH:MM` (24 h), local time; exclusive. */
  readonly end: string
  /** IANA time zone name, e.g. `Europe/Paris`, `America/New_York`, `UTC`. */
  readonly timezone: string
}

export interface LocalTime {
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday: number
  /** Minutes since local midnight. */
  readonly minute: number
  /** `YYYY-MM-DD HH:MM ddd` in the zone, for reasons and evidence. */
  readonly text: string
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const

/** Returns the weekday number for `mon`/`monday`/1..., or undefined when it is not a day. */
export function parseDay(d: string | number): number | undefined {
  if (typeof d === 'number') return Number.isInteger(d) && d >= 0 && d <= 6 ? d : undefined
  const i = DAY_NAMES.indexOf(d.trim().slice(0, 3).toLowerCase() as (typeof DAY_NAMES)[number])
  return i >= 0 && /^[a-z]+$/i.test(d.trim()) ? i : undefined
}

/** Minutes since midnight for `HH:MM` (00:00..24:00), or undefined. */
export function parseClock(s: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim())
  if (!m) return undefined
  const h = Number(m[1])
  const min = Number(m[2])
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) return undefined
  return h * 60 + min
}

/** True when Intl knows the zone name. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** Describes what is wrong with a working-hours config (one sentence naming the sub-key), or undefined when valid. */
export function checkWorkingHours(wh: WorkingHoursConfig): string | undefined {
  if (!Array.isArray(wh.days)) return 'days: expected a list of weekdays (mon..sun or 0..6).'
  for (const d of wh.days) {
    if (parseDay(d) === undefined) return `days: expected a weekday (mon..sun or 0..6), got ${JSON.stringify(d)}.`
  }
  if (typeof wh.start !== 'string' || parseClock(wh.start) === undefined) {
    return `start: expected a time HH:MM, got ${JSON.stringify(wh.start)}.`
  }
  if (typeof wh.end !== 'string' || parseClock(wh.end) === undefined) {
    return `end: expected a time HH:MM, got ${JSON.stringify(wh.end)}.`
  }
  if (typeof wh.timezone !== 'string' || !isValidTimeZone(wh.timezone)) {
    return `timezone: expected an IANA time zone name such as "Europe/Paris", got ${JSON.stringify(wh.timezone)}.`
  }
  return undefined
}

/** A compiled working-hours calendar. Construct once; `isOffHours` is called per scored flow or alert. */
export class WorkingHours {
  private readonly days: ReadonlySet<number>
  private readonly startMin: number
  private readonly endMin: number
  private readonly fmt: Intl.DateTimeFormat

  /** Throws an Error when the config is invalid (the config loader checks first with checkWorkingHours). */
  constructor(readonly config: WorkingHoursConfig) {
    const problem = checkWorkingHours(config)
    if (problem) throw new Error(`Working hours ${problem}`)
    this.days = new Set(config.days.map((d) => parseDay(d) ?? -1))
    this.startMin = parseClock(config.start) ?? 0
    this.endMin = parseClock(config.end) ?? 0
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: config.timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
  }

  /** Local weekday and time of capture time `ts` (seconds) in the configured zone. */
  localTime(ts: number): LocalTime {
    const parts: Record<string, string> = {}
    for (const p of this.fmt.formatToParts(new Date(ts * 1000))) parts[p.type] = p.value
    const weekday = parseDay(parts.weekday ?? '') ?? 0
    const hour = Number(parts.hour ?? 0) % 24
    const minute = hour * 60 + Number(parts.minute ?? 0)
    const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.weekday}`
    return { weekday, minute, text }
  }

  /** True when `ts` falls outside every working shift. */
  isOffHours(ts: number): boolean {
    return !this.isWorking(this.localTime(ts))
  }

  isWorking(t: LocalTime): boolean {
    if (this.startMin === this.endMin) return false
    if (this.startMin < this.endMin) {
      return this.days.has(t.weekday) && t.minute >= this.startMin && t.minute < this.endMin
    }
    // Overnight shift: the evening part belongs to today, the morning part to yesterday's shift.
    if (t.minute >= this.startMin) return this.days.has(t.weekday)
    if (t.minute < this.endMin) return this.days.has((t.weekday + 6) % 7)
    return false
  }
}
