import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkWorkingHours, parseClock, parseDay, WorkingHours } from './working-hours.js'

const utc = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi) / 1000

test('Europe/Paris follows daylight saving (UTC+1 in winter, UTC+2 in summer)', () => {
  const wh = new WorkingHours({
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '08:00',
    end: '18:00',
    timezone: 'Europe/Paris',
  })
  // Wednesday 2026-01-07 07:30 UTC = 08:30 CET: working. 06:30 UTC = 07:30: off.
  assert.equal(wh.isOffHours(utc(2026, 1, 7, 7, 30)), false)
  assert.equal(wh.isOffHours(utc(2026, 1, 7, 6, 30)), true)
  // Wednesday 2026-07-01 06:30 UTC = 08:30 CEST: working; 16:30 UTC = 18:30: off.
  assert.equal(wh.isOffHours(utc(2026, 7, 1, 6, 30)), false)
  assert.equal(wh.isOffHours(utc(2026, 7, 1, 16, 30)), true)
  assert.equal(wh.localTime(utc(2026, 7, 1, 6, 30)).text, '2026-07-01 08:30 Wed')
  // Saturday noon is off.
  assert.equal(wh.isOffHours(utc(2026, 7, 4, 10, 0)), true)
})

test('a zone east of UTC moves the weekday: Friday 23:30 UTC is Saturday in Tokyo', () => {
  const wh = new WorkingHours({ days: ['sat'], start: '00:00', end: '24:00', timezone: 'Asia/Tokyo' })
  const t = wh.localTime(utc(2026, 11, 20, 23, 30))
  assert.equal(t.weekday, 6)
  assert.equal(t.minute, 8 * 60 + 30)
  assert.equal(wh.isOffHours(utc(2026, 11, 20, 23, 30)), false)
})

test('an overnight shift belongs to the day it starts on', () => {
  const wh = new WorkingHours({ days: ['mon'], start: '22:00', end: '06:00', timezone: 'UTC' })
  assert.equal(wh.isOffHours(utc(2026, 11, 16, 23, 0)), false, 'Monday 23:00')
  assert.equal(wh.isOffHours(utc(2026, 11, 17, 5, 59)), false, 'Tuesday 05:59 is Monday night')
  assert.equal(wh.isOffHours(utc(2026, 11, 17, 6, 0)), true, 'end is exclusive')
  assert.equal(wh.isOffHours(utc(2026, 11, 17, 23, 0)), true, 'Tuesday night is not a shift')
  assert.equal(wh.isOffHours(utc(2026, 11, 16, 3, 0)), true, 'Monday 03:00 belongs to Sunday night')
})

test('parsing and validation', () => {
  assert.equal(parseDay('Monday'), 1)
  assert.equal(parseDay(0), 0)
  assert.equal(parseDay(7), undefined)
  assert.equal(parseDay('funday'), undefined)
  assert.equal(parseClock('8:05'), 485)
  assert.equal(parseClock('24:00'), 1440)
  assert.equal(parseClock('24:01'), undefined)
  assert.equal(parseClock('12:60'), undefined)
  assert.match(
    checkWorkingHours({ days: ['mon'], start: '08:00', end: '18:00', timezone: 'Nowhere/City' }) ?? '',
    /^timezone:/,
  )
  assert.match(checkWorkingHours({ days: ['xx'], start: '08:00', end: '18:00', timezone: 'UTC' }) ?? '', /^days:/)
  assert.throws(() => new WorkingHours({ days: [], start: 'noon', end: '18:00', timezone: 'UTC' }), /start/)
})
