import Fastify, {
  type FastifyInstance,
  type InjectOptions,
  type LightMyRequestResponse,
} from 'fastify'
import { request as httpRequest } from 'undici'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import m2mAuth from '../src/fastify/index.js'
import { createVerifier, type JwtVerifier } from '../src/verify/index.js'
import type { TokenVerifier, VerifiedToken } from '../src/verify/types.js'
import {
  createTestIssuer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestIssuer,
} from './helpers/fake-verifier.js'

// The plugin answers a token its verifier holds verified from `verifyCached`, synchronously;
// any other goes through `verify`. These tests send every request to three apps on the same
// verifier: one offered `verifyCached`, one offered `verifyCachedAuthorization` as well (the
// whole `Bearer <token>` header compared), one neither; all three must answer the same.

let issuer: TestIssuer
let rotated: TestIssuer
let jwks: { keys: unknown[] }
let verifier: JwtVerifier
let cachedApp: FastifyInstance
let headerApp: FastifyInstance
let verifyOnlyApp: FastifyInstance
const calls = { verify: 0, verifyCached: 0, cachedHits: 0 }
/** The calls of `headerApp`'s verifier. */
const headerCalls = { verify: 0, verifyCached: 0, cachedHits: 0, byHeader: 0, byHeaderHits: 0 }

/** The real verifier, counted; without `verifyCached` when `withCached` is false. */
function counted(withCached: boolean): TokenVerifier {
  const verify = (token: string) => {
    calls.verify++
    return verifier.verify(token)
  }
  const close = async () => {}
  if (!withCached) return { verify, close }
  return {
    verify,
    verifyCached(token: string) {
      calls.verifyCached++
      const result = verifier.verifyCached(token)
      if (result !== undefined) calls.cachedHits++
      return result
    },
    close,
  }
}

/** The real verifier, counted in `headerCalls`, with `verifyCachedAuthorization` too. */
function countedWithHeader(): TokenVerifier {
  return {
    verify(token) {
      headerCalls.verify++
      return verifier.verify(token)
    },
    verifyCached(token) {
      headerCalls.verifyCached++
      const result = verifier.verifyCached(token)
      if (result !== undefined) headerCalls.cachedHits++
      return result
    },
    verifyCachedAuthorization(authorization) {
      headerCalls.byHeader++
      const result = verifier.verifyCachedAuthorization(authorization)
      if (result !== undefined) headerCalls.byHeaderHits++
      return result
    },
    close: async () => {},
  }
}

function resetCalls(): void {
  Object.assign(calls, { verify: 0, verifyCached: 0, cachedHits: 0 })
  Object.assign(headerCalls, {
    verify: 0,
    verifyCached: 0,
    cachedHits: 0,
    byHeader: 0,
    byHeaderHits: 0,
  })
}

async function buildApp(tokenVerifier: TokenVerifier): Promise<FastifyInstance> {
  const app = Fastify()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  await app.register(m2mAuth, { verifier: tokenVerifier, realm: 'api' })
  app.get('/me', async (request) => ({
    clientId: request.auth?.clientId,
    scopes: [...(request.auth?.scopes ?? [])],
    frozen: Object.isFrozen(request.auth),
  }))
  app.get('/public', { config: { auth: false } }, async (request) => ({ auth: request.auth }))
  app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async () => ({ ok: true }))
  app.get('/both', { config: { scopes: { allOf: ['a:read', 'b:read'] } } }, async () => ({
    ok: true,
  }))
  app.get('/either', { config: { scopes: { anyOf: ['a:read', 'b:read'] } } }, async () => ({
    ok: true,
  }))
  app.post('/deliveries', async (request) => ({ body: request.body }))
  app.get('/bound', { config: { dpop: 'required' } }, async () => ({ ok: true }))
  await app.ready()
  return app
}

function createRealVerifier(now?: () => number): JwtVerifier {
  return createVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwks: () => jwks,
    ...(now ? { now } : {}),
  })
}

beforeAll(async () => {
  issuer = createTestIssuer({ kid: 'key-1' })
  // Another key published under the same kid: the verifier must drop what the old one verified.
  rotated = createTestIssuer({ kid: 'key-1' })
  cachedApp = await buildApp(counted(true))
  headerApp = await buildApp(countedWithHeader())
  verifyOnlyApp = await buildApp(counted(false))
})

afterAll(async () => {
  await Promise.all([cachedApp.close(), headerApp.close(), verifyOnlyApp.close()])
})

beforeEach(async () => {
  jwks = { keys: [issuer.publicJwk] }
  verifier = createRealVerifier()
  await verifier.keys.refresh()
  resetCalls()
})

afterEach(async () => {
  vi.useRealTimers()
  await verifier.close()
})

/** Status, challenge and body: what a client sees. */
function answer(response: LightMyRequestResponse) {
  return {
    status: response.statusCode,
    wwwAuthenticate: response.headers['www-authenticate'] ?? null,
    retryAfter: response.headers['retry-after'] ?? null,
    body: response.json() as unknown,
  }
}

/** Sends `request` to the three apps; returns what the app with `verifyCached` answered. */
async function sameAnswer(request: InjectOptions) {
  const viaCache = answer(await cachedApp.inject(request))
  const viaHeader = answer(await headerApp.inject(request))
  const viaVerify = answer(await verifyOnlyApp.inject(request))
  expect(viaHeader).toEqual(viaCache)
  expect(viaCache).toEqual(viaVerify)
  return viaCache
}

/** Verifies `token` once, so that the verifier holds it. */
async function warm(token: string): Promise<VerifiedToken> {
  const verified = await verifier.verify(token)
  expect(verifier.verifyCached(token)).toBe(verified)
  resetCalls()
  return verified
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('a token the verifier holds is answered without verify()', () => {
  const cases: { name: string; scope: string; url: string; status: number }[] = [
    { name: 'any valid token', scope: '', url: '/me', status: 200 },
    { name: 'the route scope', scope: 'geocode:location', url: '/geocode', status: 200 },
    { name: 'no route scope', scope: 'directions', url: '/geocode', status: 403 },
    { name: 'all of allOf', scope: 'a:read b:read', url: '/both', status: 200 },
    { name: 'one of allOf', scope: 'a:read', url: '/both', status: 403 },
    { name: 'one of anyOf', scope: 'b:read', url: '/either', status: 200 },
    { name: 'none of anyOf', scope: 'c:read', url: '/either', status: 403 },
  ]
  for (const c of cases) {
    it(`${c.name} (scope "${c.scope}") on ${c.url} → ${c.status}, as through verify()`, async () => {
      const token = issuer.sign({ scope: c.scope })
      await warm(token)
      const result = await sameAnswer({ url: c.url, headers: bearer(token) })
      expect(result.status).toBe(c.status)
      if (c.status === 403) expect(result.wwwAuthenticate).toContain('insufficient_scope')
      // The app with verifyCached answered from it; the other one called verify().
      expect(calls).toEqual({ verify: 1, verifyCached: 1, cachedHits: 1 })
    })
  }

  it('sets the same frozen request.auth as after verify()', async () => {
    const token = issuer.sign({ scope: 'a:read b:read' })
    await warm(token)
    const result = await sameAnswer({ url: '/me', headers: bearer(token) })
    expect(result.body).toEqual({
      clientId: 'client-1',
      scopes: ['a:read', 'b:read'],
      frozen: true,
    })
  })

  it('accepts the header forms verify() accepts: scheme in any case, spaces around the token', async () => {
    const token = issuer.sign()
    await warm(token)
    for (const authorization of [`bearer ${token}`, `BEARER  ${token}  `, ` Bearer \t${token}`]) {
      expect((await sameAnswer({ url: '/me', headers: { authorization } })).status).toBe(200)
    }
    expect(calls.cachedHits).toBe(3)
  })

  it('does not look at a public route', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({ url: '/public', headers: bearer(token) })
    expect(result).toMatchObject({ status: 200, body: { auth: null } })
    expect(calls).toEqual({ verify: 0, verifyCached: 0, cachedHits: 0 })
  })

  it('verifies a token it does not hold, then serves it from the cache', async () => {
    const token = issuer.sign()
    expect((await cachedApp.inject({ url: '/me', headers: bearer(token) })).statusCode).toBe(200)
    expect(calls).toEqual({ verify: 1, verifyCached: 1, cachedHits: 0 })
    expect((await cachedApp.inject({ url: '/me', headers: bearer(token) })).statusCode).toBe(200)
    expect(calls).toEqual({ verify: 1, verifyCached: 2, cachedHits: 1 })
  })
})

describe('the whole header, for a verifier with verifyCachedAuthorization', () => {
  it('`Bearer <token>` of a held token is answered from it, not from the token cut out', async () => {
    const token = issuer.sign({ scope: 'geocode:location' })
    await warm(token)
    expect((await sameAnswer({ url: '/geocode', headers: bearer(token) })).status).toBe(200)
    expect(headerCalls).toEqual({
      verify: 0,
      verifyCached: 0,
      cachedHits: 0,
      byHeader: 1,
      byHeaderHits: 1,
    })
  })

  it('another spelling of the header misses it, and the token path answers from the cache', async () => {
    const token = issuer.sign()
    await warm(token)
    for (const authorization of [`bearer ${token}`, `Bearer  ${token}`, `Bearer ${token} `]) {
      expect((await sameAnswer({ url: '/me', headers: { authorization } })).status).toBe(200)
    }
    expect(headerCalls).toMatchObject({ byHeader: 3, byHeaderHits: 0, cachedHits: 3, verify: 0 })
  })

  it('a held token with its payload changed misses it and is refused by verify()', async () => {
    const token = issuer.sign({ scope: 'a:read' })
    await warm(token)
    const [header, , signature] = token.split('.')
    const payload = Buffer.from(JSON.stringify({ scope: 'a:read b:read' })).toString('base64url')
    const result = await sameAnswer({
      url: '/me',
      headers: bearer(`${header}.${payload}.${signature}`),
    })
    expect(result.status).toBe(401)
    expect(headerCalls).toMatchObject({ byHeaderHits: 0, verify: 1 })
  })

  it('is not asked on a route that requires DPoP: a held Bearer token → 401', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({ url: '/bound', headers: bearer(token) })
    expect(result.status).toBe(401)
    expect(result.wwwAuthenticate).toContain('DPoP')
    expect(headerCalls.byHeader).toBe(0)
  })

  it('a held DPoP-bound token sent as Bearer → 401, as through verify()', async () => {
    const token = issuer.sign({ cnf: { jkt: 'A'.repeat(43) } })
    await warm(token)
    const result = await sameAnswer({ url: '/me', headers: bearer(token) })
    expect(result.status).toBe(401)
    expect(result.wwwAuthenticate).toContain('invalid_token')
    expect(headerCalls.byHeaderHits).toBe(1)
  })

  it('a verifyCachedAuthorization that throws is taken as a miss', async () => {
    const token = issuer.sign()
    await warm(token)
    const app = await buildApp({
      verify: (presented) => verifier.verify(presented),
      verifyCached: (presented) => verifier.verifyCached(presented),
      verifyCachedAuthorization: () => {
        throw new Error(`broken, with ${token}`)
      },
      close: async () => {},
    })
    try {
      const response = await app.inject({ url: '/me', headers: bearer(token) })
      expect(response.statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('a verifyCachedAuthorization that is not a function is refused at registration', async () => {
    const app = Fastify()
    app.register(m2mAuth, {
      verifier: {
        verify: verifier.verify,
        verifyCachedAuthorization: 42,
        close: async () => {},
      } as never,
    })
    const error = await app.ready().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    await app.close()
    expect(error).toMatchObject({
      code: 'AUTH_ERR_INVALID_OPTION',
      message: 'Invalid option: verifier.verifyCachedAuthorization must be a function when present',
    })
  })
})

describe('refusals that come before the cache, for a token the verifier holds', () => {
  it('a token in the query string as well → 400', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({ url: `/me?access_token=${token}`, headers: bearer(token) })
    expect(result.status).toBe(400)
    expect(calls.verifyCached).toBe(0)
  })

  it('the token twice in the header → 400', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({
      url: '/me',
      headers: { authorization: `Bearer ${token} ${token}` },
    })
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(calls.cachedHits).toBe(0)
  })

  it('the token also in a form body → 400, once the body is parsed', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({
      method: 'POST',
      url: '/deliveries',
      headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${token}`,
    })
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(calls.cachedHits).toBe(1)
  })

  it('an access_token field in a JSON body is data → 200', async () => {
    const token = issuer.sign()
    await warm(token)
    const result = await sameAnswer({
      method: 'POST',
      url: '/deliveries',
      headers: bearer(token),
      payload: { access_token: 'x' },
    })
    expect(result).toEqual({
      status: 200,
      wwwAuthenticate: null,
      retryAfter: null,
      body: { body: { access_token: 'x' } },
    })
  })

  it('two Authorization headers, the first one held verified → 400', async () => {
    const token = issuer.sign()
    await warm(token)
    await cachedApp.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { port } = cachedApp.server.address() as { port: number }
      const response = await httpRequest(`http://127.0.0.1:${port}/me`, {
        headers: ['authorization', `Bearer ${token}`, 'authorization', 'Bearer x'],
      })
      expect(response.statusCode).toBe(400)
      expect(await response.body.json()).toMatchObject({
        error: 'invalid_request',
        error_description:
          'The authorization request is malformed: more than one Authorization header was sent',
      })
    } finally {
      await cachedApp.server.close()
    }
  })
})

describe('a held token that no longer stands goes through verify()', () => {
  it('after its exp plus the clock tolerance → 401 invalid_token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    vi.setSystemTime(start)
    await verifier.close()
    verifier = createRealVerifier()
    await verifier.keys.refresh()
    const token = issuer.sign({ exp: Math.floor(start / 1000) + 60 })
    await warm(token)
    expect((await sameAnswer({ url: '/me', headers: bearer(token) })).status).toBe(200)

    // exp + 5 s tolerance + 1 s.
    vi.setSystemTime((Math.floor(start / 1000) + 66) * 1000)
    const result = await sameAnswer({ url: '/me', headers: bearer(token) })
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(result.body).toMatchObject({ error_description: expect.stringMatching(/expired/i) })
    expect(verifier.verifyCached(token)).toBeUndefined()
  })

  it('once its kid left the JWKS → 401 invalid_token', async () => {
    const token = issuer.sign()
    await warm(token)
    jwks = { keys: [] }
    await verifier.keys.refresh()
    const result = await sameAnswer({ url: '/me', headers: bearer(token) })
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(calls.cachedHits).toBe(0)
  })

  it('once its kid is published with other key material → 401 invalid_token', async () => {
    const token = issuer.sign()
    await warm(token)
    jwks = { keys: [rotated.publicJwk] }
    await verifier.keys.refresh()
    const result = await sameAnswer({ url: '/me', headers: bearer(token) })
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(calls.cachedHits).toBe(0)
    // A token of the new key verifies and is then held.
    const fresh = rotated.sign()
    expect((await sameAnswer({ url: '/me', headers: bearer(fresh) })).status).toBe(200)
    expect(verifier.verifyCached(fresh)).toBeDefined()
  })

  it('a held token with its payload changed (signature kept) → 401, and the held one still serves', async () => {
    const token = issuer.sign({ scope: 'a:read' })
    const verified = await warm(token)
    const [header, , signature] = token.split('.')
    const payload = Buffer.from(
      JSON.stringify({ ...verified.claims, scope: 'a:read b:read' }),
    ).toString('base64url')
    const forged = `${header}.${payload}.${signature}`
    const result = await sameAnswer({ url: '/both', headers: bearer(forged) })
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(calls.cachedHits).toBe(0)
    expect(verifier.verifyCached(token)).toBe(verified)
  })
})

describe('a verifyCached that throws is answered as a verify() that rejects', () => {
  it('→ 503 temporarily_unavailable with Retry-After, and the error logged without the token', async () => {
    const lines: string[] = []
    const app = Fastify({
      logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } },
    })
    const token = issuer.sign()
    await app.register(m2mAuth, {
      verifier: {
        verify: async () => {
          throw new Error('not reached')
        },
        verifyCached: () => {
          throw new Error(`broken cache for ${token}`)
        },
        close: async () => {},
      },
    })
    app.get('/me', async () => ({ ok: true }))
    try {
      const response = await app.inject({ url: '/me', headers: bearer(token) })
      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('30')
      expect(response.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(lines.join('\n')).toContain('access token verification failed unexpectedly')
      expect(lines.join('\n')).not.toContain(token)
    } finally {
      await app.close()
    }
  })

  it('a verifyCached that is not a function is refused at registration', async () => {
    const app = Fastify()
    app.register(m2mAuth, {
      verifier: { verify: verifier.verify, verifyCached: 'yes', close: async () => {} } as never,
    })
    const error = await app.ready().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    await app.close()
    expect(error).toMatchObject({
      code: 'AUTH_ERR_INVALID_OPTION',
      message: 'Invalid option: verifier.verifyCached must be a function when present',
    })
  })
})
