import { randomBytes } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { nonNegative, positive } from '../option-checks.js'
import { createMemoryTokenCache } from './memory-token-cache.js'
import type { TokenCache, TokenCacheLock } from './token-cache.js'
import { createTokenSealer, type TokenEncryptionKey, tokenFingerprint } from './token-sealing.js'

/**
 * The commands the cache sends, as ioredis (>= 5) declares them. Any ioredis
 * `Redis` instance fits; `@m2m/auth` names no ioredis type, so users without
 * Redis need not install it.
 */
export interface RedisClientLike {
  readonly status: string
  get(key: string): Promise<string | null>
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>
  del(key: string): Promise<number>
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>
  on(event: 'error', listener: (error: Error) => void): unknown
  on(event: 'ready' | 'close', listener: () => void): unknown
  quit(): Promise<unknown>
  disconnect(): void
}

/** Where the cache stands: on Redis, or on its in-process fallback while Redis is unavailable. */
export type RedisTokenCacheState = 'redis' | 'fallback'

/** Counters since the cache was created. */
export interface RedisTokenCacheMetrics {
  state: RedisTokenCacheState
  /** Times Redis became unavailable (each outage is logged once). */
  outages: number
  /** Operations answered by the in-process fallback because Redis was unavailable. */
  fallbacks: number
  /** Entries found in Redis that did not authenticate (tampered, or another key): misses. */
  rejectedEntries: number
}

/** The logger shape the cache writes to (pino's). */
export interface RedisTokenCacheLogger {
  warn(obj: object, msg?: string): void
  info?(obj: object, msg?: string): void
}

export interface RedisTokenCacheOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. Give this or `client`. */
  url?: string
  /**
   * Your own ioredis client, used as is and not closed by `close()`. Give it
   * `enableOfflineQueue: false`, `maxRetriesPerRequest: 0` and a
   * `commandTimeout`, or a Redis outage stalls token calls.
   */
  client?: RedisClientLike
  /** AES-256-GCM key: 32 bytes, or 64 hex digits, or base64. Required. */
  encryptionKey: TokenEncryptionKey
  /** Older keys, to read entries written before a rotation. Default none. */
  previousEncryptionKeys?: readonly TokenEncryptionKey[]
  /** Prepended to every Redis key, to share one Redis between environments. Default `''`. */
  keyPrefix?: string
  /** A Redis command taking longer counts as a failure (fallback). Default 1,000 ms. */
  commandTimeoutMs?: number
  /** How long `createRedisTokenCache` waits for the first connection. Default 2,000 ms. */
  connectTimeoutMs?: number
  /** While Redis is unavailable, how often one operation tries it again. Default 1,000 ms. */
  retryIntervalMs?: number
  /** Entries leave Redis this long before their token expires (at most half its life). Default 5,000 ms. */
  expiryMarginMs?: number
  /** Where tokens are kept while Redis is unavailable. Default `createMemoryTokenCache()`. */
  fallback?: TokenCache
  logger?: RedisTokenCacheLogger
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number
}

/** A `TokenCache` on Redis that falls back to an in-process cache while Redis is unavailable. */
export interface RedisTokenCache extends TokenCache {
  lock(key: string, ttlMs: number): Promise<TokenCacheLock | undefined>
  /** A snapshot of the counters and state. */
  readonly metrics: Readonly<RedisTokenCacheMetrics>
  /** Closes the connection it opened (not a `client` passed in). */
  close(): Promise<void>
}

// Deletes KEYS[1] only while it holds what the caller expects, in one step: a
// lock only by its owner, a token entry only while it is that token.
// Takes KEYS[1] for ARGV[1], or finds it already ARGV[1]'s: an earlier SET that
// timed out on our side may have succeeded, and its lock must not be orphaned.
const TAKE_LOCK = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`
const DELETE_IF_TOKEN = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '.' then return redis.call('DEL', KEYS[1]) end
return 0`

const FAILED: unique symbol = Symbol('redis failed')
/** Failed commands in a row, on a connection that looks alive, that make an outage. */
const FAILURES_FOR_OUTAGE = 3

/**
 * Creates a `TokenCache` shared by every replica through Redis.
 *
 * - Entries are sealed with AES-256-GCM (see {@link createTokenSealer}): a
 *   Redis dump or a replica of it holds no bearer token. Entries that do not
 *   authenticate are misses.
 * - `lock` is `SET <key>:lock <random owner> NX PX <ttl>`, released by a Lua
 *   compare-and-delete, so only its owner frees it and a crashed owner's lock
 *   expires on its own; the provider's in-process single flight stays in front.
 * - Every command is bounded by `commandTimeoutMs`; a failed command is
 *   answered by the in-process `fallback`. A lost connection, or three failed
 *   commands in a row, is an outage (logged once, counted): the fallback then
 *   answers everything, locks included, and one operation per
 *   `retryIntervalMs` tries Redis again.
 *
 * Loads ioredis (an optional peer dependency) only when given a `url`.
 */
export async function createRedisTokenCache(
  options: RedisTokenCacheOptions,
): Promise<RedisTokenCache> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options must be an object')
  }
  if (options.encryptionKey === undefined) {
    throw new InvalidOptionError('encryptionKey is required: tokens are never stored in clear')
  }
  const sealer = createTokenSealer(options.encryptionKey, options.previousEncryptionKeys)
  const commandTimeoutMs = positive(options.commandTimeoutMs ?? 1_000, 'commandTimeoutMs')
  const connectTimeoutMs = positive(options.connectTimeoutMs ?? 2_000, 'connectTimeoutMs')
  const retryIntervalMs = positive(options.retryIntervalMs ?? 1_000, 'retryIntervalMs')
  const expiryMarginMs = nonNegative(options.expiryMarginMs ?? 5_000, 'expiryMarginMs')
  const prefix = options.keyPrefix ?? ''
  if (typeof prefix !== 'string') throw new InvalidOptionError('keyPrefix must be a string')
  const now = options.now ?? Date.now
  const logger = options.logger
  const fallback = options.fallback ?? createMemoryTokenCache({ now })

  if ((options.url === undefined) === (options.client === undefined)) {
    throw new InvalidOptionError('give url or client, not both')
  }
  const owned = options.url !== undefined
  const client =
    options.client ?? (await connect(options.url as string, commandTimeoutMs, connectTimeoutMs))

  const metrics: RedisTokenCacheMetrics = {
    state: 'redis',
    outages: 0,
    fallbacks: 0,
    rejectedEntries: 0,
  }
  let retryAt = 0
  let probing = false
  let consecutiveFailures = 0
  // Owners of lock attempts whose answer never came: tried again first.
  const unansweredLocks = new Map<string, string>()
  let warnedRejected = false

  function markDown(error: unknown) {
    retryAt = now() + retryIntervalMs
    if (metrics.state === 'fallback') return
    metrics.state = 'fallback'
    metrics.outages++
    logger?.warn(
      { err: describe(error) },
      'Redis token cache unavailable; serving tokens from the in-process cache',
    )
  }

  function markUp() {
    if (metrics.state === 'redis') return
    metrics.state = 'redis'
    const log = logger?.info ?? logger?.warn
    log?.call(logger, {}, 'Redis token cache available again')
  }

  let closing = false
  client.on('error', (error) => {
    if (!closing) markDown(error)
  })
  client.on('close', () => {
    if (!closing) markDown(new Error('connection to Redis closed'))
  })
  // A reconnect lets the next operation try Redis at once.
  client.on('ready', () => {
    retryAt = 0
  })
  if (client.status !== 'ready') markDown(new Error(`Redis connection is ${client.status}`))

  /** Runs a command on Redis, or returns FAILED (and counts a fallback) when Redis is out. */
  async function attempt<T>(command: () => Promise<T>): Promise<T | typeof FAILED> {
    if (metrics.state === 'fallback') {
      // While Redis is out, one operation at a time tries it; the rest do not wait on it.
      if (probing || now() < retryAt) {
        metrics.fallbacks++
        return FAILED
      }
      probing = true
    }
    const wasProbe = probing
    try {
      const result = await command()
      consecutiveFailures = 0
      markUp()
      return result
    } catch (error) {
      consecutiveFailures++
      // A lost connection is an outage at once. A timeout on a live connection may be this
      // process's event loop running late under load, not Redis: only a run of them is.
      if (
        metrics.state === 'fallback' ||
        client.status !== 'ready' ||
        consecutiveFailures >= FAILURES_FOR_OUTAGE
      ) {
        markDown(error)
      }
      metrics.fallbacks++
      return FAILED
    } finally {
      if (wasProbe) probing = false
    }
  }

  const storageKey = (key: string) => `${prefix}${key}`

  return {
    async get(key) {
      const raw = await attempt(() => client.get(storageKey(key)))
      if (raw === FAILED) return fallback.get(key)
      if (raw === null) return undefined
      const token = sealer.open(storageKey(key), raw)
      if (!token) {
        metrics.rejectedEntries++
        if (!warnedRejected) {
          warnedRejected = true
          logger?.warn(
            {},
            'a token in Redis did not authenticate (tampered with, or sealed with another key): ignored',
          )
        }
        return undefined
      }
      if (token.expiresAt <= now()) return undefined
      // Kept in process too, so an outage finds it there.
      await fallback.set(key, token, token.expiresAt - now())
      return token
    },

    async set(key, token, ttlMs) {
      await fallback.set(key, token, ttlMs)
      const px = Math.floor(ttlMs - Math.min(expiryMarginMs, ttlMs / 2))
      if (px < 1) return
      const value = sealer.seal(storageKey(key), token)
      await attempt(() => client.set(storageKey(key), value, 'PX', px))
    },

    async delete(key, ifAccessToken) {
      await fallback.delete(key, ifAccessToken)
      await attempt(() =>
        ifAccessToken === undefined
          ? client.del(storageKey(key))
          : client.eval(DELETE_IF_TOKEN, 1, storageKey(key), tokenFingerprint(ifAccessToken)),
      )
    },

    async lock(key, ttlMs) {
      const lockKey = `${storageKey(key)}:lock`
      const owner = unansweredLocks.get(lockKey) ?? randomBytes(16).toString('base64url')
      unansweredLocks.delete(lockKey)
      const px = Math.max(1, Math.ceil(ttlMs))
      const taken = await attempt(() => client.eval(TAKE_LOCK, 1, lockKey, owner, String(px)))
      if (taken === FAILED) {
        unansweredLocks.set(lockKey, owner)
        // In an outage, single flight within this process is the best on offer. A one-off
        // failure is not an outage: "held by someone", so the provider looks again shortly.
        return metrics.state === 'fallback' ? fallback.lock?.(key, ttlMs) : undefined
      }
      if (taken !== 1) return undefined
      let released = false
      return {
        async release() {
          if (released) return
          released = true
          // If this fails, the lock expires on its own.
          await attempt(() => client.eval(RELEASE_LOCK, 1, lockKey, owner))
        },
      }
    },

    get metrics() {
      return { ...metrics }
    },

    async close() {
      if (!owned || closing) return
      closing = true
      if (client.status !== 'ready') {
        client.disconnect()
        return
      }
      const timer = new Promise((resolve) => setTimeout(resolve, commandTimeoutMs).unref())
      await Promise.race([client.quit().catch(() => {}), timer])
      client.disconnect()
    },
  } satisfies RedisTokenCache
}

async function connect(
  url: string,
  commandTimeoutMs: number,
  connectTimeoutMs: number,
): Promise<RedisClientLike> {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url) || !URL.canParse(url)) {
    throw new InvalidOptionError('url must be a redis:// or rediss:// URL')
  }
  let Redis: typeof import('ioredis').Redis
  try {
    ;({ Redis } = await import('ioredis'))
  } catch (cause) {
    throw new InvalidOptionError(
      'createRedisTokenCache({ url }) needs the ioredis package: install ioredis@^6',
      { cause },
    )
  }
  const client = new Redis(url, {
    // Fail fast instead of queueing while disconnected: the fallback answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // Keep reconnecting, never more than a second apart, so recovery is noticed.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: false,
  })
  // The first connection is waited for (bounded): a service starting next to
  // Redis should not begin on its fallback. If Redis is down, it starts anyway.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, connectTimeoutMs)
    timer.unref()
    client.once('ready', done)
    client.once('error', done)
    function done() {
      clearTimeout(timer)
      client.off('ready', done)
      client.off('error', done)
      resolve()
    }
  })
  return client as unknown as RedisClientLike
}

/** What of an error may be logged: Redis errors carry no tokens, but keep it to code and message. */
function describe(error: unknown): { code?: unknown; message: string } {
  if (error instanceof Error) {
    return { code: (error as { code?: unknown }).code, message: error.message }
  }
  return { message: String(error) }
}
