import { createVerifier } from '@m2m/auth/verify'
import { createServiceTelemetry, type ServiceTelemetry } from '@m2m/service-kit/telemetry'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { devPlacesFile } from '../src/config.js'
import { loadGazetteer } from '../src/geo/gazetteer.js'
import { ISSUER, startTenant } from './helpers/tenant.js'

let tenant: Awaited<ReturnType<typeof startTenant>>
let telemetry: ServiceTelemetry
let app: FastifyInstance

beforeAll(async () => {
  tenant = await startTenant()
  telemetry = createServiceTelemetry({ serviceName: 'world-mappers', serviceVersion: '0.1.0' })
  // As the plugin makes its own from issuer and audience in production: on the app's telemetry.
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    jwks: async () => (await tenant.app.inject('/.well-known/jwks.json')).json(),
    telemetry: telemetry.providers,
  })
  app = await buildApp({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    gazetteer: await loadGazetteer({ placesFile: devPlacesFile }),
    depot: 'North Pole Depot',
    verifier,
    telemetry,
  })
  app.addHook('onClose', () => verifier.close())
}, 60_000)

afterAll(async () => {
  await app.close()
  await telemetry.shutdown()
  await tenant.close()
})

it('GET /metrics: requests by route and status, verifications, refusals by reason', async () => {
  const mapper = await tenant.token('GIFT_DELIVERIES')
  const limited = await tenant.token('LIMITED_MAPPER')
  const geocode = (token?: string) =>
    app.inject({
      url: '/api/location/geocode?address=Paris',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  expect((await geocode(mapper)).statusCode).toBe(200)
  expect((await geocode()).statusCode).toBe(401)
  expect((await geocode(limited)).statusCode).toBe(403)

  const res = await app.inject('/metrics')
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = res.body
  for (const [status, count] of [
    ['200', 1],
    ['401', 1],
    ['403', 1],
  ] as const) {
    expect(text).toMatch(
      new RegExp(
        `^http_server_request_duration_seconds_count\\{http_request_method="GET",http_route="/api/location/geocode",http_response_status_code="${status}"\\} ${count}$`,
        'm',
      ),
    )
  }
  expect(text).toMatch(/^m2m_jwt_verifications_total\{outcome="valid",[^}]*\} 2$/m)
  expect(text).toMatch(
    /^m2m_http_server_auth_rejections_total\{status="401",reason="missing_token",route="\/api\/location\/geocode"\} 1$/m,
  )
  expect(text).toMatch(
    /^m2m_http_server_auth_rejections_total\{status="403",reason="insufficient_scope",route="\/api\/location\/geocode"\} 1$/m,
  )
  expect(text).toMatch(/^target_info\{service_name="world-mappers",service_version="0.1.0",/m)
  // Public, and not an API route: outside the OpenAPI document.
  expect(Object.keys((await app.inject('/docs/json')).json().paths)).not.toContain('/metrics')
})
