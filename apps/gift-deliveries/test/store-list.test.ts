import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgresServer } from '@m2m/test-kit'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  Delivery,
  DeliveryRequest,
  DeliveryStatus,
  DeliverySummary,
} from '../src/deliveries/model.js'
import type { DeliveryStore, ListQuery } from '../src/store/delivery-store.js'
import { runMigrations } from '../src/store/migrations.js'
import { openStore } from '../src/store/open-store.js'
import { createPgliteClient } from '../src/store/pglite-client.js'
import type { SqlClient } from '../src/store/sql-client.js'
import { createDeliveryStore } from '../src/store/sql-delivery-store.js'
import { testPlace, testRoute } from './helpers/test-route.js'

/**
 * Lists at the sizes users reach: 10,000 deliveries across several clients on
 * embedded PGlite and on a real PostgreSQL server, a property over any
 * sequence of creates, status changes and page sizes, and pages read while
 * other replicas insert.
 */

const ROWS = 10_000
const CLIENTS = ['storefront', 'warehouse', 'kiosk', 'partner']

const request = (n: number): DeliveryRequest => ({
  recipient: { name: `Recipient ${n}` },
  gift: { description: `Gift ${n}` },
  destination: { lat: (n % 170) - 85, lng: (n % 350) - 175 },
})

const route = (n: number) => testRoute(n)

/** Every page of a listing, in order. */
async function pages<T>(
  store: DeliveryStore,
  query: Omit<ListQuery, 'cursor' | 'limit'>,
  limitOf: (page: number) => number,
  between?: (page: number) => Promise<void>,
): Promise<T[][]> {
  const all: T[][] = []
  let cursor: string | undefined
  for (let page = 0; ; page++) {
    const result = await store.list({
      ...query,
      limit: limitOf(page),
      ...(cursor ? { cursor } : {}),
    })
    all.push(result.items as T[])
    if (result.nextCursor === null) return all
    cursor = result.nextCursor
    await between?.(page)
  }
}

/** Creates `count` deliveries, `concurrency` at a time; ids by client in creation order (batch by batch). */
async function fill(store: DeliveryStore, count: number, concurrency: number) {
  const byClient = new Map<string, string[][]>(CLIENTS.map((c) => [c, []]))
  const statuses = new Map<string, DeliveryStatus>()
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, i) => start + i)
    const created = await Promise.all(
      batch.map(async (n) => {
        const clientId = CLIENTS[n % CLIENTS.length] as string
        // Planned at once, pending, pending then planned, pending then failed: every status.
        if (n % 4 === 0)
          return store.createPlanned({ request: request(n), clientId, route: route(n) })
        const { delivery } = await store.createPending({ request: request(n), clientId })
        if (n % 4 === 2) return store.markPlanned(delivery.id, route(n))
        if (n % 8 === 3) return store.markFailed(delivery.id, `No place ${n}`)
        return delivery
      }),
    )
    for (const client of CLIENTS) byClient.get(client)?.push([])
    for (const delivery of created) {
      byClient.get(delivery.clientId)?.at(-1)?.push(delivery.id)
      statuses.set(delivery.id, delivery.status)
    }
  }
  return { byClient, statuses }
}

/** `listed` holds exactly the ids of `batches`, each batch after the one before (any order within one). */
function expectBatchOrder(listed: string[], batches: string[][]) {
  expect(new Set(listed).size).toBe(listed.length)
  let at = 0
  for (const batch of batches) {
    const slice = listed.slice(at, at + batch.length)
    expect(new Set(slice)).toEqual(new Set(batch))
    at += batch.length
  }
  expect(at).toBe(listed.length)
}

function tenThousandRows(
  name: string,
  open: () => Promise<{ store: DeliveryStore; close(): Promise<void> }>,
  concurrency: number,
) {
  describe(`${name}: ${ROWS.toLocaleString('en')} deliveries across ${CLIENTS.length} clients`, () => {
    let store: DeliveryStore
    let close: () => Promise<void>
    let filled: Awaited<ReturnType<typeof fill>>

    beforeAll(async () => {
      ;({ store, close } = await open())
      filled = await fill(store, ROWS, concurrency)
    }, 300_000)
    afterAll(async () => {
      await close?.()
    })

    for (const limit of [1, 7, 20, 100]) {
      it(`pages of ${limit} list every delivery of each client once, in creation order`, async () => {
        // Pages of 1 walk 2,500 cursors: one client is enough for them.
        for (const clientId of limit === 1 ? [CLIENTS[0] as string] : CLIENTS) {
          const listed = (await pages<DeliverySummary>(store, { clientId }, () => limit)).flat()
          expectBatchOrder(
            listed.map((d) => d.id),
            filled.byClient.get(clientId) ?? [],
          )
        }
      }, 120_000)
    }

    it('pages of varying size, filtered by status, list exactly that status', async () => {
      for (const status of ['pending', 'planned', 'failed'] as const) {
        const clientId = CLIENTS[1] as string
        const listed = (
          await pages<DeliverySummary>(
            store,
            { clientId, status },
            (page) => 1 + ((page * 37) % 100),
          )
        ).flat()
        const expected = (filled.byClient.get(clientId) ?? []).map((batch) =>
          batch.filter((id) => filled.statuses.get(id) === status),
        )
        expectBatchOrder(
          listed.map((d) => d.id),
          expected,
        )
        expect(listed.every((d) => d.status === status)).toBe(true)
      }
    }, 120_000)

    it('summaries carry destination, distance and duration, and no route', async () => {
      const { items } = await store.list({ clientId: CLIENTS[0] as string, limit: 100 })
      for (const item of items) {
        expect(item).not.toHaveProperty('route')
        expect(item.status).toBe('planned')
        const n = Number(item.request.recipient.name.replace('Recipient ', ''))
        expect(item).toMatchObject({
          destination: testPlace(`Place ${n}`),
          distanceKm: n + 0.5,
          estimatedDuration: { seconds: n * 60, text: `${n} min`, method: 'Road estimate' },
          request: request(n),
        })
      }
    })

    it('include=route lists whole deliveries, as get() returns them', async () => {
      const { items } = await store.list({
        clientId: CLIENTS[2] as string,
        limit: 30,
        include: 'route',
      })
      expect(items).toHaveLength(30)
      for (const item of items) expect(item).toEqual(await store.get(item.id))
    })
  })
}

tenThousandRows(
  'PGlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gd-list-'))
    const store = await openStore({ dataDir: dir })
    return {
      store,
      async close() {
        await store.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
  1,
)

let server: Awaited<ReturnType<typeof startPostgresServer>> | undefined
const postgres = async () => {
  server ??= await startPostgresServer()
  return server
}
afterAll(async () => {
  await server?.stop()
})

tenThousandRows(
  'PostgreSQL',
  async () => {
    const store = await openStore({ databaseUrl: (await postgres()).url })
    return { store, close: () => store.close() }
  },
  25,
)

describe('PostgreSQL: pages read while other replicas insert', () => {
  it('every delivery committed before the first page is listed once, whatever commits meanwhile', async () => {
    const { url } = await postgres()
    const reader = await openStore({ databaseUrl: url })
    const writers = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: url })))
    // Slow transactions take a sequence number, then commit after rows with later
    // numbers have committed: the late-commit gap that keyset paging must live with.
    const slow = new pg.Pool({ connectionString: url, max: 4 })
    const clientId = 'concurrent-client'
    try {
      const before: string[] = []
      for (let i = 0; i < 600; i++) {
        const writer = writers[i % 3] as DeliveryStore
        before.push((await writer.createPending({ request: request(i), clientId })).delivery.id)
      }
      let writing = true
      let firstPageAnswered = false
      const during: Array<{ late: boolean; created: Promise<{ delivery: Delivery }> }> = []
      const insertWhileReading = async (w: number) => {
        for (let i = 0; writing; i++) {
          const writer = writers[w] as DeliveryStore
          const created = writer.createPending({ request: request(10_000 + i), clientId })
          during.push({ late: firstPageAnswered, created })
          await created
        }
      }
      const slowInserts = async () => {
        while (writing) {
          const conn = await slow.connect()
          try {
            await conn.query('BEGIN')
            await conn.query(
              `INSERT INTO deliveries (id, client_id, status, request, created_at, updated_at)
               VALUES (gen_random_uuid(), $1, 'pending', '{}'::jsonb, now(), now())`,
              [clientId],
            )
            await new Promise((resolve) => setTimeout(resolve, 15))
            await conn.query('COMMIT')
          } finally {
            conn.release()
          }
        }
      }
      const load = [0, 1, 2].map(insertWhileReading).concat([slowInserts(), slowInserts()])
      // Small pages, so the listing lasts while rows arrive.
      const listed = (
        await pages<DeliverySummary>(
          reader,
          { clientId },
          () => 7,
          async () => {
            firstPageAnswered = true
            await new Promise((resolve) => setTimeout(resolve, 2))
          },
        )
      ).flat()
      writing = false
      await Promise.all(load)
      const late = await Promise.all(during.filter((d) => d.late).map((d) => d.created))

      const ids = listed.map((d) => d.id)
      expect(new Set(ids).size).toBe(ids.length)
      const seen = new Set(ids)
      expect(before.filter((id) => !seen.has(id))).toEqual([])
      // The rows that were there first come first, in the order they were created.
      expect(ids.slice(0, before.length)).toEqual(before)
      // The listing ended: rows inserted after its first page are not in it.
      expect(late.length).toBeGreaterThan(50)
      expect(late.filter(({ delivery }) => seen.has(delivery.id))).toEqual([])
    } finally {
      await slow.end()
      await Promise.all([reader, ...writers].map((s) => s.close()))
    }
  }, 120_000)
})

describe('property: any creates, status changes and page sizes', () => {
  let store: DeliveryStore
  let sql: SqlClient
  beforeAll(async () => {
    sql = await createPgliteClient()
    await runMigrations(sql)
    store = createDeliveryStore(sql)
  }, 60_000)
  afterAll(async () => {
    await store?.close()
  })

  type Step =
    | { kind: 'create'; client: number; planned: boolean }
    | { kind: 'settle'; pick: number; to: 'planned' | 'failed' }

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('create' as const),
      client: fc.integer({ min: 0, max: 2 }),
      planned: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      to: fc.constantFrom('planned' as const, 'failed' as const),
    }),
  )

  let run = 0
  it('pages concatenate to every row of the client exactly once, in creation order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 80 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }),
        fc.array(step, { maxLength: 10 }),
        fc.constantFrom(undefined, 'pending' as const, 'planned' as const, 'failed' as const),
        // Where the creation sequence stands: just below a power of ten, where numbers
        // and their text sort apart ("10" < "9"), or anywhere.
        fc.oneof(
          fc.integer({ min: 1, max: 17 }).map((digits) => 10n ** BigInt(digits) - 5n),
          fc.bigInt({ min: 1n, max: 10n ** 17n }),
        ),
        async (steps, limits, interleaved, status, seq) => {
          run++
          await sql.exec('TRUNCATE deliveries')
          await sql.query(`SELECT setval('deliveries_seq_seq', $1::bigint)`, [String(seq)])
          const clients = [0, 1, 2].map((c) => `prop-${run}-${c}`)
          const model: Array<{ id: string; client: string; status: DeliveryStatus }> = []
          const apply = async (s: Step) => {
            if (s.kind === 'create') {
              const clientId = clients[s.client] as string
              const delivery = s.planned
                ? await store.createPlanned({
                    request: request(model.length),
                    clientId,
                    route: route(1),
                  })
                : (await store.createPending({ request: request(model.length), clientId })).delivery
              model.push({ id: delivery.id, client: clientId, status: delivery.status })
              return
            }
            const pending = model.filter((m) => m.status === 'pending')
            const target = pending[s.pick % Math.max(1, pending.length)]
            if (!target) return
            const after =
              s.to === 'planned'
                ? await store.markPlanned(target.id, route(2))
                : await store.markFailed(target.id, 'gone')
            target.status = after.status
          }
          for (const s of steps) await apply(s)
          const clientId = clients[0] as string
          const expected = model
            .filter((m) => m.client === clientId && (status === undefined || m.status === status))
            .map((m) => m.id)
          // Without a status filter, rows settling between pages are still listed once.
          const between = status === undefined ? interleaved : []
          const listed = (
            await pages<Delivery>(
              store,
              { clientId, ...(status ? { status } : {}), include: 'route' },
              (page) => limits[page % limits.length] as number,
              async (page) => {
                const s = between[page]
                if (s && s.kind === 'settle') await apply(s)
              },
            )
          ).flat()
          expect(listed.map((d) => d.id)).toEqual(expected)
          expect(listed.every((d) => d.clientId === clientId)).toBe(true)
        },
      ),
      { numRuns: 60, seed: 20261204 },
    )
  }, 120_000)
})
