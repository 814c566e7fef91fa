import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../scale/servers.js'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.js'
import {
  destinationKey,
  destinationOf,
  getJson,
  postDelivery,
  type ServiceProcess,
  startGiftDeliveries,
  startTenant,
  startWorldMappers,
  storefrontToken,
  waitFor,
} from './helpers/fault-stack.js'

/**
 * Fault 5: world-mappers stops mid-run (its process ends) and comes back on
 * the same port. A proxy in front of it counts directions calls per
 * destination and their answers; every delivery has its own destination, so
 * the count of successful calls for it is the number of times it was planned.
 */

let tenant: ServiceProcess
let worldMappers: ServiceProcess
let proxy: FaultProxy
let gifts: ServiceProcess
let issuer: string
let worldMappersPort: number
let token: string

beforeAll(async () => {
  const tenantPort = await freePort()
  worldMappersPort = await freePort()
  issuer = `http://127.0.0.1:${tenantPort}/`
  ;[tenant, worldMappers] = await Promise.all([
    startTenant({ port: tenantPort }),
    startWorldMappers(issuer, worldMappersPort),
  ])
  proxy = await startFaultProxy(worldMappers.url)
  gifts = await startGiftDeliveries({ issuer, worldMappersUrl: proxy.url })
  token = await storefrontToken(tenant.url)
}, 120_000)

afterAll(async () => {
  await gifts?.stop()
  await Promise.allSettled([worldMappers?.stop(), tenant?.stop(), proxy?.close()])
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

describe('fault 5: world-mappers down mid-run', () => {
  const accepted: string[] = []

  it('new deliveries become pending (202) while world-mappers is down', async () => {
    const before = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(1, i) }),
      ),
    )
    expect(before.map((a) => a.status)).toEqual(before.map(() => 201))
    accepted.push(...before.map((a) => a.id as string))

    await worldMappers.stop()
    const during = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postDelivery(gifts.url, token, { destination: destinationOf(2, i) }),
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
    worldMappers = await startWorldMappers(issuer, worldMappersPort)
    await waitFor(
      async () => {
        const pending = await getJson(`${gifts.url}/deliveries?status=pending&limit=1`, token)
        return (pending.body.items as unknown[]).length === 0 ? true : undefined
      },
      { timeoutMs: 90_000, what: 'no delivery pending', describe: gifts.output },
    )
    const stored = await allDeliveries()
    expect(stored.map((d) => d.id).sort()).toEqual([...accepted].sort())
    expect(stored.map((d) => d.status)).toEqual(stored.map(() => 'planned'))
    const plannedTwice = stored.filter((d) => successfulPlans(d.request.destination) !== 1)
    expect(plannedTwice, 'deliveries routed by world-mappers other than once').toEqual([])
  })
})
