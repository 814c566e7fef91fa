import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { Agent } from 'undici'
import { describe, expect, it, vi } from 'vitest'
import { generateRsaKey, type JwksMode } from './helpers/jwks-server.js'
import { forgeJwt } from './helpers/sign-jwt.js'
import { expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

const keyA = generateRsaKey('key-a')
const keyB = generateRsaKey('key-b')
const h = harnessPerTest(keyA)

const COOLDOWN = 30_000
const ERROR_COOLDOWN = 5_000
const MAX_AGE = 600_000

describe('a flood of unknown kids', () => {
  const randomKidToken = () => forgeJwt({ alg: 'RS256', kid: randomUUID() }, h.claims())

  it('costs at most one JWKS fetch per cooldown', async () => {
    const verifier = h.verifier()

    const concurrent = await Promise.allSettled(
      Array.from({ length: 1_000 }, () => verifier.verify(randomKidToken())),
    )
    expect(h.server.hits).toBe(1)
    const codes = new Set(concurrent.map((r) => r.status === 'rejected' && r.reason.code))
    const statuses = new Set(concurrent.map((r) => r.status === 'rejected' && r.reason.statusCode))
    expect(codes).toEqual(new Set(['AUTH_ERR_UNKNOWN_KEY']))
    expect(statuses).toEqual(new Set([401]))

    // 1,000 more one after the other, the clock moving up to just before the cooldown ends.
    for (let i = 0; i < 1_000; i++) {
      h.advance(29)
      await expectAuthError(verifier.verify(randomKidToken()), 'AUTH_ERR_UNKNOWN_KEY', 401)
    }
    expect(h.server.hits).toBe(1)

    // A known key keeps verifying meanwhile, without a fetch.
    const known = await verifier.verify(h.sign(keyA))
    expect(known.header.kid).toBe('key-a')
    expect(h.server.hits).toBe(1)

    // The cooldown over (counted from the start of the first fetch), one more fetch.
    h.advance(COOLDOWN - 29_000)
    await Promise.allSettled(Array.from({ length: 100 }, () => verifier.verify(randomKidToken())))
    expect(h.server.hits).toBe(2)
    for (let i = 0; i < 100; i++) {
      await expectAuthError(verifier.verify(randomKidToken()), 'AUTH_ERR_UNKNOWN_KEY', 401)
    }
    expect(h.server.hits).toBe(2)
  })

  it('honours jwksCooldownMs', async () => {
    const verifier = h.verifier({ jwksCooldownMs: 1_000 })
    await expectAuthError(verifier.verify(randomKidToken()), 'AUTH_ERR_UNKNOWN_KEY', 401)
    h.advance(999)
    await expectAuthError(verifier.verify(randomKidToken()), 'AUTH_ERR_UNKNOWN_KEY', 401)
    expect(h.server.hits).toBe(1)
    h.advance(1)
    await expectAuthError(verifier.verify(randomKidToken()), 'AUTH_ERR_UNKNOWN_KEY', 401)
    expect(h.server.hits).toBe(2)
  })
})

describe('key rotation', () => {
  it('accepts a new kid without a restart once the cooldown allows a fetch', async () => {
    const verifier = h.verifier()
    await verifier.verify(h.sign(keyA))
    expect(h.server.hits).toBe(1)

    h.server.setKeys(keyA, keyB)
    const tokenB = h.sign(keyB)
    await expectAuthError(verifier.verify(tokenB), 'AUTH_ERR_UNKNOWN_KEY', 401)
    expect(h.server.hits).toBe(1)

    h.advance(COOLDOWN)
    const result = await verifier.verify(tokenB)
    expect(result.header.kid).toBe('key-b')
    expect(h.server.hits).toBe(2)
    expect(verifier.keys.kids().sort()).toEqual(['key-a', 'key-b'])

    const old = await verifier.verify(h.sign(keyA, { jti: 'after-rotation' }))
    expect(old.header.kid).toBe('key-a')
    expect(h.server.hits).toBe(2)
  })

  it('drops a key removed from the JWKS when a fetch replaces the set', async () => {
    const verifier = h.verifier({ cacheMax: 0 })
    await verifier.verify(h.sign(keyA))
    h.server.setKeys(keyB)
    h.advance(COOLDOWN)
    await verifier.verify(h.sign(keyB))
    expect(verifier.keys.kids()).toEqual(['key-b'])
    await expectAuthError(verifier.verify(h.sign(keyA)), 'AUTH_ERR_UNKNOWN_KEY', 401)
  })
})

describe('JWKS endpoint down', () => {
  const downModes: Array<[string, JwksMode | 'closed']> = [
    ['answering 500', 'error'],
    ['resetting the connection', 'reset'],
    ['refusing connections', 'closed'],
    ['answering a body that is not JSON', 'garbage'],
    ['answering JSON without a keys array', 'no-keys'],
  ]

  async function goDown(mode: JwksMode | 'closed') {
    if (mode === 'closed') await h.server.stop()
    else h.server.setMode(mode)
  }

  async function comeBack(mode: JwksMode | 'closed') {
    if (mode === 'closed') await h.server.start()
    else h.server.setMode('up')
  }

  for (const [name, mode] of downModes) {
    it(`answers 503 at start when ${name}, and recovers after the error cooldown`, async () => {
      await goDown(mode)
      const verifier = h.verifier()
      const token = h.sign(keyA)
      const hitsWhenDown = mode === 'closed' ? 0 : 1

      await expectAuthError(verifier.verify(token), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
      expect(h.server.hits).toBe(hitsWhenDown)

      await comeBack(mode)
      h.advance(ERROR_COOLDOWN - 1)
      await expectAuthError(verifier.verify(token), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
      expect(h.server.hits).toBe(hitsWhenDown)

      h.advance(1)
      const result = await verifier.verify(token)
      expect(result.header.kid).toBe('key-a')
      expect(h.server.hits).toBe(hitsWhenDown + 1)
    })
  }

  it('honours jwksErrorCooldownMs', async () => {
    h.server.setMode('error')
    const verifier = h.verifier({ jwksErrorCooldownMs: 100 })
    await expectAuthError(verifier.verify(h.sign(keyA)), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
    h.server.setMode('up')
    h.advance(100)
    const result = await verifier.verify(h.sign(keyA))
    expect(result.header.kid).toBe('key-a')
    expect(h.server.hits).toBe(2)
  })

  for (const mode of ['error', 'closed'] as const) {
    it(`keeps verifying tokens of known keys while the endpoint is down (${mode})`, async () => {
      const verifier = h.verifier({ cacheMax: 0 })
      await verifier.verify(h.sign(keyA))
      await goDown(mode)
      const unknownKid = () => forgeJwt({ alg: 'RS256', kid: 'key-new' }, h.claims())

      // Each max age, a use of the key starts one re-read; it fails and the store keeps its keys.
      for (let i = 1; i <= 5; i++) {
        h.advance(MAX_AGE + 1)
        const result = await verifier.verify(h.sign(keyA, { jti: `down-${i}` }))
        expect(result.header.kid).toBe('key-a')
        // An unknown kid waits for that re-read, and is told the keys are unavailable.
        await expectAuthError(verifier.verify(unknownKid()), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
        const again = await verifier.verify(h.sign(keyA, { jti: `down-${i}-again` }))
        expect(again.header.kid).toBe('key-a')
        if (mode === 'error') expect(h.server.hits).toBe(1 + i)
      }
      expect(verifier.keys.kids()).toEqual(['key-a'])
    })
  }

  it('answers 401 for an unknown kid when the endpoint is up again', async () => {
    const verifier = h.verifier()
    await h.server.stop()
    await expectAuthError(verifier.verify(h.sign(keyB)), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
    await h.server.start()
    h.advance(ERROR_COOLDOWN)
    await expectAuthError(verifier.verify(h.sign(keyB)), 'AUTH_ERR_UNKNOWN_KEY', 401)
  })
})

describe('JWKS endpoint slow', () => {
  const cases: Array<[string, 'headers' | 'body', boolean]> = [
    ['headers, default dispatcher', 'headers', false],
    ['body, default dispatcher', 'body', false],
    ['headers, caller dispatcher without timeouts', 'headers', true],
    ['body, caller dispatcher without timeouts', 'body', true],
  ]
  for (const [name, phase, ownDispatcher] of cases) {
    it(`answers 503 after timeoutMs instead of hanging (slow ${name})`, async () => {
      const dispatcher = ownDispatcher ? new Agent() : undefined
      try {
        h.server.setDelay(10_000, phase)
        const verifier = h.verifier({ timeoutMs: 200, ...(dispatcher ? { dispatcher } : {}) })
        const started = performance.now()
        await expectAuthError(verifier.verify(h.sign(keyA)), 'AUTH_ERR_JWKS_UNAVAILABLE', 503)
        const elapsed = performance.now() - started
        expect(elapsed).toBeGreaterThanOrEqual(150)
        expect(elapsed).toBeLessThan(3_000)
        expect(h.server.hits).toBe(1)

        h.server.setDelay(0)
        h.advance(ERROR_COOLDOWN)
        const result = await verifier.verify(h.sign(keyA))
        expect(result.header.kid).toBe('key-a')
      } finally {
        await dispatcher?.destroy()
      }
    })
  }
})

describe('max age', () => {
  it('re-reads the JWKS after jwksMaxAgeMs and then refuses a cached token of a removed key', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const first = await verifier.verify(token)
    h.server.setKeys(keyB)

    h.advance(MAX_AGE - 1)
    expect(await verifier.verify(token)).toBe(first)
    expect(h.server.hits).toBe(1)

    // Past the max age, a use of the key starts a background re-read...
    h.advance(2)
    await verifier.verify(token)
    await vi.waitFor(() => expect(verifier.keys.kids()).toEqual(['key-b']))
    expect(h.server.hits).toBe(2)

    // ...after which the cache no longer serves the token, and no further fetch is made.
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
    expect(h.server.hits).toBe(2)
  })

  it('does not re-read before jwksMaxAgeMs', async () => {
    const verifier = h.verifier({ cacheMax: 0, jwksMaxAgeMs: 60_000 })
    for (let i = 0; i < 60; i++) {
      await verifier.verify(h.sign(keyA, { jti: String(i) }))
      h.advance(1_000)
    }
    expect(h.server.hits).toBe(1)
    h.advance(1)
    await verifier.verify(h.sign(keyA))
    await vi.waitFor(() => expect(h.server.hits).toBe(2))
  })
})

describe('JWKS content', () => {
  it('skips keys it cannot use and keeps the others', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    })
    h.server.setKeys(
      { ...keyB.jwk, kid: 'enc-key', use: 'enc' },
      { ...keyB.jwk, kid: 'rs512-key', alg: 'RS512' },
      { ...ec, kid: 'ec-key' },
      { kty: 'RSA', kid: 'broken-key', e: 'AQAB' },
      { kty: 'RSA', n: keyB.jwk.n, e: keyB.jwk.e },
      'not an object',
      null,
      keyA,
    )
    const verifier = h.verifier()
    const result = await verifier.verify(h.sign(keyA))
    expect(result.header.kid).toBe('key-a')
    expect(verifier.keys.kids()).toEqual(['key-a'])
    for (const kid of ['enc-key', 'rs512-key', 'ec-key', 'broken-key']) {
      await expectAuthError(verifier.verify(h.sign(keyB, {}, { kid })), 'AUTH_ERR_UNKNOWN_KEY', 401)
    }
  })

  it('keeps the first of two keys with the same kid', async () => {
    h.server.setKeys(keyA, { ...keyB.jwk, kid: 'key-a' })
    const verifier = h.verifier()
    const result = await verifier.verify(h.sign(keyA))
    expect(result.header.kid).toBe('key-a')
    await expectAuthError(
      verifier.verify(h.sign(keyB, {}, { kid: 'key-a' })),
      'AUTH_ERR_TOKEN_SIGNATURE',
      401,
    )
  })

  it('never holds a private key, even when the JWKS leaks one', async () => {
    const leaked = { ...keyA.privateKey.export({ format: 'jwk' }), kid: 'key-a', alg: 'RS256' }
    h.server.setKeys(leaked)
    const result = await h.verifier().verify(h.sign(keyA))
    expect(result.header.kid).toBe('key-a')
  })

  // Regression: a kty naming an Object.prototype member made the whole JWKS unusable.
  for (const kty of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    it(`skips a JWK with kty ${kty} and keeps the others`, async () => {
      h.server.setKeys({ kty, kid: 'odd-key', n: 'AQAB', e: 'AQAB' }, keyA)
      const verifier = h.verifier()
      const result = await verifier.verify(h.sign(keyA))
      expect(result.header.kid).toBe('key-a')
      expect(verifier.keys.kids()).toEqual(['key-a'])
    })
  }

  // Regression: a key fast-jwt refuses for the allowed algorithms made the whole JWKS unusable.
  const refusedByFastJwt: Array<[string, () => Record<string, unknown>, string[]]> = [
    [
      'an EC P-256 key without alg when only ES384 of its family is allowed',
      () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
      ['RS256', 'ES384'],
    ],
    [
      'an X25519 (key agreement) key without use when EdDSA is allowed',
      () => generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }),
      ['RS256', 'EdDSA'],
    ],
  ]
  for (const [name, jwk, algorithms] of refusedByFastJwt) {
    it(`skips ${name} and keeps the others`, async () => {
      h.server.setKeys({ ...jwk(), kid: 'odd-key' }, keyA)
      const verifier = h.verifier({ algorithms })
      const result = await verifier.verify(h.sign(keyA))
      expect(result.header.kid).toBe('key-a')
      expect(verifier.keys.kids()).toEqual(['key-a'])
    })
  }
})

describe('JWKS size', () => {
  it('refuses a JWKS declared larger than 256 KiB', async () => {
    const padding = 'x'.repeat(300 * 1024)
    h.server.setKeys({ ...keyA.jwk, padding })
    const verifier = h.verifier()
    await expectAuthError(
      verifier.verify(h.sign(keyA)),
      'AUTH_ERR_JWKS_UNAVAILABLE',
      503,
      /too large/,
    )
  })

  // Regression: a chunked body was read whole before its size was checked.
  it('stops reading an endless chunked JWKS at 256 KiB instead of buffering it', async () => {
    h.server.setMode('endless')
    const verifier = h.verifier({ timeoutMs: 10_000 })
    const started = performance.now()
    await expectAuthError(
      verifier.verify(h.sign(keyA)),
      'AUTH_ERR_JWKS_UNAVAILABLE',
      503,
      /too large/,
    )
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})

describe('warm-up', () => {
  it('keys.refresh() fetches now, and throws 503 when the endpoint is down', async () => {
    const verifier = h.verifier()
    await verifier.keys.refresh()
    expect(verifier.keys.kids()).toEqual(['key-a'])
    expect(h.server.hits).toBe(1)
    await verifier.verify(h.sign(keyA))
    expect(h.server.hits).toBe(1)

    h.server.setMode('error')
    await expectAuthError(verifier.keys.refresh(), 'AUTH_ERR_JWKS_UNAVAILABLE', 503, /500/)
    expect(verifier.keys.kids()).toEqual(['key-a'])
  })
})
