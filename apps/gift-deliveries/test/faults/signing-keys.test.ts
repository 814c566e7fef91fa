import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clearFaults,
  clientToken,
  destinationOf,
  injectFault,
  postDelivery,
  type ServiceProcess,
  storefrontToken,
} from './helpers/fault-stack.js'
import { startUpstreamsAndGiftDeliveries, type Upstreams } from './helpers/upstreams.js'

/**
 * Faults 3 and 4, both about the tenant's signing keys as the two resource
 * servers (world-mappers and gift-deliveries) see them: the JWKS endpoint
 * down while tokens flow, and the keys rotated through the Management API
 * while both carry load.
 */

let upstreams: Upstreams
let gifts: ServiceProcess

beforeAll(async () => {
  ;({ upstreams, gifts } = await startUpstreamsAndGiftDeliveries())
}, 120_000)

afterAll(async () => {
  await gifts?.stop()
  await upstreams?.stop()
})

const kidOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[0] as string, 'base64url').toString()) as { kid: string })
    .kid

async function geocode(token: string) {
  const res = await request(`${upstreams.worldMappers.url}/api/location/geocode?address=Oslo`, {
    headers: { authorization: `Bearer ${token}` },
  })
  await res.body.dump()
  return res.statusCode
}

describe('fault 3: JWKS endpoint down while tokens flow', { timeout: 60_000 }, () => {
  it('known keys keep verifying at gift-deliveries and world-mappers, for tokens issued during the outage too', async () => {
    // Both resource servers learn the keys: one delivery goes through both.
    const before = await storefrontToken(upstreams.tenant.url)
    const warm = await postDelivery(gifts.url, before, { destination: destinationOf(3, 0) })
    expect(warm.status, JSON.stringify(warm.body)).toBe(201)
    expect(
      await geocode(await clientToken(upstreams.tenant.url, 'GIFT_DELIVERIES', 'urn:worldmappers')),
    ).toBe(200)

    await injectFault(upstreams.tenant.url, { target: 'jwks', status: 503, count: 1_000_000 })
    try {
      const jwks = await request(`${upstreams.tenant.url}/.well-known/jwks.json`)
      await jwks.body.dump()
      expect(jwks.statusCode, 'the JWKS is really down').toBe(503)

      // Tokens still flow: issued during the outage, signed by the same (known) key.
      const during = await storefrontToken(upstreams.tenant.url)
      const gdToken = await clientToken(upstreams.tenant.url, 'GIFT_DELIVERIES', 'urn:worldmappers')
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          postDelivery(gifts.url, i % 2 ? during : before, {
            destination: destinationOf(3, i + 1),
          }),
        ),
      )
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201))
      expect(await geocode(gdToken)).toBe(200)
    } finally {
      await clearFaults(upstreams.tenant.url)
    }
  })
})

describe('fault 4: signing keys rotated under load', { timeout: 90_000 }, () => {
  it('zero failed requests at gift-deliveries and world-mappers across the rotation; new-key tokens verify', async () => {
    const admin = await clientToken(
      upstreams.tenant.url,
      'TENANT_ADMIN',
      `${upstreams.issuer}api/v2/`,
    )
    const tokens = {
      storefront: await storefrontToken(upstreams.tenant.url),
      gifts: await clientToken(upstreams.tenant.url, 'GIFT_DELIVERIES', 'urn:worldmappers'),
    }
    const oldKid = kidOf(tokens.storefront)
    const failures: string[] = []
    const byKid = new Map<string, number>()
    let rotated = false
    let stop = false
    let n = 0

    // Callers keep taking fresh tokens, so tokens signed by the new key join the load as soon as it is current.
    const refresher = (async () => {
      while (!stop) {
        tokens.storefront = await storefrontToken(upstreams.tenant.url)
        tokens.gifts = await clientToken(
          upstreams.tenant.url,
          'GIFT_DELIVERIES',
          'urn:worldmappers',
        )
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()
    const caller = async (lane: number) => {
      while (!stop) {
        const storefront = tokens.storefront
        const i = n++
        try {
          const created = await postDelivery(gifts.url, storefront, {
            destination: destinationOf(4, i % 5_000),
          })
          if (created.status !== 201)
            failures.push(`POST ${created.status} ${JSON.stringify(created.body)}`)
          const read = await request(`${gifts.url}/deliveries/${created.id}`, {
            headers: { authorization: `Bearer ${storefront}` },
          })
          await read.body.dump()
          if (read.statusCode !== 200) failures.push(`GET ${read.statusCode}`)
          const gdToken = tokens.gifts
          const status = await geocode(gdToken)
          if (status !== 200) failures.push(`world-mappers ${status}`)
          if (rotated) {
            const kid = kidOf(storefront)
            byKid.set(kid, (byKid.get(kid) ?? 0) + 1)
          }
        } catch (error) {
          failures.push(`lane ${lane}: ${(error as Error).message}`)
        }
      }
    }
    const lanes = Array.from({ length: 8 }, (_, lane) => caller(lane))

    const waitForRequests = async (count: number) => {
      const target = n + count
      while (n < target && failures.length === 0) await new Promise((r) => setTimeout(r, 50))
    }
    await waitForRequests(100)
    const res = await request(`${upstreams.tenant.url}/api/v2/keys/signing/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    })
    const { kid: newKid } = (await res.body.json()) as { kid: string }
    expect(res.statusCode).toBe(201)
    rotated = true
    expect(newKid).not.toBe(oldKid)
    // Run on until plenty of requests carried new-key tokens.
    const deadline = Date.now() + 60_000
    while ((byKid.get(newKid) ?? 0) < 100 && failures.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    stop = true
    await Promise.all([...lanes, refresher])

    expect(failures).toEqual([])
    expect(kidOf(tokens.storefront)).toBe(newKid)
    expect(kidOf(tokens.gifts)).toBe(newKid)
    expect(byKid.get(newKid) ?? 0).toBeGreaterThanOrEqual(100)
  })
})
