import { describe, expect, it } from 'vitest'
import { generateRsaKey } from './helpers/jwks-server.js'
import { signJwt } from './helpers/sign-jwt.js'
import { expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

/**
 * What an Auth0 API's settings change for its tokens. The signing algorithms it may be set to (Management API
 * SigningAlgorithmEnum: HS256, RS256, RS512, PS256). Auth0 publishes its keys
 * with `alg: RS256` and signs PS256 and RS512 tokens with them (reported in
 * web-token/jwt-framework#624), so those verify with `rsaKeysForAllRsaAlgorithms`;
 * HS256 tokens are signed with the API's signing secret and verify with `secret`.
 */

const key = generateRsaKey('key-1')
const h = harnessPerTest(key)
const SECRET = 'the API signing secret, 16+ chars'

describe('PS256 and RS512 APIs with keys published as RS256', () => {
  for (const alg of ['PS256', 'RS512']) {
    it(`verifies ${alg} when listed and rsaKeysForAllRsaAlgorithms is set`, async () => {
      const token = h.sign(key, {}, { alg })
      const verifier = h.verifier({ algorithms: ['RS256', alg], rsaKeysForAllRsaAlgorithms: true })
      expect((await verifier.verify(token)).header.alg).toBe(alg)
      // RS256 tokens still verify with the same key.
      expect((await verifier.verify(h.sign(key))).header.alg).toBe('RS256')
    })

    it(`refuses ${alg} without the option (RFC 7517 §4.4)`, async () => {
      const token = h.sign(key, {}, { alg })
      await expectAuthError(
        h.verifier({ algorithms: ['RS256', alg] }).verify(token),
        'AUTH_ERR_TOKEN_ALGORITHM',
        401,
      )
    })
  }

  it('still refuses an algorithm that is not listed, and a forged signature', async () => {
    const verifier = h.verifier({
      algorithms: ['RS256', 'PS256'],
      rsaKeysForAllRsaAlgorithms: true,
    })
    await expectAuthError(
      verifier.verify(h.sign(key, {}, { alg: 'RS512' })),
      'AUTH_ERR_TOKEN_ALGORITHM',
      401,
    )
    const attacker = generateRsaKey('key-1')
    await expectAuthError(
      verifier.verify(h.sign(attacker, {}, { alg: 'PS256' })),
      'AUTH_ERR_TOKEN_SIGNATURE',
      401,
    )
  })
})

describe('HS256 APIs, with the signing secret', () => {
  const hs256 = (secret: string, claims = {}) =>
    signJwt({ header: { alg: 'HS256', typ: 'JWT' }, payload: h.claims(claims), key: secret })

  it('verifies a token signed with the secret, without reading any JWKS', async () => {
    const verifier = h.verifier({ secret: SECRET })
    const result = await verifier.verify(hs256(SECRET))
    expect(result.header.alg).toBe('HS256')
    expect(verifier.verifyCached(hs256(SECRET))).toBeDefined()
    expect(h.server.hits).toBe(0)
  })

  it('refuses another secret, another audience, and RS256 tokens', async () => {
    const verifier = h.verifier({ secret: SECRET })
    await expectAuthError(
      verifier.verify(hs256('another secret of 16+ chars')),
      'AUTH_ERR_TOKEN_SIGNATURE',
      401,
    )
    await expectAuthError(
      verifier.verify(hs256(SECRET, { aud: 'urn:other' })),
      'AUTH_ERR_TOKEN_CLAIM',
      401,
    )
    await expectAuthError(verifier.verify(h.sign(key)), 'AUTH_ERR_TOKEN_ALGORITHM', 401)
  })

  it('never lets an HS256 token through an RS256 verifier', async () => {
    await expectAuthError(h.verifier().verify(hs256(SECRET)), 'AUTH_ERR_TOKEN_ALGORITHM', 401)
  })
})

describe('scopes from permissions (APIs with an _authz token dialect)', () => {
  it('reads scopes from the permissions claim when asked, and from scope by default', async () => {
    const token = h.sign(key, { scope: 'read:all', permissions: ['read:orders', 'write:orders'] })
    expect([...(await h.verifier().verify(token)).scopes]).toEqual(['read:all'])
    const byPermissions = h.verifier({ scopesClaim: 'permissions' })
    expect([...(await byPermissions.verify(token)).scopes]).toEqual(['read:orders', 'write:orders'])
  })

  it('gives no scope when permissions is missing or not an array of strings', async () => {
    const verifier = h.verifier({ scopesClaim: 'permissions' })
    expect((await verifier.verify(h.sign(key, { scope: 'read:all' }))).scopes.size).toBe(0)
    const asString = h.sign(key, { permissions: 'read:orders write:orders' })
    expect((await verifier.verify(asString)).scopes.size).toBe(0)
  })

  it('refuses another value for scopesClaim', () => {
    expect(() => h.verifier({ scopesClaim: 'scp' as never })).toThrow(/scopesClaim must be/)
  })
})
