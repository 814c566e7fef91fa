import Fastify, { type FastifyRequest } from 'fastify'
import { expect, it } from 'vitest'
import { routeConfig, routeConfigIsDirect } from '../src/fastify/route-config.js'

it('gives the very config routeOptions gives, on every route, the not-found handler included', async () => {
  const app = Fastify()
  const seen: Array<{ direct: unknown; viaOptions: unknown }> = []
  const look = (request: FastifyRequest) => {
    seen.push({ direct: routeConfig(request), viaOptions: request.routeOptions.config })
  }
  app.addHook('onRequest', async (request) => look(request))
  app.get('/a', { config: { scopes: ['a'] } }, async () => ({}))
  app.route({
    method: ['GET', 'POST'],
    url: '/b/:id',
    config: { auth: false },
    handler: async () => ({}),
  })
  await app.register(
    async (child) => {
      child.get('/c', async () => ({}))
    },
    { prefix: '/child' },
  )
  for (const request of [
    { url: '/a' },
    { url: '/b/1' },
    { method: 'POST' as const, url: '/b/2' },
    { url: '/child/c' },
    { url: '/nowhere' },
  ]) {
    await app.inject(request)
  }
  await app.close()

  expect(seen).toHaveLength(5)
  for (const { direct, viaOptions } of seen) expect(direct).toBe(viaOptions)
  expect(seen.map(({ direct }) => (direct as { url?: string }).url)).toEqual([
    '/a',
    '/b/:id',
    '/b/:id',
    '/child/c',
    undefined,
  ])
  // With the Fastify this repository runs, the route context is read directly:
  // a Fastify upgrade that moves it makes this fail, not the plugin.
  expect(routeConfigIsDirect()).toBe(true)
})
