import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createVerifier, type JwtVerifier, type VerifierOptions } from '../src/verify/index.js'
import { type JwksServer, startJwksServer } from './helpers/jwks-server.js'
import { AUDIENCE, expectAuthError } from './helpers/verify-harness.js'

const issuer = 'https://tenant.example.com/'
const verifiers: JwtVerifier[] = []

afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((verifier) => verifier.close()))
})

function create(overrides: Partial<VerifierOptions> = {}): JwtVerifier {
  const verifier = createVerifier({ issuer, audience: AUDIENCE, ...overrides })
  verifiers.push(verifier)
  return verifier
}

describe('options', () => {
  const invalid: Array<[string, Partial<VerifierOptions>, RegExp]> = [
    ['a missing issuer', { issuer: undefined }, /issuer must be a URL/],
    ['an issuer that is not a URL', { issuer: 'tenant.example.com' }, /issuer must be a URL/],
    ['an empty audience', { audience: '' }, /audience must be a non-empty/],
    ['an empty audience list', { audience: [] }, /audience must be a non-empty/],
    ['an audience list with an empty entry', { audience: [AUDIENCE, ''] }, /audience/],
    ['a missing audience', { audience: undefined }, /audience/],
    ['an empty algorithm list', { algorithms: [] }, /algorithms must be a non-empty list/],
    ['algorithms as a string', { algorithms: 'RS256' as never }, /algorithms/],
    ['HS256 without a secret', { algorithms: ['HS256'] }, /HS256 needs the API's signing secret/],
    [
      'a secret shorter than 16 characters',
      { secret: 'fifteen chars!!' },
      /secret must be a string of at least 16/,
    ],
    [
      'a secret with RS256',
      { secret: 'sixteen characters', algorithms: ['RS256'] },
      /with secret, only HS256 verifies \(not RS256\)/,
    ],
    ['HS512 next to RS256', { algorithms: ['RS256', 'HS512'] }, /HS512 is refused/],
    ['hs256 in lower case', { algorithms: ['hs256'] }, /hs256 is refused/],
    ['none', { algorithms: ['none'] }, /none is refused/],
    ['NONE', { algorithms: ['NONE'] }, /NONE is refused/],
    ['an unknown algorithm', { algorithms: ['RS1024'] }, /unknown algorithm RS1024/],
    ['rs256 in lower case', { algorithms: ['rs256'] }, /unknown algorithm rs256/],
    ['a jwksUri that is not a URL', { jwksUri: 'jwks.json' }, /jwksUri must be an http\(s\) URL/],
    [
      'an ftp: jwksUri',
      { jwksUri: 'ftp://tenant.example.com/jwks.json' },
      /jwksUri must be an http/,
    ],
    [
      'an issuer that gives no http(s) jwksUri',
      { issuer: 'urn:tenant' },
      /jwksUri must be an http/,
    ],
    ['a negative clockTolerance', { clockTolerance: -1 }, /clockTolerance must be/],
    ['a clockTolerance that is not a number', { clockTolerance: '5' as never }, /clockTolerance/],
    ['an infinite jwksCooldownMs', { jwksCooldownMs: Number.POSITIVE_INFINITY }, /jwksCooldownMs/],
    ['a NaN jwksErrorCooldownMs', { jwksErrorCooldownMs: Number.NaN }, /jwksErrorCooldownMs/],
    ['a negative jwksMaxAgeMs', { jwksMaxAgeMs: -1 }, /jwksMaxAgeMs/],
    ['a zero timeoutMs', { timeoutMs: 0 }, /timeoutMs must be a positive number/],
    ['a negative cacheMax', { cacheMax: -1 }, /cacheMax/],
    ['a fractional cacheMax', { cacheMax: 1.5 }, /cacheMax must be a non-negative integer/],
    ['a zero maxTokenLength', { maxTokenLength: 0 }, /maxTokenLength must be a positive number/],
  ]
  for (const [name, overrides, message] of invalid) {
    it(`refuses ${name} with AUTH_ERR_INVALID_OPTION`, async () => {
      await expectAuthError(() => create(overrides), 'AUTH_ERR_INVALID_OPTION', 500, message)
    })
  }

  it('refuses options that are not an object', async () => {
    await expectAuthError(
      () => createVerifier(undefined as never),
      'AUTH_ERR_INVALID_OPTION',
      500,
      /options must be an object/,
    )
  })

  const valid: Array<[string, Partial<VerifierOptions>]> = [
    ['the defaults', {}],
    ['several asymmetric algorithms', { algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] }],
    ['an audience list', { audience: ['urn:a', 'urn:b'] }],
    ['zero tolerance, cooldowns and cache', { clockTolerance: 0, jwksCooldownMs: 0, cacheMax: 0 }],
    [
      'an issuer that is not http(s) with an https jwksUri',
      { issuer: 'urn:tenant', jwksUri: `${issuer}jwks` },
    ],
  ]
  for (const [name, overrides] of valid) {
    it(`accepts ${name}`, () => {
      const verifier = create(overrides)
      expect(verifier.keys.kids()).toEqual([])
    })
  }
})

describe('jwksUri', () => {
  let server: JwksServer

  beforeEach(async () => {
    server = await startJwksServer()
  })

  afterEach(async () => {
    await server.close()
  })

  const issuers: Array<[string, (issuer: string) => string]> = [
    ['with', (issuer) => issuer],
    ['without', (issuer) => issuer.replace(/\/$/, '')],
  ]
  for (const [name, issuerOf] of issuers) {
    it(`defaults to <issuer>/.well-known/jwks.json for an issuer ${name} a trailing slash`, async () => {
      const verifier = create({ issuer: issuerOf(server.issuer) })
      await verifier.keys.refresh()
      expect(server.hits).toBe(1)
    })
  }

  it('uses the configured jwksUri rather than the issuer', async () => {
    const verifier = create({ issuer, jwksUri: server.jwksUri })
    await verifier.keys.refresh()
    expect(server.hits).toBe(1)
  })
})
