import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type AttackTenant, startTenant, startWorldMappers } from './helpers/attack-stack.js'
import {
  type Answer,
  expectInvalidRequest,
  expectInvalidToken,
  expectNoCredentials,
  malformedRequest,
  malformedToken,
} from './helpers/expect-refusal.js'
import { segment } from './helpers/jwt-forge.js'

// How the token travels: the Authorization header only, one token, well formed.
// Every refusal is checked to the byte, and the route handler must never run.

const GEOCODE = '/api/location/geocode?address=Paris'

let tenant: AttackTenant
let api: Awaited<ReturnType<typeof startWorldMappers>>
let valid: string
let handlerCallsBefore: number

beforeAll(async () => {
  tenant = await startTenant()
  api = await startWorldMappers(tenant.issuer)
  valid = await tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')
}, 60_000)

afterAll(async () => {
  await api?.close()
  await tenant?.close()
})

beforeEach(() => {
  handlerCallsBefore = api.handlerCalls()
})

function expectHandlerNotRun() {
  expect(api.handlerCalls()).toBe(handlerCallsBefore)
}

function expectOk(answer: Answer) {
  expect(answer.statusCode).toBe(200)
  expect(answer.body).toMatchObject({ query: 'Paris', countryCode: 'FR' })
  expect(api.handlerCalls()).toBeGreaterThan(handlerCallsBefore)
}

describe('credentials in the Authorization header', () => {
  it('answers a bare Bearer challenge to a request without Authorization header', async () => {
    expectNoCredentials(await api.call(GEOCODE))
    expectHandlerNotRun()
  })

  it('refuses an empty Bearer credential as invalid_request', async () => {
    expectInvalidRequest(
      await api.call(GEOCODE, { authorization: 'Bearer ' }),
      malformedRequest('the Bearer token is empty'),
    )
    expectHandlerNotRun()
  })

  it('treats another scheme (Basic) as no bearer credentials', async () => {
    expectNoCredentials(await api.call(GEOCODE, { authorization: `Basic ${btoa('a:b')}` }))
    expectHandlerNotRun()
  })

  it('treats a valid token under another scheme name (Token) as no bearer credentials', async () => {
    expectNoCredentials(await api.call(GEOCODE, { authorization: `Token ${valid}` }))
    expectHandlerNotRun()
  })

  it('accepts the scheme name in lower case (RFC 6750 / RFC 9110: case-insensitive)', async () => {
    expectOk(await api.call(GEOCODE, { authorization: `bearer ${valid}` }))
  })

  it('accepts the scheme name in upper case', async () => {
    expectOk(await api.call(GEOCODE, { authorization: `BEARER ${valid}` }))
  })

  it('refuses two tokens in one Authorization header', async () => {
    expectInvalidRequest(
      await api.call(GEOCODE, { authorization: `Bearer ${valid} ${valid}` }),
      malformedRequest('the Authorization header carries more than one token'),
    )
    expectHandlerNotRun()
  })

  it('refuses two Authorization headers, even when the first is valid (Node keeps only the first)', async () => {
    expectInvalidRequest(
      await api.call(GEOCODE, ['authorization', `Bearer ${valid}`, 'authorization', 'Bearer x']),
      malformedRequest('more than one Authorization header was sent'),
    )
    expectHandlerNotRun()
  })

  it('refuses two identical Authorization headers', async () => {
    expectInvalidRequest(
      await api.call(GEOCODE, [
        'authorization',
        `Bearer ${valid}`,
        'Authorization',
        `Bearer ${valid}`,
      ]),
      malformedRequest('more than one Authorization header was sent'),
    )
    expectHandlerNotRun()
  })
})

describe('tokens anywhere but the header', () => {
  it('refuses a token in the query string (RFC 6750 §2.3 is not offered)', async () => {
    expectInvalidRequest(
      await api.call(`${GEOCODE}&access_token=${valid}`),
      malformedRequest(
        'access tokens in the query string are not accepted; send an Authorization: Bearer header',
      ),
    )
    expectHandlerNotRun()
  })

  it('refuses a token in the query string even with a valid header', async () => {
    expectInvalidRequest(
      await api.call(`${GEOCODE}&access_token=${valid}`, { authorization: `Bearer ${valid}` }),
      malformedRequest(
        'access tokens in the query string are not accepted; send an Authorization: Bearer header',
      ),
    )
    expectHandlerNotRun()
  })

  it('refuses an empty access_token query parameter beside a valid header', async () => {
    expectInvalidRequest(
      await api.call(`${GEOCODE}&access_token=`, { authorization: `Bearer ${valid}` }),
      malformedRequest(
        'access tokens in the query string are not accepted; send an Authorization: Bearer header',
      ),
    )
    expectHandlerNotRun()
  })
})

describe('tokens that are not compact JWS', () => {
  const malformed: Array<[string, () => string, 'request' | 'token', string]> = [
    ['a non-JWT string', () => 'not-a-jwt', 'token', 'the token is not a compact JWS'],
    [
      'a two-part token',
      () => valid.split('.').slice(0, 2).join('.'),
      'token',
      'the token is not a compact JWS',
    ],
    [
      'a four-part token',
      () => `${valid}.${valid.split('.')[2]}`,
      'token',
      'the token is not a compact JWS',
    ],
    [
      'a header part that is not base64url (+ and /)',
      () => `${valid.replace(/^[^.]{4}/, 'ey+/')}`,
      'token',
      'the token is not a compact JWS',
    ],
    [
      'a header part that decodes to no JSON',
      () => `bm90IGpzb24.${valid.split('.').slice(1).join('.')}`,
      'token',
      'the token header is not JSON',
    ],
    [
      'a payload part that is not base64url',
      () => valid.replace(/\.[^.]{4}/, '.ey+/'),
      'token',
      'the token is not a compact JWS',
    ],
    [
      'a payload part that decodes to no JSON',
      () => {
        const [header, , signature] = valid.split('.')
        return `${header}.bm90IGpzb24.${signature}`
      },
      'token',
      'The token payload is not a valid base64url serialized JSON.',
    ],
    [
      'a signature part that is not base64url',
      () => `${valid.slice(0, -4)}+/+/`,
      'token',
      'the token is not a compact JWS',
    ],
    ['padding (=) inside the token', () => `${valid}==`, 'token', 'the token is not a compact JWS'],
    [
      'a header that is a JSON array',
      () => `${segment(['RS256'])}.${valid.split('.').slice(1).join('.')}`,
      'token',
      'the token header is not a JSON object',
    ],
    [
      'characters outside the b64token syntax',
      () => `${valid}!`,
      'request',
      'the Bearer token has characters outside the RFC 6750 b64token syntax',
    ],
  ]
  for (const [name, token, kind, description] of malformed) {
    it(`refuses ${name}`, async () => {
      const answer = await api.call(GEOCODE, { authorization: `Bearer ${token()}` })
      if (kind === 'request') expectInvalidRequest(answer, malformedRequest(description))
      else expectInvalidToken(answer, malformedToken(description))
      expectHandlerNotRun()
    })
  }
})

describe('oversized tokens', () => {
  it('refuses a 9 KB token before any key lookup or JWKS fetch', async () => {
    const jwksBefore = tenant.jwksHits()
    const header = segment({ alg: 'RS256', kid: 'k'.repeat(9000) })
    expectInvalidToken(
      await api.call(GEOCODE, { authorization: `Bearer ${header}.e30.sig` }),
      malformedToken('the token is longer than 8192 characters'),
    )
    expectHandlerNotRun()
    expect(tenant.jwksHits()).toBe(jwksBefore)
  })

  it('answers 431 to a 100 KB token (Node refuses the header block) with no JWKS fetch', async () => {
    const jwksBefore = tenant.jwksHits()
    const header = segment({ alg: 'RS256', kid: 'k'.repeat(100 * 1024) })
    const answer = await api.call(GEOCODE, { authorization: `Bearer ${header}.e30.sig` })
    expect(answer).toEqual({
      statusCode: 431,
      wwwAuthenticate: undefined,
      body: {
        statusCode: 431,
        error: 'Request Header Fields Too Large',
        message: 'Exceeded maximum allowed HTTP header size',
      },
    })
    expectHandlerNotRun()
    expect(tenant.jwksHits()).toBe(jwksBefore)
  })
})
