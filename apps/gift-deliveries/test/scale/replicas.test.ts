import { randomBytes } from 'node:crypto'
import { devTenantFile } from '@m2m/auth-server'
import { freePort, readTenantKeywords, startPostgresServer, startRedisServer } from '@m2m/test-kit'
import { Redis } from 'ioredis'
import pg from 'pg'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServiceProcess, startCountingProxy, startService } from './processes.js'

/**
 * The scale-out proof: the local tenant, world-mappers and three
 * gift-deliveries replicas as separate processes, sharing one Redis (token
 * cache) and one PostgreSQL (store). Real servers, started here; nothing skipped.
 */

const REQUESTS = Number(process.env.SCALE_TEST_REQUESTS || 3_000)
const REPLICAS = 3
const keywords = readTenantKeywords(devTenantFile)
const GIFT_DELIVERIES_CLIENT = keywords.GIFT_DELIVERIES_CLIENT_ID as string

let redis: Awaited<ReturnType<typeof startRedisServer>>
let postgres: Awaited<ReturnType<typeof startPostgresServer>>
let tenant: ServiceProcess
let worldMappers: ServiceProcess
let proxy: Awaited<ReturnType<typeof startCountingProxy>>
let replicas: ServiceProcess[] = []
let db: pg.Pool
let storefrontToken: string
const load = new Agent({ connections: 1_200, headersTimeout: 60_000, bodyTimeout: 60_000 })

beforeAll(async () => {
  // Each step names itself in the error if it fails, so CI says which server is missing.
  ;[redis, postgres] = await Promise.all([startRedisServer(), startPostgresServer()])
  // The tenant's issuer is the URL it is reached at, so its port is chosen first.
  const tenantPort = await freePort()
  const issuer = `http://127.0.0.1:${tenantPort}/`
  tenant = await startService(
    'auth-server',
    'auth-server',
    {
      ISSUER_BASE_URL: issuer,
      AUTH_SERVER_TEST_CONTROLS: '1',
      TOKEN_RATE_LIMIT_PER_SECOND: '1000',
      TOKEN_RATE_LIMIT_BURST: '1000',
      TOKEN_RATE_LIMIT_PER_IP: '1000',
    },
    { port: tenantPort },
  )
  worldMappers = await startService('world-mappers', 'world-mappers', { ISSUER_BASE_URL: issuer })
  proxy = await startCountingProxy(worldMappers.url)
  const encryptionKey = randomBytes(32).toString('base64')
  replicas = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) =>
      startService('gift-deliveries', `gift-deliveries-${i + 1}`, {
        ISSUER_BASE_URL: issuer,
        WORLD_MAPPERS_URL: proxy.url,
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        TOKEN_CACHE_ENCRYPTION_KEY: encryptionKey,
        PENDING_GRACE_MS: '10000',
      }),
    ),
  )
  // Each replica fetches a token as it starts. Under load that fetch can still be in
  // flight when a test empties the cache and resets the count: it would then land in
  // the test's count, and race the test's own exchange for the (flushed) lock.
  await Promise.all(replicas.map((replica) => tokensAvailable(replica, 60_000)))
  db = new pg.Pool({ connectionString: postgres.url, max: 2 })
  db.on('error', () => {})
  storefrontToken = await clientToken('STOREFRONT', 'urn:gift-deliveries')
}, 180_000)

afterAll(async () => {
  const t0 = Date.now()
  const step = (name: string) => console.error(`[afterAll] ${name} ${Date.now() - t0} ms`)
  await Promise.allSettled(replicas.map((r) => r.stop()))
  step('replicas')
  await Promise.allSettled([worldMappers?.stop(), tenant?.stop(), proxy?.close()])
  step('services')
  await db?.end()
  await load.destroy()
  step('db')
  await Promise.allSettled([redis?.stop(), postgres?.stop()])
  step('servers')
}, 60_000)

async function clientToken(prefix: string, audience: string): Promise<string> {
  const res = await request(`${tenant.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: keywords[`${prefix}_CLIENT_ID`],
      client_secret: keywords[`${prefix}_CLIENT_SECRET`],
      audience,
    }),
  })
  const body = (await res.body.json()) as { access_token?: string }
  if (!body.access_token) throw new Error(`the tenant gave ${prefix} no token`)
  return body.access_token
}

/** Waits until the replica's `/readyz` says it holds a world-mappers token. */
async function tokensAvailable(replica: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await request(`${replica.url}/readyz`)
    const body = (await res.body.json()) as { tokens?: string }
    if (body.tokens === 'available') return
    if (Date.now() > deadline) {
      throw new Error(`${replica.name} has no token after ${timeoutMs} ms: ${JSON.stringify(body)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function exchangesOf(clientId: string): Promise<number> {
  const res = await request(`${tenant.url}/__test__/exchanges`)
  const counts = (await res.body.json()) as Record<string, { succeeded: number }>
  return counts[clientId]?.succeeded ?? 0
}

async function resetExchanges() {
  const res = await request(`${tenant.url}/__test__/exchanges`, { method: 'DELETE' })
  await res.body.dump()
}

/** Every delivery gets its own destination, so the proxy's count per destination is its plans. */
function destinationOf(run: number, i: number) {
  return { lat: Number((10 + run * 5 + i / 1_000).toFixed(6)), lng: 20 }
}
const destinationKey = (d: { lat: number; lng: number }) => `${d.lat},${d.lng}`

interface Outcome {
  key: string
  status: number
  id?: string
  /** Connection errors met (and retried on another replica). */
  errors: number
}

async function postDelivery(
  run: number,
  i: number,
  pick: (attempt: number) => ServiceProcess,
): Promise<Outcome> {
  const key = `run${run}-${i}`
  const body = JSON.stringify({
    recipient: { name: `Recipient ${i}` },
    gift: { description: 'A scale-out test gift' },
    destination: destinationOf(run, i),
  })
  let errors = 0
  for (let attempt = 0; attempt < 6; attempt++) {
    const replica = pick(attempt)
    try {
      const res = await request(`${replica.url}/deliveries`, {
        method: 'POST',
        dispatcher: load,
        headers: {
          authorization: `Bearer ${storefrontToken}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body,
      })
      const json = (await res.body.json()) as { id?: string }
      return { key, status: res.statusCode, ...(json.id ? { id: json.id } : {}), errors }
    } catch {
      // The replica died under us: the same key on another replica is safe (idempotency).
      errors++
    }
  }
  return { key, status: 0, errors }
}

async function rowsOf(run: number) {
  const { rows } = await db.query<{
    id: string
    idempotency_key: string
    status: string
    attempts: number
    has_route: boolean
    planned_once: boolean
    destination: { lat: number; lng: number }
  }>(
    `SELECT id::text, idempotency_key, status, attempts, route IS NOT NULL AS has_route,
            (planned_at IS NOT NULL AND updated_at = planned_at AND claim IS NULL) AS planned_once,
            request->'destination' AS destination
     FROM deliveries WHERE idempotency_key LIKE $1`,
    [`run${run}-%`],
  )
  return rows
}

async function waitUntilAllPlanned(run: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM deliveries WHERE idempotency_key LIKE $1 GROUP BY status`,
      [`run${run}-%`],
    )
    const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
    if ((counts.planned ?? 0) === REQUESTS) return
    if (Date.now() > deadline) {
      throw new Error(
        `after ${timeoutMs} ms not every delivery of run ${run} is planned: ${JSON.stringify(counts)}\n` +
          replicas.map((r) => `--- ${r.name}\n${r.output()}`).join('\n'),
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** The token and token-cache lines of each replica's /metrics, for failure messages. */
async function cacheMetrics(of: ServiceProcess[]): Promise<string> {
  const parts = await Promise.all(
    of.map(async (r) => {
      const res = await request(`${r.url}/metrics`)
      const text = await res.body.text()
      const lines = text.split('\n').filter((l) => l.startsWith('m2m_token'))
      return `${r.name}:\n${lines.join('\n')}`
    }),
  )
  return parts.join('\n')
}

/**
 * World-mappers directions calls per delivery, against its recorded attempts. A delivery
 * is stored as planned once by construction (above); more calls than attempts + 1 means
 * its plan was computed twice (a request still planning when a worker took over, or a
 * replica killed mid-plan). Printed, not asserted: it depends on how overloaded the box is.
 */
function reportUpstreamCalls(
  run: string,
  rows: Array<{ attempts: number; destination: { lat: number; lng: number } }>,
) {
  let extra = 0
  let missing = 0
  for (const r of rows) {
    const calls = proxy.directions.get(destinationKey(r.destination)) ?? 0
    if (calls === 0) missing++
    if (calls > r.attempts + 1) extra++
  }
  console.info(
    `[scale] ${run}: ${rows.length} deliveries; planned with more world-mappers calls than attempts + 1: ${extra}; never reached world-mappers: ${missing}`,
  )
  expect(missing, 'every planned delivery was routed by world-mappers').toBe(0)
}

function statusCounts(outcomes: Outcome[]) {
  const counts: Record<string, number> = {}
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1
  return counts
}

describe(`scale-out: ${REPLICAS} gift-deliveries processes on one Redis and one PostgreSQL`, () => {
  it(`${REQUESTS} concurrent POST /deliveries on a cold cache: 1 token exchange, each delivery stored once and planned once`, async () => {
    // Each replica fetched a token at start-up (token availability): empty the
    // shared cache so this run starts cold.
    const flush = new Redis(redis.url)
    await flush.flushall()
    flush.disconnect()
    await resetExchanges()
    const outcomes = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        postDelivery(1, i, () => replicas[i % REPLICAS] as ServiceProcess),
      ),
    )
    const accepted = outcomes.filter((o) => o.status === 201 || o.status === 202)
    expect(accepted.length, `answers: ${JSON.stringify(statusCounts(outcomes))}`).toBe(REQUESTS)

    // One exchange for gift-deliveries -> world-mappers, across all replicas.
    expect(await exchangesOf(GIFT_DELIVERIES_CLIENT), await cacheMetrics(replicas)).toBe(1)

    await waitUntilAllPlanned(1, 60_000)
    const rows = await rowsOf(1)
    expect(rows).toHaveLength(REQUESTS)
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(REQUESTS)
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const o of accepted) expect(byId.get(o.id as string)?.idempotency_key).toBe(o.key)
    // Planned once: the pending -> planned transition happened, and nothing wrote the row after it.
    const notOnce = rows.filter((r) => !(r.status === 'planned' && r.has_route && r.planned_once))
    expect(notOnce, 'deliveries not planned exactly once').toEqual([])
    reportUpstreamCalls('cold cache', rows)
    // Still one token, now shared through Redis. (The replicas' cache counters say why not:
    // a replica that found Redis unavailable falls back to its own memory and fetches.)
    expect(await exchangesOf(GIFT_DELIVERIES_CLIENT), await cacheMetrics(replicas)).toBe(1)
  }, 150_000)

  it('a replica SIGKILLed mid-run: every accepted delivery exists once and is planned exactly once', async () => {
    // Cold again: a new token must be fetched, once, while one replica dies.
    const flush = new Redis(redis.url)
    await flush.flushall()
    flush.disconnect()
    await resetExchanges()

    const victim = replicas[0] as ServiceProcess
    const survivors = replicas.slice(1)
    let completed = 0
    let inFlightAtVictim = 0
    let killedWithInFlight = -1
    const killAt = Math.floor(REQUESTS / 5)
    let killing: Promise<void> | undefined
    const outcomes = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const onVictim = i % REPLICAS === 0
        if (onVictim) inFlightAtVictim++
        const outcome = await postDelivery(2, i, (attempt) =>
          attempt === 0
            ? (replicas[i % REPLICAS] as ServiceProcess)
            : (survivors[(i + attempt) % survivors.length] as ServiceProcess),
        )
        if (onVictim && outcome.errors === 0) inFlightAtVictim--
        if (++completed === killAt) {
          killedWithInFlight = inFlightAtVictim
          killing = victim.kill()
        }
        return outcome
      }),
    )
    await killing
    expect(
      killedWithInFlight,
      'the victim still had requests in flight when killed',
    ).toBeGreaterThan(0)
    expect(
      outcomes.some((o) => o.errors > 0),
      'some requests met the dead replica',
    ).toBe(true)

    const accepted = outcomes.filter((o) => o.status === 201 || o.status === 202)
    expect(accepted.length, `answers: ${JSON.stringify(statusCounts(outcomes))}`).toBe(REQUESTS)
    expect(await exchangesOf(GIFT_DELIVERIES_CLIENT), await cacheMetrics(survivors)).toBe(1)

    // Deliveries the victim stored and never planned wait out their grace, then a survivor plans them.
    await waitUntilAllPlanned(2, 90_000)
    const rows = await rowsOf(2)
    expect(rows).toHaveLength(REQUESTS)
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(REQUESTS)
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]))
    for (const o of accepted) expect(byKey.get(o.key)?.id).toBe(o.id)
    const notOnce = rows.filter((r) => !(r.status === 'planned' && r.has_route && r.planned_once))
    expect(notOnce, 'deliveries not planned exactly once').toEqual([])
    reportUpstreamCalls('one replica killed', rows)
  }, 180_000)
})
