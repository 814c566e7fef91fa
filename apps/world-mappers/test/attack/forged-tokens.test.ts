import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AttackTenant,
  startAttackerServer,
  startTenant,
  startWorldMappers,
} from './helpers/attack-stack.js'
import {
  type Answer,
  expectInsufficientScope,
  expectInvalidToken,
  malformedToken,
} from './helpers/expect-refusal.js'
import { attackerKey, forgeJwt, signJwt } from './helpers/jwt-forge.js'

// Tokens that are well formed but must not be accepted: forged, confused,
// tampered, for someone else, out of date. "Validly signed" cases are signed
// with the tenant's own current key, read from its key file.

const GEOCODE = '/api/location/geocode?address=Paris'
const ALL_SCOPES = 'geocode:location reverse-geocode:location directions'

let tenant: AttackTenant
let api: Awaited<ReturnType<typeof startWorldMappers>>
let real: { kid: string; privateKey: KeyObject }
let attacker: ReturnType<typeof attackerKey>
let handlerCallsBefore: number

beforeAll(async () => {
  tenant = await startTenant()
  api = await startWorldMappers(tenant.issuer)
  real = await tenant.currentKey()
  attacker = attackerKey()
  // Warm up: one honest token makes the verifier read the JWKS once.
  await api.call(GEOCODE, {
    authorization: `Bearer ${await tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')}`,
  })
}, 60_000)

afterAll(async () => {
  await api?.close()
  await tenant?.close()
})

beforeEach(() => {
  handlerCallsBefore = api.handlerCalls()
  frozenNow = Math.floor(Date.now() / 1000)
})

// Whole seconds, frozen per test: the expected messages quote the instants.
let frozenNow = 0
const now = () => frozenNow
const iso = (seconds: number) => new Date(seconds * 1000).toISOString()
const unknownKey = () =>
  `The token was signed by an unknown key: no key with this kid in ${tenant.issuer}.well-known/jwks.json`

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: tenant.issuer,
    sub: 'gift-deliveries-dev@clients',
    aud: 'urn:worldmappers',
    iat: now(),
    exp: now() + 3600,
    scope: ALL_SCOPES,
    gty: 'client-credentials',
    azp: 'gift-deliveries-dev',
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

/** Signed with the tenant's real current key and kid. */
function signedByTenant(payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return signJwt({ alg: 'RS256', kid: real.kid, typ: 'JWT', ...header }, payload, real.privateKey)
}

function geocode(token: string) {
  return api.call(GEOCODE, { authorization: `Bearer ${token}` })
}

function expectHandlerNotRun() {
  expect(api.handlerCalls()).toBe(handlerCallsBefore)
}

function expectAccepted(answer: Answer) {
  expect(answer.statusCode).toBe(200)
  expect(answer.body).toMatchObject({ query: 'Paris', countryCode: 'FR' })
  expect(api.handlerCalls()).toBeGreaterThan(handlerCallsBefore)
}

describe('the baseline', () => {
  it('accepts a token the test signs with the tenant key (so every refusal below is for its one flaw)', async () => {
    expectAccepted(await geocode(signedByTenant(claims())))
  })
})

describe('algorithm confusion', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`refuses alg "${alg}" with an empty signature`, async () => {
      expectInvalidToken(
        await geocode(signJwt({ alg, kid: real.kid }, claims())),
        `The token algorithm is not allowed: ${alg}`,
      )
      expectHandlerNotRun()
    })
  }

  it('refuses alg "none" carrying a genuine RS256 signature', async () => {
    const genuine = signedByTenant(claims())
    const [, payload, signature] = genuine.split('.')
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: real.kid })).toString('base64url')
    expectInvalidToken(
      await geocode(`${header}.${payload}.${signature}`),
      'The token algorithm is not allowed: none',
    )
    expectHandlerNotRun()
  })

  for (const alg of ['HS256', 'HS384', 'HS512']) {
    it(`refuses ${alg} signed with the tenant's RSA public key as PEM`, async () => {
      const jwks = (await (await fetch(`${tenant.issuer}.well-known/jwks.json`)).json()) as {
        keys: Array<{ kid: string }>
      }
      const { createPublicKey } = await import('node:crypto')
      const jwk = jwks.keys.find((k) => k.kid === real.kid)
      const pem = createPublicKey({ key: jwk as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString()
      expectInvalidToken(
        await geocode(signJwt({ alg, kid: real.kid }, claims(), pem)),
        `The token algorithm is not allowed: ${alg}`,
      )
      expectHandlerNotRun()
    })

    it(`refuses ${alg} signed with the tenant's RSA public key as JWK JSON`, async () => {
      const jwks = await (await fetch(`${tenant.issuer}.well-known/jwks.json`)).text()
      const jwk = JSON.stringify(
        (JSON.parse(jwks) as { keys: Array<{ kid: string }> }).keys.find((k) => k.kid === real.kid),
      )
      expectInvalidToken(
        await geocode(signJwt({ alg, kid: real.kid }, claims(), jwk)),
        `The token algorithm is not allowed: ${alg}`,
      )
      expectHandlerNotRun()
    })
  }

  it('refuses RS512 when only RS256 is allowed, even signed by the tenant key', async () => {
    expectInvalidToken(
      await geocode(signJwt({ alg: 'RS512', kid: real.kid }, claims(), real.privateKey)),
      'The token algorithm is not allowed: RS512',
    )
    expectHandlerNotRun()
  })
})

describe('keys', () => {
  it("refuses RS256 signed by another key under the tenant's real kid", async () => {
    expectInvalidToken(
      await geocode(signJwt({ alg: 'RS256', kid: real.kid }, claims(), attacker.privateKey)),
      'The token signature is invalid',
    )
    expectHandlerNotRun()
  })

  it('refuses a token whose payload was changed after signing (scope escalation)', async () => {
    const genuine = signedByTenant(claims({ scope: 'reverse-geocode:location' }))
    const [header, , signature] = genuine.split('.')
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url')
    expectInvalidToken(
      await geocode(`${header}.${payload}.${signature}`),
      'The token signature is invalid',
    )
    expectHandlerNotRun()
  })

  it('refuses a token without kid', async () => {
    expectInvalidToken(
      await geocode(signJwt({ alg: 'RS256' }, claims(), real.privateKey)),
      malformedToken('the token header has no kid'),
    )
    expectHandlerNotRun()
  })

  const hostileKids: Array<[string, string]> = [
    ['an unknown kid', randomBytes(16).toString('base64url')],
    ['a kid with path traversal', '../../../../etc/passwd'],
    ['a kid with URL path traversal', '..%2F..%2F.well-known%2Fjwks.json'],
    ['a kid with SQL-ish text', "' OR '1'='1' --"],
    ['a kid with a NUL byte', 'key\u0000'],
    ['a kid named like an Object.prototype member', '__proto__'],
    ['a kid named constructor', 'constructor'],
  ]
  for (const [name, kid] of hostileKids) {
    it(`refuses ${name} as an unknown key`, async () => {
      expectInvalidToken(await geocode(forgeJwt({ alg: 'RS256', kid }, claims())), unknownKey())
      expectHandlerNotRun()
    })
  }

  for (const member of ['jku', 'x5u', 'x5c', 'jwk'] as const) {
    it(`ignores a ${member} header pointing at an attacker key (no request to it)`, async () => {
      const server = await startAttackerServer({ keys: [{ ...attacker.jwk, kid: 'attacker' }] })
      try {
        const value =
          member === 'jwk'
            ? { ...attacker.jwk, kid: 'attacker' }
            : member === 'x5c'
              ? [attacker.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')]
              : `${server.url}/keys`
        for (const kid of ['attacker', real.kid]) {
          const token = signJwt(
            { alg: 'RS256', kid, [member]: value },
            claims(),
            attacker.privateKey,
          )
          const answer = await geocode(token)
          if (kid === real.kid) expectInvalidToken(answer, 'The token signature is invalid')
          else expectInvalidToken(answer, unknownKey())
        }
        expect(server.hits()).toBe(0)
        expectHandlerNotRun()
      } finally {
        await server.close()
      }
    })
  }

  it('refuses a validly signed token with a crit header naming an extension we do not know (RFC 7515 §4.1.11)', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims(), { crit: ['exp-ext'], 'exp-ext': true })),
      malformedToken("Critical extension 'exp-ext' is not supported."),
    )
    expectHandlerNotRun()
  })

  it('refuses a validly signed token with an empty crit list', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims(), { crit: [] })),
      malformedToken('The crit header must be a non-empty array.'),
    )
    expectHandlerNotRun()
  })
})

describe('time claims', () => {
  it('refuses an expired token', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ iat: now() - 7200, exp: now() - 3600 }))),
      // fast-jwt quotes the instant with the 5 s clock tolerance applied.
      `The token expired: The token has expired at ${iso(now() - 3600 + 5)}.`,
    )
    expectHandlerNotRun()
  })

  it('refuses a token whose nbf is in the future', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ nbf: now() + 600 }))),
      `The token is not valid yet: The token will be active at ${iso(now() + 600 - 5)}.`,
    )
    expectHandlerNotRun()
  })

  it('refuses a token issued in the future (iat beyond the clock tolerance)', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ iat: now() + 600, exp: now() + 4200 }))),
      `The token is not valid yet: The token was issued in the future, at ${iso(now() + 600)}.`,
    )
    expectHandlerNotRun()
  })

  it('accepts iat a second ahead (within the 5 s clock tolerance)', async () => {
    expectAccepted(await geocode(signedByTenant(claims({ iat: now() + 1 }))))
  })

  for (const claim of ['exp', 'iss', 'aud']) {
    it(`refuses a validly signed token without ${claim}`, async () => {
      expectInvalidToken(
        await geocode(signedByTenant(claims({ [claim]: undefined }))),
        `The token claims are invalid: The ${claim} claim is required.`,
      )
      expectHandlerNotRun()
    })
  }
})

describe('issuer and audience', () => {
  // The issuer without its trailing slash is the same issuer (issue 16: @m2m/auth/verify
  // accepts both spellings of the configured one); any other spelling is another issuer.
  it('accepts the issuer without its trailing slash', async () => {
    const answer = await geocode(signedByTenant(claims({ iss: tenant.issuer.replace(/\/$/, '') })))
    expect(answer.statusCode).toBe(200)
  })

  const wrongIssuers: Array<[string, () => string]> = [
    ['with a doubled trailing slash', () => `${tenant.issuer}/`],
    ['with https instead of http', () => tenant.issuer.replace('http:', 'https:')],
    ['on another host', () => 'http://evil.example/'],
    ['with a path appended', () => `${tenant.issuer}evil/`],
  ]
  for (const [name, issuer] of wrongIssuers) {
    it(`refuses the issuer ${name}`, async () => {
      expectInvalidToken(
        await geocode(signedByTenant(claims({ iss: issuer() }))),
        'The token claims are invalid: The iss claim value is not allowed.',
      )
      expectHandlerNotRun()
    })
  }

  it('refuses another audience', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ aud: 'urn:somewhere-else' }))),
      'The token claims are invalid: The aud claim value is not allowed.',
    )
    expectHandlerNotRun()
  })

  it('refuses an audience array that does not hold ours', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ aud: ['urn:a', 'urn:gift-deliveries'] }))),
      'The token claims are invalid: None of aud claim values are allowed.',
    )
    expectHandlerNotRun()
  })

  it('accepts an audience array that holds ours', async () => {
    expectAccepted(await geocode(signedByTenant(claims({ aud: ['urn:a', 'urn:worldmappers'] }))))
  })

  it('refuses a real urn:gift-deliveries token from the tenant at world-mappers', async () => {
    const token = await tenant.token('STOREFRONT', 'urn:gift-deliveries')
    expectInvalidToken(
      await geocode(token),
      'The token claims are invalid: The aud claim value is not allowed.',
    )
    expectHandlerNotRun()
  })
})

describe('scopes', () => {
  const insufficient: Array<[string, Record<string, unknown>]> = [
    ['geocode:location2 (a longer scope)', { scope: 'geocode:location2 directions' }],
    ['GEOCODE:LOCATION (scopes are case-sensitive)', { scope: 'GEOCODE:LOCATION' }],
    ['geocode:locatio (a prefix)', { scope: 'geocode:locatio' }],
    ['geocode:location padded with a tab', { scope: 'geocode:location\t' }],
    ['the scope in scp only', { scope: undefined, scp: ['geocode:location'] }],
    ['the scope in scp only, as a string', { scope: undefined, scp: 'geocode:location' }],
    ['the scope in permissions only', { scope: undefined, permissions: ['geocode:location'] }],
    ['no scope claim', { scope: undefined }],
    ['an empty scope', { scope: '' }],
  ]
  for (const [name, overrides] of insufficient) {
    it(`refuses ${name} with insufficient_scope`, async () => {
      expectInsufficientScope(await geocode(signedByTenant(claims(overrides))), 'geocode:location')
      expectHandlerNotRun()
    })
  }

  it('accepts geocode:location padded with spaces (spaces separate scope tokens)', async () => {
    expectAccepted(await geocode(signedByTenant(claims({ scope: '  geocode:location  ' }))))
  })

  it('refuses a scope claim that is an array (Auth0 and RFC 9068 send a string)', async () => {
    expectInvalidToken(
      await geocode(signedByTenant(claims({ scope: ['geocode:location'] }))),
      'The token claims are invalid: the scope claim must be a space-delimited string',
    )
    expectHandlerNotRun()
  })
})

describe('keys the tenant withdraws, and floods of unknown keys', () => {
  it('refuses a token whose signing key was revoked at the tenant, once the JWKS is re-read', async () => {
    const before = await tenant.currentKey()
    const token = await tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')
    expectAccepted(await geocode(token))

    expect((await tenant.management('POST', 'keys/signing/rotate')).statusCode).toBe(201)
    expect((await tenant.management('PUT', `keys/signing/${before.kid}/revoke`)).statusCode).toBe(
      200,
    )
    real = await tenant.currentKey()

    // The verifier re-reads known keys after jwksMaxAgeMs (10 min): let that time pass.
    api.advanceClock(11 * 60_000)
    await geocode(token)
    await vi.waitFor(() => expect(api.verifier.keys.kids()).not.toContain(before.kid))
    handlerCallsBefore = api.handlerCalls()
    expectInvalidToken(await geocode(token), unknownKey())
    expectHandlerNotRun()
    // Tokens from the new current key verify.
    expectAccepted(await geocode(await tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')))
  })

  it('fetches the JWKS at most once per cooldown under a flood of 1,000 random kids', async () => {
    api.advanceClock(31_000)
    const before = tenant.jwksHits()
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () =>
        geocode(forgeJwt({ alg: 'RS256', kid: randomBytes(12).toString('base64url') }, claims())),
      ),
    )
    expect(answers.every((a) => a.statusCode === 401)).toBe(true)
    expect(tenant.jwksHits() - before).toBeLessThanOrEqual(1)

    // Another flood within the same cooldown costs nothing; after it, at most one more.
    const second = await Promise.all(
      Array.from({ length: 200 }, () =>
        geocode(forgeJwt({ alg: 'RS256', kid: randomBytes(12).toString('base64url') }, claims())),
      ),
    )
    expect(second.every((a) => a.statusCode === 401)).toBe(true)
    expect(tenant.jwksHits() - before).toBeLessThanOrEqual(1)
    api.advanceClock(31_000)
    await geocode(forgeJwt({ alg: 'RS256', kid: 'one-more' }, claims()))
    expect(tenant.jwksHits() - before).toBeLessThanOrEqual(2)
    expectHandlerNotRun()
  })
})
