import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDpopKey,
  createRedisReplayCache,
  type DpopKey,
  type ReplayRedis,
} from '../src/dpop/index.js'
import { InvalidOptionError } from '../src/errors.js'
import m2mAuth, {
  DPOP_REQUIRED_DESCRIPTION,
  type M2mAuthOptions,
  NO_CREDENTIALS_DESCRIPTION,
  UNAVAILABLE_DESCRIPTION,
} from '../src/fastify/index.js'
import type { TokenVerifier, VerifiedToken } from '../src/verify/types.js'
import {
  ALL_ALGS,
  bearerHeaders,
  buildDpopApp,
  dpopAndBearer,
  dpopHeaders,
  dpopOnly,
  type InjectOptions,
  ORIGIN,
  proofFor,
  proofRefused,
  REALM,
} from './fastify-dpop-harness.js'
import { createTestIssuer, type TestIssuer } from './helpers/fake-verifier.js'

let issuer: TestIssuer
let key: DpopKey
let app: FastifyInstance
let requiredApp: FastifyInstance
let disabledApp: FastifyInstance

beforeAll(async () => {
  issuer = createTestIssuer()
  key = createDpopKey()
  app = await buildDpopApp(issuer.verifier())
  requiredApp = await buildDpopApp(issuer.verifier(), { dpop: { mode: 'required' } })
  disabledApp = await buildDpopApp(issuer.verifier(), { dpop: { mode: 'disabled' } })
})

afterAll(async () => {
  await Promise.all([app.close(), requiredApp.close(), disabledApp.close()])
})

const boundToken = (claims: Record<string, unknown> = {}) =>
  issuer.sign({ cnf: { jkt: key.jkt }, ...claims })

/** A DPoP request for `url` with a fresh proof. */
function dpopRequest(url: string, token = boundToken(), method = 'GET'): InjectOptions {
  return {
    method: method as InjectOptions['method'],
    url,
    headers: dpopHeaders(token, proofFor(key, { method, url, token })),
  }
}

const bearerRequest = (url: string, token = issuer.sign()): InjectOptions => ({
  url,
  headers: bearerHeaders(token),
})

const BOUND_AS_BEARER =
  'The token claims are invalid: DPoP-bound token requires the DPoP authentication scheme, not Bearer'
const NO_JKT = 'The token claims are invalid: JWT Access Token has no jkt confirmation claim'

interface ModeCase {
  name: string
  app: () => FastifyInstance
  request: () => InjectOptions
  status: number
  /** The exact WWW-Authenticate value; `null` when absent. */
  wwwAuthenticate: string | null
  body?: Record<string, unknown>
}

describe('what each mode accepts', () => {
  const noCredentials = {
    status: 401,
    wwwAuthenticate: `Bearer realm="${REALM}"`,
    body: { error: 'unauthorized', error_description: NO_CREDENTIALS_DESCRIPTION },
  }
  const dpopRequired = {
    status: 401,
    wwwAuthenticate: `DPoP algs="${ALL_ALGS}"`,
    body: { error: 'unauthorized', error_description: DPOP_REQUIRED_DESCRIPTION },
  }
  const cases: ModeCase[] = [
    // allowed (the default)
    {
      name: 'allowed: a Bearer token',
      app: () => app,
      request: () => bearerRequest('/me'),
      status: 200,
      wwwAuthenticate: null,
    },
    {
      name: 'allowed: a DPoP token with its proof',
      app: () => app,
      request: () => dpopRequest('/me'),
      status: 200,
      wwwAuthenticate: null,
    },
    {
      name: 'allowed: no credentials (the answer is unchanged: Bearer only)',
      app: () => app,
      request: () => ({ url: '/me' }),
      ...noCredentials,
    },
    {
      name: 'allowed: a DPoP-bound token sent as Bearer (RFC 9449 §7.2)',
      app: () => app,
      request: () => bearerRequest('/me', boundToken()),
      status: 401,
      wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token", error_description="${BOUND_AS_BEARER}", DPoP algs="${ALL_ALGS}"`,
      body: { error: 'invalid_token', error_description: BOUND_AS_BEARER },
    },
    {
      name: 'allowed: the DPoP scheme with a token bound to no key',
      app: () => app,
      request: () => dpopRequest('/me', issuer.sign()),
      status: 401,
      wwwAuthenticate: dpopAndBearer('invalid_token', NO_JKT),
      body: { error: 'invalid_token', error_description: NO_JKT },
    },
    {
      name: 'allowed: the DPoP scheme without a proof',
      app: () => app,
      request: () => ({ url: '/me', headers: { authorization: `DPoP ${boundToken()}` } }),
      status: 401,
      wwwAuthenticate: dpopAndBearer('invalid_dpop_proof', proofRefused('no DPoP proof was sent')),
      body: {
        error: 'invalid_dpop_proof',
        error_description: proofRefused('no DPoP proof was sent'),
      },
    },
    {
      name: 'allowed: the DPoP scheme with no token',
      app: () => app,
      request: () => ({ url: '/me', headers: { authorization: 'DPoP ', dpop: 'x.y.z' } }),
      status: 400,
      wwwAuthenticate: dpopAndBearer(
        'invalid_request',
        'The authorization request is malformed: the DPoP token is empty',
      ),
    },
    {
      name: 'allowed: the DPoP scheme with a token outside the token68 syntax',
      app: () => app,
      request: () => ({ url: '/me', headers: { authorization: 'DPoP a$b', dpop: 'x.y.z' } }),
      status: 400,
      wwwAuthenticate: dpopAndBearer(
        'invalid_request',
        'The authorization request is malformed: the DPoP token has characters outside the RFC 6750 b64token syntax',
      ),
    },
    {
      name: 'allowed: an expired DPoP token',
      app: () => app,
      request: () => dpopRequest('/me', boundToken({ exp: 1_000_000_000 })),
      status: 401,
      wwwAuthenticate: dpopAndBearer(
        'invalid_token',
        'The token expired: The token has expired at 2001-09-09T01:46:40.000Z.',
      ),
    },
    {
      name: 'allowed: the scheme name in another case',
      app: () => app,
      request: () => {
        const token = boundToken()
        return {
          url: '/me',
          headers: { authorization: `dpop ${token}`, dpop: proofFor(key, { token }) },
        }
      },
      status: 200,
      wwwAuthenticate: null,
    },
    // required
    {
      name: 'required: a Bearer token',
      app: () => requiredApp,
      request: () => bearerRequest('/me'),
      ...dpopRequired,
    },
    {
      name: 'required: no credentials',
      app: () => requiredApp,
      request: () => ({ url: '/me' }),
      ...dpopRequired,
    },
    {
      name: 'required: the Basic scheme',
      app: () => requiredApp,
      request: () => ({ url: '/me', headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' } }),
      ...dpopRequired,
    },
    {
      name: 'required: a DPoP token with its proof',
      app: () => requiredApp,
      request: () => dpopRequest('/me'),
      status: 200,
      wwwAuthenticate: null,
    },
    {
      name: 'required: a proof error has the DPoP challenge alone',
      app: () => requiredApp,
      request: () => ({ url: '/me', headers: { authorization: `DPoP ${boundToken()}` } }),
      status: 401,
      wwwAuthenticate: dpopOnly('invalid_dpop_proof', proofRefused('no DPoP proof was sent')),
    },
    {
      name: 'required: a token in the query string',
      app: () => requiredApp,
      request: () => ({ url: `/me?access_token=${boundToken()}` }),
      status: 400,
      wwwAuthenticate: dpopOnly(
        'invalid_request',
        'The authorization request is malformed: access tokens in the query string are not accepted; send an Authorization: Bearer header',
      ),
    },
    // disabled
    {
      name: 'disabled: a Bearer token',
      app: () => disabledApp,
      request: () => bearerRequest('/me'),
      status: 200,
      wwwAuthenticate: null,
    },
    {
      name: 'disabled: the DPoP scheme counts as no credentials, as before DPoP',
      app: () => disabledApp,
      request: () => dpopRequest('/me'),
      ...noCredentials,
    },
    {
      name: 'disabled: a DPoP-bound token is still refused as Bearer',
      app: () => disabledApp,
      request: () => bearerRequest('/me', boundToken()),
      status: 401,
      wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token", error_description="${BOUND_AS_BEARER}"`,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const response = await c.app().inject(c.request())
      expect(response.statusCode).toBe(c.status)
      expect(response.headers['www-authenticate']).toBe(c.wwwAuthenticate ?? undefined)
      if (c.body) expect(response.json()).toEqual(c.body)
      if (c.status === 200) {
        const { auth } = response.json()
        const dpop = String(c.request().headers?.authorization).toLowerCase().startsWith('dpop')
        expect(auth.tokenType).toBe(dpop ? 'DPoP' : 'Bearer')
        if (dpop) expect(auth.dpop).toEqual({ jkt: key.jkt })
      }
    })
  }
})

describe('a route overrides the plugin mode with config.dpop', () => {
  const cases: Array<[string, () => FastifyInstance, string, 'Bearer' | 'DPoP', number]> = [
    ['required route of an allowed plugin refuses Bearer', () => app, '/required', 'Bearer', 401],
    ['required route of an allowed plugin takes DPoP', () => app, '/required', 'DPoP', 200],
    ['disabled route of an allowed plugin refuses DPoP', () => app, '/bearer-only', 'DPoP', 401],
    ['disabled route of an allowed plugin takes Bearer', () => app, '/bearer-only', 'Bearer', 200],
    [
      'allowed route of a required plugin takes Bearer',
      () => requiredApp,
      '/allowed',
      'Bearer',
      200,
    ],
    ['allowed route of a required plugin takes DPoP', () => requiredApp, '/allowed', 'DPoP', 200],
    ['allowed route of a disabled plugin takes DPoP', () => disabledApp, '/allowed', 'DPoP', 200],
    ['required route of a disabled plugin takes DPoP', () => disabledApp, '/required', 'DPoP', 200],
    [
      'required route of a disabled plugin refuses Bearer',
      () => disabledApp,
      '/required',
      'Bearer',
      401,
    ],
  ]
  for (const [name, target, url, scheme, status] of cases) {
    it(name, async () => {
      const response = await target().inject(
        scheme === 'DPoP' ? dpopRequest(url) : bearerRequest(url),
      )
      expect(response.statusCode).toBe(status)
      if (status === 200) expect(response.json().auth.tokenType).toBe(scheme)
    })
  }

  it('refuses an unknown config.dpop at registration, naming the route', async () => {
    const probe = Fastify()
    await probe.register(m2mAuth, { verifier: issuer.verifier() })
    expect(() =>
      probe.get('/x', { config: { dpop: 'sometimes' as never } }, async () => ({})),
    ).toThrow("route GET /x: config.dpop must be 'allowed', 'required' or 'disabled'")
    await probe.close()
  })

  it('refuses config.dpop on a public route', async () => {
    const probe = Fastify()
    await probe.register(m2mAuth, { verifier: issuer.verifier() })
    expect(() =>
      probe.get('/x', { config: { auth: false, dpop: 'required' } }, async () => ({})),
    ).toThrow('route GET /x: a route with config.auth false cannot declare dpop')
    await probe.close()
  })

  it('applies the plugin mode to the not-found handler', async () => {
    const response = await requiredApp.inject(bearerRequest('/nowhere'))
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(`DPoP algs="${ALL_ALGS}"`)
  })
})

describe('request.auth of a DPoP request', () => {
  it('carries tokenType DPoP and the key thumbprint, frozen, and never the token or proof', async () => {
    const probe = Fastify()
    await probe.register(m2mAuth, { verifier: issuer.verifier() })
    const seen: unknown[] = []
    probe.get('/probe', async (request) => {
      seen.push(request.auth)
      return {}
    })
    const token = boundToken({ scope: 'a b' })
    const send = () => {
      const proof = proofFor(key, { url: '/probe', token })
      return probe.inject({ url: '/probe', headers: dpopHeaders(token, proof) })
    }
    expect((await send()).statusCode).toBe(200)
    expect((await send()).statusCode).toBe(200)
    await probe.close()
    const auth = seen[0] as Record<string, unknown>
    expect(Object.keys(auth).sort()).toEqual([
      'claims',
      'clientId',
      'dpop',
      'organization',
      'scopes',
      'tokenType',
    ])
    expect(auth.tokenType).toBe('DPoP')
    expect(auth.dpop).toEqual({ jkt: key.jkt })
    expect(Object.isFrozen(auth)).toBe(true)
    expect(Object.isFrozen(auth.dpop)).toBe(true)
    expect([...(auth.scopes as Set<string>)]).toEqual(['a', 'b'])
    expect(JSON.stringify(auth)).not.toContain(token)
    // One value per verified token: a verifier that hands back the same token object
    // (a cache hit) gives the same frozen value; this fake verifier builds a new one.
    expect(seen[1]).toEqual(seen[0])
  })

  it('is a Bearer one for a Bearer token', async () => {
    const response = await app.inject(bearerRequest('/me'))
    expect(response.json().auth).toMatchObject({ tokenType: 'Bearer' })
    expect(response.json().auth).not.toHaveProperty('dpop')
  })
})

describe('scopes and bodies on a DPoP request', () => {
  it('answers 403 with the scope in the DPoP challenge', async () => {
    const response = await app.inject(dpopRequest('/geocode'))
    const description = 'The token lacks the required scope: geocode:location'
    expect(response.statusCode).toBe(403)
    expect(response.headers['www-authenticate']).toBe(
      `Bearer realm="${REALM}", DPoP error="insufficient_scope", error_description="${description}", scope="geocode:location", algs="${ALL_ALGS}"`,
    )
    expect(response.json()).toEqual({ error: 'insufficient_scope', error_description: description })
  })

  it('admits a token with the scope', async () => {
    const response = await app.inject(
      dpopRequest('/geocode', boundToken({ scope: 'geocode:location' })),
    )
    expect(response.statusCode).toBe(200)
  })

  it('takes a POST whose proof names POST', async () => {
    const response = await app.inject(dpopRequest('/deliveries', boundToken(), 'POST'))
    expect(response.statusCode).toBe(200)
  })

  it('refuses a DPoP token also sent as an access_token form field', async () => {
    const token = boundToken()
    const response = await app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: {
        ...dpopHeaders(token, proofFor(key, { method: 'POST', url: '/deliveries', token })),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `access_token=${token}`,
    })
    expect(response.statusCode).toBe(400)
    expect(response.headers['www-authenticate']).toBe(
      dpopAndBearer(
        'invalid_request',
        'The authorization request is malformed: the access token was sent in more than one place: Authorization header and access_token form field',
      ),
    )
  })

  it('shapes DPoP refusals with formatBody too', async () => {
    const refusals: unknown[] = []
    const probe = await buildDpopApp(issuer.verifier(), {
      formatBody: (refusal) => {
        refusals.push(refusal)
        return { message: refusal.error }
      },
    })
    const response = await probe.inject({
      url: '/me',
      headers: { authorization: `DPoP ${boundToken()}` },
    })
    await probe.close()
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual({ message: 'invalid_dpop_proof' })
    expect(refusals).toEqual([
      {
        statusCode: 401,
        error: 'invalid_dpop_proof',
        error_description: proofRefused('no DPoP proof was sent'),
      },
    ])
  })

  it('ignores the query string in htu', async () => {
    const token = boundToken()
    const response = await app.inject({
      url: '/me?page=2',
      headers: dpopHeaders(token, proofFor(key, { url: '/me', token })),
    })
    expect(response.statusCode).toBe(200)
  })
})

describe('the URL a proof must name', () => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
  const proofAt = (url: string, token: string) =>
    proofFor(key, { url: `https://api.example.com${url}`, token })

  it('follows X-Forwarded-* behind a trusted proxy (trustProxy)', async () => {
    const proxied = await buildDpopApp(issuer.verifier(), {}, { trustProxy: true })
    const token = boundToken()
    const response = await proxied.inject({
      url: '/me',
      headers: { ...forwarded, ...dpopHeaders(token, proofAt('/me', token)) },
    })
    await proxied.close()
    expect(response.statusCode).toBe(200)
  })

  it('ignores X-Forwarded-* when the proxy is not trusted', async () => {
    const token = boundToken()
    const response = await app.inject({
      url: '/me',
      headers: { ...forwarded, ...dpopHeaders(token, proofAt('/me', token)) },
    })
    expect(response.statusCode).toBe(401)
    expect(response.json().error_description).toBe(
      proofRefused('htu does not match the request URL'),
    )
  })

  it('uses the url option when given', async () => {
    const pinned = await buildDpopApp(issuer.verifier(), {
      dpop: { url: (request) => `https://api.example.com${request.url}` },
    })
    const token = boundToken()
    const good = await pinned.inject({
      url: '/me',
      headers: dpopHeaders(token, proofAt('/me', token)),
    })
    const local = await pinned.inject(dpopRequest('/me'))
    await pinned.close()
    expect(good.statusCode).toBe(200)
    expect(local.statusCode).toBe(401)
  })

  it('answers 503 when the url option throws', async () => {
    const broken = await buildDpopApp(issuer.verifier(), {
      dpop: {
        url: () => {
          throw new Error('no origin')
        },
      },
    })
    const response = await broken.inject(dpopRequest('/me'))
    await broken.close()
    expect(response.statusCode).toBe(503)
  })

  it('is checked against the origin light-my-request uses', () => {
    expect(ORIGIN).toBe('http://localhost')
  })
})

describe('algorithms', () => {
  it('refuses a proof signed with an algorithm left out, and lists the accepted ones in algs', async () => {
    const strict = await buildDpopApp(issuer.verifier(), { dpop: { algorithms: ['ES256'] } })
    const edKey = createDpopKey({ alg: 'EdDSA' })
    const token = issuer.sign({ cnf: { jkt: edKey.jkt } })
    const refused = await strict.inject({
      url: '/me',
      headers: dpopHeaders(token, proofFor(edKey, { token })),
    })
    const admitted = await strict.inject(dpopRequest('/me'))
    await strict.close()
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['www-authenticate']).toBe(
      dpopAndBearer('invalid_dpop_proof', proofRefused('alg EdDSA is not accepted here'), 'ES256'),
    )
    expect(admitted.statusCode).toBe(200)
  })

  for (const alg of ['ES384', 'PS256', 'EdDSA'] as const) {
    it(`admits a proof signed with ${alg}`, async () => {
      const other = createDpopKey({ alg })
      const token = issuer.sign({ cnf: { jkt: other.jkt } })
      const response = await app.inject({
        url: '/me',
        headers: dpopHeaders(token, proofFor(other, { token })),
      })
      expect(response.statusCode).toBe(200)
      expect(response.json().auth.dpop).toEqual({ jkt: other.jkt })
    })
  }
})

/** A stand-in for ioredis: `SET key value PX ms NX`, answered asynchronously. */
function fakeRedis(): ReplayRedis & { keys: Map<string, number>; fail: boolean } {
  const keys = new Map<string, number>()
  return {
    keys,
    fail: false,
    async set(key, _value, _px, ms, _nx) {
      await new Promise((resolve) => setImmediate(resolve))
      if (this.fail) throw new Error('connect ECONNREFUSED 127.0.0.1:6379')
      const expiresAt = keys.get(key)
      if (expiresAt !== undefined && expiresAt > Date.now()) return null
      keys.set(key, Date.now() + ms)
      return 'OK'
    },
  }
}

describe('a shared (Redis-style, asynchronous) replay cache', () => {
  let redis: ReturnType<typeof fakeRedis>
  let replicaA: FastifyInstance
  let replicaB: FastifyInstance
  let lines: string[]

  beforeAll(async () => {
    redis = fakeRedis()
    lines = []
    const replayCache = createRedisReplayCache(redis)
    replicaA = await buildDpopApp(issuer.verifier(), { dpop: { replayCache } })
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) })
    replicaB = await buildDpopApp(
      issuer.verifier(),
      { dpop: { replayCache } },
      { loggerInstance: logger as FastifyBaseLogger },
    )
  })

  afterAll(async () => {
    await Promise.all([replicaA.close(), replicaB.close()])
  })

  it('refuses at one replica a proof already used at the other', async () => {
    const request = dpopRequest('/me')
    const first = await replicaA.inject(request)
    const replayed = await replicaB.inject(request)
    expect(first.statusCode).toBe(200)
    expect(replayed.statusCode).toBe(401)
    expect(replayed.headers['www-authenticate']).toBe(
      dpopAndBearer('invalid_dpop_proof', proofRefused('the proof was already used (jti replay)')),
    )
    expect([...redis.keys.keys()].every((k) => k.startsWith(`m2m:dpop:jti:${key.jkt}:`))).toBe(true)
  })

  it('lets only one of two concurrent uses of a proof through', async () => {
    const request = dpopRequest('/me')
    const answers = await Promise.all([replicaA.inject(request), replicaB.inject(request)])
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401])
  })

  it('answers 503 and logs when the cache cannot be reached', async () => {
    redis.fail = true
    try {
      const response = await replicaB.inject(dpopRequest('/me'))
      expect(response.statusCode).toBe(503)
      expect(response.headers['retry-after']).toBe('30')
      expect(response.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: UNAVAILABLE_DESCRIPTION,
      })
      expect(
        lines.some((line) => line.includes('DPoP proof verification failed unexpectedly')),
      ).toBe(true)
    } finally {
      redis.fail = false
    }
  })
})

describe('the verifier cache stays the token hot path', () => {
  it('verifies a DPoP token once, and still checks every proof', async () => {
    const inner = issuer.verifier()
    const cache = new Map<string, VerifiedToken>()
    const calls = { verify: 0 }
    const caching: TokenVerifier = {
      async verify(token) {
        calls.verify++
        const verified = await inner.verify(token)
        cache.set(token, verified)
        return verified
      },
      verifyCached: (token) => cache.get(token),
      close: async () => {},
    }
    const cachedApp = await buildDpopApp(caching)
    const token = boundToken()
    const first = dpopRequest('/me', token)
    const answers = [
      await cachedApp.inject(first),
      await cachedApp.inject(dpopRequest('/me', token)),
      await cachedApp.inject(first),
    ]
    await cachedApp.close()
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 401])
    expect(calls.verify).toBe(1)
  })
})

describe('dpop options are validated at registration', () => {
  const cases: Array<[string, unknown, string]> = [
    ['dpop as a string', 'required', 'dpop must be an object'],
    ['an unknown mode', { mode: 'on' }, "dpop.mode must be 'allowed', 'required' or 'disabled'"],
    ['an unknown option', { required: true }, 'dpop has an unknown option: required'],
    [
      'a replay cache without remember()',
      { replayCache: {} },
      'dpop.replayCache must be a ReplayCache, with a remember() method',
    ],
    [
      'an empty algorithm list',
      { algorithms: [] },
      'dpop.algorithms must be a non-empty list of ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA',
    ],
    [
      'a symmetric algorithm',
      { algorithms: ['HS256'] },
      'dpop.algorithms must be a non-empty list of ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA',
    ],
    ['maxAgeSeconds 0', { maxAgeSeconds: 0 }, 'dpop.maxAgeSeconds must be a positive integer'],
    [
      'a negative leewaySeconds',
      { leewaySeconds: -1 },
      'dpop.leewaySeconds must be an integer, 0 or more',
    ],
    ['url as a string', { url: 'https://api' }, 'dpop.url must be a function of the request'],
    ['nonce true', { nonce: true }, 'dpop.nonce must be false or an object ({} for the defaults)'],
    [
      'a short nonce secret',
      { nonce: { secret: 'short' } },
      'dpop.nonce.secret must be at least 32 bytes long',
    ],
    [
      'a nonce secret of another type',
      { nonce: { secret: 42 } },
      'dpop.nonce.secret must be a string or a Uint8Array',
    ],
    [
      'a nonce window of 0',
      { nonce: { windowSeconds: 0 } },
      'dpop.nonce.windowSeconds must be a positive integer',
    ],
    ['an unknown nonce option', { nonce: { ttl: 5 } }, 'dpop.nonce has an unknown option: ttl'],
  ]
  for (const [name, dpop, message] of cases) {
    it(`refuses ${name}`, async () => {
      const probe = Fastify()
      const registering = probe.register(m2mAuth, {
        verifier: issuer.verifier(),
        dpop,
      } as unknown as M2mAuthOptions)
      const error = await registering.then(
        () => undefined,
        (e: unknown) => e,
      )
      await probe.close().catch(() => {})
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect(error).toMatchObject({
        code: 'AUTH_ERR_INVALID_OPTION',
        message: `Invalid option: ${message}`,
      })
    })
  }

  it('accepts a full set of options', async () => {
    const probe = await buildDpopApp(issuer.verifier(), {
      dpop: {
        mode: 'required',
        algorithms: ['ES256', 'EdDSA'],
        maxAgeSeconds: 60,
        leewaySeconds: 5,
        nonce: { secret: Buffer.alloc(32, 7), windowSeconds: 60 },
        url: (request) => `${ORIGIN}${request.url}`,
      },
    })
    const response = await probe.inject(bearerRequest('/me'))
    await probe.close()
    expect(response.headers['www-authenticate']).toBe('DPoP algs="ES256 EdDSA"')
  })
})
