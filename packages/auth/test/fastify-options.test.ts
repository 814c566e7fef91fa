import Fastify from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../src/errors.js'
import m2mAuth, { type M2mAuthOptions } from '../src/fastify/index.js'
import type { TokenVerifier } from '../src/verify/types.js'
import { createTestIssuer, type TestIssuer } from './helpers/fake-verifier.js'

let issuer: TestIssuer
let verifier: TokenVerifier

beforeAll(() => {
  issuer = createTestIssuer()
  verifier = issuer.verifier()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('plugin options are validated at registration', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['no verifier and no issuer', () => ({}), 'issuer is required when no verifier is given'],
    [
      'an issuer without audience',
      () => ({ issuer: 'https://auth.test.local/' }),
      'audience is required when no verifier is given',
    ],
    [
      'a verifier without verify()',
      () => ({ verifier: { close: async () => {} } }),
      'verifier must be a TokenVerifier, with a verify(token) method',
    ],
    [
      'a verifier and an issuer',
      () => ({ verifier, issuer: 'https://auth.test.local/', audience: 'x' }),
      'pass either verifier or issuer and audience, not both',
    ],
    [
      'a realm with a double quote',
      () => ({ verifier, realm: 'my "api"' }),
      'realm must be a non-empty string of printable ASCII without " or \\',
    ],
    [
      'an empty realm',
      () => ({ verifier, realm: '' }),
      'realm must be a non-empty string of printable ASCII without " or \\',
    ],
    [
      'an audience that cannot serve as realm',
      () => ({ issuer: 'https://auth.test.local/', audience: 'api\\1' }),
      'the audience cannot serve as realm (it has characters a quoted string cannot hold): set realm',
    ],
    [
      'retryAfterSeconds 0',
      () => ({ verifier, retryAfterSeconds: 0 }),
      'retryAfterSeconds must be a positive integer',
    ],
    [
      'a fractional retryAfterSeconds',
      () => ({ verifier, retryAfterSeconds: 1.5 }),
      'retryAfterSeconds must be a positive integer',
    ],
    [
      'retryAfterSeconds as a string',
      () => ({ verifier, retryAfterSeconds: '30' }),
      'retryAfterSeconds must be a positive integer',
    ],
    [
      'an empty securityScheme',
      () => ({ verifier, securityScheme: '' }),
      'securityScheme must be a name made of letters, digits, _ . or -',
    ],
    [
      'a securityScheme with a space',
      () => ({ verifier, securityScheme: 'o auth' }),
      'securityScheme must be a name made of letters, digits, _ . or -',
    ],
    [
      'defaultScopes as a string',
      () => ({ verifier, defaultScopes: 'api:read' }),
      'defaultScopes must be a list of scopes, { allOf: [...] } or { anyOf: [...] }',
    ],
    [
      'defaultScopes with an empty anyOf',
      () => ({ verifier, defaultScopes: { anyOf: [] } }),
      'defaultScopes.anyOf must name at least one scope',
    ],
    [
      'an invalid issuer, as createVerifier checks it',
      () => ({ issuer: 'not a url', audience: 'https://api.test.local' }),
      'issuer must be a URL such as https://tenant.auth0.com/',
    ],
  ]
  for (const [name, options, message] of cases) {
    it(`refuses ${name}`, async () => {
      const app = Fastify()
      app.register(m2mAuth, options() as M2mAuthOptions)
      const error = await app.ready().then(
        () => undefined,
        (caught: unknown) => caught,
      )
      await app.close()
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect(error).toMatchObject({
        code: 'AUTH_ERR_INVALID_OPTION',
        message: `Invalid option: ${message}`,
      })
    })
  }
})

describe('route config is validated when the route is added', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'scopes as a string',
      { scopes: 'geocode:location' },
      'route GET /r: config.scopes must be a list of scopes, { allOf: [...] } or { anyOf: [...] }',
    ],
    [
      'a scope with a space',
      { scopes: ['a b'] },
      'route GET /r: config.scopes holds an invalid scope: "a b"',
    ],
    ['an empty scope', { scopes: [''] }, 'route GET /r: config.scopes holds an invalid scope: ""'],
    [
      'a scope with a double quote',
      { scopes: ['a"b'] },
      'route GET /r: config.scopes holds an invalid scope: "a\\"b"',
    ],
    [
      'a scope that is not a string',
      { scopes: [42] },
      'route GET /r: config.scopes holds an invalid scope: 42',
    ],
    [
      'an empty anyOf',
      { scopes: { anyOf: [] } },
      'route GET /r: config.scopes.anyOf must name at least one scope',
    ],
    [
      'allOf that is not a list',
      { scopes: { allOf: 'a' } },
      'route GET /r: config.scopes must be a list of scopes, { allOf: [...] } or { anyOf: [...] }',
    ],
    [
      'an unknown combinator',
      { scopes: { oneOf: ['a'] } },
      'route GET /r: config.scopes must be a list of scopes, { allOf: [...] } or { anyOf: [...] }',
    ],
    [
      'both allOf and anyOf',
      { scopes: { allOf: ['a'], anyOf: ['b'] } },
      'route GET /r: config.scopes must be a list of scopes, { allOf: [...] } or { anyOf: [...] }',
    ],
    ['auth that is not a boolean', { auth: 'no' }, 'route GET /r: config.auth must be a boolean'],
    [
      'a public route with scopes',
      { auth: false, scopes: ['a'] },
      'route GET /r: a route with config.auth false cannot declare scopes',
    ],
  ]
  for (const [name, config, message] of cases) {
    it(`refuses ${name}`, async () => {
      const app = Fastify()
      await app.register(m2mAuth, { verifier })
      expect(() => app.get('/r', { config: config as never }, async () => ({}))).toThrow(
        expect.objectContaining({
          code: 'AUTH_ERR_INVALID_OPTION',
          message: `Invalid option: ${message}`,
        }),
      )
      await app.close()
    })
  }

  it('accepts a config object shared by several routes, and leaves it unchanged', async () => {
    const shared = Object.freeze({ scopes: Object.freeze(['a:read']) })
    const app = Fastify()
    await app.register(m2mAuth, { verifier })
    app.get('/one', { config: shared }, async () => ({}))
    app.get('/two', { config: shared }, async () => ({}))
    await app.ready()
    const one = await app.inject({ url: '/one', headers: bearer(issuer.sign({ scope: 'a:read' })) })
    const two = await app.inject({ url: '/two', headers: bearer(issuer.sign({ scope: 'x' })) })
    await app.close()
    expect([one.statusCode, two.statusCode]).toEqual([200, 403])
    expect(Object.getOwnPropertySymbols(shared)).toEqual([])
  })
})

describe('the verifier', () => {
  it('is built with createVerifier from issuer and audience, and the realm is the audience', async () => {
    let jwksReads = 0
    const app = Fastify()
    await app.register(m2mAuth, {
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: () => {
        jwksReads++
        return { keys: [issuer.publicJwk] }
      },
    })
    app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async (request) => ({
      clientId: request.auth?.clientId,
    }))
    await app.ready()

    const accepted = await app.inject({
      url: '/geocode',
      headers: bearer(issuer.sign({ scope: 'geocode:location' })),
    })
    const refused = await app.inject({ url: '/geocode' })
    const wrongAudience = await app.inject({
      url: '/geocode',
      headers: bearer(issuer.sign({ aud: 'https://other.test', scope: 'geocode:location' })),
    })
    await app.close()

    expect(accepted.statusCode).toBe(200)
    expect(accepted.json()).toEqual({ clientId: 'client-1' })
    expect(jwksReads).toBeGreaterThanOrEqual(1)
    expect(refused.headers['www-authenticate']).toBe(`Bearer realm="${issuer.audience}"`)
    expect(wrongAudience.statusCode).toBe(401)
    expect(wrongAudience.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('is not closed by the plugin when it was passed in', async () => {
    let closed = 0
    const injected: TokenVerifier = {
      verify: (token) => verifier.verify(token),
      close: async () => {
        closed++
      },
    }
    const app = Fastify()
    await app.register(m2mAuth, { verifier: injected })
    await app.ready()
    await app.close()
    expect(closed).toBe(0)
  })

  it('cannot be registered twice on one instance', async () => {
    const app = Fastify()
    app.register(m2mAuth, { verifier })
    app.register(m2mAuth, { verifier })
    await expect(app.ready()).rejects.toMatchObject({ code: 'FST_ERR_DEC_ALREADY_PRESENT' })
    await app.close()
  })
})
