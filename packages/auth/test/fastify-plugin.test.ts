import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import m2mAuth, { NO_CREDENTIALS_DESCRIPTION } from '../src/fastify/index.js'
import type { TokenVerifier } from '../src/verify/types.js'
import { createTestIssuer, type TestIssuer } from './helpers/fake-verifier.js'

const REALM = 'world-mappers'

let issuer: TestIssuer
let otherKey: TestIssuer
let app: FastifyInstance

/** Counts verify() calls, to show where the plugin does not verify at all. */
function countingVerifier(inner: TokenVerifier): TokenVerifier & { calls: number } {
  return {
    calls: 0,
    verify(token) {
      this.calls++
      return inner.verify(token)
    },
    close: () => inner.close(),
  }
}

let verifier: ReturnType<typeof countingVerifier>

async function buildApp(): Promise<FastifyInstance> {
  const instance = Fastify()
  instance.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  await instance.register(m2mAuth, { verifier, realm: REALM })
  instance.get('/healthz', { config: { auth: false } }, async (request) => ({
    ok: true,
    auth: request.auth,
  }))
  instance.get('/me', async (request) => ({
    clientId: request.auth?.clientId,
    scopes: [...(request.auth?.scopes ?? [])],
    organization: request.auth?.organization,
    sub: request.auth?.claims.sub,
    frozen: Object.isFrozen(request.auth),
  }))
  instance.get('/geocode', { config: { scopes: ['geocode:location'] } }, async () => ({ ok: true }))
  instance.get('/both', { config: { scopes: { allOf: ['a:read', 'b:read'] } } }, async () => ({
    ok: true,
  }))
  instance.get('/either', { config: { scopes: { anyOf: ['a:read', 'b:read'] } } }, async () => ({
    ok: true,
  }))
  instance.post('/deliveries', { config: { scopes: ['create:deliveries'] } }, async (request) => ({
    body: request.body,
  }))
  await instance.register(
    async (child) => {
      child.get('/directions', { config: { scopes: ['directions'] } }, async () => ({ ok: true }))
      child.get('/status', { config: { auth: false } }, async () => ({ ok: true }))
    },
    { prefix: '/child' },
  )
  await instance.ready()
  return instance
}

beforeAll(async () => {
  issuer = createTestIssuer()
  otherKey = createTestIssuer()
  verifier = countingVerifier(issuer.verifier())
  app = await buildApp()
})

afterAll(async () => {
  await app.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const challenge = (error: string, description: string, scope?: string) =>
  `Bearer realm="${REALM}", error="${error}", error_description="${description}"${
    scope === undefined ? '' : `, scope="${scope}"`
  }`

interface AnswerCase {
  name: string
  request: () => InjectOptions
  status: number
  /** The exact WWW-Authenticate value; `null` when the header must be absent. */
  wwwAuthenticate: string | null
  body: { error: string; error_description: string }
}

const noCredentials = {
  status: 401,
  wwwAuthenticate: `Bearer realm="${REALM}"`,
  body: { error: 'unauthorized', error_description: NO_CREDENTIALS_DESCRIPTION },
}
const malformed = (detail: string) => {
  const description = `The authorization request is malformed: ${detail}`
  return {
    status: 400,
    wwwAuthenticate: challenge('invalid_request', description),
    body: { error: 'invalid_request', error_description: description },
  }
}
const invalidToken = (description: string) => ({
  status: 401,
  wwwAuthenticate: challenge('invalid_token', description),
  body: { error: 'invalid_token', error_description: description },
})
const insufficientScope = (detail: string, scope: string) => {
  const description = `The token lacks the required scope: ${detail}`
  return {
    status: 403,
    wwwAuthenticate: challenge('insufficient_scope', description, scope),
    body: { error: 'insufficient_scope', error_description: description },
  }
}
const QUERY_REFUSED =
  'access tokens in the query string are not accepted; send an Authorization: Bearer header'
const SYNTAX = 'the Bearer token has characters outside the RFC 6750 b64token syntax'

const answerCases: AnswerCase[] = [
  // RFC 6750 §3.1: no credentials, so no error code in the challenge.
  { name: 'no Authorization header', request: () => ({ url: '/geocode' }), ...noCredentials },
  {
    name: 'an empty Authorization header',
    request: () => ({ url: '/geocode', headers: { authorization: '' } }),
    ...noCredentials,
  },
  {
    name: 'the Basic scheme',
    request: () => ({ url: '/geocode', headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' } }),
    ...noCredentials,
  },
  {
    name: 'a scheme that only starts like Bearer',
    request: () => ({ url: '/geocode', headers: { authorization: `Bearerx ${issuer.sign()}` } }),
    ...noCredentials,
  },
  {
    name: 'Bearer with no token',
    request: () => ({ url: '/geocode', headers: { authorization: 'Bearer' } }),
    ...malformed('the Bearer token is empty'),
  },
  {
    name: 'Bearer followed by whitespace only',
    request: () => ({ url: '/geocode', headers: { authorization: 'Bearer  \t  ' } }),
    ...malformed('the Bearer token is empty'),
  },
  {
    name: 'two tokens in the header',
    request: () => ({ url: '/geocode', headers: bearer(`${issuer.sign()} ${issuer.sign()}`) }),
    ...malformed('the Authorization header carries more than one token'),
  },
  {
    name: 'two Bearer credentials separated by a comma',
    request: () => ({ url: '/geocode', headers: bearer('abc, Bearer def') }),
    ...malformed('the Authorization header carries more than one token'),
  },
  {
    name: 'a double quote in the token',
    request: () => ({ url: '/geocode', headers: bearer('abc"def') }),
    ...malformed(SYNTAX),
  },
  {
    name: 'a comma in the token',
    request: () => ({ url: '/geocode', headers: bearer('abc,def') }),
    ...malformed(SYNTAX),
  },
  {
    name: 'padding before the token characters',
    request: () => ({ url: '/geocode', headers: bearer('=abc') }),
    ...malformed(SYNTAX),
  },
  {
    name: 'a token in the query string',
    request: () => ({ url: `/geocode?access_token=${issuer.sign()}` }),
    ...malformed(QUERY_REFUSED),
  },
  {
    name: 'a token in the query string and in the header',
    request: () => {
      const token = issuer.sign({ scope: 'geocode:location' })
      return { url: `/geocode?access_token=${token}`, headers: bearer(token) }
    },
    ...malformed(QUERY_REFUSED),
  },
  {
    name: 'a token in the header and in an access_token form field',
    request: () => {
      const token = issuer.sign({ scope: 'create:deliveries' })
      return {
        method: 'POST',
        url: '/deliveries',
        headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
        payload: `recipient=ada&access_token=${token}`,
      }
    },
    ...malformed(
      'the access token was sent in more than one place: Authorization header and access_token form field',
    ),
  },
  {
    name: 'an expired token',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ iat: 999_990_000, exp: 1_000_000_000 })),
    }),
    ...invalidToken('The token expired: The token has expired at 2001-09-09T01:46:40.000Z.'),
  },
  {
    name: 'a token that is not valid yet',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ nbf: 4_000_000_000, exp: 4_000_003_600 })),
    }),
    ...invalidToken(
      'The token is not valid yet: The token will be active at 2096-10-02T07:06:40.000Z.',
    ),
  },
  {
    name: 'a token from another issuer',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ iss: 'https://evil.test/', scope: 'geocode:location' })),
    }),
    ...invalidToken('The token claims are invalid: The iss claim value is not allowed.'),
  },
  {
    name: 'a token for another audience',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ aud: 'https://other-api.test', scope: 'geocode:location' })),
    }),
    ...invalidToken('The token claims are invalid: The aud claim value is not allowed.'),
  },
  {
    name: 'a token without exp',
    request: () => ({ url: '/geocode', headers: bearer(issuer.sign({ exp: undefined })) }),
    ...invalidToken('The token claims are invalid: The exp claim is required.'),
  },
  {
    name: 'a token signed by another key',
    request: () => ({
      url: '/geocode',
      headers: bearer(otherKey.sign({ scope: 'geocode:location' })),
    }),
    ...invalidToken('The token signature is invalid'),
  },
  {
    name: 'a token that is not a JWT',
    request: () => ({ url: '/geocode', headers: bearer('abc.def.ghi') }),
    ...invalidToken(
      'The token is malformed: The token header is not a valid base64url serialized JSON.',
    ),
  },
  {
    name: 'a token without the one required scope',
    request: () => ({ url: '/geocode', headers: bearer(issuer.sign({ scope: 'directions' })) }),
    ...insufficientScope('geocode:location', 'geocode:location'),
  },
  {
    name: 'a token with a longer scope of the same prefix',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ scope: 'geocode:location2 geocode' })),
    }),
    ...insufficientScope('geocode:location', 'geocode:location'),
  },
  {
    name: 'a token with one of two all-of scopes',
    request: () => ({ url: '/both', headers: bearer(issuer.sign({ scope: 'a:read' })) }),
    ...insufficientScope('b:read', 'a:read b:read'),
  },
  {
    name: 'a token with none of the any-of scopes',
    request: () => ({ url: '/either', headers: bearer(issuer.sign({ scope: 'c:read' })) }),
    ...insufficientScope('one of a:read b:read', 'a:read b:read'),
  },
  {
    name: 'a token without the scope of a route in a child plugin',
    request: () => ({
      url: '/child/directions',
      headers: bearer(issuer.sign({ scope: 'a:read' })),
    }),
    ...insufficientScope('directions', 'directions'),
  },
  {
    name: 'an unknown URL without a token',
    request: () => ({ url: '/no-such-route' }),
    ...noCredentials,
  },
]

describe('RFC 6750 answers', () => {
  for (const c of answerCases) {
    it(`${c.name} → ${c.status} ${c.body.error}`, async () => {
      const response = await app.inject(c.request())
      expect(response.statusCode).toBe(c.status)
      expect(response.headers['www-authenticate']).toBe(c.wwwAuthenticate ?? undefined)
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(response.json()).toEqual(c.body)
    })
  }

  it('answers a HEAD request without a token with the same 401 challenge', async () => {
    const response = await app.inject({ method: 'HEAD', url: '/geocode' })
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`)
  })

  it('does not call the verifier for a request it can refuse from the header alone', async () => {
    const before = verifier.calls
    await app.inject({ url: '/geocode' })
    await app.inject({ url: '/geocode', headers: { authorization: 'Bearer' } })
    await app.inject({ url: `/geocode?access_token=${issuer.sign()}` })
    expect(verifier.calls).toBe(before)
  })
})

interface AcceptedCase {
  name: string
  request: () => InjectOptions
}

const acceptedCases: AcceptedCase[] = [
  {
    name: 'the one required scope',
    request: () => ({
      url: '/geocode',
      headers: bearer(issuer.sign({ scope: 'geocode:location' })),
    }),
  },
  {
    name: 'both all-of scopes, among others',
    request: () => ({ url: '/both', headers: bearer(issuer.sign({ scope: 'b:read x a:read' })) }),
  },
  {
    name: 'the first any-of scope',
    request: () => ({ url: '/either', headers: bearer(issuer.sign({ scope: 'a:read' })) }),
  },
  {
    name: 'the second any-of scope',
    request: () => ({ url: '/either', headers: bearer(issuer.sign({ scope: 'b:read' })) }),
  },
  {
    name: 'no scope, on a route that declares none',
    request: () => ({ url: '/me', headers: bearer(issuer.sign()) }),
  },
  {
    name: 'a lower-case scheme name',
    request: () => ({
      url: '/geocode',
      headers: { authorization: `bearer ${issuer.sign({ scope: 'geocode:location' })}` },
    }),
  },
  {
    name: 'several spaces after the scheme',
    request: () => ({
      url: '/geocode',
      headers: { authorization: `Bearer    ${issuer.sign({ scope: 'geocode:location' })}` },
    }),
  },
  {
    name: 'the scope of a route in a child plugin',
    request: () => ({
      url: '/child/directions',
      headers: bearer(issuer.sign({ scope: 'directions' })),
    }),
  },
  {
    name: 'a JSON body with an access_token field (data, not a credential)',
    request: () => ({
      method: 'POST',
      url: '/deliveries',
      headers: bearer(issuer.sign({ scope: 'create:deliveries' })),
      payload: { recipient: 'ada', access_token: 'some-data' },
    }),
  },
  {
    name: 'a form body without an access_token field',
    request: () => ({
      method: 'POST',
      url: '/deliveries',
      headers: {
        ...bearer(issuer.sign({ scope: 'create:deliveries' })),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'recipient=ada',
    }),
  },
]

describe('accepted requests', () => {
  for (const c of acceptedCases) {
    it(`a valid token with ${c.name} → 200`, async () => {
      const response = await app.inject(c.request())
      expect(response.statusCode).toBe(200)
      expect(response.headers['www-authenticate']).toBeUndefined()
    })
  }

  it('an unknown URL with a valid token → 404', async () => {
    const response = await app.inject({ url: '/no-such-route', headers: bearer(issuer.sign()) })
    expect(response.statusCode).toBe(404)
  })
})

describe('request.auth', () => {
  it('holds the client id, the scopes as a Set, the organization and the claims', async () => {
    const token = issuer.sign({
      sub: 'gift-deliveries@clients',
      azp: 'gift-deliveries',
      scope: 'geocode:location directions',
      org_id: 'org_123',
      org_name: 'north-pole',
    })
    const response = await app.inject({ url: '/me', headers: bearer(token) })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      clientId: 'gift-deliveries',
      scopes: ['geocode:location', 'directions'],
      organization: { id: 'org_123', name: 'north-pole' },
      sub: 'gift-deliveries@clients',
      frozen: true,
    })
  })

  it('is a Set of scopes and never holds the token', async () => {
    const probe = Fastify()
    await probe.register(m2mAuth, { verifier: issuer.verifier() })
    let seen: unknown
    probe.get('/probe', async (request) => {
      seen = request.auth
      return {}
    })
    const token = issuer.sign({ scope: 'a b' })
    const response = await probe.inject({ url: '/probe', headers: bearer(token) })
    await probe.close()
    expect(response.statusCode).toBe(200)
    const auth = seen as { scopes: unknown }
    expect(auth.scopes).toBeInstanceOf(Set)
    expect([...(auth.scopes as Set<string>)]).toEqual(['a', 'b'])
    expect(Object.keys(auth as object).sort()).toEqual([
      'claims',
      'clientId',
      'dpop',
      'organization',
      'scopes',
      'tokenType',
    ])
    expect(auth).toMatchObject({ tokenType: 'Bearer', dpop: undefined })
    expect(JSON.stringify(auth)).not.toContain(token)
  })

  it('has no organization when the token has no org_id', async () => {
    const response = await app.inject({ url: '/me', headers: bearer(issuer.sign()) })
    expect(response.json()).toEqual({
      clientId: 'client-1',
      scopes: [],
      sub: 'client-1@clients',
      frozen: true,
    })
  })
})

describe('routes that opt out with config.auth false', () => {
  const requests: Array<[string, () => InjectOptions]> = [
    ['no Authorization header', () => ({ url: '/healthz' })],
    ['a malformed Bearer header', () => ({ url: '/healthz', headers: bearer('"') })],
    ['an expired token', () => ({ url: '/healthz', headers: bearer('abc.def.ghi') })],
    ['an access_token query parameter', () => ({ url: '/healthz?access_token=abc' })],
    ['no token, in a child plugin', () => ({ url: '/child/status' })],
  ]
  for (const [name, request] of requests) {
    it(`answer 200 with ${name}, without verifying`, async () => {
      const before = verifier.calls
      const response = await app.inject(request())
      expect(response.statusCode).toBe(200)
      expect(verifier.calls).toBe(before)
    })
  }

  it('leave request.auth null even when a valid token is sent', async () => {
    const response = await app.inject({ url: '/healthz', headers: bearer(issuer.sign()) })
    expect(response.json()).toEqual({ ok: true, auth: null })
  })
})

describe('defaultScopes', () => {
  let scoped: FastifyInstance

  beforeAll(async () => {
    scoped = Fastify()
    await scoped.register(m2mAuth, {
      verifier: issuer.verifier(),
      defaultScopes: { anyOf: ['api:read', 'api:admin'] },
    })
    scoped.get('/default', async () => ({ ok: true }))
    scoped.get('/explicit', { config: { scopes: ['other'] } }, async () => ({ ok: true }))
    scoped.get('/empty', { config: { scopes: [] } }, async () => ({ ok: true }))
    scoped.get('/public', { config: { auth: false } }, async () => ({ ok: true }))
    await scoped.ready()
  })

  afterAll(async () => {
    await scoped.close()
  })

  const cases: Array<[string, string, string, number]> = [
    ['a route without scopes', '/default', 'api:admin', 200],
    ['a route without scopes', '/default', 'other', 403],
    ['a route with its own scopes', '/explicit', 'other', 200],
    ['a route with its own scopes', '/explicit', 'api:read', 403],
    ['a route with an empty scope list', '/empty', '', 200],
  ]
  for (const [name, url, scope, status] of cases) {
    it(`apply to ${name}: scope "${scope}" → ${status}`, async () => {
      const response = await scoped.inject({ url, headers: bearer(issuer.sign({ scope })) })
      expect(response.statusCode).toBe(status)
    })
  }

  it('name the default scopes in the insufficient_scope challenge', async () => {
    const response = await scoped.inject({ url: '/default', headers: bearer(issuer.sign()) })
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the required scope: one of api:read api:admin", scope="api:read api:admin"',
    )
  })

  it('do not apply to public routes', async () => {
    const response = await scoped.inject({ url: '/public' })
    expect(response.statusCode).toBe(200)
  })
})

describe('routes the plugin did not see registered', () => {
  it('are still protected, and a warning says to register the plugin first', async () => {
    const lines: string[] = []
    const early = Fastify({
      logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } },
    })
    early.get('/early', async () => ({ ok: true }))
    await early.register(m2mAuth, { verifier: issuer.verifier() })
    await early.ready()

    const refused = await early.inject({ url: '/early' })
    const accepted = await early.inject({ url: '/early', headers: bearer(issuer.sign()) })
    await early.close()

    expect(refused.statusCode).toBe(401)
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(accepted.statusCode).toBe(200)
    const warnings = lines.map((line) => JSON.parse(line) as { msg: string; route?: string })
    expect(warnings).toEqual([
      expect.objectContaining({
        route: '/early',
        msg: '@m2m/auth/fastify did not see this route registered: register the plugin before routes',
      }),
    ])
  })
})

describe('the form-field token check', () => {
  type Seen = { method: unknown; url: string; preValidation: unknown }

  async function formApp(seen: Seen[], order: string[]): Promise<FastifyInstance> {
    const instance = Fastify()
    instance.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    )
    await instance.register(m2mAuth, { verifier: issuer.verifier() })
    // Registered after the plugin's, so it sees the route options the plugin left.
    instance.addHook('onRoute', (route) => {
      seen.push({ method: route.method, url: route.url, preValidation: route.preValidation })
    })
    const handler = async () => ({ ok: true })
    const ownHook = async () => {
      order.push('route hook')
    }
    instance.get('/read', handler)
    instance.route({ method: ['GET', 'POST'], url: '/mixed', handler })
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      instance.route({ method, url: '/write', handler, preValidation: ownHook })
    }
    instance.post('/public-form', { config: { auth: false } }, handler)
    await instance.ready()
    return instance
  }

  const formRequest = (method: InjectOptions['method'], url: string, token: string) =>
    ({
      method,
      url,
      headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `recipient=ada&access_token=${token}`,
    }) satisfies InjectOptions

  it('is a hook of the protected routes that may carry a body, and of no GET route', async () => {
    const seen: Seen[] = []
    const instance = await formApp(seen, [])
    await instance.close()
    const hooksOf = (method: string, url: string) => {
      const route = seen.find((r) => String(r.method) === method && r.url === url)
      return route?.preValidation
    }
    expect(hooksOf('GET', '/read')).toBeUndefined()
    expect(hooksOf('HEAD', '/read')).toBeUndefined()
    expect(hooksOf('GET,POST', '/mixed')).toHaveLength(1)
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect(hooksOf(method, '/write')).toHaveLength(2)
    expect(hooksOf('POST', '/public-form')).toBeUndefined()
  })

  it('refuses a second token in a form body on every such method, before the route hooks', async () => {
    const order: string[] = []
    const instance = await formApp([], order)
    const token = issuer.sign()
    const answers = []
    for (const [method, url] of [
      ['POST', '/mixed'],
      ['PUT', '/write'],
      ['PATCH', '/write'],
      ['DELETE', '/write'],
    ] as const) {
      answers.push(await instance.inject(formRequest(method, url, token)))
    }
    const allowed = await instance.inject({
      ...formRequest('PUT', '/write', token),
      payload: 'recipient=ada',
    })
    const publicRoute = await instance.inject({
      method: 'POST',
      url: '/public-form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `access_token=${token}`,
    })
    await instance.close()

    for (const answer of answers) {
      expect(answer.statusCode).toBe(400)
      expect(answer.json()).toMatchObject({ error: 'invalid_request' })
      expect(answer.body).not.toContain(token)
    }
    // The route's own preValidation hook ran once: for the request the check let through.
    expect(order).toEqual(['route hook'])
    expect(allowed.statusCode).toBe(200)
    expect(publicRoute.statusCode).toBe(200)
  })
})
