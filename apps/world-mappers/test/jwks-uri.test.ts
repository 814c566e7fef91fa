import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import type { Gazetteer } from '../src/geo/types.js'
import { ISSUER, startTenant } from './helpers/tenant.js'

// docker compose: tokens name the public issuer (http://localhost:4000/), while
// in the containers' network the tenant is reached by its service name.
describe('JWKS_URI: keys fetched from a private address, not the issuer', () => {
  let tenant: Awaited<ReturnType<typeof startTenant>>
  let app: FastifyInstance
  let jwksRequests = 0

  beforeAll(async () => {
    tenant = await startTenant()
    tenant.app.addHook('onRequest', async (request) => {
      if (request.url === '/.well-known/jwks.json') jwksRequests += 1
    })
    const address = await tenant.app.listen({ port: 0, host: '127.0.0.1' })
    app = await buildApp({
      // An issuer that resolves nowhere: only jwksUri can reach the keys.
      issuer: ISSUER,
      audience: 'urn:worldmappers',
      jwksUri: `${address}/.well-known/jwks.json`,
      gazetteer: new Promise<Gazetteer>(() => {}),
      depot: 'North Pole Depot',
    })
  })
  afterAll(async () => {
    await app?.close()
    await tenant?.close()
  })

  it('verifies a token whose iss is the public issuer', async () => {
    const response = await app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${await tenant.token('GIFT_DELIVERIES')}` },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().tokenPayload).toMatchObject({ iss: ISSUER, aud: 'urn:worldmappers' })
    expect(jwksRequests).toBe(1)
  })
})
