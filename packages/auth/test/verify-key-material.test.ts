import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { generateRsaKey, type TestKey } from './helpers/jwks-server.js'
import { signJwt } from './helpers/sign-jwt.js'
import {
  AUDIENCE,
  expectAuthError,
  startHarness,
  type VerifyHarness,
} from './helpers/verify-harness.js'

let harness: VerifyHarness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

describe('key material', () => {
  it('re-verifies a cached token when its kid is republished with another key', async () => {
    const original = generateRsaKey('k1')
    harness = await startHarness(original)
    const verifier = harness.verifier({ jwksMaxAgeMs: 1_000 })
    const token = harness.sign(original)
    await verifier.verify(token)

    // Same kid, different key: the old key's tokens must not ride on the cache.
    const impostor: TestKey = { ...generateRsaKey('k1') }
    harness.server.setKeys(impostor)
    harness.advance(31_000)
    await verifier.keys.refresh()
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  it('keeps the verifier (and the cache) of a key that did not change across re-reads', async () => {
    const key = generateRsaKey('k1')
    harness = await startHarness(key)
    const verifier = harness.verifier()
    const token = harness.sign(key)
    const first = await verifier.verify(token)
    harness.advance(31_000)
    await verifier.keys.refresh()
    expect(await verifier.verify(token)).toBe(first)
  })

  it('refuses RSA keys shorter than 2048 bits', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const weak = { kid: 'weak', alg: 'RS256', use: 'sig', ...publicKey.export({ format: 'jwk' }) }
    harness = await startHarness()
    harness.server.setKeys(weak)
    const verifier = harness.verifier()
    const token = signJwt({
      header: { alg: 'RS256', kid: 'weak', typ: 'JWT' },
      payload: harness.claims(),
      key: privateKey,
    })
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
  })
})

describe('jwks option', () => {
  it('reads keys from an in-process source instead of fetching, with the same rules', async () => {
    const key = generateRsaKey('local')
    harness = await startHarness()
    let reads = 0
    const verifier = harness.verifier({
      jwks: () => {
        reads++
        return { keys: [key.jwk] }
      },
    })
    const token = harness.sign(key, { aud: AUDIENCE })
    expect((await verifier.verify(token)).clientId).toBe('gift-deliveries')
    await expectAuthError(
      verifier.verify(harness.sign(generateRsaKey('other'))),
      'AUTH_ERR_UNKNOWN_KEY',
      401,
    )
    expect(reads).toBe(1) // the unknown kid fell inside the cooldown
    expect(harness.server.hits).toBe(0)
  })
})
