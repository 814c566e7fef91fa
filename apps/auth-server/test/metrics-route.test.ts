import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildTestServer, tokenRequest } from './helpers/test-server.js'

const CLIENT = 'gift-deliveries'
const AUDIENCE = 'urn:worldmappers'

let server: Awaited<ReturnType<typeof buildTestServer>>
beforeAll(async () => {
  server = await buildTestServer()
})
afterAll(() => server.app.close())

it('GET /metrics: the token endpoint’s requests and the tenant’s tokens, outside the OpenAPI document', async () => {
  const clientId = CLIENT
  expect((await tokenRequest(server.app, clientId, { audience: AUDIENCE })).statusCode).toBe(200)
  const res = await server.app.inject('/metrics')
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  expect(res.body).toMatch(
    /^http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/oauth\/token",http_response_status_code="200"\} 1$/m,
  )
  // The tenant's own instruments go to the app's meter provider by default.
  expect(res.body).toMatch(
    new RegExp(
      `^m2m_tenant_tokens_issued_total\\{client_id="${clientId}",audience="${AUDIENCE}",outcome="issued"\\} 1$`,
      'm',
    ),
  )
  expect(res.body).toMatch(/^target_info\{service_name="auth-server",/m)
  const doc = (await server.app.inject('/docs/json')).json()
  expect(Object.keys(doc.paths)).not.toContain('/metrics')
})

it('GET /metrics: the Management API’s refusals and verifications, by reason and route', async () => {
  const bad = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
  expect((await server.app.inject('/api/v2/clients')).statusCode).toBe(401)
  const res = await server.app.inject({
    url: '/api/v2/clients',
    headers: { authorization: `Bearer ${bad}` },
  })
  expect(res.statusCode).toBe(401)
  const text = (await server.app.inject('/metrics')).body
  expect(text).toMatch(
    /^m2m_http_server_auth_rejections_total\{status="401",reason="missing_token",route="\/api\/v2\/clients"\} 1$/m,
  )
  expect(text).toMatch(
    /^m2m_http_server_auth_rejections_total\{status="401",reason="invalid_token",route="\/api\/v2\/clients"\} 1$/m,
  )
  expect(text).toMatch(/^m2m_jwt_verifications_total\{outcome="invalid",reason="[a-z_]+"\} 1$/m)
})
