import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import m2mAuth from '../../src/fastify/index.js'
import {
  METRIC_HTTP_SERVER_AUTH_REJECTIONS,
  METRIC_JWT_VERIFICATIONS,
  REJECTION_REASONS,
} from '../../src/telemetry/index.js'
import { generateRsaKey } from '../helpers/jwks-server.js'
import { AUDIENCE, harnessPerTest } from '../helpers/verify-harness.js'
import { otelPerTest } from './otel-harness.js'

const key = generateRsaKey('key-1')
const h = harnessPerTest(key)
const otel = otelPerTest()
let app: FastifyInstance

beforeEach(async () => {
  app = Fastify()
  await app.register(m2mAuth, {
    issuer: h.server.issuer,
    audience: AUDIENCE,
    telemetry: otel.telemetry,
  })
  app.get('/me', async () => ({ ok: true }))
  app.get('/geocode/:city', { config: { scopes: ['geocode:location'] } }, async () => ({
    ok: true,
  }))
  app.get('/directions', { config: { scopes: ['directions'] } }, async () => ({ ok: true }))
  app.get('/bound', { config: { dpop: 'required' } }, async () => ({ ok: true }))
  app.get('/healthz', { config: { auth: false } }, async () => ({ ok: true }))
})

afterEach(async () => {
  await app.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('m2m.http.server.auth_rejections', () => {
  const cases: Array<{
    name: string
    request: () => InjectOptions
    status: number
    reason: string
    route?: string
  }> = [
    {
      name: 'no credentials',
      request: () => ({ url: '/me' }),
      status: 401,
      reason: 'missing_token',
      route: '/me',
    },
    {
      name: 'a token the verifier refuses',
      request: () => ({ url: '/me', headers: bearer(h.sign(key, { aud: 'urn:other' })) }),
      status: 401,
      reason: 'invalid_token',
      route: '/me',
    },
    {
      name: 'a token without the route’s scope (the URL pattern is the route, not the URL)',
      request: () => ({ url: '/directions', headers: bearer(h.sign(key)) }),
      status: 403,
      reason: 'insufficient_scope',
      route: '/directions',
    },
    {
      name: 'a Bearer token on a route that requires DPoP',
      request: () => ({ url: '/bound', headers: bearer(h.sign(key)) }),
      status: 401,
      reason: 'dpop_required',
      route: '/bound',
    },
    {
      name: 'a malformed Authorization header',
      request: () => ({ url: '/me', headers: { authorization: 'Bearer a b' } }),
      status: 400,
      reason: 'invalid_request',
      route: '/me',
    },
    {
      name: 'a DPoP token with a proof that is not a JWT',
      request: () => ({
        url: '/me',
        headers: { authorization: `DPoP ${h.sign(key, { cnf: { jkt: 'x' } })}`, dpop: 'nope' },
      }),
      status: 401,
      reason: 'invalid_dpop_proof',
      route: '/me',
    },
    {
      name: 'an unknown URL (the not-found handler has no route)',
      request: () => ({ url: '/nowhere' }),
      status: 401,
      reason: 'missing_token',
    },
  ]
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.reason}`, async () => {
      const response = await app.inject({ method: 'GET', ...c.request() })
      expect(response.statusCode).toBe(c.status)
      const attributes = {
        status: String(c.status),
        reason: c.reason,
        ...(c.route === undefined ? {} : { route: c.route }),
      }
      expect(await otel.value(METRIC_HTTP_SERVER_AUTH_REJECTIONS, attributes)).toBe(1)
    })
  }

  it('labels a parametric route by its pattern, and counts each refusal', async () => {
    for (const city of ['paris', 'lyon', 'nice']) {
      const response = await app.inject({ url: `/geocode/${city}` })
      expect(response.statusCode).toBe(401)
    }
    expect(
      await otel.value(METRIC_HTTP_SERVER_AUTH_REJECTIONS, {
        status: '401',
        reason: 'missing_token',
        route: '/geocode/:city',
      }),
    ).toBe(3)
  })

  it('counts 503 when the keys cannot be fetched', async () => {
    h.server.setMode('error')
    const response = await app.inject({ url: '/me', headers: bearer(h.sign(key)) })
    expect(response.statusCode).toBe(503)
    expect(
      await otel.value(METRIC_HTTP_SERVER_AUTH_REJECTIONS, {
        status: '503',
        reason: 'unavailable',
        route: '/me',
      }),
    ).toBe(1)
  })

  it('records nothing for admitted requests and public routes; the verifier it built records', async () => {
    const token = h.sign(key)
    expect((await app.inject({ url: '/me', headers: bearer(token) })).statusCode).toBe(200)
    expect((await app.inject({ url: '/me', headers: bearer(token) })).statusCode).toBe(200)
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)
    const names = (await otel.collect()).map((m) => m.descriptor.name)
    expect(names).not.toContain(METRIC_HTTP_SERVER_AUTH_REJECTIONS)
    expect(
      await otel.value(METRIC_JWT_VERIFICATIONS, { outcome: 'valid', token_type: 'Bearer' }),
    ).toBe(2)
  })

  it('lists every reason code the plugin gives', () => {
    expect(Object.values(REJECTION_REASONS).sort()).toEqual([
      'dpop_required',
      'insufficient_scope',
      'invalid_dpop_proof',
      'invalid_request',
      'invalid_token',
      'missing_token',
      'unavailable',
      'use_dpop_nonce',
    ])
  })
})
