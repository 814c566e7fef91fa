import { startPostgresServer } from '@m2m/test-kit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveryRequest, DeliveryRoute } from '../src/deliveries/model.js'
import type { DeliveryStore } from '../src/store/delivery-store.js'
import { migrations } from '../src/store/migrations.js'
import { openStore } from '../src/store/open-store.js'

/**
 * The store on a real PostgreSQL server (Debian's `postgresql`, started here),
 * with several stores on separate connection pools playing the replicas.
 */

const request = (name: string): DeliveryRequest => ({
  recipient: { name },
  gift: { description: 'a scarf' },
  destination: 'Lisbon',
})
const route = { distanceKm: 1, note: 'test' } as unknown as DeliveryRoute

let server: Awaited<ReturnType<typeof startPostgresServer>>
let replicas: DeliveryStore[] = []

beforeAll(async () => {
  server = await startPostgresServer()
  // Three replicas start together on an empty database: migrations run once.
  replicas = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: server.url })))
}, 60_000)

afterAll(async () => {
  await Promise.allSettled(replicas.map((s) => s.close()))
  await server?.stop()
})

const a = () => replicas[0] as DeliveryStore
const b = () => replicas[1] as DeliveryStore
const c = () => replicas[2] as DeliveryStore

describe('PostgreSQL store shared by replicas', () => {
  it('replicas starting together applied each migration once', async () => {
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    try {
      const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version')
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
    } finally {
      await client.end()
    }
  })

  it('one idempotency key sent to three replicas at once makes one delivery', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        [a, b, c][i % 3]?.().createPending({
          request: request('Ada'),
          clientId: 'storefront',
          idempotency: { key: 'order-1', requestHash: 'h1' },
        }),
      ),
    )
    const ids = new Set(results.map((r) => r?.delivery.id))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => r?.created)).toHaveLength(1)
  })

  it('replicas claiming at once never get the same delivery', async () => {
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        a().createPending({ request: request(`C${i}`), clientId: 'claims' }),
      ),
    )
    const ids = new Set(created.map((r) => r.delivery.id))
    const batches = await Promise.all(
      Array.from({ length: 12 }, (_, i) => [a, b, c][i % 3]?.().claimDue(10, 60_000)),
    )
    const claimed = batches.flat().filter((d) => d && ids.has(d.id))
    const claimedIds = claimed.map((d) => d?.id)
    expect(new Set(claimedIds).size).toBe(claimedIds.length)
    expect(claimedIds.length).toBe(60)
  })

  it('a worker whose lease was taken over cannot record an outcome; the new owner can', async () => {
    const { delivery } = await a().createPending({ request: request('Lease'), clientId: 'lease' })
    const [first] = (await a().claimDue(100, 1)).filter((d) => d.id === delivery.id)
    expect(first?.claim).toBeDefined()
    // The first lease (1 ms) ran out: another replica claims the delivery again.
    await new Promise((resolve) => setTimeout(resolve, 20))
    const [second] = (await b().claimDue(100, 60_000)).filter((d) => d.id === delivery.id)
    expect(second?.claim).toBeDefined()
    expect(second?.claim).not.toBe(first?.claim)

    // The late first worker: neither its failure nor its plan is recorded.
    const failed = await a().recordAttemptFailure(
      delivery.id,
      'late',
      new Date(Date.now() + 1_000),
      first?.claim,
    )
    expect(failed).toMatchObject({ status: 'pending', attempts: 0, lastError: null })
    expect(await a().markPlanned(delivery.id, route, first?.claim)).toMatchObject({
      status: 'pending',
    })
    // Still leased to the second: nobody else may claim it.
    expect((await c().claimDue(100, 60_000)).some((d) => d.id === delivery.id)).toBe(false)

    const planned = await b().markPlanned(delivery.id, route, second?.claim)
    expect(planned).toMatchObject({ status: 'planned', route })
    // A second plan of a planned delivery changes nothing.
    expect(await c().markPlanned(delivery.id, { note: 'other' } as never)).toMatchObject({ route })
  })

  it('a claim that is not a uuid records nothing', async () => {
    const { delivery } = await a().createPending({ request: request('Bad'), clientId: 'bad' })
    expect(await a().markPlanned(delivery.id, route, 'not-a-uuid')).toMatchObject({
      status: 'pending',
    })
  })
})
