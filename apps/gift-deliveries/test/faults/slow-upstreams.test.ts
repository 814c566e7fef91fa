import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../scale/servers.js'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js'
import {
  destinationOf,
  getJson,
  injectFault,
  metricsOf,
  metricValue,
  postDelivery,
  rssKiB,
  type ServiceProcess,
  startGiftDeliveries,
  startTenant,
  startWorldMappers,
  storefrontToken,
  waitFor,
} from './helpers/fault-stack.js'

/**
 * Fault 8: slow upstreams. The tenant answers token requests late (its test
 * controls), then world-mappers answers late (a proxy holds its requests).
 * Timeouts must fire, callers must get their 202 instead of waiting, the
 * plans in flight must stay bounded and memory must not grow with the bursts.
 */

const WORLD_MAPPERS_TIMEOUT_MS = 5_000 // the world-mappers client's default
const MAX_INLINE_PLANS = 128 // buildApp's default
const WORKER_BATCH = 10 // the pending worker's default

let tenant: ServiceProcess
let worldMappers: ServiceProcess
let proxy: FaultProxy
let gifts: ServiceProcess
let token: string

beforeAll(async () => {
  const tenantPort = await freePort()
  const issuer = `http://127.0.0.1:${tenantPort}/`
  ;[tenant, worldMappers] = await Promise.all([
    startTenant({ port: tenantPort }),
    startWorldMappers(issuer),
  ])
  proxy = await startFaultProxy(worldMappers.url)
  token = await storefrontToken(tenant.url)
  // Longer than the token provider's 5 s request timeout, for its first two attempts.
  await injectFault(tenant.url, { target: 'token', latencyMs: 8_000, count: 2 })
  gifts = await startGiftDeliveries({ issuer, worldMappersUrl: proxy.url })
}, 120_000)

afterAll(async () => {
  await gifts?.stop()
  await Promise.allSettled([worldMappers?.stop(), tenant?.stop(), proxy?.close()])
})

const burst = (run: number, size: number) =>
  Promise.all(
    Array.from({ length: size }, (_, i) =>
      postDelivery(gifts.url, token, { destination: destinationOf(run, i) }),
    ),
  )

describe('fault 8: slow upstreams', () => {
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
    expect(metricValue(metrics, 'm2m_token_requests_total')).toBeGreaterThanOrEqual(3)
    expect(metricValue(metrics, 'm2m_token_exchanges_total')).toBe(1)
    expect(metricValue(metrics, 'm2m_token_failures_total')).toBe(0)
  })

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
