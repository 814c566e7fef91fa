import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { buildTestServer, tokenRequest } from '../helpers/test-server.js'
import { MANAGEMENT_AUDIENCE, secrets } from '../helpers/test-tenant.js'

// Hostile requests at the tenant: guessed secrets, floods, oversized and
// poisoned bodies at POST /oauth/token and the Management API.

let server: Awaited<ReturnType<typeof buildTestServer>>
let admin: string

beforeAll(async () => {
  server = await buildTestServer()
  const res = await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
  admin = res.json().access_token
})

afterAll(async () => {
  await server.app.close()
})

const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' }

function expectPrototypeClean() {
  for (const name of ['polluted', 'isAdmin', 'client_secret']) {
    expect(Object.hasOwn(Object.prototype, name)).toBe(false)
    expect(({} as Record<string, unknown>)[name]).toBeUndefined()
  }
}

function rawToken(payload: string, contentType = 'application/json') {
  return server.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': contentType },
    payload,
  })
}

function management(method: 'POST' | 'PATCH', url: string, payload: string) {
  return server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    payload,
  })
}

describe('client authentication', () => {
  it('refuses a wrong secret with 401 access_denied', async () => {
    const res = await tokenRequest(server.app, 'gift-deliveries', { client_secret: 'wrong' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
  })

  it('refuses a secret that differs in its last character only', async () => {
    const secret = secrets['gift-deliveries'] as string
    const near = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`
    const res = await tokenRequest(server.app, 'gift-deliveries', { client_secret: near })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
  })

  it('answers an unknown client exactly as a wrong secret (no client enumeration)', async () => {
    const res = await tokenRequest(server.app, 'no-such-client', { client_secret: 'x' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
  })

  it('answers a SQL-ish client_id as an unknown client', async () => {
    const res = await tokenRequest(server.app, "' OR '1'='1' --", { client_secret: "' OR 1=1 --" })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
  })

  it('refuses a secret sent both in Basic and in the body', async () => {
    const basic = Buffer.from(`gift-deliveries:${secrets['gift-deliveries']}`).toString('base64')
    const res = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${basic}` },
      payload: {
        grant_type: 'client_credentials',
        client_secret: secrets['gift-deliveries'],
        audience: 'urn:worldmappers',
      },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_request')
  })
})

describe('brute force of one client secret', () => {
  it('is cut off with 429 and Retry-After once the per-IP budget is spent, the right secret included', async () => {
    const limited = await buildTestServer({ ipRateLimit: { perSecond: 1, burst: 5 }, now: () => 0 })
    try {
      for (let i = 0; i < 5; i++) {
        const guess = await tokenRequest(limited.app, 'gift-deliveries', {
          client_secret: `guess-${i}`,
        })
        expect(guess.statusCode).toBe(401)
      }
      const refused = await tokenRequest(limited.app, 'gift-deliveries')
      expect(refused.statusCode).toBe(429)
      expect(refused.headers['retry-after']).toBe('1')
      expect(refused.json()).toEqual({
        error: 'too_many_requests',
        error_description: 'Too many requests',
      })
    } finally {
      await limited.app.close()
    }
  })

  it('is limited by default to 100 requests a second per IP and 30 a second per client', () => {
    const config = loadConfig({})
    expect(config.ipRateLimit).toEqual({ perSecond: 100, burst: 100 })
    expect(config.rateLimit).toEqual({ perSecond: 30, burst: 30 })
  })
})

describe('oversized bodies', () => {
  it('answers 413 to a 20 KB JSON body at /oauth/token', async () => {
    const res = await rawToken(
      JSON.stringify({ grant_type: 'client_credentials', pad: 'x'.repeat(20_000) }),
    )
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Request body is too large',
    })
  })

  it('answers 413 to a 20 KB form body at /oauth/token', async () => {
    const res = await rawToken(
      `grant_type=client_credentials&pad=${'x'.repeat(20_000)}`,
      'application/x-www-form-urlencoded',
    )
    expect(res.statusCode).toBe(413)
    expect(res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Request body is too large',
    })
  })

  it('answers 413 to a 2 MB body at the Management API', async () => {
    const res = await management(
      'POST',
      '/api/v2/clients',
      JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    )
    expect(res.statusCode).toBe(413)
  })
})

describe('unknown fields', () => {
  it('ignores unknown parameters at /oauth/token, as RFC 6749 §3.2 requires', async () => {
    const res = await tokenRequest(server.app, 'gift-deliveries', { is_admin: true, role: 'root' })
    expect(res.statusCode).toBe(200)
  })

  it('refuses an unknown field at POST /api/v2/clients with a 400 naming it', async () => {
    const res = await management(
      'POST',
      '/api/v2/clients',
      JSON.stringify({ name: 'x', is_admin: true }),
    )
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Payload validation error: body must not have the property "is_admin"',
      errorCode: 'invalid_body',
    })
  })
})

describe('prototype pollution and SQL-ish payloads', () => {
  // [name, payload, what the answer names: where the key is, and the key]
  const tokenBodies: Array<[string, string, string]> = [
    [
      '__proto__',
      '{"__proto__":{"polluted":true},"grant_type":"client_credentials"}',
      'body must not contain the key "__proto__"',
    ],
    [
      'constructor.prototype',
      '{"constructor":{"prototype":{"polluted":true}},"grant_type":"client_credentials"}',
      'body.constructor must not contain the key "prototype"',
    ],
    // Found by the fuzz suite (seed 139528420): the answer names the parameter too.
    [
      'a parameter holding __proto__',
      '{"grant_type":{"__proto__":""}}',
      'body.grant_type must not contain the key "__proto__"',
    ],
  ]
  for (const [name, payload, message] of tokenBodies) {
    it(`refuses a JSON ${name} payload at /oauth/token with a clear 400`, async () => {
      const res = await rawToken(payload)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        error: 'invalid_request',
        error_description: message,
      })
      expectPrototypeClean()
    })
  }

  it('does not pollute Object.prototype through a form body with __proto__[polluted]', async () => {
    const res = await rawToken(
      `__proto__[polluted]=1&constructor[prototype][isAdmin]=1&grant_type=client_credentials&client_id=gift-deliveries&client_secret=x`,
      'application/x-www-form-urlencoded',
    )
    expect(res.statusCode).toBe(401)
    expectPrototypeClean()
  })

  it('answers a SQL-ish audience with 403 naming it, issuing nothing', async () => {
    const audience = "urn:worldmappers' OR '1'='1"
    const res = await tokenRequest(server.app, 'gift-deliveries', { audience })
    expect(res.statusCode).toBe(403)
    expect(res.json().error_description).toContain(audience)
  })

  // [name, payload, what the answer names: where the key is, and the key]
  const managementBodies: Array<[string, string, string]> = [
    [
      '__proto__',
      '{"name":"x","__proto__":{"isAdmin":true}}',
      'body must not contain the key "__proto__"',
    ],
    [
      'constructor.prototype',
      '{"name":"x","constructor":{"prototype":{"isAdmin":true}}}',
      'body.constructor must not contain the key "prototype"',
    ],
    [
      'a nested __proto__',
      '{"name":"x","client_metadata":{"__proto__":{"isAdmin":true}}}',
      'body.client_metadata must not contain the key "__proto__"',
    ],
  ]
  for (const [name, payload, message] of managementBodies) {
    it(`refuses a ${name} payload at POST /api/v2/clients with a clear 400`, async () => {
      const res = await management('POST', '/api/v2/clients', payload)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message,
        errorCode: 'invalid_request',
      })
      expectPrototypeClean()
    })
  }
})
