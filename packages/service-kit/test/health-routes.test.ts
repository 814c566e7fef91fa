import Fastify from 'fastify'
import { expect, it } from 'vitest'
import { healthRoutes, type Readiness } from '../src/index.js'

it('answers /healthz always, and /readyz as readiness says (503 with Retry-After when not ready)', async () => {
  let readiness: Readiness = { ready: false, body: { status: 'loading' } }
  const app = Fastify()
  await app.register(healthRoutes, { readiness: async () => readiness })
  expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
  const loading = await app.inject('/readyz')
  expect(loading.statusCode).toBe(503)
  expect(loading.headers['retry-after']).toBe('1')
  expect(loading.json()).toEqual({ status: 'loading' })
  readiness = { ready: true, body: { status: 'ready', detail: { tokens: 'ok' } } }
  const ready = await app.inject('/readyz')
  expect(ready.statusCode).toBe(200)
  expect(ready.json()).toEqual({ status: 'ready', detail: { tokens: 'ok' } })
  await app.close()
})

it('is ready as soon as it listens without a readiness check', async () => {
  const app = Fastify()
  await app.register(healthRoutes, {})
  expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' })
  await app.close()
})
