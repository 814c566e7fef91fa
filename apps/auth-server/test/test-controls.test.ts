import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestServer, tokenRequest } from './helpers/test-server.js'

describe('test controls', () => {
  it('are absent unless enabled', async () => {
    const { app } = await buildTestServer()
    const res = await app.inject({
      method: 'POST',
      url: '/__test__/faults',
      payload: { target: 'token' },
    })
    expect(res.statusCode).toBe(404)
    await app.close()
  })

  describe('when enabled', () => {
    let server: Awaited<ReturnType<typeof buildTestServer>>
    beforeAll(async () => {
      server = await buildTestServer({ testControls: true })
    })
    afterAll(async () => {
      await server.app.close()
    })

    it('inject a status on /oauth/token for the next N requests', async () => {
      const set = await server.app.inject({
        method: 'POST',
        url: '/__test__/faults',
        payload: { target: 'token', status: 503, count: 2 },
      })
      expect(set.statusCode).toBe(201)
      expect((await tokenRequest(server.app, 'limited')).statusCode).toBe(503)
      expect((await tokenRequest(server.app, 'limited')).statusCode).toBe(503)
      expect((await tokenRequest(server.app, 'limited')).statusCode).toBe(200)
    })

    it('inject latency and faults on the JWKS', async () => {
      await server.app.inject({
        method: 'POST',
        url: '/__test__/faults',
        payload: { target: 'jwks', status: 500, latencyMs: 50 },
      })
      const started = Date.now()
      const res = await server.app.inject('/.well-known/jwks.json')
      expect(res.statusCode).toBe(500)
      expect(Date.now() - started).toBeGreaterThanOrEqual(45)
      expect((await server.app.inject('/.well-known/jwks.json')).statusCode).toBe(200)
    })

    it('count exchanges per client', async () => {
      await server.app.inject({ method: 'DELETE', url: '/__test__/exchanges' })
      await tokenRequest(server.app, 'gift-deliveries')
      await tokenRequest(server.app, 'gift-deliveries')
      await tokenRequest(server.app, 'gift-deliveries', { client_secret: 'wrong' })
      const counts = (await server.app.inject('/__test__/exchanges')).json()
      expect(counts).toEqual({ 'gift-deliveries': { succeeded: 2, failed: 1 } })
    })

    it('validate what they are given', async () => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/__test__/faults',
        payload: { target: 'database', status: 200 },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_request')
    })
  })
})
