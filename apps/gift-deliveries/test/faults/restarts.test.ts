import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startPostgresServer } from '@m2m/test-kit'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { destinationFor, type LoadResult, startDeliveryLoad } from './helpers/delivery-load.js'
import {
  getJson,
  postDelivery,
  type ServiceProcess,
  startGiftDeliveries,
  storefrontToken,
} from './helpers/fault-stack.js'
import { startUpstreamsAndGiftDeliveries, type Upstreams } from './helpers/upstreams.js'

/**
 * Faults 6 and 7: gift-deliveries stopped under load (SIGTERM, then started
 * again on the same port and store), and its store restarted under it
 * (PGlite reopened on the same DATA_DIR after a SIGKILL; a PostgreSQL server
 * restarted). Callers retry what was not acknowledged with the same
 * Idempotency-Key; every 201/202 must be there afterwards, once.
 */

let upstreams: Upstreams
let token: string
/** gift-deliveries on PGlite in `dataDir`, started with the others (and again by fault 6). */
let first: ServiceProcess
let firstPort: number
const dataDir = mkdtempSync(join(tmpdir(), 'm2m-faults-pglite-'))
const running = new Set<ServiceProcess>()

beforeAll(async () => {
  firstPort = await freePort()
  ;({ upstreams, gifts: first } = await startUpstreamsAndGiftDeliveries({
    port: firstPort,
    dataDir,
  }))
  running.add(first)
  token = await storefrontToken(upstreams.tenant.url)
}, 120_000)

afterAll(async () => {
  await Promise.allSettled([...running].map((s) => s.stop()))
  await upstreams?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function start(options: { port: number; dataDir?: string; databaseUrl?: string }) {
  const gifts = await startGiftDeliveries({
    issuer: upstreams.issuer,
    worldMappersUrl: upstreams.worldMappers.url,
    ...options,
  })
  running.add(gifts)
  return gifts
}

async function inBatches<T>(items: T[], check: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += 16) await Promise.all(items.slice(i, i + 16).map(check))
}

/**
 * After the fault: every unanswered key is sent again (same key, same body)
 * and must be accepted; every key accepted before must still resolve to its
 * delivery, and a replay of it must return that same delivery.
 */
async function proveNothingLost(baseUrl: string, result: LoadResult) {
  expect(
    result.unexpected,
    'answers other than 201/202, 503 or a refused/reset connection',
  ).toEqual([])
  const ids = new Map(result.accepted)
  await inBatches(
    [...result.unanswered].filter((key) => !ids.has(key)),
    async (key) => {
      const retried = await postDelivery(baseUrl, token, {
        key,
        destination: destinationFor(result.run, key),
      })
      expect([201, 202], `${key}: ${JSON.stringify(retried.body)}`).toContain(retried.status)
      ids.set(key, retried.id as string)
    },
  )
  await inBatches([...result.accepted], async ([key, id]) => {
    const stored = await getJson(`${baseUrl}/deliveries/${id}`, token)
    expect(stored.status, `accepted delivery ${key} (${id}) after the restart`).toBe(200)
    const replay = await postDelivery(baseUrl, token, {
      key,
      destination: destinationFor(result.run, key),
    })
    expect(replay.id, `${key} replayed`).toBe(id)
  })
  return ids
}

describe('fault 6: SIGTERM to gift-deliveries under load', () => {
  it('in-flight requests complete or are refused cleanly; it exits 0; every 201/202 is there after the restart', async () => {
    const port = firstPort
    let gifts = first
    const load = startDeliveryLoad({ url: () => gifts.url, token, run: 6 })
    await load.waitFor(100)
    await gifts.stop()
    running.delete(gifts)
    expect(gifts.child.exitCode, gifts.output()).toBe(0)
    gifts = await start({ port, dataDir })
    await load.waitFor(100)
    const result = await load.stop()
    console.info(
      `[faults] SIGTERM under load: ${result.accepted.size} accepted, refusals ${JSON.stringify(result.refusals)}`,
    )
    expect(result.accepted.size).toBeGreaterThan(0)
    await proveNothingLost(gifts.url, result)
    // Left running on the same store, for fault 7's SIGKILL.
    first = gifts
  }, 90_000)
})

describe('fault 7: store restarts', () => {
  it('PGlite: SIGKILL under load, reopened on the same DATA_DIR: no accepted delivery lost', async () => {
    const port = firstPort
    let gifts = first
    const load = startDeliveryLoad({ url: () => gifts.url, token, run: 7 })
    await load.waitFor(100)
    await gifts.kill()
    running.delete(gifts)
    gifts = await start({ port, dataDir })
    await load.waitFor(50)
    const result = await load.stop()
    console.info(
      `[faults] PGlite SIGKILL: ${result.accepted.size} accepted, refusals ${JSON.stringify(result.refusals)}`,
    )
    await proveNothingLost(gifts.url, result)
    await gifts.stop()
    running.delete(gifts)
  }, 90_000)

  it('PostgreSQL restarted under load: 503 while it is down, no accepted delivery lost, each stored once', async () => {
    const postgres = await startPostgresServer({ durable: true })
    const db = new pg.Pool({ connectionString: postgres.url, max: 1 })
    db.on('error', () => {})
    try {
      const gifts = await start({ port: await freePort(), databaseUrl: postgres.url })
      const load = startDeliveryLoad({ url: () => gifts.url, token, run: 8 })
      await load.waitFor(100)
      await postgres.shutdown()
      const down = await getJson(`${gifts.url}/readyz`)
      expect(down.status).toBe(503)
      await load.waitFor(50)
      await postgres.start()
      await load.waitFor(100)
      const result = await load.stop()
      console.info(
        `[faults] PostgreSQL restart: ${result.accepted.size} accepted, refusals ${JSON.stringify(result.refusals)}`,
      )
      expect(
        result.refusals['503'] ?? 0,
        'requests refused while the store was down',
      ).toBeGreaterThan(0)
      const ids = await proveNothingLost(gifts.url, result)
      const { rows } = await db.query<{ key: string; id: string }>(
        `SELECT idempotency_key AS key, id::text AS id FROM deliveries WHERE idempotency_key LIKE 'run8-%'`,
      )
      expect(rows).toHaveLength(ids.size)
      expect(new Map(rows.map((r) => [r.key, r.id]))).toEqual(ids)
      await gifts.stop()
      running.delete(gifts)
    } finally {
      await db.end()
      await postgres.stop()
    }
  }, 90_000)
})
