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
    const added = []
    for (let n = 1; n <= 17; n++) added.push(logs.add(event(n, n % 3 === 0 ? 'feccft' : 'seccft')))
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
    const from = added[12]?.log_id as string // event 13
    const after = logs.query({ page: 0, perPage: 50, from, take: 3 })
    expect(after.logs.map((e) => e.description)).toEqual(['event 14', 'event 15', 'event 16'])
    expect(after.total).toBe(4)
  })

  it('gives unique ids that sort in the order events were added, and an ISO date', () => {
    const logs = createLogStore(3)
    const ids: string[] = []
    for (let n = 0; n < 1500; n++) {
      const record = logs.add(event(n))
      expect(record.log_id).toMatch(/^\d{12}[0-9a-f]{12}$/)
      expect(new Date(record.date).toISOString()).toBe(record.date)
      ids.push(record.log_id)
    }
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    // the random part is drawn, not a counter: 1,500 ids, 1,500 different suffixes
    expect(new Set(ids.map((id) => id.slice(12))).size).toBe(ids.length)
  })

  it('refuses a size that is not a positive integer', () => {
    expect(() => createLogStore(0)).toThrow(RangeError)
    expect(() => createLogStore(1.5)).toThrow(RangeError)
  })
})
