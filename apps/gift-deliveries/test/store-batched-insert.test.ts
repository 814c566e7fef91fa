import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Delivery, DeliveryRequest } from '../src/deliveries/model.js'
import { createBatchedInsert } from '../src/store/batched-insert.js'
import { runMigrations } from '../src/store/migrations.js'
import { createPgliteClient } from '../src/store/pglite-client.js'
import { createPgliteSqlClient } from '../src/store/pglite-sql-client.js'
import type { SqlClient } from '../src/store/sql-client.js'
import { createDeliveryStore } from '../src/store/sql-delivery-store.js'
import { testRoute } from './helpers/test-route.js'

/**
 * Group commit: planned deliveries created in one turn of the event loop are
 * stored by one multi-row INSERT; a row that fails fails its caller only.
 */

/** The client, counting the statements that reach the database, by their first words. */
function counting(client: SqlClient) {
  const statements: string[] = []
  const counted: SqlClient = {
    ...client,
    query(sql, params) {
      statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '))
      return client.query(sql, params)
    },
  }
  return { client: counted, statements }
}

const request = (n: number): DeliveryRequest => ({
  recipient: { name: `Recipient ${n}` },
  gift: { description: `Gift ${n}` },
  destination: `Place ${n}`,
})
// Routes of a realistic size: 50 positions in the path.
const route = (n: number) =>
  testRoute(
    n,
    Array.from({ length: 50 }, (_, i) => [i, n % 80]),
  )

describe('batched inserts on PGlite', () => {
  let db: PGlite
  let raw: SqlClient

  beforeAll(async () => {
    db = await PGlite.create()
    raw = createPgliteSqlClient(db, { onClose: () => db.close() })
    await runMigrations(raw)
    await raw.exec('CREATE TABLE numbers (n integer PRIMARY KEY, label text NOT NULL)')
  }, 60_000)
  afterAll(async () => {
    await raw?.close()
  })
  beforeEach(async () => {
    await raw.exec('TRUNCATE deliveries; TRUNCATE numbers')
  })

  const insertNumbers = (client: SqlClient, maxRows: number) =>
    createBatchedInsert(client, {
      maxRows,
      sqlFor: (rows) =>
        `INSERT INTO numbers (n, label) VALUES ${Array.from(
          { length: rows },
          (_, i) => `($${2 * i + 1}::int, $${2 * i + 2})`,
        ).join(', ')}`,
    })

  it('stores 1,000 deliveries created at once with 32 rows per statement, each exactly once, in call order', async () => {
    const { client, statements } = counting(raw)
    const store = createDeliveryStore(client)
    const created = await Promise.all(
      Array.from({ length: 1_000 }, (_, n) =>
        store.createPlanned({ request: request(n), clientId: `client-${n % 3}`, route: route(n) }),
      ),
    )
    expect(statements).toEqual(Array(Math.ceil(1_000 / 32)).fill('INSERT INTO deliveries'))
    const { rows } = await raw.query<{ id: string }>('SELECT id::text FROM deliveries ORDER BY seq')
    expect(rows.map((row) => row.id)).toEqual(created.map((delivery) => delivery.id))
    // What the store answered is what it keeps, route and list entry included.
    for (const n of [0, 31, 32, 999]) {
      const delivery = created[n]
      expect(await store.get(delivery?.id ?? '')).toEqual(delivery)
    }
    const page = await store.list({ clientId: 'client-1', limit: 3 })
    expect(page.items.map((item) => [item.id, item.distanceKm])).toEqual(
      [1, 4, 7].map((n) => [created[n]?.id, n + 0.5]),
    )
  })

  it('sends a lone create as one single-row statement', async () => {
    const { client, statements } = counting(raw)
    const store = createDeliveryStore(client)
    const first = await store.createPlanned({ request: request(1), clientId: 'a', route: route(1) })
    const second = await store.createPlanned({
      request: request(2),
      clientId: 'a',
      route: route(2),
    })
    expect(statements).toEqual(['INSERT INTO deliveries', 'INSERT INTO deliveries'])
    expect((await store.get(second.id))?.request).toEqual(request(2))
    expect((await store.get(first.id))?.route).toEqual(route(1))
  })

  it('batches only what one turn asked for: creates awaited one by one are not held back', async () => {
    const { client, statements } = counting(raw)
    const store = createDeliveryStore(client)
    const turn = () =>
      Promise.all(
        [0, 1, 2].map((n) =>
          store.createPlanned({ request: request(n), clientId: 'a', route: route(n) }),
        ),
      )
    await turn()
    await turn()
    expect(statements).toEqual(['INSERT INTO deliveries', 'INSERT INTO deliveries'])
    expect((await raw.query('SELECT 1 FROM deliveries')).rowCount).toBe(6)
  })

  it('fails only the rows that cannot be stored; the rest of their batch is stored (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 32 }),
        async (numbers, maxRows) => {
          await raw.exec('TRUNCATE numbers')
          const insert = insertNumbers(raw, maxRows)
          const outcomes = await Promise.allSettled(numbers.map((n, i) => insert([n, `call ${i}`])))
          // The first call with a number stores it; every later one is refused as a duplicate.
          const firstCall = new Map<number, number>()
          numbers.forEach((n, i) => {
            if (!firstCall.has(n)) firstCall.set(n, i)
          })
          outcomes.forEach((outcome, i) => {
            const n = numbers[i] as number
            if (firstCall.get(n) === i) expect(outcome.status).toBe('fulfilled')
            else expect(outcome).toMatchObject({ status: 'rejected', reason: { code: '23505' } })
          })
          const { rows } = await raw.query<{ n: number; label: string }>(
            'SELECT n, label FROM numbers ORDER BY n',
          )
          expect(rows).toEqual(
            [...firstCall.entries()]
              .sort(([a], [b]) => a - b)
              .map(([n, i]) => ({ n, label: `call ${i}` })),
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  it('stores the creates asked for before close() and then closes', async () => {
    const db2 = await PGlite.create()
    const client = createPgliteSqlClient(db2, { onClose: () => db2.close() })
    await runMigrations(client)
    const { client: countingClient, statements } = counting(client)
    const store = createDeliveryStore(countingClient)
    const creating = [1, 2].map((n) =>
      store.createPlanned({ request: request(n), clientId: 'a', route: route(n) }),
    )
    const closed = store.close()
    await expect(Promise.all(creating)).resolves.toHaveLength(2)
    await closed
    expect(statements).toEqual(['INSERT INTO deliveries'])
    await expect(client.query('SELECT 1')).rejects.toThrow(/closed/)
  }, 60_000)
})

describe('batched inserts and the PGlite autovacuum', () => {
  it('analyzes the table while 3,000 deliveries are created in batches: the vacuum counts rows, not statements', async () => {
    const client = await createPgliteClient()
    try {
      await runMigrations(client)
      const store = createDeliveryStore(client)
      const created: Delivery[] = []
      for (let from = 0; from < 3_000; from += 500) {
        const turn = Array.from({ length: 500 }, (_, i) =>
          store.createPlanned({ request: request(from + i), clientId: 'a', route: route(i) }),
        )
        created.push(...(await Promise.all(turn)))
      }
      const plan = async (sql: string, params: unknown[]) =>
        JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows)
      const byId = await plan('SELECT id FROM deliveries WHERE id = $1::uuid AND client_id = $2', [
        created[1_234]?.id,
        'a',
      ])
      expect(byId).toContain('deliveries_pkey')
      const { rows } = await client.query<{ analyzed: number }>(
        `SELECT reltuples::int AS analyzed FROM pg_class WHERE relname = 'deliveries'`,
      )
      expect(rows[0]?.analyzed).toBeGreaterThanOrEqual(1_000)
    } finally {
      await client.close()
    }
  }, 120_000)
})
