import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateRsaKey } from './helpers/jwks-server.js'
import { expectAuthError, harnessPerTest } from './helpers/verify-harness.js'

const keyA = generateRsaKey('key-a')
const keyB = generateRsaKey('key-b')
const h = harnessPerTest(keyA)

afterEach(() => {
  vi.useRealTimers()
})

describe('verified-token cache', () => {
  it('serves a second verification of the same token from the cache', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const first = await verifier.verify(token)
    // The very object built by the first verification: no second decode nor signature check.
    expect(await verifier.verify(token)).toBe(first)
    expect(h.server.hits).toBe(1)
  })

  it('verifies every time with cacheMax 0', async () => {
    const verifier = h.verifier({ cacheMax: 0 })
    const token = h.sign(keyA)
    const first = await verifier.verify(token)
    const second = await verifier.verify(token)
    expect(second).not.toBe(first)
    expect(second).toEqual(first)
  })

  it('serves a token whose key left the JWKS until the store re-reads it', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    const first = await verifier.verify(token)
    h.server.setKeys(keyB)
    h.advance(60_000)
    expect(await verifier.verify(token)).toBe(first)
    expect(h.server.hits).toBe(1)
  })

  it('keeps at most cacheMax tokens, least recently used out first', async () => {
    const verifier = h.verifier({ cacheMax: 2 })
    const tokens = ['1', '2', '3'].map((jti) => h.sign(keyA, { jti }))
    const results = []
    for (const token of tokens) results.push(await verifier.verify(token))
    expect(await verifier.verify(tokens[2] as string)).toBe(results[2])
    expect(await verifier.verify(tokens[1] as string)).toBe(results[1])
    const again = await verifier.verify(tokens[0] as string)
    expect(again).not.toBe(results[0])
    expect(again).toEqual(results[0])
  })

  it('does not cache a refusal: a token of a key published later verifies', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyB)
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_UNKNOWN_KEY', 401)
    h.server.setKeys(keyA, keyB)
    h.advance(30_000)
    const result = await verifier.verify(token)
    expect(result.header.kid).toBe('key-b')
  })

  it('does not serve a token found in the cache under another token', async () => {
    const verifier = h.verifier()
    const token = h.sign(keyA)
    await verifier.verify(token)
    const [header, payload, signature = ''] = token.split('.')
    // Another signature with the same last characters (the cache key): one character
    // changed before them, always to a different one. (Replacing the last two with
    // "AA" left the token unchanged when it already ended so: 1 run in 256 passed it.)
    const at = signature.length - 20
    const other = signature[at] === 'A' ? 'B' : 'A'
    const forged = `${header}.${payload}.${signature.slice(0, at)}${other}${signature.slice(at + 1)}`
    expect(forged).not.toBe(token)
    await expectAuthError(verifier.verify(forged), 'AUTH_ERR_TOKEN_SIGNATURE', 401)
  })

  // Regression: the cache counted the token lifetime on lru-cache's own clock
  // (performance.now), not on the clock that fast-jwt and the `now` option read.
  it('does not serve a cached token past its exp (system time moved)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    vi.setSystemTime(start)
    const verifier = h.verifier({ now: undefined })
    const token = h.sign(keyA, { exp: Math.floor(start / 1000) + 60 })
    const first = await verifier.verify(token)

    vi.setSystemTime(start + 30_000)
    expect(await verifier.verify(token)).toBe(first)

    // exp + 5 s clock tolerance + 1 s.
    vi.setSystemTime((Math.floor(start / 1000) + 66) * 1000)
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_EXPIRED', 401)
    await expectAuthError(verifier.verify(token), 'AUTH_ERR_TOKEN_EXPIRED', 401)
  })

  it("reads the clock once for a cached token: its expiry and the key set's age alike", async () => {
    let reads = 0
    const verifier = h.verifier({
      now: () => {
        reads++
        return h.clock.now
      },
    })
    const token = h.sign(keyA)
    const first = await verifier.verify(token)
    reads = 0
    expect(await verifier.verify(token)).toBe(first)
    expect(reads).toBe(1)
  })

  it('counts the cached lifetime on the now option clock', async () => {
    const verifier = h.verifier({ clockTolerance: 0 })
    const exp = Math.floor(Date.now() / 1000) + 600
    const token = h.sign(keyA, { exp })
    const first = await verifier.verify(token)

    h.clock.now = exp * 1000
    expect(await verifier.verify(token)).toBe(first)

    // Past exp on the cache clock the entry is gone; fast-jwt, on real time, verifies again.
    h.clock.now = exp * 1000 + 1
    const again = await verifier.verify(token)
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })
})
