import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { DeliveryRequest, DeliveryRoute } from '../src/deliveries/model.js'
import { DeliveryNotFoundError, IdempotencyConflictError } from '../src/errors.js'
import { decodeCursor, encodeCursor } from '../src/store/cursor.js'
import type { DeliveryStore } from '../src/store/delivery-store.js'
import { migrations, runMigrations } from '../src/store/migrations.js'
import { openStore } from '../src/store/open-store.js'
import { createPgliteClient } from '../src/store/pglite-client.js'
import type { SqlClient } from '../src/store/sql-client.js'
import { createDeliveryStore } from '../src/store/sql-delivery-store.js'

const request = (name = 'Ada', destination: DeliveryRequest['destination'] = 'Lisbon') =>
  ({
    recipient: { name, email: `${name.toLowerCase()}@example.com` },
    gift: { description: 'a scarf' },
    destination,
  }) satisfies DeliveryRequest

const place = (name: string) => ({
  name,
  lat: 38.7,
  lng: -9.1,
  region: null,
  country: 'Portugal',
  countryCode: 'PT',
})

const route: DeliveryRoute = {
  origin: place('Depot'),
  destination: place('Lisbon'),
  distanceKm: 12.5,
  estimatedDuration: { seconds: 1800, text: '30 min', method: 'sleigh' },
  heading: { abbreviation: 'SW', word: 'south-west' },
  steps: [{ instruction: 'Fly south-west', distanceKm: 12.5 }],
  path: {
    type: 'LineString',
    coordinates: [
      [-9, 38],
      [-9.1, 38.7],
    ],
  },
  note: 'test route',
}

const START = Date.parse('2030-01-01T00:00:00.000Z')

/** A clock the test moves by hand. */
function manualClock() {
  let t = START
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms
    },
  }
}

describe('store (PGlite in memory)', () => {
  let client: SqlClient
  let store: DeliveryStore
  let clock: ReturnType<typeof manualClock>

  beforeAll(async () => {
    client = await createPgliteClient()
    await runMigrations(client)
  })
  afterAll(async () => {
    await client.close()
  })
  beforeEach(async () => {
    await client.exec('TRUNCATE deliveries RESTART IDENTITY')
    clock = manualClock()
    store = createDeliveryStore(client, { now: clock.now })
  })

  const rowCount = async () =>
    Number(
      (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')).rows[0]?.n,
    )

  describe('createPending and get', () => {
    it('stores a pending delivery and reads it back', async () => {
      const { delivery, created } = await store.createPending({
        request: request(),
        clientId: 'storefront',
      })
      expect(created).toBe(true)
      expect(delivery.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      expect(delivery).toEqual({
        id: delivery.id,
        status: 'pending',
        request: request(),
        route: null,
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
        clientId: 'storefront',
        createdAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2030-01-01T00:00:00.000Z',
        plannedAt: null,
      })
      expect(await store.get(delivery.id)).toEqual(delivery)
    })

    it('keeps coordinates and optional fields of the request as given', async () => {
      const input = { ...request('Bo', { lat: 51.5, lng: -0.12 }), origin: 'Rovaniemi' }
      const { delivery } = await store.createPending({ request: input, clientId: 'c' })
      expect((await store.get(delivery.id))?.request).toEqual(input)
    })

    it('sets nextAttemptAt from notBefore', async () => {
      const notBefore = new Date(START + 30_000)
      const { delivery } = await store.createPending({
        request: request(),
        clientId: 'c',
        notBefore,
      })
      expect(delivery.nextAttemptAt).toBe(notBefore.toISOString())
    })

    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '']) {
      it(`get(${JSON.stringify(id)}) is undefined`, async () => {
        expect(await store.get(id)).toBeUndefined()
      })
    }
  })

  describe('idempotency', () => {
    it('the same key and hash return the existing delivery without a new row', async () => {
      const idempotency = { key: 'k-1', requestHash: 'h-1' }
      const first = await store.createPending({ request: request(), clientId: 'c', idempotency })
      clock.advance(1000)
      const again = await store.createPending({ request: request(), clientId: 'c', idempotency })
      expect(first.created).toBe(true)
      expect(again.created).toBe(false)
      expect(again.delivery).toEqual(first.delivery)
      expect(await rowCount()).toBe(1)
    })

    it('the same key with another hash is a conflict', async () => {
      await store.createPending({
        request: request(),
        clientId: 'c',
        idempotency: { key: 'k-1', requestHash: 'h-1' },
      })
      const error = await store
        .createPending({
          request: request('Other'),
          clientId: 'c',
          idempotency: { key: 'k-1', requestHash: 'h-2' },
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(IdempotencyConflictError)
      expect(error).toMatchObject({
        code: 'DELIVERY_ERR_IDEMPOTENCY_CONFLICT',
        statusCode: 422,
        message: 'Idempotency-Key "k-1" was already used with a different request',
      })
      expect(await rowCount()).toBe(1)
    })

    it('keys are scoped per client', async () => {
      const idempotency = { key: 'shared', requestHash: 'h' }
      const a = await store.createPending({ request: request(), clientId: 'a', idempotency })
      const b = await store.createPending({ request: request(), clientId: 'b', idempotency })
      expect(b.created).toBe(true)
      expect(b.delivery.id).not.toBe(a.delivery.id)
      expect(await rowCount()).toBe(2)
    })

    it('creates without a key never collide', async () => {
      await store.createPending({ request: request(), clientId: 'c' })
      await store.createPending({ request: request(), clientId: 'c' })
      expect(await rowCount()).toBe(2)
    })

    it('50 concurrent creates with one key make exactly one row', async () => {
      const idempotency = { key: 'burst', requestHash: 'h' }
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.createPending({ request: request(), clientId: 'c', idempotency }),
        ),
      )
      expect(new Set(results.map((r) => r.delivery.id)).size).toBe(1)
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(await rowCount()).toBe(1)
    })
  })

  describe('list', () => {
    const createMany = async (n: number) => {
      const ids: string[] = []
      for (let i = 0; i < n; i++) {
        ids.push(
          (await store.createPending({ request: request(`R${i}`), clientId: 'c' })).delivery.id,
        )
      }
      return ids
    }

    it('pages through every delivery in creation order', async () => {
      const ids = await createMany(7)
      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) })
        seen.push(...page.items.map((d) => d.id))
        cursor = page.nextCursor ?? undefined
        pages++
      } while (cursor)
      expect(pages).toBe(3)
      expect(seen).toEqual(ids)
    })

    it('ends with a null cursor when the last page is exactly full', async () => {
      await createMany(4)
      const first = await store.list({ limit: 2 })
      expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
      const second = await store.list({ limit: 2, cursor: first.nextCursor as string })
      expect(second.items).toHaveLength(2)
      expect(second.nextCursor).toBeNull()
    })

    it('keeps its order when rows change status', async () => {
      const ids = await createMany(3)
      await store.markPlanned(ids[0] as string, route)
      const page = await store.list({ limit: 10 })
      expect(page.items.map((d) => d.id)).toEqual(ids)
    })

    it('filters by status, across pages', async () => {
      const ids = await createMany(6)
      for (const id of [ids[1], ids[3], ids[4]]) await store.markPlanned(id as string, route)
      await store.markFailed(ids[5] as string, 'nowhere')
      const first = await store.list({ status: 'planned', limit: 2 })
      expect(first.items.map((d) => d.id)).toEqual([ids[1], ids[3]])
      const second = await store.list({
        status: 'planned',
        limit: 2,
        cursor: first.nextCursor as string,
      })
      expect(second.items.map((d) => d.id)).toEqual([ids[4]])
      expect(second.nextCursor).toBeNull()
      const pending = await store.list({ status: 'pending', limit: 100 })
      expect(pending.items.map((d) => d.id)).toEqual([ids[0], ids[2]])
      const failed = await store.list({ status: 'failed', limit: 100 })
      expect(failed.items.map((d) => d.id)).toEqual([ids[5]])
    })

    it('an empty store lists nothing', async () => {
      expect(await store.list({ limit: 10 })).toEqual({ items: [], nextCursor: null })
    })

    const badCursors = [
      ['garbage with spaces', 'not base64url'],
      ['eyJmb28iOjF9', 'base64url of something else'],
      [Buffer.from('d1:abc').toString('base64url'), 'a non-numeric position'],
      [Buffer.from('d1:-1').toString('base64url'), 'a negative position'],
      [Buffer.from('d1:99999999999999999999').toString('base64url'), 'a position beyond bigint'],
      [Buffer.from('d2:5').toString('base64url'), 'a bounded position without its bound'],
      [Buffer.from('d2:5:x').toString('base64url'), 'a non-numeric bound'],
      [Buffer.from('d2:5:9:1').toString('base64url'), 'a bounded position with a third part'],
      [Buffer.from('d2:99999999999999999999:1').toString('base64url'), 'a bound beyond bigint'],
      ['', 'empty'],
    ] as const
    for (const [cursor, what] of badCursors) {
      it(`rejects an invalid cursor: ${what}`, async () => {
        await expect(store.list({ limit: 10, cursor })).rejects.toMatchObject({
          code: 'DELIVERY_ERR_INVALID_CURSOR',
          statusCode: 400,
          message: 'The cursor is not valid',
        })
      })
    }

    it('cursors round-trip, and cursors from before bounded listings still read', () => {
      expect(decodeCursor(encodeCursor({ after: '42', upto: '9000' }))).toEqual({
        after: '42',
        upto: '9000',
      })
      expect(decodeCursor(Buffer.from('d1:42').toString('base64url'))).toEqual({ after: '42' })
    })

    for (const limit of [0, -1, 101, 2.5, Number.NaN]) {
      it(`rejects limit ${limit}`, async () => {
        await expect(store.list({ limit })).rejects.toMatchObject({
          code: 'DELIVERY_ERR_INVALID_QUERY',
          statusCode: 400,
          message: 'Invalid list query: limit must be an integer from 1 to 100',
        })
      })
    }

    for (const limit of [1, 100]) {
      it(`accepts limit ${limit}`, async () => {
        await createMany(2)
        const page = await store.list({ limit })
        expect(page.items).toHaveLength(Math.min(limit, 2))
      })
    }

    it('rejects an unknown status', async () => {
      await expect(store.list({ status: 'lost' as 'pending', limit: 10 })).rejects.toMatchObject({
        code: 'DELIVERY_ERR_INVALID_QUERY',
      })
    })
  })

  describe('transitions', () => {
    it('markPlanned stores the route and ends the retries', async () => {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      await store.recordAttemptFailure(delivery.id, 'timeout', new Date(START + 60_000))
      clock.advance(5000)
      const planned = await store.markPlanned(delivery.id, route)
      expect(planned).toMatchObject({
        status: 'planned',
        route,
        attempts: 1,
        lastError: 'timeout',
        nextAttemptAt: null,
        plannedAt: '2030-01-01T00:00:05.000Z',
        updatedAt: '2030-01-01T00:00:05.000Z',
        createdAt: '2030-01-01T00:00:00.000Z',
      })
      expect(await store.get(delivery.id)).toEqual(planned)
    })

    it('markPlanned is a no-op once planned', async () => {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      const planned = await store.markPlanned(delivery.id, route)
      clock.advance(1000)
      const again = await store.markPlanned(delivery.id, { ...route, distanceKm: 99 })
      expect(again).toEqual(planned)
    })

    it('markFailed ends a pending delivery for good', async () => {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      clock.advance(2000)
      const failed = await store.markFailed(delivery.id, 'Atlantis does not exist')
      expect(failed).toMatchObject({
        status: 'failed',
        lastError: 'Atlantis does not exist',
        route: null,
        nextAttemptAt: null,
        plannedAt: null,
        updatedAt: '2030-01-01T00:00:02.000Z',
      })
      expect(await store.markPlanned(delivery.id, route)).toEqual(failed)
      expect(await store.claimDue(10, 60_000)).toEqual([])
    })

    it('recordAttemptFailure counts attempts and schedules the next one', async () => {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      const next = new Date(START + 10_000)
      const once = await store.recordAttemptFailure(delivery.id, 'ECONNREFUSED', next)
      expect(once).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'ECONNREFUSED',
        nextAttemptAt: next.toISOString(),
      })
      const twice = await store.recordAttemptFailure(delivery.id, '503', new Date(START + 20_000))
      expect(twice).toMatchObject({ attempts: 2, lastError: '503' })
    })

    it('recordAttemptFailure leaves a planned delivery alone', async () => {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      const planned = await store.markPlanned(delivery.id, route)
      expect(await store.recordAttemptFailure(delivery.id, 'late', new Date())).toEqual(planned)
    })

    const unknown = '00000000-0000-4000-8000-000000000000'
    const calls = [
      ['markPlanned', (s: DeliveryStore, id: string) => s.markPlanned(id, route)],
      ['markFailed', (s: DeliveryStore, id: string) => s.markFailed(id, 'x')],
      [
        'recordAttemptFailure',
        (s: DeliveryStore, id: string) => s.recordAttemptFailure(id, 'x', new Date()),
      ],
    ] as const
    for (const [name, call] of calls) {
      for (const id of [unknown, 'not-a-uuid']) {
        it(`${name} on unknown id ${id} throws DELIVERY_ERR_NOT_FOUND`, async () => {
          const error = await call(store, id).catch((e: unknown) => e)
          expect(error).toBeInstanceOf(DeliveryNotFoundError)
          expect(error).toMatchObject({
            code: 'DELIVERY_ERR_NOT_FOUND',
            statusCode: 404,
            message: `No delivery has id ${id}`,
          })
        })
      }
    }
  })

  describe('claimDue', () => {
    const createMany = async (n: number) => {
      const ids: string[] = []
      for (let i = 0; i < n; i++) {
        ids.push(
          (await store.createPending({ request: request(`C${i}`), clientId: 'c' })).delivery.id,
        )
      }
      return ids
    }

    it('claims the oldest due deliveries first, up to the limit', async () => {
      const ids = await createMany(5)
      const claimed = await store.claimDue(3, 60_000)
      expect(claimed.map((d) => d.id)).toEqual(ids.slice(0, 3))
      const rest = await store.claimDue(10, 60_000)
      expect(rest.map((d) => d.id)).toEqual(ids.slice(3))
      expect(await store.claimDue(10, 60_000)).toEqual([])
    })

    it('concurrent claimers never get the same row', async () => {
      const ids = await createMany(20)
      const batches = await Promise.all(Array.from({ length: 6 }, () => store.claimDue(4, 60_000)))
      const claimed = batches.flat().map((d) => d.id)
      expect(new Set(claimed).size).toBe(claimed.length)
      expect([...claimed].sort()).toEqual([...ids].sort())
    })

    it('a claim not released comes back after its lease', async () => {
      const [id] = await createMany(1)
      expect((await store.claimDue(10, 30_000)).map((d) => d.id)).toEqual([id])
      clock.advance(29_999)
      expect(await store.claimDue(10, 30_000)).toEqual([])
      clock.advance(1)
      expect((await store.claimDue(10, 30_000)).map((d) => d.id)).toEqual([id])
    })

    it('a recorded failure releases the claim but waits for nextAttemptAt', async () => {
      const [id] = (await createMany(1)) as [string]
      await store.claimDue(10, 60_000)
      await store.recordAttemptFailure(id, 'down', new Date(START + 5000))
      expect(await store.claimDue(10, 60_000)).toEqual([])
      clock.advance(5000)
      const [again] = await store.claimDue(10, 60_000)
      expect(again).toMatchObject({ id, attempts: 1, lastError: 'down' })
    })

    it('respects notBefore on new deliveries', async () => {
      const { delivery } = await store.createPending({
        request: request(),
        clientId: 'c',
        notBefore: new Date(START + 30_000),
      })
      const [due] = await createMany(1)
      expect((await store.claimDue(10, 60_000)).map((d) => d.id)).toEqual([due])
      clock.advance(30_000)
      expect((await store.claimDue(10, 60_000)).map((d) => d.id)).toEqual([delivery.id])
    })

    it('never claims planned or failed deliveries', async () => {
      const [a, b, c] = (await createMany(3)) as [string, string, string]
      await store.markPlanned(a, route)
      await store.markFailed(b, 'gone')
      expect((await store.claimDue(10, 60_000)).map((d) => d.id)).toEqual([c])
    })

    it('a claimed delivery can still be planned', async () => {
      const [id] = (await createMany(1)) as [string]
      await store.claimDue(1, 60_000)
      expect((await store.markPlanned(id, route)).status).toBe('planned')
    })

    for (const limit of [0, -3, 1.5]) {
      it(`claims nothing for limit ${limit}`, async () => {
        await createMany(2)
        expect(await store.claimDue(limit, 60_000)).toEqual([])
      })
    }
  })

  it('countByStatus counts every status, zeros included', async () => {
    expect(await store.countByStatus()).toEqual({ pending: 0, planned: 0, failed: 0 })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      ids.push((await store.createPending({ request: request(), clientId: 'c' })).delivery.id)
    }
    await store.markPlanned(ids[0] as string, route)
    await store.markPlanned(ids[1] as string, route)
    await store.markFailed(ids[2] as string, 'no')
    expect(await store.countByStatus()).toEqual({ pending: 1, planned: 2, failed: 1 })
  })

  it('ping answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined()
  })

  describe('migrations', () => {
    it('running them again applies nothing', async () => {
      expect(await runMigrations(client)).toEqual([])
      const recorded = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      )
      expect(recorded.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
    })

    it('concurrent runs on a fresh database apply each migration once', async () => {
      const fresh = await createPgliteClient()
      try {
        const runs = await Promise.all([runMigrations(fresh), runMigrations(fresh)])
        expect(runs.flat().sort()).toEqual(migrations.map((m) => m.version))
        const recorded = await fresh.query('SELECT version FROM schema_migrations')
        expect(recorded.rows).toHaveLength(migrations.length)
      } finally {
        await fresh.close()
      }
    })

    it('a failing migration rolls back entirely and is not recorded', async () => {
      const fresh = await createPgliteClient()
      try {
        const broken = [
          ...migrations,
          {
            version: 999,
            name: 'broken',
            sql: 'CREATE TABLE half (x int); SELECT nope FROM nowhere',
          },
        ]
        await expect(runMigrations(fresh, broken)).rejects.toThrow(/nowhere/)
        const half = await fresh.query("SELECT to_regclass('half') AS t")
        expect(half.rows[0]).toEqual({ t: null })
        const recorded = await fresh.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        )
        expect(recorded.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
      } finally {
        await fresh.close()
      }
    })
  })
})

describe('openStore', () => {
  it('opens an in-memory store with the schema in place', async () => {
    const store = await openStore()
    try {
      const { delivery } = await store.createPending({ request: request(), clientId: 'c' })
      expect((await store.get(delivery.id))?.id).toBe(delivery.id)
    } finally {
      await store.close()
    }
  })

  it('close is safe to call twice', async () => {
    const store = await openStore()
    await store.close()
    await expect(store.close()).resolves.toBeUndefined()
  })
})

describe('store (PGlite on disk)', () => {
  let dataDir: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gift-deliveries-store-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('keeps deliveries across close and reopen, without re-running migrations', async () => {
    const first = await openStore({ dataDir })
    const idempotency = { key: 'disk', requestHash: 'h' }
    const { delivery } = await first.createPending({
      request: request(),
      clientId: 'c',
      idempotency,
    })
    const planned = await first.markPlanned(
      (await first.createPending({ request: request('Bo'), clientId: 'c' })).delivery.id,
      route,
    )
    await first.close()

    const migrated = await createPgliteClient({ dataDir })
    try {
      expect(await runMigrations(migrated)).toEqual([])
    } finally {
      await migrated.close()
    }

    const second = await openStore({ dataDir })
    try {
      expect(await second.get(delivery.id)).toEqual(delivery)
      expect(await second.get(planned.id)).toEqual(planned)
      const again = await second.createPending({ request: request(), clientId: 'c', idempotency })
      expect(again).toEqual({ delivery, created: false })
      expect(await second.countByStatus()).toEqual({ pending: 1, planned: 1, failed: 0 })
      const fresh = await second.createPending({ request: request('Cy'), clientId: 'c' })
      const all = await second.list({ limit: 10 })
      expect(all.items.map((d) => d.id)).toEqual([delivery.id, planned.id, fresh.delivery.id])
    } finally {
      await second.close()
    }
  }, 60_000)

  it('a created delivery survives the process being killed (SIGKILL, no close)', async () => {
    const dir = join(dataDir, 'killed')
    const storeModule = fileURLToPath(new URL('../src/store/open-store.ts', import.meta.url))
    const script = `
      const { openStore } = await import(${JSON.stringify(storeModule)})
      const store = await openStore({ dataDir: ${JSON.stringify(dir)} })
      const { delivery } = await store.createPending({
        request: { recipient: { name: 'Kill' }, gift: { description: 'g' }, destination: 'Oslo' },
        clientId: 'c',
      })
      process.stdout.write(delivery.id)
      process.kill(process.pid, 'SIGKILL')
    `
    const child = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    ).catch((error: { signal?: string; stdout?: string }) => error)
    expect(child).toMatchObject({ signal: 'SIGKILL' })
    const id = (child as { stdout: string }).stdout
    expect(id).toMatch(/^[0-9a-f-]{36}$/)

    const reopened = await openStore({ dataDir: dir })
    try {
      expect(await reopened.get(id)).toMatchObject({ id, status: 'pending', clientId: 'c' })
    } finally {
      await reopened.close()
    }
  }, 60_000)
})
