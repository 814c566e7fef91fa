import type { TokenVerifier } from '@m2m/auth/verify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import type { DeliveryRequest, DeliveryRoute } from '../src/deliveries/model.js'
import type { Planner } from '../src/deliveries/plan-delivery.js'
import { DestinationNotFoundError } from '../src/errors.js'
import type { DeliveryStore } from '../src/store/delivery-store.js'
import { openStore } from '../src/store/open-store.js'

/** A verifier that accepts the token "storefront" with both scopes (routes are what is tested here). */
const verifier: TokenVerifier = {
  async verify() {
    return {
      header: { alg: 'RS256' },
      claims: {
        iss: 'i',
        sub: 'storefront@clients',
        aud: 'urn:gift-deliveries',
        exp: 2e9,
        azp: 'storefront',
      },
      scopes: new Set(['create:deliveries', 'read:deliveries']),
      clientId: 'storefront',
      organization: undefined,
    }
  },
  async close() {},
}

/** A planner that answers after `ms`, with a route or an error. */
function slowPlanner(ms: number, outcome: () => DeliveryRoute | Error): Planner {
  return {
    plan: (_request: DeliveryRequest) =>
      new Promise((resolve, reject) =>
        setTimeout(() => {
          const result = outcome()
          if (result instanceof Error) reject(result)
          else resolve(result)
        }, ms),
      ),
  }
}

let store: Awaited<ReturnType<typeof openStore>>

beforeAll(async () => {
  store = await openStore({})
}, 30_000)
afterAll(async () => {
  await store.close()
})

async function appWith(
  planner: Planner,
  options: { store?: DeliveryStore; planTimeoutMs?: number } = {},
) {
  return buildApp({
    issuer: 'http://auth.test/',
    audience: 'urn:gift-deliveries',
    store: options.store ?? store,
    planner,
    verifier,
    planTimeoutMs: options.planTimeoutMs ?? 50,
    inlineLeaseMs: 60_000,
  })
}

const payload = {
  recipient: { name: 'Ada' },
  gift: { description: 'Book' },
  destination: 'Nowhere',
}

/** A delivery to Paris, planned at once, through an app on `storeToUse`. */
async function postWithStore(storeToUse: DeliveryStore, headers: Record<string, string> = {}) {
  const app = await appWith(
    slowPlanner(1, () => ({}) as DeliveryRoute),
    { store: storeToUse, planTimeoutMs: 1_000 },
  )
  const res = await app.inject({
    method: 'POST',
    url: '/deliveries',
    headers: { authorization: 'Bearer storefront', ...headers },
    payload: { ...payload, destination: 'Paris' },
  })
  return { app, res }
}

describe('a plan slower than the request', () => {
  it('answers 202, and a late "unknown destination" marks the delivery failed instead of deleting it', async () => {
    const app = await appWith(
      slowPlanner(200, () => new DestinationNotFoundError('destination', 'Nowhere')),
    )
    const res = await app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { authorization: 'Bearer storefront' },
      payload,
    })
    expect(res.statusCode).toBe(202)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const read = await app.inject({
      url: res.headers.location as string,
      headers: { authorization: 'Bearer storefront' },
    })
    expect(read.statusCode).toBe(200)
    expect(read.json()).toMatchObject({
      status: 'failed',
      lastError: 'No place matches destination "Nowhere"',
    })
    await app.close()
  })

  it('closing waits for plans still running, so their outcome is recorded', async () => {
    const route = { distanceKm: 1 } as DeliveryRoute
    const app = await appWith(slowPlanner(200, () => route))
    const res = await app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { authorization: 'Bearer storefront' },
      payload: { ...payload, destination: 'Somewhere' },
    })
    expect(res.statusCode).toBe(202)
    await app.close()
    expect((await store.get(res.json().id))?.status).toBe('planned')
  })

  it('with an Idempotency-Key (stored before planning), answers 202 pending when recording the plan fails, and the row stays for the worker', async () => {
    const broken = { ...store, markPlanned: async () => Promise.reject(new Error('disk full')) }
    const { app, res } = await postWithStore(broken, { 'idempotency-key': 'record-fails' })
    expect(res.statusCode).toBe(202)
    expect((await store.get(res.json().id))?.status).toBe('pending')
    await app.close()
  })

  it('without a key (planned, then written once), a failed write answers an error and stores nothing', async () => {
    const before = await store.countByStatus()
    const broken = { ...store, createPlanned: async () => Promise.reject(new Error('disk full')) }
    const { app, res } = await postWithStore(broken)
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: 'internal_error', message: 'Internal error' })
    expect(await store.countByStatus()).toEqual(before)
    await app.close()
  })
})
