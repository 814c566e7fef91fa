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
