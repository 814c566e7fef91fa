import { startPostgresServer } from '@m2m/test-kit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliverySummary,
} from '../src/deliveries/model.js'
import type { DeliveryStore } from '../src/store/delivery-store.js'
import { migrations, runMigrations } from '../src/store/migrations.js'
import { openStore } from '../src/store/open-store.js'
import { createPgliteClient } from '../src/store/pglite-client.js'
import { createDeliveryStore } from '../src/store/sql-delivery-store.js'

/**
 * A list entry is written twice over: by the store on insert (JavaScript) and
 * by a trigger on each later update (SQL). Whatever happened to a delivery, its
 * entry must say what `get()` says.
 */

const request = (n: number): DeliveryRequest => ({
  recipient: { name: `Recipient "${n}" ✓`, ...(n % 2 ? { email: `r${n}@example.com` } : {}) },
  gift: { description: `Gift ${n}\nwith a line break and \\ a backslash` },
  destination: n % 3 ? `Place ${n}, Région` : { lat: -33.8688 + n / 1e6, lng: 151.2093 },
  ...(n % 4 === 0 ? { origin: 'Depot' } : {}),
})

const route = (n: number): DeliveryRoute => ({
  origin: { name: 'Depot', lat: 1.5, lng: 2.25, region: null, country: 'X', countryCode: 'XX' },
  destination: {
    name: `Place ${n}`,
    lat: 48.8566 + n / 1e7,
    lng: -2.3522e-3 * n,
    region: n % 2 ? 'Île-de-France' : null,
    country: 'France',
    countryCode: 'FR',
  },
  distanceKm: n / 3,
  estimatedDuration: { seconds: n * 61, text: `${n} min`, method: 'Road estimate' },
  heading: n % 2 ? { abbreviation: 'NE', word: 'north-east' } : null,
  steps: [{ instruction: `Arrive at Place ${n}`, distanceKm: 0 }],
  path: { type: 'LineString', coordinates: [[2.25, 1.5]] },
  note: 'test route',
})

function summaryOf(delivery: Delivery): DeliverySummary {
  const { route: planned, clientId: _clientId, ...rest } = delivery
  return {
    ...rest,
    destination: planned?.destination ?? null,
    distanceKm: planned?.distanceKm ?? null,
    estimatedDuration: planned?.estimatedDuration ?? null,
  }
}

type Step =
  | { kind: 'planned' }
  | { kind: 'pending'; failed: boolean; later: boolean; claimed: boolean }
  | { kind: 'settle'; pick: number; to: 'planned' | 'failed' | 'retry' }
  | { kind: 'claim' }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'planned' as const }),
  fc.record({
    kind: fc.constant('pending' as const),
    failed: fc.boolean(),
    later: fc.boolean(),
    claimed: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('settle' as const),
    pick: fc.nat(),
    to: fc.constantFrom('planned' as const, 'failed' as const, 'retry' as const),
  }),
  fc.constant({ kind: 'claim' as const }),
)

function summariesMatch(name: string, open: () => Promise<DeliveryStore>) {
  describe(`${name}: list entries say what get() says`, () => {
    let store: DeliveryStore
    beforeAll(async () => {
      store = await open()
    }, 120_000)
    afterAll(async () => {
      await store?.close()
    })

    let run = 0
    it('after any creates, claims, retries and outcomes (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          const clientId = `summaries-${name}-${run++}`
          const ids: string[] = []
          let n = run * 100
          for (const s of steps) {
            n++
            if (s.kind === 'planned') {
              ids.push(
                (await store.createPlanned({ request: request(n), clientId, route: route(n) })).id,
              )
            } else if (s.kind === 'pending') {
              const { delivery } = await store.createPending({
                request: request(n),
                clientId,
                ...(s.later ? { notBefore: new Date(Date.now() + 60_000) } : {}),
                ...(s.claimed ? { claimLeaseMs: 30_000 } : {}),
                ...(s.failed
                  ? {
                      failedAttempt: {
                        error: `timeout ${n}`,
                        nextAttemptAt: new Date(Date.now() + 5_000),
                      },
                    }
                  : {}),
              })
              ids.push(delivery.id)
            } else if (s.kind === 'claim') {
              await store.claimDue(3, 1)
            } else {
              const id = ids[s.pick % ids.length]
              if (id === undefined) continue
              if (s.to === 'planned') await store.markPlanned(id, route(n))
              else if (s.to === 'failed') await store.markFailed(id, `gone "${n}"`)
              else await store.recordAttemptFailure(id, `retry ${n}`, new Date(Date.now() + 1_000))
            }
          }
          const { items, nextCursor } = await store.list({ clientId, limit: 100 })
          expect(nextCursor).toBeNull()
          const expected: DeliverySummary[] = []
          for (const id of ids) expected.push(summaryOf((await store.get(id)) as Delivery))
          expect(items).toEqual(expected)
        }),
        { numRuns: 40, seed: 20261204 },
      )
    }, 120_000)
  })
}

summariesMatch('PGlite', () => openStore({}))

describe('upgrading a store written before list entries were kept (migrations 5 and 6)', () => {
  it('gives every existing delivery its entry, and rows inserted without one get theirs', async () => {
    const sql = await createPgliteClient()
    try {
      await runMigrations(
        sql,
        migrations.filter((m) => m.version < 5),
      )
      // Rows as the store wrote them at schema 4: planned, pending, failed after retries.
      const insert = `INSERT INTO deliveries (id, client_id, status, request, route, summary,
          attempts, last_error, next_attempt_at, created_at, updated_at, planned_at)
        VALUES ($1::uuid, 'old', $2, $3::jsonb, $4::json, $5::jsonb, $6::int, $7,
          $8::timestamptz, $9::timestamptz, $9::timestamptz, $10::timestamptz)`
      const at = '2026-11-30T08:15:30.125Z'
      const planned = route(7)
      const summary = {
        destination: planned.destination,
        distanceKm: planned.distanceKm,
        estimatedDuration: planned.estimatedDuration,
      }
      const rows = [
        ['planned', JSON.stringify(planned), JSON.stringify(summary), 0, null, null, at],
        ['pending', null, null, 1, 'timeout', '2026-11-30T08:16:00.000Z', null],
        ['failed', null, null, 3, 'no such place', null, null],
      ] as const
      for (const [
        i,
        [status, routeJson, summaryJson, attempts, error, next, plannedAt],
      ] of rows.entries()) {
        await sql.query(insert, [
          `00000000-0000-4000-8000-00000000000${i}`,
          status,
          JSON.stringify(request(i)),
          routeJson,
          summaryJson,
          attempts,
          error,
          next,
          at,
          plannedAt,
        ])
      }
      expect(await runMigrations(sql)).toEqual(
        migrations.filter((m) => m.version >= 5).map((m) => m.version),
      )
      // A replica still running the old code inserts after the upgrade (migration 6).
      await sql.query(insert, [
        '00000000-0000-4000-8000-000000000009',
        'planned',
        JSON.stringify(request(9)),
        JSON.stringify(planned),
        JSON.stringify(summary),
        0,
        null,
        null,
        at,
        at,
      ])
      const store = createDeliveryStore(sql)
      const { items } = await store.list({ clientId: 'old', limit: 10 })
      expect(items.map((item) => item.status)).toEqual(['planned', 'pending', 'failed', 'planned'])
      for (const item of items)
        expect(item).toEqual(summaryOf((await store.get(item.id)) as Delivery))
    } finally {
      await sql.close()
    }
  }, 60_000)
})

let server: Awaited<ReturnType<typeof startPostgresServer>> | undefined
afterAll(async () => {
  await server?.stop()
})
summariesMatch('PostgreSQL', async () => {
  server ??= await startPostgresServer()
  return openStore({ databaseUrl: server.url })
})
