import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import m2mAuth from '../src/fastify/index.js'
import type { TokenVerifier } from '../src/verify/types.js'
import { createTestIssuer } from './helpers/fake-verifier.js'

let verifier: TokenVerifier

beforeAll(() => {
  verifier = createTestIssuer().verifier()
})

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: unknown; parameters?: unknown[] }>>
}

function swaggerOptions(schemeName: string) {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'world-mappers', version: '1.0.0' },
      components: {
        securitySchemes: {
          [schemeName]: {
            type: 'oauth2' as const,
            flows: {
              clientCredentials: {
                tokenUrl: 'https://auth.test.local/oauth/token',
                scopes: {
                  'geocode:location': 'Geocode an address',
                  directions: 'Plan a route',
                  'a:read': 'Read A',
                  'b:read': 'Read B',
                },
              },
            },
          },
        },
      },
    },
  }
}

function addRoutes(app: FastifyInstance): void {
  app.get('/healthz', { config: { auth: false } }, async () => ({ ok: true }))
  app.get('/api/me', async () => ({}))
  app.get(
    '/api/location/geocode',
    {
      config: { scopes: ['geocode:location'] },
      schema: {
        querystring: {
          type: 'object',
          properties: { address: { type: 'string' } },
          required: ['address'],
        },
      },
    },
    async () => ({}),
  )
  app.get('/api/both', { config: { scopes: { allOf: ['a:read', 'b:read'] } } }, async () => ({}))
  app.get('/api/either', { config: { scopes: { anyOf: ['a:read', 'b:read'] } } }, async () => ({}))
  app.register(
    async (child) => {
      child.get('/directions', { config: { scopes: ['directions'] } }, async () => ({}))
    },
    { prefix: '/api' },
  )
}

async function documentOf(app: FastifyInstance): Promise<OpenApiDocument> {
  await app.ready()
  const document = app.swagger() as unknown as OpenApiDocument
  await app.close()
  return document
}

const orders: Array<[string, (app: FastifyInstance, schemeName?: string) => Promise<void>]> = [
  [
    '@fastify/swagger registered first',
    async (app, schemeName = 'oauth2') => {
      await app.register(swagger, swaggerOptions(schemeName))
      await app.register(m2mAuth, { verifier, securityScheme: schemeName })
    },
  ],
  [
    'the auth plugin registered first',
    async (app, schemeName = 'oauth2') => {
      await app.register(m2mAuth, { verifier, securityScheme: schemeName })
      await app.register(swagger, swaggerOptions(schemeName))
    },
  ],
]

describe('OpenAPI security from the declared scopes', () => {
  for (const [order, setUp] of orders) {
    it(`lists each route's OAuth2 scopes, with ${order}`, async () => {
      const app = Fastify()
      await setUp(app)
      addRoutes(app)
      const { paths } = await documentOf(app)

      expect(paths['/healthz']?.get?.security).toEqual([])
      expect(paths['/api/me']?.get?.security).toEqual([{ oauth2: [] }])
      expect(paths['/api/location/geocode']?.get?.security).toEqual([
        { oauth2: ['geocode:location'] },
      ])
      expect(paths['/api/both']?.get?.security).toEqual([{ oauth2: ['a:read', 'b:read'] }])
      expect(paths['/api/either']?.get?.security).toEqual([
        { oauth2: ['a:read'] },
        { oauth2: ['b:read'] },
      ])
      expect(paths['/api/directions']?.get?.security).toEqual([{ oauth2: ['directions'] }])
    })
  }

  it('keeps the rest of a route schema', async () => {
    const app = Fastify()
    await app.register(swagger, swaggerOptions('oauth2'))
    await app.register(m2mAuth, { verifier })
    addRoutes(app)
    const { paths } = await documentOf(app)

    expect(paths['/api/location/geocode']?.get?.parameters).toEqual([
      expect.objectContaining({ in: 'query', name: 'address', required: true }),
    ])
  })

  it('keeps a security requirement the route declares itself', async () => {
    const app = Fastify()
    const options = swaggerOptions('oauth2')
    const schemes = options.openapi.components.securitySchemes as Record<string, unknown>
    schemes.apiKey = { type: 'apiKey', in: 'header', name: 'x-api-key' }
    await app.register(swagger, options)
    await app.register(m2mAuth, { verifier })
    app.get(
      '/api/custom',
      { config: { scopes: ['a:read'] }, schema: { security: [{ apiKey: [] }] } as never },
      async () => ({}),
    )
    const { paths } = await documentOf(app)

    expect(paths['/api/custom']?.get?.security).toEqual([{ apiKey: [] }])
  })

  it('uses the securityScheme option as the scheme name', async () => {
    const app = Fastify()
    await orders[0]?.[1](app, 'auth0')
    app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async () => ({}))
    const { paths } = await documentOf(app)

    expect(paths['/geocode']?.get?.security).toEqual([{ auth0: ['geocode:location'] }])
  })

  it('does not change how the route validates its input', async () => {
    const app = Fastify()
    await app.register(swagger, swaggerOptions('oauth2'))
    await app.register(m2mAuth, { verifier })
    app.get('/open', { config: { auth: false } }, async () => ({ ok: true }))
    app.get(
      '/open-with-query',
      {
        config: { auth: false },
        schema: { querystring: { type: 'object', required: ['q'] } },
      },
      async () => ({ ok: true }),
    )
    await app.ready()
    const open = await app.inject({ url: '/open' })
    const missingQuery = await app.inject({ url: '/open-with-query' })
    await app.close()

    expect(open.statusCode).toBe(200)
    expect(missingQuery.statusCode).toBe(400)
  })
})
