import { sign } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createDpopKey,
  createDpopProof,
  createMemoryReplayCache,
  createRedisReplayCache,
  DPOP_ALGORITHMS,
  jwkThumbprint,
  normalizeHtu,
  verifyDpopProof,
} from '../src/dpop/index.js'
import { startRedisServer } from './helpers/redis-server.js'

describe('jwkThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    }
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
  })

  it('ignores members outside the required ones, and refuses what it cannot hash', () => {
    const { publicJwk, jkt } = createDpopKey()
    expect(jwkThumbprint({ ...publicJwk, kid: 'k', use: 'sig' })).toBe(jkt)
    expect(() => jwkThumbprint({ kty: 'oct', k: 'AAAA' })).toThrow(/unsupported JWK key type/)
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AA' })).toThrow(/no "y" member/)
  })
})

describe('proofs round trip for every algorithm', () => {
  for (const alg of DPOP_ALGORITHMS) {
    it(`${alg}: a proof verifies, bound to the key's thumbprint, once`, async () => {
      const key = createDpopKey({ alg })
      const replay = createMemoryReplayCache()
      const proof = createDpopProof(key, {
        htm: 'patch',
        htu: 'https://api.example.com/a/b?q=1#frag',
        accessToken: 'at',
        nonce: 'n-1',
      })
      const header = JSON.parse(Buffer.from(proof.split('.')[0] as string, 'base64url').toString())
      expect(header).toEqual({ typ: 'dpop+jwt', alg, jwk: key.publicJwk })
      const expectations = {
        htm: 'PATCH',
        htu: 'https://api.example.com/a/b',
        accessToken: 'at',
        jkt: key.jkt,
        isNonceValid: (n: string) => n === 'n-1',
        replay,
      }
      await expect(verifyDpopProof(proof, expectations)).resolves.toMatchObject({
        alg,
        jkt: key.jkt,
      })
      await expect(verifyDpopProof(proof, expectations)).rejects.toMatchObject({
        error: 'invalid_dpop_proof',
        description: 'the proof was already used (jti replay)',
      })
    })
  }
})

describe('normalizeHtu', () => {
  it('compares URLs as RFC 3986 normalization does, without query and fragment', () => {
    expect(normalizeHtu('HTTPS://API.Example.COM:443/a/../b?x=1#y')).toBe(
      'https://api.example.com/b',
    )
    expect(normalizeHtu('http://127.0.0.1:80')).toBe('http://127.0.0.1/')
    expect(normalizeHtu('http://127.0.0.1:8080/p')).toBe('http://127.0.0.1:8080/p')
    expect(normalizeHtu('http://h/%7euser/a%2fb%41')).toBe('http://h/~user/a%2FbA')
    expect(normalizeHtu('http://h/~user/a%2FbA')).toBe('http://h/~user/a%2FbA')
    expect(normalizeHtu('ftp://x/y')).toBeUndefined()
    expect(normalizeHtu('/relative')).toBeUndefined()
  })

  it('is idempotent, and blind to any query or fragment (property)', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = normalizeHtu(url)
        if (once === undefined) return
        expect(normalizeHtu(once)).toBe(once)
        expect(once).not.toMatch(/[?#]/)
        expect(normalizeHtu(`${url.split(/[?#]/)[0]}?other=1`)).toBe(once)
      }),
      { seed: 2026, numRuns: 500 },
    )
  })
})

describe('the memory replay cache', () => {
  it('refuses a key until it expires, sweeps expired ones, and refuses rather than forgets when full', () => {
    let now = 0
    const cache = createMemoryReplayCache({ now: () => now, maxEntries: 1_000 })
    for (let i = 0; i < 1_000; i++) expect(cache.remember(`k${i}`, 10_000)).toBe('new')
    expect(cache.remember('k5', 10_000)).toBe('replayed')
    expect(cache.remember('one-more', 10_000)).toBe('full')
    now = 10_000
    expect(cache.remember('k5', 20_000)).toBe('new')
    expect(cache.size).toBe(1)
  })
})

describe('the memory replay cache against a model (property)', () => {
  // A step: the clock moves on, then one key is remembered until a time around then.
  const step = fc.record({
    advanceMs: fc.nat({ max: 40 }),
    key: fc.integer({ min: 0, max: 30 }).map((n) => `k${n}`),
    livesMs: fc.integer({ min: -5, max: 100 }),
  })

  it('refuses exactly the live keys, and is full exactly when its live keys fill it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(step, { maxLength: 300 }),
        (max, steps) => {
          let now = 0
          const cache = createMemoryReplayCache({ now: () => now, maxEntries: max })
          const model = new Map<string, number>()
          for (const { advanceMs, key, livesMs } of steps) {
            now += advanceMs
            for (const [known, expiresAt] of model) if (expiresAt <= now) model.delete(known)
            const expected = model.has(key)
              ? 'replayed'
              : livesMs <= 0 || model.size < max
                ? 'new'
                : 'full'
            expect(cache.remember(key, now + livesMs)).toBe(expected)
            if (expected === 'new' && livesMs > 0) model.set(key, now + livesMs)
            expect(cache.size).toBe(model.size)
          }
        },
      ),
      { seed: 2026, numRuns: 300 },
    )
  })
})

describe('the memory replay cache given no time', () => {
  it('refuses an expiry that is not a finite number, and stays in order for the keys after it', () => {
    let now = 0
    const cache = createMemoryReplayCache({ now: () => now, maxEntries: 10 })
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => cache.remember('bad', bad)).toThrow(RangeError)
    }
    expect(cache.remember('a', 20)).toBe('new')
    expect(cache.remember('b', 10)).toBe('new')
    now = 10
    expect(cache.remember('b', 30)).toBe('new')
    expect(cache.remember('a', 30)).toBe('replayed')
    expect(cache.size).toBe(2)
  })
})

describe('the memory replay cache at its capacity', () => {
  it('answers a call without walking its keys, whether it refuses or makes room', () => {
    // 200,000 live keys in a cache of 200,000: one key expires per millisecond.
    const size = 200_000
    let now = 0
    const cache = createMemoryReplayCache({ now: () => now, maxEntries: size })
    for (let i = 0; i < size; i++) expect(cache.remember(`jti-${i}`, size + i)).toBe('new')
    const iterators = ['entries', 'keys', 'values', 'forEach', Symbol.iterator] as const
    const walks = [
      ...iterators.map((name) => vi.spyOn(Map.prototype, name)),
      ...iterators.map((name) => vi.spyOn(Set.prototype, name)),
    ]
    const verdicts = { new: 0, full: 0, replayed: 0 }
    try {
      // Two calls a millisecond for 10,000 ms: one finds room, the next none.
      for (let i = 0; i < 20_000; i++) {
        if (i % 2 === 0) now = size + i / 2
        verdicts[cache.remember(`late-${i}`, now + size)]++
      }
      for (const walk of walks) expect(walk).not.toHaveBeenCalled()
    } finally {
      for (const walk of walks) walk.mockRestore()
    }
    expect(verdicts).toEqual({ new: 10_000, full: 10_000, replayed: 0 })
    expect(cache.size).toBe(size)
    expect(cache.remember('jti-10000', now + 1)).toBe('replayed')
    expect(cache.remember('late-19998', now + 1)).toBe('replayed')
    now += 1
    expect(cache.remember('jti-0', now + 1)).toBe('new')
  })
})

describe('the Redis replay cache (a real redis-server)', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>
  beforeAll(async () => {
    redis = await startRedisServer()
  }, 30_000)
  afterAll(async () => {
    await redis?.stop()
  })

  it('lets only one of several replicas accept the same proof, even at once', async () => {
    const clients = Array.from({ length: 4 }, () => redis.inspect())
    try {
      const key = createDpopKey()
      const proofs = Array.from({ length: 50 }, () =>
        createDpopProof(key, { htm: 'GET', htu: 'http://api.test/x', accessToken: 't' }),
      )
      const replicas = clients.map((client) => createRedisReplayCache(client))
      let accepted = 0
      let refused = 0
      await Promise.all(
        proofs.flatMap((proof) =>
          replicas.map((replay) =>
            verifyDpopProof(proof, {
              htm: 'GET',
              htu: 'http://api.test/x',
              accessToken: 't',
              replay,
            }).then(
              () => accepted++,
              (error) => {
                expect(error.description).toMatch(/jti replay/)
                refused++
              },
            ),
          ),
        ),
      )
      expect(accepted).toBe(proofs.length)
      expect(refused).toBe(proofs.length * (replicas.length - 1))
      const ttl = await clients[0]?.pttl(
        `m2m:dpop:jti:${key.jkt}:${JSON.parse(Buffer.from((proofs[0] as string).split('.')[1] as string, 'base64url').toString()).jti}`,
      )
      expect(ttl).toBeGreaterThan(140_000)
      expect(ttl).toBeLessThanOrEqual(151_000)
    } finally {
      for (const client of clients) client.disconnect()
    }
  })
})

describe('a full replay cache', () => {
  it('answers 503 (the server at capacity), never a refusal that blames the client', async () => {
    const key = createDpopKey()
    const replay = createMemoryReplayCache({ maxEntries: 1 })
    const proof = () => createDpopProof(key, { htm: 'GET', htu: 'http://api.test/' })
    await verifyDpopProof(proof(), { htm: 'GET', htu: 'http://api.test/', replay })
    await expect(
      verifyDpopProof(proof(), { htm: 'GET', htu: 'http://api.test/', replay }),
    ).rejects.toMatchObject({ code: 'AUTH_ERR_REPLAY_CACHE_FULL', statusCode: 503 })
  })

  it('takes an iat with a fraction (a NumericDate, RFC 7519 §2)', async () => {
    const key = createDpopKey()
    const now = Date.UTC(2026, 11, 5)
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk })}.${encode({
      jti: 'fraction-1',
      htm: 'GET',
      htu: 'http://api.test/',
      iat: now / 1000 - 1.25,
    })}`
    const signature = sign('sha256', Buffer.from(input), {
      key: key.privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url')
    await expect(
      verifyDpopProof(`${input}.${signature}`, {
        htm: 'GET',
        htu: 'http://api.test/',
        replay: createMemoryReplayCache(),
        now,
      }),
    ).resolves.toMatchObject({ iat: now / 1000 - 1.25 })
  })
})
