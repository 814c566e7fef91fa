/** What `remember` found: a new key (now recorded), a replay, or no room left. */
export type ReplayCheck = 'new' | 'replayed' | 'full'

/**
 * Keys seen (a DPoP proof's `jti`, a client assertion's), each kept until it
 * expires. A shared store (Redis) lets replicas refuse a replay sent to
 * another replica; `remember` may then answer with a promise.
 */
export interface ReplayCache {
  /** Records `key` until `expiresAtMs`, unless it is already recorded and not expired. */
  remember(key: string, expiresAtMs: number): ReplayCheck | Promise<ReplayCheck>
}

export interface MemoryReplayCache extends ReplayCache {
  remember(key: string, expiresAtMs: number): ReplayCheck
  readonly size: number
}

/**
 * An in-memory replay cache for one process. Bounded: expired entries are
 * swept when it is full or a minute has passed; if it is still full, new keys
 * are refused (`full`) rather than forgetting one that could be replayed.
 */
export function createMemoryReplayCache(
  options: { now?: () => number; maxEntries?: number } = {},
): MemoryReplayCache {
  const now = options.now ?? Date.now
  // About 6,000 proofs a second kept for the default 150 s (max age + leeway); ~100 MB when full.
  const maxEntries = options.maxEntries ?? 1_000_000
  const entries = new Map<string, number>()
  let nextSweep = 0

  function sweep(at: number): void {
    for (const [key, expiresAt] of entries) if (expiresAt <= at) entries.delete(key)
    nextSweep = at + 60_000
  }

  return {
    remember(key, expiresAtMs) {
      const at = now()
      const known = entries.get(key)
      if (known !== undefined && known > at) return 'replayed'
      if (at >= nextSweep || entries.size >= maxEntries) sweep(at)
      if (entries.size >= maxEntries) return 'full'
      entries.set(key, expiresAtMs)
      return 'new'
    },
    get size() {
      return entries.size
    },
  }
}

/** The subset of an ioredis client a Redis replay cache uses. */
export interface ReplayRedis {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>
}

/**
 * A replay cache in Redis, shared by replicas: `SET <prefix><key> 1 PX <ttl> NX`
 * records a key atomically, so two replicas given the same proof at once
 * cannot both accept it.
 */
export function createRedisReplayCache(
  redis: ReplayRedis,
  options: { prefix?: string; now?: () => number } = {},
): ReplayCache {
  const prefix = options.prefix ?? 'm2m:dpop:jti:'
  const now = options.now ?? Date.now
  return {
    async remember(key, expiresAtMs) {
      const ttl = Math.max(1, Math.ceil(expiresAtMs - now()))
      const set = await redis.set(`${prefix}${key}`, '1', 'PX', ttl, 'NX')
      return set === 'OK' ? 'new' : 'replayed'
    },
  }
}
