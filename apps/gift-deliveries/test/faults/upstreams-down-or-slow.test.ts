import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js'
import {
  destinationKey,
  destinationOf,
  getJson,
  injectFault,
  metricsOf,
  metricValue,
  postDelivery,
  rssKiB,
  type ServiceProcess,
  startGiftDeliveries,
  startWorldMappers,
  storefrontToken,
  waitFor,
} from './helpers/fault-stack.js'
import { startUpstreams, type Upstreams } from './helpers/upstreams.js'

/**
 * Faults 5 and 8: upstreams down or slow. The tenant answers token requests
 * late (its test controls); world-mappers stops mid-run and comes back on
 * the same port; then it answers late (a proxy in front of it holds its
 * requests). The proxy logs every call with its answer; every delivery has
 * its own destination, so the successful directions calls for a destination
 * are the number of times that delivery was planned.
 */

const WORLD_MAPPERS_TIMEOUT_MS = 5_000 // the world-mappers client's default
const MAX_INLINE_PLANS = 128 // buildApp's default
const WORKER_BATCH = 10 // the pending worker's default

let upstreams: Upstreams
let proxy: FaultProxy
let gifts: ServiceProcess
let token: string

beforeAll(async () => {
  upstreams = await startUpstreams()
  proxy = await startFaultProxy(upstreams.worldMappers.url)
  token = await storefrontToken(upstreams.tenant.url)
  // Longer than the token provider's 5 s request timeout, for its first two attempts.
  await injectFault(upstreams.tenant.url, { target: 'token', latencyMs: 8_000, count: 2 })
  gifts = await startGiftDeliveries({ issuer: upstreams.issuer, worldMappersUrl: proxy.url })
}, 120_000)

afterAll(async () => {
  await gifts?.stop()
  await Promise.allSettled([upstreams?.stop(), proxy?.close()])
})

const burst = (run: number, size: number) =>
  Promise.all(
    Array.from({ length: size }, (_, i) =>
      postDelivery(gifts.url, token, { destination: destinationOf(run, i) }),
    ),
  )

describe('fault 8: slow upstreams (the tenant)', { timeout: 60_000 }, () => {
  it('a slow token endpoint: the token request times out and is retried, callers get 202 meanwhile, plans finish once a token comes', async () => {
    const answers = await burst(1, 20)
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202))
    for (const answer of answers) {
      await waitFor(
        async () => {
          const got = await getJson(`${gifts.url}/deliveries/${answer.id}`, token)
          return got.body.status === 'planned' ? true : undefined
        },
        { timeoutMs: 60_000, what: `delivery ${answer.id} planned`, describe: gifts.output },
      )
    }
    const metrics = await metricsOf(gifts.url)
    // Two attempts timed out, the third got the token: one exchange, no failed flight.
    // (The exchanges and requests counters carry the audience, outcome and status: summed.)
    expect(metricValue(metrics, 'm2m_token_requests_total')).toBeGreaterThanOrEqual(3)
    expect(metricValue(metrics, 'm2m_token_exchanges_total', { outcome: 'success' })).toBe(1)
    expect(metricValue(metrics, 'm2m_token_exchanges_total', { outcome: 'failure' })).toBe(
      undefined,
    )
    expect(metricValue(metrics, 'm2m_token_failures_total')).toBe(0)
  })
})

/** Every delivery of this client, through the API's pages. */
async function allDeliveries() {
  const items: Array<{
    id: string
    status: string
    request: { destination: { lat: number; lng: number } }
  }> = []
  let cursor: string | undefined
  do {
    const page = await getJson(
      `${gifts.url}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    )
    items.push(...(page.body.items as typeof items))
    cursor = (page.body.nextCursor as string | null) ?? undefined
  } while (cursor)
  return items
}

const successfulPlans = (destination: { lat: number; lng: number }) =>
  proxy.log.filter(
    (r) =>
      r.path === '/api/directions' &&
      r.status === 200 &&
      r.query.get('destination') === destinationKey(destination),
  ).length

describe('fault 5: world-mappers down mid-run', { timeout: 90_000 }, () => {
  const accepted: string[] = []

  it('new deliveries become pending (202) while world-mappers is down', async () => {
    const before = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(6, i) }),
      ),
    )
    expect(before.map((a) => a.status)).toEqual(before.map(() => 201))
    accepted.push(...before.map((a) => a.id as string))

    await upstreams.worldMappers.stop()
    const during = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(7, i) }),
      ),
    )
    expect(during.map((a) => a.status)).toEqual(during.map(() => 202))
    expect(during.map((a) => a.body.status)).toEqual(during.map(() => 'pending'))
    accepted.push(...during.map((a) => a.id as string))
    const one = await getJson(`${gifts.url}/deliveries/${during[0]?.id}`, token)
    expect(one.body).toMatchObject({
      status: 'pending',
      lastError: 'World Mappers or the token endpoint is unavailable; planning will be retried',
    })
  })

  it('plans every one once world-mappers is back: none lost, none planned twice', async () => {
    upstreams.worldMappers = await startWorldMappers(upstreams.issuer, upstreams.worldMappers.port)
    await waitFor(
      async () => {
        const pending = await getJson(`${gifts.url}/deliveries?status=pending&limit=1`, token)
        return (pending.body.items as unknown[]).length === 0 ? true : undefined
      },
      { timeoutMs: 90_000, what: 'no delivery pending', describe: gifts.output },
    )
    const ours = new Set(accepted)
    const stored = (await allDeliveries()).filter((d) => ours.has(d.id))
    expect(stored.map((d) => d.id).sort()).toEqual([...accepted].sort())
    expect(stored.map((d) => d.status)).toEqual(stored.map(() => 'planned'))
    const plannedTwice = stored.filter((d) => successfulPlans(d.request.destination) !== 1)
    expect(plannedTwice, 'deliveries routed by world-mappers other than once').toEqual([])
  })
})

describe('fault 8: slow upstreams (world-mappers)', () => {
  it('a slow world-mappers: calls time out, plans in flight stay bounded, 202s instead of queues, memory flat over repeated bursts', async () => {
    proxy.setRule((request) =>
      request.url?.startsWith('/api/directions')
        ? { kind: 'pass', delayMs: WORLD_MAPPERS_TIMEOUT_MS + 3_000 }
        : { kind: 'pass' },
    )
    // Settled: the burst's inline plans have timed out; only the worker's batch may be at it.
    const settle = () =>
      waitFor(async () => (proxy.inFlight <= WORKER_BATCH ? true : undefined), {
        timeoutMs: 30_000,
        what: "the burst's held world-mappers calls abandoned by gift-deliveries",
      })
    const rssBefore = rssKiB(gifts.child.pid as number)
    proxy.resetMaxInFlight()
    const rss: number[] = []
    for (const run of [2, 3, 4]) {
      const answers = await burst(run, 400)
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202))
      await settle()
      rss.push(rssKiB(gifts.child.pid as number))
    }

    // Bounded: never more calls held open than inline plans plus one worker batch.
    expect(proxy.maxInFlight).toBeGreaterThan(0)
    expect(proxy.maxInFlight).toBeLessThanOrEqual(MAX_INLINE_PLANS + WORKER_BATCH)
    // Timeouts fired: the calls ended as "unavailable" and the deliveries wait, pending.
    const metrics = await metricsOf(gifts.url)
    expect(
      metricValue(metrics, 'world_mappers_request_duration_seconds_count{outcome="unavailable"}'),
    ).toBeGreaterThan(0)
    const pending = await getJson(`${gifts.url}/deliveries?status=pending&limit=1`, token)
    expect((pending.body.items as unknown[]).length).toBe(1)
    // Memory: generous bounds, the point is no growth per burst.
    const [first, , last] = rss as [number, number, number]
    expect(first - rssBefore, `RSS KiB before ${rssBefore}, after bursts ${rss}`).toBeLessThan(
      256 * 1024,
    )
    expect(last - first, `RSS KiB before ${rssBefore}, after bursts ${rss}`).toBeLessThan(64 * 1024)

    console.info(
      `[faults] slow world-mappers: RSS KiB ${rssBefore} -> ${rss.join(' -> ')}, most calls held at once ${proxy.maxInFlight}`,
    )

    // Once world-mappers is fast again (and the timed-out plans are recorded), deliveries are planned inline again.
    proxy.pass()
    let tries = 0
    await waitFor(
      async () => {
        const answer = await postDelivery(gifts.url, token, {
          destination: destinationOf(5, tries++),
        })
        return answer.status === 201 ? true : undefined
      },
      { timeoutMs: 30_000, what: 'a delivery planned inline (201) again', describe: gifts.output },
    )
  }, 90_000)
})
