import { describe, expect, it } from 'vitest'
import type { JwtVerifier } from '../src/verify/index.js'
import { generateRsaKey } from './helpers/jwks-server.js'
import { expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

const keyA = generateRsaKey('key-a')
const keyB = generateRsaKey('key-b')
const h = harnessPerTest(keyA)

/** `token` with its payload's scope changed to `admin`, its signature kept: the same cache key. */
function withAdminScope(token: string, claims: object): string {
  const [header, , signature] = token.split('.')
  const payload = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url')
  return `${header}.${payload}.${signature}`
}

describe('verifyCached', () => {
  it('answers undefined for a token never verified, without fetching the JWKS', () => {
    const verifier = h.verifier()
    expect(verifier.verifyCached(h.sign(keyA))).toBeUndefined()
    expect(h.server.hits).toBe(0)
  })

  it('answers, synchronously, the very result verify() gave', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const verified = await verifier.verify(token)
    const cached = verifier.verifyCached(token)
    expect(cached).not.toBeInstanceOf(Promise)
    expect(cached).toBe(verified)
  })

  it('answers undefined, never throws, for what is not a string', async () => {
    const verifier = h.verifier()
    for (const value of [undefined, null, 42, {}, ['a.b.c']]) {
      expect(verifier.verifyCached(value as never)).toBeUndefined()
    }
  })

  it('answers undefined for a refused token (refusals are not cached)', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA, { aud: 'urn:someone-else' })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_CLAIM', 401)
    expect(verifier.verifyCached(token)).toBeUndefined()
  })

  it('answers undefined with cacheMax 0', async () => {
    const verifier = h.verifier({ cacheMax: 0 })
    const token = h.sign(keyA)
    await verifier.verify(token)
    expect(verifier.verifyCached(token)).toBeUndefined()
  })

  // The same for the whole-header lookup: both read one entry.
  for (const [name, lookup] of [
    ['verifyCached', (verifier: JwtVerifier, token: string) => verifier.verifyCached(token)],
    [
      'verifyCachedAuthorization',
      (verifier: JwtVerifier, token: string) =>
        verifier.verifyCachedAuthorization(`Bearer ${token}`),
    ],
  ] as const) {
    it(`${name} stops at exp plus the clock tolerance on the now clock, and drops the entry`, async () => {
      const verifier = h.verifier({ clockTolerance: 5 })
      const exp = Math.floor(Date.now() / 1000) + 600
      const token = h.sign(keyA, { exp })
      const verified = await verifier.verify(token)
      h.clock.now = exp * 1000 + 5000
      expect(lookup(verifier, token)).toBe(verified)
      h.clock.now = exp * 1000 + 5001
      expect(lookup(verifier, token)).toBeUndefined()
      // Dropped, not only skipped: going back in time does not bring it back.
      h.clock.now = exp * 1000
      expect(lookup(verifier, token)).toBeUndefined()
      expect(verifier.verifyCached(token)).toBeUndefined()
    })
  }

  it('stops once the kid left the JWKS, as verify() does', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    await verifier.verify(token)
    h.server.setKeys(keyB)
    await verifier.keys.refresh()
    expect(verifier.verifyCached(token)).toBeUndefined()
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
  })

  it('stops once the kid is republished with other key material', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    await verifier.verify(token)
    h.server.setKeys({ ...keyB.jwk, kid: 'key-a' })
    await verifier.keys.refresh()
    expect(verifier.verifyCached(token)).toBeUndefined()
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  it('starts the background JWKS re-read after jwksMaxAgeMs, as a cache hit of verify() does', async () => {
    const verifier = h.verifier({ jwksMaxAgeMs: 60_000 })
    const token = h.sign(keyA)
    const verified = await verifier.verify(token)
    expect(h.server.hits).toBe(1)
    h.advance(60_001)
    expect(verifier.verifyCached(token)).toBe(verified)
    await expect.poll(() => h.server.hits).toBe(2)
  })

  it('answers undefined for a token that only shares the tail of a held one', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA, { scope: 'geocode:location' })
    const verified = await verifier.verify(token)
    const forged = withAdminScope(token, verified.claims)
    expect(verifier.verifyCached(forged)).toBeUndefined()
    await expectAuthError(verifier.verify(forged), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
    // The forgery neither replaced nor evicted the held token.
    expect(verifier.verifyCached(token)).toBe(verified)
  })
})

describe('verifyCachedAuthorization', () => {
  it('answers for `Bearer <token>` exactly, the result verify() gave', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const verified = await verifier.verify(token)
    expect(verifier.verifyCachedAuthorization(`Bearer ${token}`)).toBe(verified)
  })

  it('answers undefined for any other spelling, the token alone, or what is not a string', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    await verifier.verify(token)
    for (const value of [
      token,
      `bearer ${token}`,
      `Bearer  ${token}`,
      ` Bearer ${token}`,
      `Bearer ${token} `,
      `DPoP ${token}`,
      undefined,
      42,
    ]) {
      expect(verifier.verifyCachedAuthorization(value as never)).toBeUndefined()
    }
  })

  it('answers undefined for a header whose token only shares the tail of a held one', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA, { scope: 'geocode:location' })
    const verified = await verifier.verify(token)
    const forged = withAdminScope(token, verified.claims)
    expect(verifier.verifyCachedAuthorization(`Bearer ${forged}`)).toBeUndefined()
    expect(verifier.verifyCachedAuthorization(`Bearer ${token}`)).toBe(verified)
  })

  it('stops once the kid left the JWKS, as verifyCached does', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const verified = await verifier.verify(token)
    expect(verifier.verifyCachedAuthorization(`Bearer ${token}`)).toBe(verified)
    h.server.setKeys(keyB)
    await verifier.keys.refresh()
    expect(verifier.verifyCachedAuthorization(`Bearer ${token}`)).toBeUndefined()
  })
})
