import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkEndpoint } from '../src/checks/endpoint-check.js'
import { tamperToken } from '../src/checks/tamper.js'
import { BENCH_AUDIENCE, type BenchTenant, CLIENTS } from '../src/runner/bench-tenant.js'
import {
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

  for (const id of ['fastify-no-auth', 'fastify-no-auth-b'] as const) {
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
