import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from './helpers/stack.js'
import { type GiftDeliveries, startGiftDeliveries } from './helpers/system.js'

/**
 * Issue 18, end to end: world-mappers takes only DPoP-bound tokens
 * (REQUIRE_DPOP=true), and gift-deliveries with AUTH0_DPOP=true gets one from
 * the local tenant (bound to a key pair it made at start) and plans
 * deliveries with a proof on every call.
 */
let stack: Stack<GiftDeliveries>

beforeAll(async () => {
  stack = await startStack((peers) => startGiftDeliveries({ ...peers, dpop: true }), {
    requireDpop: true,
  })
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

const create = (destination: string) =>
  stack.gifts.app.inject({
    method: 'POST',
    url: '/deliveries',
    headers: { authorization: `Bearer ${stack.storefront}` },
    payload: {
      recipient: { name: 'Grace Hopper' },
      gift: { description: 'A nanosecond of wire' },
      destination,
    },
  })

describe('gift-deliveries with DPoP-bound tokens, world-mappers requiring them', () => {
  it('plans deliveries with one bound token and a fresh proof per call', async () => {
    for (const destination of ['Paris', 'Tokyo', 'Nairobi']) {
      const res = await create(destination)
      expect(res.statusCode).toBe(201)
      expect(res.json().status).toBe('planned')
    }
    const exchanges = (await stack.tenant.control('GET', 'exchanges')) as Record<
      string,
      { succeeded: number; failed: number }
    >
    expect(exchanges['gift-deliveries-dev']).toMatchObject({ succeeded: 1, failed: 0 })
  })

  it('world-mappers refuses the same kind of call without a proof', async () => {
    const bearer = await stack.tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')
    const res = await request(`${stack.mappers.url}/api/directions?destination=Paris`, {
      headers: { authorization: `Bearer ${bearer}` },
    })
    expect(res.statusCode).toBe(401)
    expect(String(res.headers['www-authenticate'])).toMatch(/^DPoP /)
    await res.body.dump()
  })
})
