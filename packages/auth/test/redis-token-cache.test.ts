import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createRedisTokenCache,
  createTokenProvider,
  type RedisTokenCache,
  type RedisTokenCacheOptions,
  type TokenProvider,
  type TokenProviderOptions,
} from '../src/token/index.js'
import { startRedisServer } from './helpers/redis-server.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from './helpers/token-server.js'

const secret = 'redis-test-secret-0123456789abcdef'
const key = randomBytes(32).toString('base64')
// JWT-shaped, so "no JWT text at rest" means something.
const jwt = (n: number) =>
  `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJnaWZ0LWRlbGl2ZXJpZXNAY2xpZW50cyIsIm4iOj${n}fQ.c2lnbmF0dXJl${n}`

let redis: Awaited<ReturnType<typeof startRedisServer>>
let inspect: Redis
let server: TokenServer
let prefixCounter = 0
const caches: RedisTokenCache[] = []
const providers: TokenProvider[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  inspect = redis.inspect()
})

afterAll(async () => {
  inspect.disconnect()
  await redis.stop()
})

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()))
  await Promise.all(caches.splice(0).map((c) => c.close()))
  await server?.close()
  // A test that took Redis down brings it back for the next one.
  await redis.start().catch(() => {})
})

function logger() {
  return { warn: vi.fn(), info: vi.fn(), debug: vi.fn() }
}

async function cache(options: Partial<RedisTokenCacheOptions> = {}): Promise<RedisTokenCache> {
  const c = await createRedisTokenCache({
    url: redis.url,
    encryptionKey: key,
    keyPrefix: `t${prefixCounter}:`,
    commandTimeoutMs: 300,
    retryIntervalMs: 100,
    ...options,
  })
  caches.push(c)
  return c
}

function provider(tokenCache: RedisTokenCache, overrides: Partial<TokenProviderOptions> = {}) {
  const p = createTokenProvider({
    ...providerOptionsFor(server, secret),
    cache: tokenCache,
    lockPollMs: 10,
    ...overrides,
  })
  providers.push(p)
  return p
}

async function start() {
  prefixCounter++
  server = await startTokenServer()
}

async function keysOf(prefix: string): Promise<string[]> {
  return (await inspect.keys(`${prefix}*`)).sort()
}

describe('createRedisTokenCache options', () => {
  const cases: Array<[string, Partial<RedisTokenCacheOptions>, RegExp]> = [
    ['no encryption key', { encryptionKey: undefined as never }, /encryptionKey is required/],
    ['a passphrase as key', { encryptionKey: 'correct horse battery staple' }, /32 random bytes/],
    ['a 16-byte key', { encryptionKey: randomBytes(16).toString('hex') }, /32 random bytes/],
    ['a 31-byte buffer', { encryptionKey: randomBytes(31) }, /must be 32 bytes/],
    ['no url nor client', { url: undefined }, /give url or client/],
    ['an http url', { url: 'http://127.0.0.1:6379' }, /redis:\/\/ or rediss:\/\//],
    ['a zero timeout', { commandTimeoutMs: 0 }, /commandTimeoutMs must be a positive number/],
  ]
  for (const [name, overrides, message] of cases) {
    it(`rejects ${name}`, async () => {
      const error = await cache(overrides).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'AUTH_ERR_INVALID_OPTION' })
      expect(String((error as Error).message)).toMatch(message)
    })
  }

  it('takes the key as 64 hex digits, base64url or bytes', async () => {
    const bytes = randomBytes(32)
    for (const encryptionKey of [bytes.toString('hex'), bytes.toString('base64url'), bytes]) {
      const c = await cache({ encryptionKey })
      expect(c.metrics.state).toBe('redis')
    }
  })
})

describe('cross-replica single flight', () => {
  it('two providers on separate connections make one token request between them', async () => {
    await start()
    server.reply({
      status: 200,
      body: { access_token: jwt(1), token_type: 'Bearer', expires_in: 3600 },
      delayMs: 200,
    })
    const a = provider(await cache())
    const b = provider(await cache())
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).getToken()),
    )
    expect(new Set(tokens)).toEqual(new Set([jwt(1)]))
    expect(server.tokenRequests).toBe(1)
    expect(a.metrics.exchanges + b.metrics.exchanges).toBe(1)
    // The lock was released by its owner.
    expect(await keysOf(`t${prefixCounter}:`)).toEqual([`t${prefixCounter}:${a.cacheKey}`])
  })

  it("a crashed holder's lock expires and another replica then refreshes", async () => {
    await start()
    const log = logger()
    const crashed = await cache()
    const p = provider(await cache(), { logger: log })
    const lockKey = `t${prefixCounter}:${p.cacheKey}:lock`
    expect(await crashed.lock(p.cacheKey, 1_500)).toBeDefined()
    const owner = await inspect.get(lockKey)
    // The holder dies without releasing its lock.
    await crashed.close()

    const pending = p.getToken()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const stillHeld = await inspect.get(lockKey)
    expect(stillHeld).toBe(owner)
    expect(server.tokenRequests).toBe(0)

    expect(await pending).toMatch(/^token-/)
    expect(server.tokenRequests).toBe(1)
    // It took the lock after expiry rather than giving up on it.
    expect(log.warn).not.toHaveBeenCalledWith(
      expect.anything(),
      expect.stringMatching(/never freed/),
    )
    expect(await inspect.exists(lockKey)).toBe(0)
  })

  it('a lock whose SET answer was lost (timeout) is not orphaned: the next try finds it ours', async () => {
    await start()
    const c = await cache({ commandTimeoutMs: 200 })
    const lockKey = `t${prefixCounter}:k:lock`
    redis.pause()
    try {
      // The command waits in the socket; our side gives up on it.
      expect(await c.lock('k', 10_000)).toBeUndefined()
    } finally {
      redis.resume()
    }
    // Redis then runs it: the lock is held, by us, with nobody knowing.
    await vi.waitFor(async () => expect(await inspect.exists(lockKey)).toBe(1))
    const again = await c.lock('k', 10_000)
    expect(again).toBeDefined()
    await again?.release()
    expect(await inspect.exists(lockKey)).toBe(0)
    // Anyone else still finds it free only after the release.
    expect(await c.lock('k', 10_000)).toBeDefined()
  })

  it('a lock is released only by its owner', async () => {
    await start()
    const c = await cache()
    const lockKey = `t${prefixCounter}:k:lock`
    const first = await c.lock('k', 2_000)
    expect(first).toBeDefined()
    expect(await c.lock('k', 2_000)).toBeUndefined()
    // The first lock ran out and someone else took it: the late release must not free theirs.
    await inspect.set(lockKey, 'someone-else', 'PX', 2_000)
    await first?.release()
    expect(await inspect.get(lockKey)).toBe('someone-else')
  })
})

describe('entries at rest', () => {
  it('stores no token, JWT text, client id or secret; keys are hashed; TTL ends before expiry', async () => {
    await start()
    server.reply({
      status: 200,
      body: { access_token: jwt(7), token_type: 'Bearer', expires_in: 600, scope: 'directions' },
    })
    const p = provider(await cache({ expiryMarginMs: 30_000 }))
    expect(await p.getToken()).toBe(jwt(7))

    const keys = await keysOf(`t${prefixCounter}:`)
    expect(keys).toEqual([`t${prefixCounter}:${p.cacheKey}`])
    expect(keys[0]).toMatch(/^t\d+:m2m:token:[A-Za-z0-9_-]{43}$/)
    const raw = (await inspect.get(keys[0] as string)) as string
    for (const secretText of [
      jwt(7),
      'eyJ',
      'gift-deliveries',
      secret,
      'urn:worldmappers',
      'Bearer',
      'directions',
    ]) {
      expect(raw).not.toContain(secretText)
    }
    expect(raw.split('.')).toHaveLength(6)
    const pttl = await inspect.pttl(keys[0] as string)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(600_000 - 30_000)
  })

  it('a tampered entry is a miss (counted, warned once) and is replaced by a new token', async () => {
    await start()
    const log = logger()
    const c = await cache({ logger: log })
    const p = provider(c)
    const first = await p.getToken()
    const storageKey = `t${prefixCounter}:${p.cacheKey}`
    const raw = (await inspect.get(storageKey)) as string
    const parts = raw.split('.')
    const ciphertext = parts[4] as string
    parts[4] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`
    await inspect.set(storageKey, parts.join('.'), 'KEEPTTL')

    const second = await p.getToken()
    expect(second).not.toBe(first)
    expect(server.tokenRequests).toBe(2)
    // Each read of the bad entry (the provider re-checks around its lock) is counted.
    expect(c.metrics.rejectedEntries).toBeGreaterThanOrEqual(1)
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(JSON.stringify(log.warn.mock.calls)).not.toContain(first)
  })

  it('an entry copied under another key, or sealed with another key, is a miss', async () => {
    await start()
    const c = await cache()
    const geocode = provider(c, { audience: 'urn:geocode' })
    const directions = provider(c, { audience: 'urn:directions' })
    const mine = await geocode.getToken()
    const prefix = `t${prefixCounter}:`
    // Someone with write access puts the geocode token under the directions key.
    await inspect.set(
      `${prefix}${directions.cacheKey}`,
      (await inspect.get(`${prefix}${geocode.cacheKey}`)) as string,
      'PX',
      60_000,
    )
    expect(await directions.getToken()).not.toBe(mine)
    expect(c.metrics.rejectedEntries).toBeGreaterThanOrEqual(1)

    const otherKey = await cache({ encryptionKey: randomBytes(32) })
    expect(await otherKey.get(geocode.cacheKey)).toBeUndefined()
    expect(otherKey.metrics.rejectedEntries).toBe(1)
  })

  it('a replica sealed with an older key is still read after a rotation', async () => {
    await start()
    const old = randomBytes(32)
    const before = provider(await cache({ encryptionKey: old }))
    const token = await before.getToken()
    const rotated = await cache({ encryptionKey: randomBytes(32), previousEncryptionKeys: [old] })
    expect((await rotated.get(before.cacheKey))?.accessToken).toBe(token)
  })

  it('invalidate deletes the entry only while it is still that token', async () => {
    await start()
    const c = await cache()
    const p = provider(c)
    const first = await p.getToken()
    const storageKey = `t${prefixCounter}:${p.cacheKey}`
    await p.invalidate('some-older-token')
    expect(await inspect.exists(storageKey)).toBe(1)
    await p.invalidate(first)
    expect(await inspect.exists(storageKey)).toBe(0)
    expect(await p.getToken()).not.toBe(first)
  })
})

describe('Redis unavailable', () => {
  it('killed mid-use: serves from the in-process cache, logs once, counts, and recovers', async () => {
    await start()
    const log = logger()
    const c = await cache({ logger: log })
    const p = provider(c)
    const token = await p.getToken()
    expect(c.metrics).toMatchObject({ state: 'redis', outages: 0, fallbacks: 0 })

    await redis.kill()
    const during = await Promise.all(Array.from({ length: 50 }, () => p.getToken()))
    expect(new Set(during)).toEqual(new Set([token]))
    expect(server.tokenRequests).toBe(1)
    expect(c.metrics.state).toBe('fallback')
    expect(c.metrics.outages).toBe(1)
    expect(c.metrics.fallbacks).toBeGreaterThan(0)
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]?.[1]).toMatch(/Redis token cache unavailable/)
    expect(JSON.stringify(log.warn.mock.calls)).not.toContain(token)

    // A 401 during the outage still gets a new token (in-process single flight).
    await p.invalidate(token)
    const replacement = await p.getToken()
    expect(replacement).not.toBe(token)

    await redis.start()
    await vi.waitFor(
      async () => {
        await p.getToken()
        expect(c.metrics.state).toBe('redis')
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(log.info).toHaveBeenCalledWith({}, 'Redis token cache available again')
    expect(log.warn).toHaveBeenCalledTimes(1)
    // The restarted Redis is empty: the next token is shared through it again.
    await vi.waitFor(async () => {
      expect(await inspect.exists(`t${prefixCounter}:${p.cacheKey}`)).toBe(1)
    })
    expect(c.metrics.outages).toBe(1)
  })

  it('a hung Redis does not stall getToken: commands time out into the fallback', async () => {
    await start()
    const c = await cache({ commandTimeoutMs: 200 })
    const p = provider(c)
    const token = await p.getToken()
    redis.pause()
    try {
      // A timeout or two may be this process running late; three in a row are an outage.
      expect(await p.getToken()).toBe(token)
      expect(c.metrics.state).toBe('redis')
      expect(await p.getToken()).toBe(token)
      expect(await p.getToken()).toBe(token)
      expect(c.metrics.state).toBe('fallback')
      // Meanwhile the others do not wait on Redis at all.
      const fallbacksBefore = c.metrics.fallbacks
      expect(await p.getToken()).toBe(token)
      expect(c.metrics.fallbacks).toBeGreaterThan(fallbacksBefore)
    } finally {
      redis.resume()
    }
  })

  it('Redis down at start: the cache starts on its fallback and the provider works', async () => {
    await start()
    await redis.kill()
    const log = logger()
    const c = await cache({ logger: log, connectTimeoutMs: 500 })
    expect(c.metrics.state).toBe('fallback')
    const p = provider(c)
    const tokens = await Promise.all(Array.from({ length: 20 }, () => p.getToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(server.tokenRequests).toBe(1)
    expect(log.warn).toHaveBeenCalledTimes(1)
  })
})
