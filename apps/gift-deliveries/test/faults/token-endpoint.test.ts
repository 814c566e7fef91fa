import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js'
import {
  clearFaults,
  destinationOf,
  getJson,
  injectFault,
  metricsOf,
  metricValue,
  postDelivery,
  type ServiceProcess,
  startGiftDeliveries,
  storefrontToken,
  waitFor,
} from './helpers/fault-stack.js'
import { startUpstreams, type Upstreams } from './helpers/upstreams.js'

/**
 * Faults 1 and 2: the tenant's token endpoint down when gift-deliveries
 * starts, and answering 503 then 429 with `Retry-After`. The tenant sits
 * behind a proxy (its issuer is the proxy's URL) that logs every token
 * request, so attempts are counted where they arrive.
 */

let upstreams: Upstreams
let proxy: FaultProxy
let token: string
const started: ServiceProcess[] = []

const tokenRequests = () => proxy.log.filter((r) => r.path === '/oauth/token')

beforeAll(async () => {
  upstreams = await startUpstreams({
    issuerFor: async (tenantUrl) => {
      proxy = await startFaultProxy(tenantUrl)
      return `${proxy.url}/`
    },
  })
  token = await storefrontToken(proxy.url)
}, 120_000)

afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()))
  await Promise.allSettled([upstreams?.stop(), proxy?.close()])
})

/** A gift-deliveries of the fault's own, started after the fault is set up. */
async function startGifts() {
  const gifts = await startGiftDeliveries({
    issuer: upstreams.issuer,
    worldMappersUrl: upstreams.worldMappers.url,
  })
  started.push(gifts)
  return gifts
}

async function readyz(gifts: ServiceProcess) {
  return getJson(`${gifts.url}/readyz`)
}

describe('fault 1: token endpoint down when gift-deliveries starts', { timeout: 90_000 }, () => {
  let gifts: ServiceProcess
  const ids: string[] = []

  beforeAll(async () => {
    // Every connection to /oauth/token is dropped by the tenant from now on.
    await injectFault(upstreams.tenant.url, { target: 'token', drop: true, count: 1_000_000 })
    gifts = await startGifts()
  }, 120_000)

  it('starts and stays ready (200) for load balancers, with a readiness detail saying no token can be had', async () => {
    const ready = await waitFor(
      async () => {
        const answer = await readyz(gifts)
        return answer.body.tokens === 'unavailable' ? answer : undefined
      },
      { timeoutMs: 30_000, what: '/readyz reports tokens unavailable', describe: gifts.output },
    )
    expect(ready).toEqual({ status: 200, body: { status: 'ready', tokens: 'unavailable' } })
    expect(metricValue(await metricsOf(gifts.url), 'm2m_token_available')).toBe(0)
  })

  it('accepts deliveries as pending (202) while it has no token', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(1, i) }),
      ),
    )
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(202)
      expect(answer.body.status).toBe('pending')
      ids.push(answer.id as string)
    }
  })

  it('plans every pending delivery once the token endpoint answers again', async () => {
    await clearFaults(upstreams.tenant.url)
    await waitFor(
      async () => ((await readyz(gifts)).body.tokens === 'available' ? true : undefined),
      {
        timeoutMs: 45_000,
        what: '/readyz reports tokens available',
        describe: gifts.output,
      },
    )
    for (const id of ids) {
      const planned = await waitFor(
        async () => {
          const answer = await getJson(`${gifts.url}/deliveries/${id}`, token)
          return answer.body.status === 'planned' ? answer.body : undefined
        },
        { timeoutMs: 60_000, what: `delivery ${id} planned`, describe: gifts.output },
      )
      expect(planned.route).toMatchObject({ distanceKm: expect.any(Number) })
    }
    expect(metricValue(await metricsOf(gifts.url), 'm2m_token_available')).toBe(1)
  })
})

describe('fault 2: token endpoint answers 503, then 429 with Retry-After', {
  timeout: 60_000,
}, () => {
  const RETRY_AFTER_S = 2
  let gifts: ServiceProcess
  let firstOfPhase = 0

  beforeAll(async () => {
    firstOfPhase = tokenRequests().length
    // The first token request of the new process gets a 503, every later one a 429 with Retry-After.
    let answered = 0
    proxy.setRule((request) => {
      if (!request.url?.startsWith('/oauth/token')) return { kind: 'pass' }
      answered++
      return answered === 1
        ? { kind: 'answer', status: 503, body: { error: 'temporarily_unavailable' } }
        : {
            kind: 'answer',
            status: 429,
            headers: { 'retry-after': String(RETRY_AFTER_S) },
            body: { error: 'too_many_requests', error_description: 'Too many requests' },
          }
    })
    gifts = await startGifts()
  }, 120_000)

  it('retries after a 503, and never sends a token request sooner than Retry-After after a 429 (no tight loop), deliveries answered 202 meanwhile', async () => {
    // Deliveries arrive while the endpoint refuses: they join the one token flight, never start their own.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(2, i) }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202))
    // Let the refusals go on for a few Retry-After periods.
    await waitFor(async () => (tokenRequests().length - firstOfPhase >= 5 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'five token attempts',
      describe: gifts.output,
    })
    proxy.pass()

    const attempts = tokenRequests().slice(firstOfPhase)
    expect(attempts[0]?.status).toBe(503)
    expect(attempts[1]?.status, 'a 503 is retried').toBe(429)
    const gaps = attempts.slice(2).map((a, i) => a.at - (attempts[i + 1] as { at: number }).at)
    // Timers may fire a few ms early; anything near RETRY_AFTER_S is the server's wish honoured.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50)
    // One flight for 20 deliveries and the probe: the count is that of the refusals' pace, not of the callers.
    const span = (attempts.at(-1)?.at ?? 0) - (attempts[1]?.at ?? 0)
    expect(attempts.length).toBeLessThanOrEqual(2 + Math.floor(span / (RETRY_AFTER_S * 1000)))
  })

  it('gets its token once the endpoint answers', async () => {
    await waitFor(
      async () => ((await readyz(gifts)).body.tokens === 'available' ? true : undefined),
      {
        timeoutMs: 45_000,
        what: '/readyz reports tokens available',
        describe: gifts.output,
      },
    )
    const answer = await postDelivery(gifts.url, token, { destination: destinationOf(2, 999) })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
  })
})
