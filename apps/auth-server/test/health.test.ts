import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestServer } from './helpers/test-server.js'

describe('health routes', () => {
  let server: Awaited<ReturnType<typeof buildTestServer>>
  beforeAll(async () => {
    server = await buildTestServer()
  })
  afterAll(() => server.app.close())

  it('answers /healthz with no credentials, for container health checks', async () => {
    const response = await server.app.inject({ url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })

  it('answers /readyz once built: keys and tenant state load before listen', async () => {
    const response = await server.app.inject({ url: '/readyz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ready' })
  })
})

describe('the API docs', () => {
  let server: Awaited<ReturnType<typeof buildTestServer>>
  beforeAll(async () => {
    server = await buildTestServer({ testControls: true })
  })
  afterAll(() => server.app.close())

  it('describe the token endpoint and the Management API with the scope of each operation', async () => {
    const response = await server.app.inject({ url: '/docs/json' })
    expect(response.statusCode).toBe(200)
    const spec = response.json()
    expect(spec.paths['/oauth/token'].post).toBeDefined()
    expect(spec.paths['/api/v2/clients'].get.security).toEqual([{ oauth2: ['read:clients'] }])
    expect(spec.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toMatch(
      /\/oauth\/token$/,
    )
    expect(Object.keys(spec.paths)).not.toContain('/healthz')
  })

  it('serve Swagger UI at /docs', async () => {
    const response = await server.app.inject({ url: '/docs/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/html')
  })
})
