import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { DeliveryRequest, DeliveryRoute } from '../src/deliveries/model.js'
import { runMigrations } from '../src/store/migrations.js'
import { createPgliteClient } from '../src/store/pglite-client.js'
import { MAX_PLANNED_BATCH } from '../src/store/planned-insert-batch.js'
import type { SqlClient, SqlQueryable } from '../src/store/sql-client.js'
import { createDeliveryStore } from '../src/store/sql-delivery-store.js'

/**
 * Planned deliveries created in the same turn are written by one INSERT; each
 * create still answers only once its own row is stored, and one bad row fails
 * alone.
 */

const request = (n: number): DeliveryRequest => ({
  recipient: { name: `Recipient ${n}` },
  gift: { description: `Gift ${n}` },
  destination: `Place ${n}`,
})

const route = (n: number): DeliveryRoute => ({
  origin: { name: 'Depot', lat: 1, lng: 2, region: null, country: 'X', countryCode: 'XX' },
  destination: {
    name: `Place ${n}`,
    lat: 3,
    lng: 4,
    region: null,
    country: 'X',
    countryCode: 'XX',
  },
  distanceKm: n,
  estimatedDuration: { seconds: n * 60, text: `${n} min`, method: 'Road estimate' },
  heading: null,
  steps: [{ instruction: `Arrive at Place ${n}`, distanceKm: 0 }],
  path: {
    type: 'LineString',
    coordinates: [
      [2, 1],
      [4, 3],
    ],
  },
  note: 'test route',
})

let client: SqlClient
/** The INSERT statements the store sent, with their row counts. */
const inserts: number[] = []

beforeAll(async () => {
  client = await createPgliteClient()
  await runMigrations(client)
})
afterAll(() => client.close())
beforeEach(async () => {
  inserts.length = 0
  await client.exec('TRUNCATE deliveries')
})

/** The client, counting the rows of each INSERT of planned deliveries. */
function counting(inner: SqlClient): SqlClient {
  const query: SqlQueryable['query'] = (sql, params) => {
    if (sql.startsWith('INSERT INTO deliveries') && sql.includes("'planned'")) {
      inserts.push((params?.length ?? 0) / 7)
    }
    return inner.query(sql, params)
  }
  return { ...inner, query }
}

describe('creates of planned deliveries', () => {
  it('in one turn are one INSERT per batch, listed in the order they were made', async () => {
    const store = createDeliveryStore(counting(client))
    const count = MAX_PLANNED_BATCH * 2 + 3
    const created = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        store.createPlanned({ request: request(n), clientId: 'shop', route: route(n) }),
      ),
    )
    expect(inserts).toEqual([MAX_PLANNED_BATCH, MAX_PLANNED_BATCH, 3])
    const page = await store.list({ clientId: 'shop', limit: 100 })
    expect(page.items.map((item) => item.id)).toEqual(created.map((d) => d.id))
    for (const [n, delivery] of created.entries()) {
      expect(await store.get(delivery.id)).toEqual({ ...delivery, route: route(n) })
    }
  })

  it('made one after another are each written as soon as asked', async () => {
    const store = createDeliveryStore(counting(client))
    for (let n = 0; n < 5; n++) {
      const delivery = await store.createPlanned({
        request: request(n),
        clientId: 'shop',
        route: route(n),
      })
      expect((await store.get(delivery.id))?.status).toBe('planned')
    }
    expect(inserts).toEqual([1, 1, 1, 1, 1])
  })

  it('fail alone: a row the database refuses rejects its own create, the others are stored', async () => {
    // A driver that turns the third row's id into a duplicate of the first's.
    let firstId: string | undefined
    const duplicating: SqlClient = {
      ...client,
      query: (sql, params) => {
        if (!sql.includes("'planned'") || !params) return client.query(sql, params)
        const values = [...params]
        for (let i = 0; i < values.length; i += 7) {
          firstId ??= values[i] as string
          if (String(values[i + 2]).includes('Recipient 2')) values[i] = firstId
        }
        return client.query(sql, values)
      },
    }
    const store = createDeliveryStore(duplicating)
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) =>
        store.createPlanned({ request: request(n), clientId: 'shop', route: route(n) }),
      ),
    )
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ])
    const page = await store.list({ clientId: 'shop', limit: 100 })
    expect(page.items.map((item) => item.request.recipient.name)).toEqual([
      'Recipient 0',
      'Recipient 1',
      'Recipient 3',
      'Recipient 4',
    ])
    expect(await store.get(randomUUID())).toBeUndefined()
  })
})
