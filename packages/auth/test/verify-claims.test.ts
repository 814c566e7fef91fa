import { describe, expect, it } from 'vitest'
import { generateRsaKey } from './helpers/jwks-server.js'
import { AUDIENCE, expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

const key = generateRsaKey('key-1')
const h = harnessPerTest(key)

const seconds = () => Math.floor(Date.now() / 1000)

describe('a valid token', () => {
  it('yields its header, frozen claims and a scope set', async () => {
    const verifier = h.verifier()
    const token = h.sign(key, { jti: 'token-1' })
    const result = await verifier.verify(token)

    expect(result.header).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'at+jwt' })
    expect(result.claims).toMatchObject({
      iss: h.server.issuer,
      aud: AUDIENCE,
      sub: 'gift-deliveries@clients',
      gty: 'client-credentials',
      jti: 'token-1',
    })
    expect(Object.isFrozen(result.claims)).toBe(true)
    expect(result.scopes).toBeInstanceOf(Set)
    expect([...result.scopes]).toEqual(['geocode:location', 'deliveries:read'])
    expect(result.clientId).toBe('gift-deliveries')
    expect(result.organization).toBeUndefined()
    expect(h.server.hits).toBe(1)
  })

  const scopeCases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a space-delimited scope claim', { scope: 'a:read  b:write a:read' }, ['a:read', 'b:write']],
    // Only `scope` grants: `scp` and `permissions` are other vendors' claims (see profile-claims.ts).
    ['an scp array (none: only scope counts)', { scope: undefined, scp: ['a:read'] }, []],
    ['a permissions array (none)', { scope: undefined, permissions: ['a:read'] }, []],
    ['no scope claim', { scope: undefined }, []],
  ]
  for (const [name, claims, expected] of scopeCases) {
    it(`reads scopes from ${name}`, async () => {
      const result = await h.verifier().verify(h.sign(key, claims))
      expect(result.scopes).toEqual(new Set(expected))
    })
  }

  const clientCases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['azp', { azp: 'from-azp', client_id: 'from-client-id' }, 'from-azp'],
    ['client_id (RFC 9068)', { azp: undefined, client_id: 'from-client-id' }, 'from-client-id'],
    ['sub ending in @clients', { azp: undefined, sub: 'from-sub@clients' }, 'from-sub'],
    ['nothing when sub is a user', { azp: undefined, sub: 'auth0|123' }, undefined],
  ]
  for (const [name, claims, expected] of clientCases) {
    it(`takes clientId from ${name}`, async () => {
      const result = await h.verifier().verify(h.sign(key, claims))
      expect(result.clientId).toBe(expected)
    })
  }

  const organizationCases: Array<[string, Record<string, unknown>, unknown]> = [
    ['org_id and org_name', { org_id: 'org_1', org_name: 'acme' }, { id: 'org_1', name: 'acme' }],
    ['org_id alone', { org_id: 'org_1' }, { id: 'org_1', name: undefined }],
    ['org_name alone (no organization)', { org_name: 'acme' }, undefined],
  ]
  for (const [name, claims, expected] of organizationCases) {
    it(`reads the organization from ${name}`, async () => {
      const result = await h.verifier().verify(h.sign(key, claims))
      expect(result.organization).toEqual(expected)
    })
  }

  it('accepts one of several configured audiences', async () => {
    const verifier = h.verifier({ audience: ['urn:other', AUDIENCE] })
    const result = await verifier.verify(h.sign(key))
    expect(result.claims.aud).toBe(AUDIENCE)
  })

  it('accepts an aud array that contains our audience', async () => {
    const result = await h.verifier().verify(h.sign(key, { aud: ['urn:other', AUDIENCE] }))
    expect(result.claims.aud).toEqual(['urn:other', AUDIENCE])
  })
})

describe('time claims', () => {
  const accepted: Array<[string, () => Record<string, unknown>]> = [
    ['expired 2 s ago, within the default 5 s tolerance', () => ({ exp: seconds() - 2 })],
    ['valid from 2 s ahead, within the default 5 s tolerance', () => ({ nbf: seconds() + 2 })],
    ['valid from now', () => ({ nbf: seconds() })],
  ]
  for (const [name, claims] of accepted) {
    it(`accepts a token ${name}`, async () => {
      const result = await h.verifier().verify(h.sign(key, claims()))
      expect(result.clientId).toBe('gift-deliveries')
    })
  }

  const refused: Array<[string, () => Record<string, unknown>, number | undefined, string]> = [
    ['expired a minute ago', () => ({ exp: seconds() - 60 }), undefined, 'AUTH_ERR_TOKEN_EXPIRED'],
    [
      'expired 6 s ago (tolerance 5 s)',
      () => ({ exp: seconds() - 6 }),
      5,
      'AUTH_ERR_TOKEN_EXPIRED',
    ],
    [
      'expired 2 s ago with no tolerance',
      () => ({ exp: seconds() - 2 }),
      0,
      'AUTH_ERR_TOKEN_EXPIRED',
    ],
    [
      'not valid for a minute (nbf)',
      () => ({ nbf: seconds() + 60 }),
      undefined,
      'AUTH_ERR_TOKEN_INACTIVE',
    ],
    [
      'not valid for 2 s with no tolerance',
      () => ({ nbf: seconds() + 2 }),
      0,
      'AUTH_ERR_TOKEN_INACTIVE',
    ],
    [
      'with exp a string',
      () => ({ exp: String(seconds() + 60) }),
      undefined,
      'AUTH_ERR_TOKEN_CLAIM',
    ],
  ]
  for (const [name, claims, clockTolerance, code] of refused) {
    it(`refuses a token ${name} with ${code}`, async () => {
      const verifier = h.verifier(clockTolerance === undefined ? {} : { clockTolerance })
      await expectAuthError(verifier.verify(h.sign(key, claims())), code, 401)
    })
  }

  it('accepts within a larger clockTolerance, given in seconds', async () => {
    const verifier = h.verifier({ clockTolerance: 120 })
    const result = await verifier.verify(h.sign(key, { exp: seconds() - 60 }))
    expect(result.claims.sub).toBe('gift-deliveries@clients')
  })
})

describe('issuer and audience', () => {
  it('refuses a token from another issuer', async () => {
    const token = h.sign(key, { iss: 'https://evil.example.com/' })
    await expectAuthError(h.verifier().verify(token), 'AUTH_ERR_TOKEN_CLAIM', 401, /iss/)
  })

  // Issue 16: an issuer configured with or without its trailing slash accepts both spellings
  // of it (configurations often drop Auth0's slash), and nothing else.
  it('accepts the issuer with or without its trailing slash, as configured either way', async () => {
    const bare = h.server.issuer.replace(/\/$/, '')
    for (const configured of [h.server.issuer, bare]) {
      const verifier = h.verifier({ issuer: configured })
      for (const iss of [h.server.issuer, bare]) {
        const result = await verifier.verify(h.sign(key, { iss, jti: `${configured}|${iss}` }))
        expect(result.claims.iss).toBe(iss)
      }
    }
  })

  it('still compares the issuer exactly: another path, a doubled slash or another case are refused', async () => {
    const bare = h.server.issuer.replace(/\/$/, '')
    const verifier = h.verifier({ issuer: bare })
    for (const iss of [`${bare}//`, `${bare}/other/`, `${bare}x`, bare.toUpperCase()]) {
      await expectAuthError(
        verifier.verify(h.sign(key, { iss })),
        'AUTH_ERR_TOKEN_CLAIM',
        401,
        /iss/,
      )
    }
  })

  const refusedAud: Array<[string, unknown]> = [
    ['another audience', 'urn:other'],
    ['an array without ours', ['urn:other', 'urn:third']],
    ['an empty array', []],
    ['a prefix of ours', AUDIENCE.slice(0, -1)],
  ]
  for (const [name, aud] of refusedAud) {
    it(`refuses aud ${name}`, async () => {
      await expectAuthError(
        h.verifier().verify(h.sign(key, { aud })),
        'AUTH_ERR_TOKEN_CLAIM',
        401,
        /aud/,
      )
    })
  }
})

describe('required claims', () => {
  // fast-jwt checks iss and aud only when present and never requires exp.
  for (const claim of ['iss', 'aud', 'exp']) {
    it(`refuses a token without ${claim}`, async () => {
      await expectAuthError(
        h.verifier().verify(h.sign(key, { [claim]: undefined })),
        'AUTH_ERR_TOKEN_CLAIM',
        401,
        new RegExp(`${claim} claim is required`),
      )
    })
  }

  it('refuses a token without a claim listed in requiredClaims', async () => {
    const verifier = h.verifier({ requiredClaims: ['jti'] })
    await expectAuthError(verifier.verify(h.sign(key)), 'AUTH_ERR_TOKEN_CLAIM', 401, /jti/)
    const result = await verifier.verify(h.sign(key, { jti: 'abc' }))
    expect(result.claims.jti).toBe('abc')
  })

  it('refuses iss of the wrong type', async () => {
    await expectAuthError(
      h.verifier().verify(h.sign(key, { iss: 42 })),
      'AUTH_ERR_TOKEN_CLAIM',
      401,
    )
  })
})
