import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from './helpers/stack.js'
import { type GiftDeliveries, startGiftDeliveries } from './helpers/system.js'

/**
 * Issue 18, end to end: gift-deliveries as the dev tenant's secretless client
 * (AUTH0_CLIENT_ASSERTION_SIGNING_KEY, no AUTH0_CLIENT_SECRET) gets its
 * world-mappers token with a client assertion, the same token path a real
 * Auth0 tenant serves, and plans deliveries with it.
 */
let stack: Stack<GiftDeliveries>

beforeAll(async () => {
  stack = await startStack((peers) => startGiftDeliveries({ ...peers, secretless: true }))
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

describe('gift-deliveries without a secret (private_key_jwt)', () => {
  it('plans a delivery with a token obtained by a client assertion', async () => {
    const res = await stack.gifts.app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { authorization: `Bearer ${stack.storefront}` },
      payload: {
        recipient: { name: 'Grace Hopper' },
        gift: { description: 'A nanosecond of wire' },
        destination: 'Paris',
      },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().route.destination).toMatchObject({ name: 'Paris', countryCode: 'FR' })
  })

  it('the tenant saw the secretless client exchange, and nothing else on its behalf', async () => {
    const exchanges = (await stack.tenant.control('GET', 'exchanges')) as Record<
      string,
      { succeeded: number; failed: number }
    >
    expect(exchanges['gift-deliveries-keyed-dev']).toMatchObject({ succeeded: 1, failed: 0 })
    expect(exchanges['gift-deliveries-dev']).toBeUndefined()
  })
})
