import { describe, expect, it } from 'vitest'
import { createLogStore } from '../src/logs/log-store.js'

const event = (n: number, type: 'seccft' | 'feccft' = 'seccft') => ({
  type,
  description: `event ${n}`,
  client_id: n % 2 === 0 ? 'even' : 'odd',
})

describe('log store (a bounded ring)', () => {
  it('keeps the newest `max` events once full, newest first in page mode', () => {
    const logs = createLogStore(5)
    for (let n = 1; n <= 13; n++) logs.add(event(n))
    const { logs: page, total } = logs.query({ page: 0, perPage: 10 })
    expect(total).toBe(5)
    expect(page.map((e) => e.description)).toEqual([13, 12, 11, 10, 9].map((n) => `event ${n}`))
  })

  it('pages, filters and checkpoints across the wrap-around', () => {
    const logs = createLogStore(7)
    for (let n = 1; n <= 17; n++) logs.add(event(n, n % 3 === 0 ? 'feccft' : 'seccft'))
    // kept: 11..17
    expect(logs.query({ page: 1, perPage: 3 }).logs.map((e) => e.description)).toEqual([
      'event 14',
      'event 13',
      'event 12',
    ])
    expect(
      logs.query({ page: 0, perPage: 10, type: 'feccft' }).logs.map((e) => e.description),
    ).toEqual(['event 15', 'event 12'])
    expect(
      logs
        .query({ page: 0, perPage: 10, clientId: 'even', type: 'seccft' })
        .logs.map((e) => e.description),
    ).toEqual(['event 16', 'event 14'])
    const from = logs.query({ page: 4, perPage: 1 }).logs[0]?.log_id as string // event 13
    const after = logs.query({ page: 0, perPage: 50, from, take: 3 })
    expect(after.logs.map((e) => e.description)).toEqual(['event 14', 'event 15', 'event 16'])
    expect(after.total).toBe(4)
  })

  it('gives unique ids that sort in the order events were added, and the ISO date of each', () => {
    let clock = Date.UTC(2026, 10, 23, 12, 0, 0, 0)
    const logs = createLogStore(2000, () => clock++)
    for (let n = 0; n < 1500; n++) logs.add(event(n))
    const oldestFirst = logs.query({ page: 0, perPage: 1500 }).logs.reverse()
    const ids = oldestFirst.map((e) => e.log_id)
    for (const id of ids) expect(id).toMatch(/^\d{12}[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    // the random part is drawn, not a counter: 1,500 ids, 1,500 different suffixes
    expect(new Set(ids.map((id) => id.slice(12))).size).toBe(ids.length)
    expect(oldestFirst[0]).toEqual({
      log_id: ids[0],
      date: '2026-11-23T12:00:00.000Z',
      ...event(0),
    })
    expect(oldestFirst[1499]?.date).toBe('2026-11-23T12:00:01.499Z')
    // checkpoint paging from the first id gives the next ones, oldest first
    expect(
      logs
        .query({ page: 0, perPage: 50, from: ids[0] as string, take: 2 })
        .logs.map((e) => e.log_id),
    ).toEqual(ids.slice(1, 3))
  })

  it('hands out copies: changing a returned event does not change the store', () => {
    const logs = createLogStore(3)
    logs.add(event(1))
    const [first] = logs.query({ page: 0, perPage: 1 }).logs
    if (first) first.description = 'changed'
    expect(logs.query({ page: 0, perPage: 1 }).logs[0]?.description).toBe('event 1')
  })

  it('refuses a size that is not a positive integer', () => {
    expect(() => createLogStore(0)).toThrow(RangeError)
    expect(() => createLogStore(1.5)).toThrow(RangeError)
  })
})
