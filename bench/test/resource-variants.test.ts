import { createDpopKey } from '@m2m/auth/dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkEndpoint } from '../src/checks/endpoint-check.js'
import { tamperToken } from '../src/checks/tamper.js'
import { boundToken, checkDpopEndpoint } from '../src/dpop/dpop-tokens.js'
import {
  BENCH_AUDIENCE,
  BENCH_DPOP_AUDIENCE,
  type BenchTenant,
  CLIENTS,
} from '../src/runner/bench-tenant.js'
import {
  buildDpopVariant,
  buildVariant,
  type ListeningVariant,
  RESOURCE_BODY,
  RESOURCE_PATH,
  RESOURCE_VARIANTS,
} from '../src/servers/variants.js'
import { startInProcessTenant } from './helpers/in-process-tenant.js'

let tenant: BenchTenant
let token: string
beforeAll(async () => {
  tenant = await startInProcessTenant()
  token = await tenant.token(CLIENTS.fleetDevice, BENCH_AUDIENCE)
})
afterAll(async () => {
  await tenant.stop()
})

describe('every resource-server variant, against the real tenant and its JWKS over HTTP', () => {
  for (const { id } of RESOURCE_VARIANTS.filter((v) => v.auth)) {
    it(`${id}: same body for a valid token, 401 for a tampered one and for none`, async () => {
      const server: ListeningVariant = await buildVariant(id, {
        issuer: tenant.issuer,
        audience: BENCH_AUDIENCE,
      })
      try {
        const url = `http://127.0.0.1:${server.port}${RESOURCE_PATH}`
        await expect(checkEndpoint({ url, token, body200: RESOURCE_BODY })).resolves.toBeUndefined()
        // A token for another audience is refused too: the peers check `aud` as configured.
        const other = await tenant.token(CLIENTS.giftDeliveries, 'urn:worldmappers')
        await expect(checkEndpoint({ url, token: other })).rejects.toThrow(
          /valid token: expected 200, got 401/,
        )
      } finally {
        await server.close()
      }
    })
  }

  for (const id of ['fastify-no-auth', 'fastify-no-auth-b', 'fastify-empty-hook'] as const) {
    it(`${id}: the no-auth limit answers the same body to anyone`, async () => {
      const server = await buildVariant(id, {
        issuer: tenant.issuer,
        audience: BENCH_AUDIENCE,
      })
      try {
        const url = `http://127.0.0.1:${server.port}${RESOURCE_PATH}`
        await expect(checkEndpoint({ url, token, body200: RESOURCE_BODY })).rejects.toThrow(
          'tampered token: expected 401, got 200',
        )
        expect(tamperToken(token)).not.toBe(token)
      } finally {
        await server.close()
      }
    })
  }
})

describe('the DPoP side of scenario 1 (issue 18)', () => {
  it('the tenant binds a token to the proof key; the route takes it with a new proof and refuses replays', async () => {
    const key = createDpopKey({ alg: 'ES256' })
    const bound = await boundToken(tenant, key)
    const bearerToken = await tenant.token(CLIENTS.dpop, BENCH_DPOP_AUDIENCE)
    const server = await buildDpopVariant({ issuer: tenant.issuer, audience: BENCH_DPOP_AUDIENCE })
    try {
      const url = `http://127.0.0.1:${server.port}${RESOURCE_PATH}`
      await expect(
        checkDpopEndpoint({ url, key, boundToken: bound, bearerToken, body200: RESOURCE_BODY }),
      ).resolves.toBeUndefined()
    } finally {
      await server.close()
    }
  })

  it('the check fails a route that takes a proof twice', async () => {
    const key = createDpopKey({ alg: 'ES256' })
    const bound = await boundToken(tenant, key)
    const server = await buildVariant('fastify-no-auth', {
      issuer: tenant.issuer,
      audience: BENCH_AUDIENCE,
    })
    try {
      const url = `http://127.0.0.1:${server.port}${RESOURCE_PATH}`
      await expect(
        checkDpopEndpoint({
          url,
          key,
          boundToken: bound,
          bearerToken: token,
          body200: RESOURCE_BODY,
        }),
      ).rejects.toThrow('the same proof again (replay): expected 401, got 200')
    } finally {
      await server.close()
    }
  })
})
